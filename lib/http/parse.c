/*
 * Request heads (RFC 9112 2-7): finding the end with the size limits
 * (http_scan), then one strict parse (http_parse). Pure functions over
 * views, shared by the server and the fuzz target.
 *
 * Strictness is the defence against request smuggling: whenever two
 * readings of the bytes are possible (a bare LF, obs-fold, whitespace
 * before a colon, CL and TE together, two lengths), the head is refused
 * rather than interpreted, and the caller closes the connection.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_int.h"

/* tchar (RFC 9110 5.6.2): the bytes of a token. */
static bool is_tchar(uint8_t b)
{
	if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
	    (b >= '0' && b <= '9'))
		return true;
	return b != 0 && strchr("!#$%&'*+-.^_`|~", b) != NULL;
}

static uint8_t lower(uint8_t b)
{
	return (b >= 'A' && b <= 'Z') ? (uint8_t)(b + 32) : b;
}

bool http_ieq(struct view v, const char *lit)
{
	size_t n = strlen(lit);

	if (v.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lower(v.p[i]) != (uint8_t)lit[i])
			return false;
	return true;
}

int http_scan(struct view buf, struct http_scan *s)
{
	while (s->off < buf.len) {
		const uint8_t *nl =
			memchr(buf.p + s->off, '\n', buf.len - s->off);
		if (!nl)
			break;
		size_t i = (size_t)(nl - buf.p);
		/* RFC 9112 2.2: a bare LF may be taken as a line end; a
		 * strict server refuses it, so no two readings can differ. */
		if (i == s->line_start || buf.p[i - 1] != '\r')
			return -400;
		size_t len = i - 1 - s->line_start;
		if (!s->seen_line) {
			if (len == 0) {
				/* RFC 9112 2.2: ignore blank lines before the
				 * request line, a few of them. */
				if (++s->lead > HTTP_LEAD_MAX)
					return -400;
			} else if (len > HTTP_LINE_MAX) {
				return -414;
			} else {
				s->seen_line = true;
			}
		} else if (len == 0) {
			s->off = i + 1;
			return (int)(i + 1);
		} else {
			if (len > HTTP_FIELD_MAX)
				return -431;
			s->fields += len + 2;
			if (s->fields > HTTP_FIELDS_MAX)
				return -431;
		}
		s->line_start = s->off = i + 1;
	}
	s->off = buf.len;
	/* The line still arriving must not pass its limit either. */
	size_t part = buf.len - s->line_start;
	if (!s->seen_line && part > HTTP_LINE_MAX + 1)
		return -414;
	if (s->seen_line && (part > HTTP_FIELD_MAX + 1 ||
			     s->fields + part > HTTP_FIELDS_MAX + 1))
		return -431;
	return 0;
}

static const struct {
	const char *name;
	unsigned bit;
} methods[] = {
	{"GET", HTTP_GET},	   {"HEAD", HTTP_HEAD},
	{"POST", HTTP_POST},	   {"PUT", HTTP_PUT},
	{"DELETE", HTTP_DELETE},   {"OPTIONS", HTTP_OPTIONS},
	{"PATCH", HTTP_PATCH},	   {"TRACE", HTTP_TRACE},
	{"CONNECT", HTTP_CONNECT},
};

static unsigned method_bit(struct view m)
{
	/* Methods are case-sensitive (RFC 9110 9.1). */
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
		if (m.len == strlen(methods[i].name) &&
		    memcmp(m.p, methods[i].name, m.len) == 0)
			return methods[i].bit;
	return 0;
}

/* Split the request-target (RFC 9112 3.2) into path and query. */
static bool parse_target(struct http_head *h)
{
	struct view t = h->target;
	size_t i = 0;

	if (t.len >= 7 &&
	    (http_ieq(view_trunc(t, 7), "http://") ||
	     (t.len >= 8 && http_ieq(view_trunc(t, 8), "https://")))) {
		/* absolute-form: the authority is Host's business. */
		i = t.p[4] == ':' ? 7 : 8;
		while (i < t.len && t.p[i] != '/' && t.p[i] != '?')
			i++;
		if (i == t.len || t.p[i] == '?') {
			static const uint8_t slash = '/';
			h->path = view_make(&slash, 1);
			if (i < t.len && !view_tail(t, i + 1, &h->query))
				return false;
			return true;
		}
	} else if (t.len == 1 && t.p[0] == '*') {
		h->path = t; /* asterisk-form, for OPTIONS */
		return true;
	} else if (t.len == 0 || t.p[0] != '/') {
		return false;
	}
	const uint8_t *q = memchr(t.p + i, '?', t.len - i);
	size_t end = q ? (size_t)(q - t.p) : t.len;
	if (!view_sub(t, i, end - i, &h->path))
		return false;
	if (q && !view_tail(t, end + 1, &h->query))
		return false;
	return true;
}

