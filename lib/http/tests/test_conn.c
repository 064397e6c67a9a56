/*
 * Unit tests for lib/http's connections, output path and dispatch, over
 * the fake TCP of faketcp.h: one write per batch of pipelined responses,
 * small bodies copied and large ones by reference, back-pressure (spill,
 * pending static reference, resume), routes with bodies and streamed
 * responses, eviction when the table is full, and the timeouts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/loop.h>

#include "fakeplat.h"
#include "faketcp.h"
#include "http_int.h"

#define REQ(path) "GET " path " HTTP/1.1\r\nHost: t\r\n\r\n"

static const char small[] = "small body\n";
static uint8_t big[20480];

#define HDR(len)                                                               \
	"HTTP/1.1 200 OK\r\nServer: kiln\r\nContent-Length: " len "\r\n"

static const struct http_file files[] = {
	{.path = "/big.bin",
	 .kvname = "big",
	 .ctype = "x/y",
	 .etag = "\"b\"",
	 .lastmod = "Thu, 01 Jan 1970 00:00:00 GMT",
	 .hdr200 = HDR("20480"),
	 .hdr200_len = sizeof(HDR("20480")) - 1},
	{.path = "/d", .kvname = "small", .redirect = "/d/"},
	{.path = "/small.txt",
	 .kvname = "small",
	 .ctype = "text/plain",
	 .etag = "\"s\"",
	 .lastmod = "Thu, 01 Jan 1970 00:00:00 GMT",
	 .hdr200 = HDR("11"),
	 .hdr200_len = sizeof(HDR("11")) - 1},
};
static struct kv_entry kv_small = {"small", (const uint8_t *)small, 11, 0};
static struct kv_entry kv_big = {"big", big, sizeof big, 0};
static const struct kv_entry *slots[3] = {&kv_big, &kv_small, &kv_small};
static const struct http_site site = {files, 3, slots};

static unsigned count(const char *hay, const char *needle)
{
	unsigned n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* A POST route that answers with the length and sum of its body. */
static size_t body_seen;
static void echo_body(struct http_req *r, struct view piece, void *arg)
{
	body_seen += piece.len;
}
static void echo_request(struct http_req *r, void *arg)
{
	char b[64];
	int n = snprintf(b, sizeof b, "got %zu", body_seen);
	struct view v;
	if (!http_req_header(r, "x-tag", &v) || !http_ieq(v, "abc"))
		n = snprintf(b, sizeof b, "lost the head");
	(void)http_respond(r, 200, "text/plain", NULL, b, (size_t)n);
}
static const struct http_route_ops echo_ops = {.body = echo_body,
					       .request = echo_request};

/* A GET route that streams 100000 bytes of 'z' in writes of 7000. */
static char zs[7000];
static void stream_more(struct http_req *r, void *arg)
{
	uint64_t *sent = http_req_state(r);
	while (*sent < 100000) {
		size_t n =
			100000 - *sent < sizeof zs ? 100000 - *sent : sizeof zs;
		ssize_t k = http_write(r, zs, n);
		if (k <= 0)
			return;
		*sent += (uint64_t)k;
		if ((size_t)k < n)
			return;
	}
}
static void stream_request(struct http_req *r, void *arg)
{
	(void)http_begin(r, 200, "text/plain", NULL, 100000);
	stream_more(r, arg);
}
static const struct http_route_ops stream_ops = {.request = stream_request,
						 .writable = stream_more};

static void done(struct tcp_conn *c)
{
	ftcp_closed(c, TCP_CLOSED_NORMAL);
	free(c->out);
	free(c);
}

