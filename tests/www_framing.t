#!/bin/bash
# The web appliance against raw requests (python3 sockets): the framing
# errors that request smuggling lives on, each answered 400 and followed
# by a close (RFC 9112 6.3, 11.2); the limits (414, 431, 413), refused
# transfer codings (411, 501), unknown methods and versions; bodies with
# Content-Length read and dropped before the next pipelined request; a
# head sent a byte at a time; the header and idle timeouts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/www_lib.sh"
t_tmpdir
command -v python3 >/dev/null || { skip "www framing: python3 is not installed"; t_done; }
www_build header_timeout=2 idle_timeout=3 || t_done
www_start || t_done

# raw NAME WANT_STATUS WANT_CLOSE PYTHON-BYTES-EXPR: send the bytes, read
# until the peer closes (or 5 s), check the first status and the close.
raw() {
	out=$(python3 - "$WWW_PORT" "$2" "$3" "$4" <<'PY' 2>&1
import socket, sys, time
port, want, want_close, expr = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
data = eval(expr)
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(1 if want_close == "open" else 5)   # idle_timeout is 3 s
s.sendall(data)
d, closed = b"", False
try:
    while True:
        b = s.recv(65536)
        if not b: closed = True; break
        d += b
except socket.timeout:
    pass
except ConnectionResetError:
    closed = True
status = d.split(b" ", 2)[1].decode() if d.startswith(b"HTTP/1.1 ") else "none"
if status != want: print("status %s, want %s: %r" % (status, want, d[:200])); sys.exit(1)
if want_close == "close" and not closed: print("connection left open"); sys.exit(1)
if want_close == "open" and closed: print("connection closed"); sys.exit(1)
PY
	) && ok "$1" || notok "$1: $out"
}
H='b"Host: x\r\n"'
raw "TE and CL together: 400, closed" 400 close 'b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"'
raw "CL and TE the other way round: 400, closed" 400 close 'b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n"'
raw "Content-Length with a sign: 400, closed" 400 close 'b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello"'
raw "Content-Length in hex: 400, closed" 400 close 'b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nhello"'
raw "Content-Length with an underscore: 400, closed" 400 close 'b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1_0\r\n\r\nhello"'
raw "two differing Content-Lengths: 400, closed" 400 close 'b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"'
raw "NUL in a value: 400, closed" 400 close 'b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"'
raw "CR in a value: 400, closed" 400 close 'b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"'
raw "whitespace before the colon: 400, closed" 400 close 'b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n"'
raw "obs-fold: 400, closed" 400 close 'b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"'
raw "bare LF line ends: 400, closed" 400 close 'b"GET / HTTP/1.1\nHost: x\n\n"'
raw "HTTP/1.1 without Host: 400, closed" 400 close 'b"GET / HTTP/1.1\r\n\r\n"'
raw "two Host fields: 400, closed" 400 close 'b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"'
raw "HTTP/1.0 without Host: 200" 200 close 'b"GET / HTTP/1.0\r\n\r\n"'
raw "request line of 9 KiB: 414, closed" 414 close 'b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"'
raw "request line of 8000 bytes: 404" 404 open 'b"GET /" + b"a" * 8000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"'
raw "a 9 KiB header field: 431, closed" 431 close 'b"GET / HTTP/1.1\r\nHost: x\r\nX-A: " + b"b" * 9000 + b"\r\n\r\n"'
raw "20 header fields of 1 KiB: 431, closed" 431 close 'b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"c" * 1000) for i in range(20)) + b"\r\n"'
raw "12 header fields of 1 KiB: 200" 200 open 'b"GET / HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"c" * 1000) for i in range(12)) + b"\r\n"'
raw "a body over 1 MiB: 413, closed" 413 close 'b"POST /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n"'
raw "a chunked body: 411, closed" 411 close 'b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"'
raw "an unknown transfer coding: 501, closed" 501 close 'b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"'
raw "an unknown method: 501, closed" 501 close 'b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n"'
raw "HTTP/2.0 in a 1.1 request line: 505, closed" 505 close 'b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"'
raw "garbage: 400, closed" 400 close 'b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"'
raw "a bad percent escape: 400, closed" 400 close 'b"GET /a%zz HTTP/1.1\r\nHost: x\r\n\r\n"'