/* "HTTP/" DIGIT "." DIGIT (RFC 9112 2.3). 0 ok, else the status. */
static int parse_version(struct view v, struct http_head *h)
{
	if (v.len != 8 || memcmp(v.p, "HTTP/", 5) != 0 || v.p[6] != '.' ||
	    v.p[5] < '0' || v.p[5] > '9' || v.p[7] < '0' || v.p[7] > '9')
		return 400;
	if (v.p[5] != '1') {
		h->err_stat = HTTP_ST_ERR_VERSION;
		return 505;
	}
	/* A later 1.x is answered as the highest we have (RFC 9110 2.5). */
	h->minor = v.p[7] == '0' ? 0 : 1;
	return 0;
}

static int parse_request_line(struct view line, struct http_head *h)
{
	const uint8_t *sp1 = memchr(line.p, ' ', line.len);
	if (!sp1)
		return 400;
	size_t m = (size_t)(sp1 - line.p);
	const uint8_t *sp2 = memchr(sp1 + 1, ' ', line.len - m - 1);
	if (!sp2 || m == 0)
		return 400;
	size_t t0 = m + 1, tn = (size_t)(sp2 - line.p) - t0;
	struct view meth = view_trunc(line, m), ver;
	if (!view_sub(line, t0, tn, &h->target) ||
	    !view_tail(line, t0 + tn + 1, &ver))
		return 400;
	for (size_t i = 0; i < m; i++)
		if (!is_tchar(meth.p[i]))
			return 400;
	for (size_t i = 0; i < tn; i++)
		if (h->target.p[i] <= 0x20 || h->target.p[i] >= 0x7f)
			return 400;
	h->method = method_bit(meth);
	int st = parse_version(ver, h);
	if (st)
		return st;
	return parse_target(h) ? 0 : 400;
}

/* Content-Length: 1*DIGIT, nothing else (RFC 9110 8.6). */
static bool parse_cl(struct view v, uint64_t *out)
{
	uint64_t x = 0;

	if (v.len == 0 || v.len > 18)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(v.p[i] - '0');
	}
	*out = x;
	return true;
}

bool http_list_next(struct view *rest, struct view *elem)
{
	struct view v = *rest;
	size_t i = 0;

	while (i < v.len) {
		size_t j = i;
		while (j < v.len && v.p[j] != ',')
			j++;
		size_t a = i, b = j;
		while (a < b && (v.p[a] == ' ' || v.p[a] == '\t'))
			a++;
		while (b > a && (v.p[b - 1] == ' ' || v.p[b - 1] == '\t'))
			b--;
		i = j < v.len ? j + 1 : j;
		if (b > a) {
			*elem = view_make(v.p + a, b - a);
			*rest = view_make(v.p + i, v.len - i);
			return true;
		}
	}
	*rest = view_make(v.p + v.len, 0);
	return false;
}

/* Each element of a comma-separated list through fn. */
static void each_elem(struct view v, void (*fn)(struct view, void *), void *arg)
{
	struct view e;

	while (http_list_next(&v, &e))
		fn(e, arg);
}

/* Connection options (RFC 9112 9.3): "close" wins over "keep-alive". */
struct conn_opts {
	bool close, keep;
};

static void conn_elem(struct view e, void *arg)
{
	struct conn_opts *o = arg;

	if (http_ieq(e, "close"))
		o->close = true;
	else if (http_ieq(e, "keep-alive"))
		o->keep = true;
}

static void te_elem(struct view e, void *arg)
{
	/* Only the final coding decides whether the body is chunked. */
	((struct http_head *)arg)->te_chunked = http_ieq(e, "chunked");
}

static int field(struct http_head *h, struct view name, struct view val,
		 struct conn_opts *co)
{
	uint64_t cl;

	if (http_ieq(name, "host")) {
		h->nhost++;
	} else if (http_ieq(name, "content-length")) {
		h->err_stat = HTTP_ST_ERR_FRAMING;
		if (!parse_cl(val, &cl) || (h->has_cl && cl != h->cl))
			return 400;
		h->has_cl = true;
		h->cl = cl;
	} else if (http_ieq(name, "transfer-encoding")) {
		h->has_te = true;
		each_elem(val, te_elem, h);
	} else if (http_ieq(name, "connection")) {
		each_elem(val, conn_elem, co);
	} else if (http_ieq(name, "if-none-match")) {
		h->inm = val, h->has_inm = true;
	} else if (http_ieq(name, "if-modified-since")) {
		h->ims = val, h->has_ims = true;
	} else if (http_ieq(name, "range")) {
		h->range = val, h->has_range = true;
	} else if (http_ieq(name, "if-range")) {
		h->if_range = val, h->has_if_range = true;
	} else if (http_ieq(name, "accept-encoding")) {
		h->ae = val, h->has_ae = true;
	} else if (http_ieq(name, "expect")) {
		h->expect_continue = http_ieq(val, "100-continue");
	}
	return 0;
}

/* One field line: name ":" OWS value OWS (RFC 9112 5). */
static int field_line(struct http_head *h, struct view line,
		      struct conn_opts *co)
{
	size_t i = 0, a, b;

