#!/bin/bash
# Malformed queries against the running appliance (issue 5): each file of
# tests/dns/malformed/ is sent over UDP and over TCP; its name says what
# must come back: drop-* nothing, formerr-* FORMERR, notimp-* NOTIMP, with
# the query's ID. Afterwards the appliance must still answer, unchanged.
# (lib/dns/fuzz replays the same corpus through the parser under ASan.)
. "$(dirname "$0")/lib.sh"
t_tmpdir
. "$KILN_ROOT/tests/dns/common.sh"
command -v python3 >/dev/null 2>&1 || { skip "dns malformed: no python3"; t_done; }
P=$(dns_free_port)
dns_build "$P" || { notok "dns: builds: $(tail -c 400 "$T_TMP/dns.build")"; t_done; }
dns_start "$DNS_IMG" "$P" || { notok "dns: starts"; t_done; }
python3 - "$P" "$KILN_ROOT/tests/dns/malformed" <<'P'
import glob, os, socket, struct, sys
port = int(sys.argv[1])
RC = {"formerr": 1, "notimp": 4}
def check(name, kind, reply, data):
    if kind == "drop":
        print(("ok - " if reply is None else "not ok - ") + "malformed %s: dropped" % name)
        return
    if reply is None or len(reply) < 12:
        print("not ok - malformed %s: no answer" % name); return
    rid, flags = struct.unpack(">HH", reply[:4])
    good = rid == struct.unpack(">H", data[:2])[0] and flags & 0x8000 and flags & 0xf == RC[kind]
    print(("ok - " if good else "not ok - ") + "malformed %s: %s (rcode %d)" % (name, kind.upper(), flags & 0xf))
for f in sorted(glob.glob(sys.argv[2] + "/*.bin")):
    name = os.path.basename(f)[:-4]; kind = name.split("-")[0]
    data = open(f, "rb").read()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.settimeout(0.3)
    u.sendto(data, ("127.0.0.1", port))
    try: reply = u.recv(2048)
    except socket.timeout: reply = None
    check("udp " + name, kind, reply, data)
    if len(data) == 0:
        continue
    t = socket.create_connection(("127.0.0.1", port)); t.settimeout(0.3)
    t.sendall(struct.pack(">H", len(data)) + data)
    try:
        b = t.recv(4)
        if len(b) < 2: reply = None
        else:
            n = struct.unpack(">H", b[:2])[0]; reply = b[2:]
            while len(reply) < n: reply += t.recv(n - len(reply))
    except socket.timeout: reply = None
    check("tcp " + name, kind, reply, data)
    t.close()
P
out=$(kdig @127.0.0.1 -p "$P" +norec +short example.com SOA 2>&1)
contains "still answering after the corpus" "$out" "ns1.example.com. hostmaster.example.com. 2024010101"
# Oversized TCP frame: the server closes that connection and carries on.
python3 - "$P" <<'P' >"$T_TMP/big.out" 2>&1
import socket, struct, sys
t = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); t.settimeout(2)
t.sendall(struct.pack(">H", 60000) + b"\0" * 3000)
try: print("closed" if t.recv(10) == b"" else "data")
except ConnectionResetError: print("closed")
P
contains "an oversized TCP frame closes its connection" "$(cat "$T_TMP/big.out")" "closed"
out=$(kdig @127.0.0.1 -p "$P" +norec +short +tcp www.example.com A 2>&1)
contains "still answering over TCP" "$out" "192.0.2.80"
t_done
