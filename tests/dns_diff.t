#!/bin/bash
# The DNS appliance against NSD: the same zones (tests/dns/zones), the
# query set tests/dns/queries.txt (every answer rule), compared field by
# field by tests/dns/compare.py; then ISC's EDNS compliance queries
# (ednscomp) against both; then what NSD cannot be compared on: the
# question's case in the answer, several queries on one TCP connection,
# and the idle timeout.
. "$(dirname "$0")/lib.sh"
t_tmpdir
. "$KILN_ROOT/tests/dns/common.sh"

for c in kdig dig nsd python3; do
	if ! command -v $c >/dev/null 2>&1; then
		skip "dns diff: no '$c' (tests/deps.sh installs nsd, knot-dnsutils, dnsutils, python3)"
		t_done
	fi
done
KP=$(dns_free_port)
NP=$(dns_free_port)
if ! dns_build "$KP" tcp_idle=1000; then
	notok "dns: builds with the test zones: $(tail -c 600 "$T_TMP/dns.build" | tr '\n' ' ')"
	t_done
fi
ok "dns: builds with the test zones"
dns_start "$DNS_IMG" "$KP" || notok "dns: appliance listens on $KP: $(cat "$T_TMP/dns.log")"
nsd_start "$NP" || { notok "nsd starts: $(cat "$T_TMP/nsd/out" "$T_TMP/nsd/nsd.log" 2>/dev/null | tail -5)"; t_done; }

python3 "$KILN_ROOT/tests/dns/compare.py" "$KILN_ROOT/tests/dns/queries.txt" "$NP" nsd "$KP" kiln

# ---- ISC EDNS compliance (https://ednscomp.isc.org's queries) ------------
Z=example.com
edns() { # NAME DIG-ARGS...: dig +norec against both; compare status, flags, OPT
	_n=$1; shift
	a=$(dig @127.0.0.1 -p "$NP" +norec +time=2 +tries=1 "$@" 2>&1 | grep -E "status:|flags:|EDNS:|^; [A-Z]+: ")
	b=$(dig @127.0.0.1 -p "$KP" +norec +time=2 +tries=1 "$@" 2>&1 | grep -E "status:|flags:|EDNS:|^; [A-Z]+: ")
	a=$(printf %s "$a" | sed -E 's/id: [0-9]+//; s/udp: [0-9]+//')
	b=$(printf %s "$b" | sed -E 's/id: [0-9]+//; s/udp: [0-9]+//')
	eq "edns compliance: $_n (same as NSD)" "$b" "$a"
}
edns "plain" +noedns soa $Z
edns "edns=0" +edns=0 soa $Z
edns "edns=1 gives BADVERS" +edns=1 +noednsneg soa $Z
edns "unknown option" +edns=0 +ednsopt=100 soa $Z
edns "unknown flag" +edns=0 +ednsflags=0x80 soa $Z
edns "DO bit" +edns=0 +dnssec soa $Z
edns "edns=1 with option and flag" +edns=1 +noednsneg +ednsopt=100 +ednsflags=0x80 soa $Z
edns "small buffer" +edns=0 +bufsize=512 +dnssec +ignore dnskey $Z
edns "TCP" +edns=0 +tcp soa $Z
out=$(dig @127.0.0.1 -p "$KP" +norec +edns=1 +noednsneg soa $Z)
contains "edns=1: status BADVERS" "$out" "status: BADVERS"
contains "edns=1: OPT version 0 in the reply" "$out" "EDNS: version: 0"
out=$(dig @127.0.0.1 -p "$KP" +norec +dnssec +ednsflags=0x80 soa $Z)
contains "DO echoed, unknown flag not echoed" "$out" "flags: do;"
out=$(dig @127.0.0.1 -p "$KP" +norec +opcode=2 soa $Z)
contains "opcode 2 gives NOTIMP" "$out" "status: NOTIMP"

# ---- what NSD cannot be compared on --------------------------------------
out=$(dig @127.0.0.1 -p "$KP" +norec +noall +answer WwW.ExAmPlE.CoM a)
contains "the question's letter case is kept in the answer" "$out" "WwW.ExAmPlE.CoM."
out=$(dig @127.0.0.1 -p "$KP" +norec +noall +answer FoO.WiLd.ExAmPlE.CoM a)
contains "a wildcard answer is owned by the question, case kept" "$out" "FoO.WiLd.ExAmPlE.CoM."
out=$(kdig @127.0.0.1 -p "$KP" +norec +tcp +keepopen example.com SOA www.example.com A nothere.example.com A 2>&1)
eq "TCP: three queries on one connection" "$(printf %s "$out" | grep -c 'HEADER')" 3
eq "TCP: one connection for them" "$(printf %s "$out" | grep -c 'From 127.0.0.1')" 3
python3 - "$KP" >"$T_TMP/idle.out" 2>&1 <<'P'
import socket, struct, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
q = bytes.fromhex("abcd00000001000000000000076578616d706c6503636f6d0000060001")
# one query split across two segments, then two in one segment
s.sendall(struct.pack(">H", len(q)) + q[:5]); time.sleep(0.05); s.sendall(q[5:])
s.sendall((struct.pack(">H", len(q)) + q) * 2)
got = 0; buf = b""
s.settimeout(2)
while got < 3:
    buf += s.recv(4096)
    while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
        n = struct.unpack(">H", buf[:2])[0]; buf = buf[2 + n:]; got += 1
print("answers", got)
t = time.time(); s.settimeout(5)
print("closed" if s.recv(1) == b"" else "data")
print("after %.1f" % (time.time() - t))
P
out=$(cat "$T_TMP/idle.out")
contains "TCP: split and batched frames all answered" "$out" "answers 3"
contains "TCP: idle connection closed by the server" "$out" "closed"
t=$(printf %s "$out" | sed -n 's/after //p')
if awk "BEGIN{exit !($t >= 0.5 && $t < 3)}"; then ok "TCP: idle timeout about tcp_idle=1000 ms ($t s)"; else notok "TCP: idle timeout: closed after $t s, want about 1 s"; fi
t_done
