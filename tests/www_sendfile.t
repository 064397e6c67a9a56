#!/bin/bash
# Large site files on posix-socket, where tcp_send_static sends the image's
# read-only bytes with sendfile from the executable (bindings/posix-socket/
# tcp_exe.c): a 100 KiB file and a 2 MiB one (with a gzip variant) arrive
# intact (sha256) with GET, HEAD, Range (206) and gzip; a reader that takes
# its time gets every byte of several pipelined responses, in order (the
# send queue then mixes sendfile pieces with copied heads); and the image
# really holds its executable open for sendfile. Connection: close
# responses (tcp_send_close: the FIN rides with the last bytes) end
# cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/www_lib.sh"
t_tmpdir
command -v curl >/dev/null || { skip "www_sendfile: curl is not installed"; t_done; }
command -v python3 >/dev/null || { skip "www_sendfile: python3 is not installed"; t_done; }

S=$T_TMP/site
mkdir -p "$S"
head -c 102400 /dev/urandom >"$S/100k.bin"
head -c 40000 /dev/urandom >"$S/40k.bin"
# Text, so that the build keeps a gzip variant (it must be smaller).
head -c 1700000 /dev/urandom | base64 -w 76 | head -c 2109497 >"$S/big.txt"
echo "<p>small</p>" >"$S/index.html"
www_build site="$S" || t_done
ok "www_sendfile: builds with a 2 MiB file"
www_start || t_done

