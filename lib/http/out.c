/*
 * The output path (http_int.h draws it): one batch buffer for every
 * connection, written once per callback; spill buffers from a fixed pool
 * for what the stack did not take; static references for large bodies.
 *
 * Why a batch and not a tcp_send per piece: on posix-socket each send is
 * a system call and on Kiln's stack a segment, so a response made of a
 * status line, a precomputed header block, the Date line and a 1 KiB body
 * would cost four. Copying the small pieces together costs less than one
 * of those, and pipelined requests then share a single write.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kiln/log.h>

#include "http_int.h"

static uint8_t batch[HTTP_BATCH_SZ];
static size_t batch_len;
static struct http_conn *batch_owner;

static uint8_t spill_mem[HTTP_SPILL_N][HTTP_SPILL_SZ];
static uint8_t *spill_free[HTTP_SPILL_N];
static unsigned spill_nfree;
static bool spill_ready;

static uint8_t *spill_get(void)
{
	if (!spill_ready) {
		for (unsigned i = 0; i < HTTP_SPILL_N; i++)
			spill_free[i] = spill_mem[HTTP_SPILL_N - 1 - i];
		spill_nfree = HTTP_SPILL_N;
		spill_ready = true;
	}
	return spill_nfree ? spill_free[--spill_nfree] : NULL;
}

static void spill_put(uint8_t *p)
{
	spill_free[spill_nfree++] = p;
}

size_t http_out_room(const struct http_conn *c)
{
	return batch_owner == c ? HTTP_BATCH_SZ - batch_len : HTTP_BATCH_SZ;
}

/* last: the connection closes after these bytes (http_flush_close). */
static void flush(struct http_conn *c, bool last)
{
	if (batch_owner != c || batch_len == 0)
		return;
	size_t len = batch_len;
	batch_len = 0;
	batch_owner = NULL;
	if (c->dead)
		return;
	if (c->spill_len > 0 || c->st_len > 0) {
		/* Already waiting: the new bytes queue behind the old. The
		 * receive loop stops at a blocked connection, so at most the
		 * rest of one response comes after a full batch. */
		if (c->st_len > 0 ||
		    c->spill_off + c->spill_len + len > HTTP_SPILL_SZ) {
			log_warn(
				"http: spill overflow; resetting a connection");
			c->dead = true;
			tcp_abort(c->tcp);
			return;
		}
		memcpy(c->spill + c->spill_off + c->spill_len, batch, len);
		c->spill_len += len;
		return;
	}
	ssize_t n = last ? tcp_send_close(c->tcp, batch, len)
			 : tcp_send(c->tcp, batch, len);
	if (n < 0) {
		c->dead = true;
		return;
	}
	http_stats[HTTP_ST_BYTES_OUT] += (uint64_t)n;
	if ((size_t)n == len)
		return;
	/* The stack is full: keep the rest until `writable`. */
	c->spill = spill_get();
	if (!c->spill) {
		log_warn("http: out of spill buffers; resetting a connection");
		c->dead = true;
		tcp_abort(c->tcp);
		return;
	}
	memcpy(c->spill, batch + n, len - (size_t)n);
	c->spill_off = 0;
	c->spill_len = len - (size_t)n;
	http_conn_deadline(c, HTTP_ST_TIMEOUT_SEND,
			   http_srv.cfg.send_timeout_s);
}

void http_flush(struct http_conn *c)
{
	flush(c, false);
}

void http_flush_close(struct http_conn *c)
{
	flush(c, true);
}

void http_out(struct http_conn *c, const void *p, size_t n)
{
	const uint8_t *b = p;

	if (batch_owner != c) {
		/* Another connection's batch is never left behind: every
		 * callback flushes its own before it returns. */
		KILN_ASSERT(batch_len == 0);
		batch_owner = c;
	}
	while (n > 0) {
		size_t k = HTTP_BATCH_SZ - batch_len;
		if (k == 0) {
			http_flush(c);
			batch_owner = c;
			continue;
		}
		if (k > n)
			k = n;
		memcpy(batch + batch_len, b, k);
		batch_len += k;
		b += k;
		n -= k;
	}
}

