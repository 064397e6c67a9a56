/*
 * Internal to lib/http: the request-head scanner and parser (parse.c),
 * HTTP-dates (date.c), the output path (out.c), connections (conn.c),
 * request dispatch and site files (serve.c), the route API and
 * statistics (api.c). The public contract is include/kiln/http.h.
 *
 * A connection's life: HEAD (waiting for, or accumulating, a request
 * head) -> dispatch -> either a complete response at once (back to HEAD,
 * or BODY to read and drop a body first) or RESP (a route streams its
 * response, or a route's body is being read) -> ... -> CLOSING (an error
 * response or the last response is on its way; FIN once it has drained).
 *
 * Output: responses are assembled in one batch buffer shared by every
 * connection (callbacks never nest) and written with one tcp_send at the
 * end of the callback, so that pipelined requests cost one write. What
 * the stack does not take goes to a spill buffer from a fixed pool, and
 * the connection stops reading until `writable` has drained it (and any
 * pending static reference, which always comes after the spill).
 */
#ifndef KILN_HTTP_INT_H
#define KILN_HTTP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <kiln/http.h>
#include <kiln/loop.h>
#include <kiln/tcp.h>
#include <kiln/view.h>

/* Room for the longest head the limits admit: leading blank lines, the
 * request line, the fields, CRLFs. */
#define HTTP_LEAD_MAX 8u
#define HTTP_HEAD_MAX                                                          \
	(2 * HTTP_LEAD_MAX + HTTP_LINE_MAX + HTTP_FIELDS_MAX + 64u)
/* A held head also keeps its decoded path, after HTTP_HEAD_MAX. */
#define HTTP_HBUF_SZ  (HTTP_HEAD_MAX + HTTP_LINE_MAX)
#define HTTP_HBUF_N   128u	   /* heads that arrive in pieces */
#define HTTP_BATCH_SZ (32u * 1024) /* one write's worth of responses */
/* Spill: a batch, plus the rest of the response that was being built
 * when the stack ran full (at most one more batch). */
#define HTTP_SPILL_SZ	(2 * HTTP_BATCH_SZ)
#define HTTP_SPILL_N	64u /* connections under back-pressure */
#define HTTP_ROUTES_MAX 32u

/* ---- parse.c ------------------------------------------------------------ */

/* Incremental search for the end of a head, with the size limits. */
struct http_scan {
	size_t off;	   /* next byte to look at */
	size_t line_start; /* start of the current line */
	size_t fields;	   /* bytes of field lines so far */
	unsigned lead;	   /* blank lines before the request line */
	bool seen_line;	   /* the request line is complete */
};

/*
 * Scan buf (which holds the bytes scanned before, plus new ones) on from
 * s->off. Returns the head's length once its blank line is in buf, 0 when
 * more is needed, or minus the status to answer: -400 (bare LF, too many
 * leading blank lines), -414 (request line), -431 (a field, or all).
 */
int http_scan(struct view buf, struct http_scan *s);

/* What dispatch needs from a head; views point into the head's bytes. */
struct http_head {
	unsigned method; /* enum http_method bit; 0: unknown method */
	struct view target, path, query;
	unsigned minor; /* HTTP/1.minor: 0 or 1 */
	bool keep_alive;
	unsigned nhost;
	bool has_cl, has_te, te_chunked, expect_continue;
	uint64_t cl;
	struct view inm, ims, range, if_range, ae;
	bool has_inm, has_ims, has_range, has_if_range, has_ae;
	struct view fields;	 /* the field lines, for http_req_header */
	enum http_stat err_stat; /* which counter an error status is */
};

/*
 * Parse a complete head (as http_scan delimited it). Returns 0, or the
 * status to answer with the connection closed (400, 411, 501, 505); then
 * h->err_stat names the counter.
 */
int http_parse(struct view head, struct http_head *h);

/* Case-insensitive comparison of a view with a lower-case literal. */
bool http_ieq(struct view v, const char *lower);

/* Find a field by name in field lines (as http_head.fields). */
bool http_field(struct view fields, const char *name, struct view *value);

/* The next element of a comma-separated list (RFC 9110 5.6.1), trimmed;
 * empty elements are skipped. False at the end. */
bool http_list_next(struct view *rest, struct view *elem);

/* Decode %XX in a path into out; false on a bad escape, %00 or overflow. */
bool http_pct_decode(struct view in, uint8_t *out, size_t cap, size_t *outlen);

/* ---- date.c ------------------------------------------------------------- */

#define HTTP_DATE_LEN 29 /* "Sun, 06 Nov 1994 08:49:37 GMT" */

/* Format secs (since the epoch) as an IMF-fixdate; writes 29 bytes + NUL. */
void http_date_fmt(int64_t secs, char out[HTTP_DATE_LEN + 1]);

/* Parse any of the three HTTP-date forms (RFC 9110 5.6.7). */
bool http_date_parse(struct view v, int64_t *secs);

/* "Date: <now>\r\n", refreshed when the wall-clock second changes. */
struct view http_date_line(void);

/* ---- conn.c ------------------------------------------------------------- */

enum http_cstate { C_FREE, C_HEAD, C_BODY, C_RESP, C_CLOSING };

struct http_route_ent {
	const char *path;
	unsigned methods;
	const struct http_route_ops *ops;
	void *arg;
};