# After a framing error nothing more is read: a smuggled second request
# behind a refused first one gets no answer.
out=$(python3 - "$WWW_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(5)
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /stats HTTP/1.1\r\nHost: x\r\n\r\n")
d = b""
while True:
    b = s.recv(65536)
    if not b: break
    d += b
print(d.count(b"HTTP/1.1 "))
PY
)
eq "a smuggled request behind a 400 is never answered" "$out" 1

check "a body with Content-Length is read and dropped, then the next request" python3 - "$WWW_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(5)
body = b"GET /nope HTTP/1.1\r\nHost: x\r\n\r\n" * 100   # looks like requests: must not be one
s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body +
          b"GET /app.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
d = b""
while True:
    b = s.recv(65536)
    if not b: break
    d += b
import re
codes = re.findall(rb"HTTP/1\.1 (\d+)", d)
assert codes == [b"405", b"200"], codes
PY
check "HTTP/1.0 with keep-alive: announced, and the connection stays" python3 - "$WWW_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(5)
f = s.makefile("rb")
for i in range(3):
    s.sendall(b"GET /app.js HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert f.readline().startswith(b"HTTP/1.1 200"), i
    h = {}
    while True:
        l = f.readline()
        if l == b"\r\n": break
        k, v = l.split(b":", 1); h[k.lower()] = v.strip()
    assert h[b"connection"] == b"keep-alive", h
    f.read(int(h[b"content-length"]))
s.sendall(b"GET /app.js HTTP/1.0\r\n\r\n")
assert f.readline().startswith(b"HTTP/1.1 200")
d = f.read()
assert b"Connection: close" in d, d[:300]   # f.read() returned: closed
PY
check "a head sent one byte at a time is answered" python3 - "$WWW_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(5)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
for b in b"GET /style.css HTTP/1.1\r\nHost: x\r\nUser-Agent: slow\r\n\r\n":
    s.send(bytes([b])); time.sleep(0.002)
assert s.recv(100).startswith(b"HTTP/1.1 200")
PY
check "a body in pieces to a route with a body: 405 then the next request" python3 - "$WWW_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(5)
s.sendall(b"PUT /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234")
time.sleep(0.2); s.sendall(b"56789GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
d = b""
while True:
    b = s.recv(65536)
    if not b: break
    d += b
import re
codes = re.findall(rb"HTTP/1\.1 (\d+)", d)
assert codes == [b"405", b"200"], codes
PY
check "header timeout: a half head gets 408 and a close" python3 - "$WWW_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(8)
t = time.time()
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
d = s.recv(1000)
assert d.startswith(b"HTTP/1.1 408"), d
assert 1.5 < time.time() - t < 5, time.time() - t
assert s.recv(1000) == b""
PY
check "idle timeout: a quiet keep-alive connection is closed" python3 - "$WWW_PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(8)
s.sendall(b"GET /app.js HTTP/1.1\r\nHost: x\r\n\r\n")
assert s.recv(100000).startswith(b"HTTP/1.1 200")
t = time.time()
try:
    assert s.recv(1000) == b""
except ConnectionResetError:
    pass
assert 2 < time.time() - t < 6, time.time() - t
PY
out=$(curl -s "$(WWW_URL /stats)")
check "/stats counts the framing errors" python3 -c '
import json, sys
s = json.loads(sys.argv[1])
assert s["err_framing"] >= 6 and s["err_bad_request"] >= 6, s
assert s["err_uri_too_long"] >= 1 and s["err_header_too_large"] >= 2, s
assert s["err_body_too_large"] == 1 and s["err_length_required"] == 1, s
assert s["err_not_implemented"] == 2 and s["err_version"] == 1, s
assert s["timeout_header"] == 1 and s["timeout_idle"] >= 1, s
' "$out"
www_alive "every malformed request"
t_done
