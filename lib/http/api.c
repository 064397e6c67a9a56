/*
 * The public face of lib/http (include/kiln/http.h): starting the server,
 * routes and their responses, statistics.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <kiln/kiln.h>
#include <kiln/log.h>

#include "http_int.h"

struct http_server http_srv;
uint64_t http_stats[HTTP_ST_COUNT];

static const char *const stat_names[HTTP_ST_COUNT] = {
	[HTTP_ST_REQUESTS] = "requests",
	[HTTP_ST_BYTES_IN] = "bytes_in",
	[HTTP_ST_BYTES_OUT] = "bytes_out",
	[HTTP_ST_CONN_ACCEPTED] = "connections_accepted",
	[HTTP_ST_CONN_ACTIVE] = "connections_active",
	[HTTP_ST_CONN_EVICTED] = "connections_evicted",
	[HTTP_ST_2XX] = "responses_2xx",
	[HTTP_ST_3XX] = "responses_3xx",
	[HTTP_ST_4XX] = "responses_4xx",
	[HTTP_ST_5XX] = "responses_5xx",
	[HTTP_ST_NOT_MODIFIED] = "not_modified",
	[HTTP_ST_PARTIAL] = "partial",
	[HTTP_ST_GZIP] = "gzip",
	[HTTP_ST_ERR_BAD_REQUEST] = "err_bad_request",
	[HTTP_ST_ERR_FRAMING] = "err_framing",
	[HTTP_ST_ERR_URI_TOO_LONG] = "err_uri_too_long",
	[HTTP_ST_ERR_HEADER_TOO_LARGE] = "err_header_too_large",
	[HTTP_ST_ERR_BODY_TOO_LARGE] = "err_body_too_large",
	[HTTP_ST_ERR_LENGTH_REQUIRED] = "err_length_required",
	[HTTP_ST_ERR_NOT_IMPLEMENTED] = "err_not_implemented",
	[HTTP_ST_ERR_VERSION] = "err_version",
	[HTTP_ST_ERR_NOT_FOUND] = "err_not_found",
	[HTTP_ST_ERR_METHOD] = "err_method",
	[HTTP_ST_ERR_RANGE] = "err_range",
	[HTTP_ST_TIMEOUT_HEADER] = "timeout_header",
	[HTTP_ST_TIMEOUT_IDLE] = "timeout_idle",
	[HTTP_ST_TIMEOUT_SEND] = "timeout_send",
	[HTTP_ST_CONN_RESET] = "connections_reset",
};

int http_start(const struct http_config *cfg)
{
	struct net_addr any = {.ip = 0, .port = cfg->port};
	struct http_config *c = &http_srv.cfg;
	int err;

	*c = *cfg;
	/* nginx's defaults, but for the header timeout (60 s there): a
	 * whole head in 20 s is generous and frees slots sooner. */
	if (!c->header_timeout_s)
		c->header_timeout_s = 20;
	if (!c->idle_timeout_s)
		c->idle_timeout_s = 75;
	if (!c->send_timeout_s)
		c->send_timeout_s = 60;
	if (!c->max_requests)
		c->max_requests = 1000;
	if (!c->max_body)
		c->max_body = 1024 * 1024;
	if ((err = http_site_bind(c->site)) < 0)
		return err;
	http_conn_pool_init();
	err = tcp_listen(&http_srv.l, &any, http_conn_accept, NULL);
	if (err == 0)
		tcp_listener_client_first(http_srv.l); /* requests come first */
	return err;
}

int http_route(const char *path, unsigned methods,
	       const struct http_route_ops *ops, void *arg)
{
	if (!path || path[0] != '/' || !methods || !ops || !ops->request)
		return -EINVAL;
	if (http_srv.nroutes == HTTP_ROUTES_MAX)
		return -ENOSPC;
	http_srv.routes[http_srv.nroutes++] = (struct http_route_ent){
		.path = path, .methods = methods, .ops = ops, .arg = arg};
	return 0;
}

enum http_method http_req_method(const struct http_req *r)
{
	return (enum http_method)r->method;
}

struct view http_req_path(const struct http_req *r)
{
	return r->path;
}

struct view http_req_query(const struct http_req *r)
{
	return r->query;
}

bool http_req_header(const struct http_req *r, const char *name,
		     struct view *value)
{
	return http_field(r->fields, name, value);
}