struct http_req {
	struct http_conn *c;
	unsigned method;
	struct view path, query, fields;
	uint64_t body_len;
	const struct http_route_ent *route;
	bool head_only;	  /* HEAD: count body bytes, send none */
	bool begun;	  /* the status line is out */
	uint64_t left;	  /* body bytes of the response still due */
	bool stream_wait; /* http_write came up short */
	_Alignas(16) uint8_t state[HTTP_REQ_STATE_SZ];
};

struct http_conn {
	struct tcp_conn *tcp;
	enum http_cstate state;
	bool keep;     /* keep the connection after this response */
	bool paused;   /* recv left bytes unconsumed */
	bool dead;     /* the stack can no longer send */
	bool in_cb;    /* inside one of our tcp callbacks */
	bool peer_eof; /* FIN seen: close once the answers are out */
	bool http10;   /* the current request is HTTP/1.0 */
	unsigned nreq;

	uint8_t *hbuf; /* a head arriving in pieces (HTTP_HBUF_SZ) */
	size_t hlen;
	struct http_scan scan;
	bool head_started; /* bytes of the next head have arrived */
	bool hold;	   /* hbuf holds the current request's head */

	uint64_t body_left; /* request body still to read */
	struct http_req req;

	uint8_t *spill; /* unsent copied bytes (HTTP_BATCH_SZ) */
	size_t spill_off, spill_len;
	const uint8_t *st_p; /* unsent static reference, after the spill */
	size_t st_len;

	uint64_t deadline; /* loop_now() ns of the pending timeout */
	enum http_stat tkind;
	struct loop_timer timer;

	/* The list of connections waiting for a head or a body, oldest
	 * first: whom to evict when the table or head buffers run out. */
	struct http_conn *wprev, *wnext;
	bool waiting;
};

struct http_server {
	struct http_config cfg;
	struct tcp_listener *l;
	struct http_route_ent routes[HTTP_ROUTES_MAX];
	unsigned nroutes;
};

extern struct http_server http_srv;
extern uint64_t http_stats[HTTP_ST_COUNT];

static inline void http_count(enum http_stat s)
{
	http_stats[s]++;
}

void http_conn_pool_init(void);
void http_conn_accept(struct tcp_listener *l, struct tcp_conn *t, void *arg);

/* A head buffer for c (evicting the oldest slow head if none is free);
 * false when none can be had. */
bool http_hbuf_take(struct http_conn *c);
void http_hbuf_release(struct http_conn *c);

/* End the connection once the queued output is out (FIN, lingering). */
void http_conn_finish(struct http_conn *c);

/* Output drained: go on reading, close, or call a streaming route. */
void http_conn_unblocked(struct http_conn *c);

/* Read the current request's body next (c->body_left bytes). */
void http_conn_await_body(struct http_conn *c);

/* The response to the current request is complete. */
void http_conn_resp_done(struct http_conn *c);

/* (Re)set the connection's single timeout. */
void http_conn_deadline(struct http_conn *c, enum http_stat kind,
			unsigned secs);

/* ---- out.c -------------------------------------------------------------- */

static inline bool http_blocked(const struct http_conn *c)
{
	return c->spill_len > 0 || c->st_len > 0;
}

/* Append bytes to the batch (flushing first when it is full). */
void http_out(struct http_conn *c, const void *p, size_t n);
static inline void http_out_str(struct http_conn *c, const char *s)
{
	http_out(c, s, strlen(s));
}
/* Body bytes that live as long as the image: copied when small. */
void http_out_static(struct http_conn *c, const void *p, size_t n);
/* Write the batch; spill what the stack does not take. */
void http_flush(struct http_conn *c);
/* The same for the connection's last bytes: tcp_send_close, so the FIN
 * can ride with them; the connection is closed when all were taken. */
void http_flush_close(struct http_conn *c);
/* The connection is gone or reset: drop its batch, spill, reference. */
void http_out_drop(struct http_conn *c);
/* Room left in the batch before it must be flushed. */
size_t http_out_room(const struct http_conn *c);

/* Write a drained spill and static reference; true when all is out. */
bool http_out_drain(struct http_conn *c);

/* The status line, Server, Date, Content-Type (ctype non-NULL),
 * Content-Length, Connection as c->keep says, extra, and the blank line. */
void http_out_head(struct http_conn *c, unsigned status, const char *ctype,
		   const char *extra, uint64_t length);

/* A small error or redirect response; close: the connection ends after. */
void http_out_error(struct http_conn *c, unsigned status, const char *extra,
		    bool head_only, bool close);

const char *http_reason(unsigned status);

/* Count a response's status class and bytes. */
void http_count_status(unsigned status);

/* ---- serve.c ------------------------------------------------------------ */

/* Answer one complete head; the head's bytes stay valid during the call. */
void http_dispatch(struct http_conn *c, struct view head);

/* The request body ended (or was empty): call the route, if any. */
void http_body_done(struct http_conn *c);

/* Keep the current request's head, path included, in c->hbuf until the
 * route's request callback returns (a body comes first). */
bool http_hold_head(struct http_conn *c, struct view head);

/* Resolve the site's kv entries; -ENOENT when one is missing. */
int http_site_bind(const struct http_site *site);

#endif /* KILN_HTTP_INT_H */
