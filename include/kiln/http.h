/*
 * HTTP/1.1 server (lib/http): a static site sealed into the image, plus
 * dynamic routes. An appliance links it with `uses http` in its manifest.
 *
 * Protocol (RFC 9110 semantics, RFC 9112 message syntax):
 *  - GET and HEAD on the site; other methods reach only routes that ask
 *    for them (405 with Allow otherwise; 501 for unknown methods).
 *  - Persistent connections and pipelining: requests are answered in
 *    order; the responses to one batch of received requests go out in one
 *    write. HTTP/1.0 keeps the connection only with "Connection:
 *    keep-alive".
 *  - Every response has Content-Length (no chunked responses), Date
 *    (cached per second) and Server.
 *  - Site files: conditional requests (If-None-Match before
 *    If-Modified-Since, RFC 9110 13.2.2) answer 304; one byte range
 *    answers 206 (several ranges: the whole file, 200, as RFC 9110 14.2
 *    allows), an unsatisfiable one 416; If-Range with an ETag or date;
 *    the gzip variant when Accept-Encoding allows it (q-values honoured,
 *    RFC 9110 12.5.3) and the build found it smaller. "/dir/" serves
 *    dir/index.html; "/dir" answers 301 to "/dir/" so that the page's
 *    relative links resolve against the folder.
 *  - Request bodies: Content-Length only. Transfer-Encoding: chunked is
 *    refused with 411 (send a length), any other transfer coding with
 *    501. Static routes read and discard a body; dynamic routes get it.
 *
 * Strict framing against request smuggling (RFC 9112 6.3, 11.2): a
 * request with both Transfer-Encoding and Content-Length, a malformed
 * Content-Length (anything but digits), differing Content-Length lines,
 * NUL, CR or another control byte in a field value, whitespace before a
 * field's colon, obs-fold, a bare LF or CR, more than one Host, or an
 * HTTP/1.1 request without Host is answered 400 and the connection is
 * closed. So is every other framing error (414, 431, 411, 413, 501).
 *
 * Limits, after nginx's defaults: request line 8 KiB (414), one header
 * field 8 KiB and all fields 16 KiB (431), body (http_config.max_body,
 * 413), a header timeout (the whole head must arrive in time; 408 then
 * close), an idle keep-alive timeout, a send timeout (a peer that reads
 * nothing for that long is cut), requests per connection, and at most
 * HTTP_MAX_CONNS connections. When the table is full, a new connection
 * evicts the one that has waited longest for its client (an idle
 * keep-alive, a half-sent head or a trickling body), and a head arriving
 * in pieces when every head buffer is taken evicts the oldest such head:
 * slow clients cannot starve the others.
 *
 * Memory: a fixed pool of connections; no allocation per request. Small
 * bodies (at most HTTP_COPY_MAX) are copied next to their headers, so a
 * response is one write; larger ones go by reference (tcp_send_static)
 * from the image's read-only data.
 *
 * Everything runs on the event loop; no call blocks.
 */
#ifndef KILN_HTTP_H
#define KILN_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <kiln/kv.h>
#include <kiln/view.h>

#define HTTP_MAX_CONNS	  1024u
#define HTTP_LINE_MAX	  (8u * 1024)  /* request line; 414 past it */
#define HTTP_FIELD_MAX	  (8u * 1024)  /* one header field line; 431 */
#define HTTP_FIELDS_MAX	  (16u * 1024) /* all header field lines; 431 */
#define HTTP_COPY_MAX	  (8u * 1024)  /* larger bodies go by reference */
#define HTTP_REQ_STATE_SZ 64u	       /* per-request scratch for routes */

/* Methods, as bits so that a route can take several. */
enum http_method {
	HTTP_GET = 1u << 0,
	HTTP_HEAD = 1u << 1,
	HTTP_POST = 1u << 2,
	HTTP_PUT = 1u << 3,
	HTTP_DELETE = 1u << 4,
	HTTP_OPTIONS = 1u << 5,
	HTTP_PATCH = 1u << 6,
	HTTP_TRACE = 1u << 7,
	HTTP_CONNECT = 1u << 8,
};

/*
 * One file of the site, as the build-time generator (lib/http/gen)
 * precomputes it. Entries are sorted by path (strcmp order).
 */
struct http_file {
	const char *path;   /* URL path: "/a/b.css"; "/" and "/d/" index */
	const char *kvname; /* the bytes: kv entry "site/a/b.css" */
	const char *ctype;  /* "text/css; charset=utf-8" */
	const char *etag;   /* quoted: "\"5f3a...\"" */
	const char *etag_gz;
	const char *lastmod; /* HTTP-date (IMF-fixdate) of mtime */
	int64_t mtime;	     /* seconds since the epoch */
	/* "HTTP/1.1 200 OK\r\n" and every header but Date and Connection,
	 * each line ending in CRLF, without the blank line. */
	const char *hdr200;
	size_t hdr200_len;
	const char *hdr200_gz; /* the same for the gzip variant */
	size_t hdr200_gz_len;
	const uint8_t *gz; /* gzip variant, NULL when not smaller */
	size_t gz_len;
	const char *redirect; /* non-NULL: answer 301 with this Location */
};

struct http_site {
	const struct http_file *files;
	size_t nfiles;
	/* One slot per file, filled by http_start with kv_find(kvname). */
	const struct kv_entry **kv;
};

struct http_config {
	uint16_t port;
	const struct http_site *site; /* NULL: routes only */
	unsigned header_timeout_s;    /* whole head; 0: 20 */
	unsigned idle_timeout_s;      /* keep-alive wait; 0: 75 */
	unsigned send_timeout_s;      /* no progress sending; 0: 60 */
	unsigned max_requests;	      /* per connection; 0: 1000 */
	uint64_t max_body;	      /* request body bytes; 0: 1 MiB */
};

