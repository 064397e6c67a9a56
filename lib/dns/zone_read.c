/*
 * Reading a master file (RFC 1035 section 5, RFC 2308 section 4 for
 * $TTL, RFC 3597 for unknown types) the way NSD and BIND read one:
 *
 *   $ORIGIN name         relative names below are completed with it
 *   $TTL ttl             the TTL of RRs that give none
 *   $INCLUDE file [org]  read file (relative to this one) in place
 *   [owner] [ttl] [class] type rdata    (ttl and class in either order)
 *
 * An omitted owner is the previous RR's; an omitted TTL is $TTL, or 3600
 * before any $TTL (as NSD reads it); the class must be IN.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zone.h"

#define ZTOK_MAX    512
#define INCLUDE_MAX 8

struct rstate {
	struct wname origin;
	bool have_origin;
	struct wname last_owner;
	bool have_owner;
	uint32_t ttl_default; /* $TTL */
	bool have_ttl_default;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
	    fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		if (buf) {
			buf[n] = 0;
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

bool zone_ttl_parse(const char *s, size_t len, uint32_t *out)
{
	uint64_t total = 0, cur = 0;
	bool digits = false, unit_seen = false;

	if (len == 0 || s[0] < '0' || s[0] > '9')
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		uint64_t mul;

		if (c >= '0' && c <= '9') {
			cur = cur * 10 + (uint64_t)(c - '0');
			if (cur > 0xffffffffu)
				return false;
			digits = true;
			continue;
		}
		switch (c | 0x20) {
		case 's':
			mul = 1;
			break;
		case 'm':
			mul = 60;
			break;
		case 'h':
			mul = 3600;
			break;
		case 'd':
			mul = 86400;
			break;
		case 'w':
			mul = 604800;
			break;
		default:
			return false;
		}
		if (!digits)
			return false;
		total += cur * mul;
		cur = 0;
		digits = false;
		unit_seen = true;
	}
	if (digits)
		total += cur; /* "1h30" is 1h + 30s, as BIND reads it */
	else if (!unit_seen)
		return false;
	/* RFC 2181 section 8: a TTL is 31 bits. */
	if (total > 0x7fffffffu)
		return false;
	*out = (uint32_t)total;
	return true;
}

static bool is_class(const struct ztok *t, bool *in)
{
	if (t->quoted)
		return false;
	if (t->len == 2 && strncasecmp(t->s, "IN", 2) == 0) {
		*in = true;
		return true;
	}
	if ((t->len == 2 && (strncasecmp(t->s, "CH", 2) == 0 ||
			     strncasecmp(t->s, "HS", 2) == 0)) ||
	    (t->len == 4 && strncasecmp(t->s, "NONE", 4) == 0) ||
	    (t->len == 3 && strncasecmp(t->s, "ANY", 3) == 0)) {
		*in = false;
		return true;
	}
	if (t->len > 5 && strncasecmp(t->s, "CLASS", 5) == 0) {
		*in = t->len == 6 && t->s[5] == '1';
		return true;
	}
	return false;
}

static void add_rr(struct zone *z, const struct zrr *rr)
{
	if (z->nrrs == z->cap) {
		z->cap = z->cap ? z->cap * 2 : 64;
		z->rrs = realloc(z->rrs, z->cap * sizeof *z->rrs);
		if (!z->rrs) {
			perror("dns generator");
			exit(1);
		}
	}
	z->rrs[z->nrrs++] = *rr;
}

static int read_file(struct zone *z, const char *path, struct rstate *st,
		     int depth);

/* Included files' names live as long as the generator: RRs point at
 * them for messages. Kept in a static table so nothing leaks. */
static const char *intern(const char *path)
{
	static char *names[256];
	size_t i;

	for (i = 0; i < 256 && names[i]; i++)
		if (!strcmp(names[i], path))
			return names[i];
	if (i == 256)
		return "(an included file)";
	names[i] = strdup(path);
	return names[i] ? names[i] : "(an included file)";
}

static int directive(struct zone *z, const char *path, struct rstate *st,
		     const struct ztok *t, int n, int line, int depth)
{
	const char *why;

	if (t[0].len == 7 && strncasecmp(t[0].s, "$ORIGIN", 7) == 0) {
		if (n != 2) {
			zerr(path, line, "$ORIGIN takes one name");
			return -1;
		}
		struct wname o; /* a relative $ORIGIN reads the old one */
		why = wname_parse(t[1].s, t[1].len,
				  st->have_origin ? &st->origin : NULL, &o);
		if (why) {
			zerr(path, line, "$ORIGIN: %s", why);
			return -1;
		}
		st->origin = o;
		st->have_origin = true;
		return 0;
	}
	if (t[0].len == 4 && strncasecmp(t[0].s, "$TTL", 4) == 0) {
		if (n != 2 ||
		    !zone_ttl_parse(t[1].s, t[1].len, &st->ttl_default)) {
			zerr(path, line,
			     "$TTL takes one TTL (seconds or "
			     "1w2d3h4m5s, at most 2147483647)");
			return -1;
		}
		st->have_ttl_default = true;
		return 0;
	}
	if (t[0].len == 8 && strncasecmp(t[0].s, "$INCLUDE", 8) == 0) {
		char file[4096];
		struct rstate sub = *st;
		int rc;

		if (n < 2 || n > 3 || t[1].len >= sizeof file - 1) {
			zerr(path, line,
			     "$INCLUDE takes a file and an "
			     "optional origin");
			return -1;
		}
		if (depth >= INCLUDE_MAX) {
			zerr(path, line, "$INCLUDE nested too deep");
			return -1;
		}
		if (t[1].s[0] == '/') {
			snprintf(file, sizeof file, "%.*s", (int)t[1].len,
				 t[1].s);
		} else {
			const char *slash = strrchr(path, '/');
			int dl = slash ? (int)(slash - path + 1) : 0;
			snprintf(file, sizeof file, "%.*s%.*s", dl, path,
				 (int)t[1].len, t[1].s);
		}
		if (n == 3) {
			why = wname_parse(t[2].s, t[2].len,
					  st->have_origin ? &st->origin : NULL,
					  &sub.origin);
			if (why) {
				zerr(path, line, "$INCLUDE origin: %s", why);
				return -1;
			}
			sub.have_origin = true;
		}
		rc = read_file(z, intern(file), &sub, depth + 1);
		/* RFC 1035 section 5.1: the origin reverts after the
		 * include; the owner carries on (BIND does so). */
		st->last_owner = sub.last_owner;
		st->have_owner = sub.have_owner;
		return rc;
	}
	zerr(path, line,
	     "unknown directive '%.*s' (expected $ORIGIN, $TTL "
	     "or $INCLUDE)",
	     (int)t[0].len, t[0].s);
	return -1;
}