uint64_t http_req_body_len(const struct http_req *r)
{
	return r->body_len;
}

void *http_req_state(struct http_req *r)
{
	return r->state;
}

/* After an API call made outside our callbacks, write at once. */
static void api_end(struct http_conn *c)
{
	if (!c->in_cb)
		http_flush(c);
}

static void resp_complete(struct http_req *r)
{
	struct http_conn *c = r->c;

	http_conn_resp_done(c);
	api_end(c);
}

static int respond(struct http_req *r, unsigned status, const char *ctype,
		   const char *extra, const void *body, size_t len, bool st)
{
	struct http_conn *c = r->c;

	if (r->begun || c->state != C_RESP)
		return -EINVAL;
	if (!st && len > HTTP_BATCH_SZ / 2)
		return -EINVAL; /* copied bodies must fit the batch */
	r->begun = true;
	http_out_head(c, status, ctype, extra, len);
	if (!r->head_only) {
		if (st)
			http_out_static(c, body, len);
		else
			http_out(c, body, len);
	}
	resp_complete(r);
	return 0;
}

int http_respond(struct http_req *r, unsigned status, const char *ctype,
		 const char *extra, const void *body, size_t len)
{
	return respond(r, status, ctype, extra, body, len, false);
}

int http_respond_static(struct http_req *r, unsigned status, const char *ctype,
			const char *extra, const void *body, size_t len)
{
	return respond(r, status, ctype, extra, body, len, true);
}

int http_begin(struct http_req *r, unsigned status, const char *ctype,
	       const char *extra, uint64_t length)
{
	struct http_conn *c = r->c;

	if (r->begun || c->state != C_RESP)
		return -EINVAL;
	r->begun = true;
	r->left = length;
	http_out_head(c, status, ctype, extra, length);
	if (length == 0 || r->head_only) {
		r->left = r->head_only ? length : 0;
		if (!r->head_only)
			resp_complete(r);
		else
			api_end(c);
		return 0;
	}
	api_end(c);
	return 0;
}

static ssize_t write_common(struct http_req *r, const void *p, size_t n,
			    bool st)
{
	struct http_conn *c = r->c;
	ssize_t k;

	if (!r->begun || r->left == 0 || c->state != C_RESP)
		return -EINVAL;
	if (n > r->left)
		n = (size_t)r->left;
	if (r->head_only) {
		k = (ssize_t)n;
	} else if (http_blocked(c) || c->dead) {
		k = 0;
	} else if (n <= HTTP_COPY_MAX && n <= http_out_room(c)) {
		http_out(c, p, n);
		k = (ssize_t)n;
	} else {
		http_flush(c);
		if (http_blocked(c) || c->dead)
			k = 0;
		else
			k = st ? tcp_send_static(c->tcp, p, n)
			       : tcp_send(c->tcp, p, n);
		if (k < 0) {
			c->dead = true;
			return k;
		}
		http_stats[HTTP_ST_BYTES_OUT] += (uint64_t)k;
	}
	r->left -= (uint64_t)k;
	if ((size_t)k < n) {
		r->stream_wait = true;
		http_conn_deadline(c, HTTP_ST_TIMEOUT_SEND,
				   http_srv.cfg.send_timeout_s);
	}
	if (r->left == 0)
		resp_complete(r);
	else
		api_end(c);
	return k;
}

ssize_t http_write(struct http_req *r, const void *p, size_t n)
{
	return write_common(r, p, n, false);
}

ssize_t http_write_static(struct http_req *r, const void *p, size_t n)
{
	return write_common(r, p, n, true);
}

uint64_t http_stat_get(enum http_stat s)
{
	return (unsigned)s < HTTP_ST_COUNT ? http_stats[s] : 0;
}

const char *http_stat_name(enum http_stat s)
{
	return (unsigned)s < HTTP_ST_COUNT ? stat_names[s] : NULL;
}

size_t http_stats_json(char *buf, size_t len)
{
	size_t o = 0;

	for (unsigned i = 0; i < HTTP_ST_COUNT; i++) {
		int n = snprintf(buf + (o < len ? o : len),
				 o < len ? len - o : 0, "%s\"%s\": %llu",
				 i ? ", " : "{", stat_names[i],
				 (unsigned long long)http_stats[i]);
		o += (size_t)n;
	}
	o += (size_t)snprintf(buf + (o < len ? o : len), o < len ? len - o : 0,
			      "}\n");
	return o;
}