/*
 * Listen on cfg->port (every address) and serve. The config is copied.
 * Returns 0, or the tcp_listen error (-EADDRINUSE, -EACCES, ...), or
 * -ENOENT when a site file's kv entry is missing.
 */
int http_start(const struct http_config *cfg)
	__attribute__((warn_unused_result));

/* ---- dynamic routes -------------------------------------------------- */

struct http_req; /* one request; valid until its response is complete */

struct http_route_ops {
	/* Optional: the request body, piece by piece, in order, before
	 * `request`. Without it, a body is read and discarded. */
	void (*body)(struct http_req *r, struct view piece, void *arg);
	/* Required: the request (head and body) is complete; start the
	 * response (http_respond, or http_begin and http_write). */
	void (*request)(struct http_req *r, void *arg);
	/* Optional: room to write more of a streamed response after
	 * http_write took less than asked. */
	void (*writable)(struct http_req *r, void *arg);
};

/*
 * Route requests for exactly `path` (no query; "/stats") with one of
 * `methods` (bits of enum http_method; HEAD is answered like GET without
 * the body when GET is given) to ops. Routes are looked up before site
 * files. Returns 0, -ENOSPC (table full) or -EINVAL.
 */
int http_route(const char *path, unsigned methods,
	       const struct http_route_ops *ops, void *arg)
	__attribute__((warn_unused_result));

enum http_method http_req_method(const struct http_req *r);
/* The path, percent-decoded, and the raw query (after '?', may be empty).
 * Like the header fields, valid in the `body` and `request` callbacks
 * only: copy what a streamed response needs later. */
struct view http_req_path(const struct http_req *r);
struct view http_req_query(const struct http_req *r);
/* The value of the first field called name (case-insensitive); false
 * when there is none. Valid during the `request` callback only. */
bool http_req_header(const struct http_req *r, const char *name,
		     struct view *value);
uint64_t http_req_body_len(const struct http_req *r);
/* HTTP_REQ_STATE_SZ bytes of zeroed scratch per request, for a route's
 * own state across writable callbacks (aligned for any scalar). */
void *http_req_state(struct http_req *r);

/*
 * A whole response: status, content type, body (copied, at most 16 KiB;
 * a body that lives as long as the image, of any size, goes by reference
 * with http_respond_static). extra: NULL or more header lines, each
 * ending in CRLF. Returns 0, or -EINVAL when a response was already
 * begun or the copied body is too large.
 */
int http_respond(struct http_req *r, unsigned status, const char *ctype,
		 const char *extra, const void *body, size_t len);
int http_respond_static(struct http_req *r, unsigned status, const char *ctype,
			const char *extra, const void *body, size_t len);

/*
 * A streamed response of `length` body bytes: http_begin sends the head;
 * http_write / http_write_static return how many bytes they took (0 and
 * up; fewer than asked: `writable` comes when there is room). The
 * response is complete when `length` bytes are written; for HEAD the
 * writes are counted but not sent.
 */
int http_begin(struct http_req *r, unsigned status, const char *ctype,
	       const char *extra, uint64_t length);
ssize_t http_write(struct http_req *r, const void *p, size_t n);
ssize_t http_write_static(struct http_req *r, const void *p, size_t n);

/* ---- the build-time site generator ------------------------------------ */

/*
 * For an appliance's `generate` source (a host program, not the image):
 *   int main(int argc, char **argv)
 *   { return http_gen_main(argc, argv, "site", "www_site"); }
 * reads the files of the dir key `key` from the generator's inputs and
 * writes `const struct http_site SYMBOL` (for the image to declare
 * extern and pass in http_config.site). Exits the program on errors.
 */
int http_gen_main(int argc, char **argv, const char *key, const char *symbol);

/* ---- statistics ------------------------------------------------------ */

/* Counters; the names in http_stat_name() are the JSON keys. */
enum http_stat {
	HTTP_ST_REQUESTS,
	HTTP_ST_BYTES_IN,
	HTTP_ST_BYTES_OUT,
	HTTP_ST_CONN_ACCEPTED,
	HTTP_ST_CONN_ACTIVE,
	HTTP_ST_CONN_EVICTED,
	HTTP_ST_2XX,
	HTTP_ST_3XX,
	HTTP_ST_4XX,
	HTTP_ST_5XX,
	HTTP_ST_NOT_MODIFIED,
	HTTP_ST_PARTIAL,
	HTTP_ST_GZIP,
	HTTP_ST_ERR_BAD_REQUEST, /* 400 */
	HTTP_ST_ERR_FRAMING,	 /* 400 for TE/CL conflicts and bad CL */
	HTTP_ST_ERR_URI_TOO_LONG,
	HTTP_ST_ERR_HEADER_TOO_LARGE,
	HTTP_ST_ERR_BODY_TOO_LARGE,
	HTTP_ST_ERR_LENGTH_REQUIRED,
	HTTP_ST_ERR_NOT_IMPLEMENTED,
	HTTP_ST_ERR_VERSION,
	HTTP_ST_ERR_NOT_FOUND,
	HTTP_ST_ERR_METHOD,
	HTTP_ST_ERR_RANGE,
	HTTP_ST_TIMEOUT_HEADER,
	HTTP_ST_TIMEOUT_IDLE,
	HTTP_ST_TIMEOUT_SEND,
	HTTP_ST_CONN_RESET,
	HTTP_ST_COUNT
};

uint64_t http_stat_get(enum http_stat s);
const char *http_stat_name(enum http_stat s);

/* The counters as one JSON object into buf (NUL-terminated, truncated
 * to len); returns the length it needed, like snprintf. */
size_t http_stats_json(char *buf, size_t len);

#endif /* KILN_HTTP_H */
