/*
 * Answering a request: dispatch to a route or a site file, and the site's
 * HTTP semantics (RFC 9110): conditional requests (13), ranges (14),
 * content negotiation of gzip (12.5.3), redirects for folders.
 *
 * A 200 for a site file is the build's precomputed header block, the
 * cached Date line, the Connection line when one is due, and the body
 * from the image: nothing is formatted per request.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "http_int.h"

static uint8_t path_buf[HTTP_LINE_MAX];

/* strcmp order between a NUL-terminated name and a view. */
static int cmp_path(const char *name, struct view v)
{
	size_t n = strlen(name), k = n < v.len ? n : v.len;
	int r = k ? memcmp(name, v.p, k) : 0;

	if (r)
		return r;
	return n < v.len ? -1 : n > v.len;
}

static const struct http_file *site_find(struct view path, size_t *idx)
{
	const struct http_site *s = http_srv.cfg.site;
	size_t lo = 0, hi = s ? s->nfiles : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = cmp_path(s->files[mid].path, path);
		if (r == 0) {
			*idx = mid;
			return &s->files[mid];
		}
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* A q-value (RFC 9110 12.4.2) in thousandths; 1000 when absent. */
static unsigned qvalue(struct view params)
{
	const uint8_t *q = NULL;

	for (size_t i = 0; i + 1 < params.len; i++)
		if ((params.p[i] == 'q' || params.p[i] == 'Q') &&
		    params.p[i + 1] == '=') {
			q = params.p + i + 2;
			params.len -= i + 2;
			break;
		}
	if (!q)
		return 1000;
	unsigned v = 0, scale = 1000;
	for (size_t i = 0; i < params.len && i < 5; i++) {
		if (q[i] == '.')
			continue;
		if (q[i] < '0' || q[i] > '9')
			break;
		v += (unsigned)(q[i] - '0') * scale;
		scale /= 10;
	}
	return v > 1000 ? 1000 : v;
}

/* Does Accept-Encoding allow gzip? Listed gzip decides; else "*". */
static bool accepts_gzip(struct view ae)
{
	struct view e;
	int gz = -1, star = -1;

	while (http_list_next(&ae, &e)) {
		const uint8_t *semi = memchr(e.p, ';', e.len);
		size_t n = semi ? (size_t)(semi - e.p) : e.len;
		while (n > 0 && (e.p[n - 1] == ' ' || e.p[n - 1] == '\t'))
			n--;
		struct view name = view_trunc(e, n);
		int q = (int)qvalue(view_make(e.p + n, e.len - n));
		if (http_ieq(name, "gzip") || http_ieq(name, "x-gzip"))
			gz = q;
		else if (name.len == 1 && name.p[0] == '*')
			star = q;
	}
	return (gz >= 0 ? gz : star) > 0;
}

static bool tag_eq(struct view t, const char *etag)
{
	return etag && t.len == strlen(etag) && memcmp(t.p, etag, t.len) == 0;
}

/* If-None-Match (RFC 9110 13.1.2): weak comparison, "*" matches. */
static bool inm_match(struct view inm, const struct http_file *f)
{
	struct view e;

	while (http_list_next(&inm, &e)) {
		if (e.len == 1 && e.p[0] == '*')
			return true;
		if (e.len > 2 && e.p[0] == 'W' && e.p[1] == '/')
			e = view_make(e.p + 2, e.len - 2);
		if (tag_eq(e, f->etag) || tag_eq(e, f->etag_gz))
			return true;
	}
	return false;
}

/* If-Range (RFC 9110 13.1.5): a strong ETag match or the exact date. */
static bool if_range_ok(struct view v, const struct http_file *f)
{
	int64_t t;

	if (v.len > 0 && v.p[0] == '"')
		return tag_eq(v, f->etag);
	return http_date_parse(v, &t) && t == f->mtime;
}

enum range_verdict { RANGE_IGNORE, RANGE_OK, RANGE_UNSAT };

static bool digits(struct view v, uint64_t *out)
{
	uint64_t x = 0;

	if (v.len == 0)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		if (x > UINT64_MAX / 16)
			x = UINT64_MAX / 16; /* beyond any file: saturate */
		else
			x = x * 10 + (uint64_t)(v.p[i] - '0');
	}
	*out = x;
	return true;
}

