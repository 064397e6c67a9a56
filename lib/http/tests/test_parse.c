/*
 * Unit tests for the request-head scanner and parser (parse.c): the
 * limits, pipelined heads, and every framing case the server must refuse
 * (RFC 9112 and the request-smuggling list in include/kiln/http.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fakeplat.h"
#include "http_int.h"

#define S(lit) view_make(lit, sizeof(lit) - 1)

/* Scan then parse a whole head; the status (0 for ok) or -scan error. */
static int parse(struct view in, struct http_head *h)
{
	struct http_scan s = {0};
	int r = http_scan(in, &s);

	if (r <= 0)
		return r == 0 ? -1 : r;
	return http_parse(view_trunc(in, (size_t)r), h);
}

static int st(const char *req)
{
	struct http_head h;
	return parse(view_make(req, strlen(req)), &h);
}

static void test_ok(void)
{
	struct http_head h;
	struct view v;
	int r = parse(S("GET /a/b.css?x=1 HTTP/1.1\r\nHost: h\r\n"
			"Accept-Encoding: gzip, br\r\nRange: bytes=0-9\r\n"
			"Content-Length: 0\r\n\r\n"),
		      &h);

	CHECK("parse: a plain GET", r == 0 && h.method == HTTP_GET);
	CHECK("parse: path and query split",
	      http_ieq(h.path, "/a/b.css") && http_ieq(h.query, "x=1"));
	CHECK("parse: HTTP/1.1 keeps alive", h.minor == 1 && h.keep_alive);
	CHECK("parse: known fields",
	      h.has_ae && h.has_range && h.has_cl && h.cl == 0 && h.nhost == 1);
	CHECK("parse: field lookup, case-insensitive",
	      http_field(h.fields, "accept-encoding", &v) &&
		      http_ieq(v, "gzip, br"));
	CHECK("parse: absent field", !http_field(h.fields, "cookie", &v));
	r = parse(S("GET / HTTP/1.0\r\n\r\n"), &h);
	CHECK("parse: HTTP/1.0 without Host, closes",
	      r == 0 && h.minor == 0 && !h.keep_alive);
	r = parse(S("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), &h);
	CHECK("parse: HTTP/1.0 keep-alive", r == 0 && h.keep_alive);
	r = parse(S("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, "
		    "close\r\n\r\n"),
		  &h);
	CHECK("parse: close wins", r == 0 && !h.keep_alive);
	r = parse(S("\r\n\r\nHEAD http://example.com/x?y HTTP/1.1\r\n"
		    "Host: example.com\r\n\r\n"),
		  &h);
	CHECK("parse: leading blank lines, absolute-form",
	      r == 0 && h.method == HTTP_HEAD && http_ieq(h.path, "/x") &&
		      http_ieq(h.query, "y"));
	r = parse(S("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n"), &h);
	CHECK("parse: unknown method parses as 0", r == 0 && h.method == 0);
	r = parse(S("GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
		    "Content-Length: 5\r\n\r\n"),
		  &h);
	CHECK("parse: repeated equal Content-Length", r == 0 && h.cl == 5);
	r = parse(S("GET / HTTP/1.1\r\nHost: h\r\nX: a\x80\xff\tb\r\n\r\n"),
		  &h);
	CHECK("parse: obs-text and HTAB in a value", r == 0);
}

static void test_refused(void)
{
	CHECK("refuse: HTTP/1.1 without Host",
	      st("GET / HTTP/1.1\r\n\r\n") == 400);
	CHECK("refuse: two Hosts",
	      st("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
	CHECK("refuse: TE and CL",
	      st("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
		 "Transfer-Encoding: chunked\r\n\r\n") == 400);
	CHECK("refuse: TE in HTTP/1.0",
	      st("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n") ==
		      400);
	CHECK("refuse: chunked body: 411",
	      st("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
		 "chunked\r\n\r\n") == 411);
	CHECK("refuse: unknown coding: 501",
	      st("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: "
		 "gzip\r\n\r\n") == 501);
	CHECK("refuse: differing Content-Length",
	      st("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
		 "Content-Length: 4\r\n\r\n") == 400);
	const char *bad_cl[] = {"+3",	"-3", "0x3", "1_0",
				"3, 3", " ",  "3a",  "1234567890123456789"};
	for (size_t i = 0; i < sizeof bad_cl / sizeof bad_cl[0]; i++) {
		char req[128], name[64];
		snprintf(req, sizeof req,
			 "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: "
			 "%s\r\n\r\n",
			 bad_cl[i]);
		snprintf(name, sizeof name, "refuse: Content-Length '%s'",
			 bad_cl[i]);
		CHECK(name, st(req) == 400);
	}
	struct http_head h;
	static const char nul[] =
		"GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n";
	CHECK("refuse: NUL in a value",
	      parse(view_make(nul, sizeof nul - 1), &h) == 400);
	CHECK("refuse: CR in a value",
	      st("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n") == 400);
	CHECK("refuse: space before the colon",
	      st("GET / HTTP/1.1\r\nHost : h\r\n\r\n") == 400);
	CHECK("refuse: tab before the colon",
	      st("GET / HTTP/1.1\r\nHost\t: h\r\n\r\n") == 400);
	CHECK("refuse: obs-fold",
	      st("GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n") == 400);
	CHECK("refuse: bare LF", st("GET / HTTP/1.1\nHost: h\n\n") == -400);
	CHECK("refuse: two spaces in the request line",
	      st("GET  / HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
	CHECK("refuse: a target without a slash",
	      st("GET a HTTP/1.1\r\nHost: h\r\n\r\n") == 400);
	CHECK("refuse: HTTP/2.0: 505",
	      st("GET / HTTP/2.0\r\nHost: h\r\n\r\n") == 505);
	CHECK("refuse: a lower-case version",
	      st("GET / http/1.1\r\nHost: h\r\n\r\n") == 400);
	CHECK("refuse: an empty field name",
	      st("GET / HTTP/1.1\r\nHost: h\r\n: x\r\n\r\n") == 400);
}

static void test_limits(void)
{
	size_t n = HTTP_LINE_MAX + 100;
	char *req = malloc(HTTP_FIELDS_MAX + 4096);
	struct http_scan s = {0};

	memcpy(req, "GET /", 5);
	memset(req + 5, 'a', n - 5);
	CHECK("limit: a long request line is 414 before its end",
	      http_scan(view_make(req, n), &s) == -414);
	strcpy(req, "GET / HTTP/1.1\r\nX: ");
	size_t k = strlen(req);
	memset(req + k, 'b', HTTP_FIELD_MAX);
	memset(&s, 0, sizeof s);
	CHECK("limit: a long field is 431",
	      http_scan(view_make(req, k + HTTP_FIELD_MAX), &s) == -431);
	/* 20 fields of 1 KiB: each fine, all together too much. */
	k = (size_t)sprintf(req, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 20; i++) {
		k += (size_t)sprintf(req + k, "X%d: ", i);
		memset(req + k, 'c', 1000);
		k += 1000;
		k += (size_t)sprintf(req + k, "\r\n");
	}
	memset(&s, 0, sizeof s);
	CHECK("limit: all fields past 16 KiB is 431",
	      http_scan(view_make(req, k), &s) == -431);
	/* Incremental: one byte at a time finds the same end. */
	const char *two =
		"GET / HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\n";
	memset(&s, 0, sizeof s);
	int r = 0;
	size_t i;
	for (i = 1; i <= strlen(two) && r == 0; i++)
		r = http_scan(view_make(two, i), &s);
	CHECK("scan: byte by byte finds the first head's end",
	      r == 27 && i - 1 == 27);
	memset(&s, 0, sizeof s);
	CHECK("scan: many blank lines are refused",
	      http_scan(S("\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"), &s) ==
		      -400);
	free(req);
}

static void test_pct(void)
{
	uint8_t out[32];
	size_t n;

	CHECK("pct: decodes", http_pct_decode(S("/a%20b%2Fc"), out, 32, &n) &&
				      n == 6 && memcmp(out, "/a b/c", 6) == 0);
	CHECK("pct: %00 refused", !http_pct_decode(S("/a%00"), out, 32, &n));
	CHECK("pct: bad hex refused",
	      !http_pct_decode(S("/a%zz"), out, 32, &n));
	CHECK("pct: truncated refused",
	      !http_pct_decode(S("/a%2"), out, 32, &n));
	CHECK("pct: overflow refused",
	      !http_pct_decode(S("/abcdef"), out, 3, &n));
}

int main(void)
{
	test_ok();
	test_refused();
	test_limits();
	test_pct();
	return fake_done();
}