	/* obs-fold, or whitespace before the name: refuse (RFC 9112 5.2). */
	while (i < line.len && is_tchar(line.p[i]))
		i++;
	if (i == 0 || i == line.len || line.p[i] != ':')
		return 400; /* includes whitespace before the colon, 5.1 */
	a = i + 1;
	b = line.len;
	while (a < b && (line.p[a] == ' ' || line.p[a] == '\t'))
		a++;
	while (b > a && (line.p[b - 1] == ' ' || line.p[b - 1] == '\t'))
		b--;
	/* NUL, CR, LF and other controls never belong in a value (RFC
	 * 9110 5.5); HTAB, visible ASCII and obs-text do. */
	for (size_t k = a; k < b; k++) {
		uint8_t x = line.p[k];
		if ((x < 0x20 && x != '\t') || x == 0x7f)
			return 400;
	}
	return field(h, view_trunc(line, i), view_make(line.p + a, b - a), co);
}

int http_parse(struct view head, struct http_head *h)
{
	size_t off = 0;
	struct conn_opts co = {false, false};
	int st;

	memset(h, 0, sizeof *h);
	h->err_stat = HTTP_ST_ERR_BAD_REQUEST;
	/* Skip the blank lines http_scan allowed before the request line. */
	while (off + 1 < head.len && head.p[off] == '\r' &&
	       head.p[off + 1] == '\n')
		off += 2;
	bool first = true;
	size_t fields_at = 0;
	while (off < head.len) {
		const uint8_t *nl = memchr(head.p + off, '\n', head.len - off);
		if (!nl)
			return 400;
		size_t end = (size_t)(nl - head.p);
		if (end == off || head.p[end - 1] != '\r')
			return 400;
		struct view line = view_make(head.p + off, end - 1 - off);
		/* A CR anywhere else in a line is a bare CR (RFC 9112 2.2). */
		if (memchr(line.p, '\r', line.len))
			return 400;
		if (first) {
			if ((st = parse_request_line(line, h)) != 0)
				return st;
			first = false;
			fields_at = end + 1;
		} else if (line.len == 0) {
			h->fields =
				view_make(head.p + fields_at, off - fields_at);
			break;
		} else if ((st = field_line(h, line, &co)) != 0) {
			return st;
		}
		off = end + 1;
	}
	if (first)
		return 400;
	h->keep_alive = !co.close && (h->minor == 1 || co.keep);
	h->err_stat = HTTP_ST_ERR_BAD_REQUEST;
	/* RFC 9112 3.2: HTTP/1.1 needs exactly one Host; never two. */
	if (h->nhost > 1 || (h->minor == 1 && h->nhost == 0))
		return 400;
	if (h->has_te) {
		/* RFC 9112 6.1: TE with CL, or TE in 1.0, is faulty
		 * framing; chunked bodies we refuse (411), other codings
		 * we do not know (501). */
		if (h->has_cl || h->minor == 0) {
			h->err_stat = HTTP_ST_ERR_FRAMING;
			return 400;
		}
		h->err_stat = h->te_chunked ? HTTP_ST_ERR_LENGTH_REQUIRED
					    : HTTP_ST_ERR_NOT_IMPLEMENTED;
		return h->te_chunked ? 411 : 501;
	}
	return 0;
}

bool http_field(struct view fields, const char *name, struct view *value)
{
	size_t off = 0;

	while (off < fields.len) {
		const uint8_t *nl =
			memchr(fields.p + off, '\n', fields.len - off);
		size_t end = nl ? (size_t)(nl - fields.p) : fields.len;
		struct view line = view_make(fields.p + off, end - off);
		const uint8_t *colon = memchr(line.p, ':', line.len);
		if (colon &&
		    http_ieq(view_trunc(line, (size_t)(colon - line.p)),
			     name)) {
			size_t a = (size_t)(colon - line.p) + 1, b = line.len;
			while (b > a &&
			       (line.p[b - 1] == '\r' || line.p[b - 1] == ' ' ||
				line.p[b - 1] == '\t'))
				b--;
			while (a < b && (line.p[a] == ' ' || line.p[a] == '\t'))
				a++;
			*value = view_make(line.p + a, b - a);
			return true;
		}
		off = end + 1;
	}
	return false;
}

static int hexval(uint8_t b)
{
	if (b >= '0' && b <= '9')
		return b - '0';
	b = lower(b);
	return (b >= 'a' && b <= 'f') ? b - 'a' + 10 : -1;
}

bool http_pct_decode(struct view in, uint8_t *out, size_t cap, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < in.len; i++) {
		uint8_t b = in.p[i];
		if (b == '%') {
			if (i + 2 >= in.len)
				return false;
			int hi = hexval(in.p[i + 1]), lo = hexval(in.p[i + 2]);
			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				return false;
			b = (uint8_t)(hi << 4 | lo);
			i += 2;
		}
		if (o >= cap)
			return false;
		out[o++] = b;
	}
	*outlen = o;
	return true;
}
