#!/bin/bash
# The web appliance on posix-socket, seen by curl: status, headers and
# bodies (by sha256) of every site file; HEAD; 304 by ETag and by date;
# 206 and 416; gzip by Accept-Encoding with q-values; folders and their
# redirect; 404, 405 with Allow; /stats as JSON; HTTP/1.0. Then load:
# 1,000 requests on one connection and 500 concurrent connections.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/www_lib.sh"
t_tmpdir
command -v curl >/dev/null || { skip "www: curl is not installed"; t_done; }
command -v python3 >/dev/null || { skip "www: python3 is not installed"; t_done; }
www_build || t_done
ok "www: builds on posix-socket"
www_start || t_done
ok "www: listens on $WWW_PORT"
contains "www: prints the address" "$(cat "$T_TMP/www.out")" "http://127.0.0.1:$WWW_PORT/"

sha() { sha256sum | cut -d' ' -f1; }
hdr() { # hdr FILE NAME: a header's value from curl -D output
	grep -i "^$2:" "$1" | head -1 | cut -d' ' -f2- | tr -d '\r'
}

# ---- every file, by checksum ------------------------------------------
for f in index.html style.css app.js img/logo.svg img/kiln.png docs/index.html; do
	got=$(curl -s -D "$T_TMP/h" "$(WWW_URL /$f)" | sha)
	eq "GET /$f: body sha256" "$got" "$(sha <"$SITE/$f")"
	eq "GET /$f: Content-Length" "$(hdr "$T_TMP/h" content-length)" "$(stat -c %s "$SITE/$f")"
done
curl -s -D "$T_TMP/h" -o "$T_TMP/b" "$(WWW_URL /)"
eq "GET /: status 200" "$(head -1 "$T_TMP/h" | tr -d '\r')" "HTTP/1.1 200 OK"
eq "GET /: serves index.html" "$(sha <"$T_TMP/b")" "$(sha <"$SITE/index.html")"
eq "GET /: Content-Type" "$(hdr "$T_TMP/h" content-type)" "text/html; charset=utf-8"
eq "GET /style.css: Content-Type" "$(curl -s -o /dev/null -w '%{content_type}' "$(WWW_URL /style.css)")" "text/css; charset=utf-8"
eq "GET /img/kiln.png: Content-Type" "$(curl -s -o /dev/null -w '%{content_type}' "$(WWW_URL /img/kiln.png)")" "image/png"
eq "GET /img/logo.svg: Content-Type" "$(curl -s -o /dev/null -w '%{content_type}' "$(WWW_URL /img/logo.svg)")" "image/svg+xml"
eq "GET /app.js: Content-Type" "$(curl -s -o /dev/null -w '%{content_type}' "$(WWW_URL /app.js)")" "text/javascript; charset=utf-8"
ETAG=$(hdr "$T_TMP/h" etag)
LM=$(hdr "$T_TMP/h" last-modified)
DATE=$(hdr "$T_TMP/h" date)
contains "GET /: ETag is quoted" "$ETAG" '"'
eq "GET /: Last-Modified is the file's mtime" "$LM" "$(TZ=GMT date -r "$SITE/index.html" '+%a, %d %b %Y %H:%M:%S GMT')"
now=$(date +%s); dsec=$(date -d "$DATE" +%s 2>/dev/null || echo 0)
if [ $((now - dsec)) -le 2 ] && [ $((dsec - now)) -le 2 ]; then ok "GET /: Date is now"; else notok "GET /: Date is now: '$DATE'"; fi
eq "GET /: Server" "$(hdr "$T_TMP/h" server)" "kiln"
eq "GET /: Accept-Ranges" "$(hdr "$T_TMP/h" accept-ranges)" "bytes"
eq "GET /: Vary" "$(hdr "$T_TMP/h" vary)" "Accept-Encoding"

# ---- HEAD ---------------------------------------------------------------
curl -s -I -o "$T_TMP/hh" "$(WWW_URL /style.css)"
eq "HEAD: status 200" "$(head -1 "$T_TMP/hh" | tr -d '\r')" "HTTP/1.1 200 OK"
eq "HEAD: Content-Length of the GET" "$(hdr "$T_TMP/hh" content-length)" "$(stat -c %s "$SITE/style.css")"
n=$(python3 - "$WWW_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"HEAD /style.css HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
d = b""
while True:
    b = s.recv(65536)
    if not b: break
    d += b
print(len(d) - d.index(b"\r\n\r\n") - 4)
PY
)
eq "HEAD: no body bytes" "$n" 0

