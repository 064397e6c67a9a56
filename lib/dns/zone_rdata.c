/*
 * RDATA in presentation form to wire form, per type: A, NS, CNAME, SOA,
 * PTR, MX, TXT, AAAA, SRV, CAA (RFC 1035 3.3, 3.4; RFC 3596; RFC 2782;
 * RFC 8659), and RFC 3597's generic "\# len hex" for any type, known or
 * not (section 5). Names in rdata are stored uncompressed; the template
 * writer compresses the ones RFC 3597 section 4 allows.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "zone.h"

static const struct {
	const char *name;
	uint16_t type;
} types[] = {
	{"A", T_A},	{"NS", T_NS},	{"CNAME", T_CNAME}, {"SOA", T_SOA},
	{"PTR", T_PTR}, {"MX", T_MX},	{"TXT", T_TXT},	    {"AAAA", T_AAAA},
	{"SRV", T_SRV}, {"CAA", T_CAA}, {"DS", T_DS},	    {"HINFO", 13},
	{"DNAME", 39},	{"RRSIG", 46},	{"NSEC", 47},	    {"DNSKEY", 48},
	{"NSEC3", 50},	{"TLSA", 52},	{"SVCB", 64},	    {"HTTPS", 65},
	{"SPF", 99},	{"SSHFP", 44},	{"NAPTR", 35},	    {"LOC", 29},
};

uint16_t zone_type_parse(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strlen(types[i].name) == len &&
		    strncasecmp(types[i].name, s, len) == 0)
			return types[i].type;
	if (len > 4 && len <= 9 && strncasecmp(s, "TYPE", 4) == 0) {
		unsigned long v = 0;
		for (size_t i = 4; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return 0;
			v = v * 10 + (unsigned long)(s[i] - '0');
		}
		/* 0, OPT and the meta and query types cannot be data. */
		if (v == 0 || v > 65535 || v == DNS_T_OPT ||
		    (v >= 128 && v <= 255))
			return 0;
		return (uint16_t)v;
	}
	return 0;
}

const char *zone_type_name(uint16_t t, char *buf, size_t len)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (types[i].type == t)
			return types[i].name;
	snprintf(buf, len, "TYPE%u", t);
	return buf;
}

/* Is this a type whose text form we parse, or only RFC 3597's? */
static bool known(uint16_t t)
{
	switch (t) {
	case T_A:
	case T_NS:
	case T_CNAME:
	case T_SOA:
	case T_PTR:
	case T_MX:
	case T_TXT:
	case T_AAAA:
	case T_SRV:
	case T_CAA:
		return true;
	}
	return false;
}

struct rb {
	uint8_t b[65535];
	size_t n;
	bool over;
};

static void put(struct rb *r, const void *p, size_t n)
{
	if (r->n + n > sizeof r->b) {
		r->over = true;
		return;
	}
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

static void put16(struct rb *r, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(r, b, 2);
}

static void put32(struct rb *r, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};
	put(r, b, 4);
}