sha() { sha256sum | cut -d' ' -f1; }
hdr() { grep -i "^$2:" "$1" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

exe=$(readlink -f "$WWW_IMG")
held=0
for fd in /proc/$WWW_PID/fd/*; do
	[ "$(readlink -f "$fd" 2>/dev/null)" = "$exe" ] && held=1
done
eq "the image holds its own executable open (for sendfile)" "$held" 1

for f in 100k.bin big.txt; do
	size=$(stat -c %s "$S/$f")
	got=$(curl -s -D "$T_TMP/h" "$(WWW_URL /$f)" | sha)
	eq "GET /$f: body sha256" "$got" "$(sha <"$S/$f")"
	eq "GET /$f: Content-Length" "$(hdr "$T_TMP/h" content-length)" "$size"
	got=$(curl -s -H 'Connection: close' "$(WWW_URL /$f)" | sha)
	eq "GET /$f, Connection: close: body sha256" "$got" "$(sha <"$S/$f")"
	curl -s -I -o "$T_TMP/hh" "$(WWW_URL /$f)"
	eq "HEAD /$f: Content-Length" "$(hdr "$T_TMP/hh" content-length)" "$size"
	got=$(curl -s -r 1000-99999 -D "$T_TMP/hr" "$(WWW_URL /$f)" | sha)
	eq "Range 1000-99999 of /$f: 206" "$(head -1 "$T_TMP/hr" | cut -d' ' -f2)" 206
	eq "Range 1000-99999 of /$f: the bytes" "$got" "$(tail -c +1001 "$S/$f" | head -c 99000 | sha)"
	eq "Range 1000-99999 of /$f: Content-Range" "$(hdr "$T_TMP/hr" content-range)" "bytes 1000-99999/$size"
	got=$(curl -s -r -5000 "$(WWW_URL /$f)" | sha)
	eq "Range -5000 of /$f: the last bytes" "$got" "$(tail -c 5000 "$S/$f" | sha)"
done
got=$(curl -s -r 2000000- "$(WWW_URL /big.txt)" | sha)
eq "Range 2000000- of /big.txt: to the end" "$got" "$(tail -c +2000001 "$S/big.txt" | sha)"

got=$(curl -s --compressed -D "$T_TMP/hg" "$(WWW_URL /big.txt)" | sha)
eq "gzip /big.txt: Content-Encoding" "$(hdr "$T_TMP/hg" content-encoding)" gzip
eq "gzip /big.txt: decodes to the file" "$got" "$(sha <"$S/big.txt")"
gl=$(hdr "$T_TMP/hg" content-length)
if [ "${gl:-0}" -gt 0 ] && [ "$gl" -lt 2109497 ]; then ok "gzip /big.txt: smaller ($gl bytes)"
else notok "gzip /big.txt: Content-Length '$gl'"; fi
eq "gzip /100k.bin (random): not gzipped" \
	"$(curl -s -o /dev/null -D - -H 'Accept-Encoding: gzip' "$(WWW_URL /100k.bin)" | hdr /dev/stdin content-encoding)" ""

# A slow reader with a small receive buffer, several pipelined requests:
# the server's socket fills, its queue holds sendfile pieces and copied
# heads behind one another, and every byte must come out in order.
check "slow reader: 5 pipelined responses (2 x 2 MiB, gzip, 100 KiB, small) intact, in order" \
	python3 - "$WWW_PORT" "$S" <<'PY'
import gzip, hashlib, socket, sys, time
port, site = int(sys.argv[1]), sys.argv[2]
files = {n: open(f"{site}/{n}", "rb").read() for n in ("100k.bin", "big.txt", "index.html")}
reqs = [("big.txt", ""), ("index.html", ""), ("big.txt", "Accept-Encoding: gzip\r\n"),
        ("100k.bin", ""), ("big.txt", "Connection: close\r\n")]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
s.connect(("127.0.0.1", port))
s.settimeout(20)
s.sendall(b"".join(f"GET /{n} HTTP/1.1\r\nHost: x\r\n{h}\r\n".encode() for n, h in reqs))
buf = bytearray()
t_end = time.time() + 60
slow = 0
while time.time() < t_end:
    b = s.recv(16384)
    if not b:
        break
    buf += b
    if slow < 200:  # dawdle at first: the server's queue fills up
        slow += 1
        time.sleep(0.005)
def take_response(buf):
    i = buf.index(b"\r\n\r\n")
    head = bytes(buf[:i]).decode().split("\r\n")
    fields = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in head[1:]}
    n = int(fields["content-length"])
    body = bytes(buf[i + 4:i + 4 + n])
    assert len(body) == n, f"short body: {len(body)} of {n}"
    return head[0], fields, body, buf[i + 4 + n:]
for name, h in reqs:
    status, fields, body, buf = take_response(buf)
    assert status == "HTTP/1.1 200 OK", status
    if fields.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    assert hashlib.sha256(body).digest() == hashlib.sha256(files[name]).digest(), name
assert len(buf) == 0, f"{len(buf)} bytes after the last response"
PY
www_alive "the large responses"

# ---- the tee path (bindings/posix-socket/tcp_tee.c): a whole body of
# 16 KiB or more goes from a pipe of its pages. A reader that does not read
# makes the socket take only part of one: the rest must leave the shared
# scratch pipe (or the next response, on any connection, would carry it)
# and follow by sendfile. Other clients fetch meanwhile.
pipes() { ls -l /proc/$WWW_PID/fd 2>/dev/null | grep -c 'pipe:'; }
p0=$(pipes)
curl -s -o /dev/null "$(WWW_URL /40k.bin)"
p1=$(pipes)
for _ in 1 2 3; do curl -s -o /dev/null "$(WWW_URL /40k.bin)"; done
p2=$(pipes)
if [ "$p1" = $((p0 + 1)) ] && [ "$p2" = "$p1" ]; then
	ok "tee: the first send of 40k.bin makes one pipe of its pages, later sends reuse it ($p0 -> $p1 -> $p2 pipe ends)"
else
	notok "tee: pipe ends $p0 -> $p1 after the first 40k.bin, $p2 after three more (want +1, then +0)"
fi
check "tee: a stalled reader's partial bodies, and 20 fetches meanwhile, all intact" \
	python3 - "$WWW_PORT" "$S" <<'PY'
import hashlib, socket, sys, threading, time, urllib.request
port, site = int(sys.argv[1]), sys.argv[2]
want = {n: hashlib.sha256(open(f"{site}/{n}", "rb").read()).hexdigest() for n in ("100k.bin", "40k.bin")}
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", port))
s.settimeout(3)
reqs = ["100k.bin", "40k.bin"] * 20  # 2.8 MB: more than the socket takes
s.sendall(b"".join(f"GET /{n} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for n in reqs))
time.sleep(0.3)  # not reading: the server's socket fills mid-body
bad = []
for i in range(20):
    n = ("100k.bin", "40k.bin")[i % 2]
    got = hashlib.sha256(urllib.request.urlopen(f"http://127.0.0.1:{port}/{n}").read()).hexdigest()
    if got != want[n]:
        bad.append(n)
assert not bad, f"fetches with the wrong body: {bad}"
buf = bytearray()
while True:
    try:
        b = s.recv(65536)
    except socket.timeout:
        break
    if not b:
        break
    buf += b
for n in reqs:
    i = buf.index(b"\r\n\r\n")
    head = bytes(buf[:i]).decode().split("\r\n")
    ln = int([l.split(":")[1] for l in head if l.lower().startswith("content-length")][0])
    body = bytes(buf[i + 4:i + 4 + ln])
    assert hashlib.sha256(body).hexdigest() == want[n], f"{n}: wrong body on the stalled connection"
    buf = buf[i + 4 + ln:]
assert not buf, f"{len(buf)} bytes after the last response"
PY
www_alive "the tee path"

# Byte ranges are ranges too: 100 different ones must not take more than
# the table's 64 pipes, nor push out a body that is sent again and again.
p3=$(pipes)
rbad=0
for i in $(seq 0 99); do
	a=$((i * 500)) b=$((i * 500 + 20000))
	got=$(curl -s -r "$a-$b" "$(WWW_URL /100k.bin)" | sha)
	[ "$got" = "$(tail -c +$((a + 1)) "$S/100k.bin" | head -c $((b - a + 1)) | sha)" ] || rbad=$((rbad + 1))
done
eq "tee: 100 different byte ranges of 100k.bin, each body right" "$rbad" 0
p4=$(pipes)
curl -s -o /dev/null "$(WWW_URL /40k.bin)"
p5=$(pipes)
if [ "$p4" -le $((p3 + 64)) ] && [ "$p5" = "$p4" ]; then
	ok "tee: ranges leave pipe ends bounded ($p3 -> $p4) and 40k.bin its pipe"
else
	notok "tee: pipe ends $p3 -> $p4 after 100 ranges (at most +64), $p5 after 40k.bin (want $p4)"
fi

# ---- closing: at once when the client sent nothing more, the long way when
# it did, and accept only once the request is there (TCP_DEFER_ACCEPT) ---
socks() { ls -l /proc/$WWW_PID/fd 2>/dev/null | grep -c 'socket:'; }
base=$(socks)
check "Connection: close: the server closes its side at once (20 clients that keep theirs open)" \
	python3 - "$WWW_PORT" "$WWW_PID" "$base" <<'PY'
import os, socket, sys, time
port, pid, base = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
def socks():
    return sum(1 for f in os.listdir(f"/proc/{pid}/fd")
               if os.readlink(f"/proc/{pid}/fd/{f}").startswith("socket:"))
held = []
for _ in range(20):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
    s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    d = b""
    while True:
        b = s.recv(65536)
        if not b: break
        d += b
    assert d.startswith(b"HTTP/1.1 200 OK") and d.endswith(b"<p>small</p>\n"), d[:80]
    held.append(s)  # our side stays open: no FIN from us
time.sleep(0.3)
n = socks()
assert n <= base, f"server holds {n} sockets, {base} before: it waited for our FINs"
PY
check "Connection: close with bytes after the request: the whole 100 KiB arrives, then a FIN (no reset)" \
	python3 - "$WWW_PORT" "$S/100k.bin" <<'PY'
import hashlib, socket, sys
port, want = int(sys.argv[1]), open(sys.argv[2], "rb").read()
for _ in range(10):
    s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
    s.sendall(b"GET /100k.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" + b"x" * 3000)
    d = b""
    while True:
        b = s.recv(65536)  # ConnectionResetError here fails the test
        if not b: break
        d += b
    body = d[d.index(b"\r\n\r\n") + 4:]
    assert hashlib.sha256(body).digest() == hashlib.sha256(want).digest(), len(body)
    s.close()
PY
check "a client that connects and waits 1.5 s before its request is served" \
	python3 - "$WWW_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(10)
time.sleep(1.5)
s.sendall(b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n")
assert s.recv(65536).startswith(b"HTTP/1.1 200 OK")
PY
www_alive "the closing cases"
t_done