# ---- conditional requests (RFC 9110 13) -----------------------------------
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
eq "If-None-Match with the ETag: 304" "$(code -H "If-None-Match: $ETAG" "$(WWW_URL /)")" 304
eq "If-None-Match W/ weak match: 304" "$(code -H "If-None-Match: \"x\", W/$ETAG" "$(WWW_URL /)")" 304
eq "If-None-Match *: 304" "$(code -H "If-None-Match: *" "$(WWW_URL /)")" 304
eq "If-None-Match other: 200" "$(code -H 'If-None-Match: "nope"' "$(WWW_URL /)")" 200
eq "If-Modified-Since = Last-Modified: 304" "$(code -H "If-Modified-Since: $LM" "$(WWW_URL /)")" 304
eq "If-Modified-Since in the past: 200" "$(code -H "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT" "$(WWW_URL /)")" 200
eq "If-None-Match wins over If-Modified-Since: 200" "$(code -H 'If-None-Match: "nope"' -H "If-Modified-Since: $LM" "$(WWW_URL /)")" 200
n=$(curl -s -D "$T_TMP/h304" -o /dev/null -w '%{size_download}' -H "If-None-Match: $ETAG" "$(WWW_URL /)")
eq "304: no body" "$n" 0
eq "304: carries the ETag" "$(hdr "$T_TMP/h304" etag)" "$ETAG"

# ---- ranges (RFC 9110 14) ---------------------------------------------------
got=$(curl -s -r 0-99 -D "$T_TMP/hr" "$(WWW_URL /index.html)" | sha)
eq "Range 0-99: 206" "$(head -1 "$T_TMP/hr" | cut -d' ' -f2)" 206
eq "Range 0-99: the first 100 bytes" "$got" "$(head -c 100 "$SITE/index.html" | sha)"
eq "Range 0-99: Content-Range" "$(hdr "$T_TMP/hr" content-range)" "bytes 0-99/$(stat -c %s "$SITE/index.html")"
got=$(curl -s -r -20 "$(WWW_URL /index.html)" | sha)
eq "Range -20: the last 20 bytes" "$got" "$(tail -c 20 "$SITE/index.html" | sha)"
got=$(curl -s -r 1000- "$(WWW_URL /index.html)" | sha)
eq "Range 1000-: to the end" "$got" "$(tail -c +1001 "$SITE/index.html" | sha)"
eq "Range past the end: 416" "$(code -r 99999- "$(WWW_URL /index.html)")" 416
curl -s -r 99999- -D "$T_TMP/h416" -o /dev/null "$(WWW_URL /index.html)"
eq "416: Content-Range bytes */len" "$(hdr "$T_TMP/h416" content-range)" "bytes */$(stat -c %s "$SITE/index.html")"
eq "Two ranges: the whole file, 200" "$(code -r 0-1,5-6 "$(WWW_URL /index.html)")" 200
eq "If-Range with the ETag: 206" "$(code -r 0-9 -H "If-Range: $ETAG" "$(WWW_URL /index.html)")" 206
eq "If-Range with another ETag: 200" "$(code -r 0-9 -H 'If-Range: "old"' "$(WWW_URL /index.html)")" 200

# ---- gzip (RFC 9110 12.5.3) ---------------------------------------------------
got=$(curl -s --compressed -D "$T_TMP/hg" "$(WWW_URL /style.css)" | sha)
eq "gzip: Content-Encoding" "$(hdr "$T_TMP/hg" content-encoding)" gzip
eq "gzip: decodes to the file" "$got" "$(sha <"$SITE/style.css")"
gl=$(hdr "$T_TMP/hg" content-length)
if [ "$gl" -lt "$(stat -c %s "$SITE/style.css")" ]; then ok "gzip: smaller ($gl bytes)"; else notok "gzip: not smaller: $gl"; fi
contains "gzip: its own ETag" "$(hdr "$T_TMP/hg" etag)" "-gz"
enc() { curl -s -o /dev/null -D - -H "Accept-Encoding: $1" "$(WWW_URL "$2")" | hdr /dev/stdin content-encoding; }
eq "gzip;q=0: identity" "$(enc 'gzip;q=0' /style.css)" ""
eq "gzip;q=0.5, br: gzip" "$(enc 'br, gzip;q=0.5' /style.css)" gzip
eq "*: gzip" "$(enc '*' /style.css)" gzip
eq "*, gzip;q=0: identity" "$(enc '*, gzip;q=0' /style.css)" ""
eq "no Accept-Encoding: identity" "$(curl -s -o /dev/null -D - "$(WWW_URL /style.css)" | hdr /dev/stdin content-encoding)" ""
eq "a PNG is not gzipped" "$(enc gzip /img/kiln.png)" ""

