#!/usr/bin/env python3
"""Write lib/http/fuzz/corpus/request/: seed heads for fuzz_request.c,
one per feature and one per refusal class, so that a replay walks every
path of the parser. The first byte also picks the split point the
target tries, so seeds vary it."""
import os

D = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "request")
os.makedirs(D, exist_ok=True)
H = b"Host: h\r\n"
seeds = {
    "get": b"GET / HTTP/1.1\r\n" + H + b"\r\n",
    "get_query": b"GET /a/b.css?x=1&y=%20 HTTP/1.1\r\n" + H + b"\r\n",
    "head10": b"HEAD /index.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "absolute": b"GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n",
    "asterisk": b"OPTIONS * HTTP/1.1\r\n" + H + b"\r\n",
    "pipelined": (b"GET /1 HTTP/1.1\r\n" + H + b"\r\n") * 3,
    "leading_crlf": b"\r\n\r\nGET / HTTP/1.1\r\n" + H + b"\r\n",
    "conditional": b"GET / HTTP/1.1\r\n" + H + b'If-None-Match: W/"a", "b"\r\n'
    b"If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
    "range": b"GET / HTTP/1.1\r\n" + H + b"Range: bytes=0-9\r\nIf-Range: \"x\"\r\n\r\n",
    "gzip": b"GET / HTTP/1.1\r\n" + H + b"Accept-Encoding: gzip;q=0.5, br, *;q=0\r\n\r\n",
    "post_cl": b"POST /stats HTTP/1.1\r\n" + H + b"Content-Length: 5\r\n\r\nhello",
    "expect": b"PUT /x HTTP/1.1\r\n" + H + b"Content-Length: 3\r\nExpect: 100-continue\r\n\r\n",
    "obs_text": b"GET / HTTP/1.1\r\n" + H + b"X: a\x80\xff\tb\r\n\r\n",
    "te_cl": b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
    "te_chunked": b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: chunked\r\n\r\n",
    "te_gzip": b"POST / HTTP/1.1\r\n" + H + b"Transfer-Encoding: gzip\r\n\r\n",
    "te_10": b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
    "cl_differ": b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 3\r\nContent-Length: 4\r\n\r\n",
    "cl_sign": b"POST / HTTP/1.1\r\n" + H + b"Content-Length: +3\r\n\r\n",
    "cl_hex": b"POST / HTTP/1.1\r\n" + H + b"Content-Length: 0x3\r\n\r\n",
    "nul_value": b"GET / HTTP/1.1\r\n" + H + b"X: a\x00b\r\n\r\n",
    "cr_value": b"GET / HTTP/1.1\r\n" + H + b"X: a\rb\r\n\r\n",
    "space_colon": b"GET / HTTP/1.1\r\nHost : h\r\n\r\n",
    "obs_fold": b"GET / HTTP/1.1\r\n" + H + b"X: a\r\n b\r\n\r\n",
    "bare_lf": b"GET / HTTP/1.1\n" + H + b"\n",
    "no_host": b"GET / HTTP/1.1\r\n\r\n",
    "two_hosts": b"GET / HTTP/1.1\r\n" + H + H + b"\r\n",
    "http2": b"GET / HTTP/2.0\r\n" + H + b"\r\n",
    "bad_method": b"G@T / HTTP/1.1\r\n" + H + b"\r\n",
    "unknown_method": b"BREW /pot HTTP/1.1\r\n" + H + b"\r\n",
    "long_line": b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n" + H + b"\r\n",
    "long_field": b"GET / HTTP/1.1\r\n" + H + b"X: " + b"b" * 9000 + b"\r\n\r\n",
    "many_fields": b"GET / HTTP/1.1\r\n" + H + b"".join(b"X%d: %s\r\n" % (i, b"c" * 1000) for i in range(20)) + b"\r\n",
    "partial": b"GET / HTTP/1.1\r\nHost: h\r\nX-Slow: 1\r\n",
    "pct_bad": b"GET /a%zz%00 HTTP/1.1\r\n" + H + b"\r\n",
}
for name, data in seeds.items():
    with open(os.path.join(D, name), "wb") as f:
        f.write(data)
print("wrote %d seeds to %s" % (len(seeds), D))