static void test_basic(void)
{
	struct tcp_conn *c = ftcp_accept();
	const char three[] = REQ("/small.txt") REQ("/nope") REQ("/d");

	CHECK("recv: three pipelined heads consumed",
	      ftcp_recv(c, three, sizeof three - 1) == sizeof three - 1);
	CHECK("pipelining: three answers in one write", c->sends == 1);
	CHECK("pipelining: in order",
	      strstr(c->out, "200 OK") < strstr(c->out, "404 Not") &&
		      strstr(c->out, "404 Not") < strstr(c->out, "301 Moved"));
	CHECK("200: body copied after the header block",
	      strstr(c->out, "\r\n\r\nsmall body\n") && c->static_calls == 0);
	CHECK("301: Location", strstr(c->out, "Location: /d/\r\n") != NULL);
	CHECK("Date on every response", count(c->out, "\r\nDate: ") == 3);
	c->out_len = 0, c->sends = 0;
	ftcp_recv(c, REQ("/big.bin"), sizeof REQ("/big.bin") - 1);
	CHECK("a large body goes by reference",
	      c->static_calls == 1 && c->out_len > sizeof big && c->sends == 2);
	done(c);
}

static void test_backpressure(void)
{
	struct tcp_conn *c = ftcp_accept();
	const char two[] = REQ("/small.txt") REQ("/small.txt");

	c->room = 50;
	size_t used = ftcp_recv(c, two, sizeof two - 1);
	CHECK("short send: both answers batched, 50 bytes taken, rest spilled",
	      used == sizeof two - 1 && c->out_len == 50 && 1);
	used = ftcp_recv(c, REQ("/small.txt"), sizeof REQ("/small.txt") - 1);
	CHECK("blocked: a new head is not consumed", used == 0);
	ftcp_room(c, SIZE_MAX);
	CHECK("writable: the spill drained, reading resumed",
	      c->resumed && count(c->out, "small body") == 2);
	c->resumed = false;
	used = ftcp_recv(c, REQ("/small.txt"), sizeof REQ("/small.txt") - 1);
	CHECK("the waiting head answered after resume",
	      used == sizeof REQ("/small.txt") - 1 &&
		      count(c->out, "small body") == 3);
	c->out_len = 0;
	c->room = 300; /* the header fits, the body does not */
	ftcp_recv(c, REQ("/big.bin"), sizeof REQ("/big.bin") - 1);
	CHECK("static reference short: the rest waits", c->out_len == 300);
	ftcp_room(c, 5000);
	CHECK("static reference: more on writable", c->out_len == 5300);
	ftcp_room(c, SIZE_MAX);
	const char *body = strstr(c->out, "\r\n\r\n");
	CHECK("static reference: complete, in order",
	      body && (size_t)(c->out + c->out_len - body - 4) == sizeof big);
	done(c);
}

static void test_routes(void)
{
	struct tcp_conn *c = ftcp_accept();
	const char head[] = "POST /echo HTTP/1.1\r\nHost: t\r\nX-Tag: abc\r\n"
			    "Content-Length: 10\r\n\r\n0123";

	CHECK("route: head and a piece of the body",
	      ftcp_recv(c, head, sizeof head - 1) == sizeof head - 1);
	CHECK("route: no answer before the body", c->out_len == 0);
	ftcp_recv(c, "456", 3);
	ftcp_recv(c, "789" REQ("/small.txt"), 3 + sizeof REQ("/small.txt") - 1);
	CHECK("route: body handed over, head kept for the request callback",
	      strstr(c->out, "got 10") != NULL);
	CHECK("route: the next request after the body",
	      strstr(c->out, "small body") > strstr(c->out, "got 10"));
	c->out_len = 0;
	body_seen = 0;
	const char exp[] = "POST /echo HTTP/1.1\r\nHost: t\r\nX-Tag: abc\r\n"
			   "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n";
	ftcp_recv(c, exp, sizeof exp - 1);
	CHECK("Expect: 100-continue: an interim 100 before the body",
	      strcmp(c->out, "HTTP/1.1 100 Continue\r\n\r\n") == 0);
	ftcp_recv(c, "hi", 2);
	CHECK("Expect: 100-continue: then the answer",
	      strstr(c->out, "got 2") != NULL);
	c->out_len = 0;
	ftcp_recv(c, "DELETE /echo HTTP/1.1\r\nHost: t\r\n\r\n", 34);
	CHECK("route: 405 with the route's Allow",
	      strstr(c->out, "405") && strstr(c->out, "Allow: POST\r\n"));
	c->out_len = 0;
	c->room = 10000;
	const char sreq[] = REQ("/stream") REQ("/small.txt");
	size_t used = ftcp_recv(c, sreq, sizeof sreq - 1);
	CHECK("stream: the next request waits while streaming",
	      used == sizeof REQ("/stream") - 1);
	for (int i = 0; i < 40 && c->want_writable; i++)
		ftcp_room(c, 10000);
	const char *body = strstr(c->out, "\r\n\r\n");
	CHECK("stream: 100000 bytes through writable",
	      body && count(body, "z") == 100000);
	CHECK("stream: reading resumed after the response", c->resumed);
	done(c);
}