# ---- folders, errors, methods --------------------------------------------------
curl -s -D "$T_TMP/hd" -o /dev/null "$(WWW_URL /docs)"
eq "/docs: 301" "$(head -1 "$T_TMP/hd" | cut -d' ' -f2)" 301
eq "/docs: Location /docs/" "$(hdr "$T_TMP/hd" location)" "/docs/"
eq "/docs/: docs/index.html" "$(curl -s "$(WWW_URL /docs/)" | sha)" "$(sha <"$SITE/docs/index.html")"
eq "a query string is ignored for files" "$(curl -s "$(WWW_URL '/style.css?v=3')" | sha)" "$(sha <"$SITE/style.css")"
eq "percent-encoded path" "$(curl -s "$(WWW_URL '/%73tyle.css')" | sha)" "$(sha <"$SITE/style.css")"
eq "missing file: 404" "$(code "$(WWW_URL /nope.html)")" 404
contains "404: a small body" "$(curl -s "$(WWW_URL /nope.html)")" "404 Not Found"
eq "POST to a file: 405" "$(code -X POST -d x=1 "$(WWW_URL /)")" 405
eq "405: Allow: GET, HEAD" "$(curl -s -o /dev/null -D - -X DELETE "$(WWW_URL /)" | hdr /dev/stdin allow)" "GET, HEAD"
eq "POST to /stats: 405" "$(code -X POST -d x "$(WWW_URL /stats)")" 405
eq "HTTP/1.0: 200" "$(code -0 "$(WWW_URL /)")" 200

# ---- /stats ------------------------------------------------------------------
curl -s -D "$T_TMP/hs" -o "$T_TMP/stats" "$(WWW_URL /stats)"
eq "/stats: application/json" "$(hdr "$T_TMP/hs" content-type)" application/json
check "/stats: valid JSON with counters" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
for k in ("requests", "bytes_out", "connections_accepted", "not_modified", "partial", "gzip", "err_not_found", "err_method", "err_range"):
    assert s[k] > 0, k
for k in ("err_bad_request", "err_framing", "err_uri_too_long", "err_header_too_large", "err_body_too_large", "timeout_header"):
    assert k in s, k
' "$T_TMP/stats"

# ---- load: 1,000 on one connection; 500 at once ---------------------------------
check "1000 requests on one connection (keep-alive, the last closes)" python3 - "$WWW_PORT" "$(stat -c %s "$SITE/style.css")" <<'PY'
import socket, sys
port, size = int(sys.argv[1]), int(sys.argv[2])
s = socket.create_connection(("127.0.0.1", port)); s.settimeout(10)
f = s.makefile("rb")
for i in range(1000):
    s.sendall(b"GET /style.css HTTP/1.1\r\nHost: x\r\n\r\n")
    status = f.readline(); hdrs = {}
    assert status.startswith(b"HTTP/1.1 200"), (i, status)
    while True:
        l = f.readline()
        if l == b"\r\n": break
        k, v = l.split(b":", 1); hdrs[k.lower()] = v.strip()
    assert int(hdrs[b"content-length"]) == size
    assert len(f.read(size)) == size
    if i == 999: assert hdrs.get(b"connection") == b"close", hdrs
    else: assert b"connection" not in hdrs, (i, hdrs)
assert f.read(1) == b""   # closed after the 1000th (max_requests)
PY
check "500 concurrent connections, each answered" python3 - "$WWW_PORT" "$(sha <"$SITE/index.html")" <<'PY'
import asyncio, hashlib, sys
port, want = int(sys.argv[1]), sys.argv[2]
async def one(i):
    r, w = await asyncio.open_connection("127.0.0.1", port)
    return r, w
async def main():
    conns = await asyncio.gather(*[one(i) for i in range(500)])
    for r, w in conns:   # every connection open at once, then all ask
        w.write(b"GET /index.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    async def read(r):
        d = await r.read()
        h, b = d.split(b"\r\n\r\n", 1)
        assert h.startswith(b"HTTP/1.1 200"), h[:40]
        assert hashlib.sha256(b).hexdigest() == want
    await asyncio.wait_for(asyncio.gather(*[read(r) for r, w in conns]), 30)
asyncio.run(main())
PY
check "pipelined: 50 requests in one write, answered in order" python3 - "$WWW_PORT" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(10)
paths = ["/style.css", "/nope", "/app.js", "/img/kiln.png", "/docs"] * 10
s.sendall(b"".join(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % p.encode() for p in paths[:-1]) +
          b"GET /docs HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
d = b""
while True:
    b = s.recv(65536)
    if not b: break
    d += b
codes = []
while d:
    h, d = d.split(b"\r\n\r\n", 1)
    codes.append(int(h.split()[1]))
    n = int([l for l in h.split(b"\r\n") if l.lower().startswith(b"content-length")][0].split(b":")[1])
    d = d[n:]
assert codes == [200, 404, 200, 200, 301] * 10, codes
PY
www_alive "the load"
t_done