/* One "bytes=" range (RFC 9110 14.1.2); several are ignored (14.2). */
static enum range_verdict parse_range(struct view r, uint64_t len,
				      uint64_t *first, uint64_t *last)
{
	uint64_t a, b;

	if (r.len < 6 || !http_ieq(view_trunc(r, 6), "bytes="))
		return RANGE_IGNORE;
	r = view_make(r.p + 6, r.len - 6);
	while (r.len && (r.p[0] == ' ' || r.p[0] == '\t'))
		r = view_make(r.p + 1, r.len - 1);
	while (r.len && (r.p[r.len - 1] == ' ' || r.p[r.len - 1] == '\t'))
		r.len--;
	if (memchr(r.p, ',', r.len))
		return RANGE_IGNORE;
	const uint8_t *dash = memchr(r.p, '-', r.len);
	if (!dash)
		return RANGE_IGNORE;
	size_t d = (size_t)(dash - r.p);
	struct view lo = view_trunc(r, d),
		    hi = view_make(dash + 1, r.len - d - 1);
	if (lo.len == 0) { /* suffix: the last b bytes */
		if (!digits(hi, &b))
			return RANGE_IGNORE;
		if (b == 0 || len == 0)
			return RANGE_UNSAT;
		*first = b >= len ? 0 : len - b;
		*last = len - 1;
		return RANGE_OK;
	}
	if (!digits(lo, &a) || (hi.len && (!digits(hi, &b) || b < a)))
		return RANGE_IGNORE;
	if (a >= len)
		return RANGE_UNSAT;
	*first = a;
	*last = hi.len && b < len - 1 ? b : len - 1;
	return RANGE_OK;
}

static void conn_line(struct http_conn *c)
{
	if (!c->keep)
		http_out_str(c, "Connection: close\r\n");
	else if (c->http10)
		http_out_str(c, "Connection: keep-alive\r\n");
}

static void serve_file(struct http_conn *c, const struct http_head *h,
		       const struct http_file *f, size_t idx)
{
	const struct kv_entry *kv = http_srv.cfg.site->kv[idx];
	bool head_only = h->method == HTTP_HEAD;
	/* Static: a redirect's Location may be as long as a request line,
	 * and callbacks never nest. */
	static char extra[HTTP_LINE_MAX + 256];
	uint64_t first, last;

	if (!(h->method & (HTTP_GET | HTTP_HEAD))) {
		http_count(HTTP_ST_ERR_METHOD);
		http_out_error(c, 405, "Allow: GET, HEAD\r\n", false, false);
		return;
	}
	if (f->redirect) {
		snprintf(extra, sizeof extra, "Location: %s\r\n", f->redirect);
		http_out_error(c, 301, extra, head_only, false);
		return;
	}
	bool gz = f->gz && h->has_ae && accepts_gzip(h->ae);
	const char *etag = gz ? f->etag_gz : f->etag;
	const char *vary = f->gz ? "Vary: Accept-Encoding\r\n" : "";
	int64_t t;
	/* RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only
	 * without it, and only for GET and HEAD. */
	if (h->has_inm ? inm_match(h->inm, f)
		       : (h->has_ims && http_date_parse(h->ims, &t) &&
			  f->mtime <= t)) {
		snprintf(extra, sizeof extra,
			 "ETag: %s\r\nLast-Modified: %s\r\n%s", etag,
			 f->lastmod, vary);
		http_count(HTTP_ST_NOT_MODIFIED);
		http_out_head(c, 304, NULL, extra, 0);
		return;
	}
	if (h->has_range && h->method == HTTP_GET &&
	    (!h->has_if_range || if_range_ok(h->if_range, f))) {
		enum range_verdict v =
			parse_range(h->range, kv->len, &first, &last);
		if (v == RANGE_OK) {
			/* Ranges are of the identity representation. */
			snprintf(extra, sizeof extra,
				 "Content-Range: bytes %llu-%llu/%llu\r\n"
				 "ETag: %s\r\nLast-Modified: %s\r\n%s",
				 (unsigned long long)first,
				 (unsigned long long)last,
				 (unsigned long long)kv->len, f->etag,
				 f->lastmod, vary);
			http_count(HTTP_ST_PARTIAL);
			http_out_head(c, 206, f->ctype, extra,
				      last - first + 1);
			http_out_static(c, kv->data + first,
					(size_t)(last - first + 1));
			return;
		}
		if (v == RANGE_UNSAT) {
			snprintf(extra, sizeof extra,
				 "Content-Range: bytes */%llu\r\n",
				 (unsigned long long)kv->len);
			http_count(HTTP_ST_ERR_RANGE);
			http_out_error(c, 416, extra, false, false);
			return;
		}
	}
	if (gz) {
		http_count(HTTP_ST_GZIP);
		http_out(c, f->hdr200_gz, f->hdr200_gz_len);
	} else {
		http_out(c, f->hdr200, f->hdr200_len);
	}
	struct view d = http_date_line();
	http_out(c, d.p, d.len);
	conn_line(c);
	http_out(c, "\r\n", 2);
	http_count(HTTP_ST_2XX);
	if (!head_only) {
		if (gz)
			http_out_static(c, f->gz, f->gz_len);
		else
			http_out_static(c, kv->data, kv->len);
	}
}

static const struct http_route_ent *route_find(struct view path)
{
	for (unsigned i = 0; i < http_srv.nroutes; i++)
		if (cmp_path(http_srv.routes[i].path, path) == 0)
			return &http_srv.routes[i];
	return NULL;
}