static void test_evict_and_timeouts(void)
{
	static struct tcp_conn *cs[HTTP_MAX_CONNS + 1];

	for (unsigned i = 0; i < HTTP_MAX_CONNS; i++)
		cs[i] = ftcp_accept();
	ftcp_recv(cs[5], "GET / HTTP/1.1\r\n", 16); /* a slow head */
	uint64_t ev = http_stat_get(HTTP_ST_CONN_EVICTED);
	cs[HTTP_MAX_CONNS] = ftcp_accept();
	CHECK("table full: the oldest waiting connection is evicted",
	      cs[0]->aborted && !cs[1]->aborted &&
		      http_stat_get(HTTP_ST_CONN_EVICTED) == ev + 1);
	ftcp_recv(cs[HTTP_MAX_CONNS], REQ("/small.txt"),
		  sizeof REQ("/small.txt") - 1);
	CHECK("table full: the newcomer is served",
	      strstr(cs[HTTP_MAX_CONNS]->out, "small body") != NULL);
	/* Run the loop: every timer fires in fake time. */
	loop_run(0);
	CHECK("header timeout: the slow head got 408",
	      cs[5]->out && strstr(cs[5]->out, "408 Request Timeout"));
	CHECK("timeouts counted",
	      http_stat_get(HTTP_ST_TIMEOUT_HEADER) >= 1 &&
		      http_stat_get(HTTP_ST_TIMEOUT_IDLE) >= 1);
	CHECK("no timer left armed", loop_timer_count() == 0);

	for (unsigned i = 0; i <= HTTP_MAX_CONNS; i++) {
		free(cs[i]->out);
		free(cs[i]);
	}
	/* A body that trickles in is evicted like a slow head. */
	const char post[] = "POST /echo HTTP/1.1\r\nHost: t\r\n"
			    "Content-Length: 100\r\n\r\nab";
	const char bye[] = "GET /small.txt HTTP/1.1\r\nHost: t\r\n"
			   "Connection: close\r\n\r\n";
	for (unsigned i = 0; i < HTTP_MAX_CONNS; i++) {
		cs[i] = ftcp_accept();
		if (i == 9)
			ftcp_recv(cs[i], post, sizeof post - 1);
		else
			ftcp_recv(cs[i], bye, sizeof bye - 1);
	}
	cs[HTTP_MAX_CONNS] = ftcp_accept();
	CHECK("table full: a slow body is evicted",
	      cs[9]->aborted && cs[HTTP_MAX_CONNS]->cbs != NULL);
	loop_run(0);
	CHECK("no timer left armed at the end", loop_timer_count() == 0);
}

int main(void)
{
	struct http_config cfg = {.port = 80};

	if (http_route("/echo", HTTP_POST, &echo_ops, NULL) ||
	    http_route("/stream", HTTP_GET, &stream_ops, NULL) ||
	    http_start(&cfg) != 0)
		return 1;
	http_srv.cfg.site = &site;
	memset(zs, 'z', sizeof zs);
	test_basic();
	test_backpressure();
	test_routes();
	test_evict_and_timeouts();
	return fake_done();
}