static int record(struct zone *z, const char *path, struct rstate *st,
		  const struct ztok *t, int n, bool blank, int line)
{
	struct zrr rr = {.file = path, .line = line};
	int i = 0;
	bool have_ttl = false, have_class = false, in;

	if (blank) {
		if (!st->have_owner) {
			zerr(path, line,
			     "no owner: the first record must "
			     "name one");
			return -1;
		}
		rr.owner = st->last_owner;
	} else {
		const char *why = wname_parse(
			t[0].s, t[0].len, st->have_origin ? &st->origin : NULL,
			&rr.owner);
		if (why) {
			zerr(path, line, "owner '%.*s': %s", (int)t[0].len,
			     t[0].s, why);
			return -1;
		}
		i = 1;
	}
	st->last_owner = rr.owner;
	st->have_owner = true;
	/* [ttl] [class] or [class] [ttl], then the type. */
	for (int k = 0; k < 2 && i < n; k++) {
		if (!have_class && is_class(&t[i], &in)) {
			if (!in) {
				zerr(path, line,
				     "class '%.*s': only IN is "
				     "served",
				     (int)t[i].len, t[i].s);
				return -1;
			}
			have_class = true;
			i++;
		} else if (!have_ttl && !t[i].quoted && t[i].len &&
			   t[i].s[0] >= '0' && t[i].s[0] <= '9') {
			if (!zone_ttl_parse(t[i].s, t[i].len, &rr.ttl)) {
				zerr(path, line, "bad TTL '%.*s'",
				     (int)t[i].len, t[i].s);
				return -1;
			}
			have_ttl = true;
			i++;
		}
	}
	if (i >= n) {
		zerr(path, line, "missing the record type");
		return -1;
	}
	rr.type = zone_type_parse(t[i].s, t[i].len);
	if (rr.type == 0 || t[i].quoted) {
		zerr(path, line,
		     "unknown record type '%.*s' (write TYPEnnn "
		     "with \\# rdata, RFC 3597)",
		     (int)t[i].len, t[i].s);
		return -1;
	}
	i++;
	/* RFC 1035 section 5.1 would carry the last TTL given; NSD (our
	 * reference) and RFC 2308 section 4 use $TTL, else 3600. */
	if (!have_ttl)
		rr.ttl = st->have_ttl_default ? st->ttl_default : 3600;
	if (zone_rdata(&rr, t + i, n - i,
		       st->have_origin ? &st->origin : NULL) != 0)
		return -1;
	add_rr(z, &rr);
	return 0;
}

static int read_file(struct zone *z, const char *path, struct rstate *st,
		     int depth)
{
	static struct ztok toks[ZTOK_MAX];
	size_t len;
	char *text = slurp(path, &len);
	struct zlex lx = {.file = path, .line = 1};
	int rc = 0;

	if (!text) {
		zerr(path, 1, "cannot read the zone file");
		return -1;
	}
	if (memchr(text, 0, len)) {
		zerr(path, 1, "a NUL byte: not a text zone file");
		free(text);
		return -1;
	}
	lx.p = text;
	lx.end = text + len;
	for (;;) {
		bool blank = false;
		int line = lx.line;
		int n = zlex_entry(&lx, toks, ZTOK_MAX, &blank, &line);

		if (n == 0)
			break;
		if (n < 0) {
			rc = -1;
			break;
		}
		if (!blank && !toks[0].quoted && toks[0].s[0] == '$') {
			if (directive(z, path, st, toks, n, line, depth) != 0)
				rc = -1;
		} else if (record(z, path, st, toks, n, blank, line) != 0) {
			rc = -1;
		}
		/* Keep reading after an error: one run reports them all,
		 * as nsd-checkzone does; but stop at a lexer error, since
		 * what follows may be misread. */
	}
	/* The text stays: zone_rdata parsed from it but copied the bytes. */
	free(text);
	return rc;
}

int zone_read(struct zone *z, const struct wname *origin)
{
	struct rstate st = {0};

	if (origin) {
		st.origin = *origin;
		st.have_origin = true;
	}
	z->soa_index = -1;
	return read_file(z, z->file, &st, 0);
}