void http_out_static(struct http_conn *c, const void *p, size_t n)
{
	if (n <= HTTP_COPY_MAX && n <= http_out_room(c)) {
		http_out(c, p, n);
		return;
	}
	http_flush(c);
	if (c->dead || n == 0)
		return;
	if (http_blocked(c)) {
		c->st_p = p;
		c->st_len = n;
		return;
	}
	ssize_t k = tcp_send_static(c->tcp, p, n);
	if (k < 0) {
		c->dead = true;
		return;
	}
	http_stats[HTTP_ST_BYTES_OUT] += (uint64_t)k;
	if ((size_t)k < n) {
		c->st_p = (const uint8_t *)p + k;
		c->st_len = n - (size_t)k;
		http_conn_deadline(c, HTTP_ST_TIMEOUT_SEND,
				   http_srv.cfg.send_timeout_s);
	}
}

bool http_out_drain(struct http_conn *c)
{
	ssize_t k;

	if (c->spill_len > 0) {
		k = tcp_send(c->tcp, c->spill + c->spill_off, c->spill_len);
		if (k < 0)
			goto err_dead;
		http_stats[HTTP_ST_BYTES_OUT] += (uint64_t)k;
		c->spill_off += (size_t)k;
		c->spill_len -= (size_t)k;
		if (c->spill_len > 0)
			return false;
		spill_put(c->spill);
		c->spill = NULL;
	}
	if (c->st_len > 0) {
		k = tcp_send_static(c->tcp, c->st_p, c->st_len);
		if (k < 0)
			goto err_dead;
		http_stats[HTTP_ST_BYTES_OUT] += (uint64_t)k;
		c->st_p += k;
		c->st_len -= (size_t)k;
		if (c->st_len > 0)
			return false;
	}
	return true;
err_dead:
	c->dead = true;
	return false;
}

void http_out_drop(struct http_conn *c)
{
	if (batch_owner == c) {
		batch_len = 0;
		batch_owner = NULL;
	}
	if (c->spill)
		spill_put(c->spill);
	c->spill = NULL;
	c->spill_len = c->spill_off = 0;
	c->st_p = NULL;
	c->st_len = 0;
}

const char *http_reason(unsigned status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 206:
		return "Partial Content";
	case 301:
		return "Moved Permanently";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 411:
		return "Length Required";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 416:
		return "Range Not Satisfiable";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return "Unknown";
	}
}

void http_count_status(unsigned status)
{
	if (status >= 500)
		http_count(HTTP_ST_5XX);
	else if (status >= 400)
		http_count(HTTP_ST_4XX);
	else if (status >= 300)
		http_count(HTTP_ST_3XX);
	else if (status >= 200)
		http_count(HTTP_ST_2XX);
}

void http_out_head(struct http_conn *c, unsigned status, const char *ctype,
		   const char *extra, uint64_t length)
{
	char line[160];
	int n;

	n = snprintf(line, sizeof line, "HTTP/1.1 %u %s\r\nServer: kiln\r\n",
		     status, http_reason(status));
	http_out(c, line, (size_t)n);
	struct view d = http_date_line();
	http_out(c, d.p, d.len);
	if (ctype) {
		http_out_str(c, "Content-Type: ");
		http_out_str(c, ctype);
		http_out(c, "\r\n", 2);
	}
	/* 304 carries no length of its own (RFC 9110 8.6). */
	if (status != 304) {
		n = snprintf(line, sizeof line, "Content-Length: %llu\r\n",
			     (unsigned long long)length);
		http_out(c, line, (size_t)n);
	}
	if (!c->keep)
		http_out_str(c, "Connection: close\r\n");
	else if (c->http10) /* 1.0 keeps only what is announced */
		http_out_str(c, "Connection: keep-alive\r\n");
	if (extra)
		http_out_str(c, extra);
	http_out(c, "\r\n", 2);
	http_count_status(status);
}

void http_out_error(struct http_conn *c, unsigned status, const char *extra,
		    bool head_only, bool close)
{
	char body[80];
	int n = snprintf(body, sizeof body, "%u %s\n", status,
			 http_reason(status));

	if (close)
		c->keep = false;
	http_out_head(c, status, "text/plain; charset=utf-8", extra,
		      (uint64_t)n);
	if (!head_only)
		http_out(c, body, (size_t)n);
}