static bool num(const struct ztok *t, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (t->quoted || t->len == 0 || t->len > 10)
		return false;
	for (size_t i = 0; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(t->s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* A <character-string>: unescaped into out (at most max octets). */
static const char *cstring(const struct ztok *t, uint8_t *out, size_t max,
			   size_t *len)
{
	size_t o = 0;

	for (size_t i = 0; i < t->len;) {
		unsigned c = (unsigned char)t->s[i++];
		if (c == '\\' && i < t->len) {
			if (t->s[i] >= '0' && t->s[i] <= '9') {
				if (i + 3 > t->len || t->s[i + 1] < '0' ||
				    t->s[i + 1] > '9' || t->s[i + 2] < '0' ||
				    t->s[i + 2] > '9')
					return "\\DDD needs three digits";
				c = (unsigned)(t->s[i] - '0') * 100 +
				    (unsigned)(t->s[i + 1] - '0') * 10 +
				    (unsigned)(t->s[i + 2] - '0');
				if (c > 255)
					return "\\DDD above 255";
				i += 3;
			} else {
				c = (unsigned char)t->s[i++];
			}
		}
		if (o == max)
			return "a character-string longer than 255 octets";
		out[o++] = (uint8_t)c;
	}
	*len = o;
	return NULL;
}

static const char *name_field(struct rb *r, const struct ztok *t,
			      const struct wname *origin)
{
	struct wname n;
	const char *why;

	if (t->quoted)
		return "a name cannot be quoted";
	why = wname_parse(t->s, t->len, origin, &n);
	if (!why)
		put(r, n.b, n.len);
	return why;
}

static int hex_val(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* RFC 3597 section 5: \# LEN HEX..., hex in any number of tokens. */
static const char *generic(struct rb *r, const struct ztok *t, int n)
{
	unsigned long len;
	size_t start = r->n;

	if (n < 2 || !num(&t[1], 65535, &len))
		return "\\# needs a length (0-65535)";
	for (int i = 2; i < n; i++) {
		if (t[i].len % 2)
			return "\\# hex has an odd number of digits in a "
			       "field";
		for (size_t k = 0; k < t[i].len; k += 2) {
			int hi = hex_val(t[i].s[k]),
			    lo = hex_val(t[i].s[k + 1]);
			if (hi < 0 || lo < 0)
				return "\\# data is not hex";
			uint8_t b = (uint8_t)(hi << 4 | lo);
			put(r, &b, 1);
		}
	}
	if (r->n - start != len)
		return "\\# length does not match the hex data";
	return NULL;
}

/* Returns NULL or why; *used is how many tokens were taken. */
static const char *parse(uint16_t type, struct rb *r, const struct ztok *t,
			 int n, const struct wname *org, int *used)
{
	unsigned long a, b, c;
	const char *why;
	uint8_t s[256];
	size_t sl;

#define NEED(k)                                                                \
	do {                                                                   \
		if (n < (k))                                                   \
			return "missing rdata fields";                         \
		*used = (k);                                                   \
	} while (0)
	switch (type) {
	case T_A:
		NEED(1);
		char ip[64];
		snprintf(ip, sizeof ip, "%.*s", (int)t[0].len, t[0].s);
		if (t[0].quoted || inet_pton(AF_INET, ip, s) != 1)
			return "bad IPv4 address";
		put(r, s, 4);
		return NULL;
	case T_AAAA:
		NEED(1);
		snprintf(ip, sizeof ip, "%.*s", (int)t[0].len, t[0].s);
		if (t[0].quoted || inet_pton(AF_INET6, ip, s) != 1)
			return "bad IPv6 address";
		put(r, s, 16);
		return NULL;
	case T_NS:
	case T_CNAME:
	case T_PTR:
		NEED(1);
		return name_field(r, &t[0], org);
	case T_MX:
		NEED(2);
		if (!num(&t[0], 65535, &a))
			return "bad MX preference (0-65535)";
		put16(r, (unsigned)a);
		return name_field(r, &t[1], org);
	case T_SRV:
		NEED(4);
		if (!num(&t[0], 65535, &a) || !num(&t[1], 65535, &b) ||
		    !num(&t[2], 65535, &c))
			return "bad SRV priority, weight or port (0-65535)";
		put16(r, (unsigned)a);
		put16(r, (unsigned)b);
		put16(r, (unsigned)c);
		return name_field(r, &t[3], org);
	case T_SOA:
		NEED(7);
		if ((why = name_field(r, &t[0], org)) ||
		    (why = name_field(r, &t[1], org)))
			return why;
		if (!num(&t[2], 0xffffffffu, &a))
			return "bad SOA serial";
		put32(r, (uint32_t)a);
		for (int i = 3; i < 7; i++) {
			uint32_t v;
			if (t[i].quoted ||
			    !zone_ttl_parse(t[i].s, t[i].len, &v))
				return "bad SOA timer (refresh, retry, expire "
				       "or minimum)";
			put32(r, v);
		}
		return NULL;
	case T_TXT:
		NEED(1);
		*used = n;
		for (int i = 0; i < n; i++) {
			if ((why = cstring(&t[i], s, 255, &sl)))
				return why;
			uint8_t l = (uint8_t)sl;
			put(r, &l, 1);
			put(r, s, sl);
		}
		return NULL;
	case T_CAA:
		/* RFC 8659 section 4.1.1: flags, tag (letters and digits),
		 * then the value to the end of the rdata. */
		NEED(3);
		if (!num(&t[0], 255, &a))
			return "bad CAA flags (0-255)";
		if (t[1].quoted || t[1].len == 0 || t[1].len > 15)
			return "bad CAA tag (1-15 letters and digits)";
		for (size_t i = 0; i < t[1].len; i++)
			if (!((t[1].s[i] | 0x20) >= 'a' &&
			      (t[1].s[i] | 0x20) <= 'z') &&
			    !(t[1].s[i] >= '0' && t[1].s[i] <= '9'))
				return "bad CAA tag (1-15 letters and digits)";
		s[0] = (uint8_t)a;
		s[1] = (uint8_t)t[1].len;
		put(r, s, 2);
		put(r, t[1].s, t[1].len);
		if ((why = cstring(&t[2], s, 255, &sl)))
			return why;
		put(r, s, sl);
		return NULL;
	}
#undef NEED
	return "this type has no text form here: use \\# (RFC 3597)";
}

int zone_rdata(struct zrr *rr, const struct ztok *t, int n,
	       const struct wname *origin)
{
	static struct rb r;
	const char *why;
	int used = n;
	char tb[16];

	r.n = 0;
	r.over = false;
	if (n >= 1 && !t[0].quoted && t[0].len == 2 && t[0].s[0] == '\\' &&
	    t[0].s[1] == '#')
		why = generic(&r, t, n);
	else if (!known(rr->type))
		why = "this type has no text form here: use \\# (RFC 3597)";
	else
		why = parse(rr->type, &r, t, n, origin, &used);
	if (!why && used < n)
		why = "trailing data after the rdata";
	if (!why && r.over)
		why = "rdata longer than 65535 octets";
	if (why) {
		zerr(rr->file, rr->line, "%s: %s",
		     zone_type_name(rr->type, tb, sizeof tb), why);
		return -1;
	}
	rr->rdlen = (uint16_t)r.n;
	rr->rdata = malloc(r.n ? r.n : 1);
	if (!rr->rdata) {
		perror("dns generator");
		exit(1);
	}
	memcpy(rr->rdata, r.b, r.n);
	return 0;
}