static void allow_line(unsigned methods, char *buf, size_t len)
{
	static const char *const names[] = {"GET",   "HEAD",   "POST",
					    "PUT",   "DELETE", "OPTIONS",
					    "PATCH", "TRACE",  "CONNECT"};
	size_t o = (size_t)snprintf(buf, len, "Allow:");
	const char *sep = " ";

	if (methods & HTTP_GET)
		methods |= HTTP_HEAD;
	for (unsigned i = 0; i < 9 && o < len; i++)
		if (methods & (1u << i)) {
			o += (size_t)snprintf(buf + o, len - o, "%s%s", sep,
					      names[i]);
			sep = ", ";
		}
	if (o < len)
		snprintf(buf + o, len - o, "\r\n");
}

bool http_hold_head(struct http_conn *c, struct view head)
{
	struct http_req *r = &c->req;

	if (!c->hbuf && !http_hbuf_take(c))
		return false;
	if (head.p != c->hbuf) {
		/* Rebase the views into the copy. */
		memcpy(c->hbuf, head.p, head.len);
		if (r->fields.len)
			r->fields.p = c->hbuf + (r->fields.p - head.p);
		if (r->query.len)
			r->query.p = c->hbuf + (r->query.p - head.p);
	}
	memcpy(c->hbuf + HTTP_HEAD_MAX, r->path.p, r->path.len);
	r->path.p = c->hbuf + HTTP_HEAD_MAX;
	c->hold = true;
	return true;
}

void http_body_done(struct http_conn *c)
{
	const struct http_route_ent *rt = c->req.route;

	c->state = C_RESP;
	rt->ops->request(&c->req, rt->arg);
	/* The head's views end with the callback. */
	if (c->hold) {
		c->hold = false;
		http_hbuf_release(c);
	}
}

static void fail(struct http_conn *c, unsigned status, enum http_stat why)
{
	http_count(why);
	http_out_error(c, status, NULL, false, true);
	http_conn_finish(c);
}

void http_dispatch(struct http_conn *c, struct view head)
{
	struct http_head h;
	struct http_req *r = &c->req;
	const struct http_config *cfg = &http_srv.cfg;
	size_t plen, idx;
	int st = http_parse(head, &h);

	c->nreq++;
	http_count(HTTP_ST_REQUESTS);
	memset(r, 0, sizeof *r);
	r->c = c;
	c->body_left = 0;
	if (st) {
		fail(c, (unsigned)st, h.err_stat);
		return;
	}
	c->http10 = h.minor == 0;
	c->keep = h.keep_alive && c->nreq < cfg->max_requests;
	if (!http_pct_decode(h.path, path_buf, sizeof path_buf, &plen)) {
		fail(c, 400, HTTP_ST_ERR_BAD_REQUEST);
		return;
	}
	if (h.method == 0) {
		fail(c, 501, HTTP_ST_ERR_NOT_IMPLEMENTED);
		return;
	}
	if (h.has_cl && h.cl > cfg->max_body) {
		fail(c, 413, HTTP_ST_ERR_BODY_TOO_LARGE);
		return;
	}
	r->method = h.method;
	r->path = view_make(path_buf, plen);
	r->query = h.query;
	r->fields = h.fields;
	r->body_len = h.has_cl ? h.cl : 0;
	r->head_only = h.method == HTTP_HEAD;
	c->body_left = r->body_len;

	const struct http_route_ent *rt = route_find(r->path);
	const struct http_file *f = rt ? NULL : site_find(r->path, &idx);
	if (!rt && !f) {
		http_count(HTTP_ST_ERR_NOT_FOUND);
		http_out_error(c, 404, NULL, r->head_only, false);
	} else if (rt && !(rt->methods & h.method) &&
		   !(h.method == HTTP_HEAD && (rt->methods & HTTP_GET))) {
		char allow[96];
		allow_line(rt->methods, allow, sizeof allow);
		http_count(HTTP_ST_ERR_METHOD);
		http_out_error(c, 405, allow, r->head_only, false);
	} else if (rt) {
		r->route = rt;
		if (c->body_left == 0) {
			http_body_done(c);
			return;
		}
		if (!http_hold_head(c, head)) {
			fail(c, 503, HTTP_ST_ERR_BAD_REQUEST);
			return;
		}
		if (h.expect_continue)
			http_out_str(c, "HTTP/1.1 100 Continue\r\n\r\n");
		http_conn_await_body(c);
		return;
	} else {
		/* A client waiting for 100 Continue would never send the
		 * body we do not want: end after the answer instead. */
		if (h.expect_continue && c->body_left > 0)
			c->keep = false;
		serve_file(c, &h, f, idx);
	}
	http_conn_resp_done(c);
}

int http_site_bind(const struct http_site *site)
{
	for (size_t i = 0; site && i < site->nfiles; i++) {
		site->kv[i] = kv_find(site->files[i].kvname);
		if (!site->kv[i])
			return -ENOENT;
	}
	return 0;
}
