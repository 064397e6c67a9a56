/*
 * Answering: a lookup in the compiled table, then a copy.
 *
 * The response is the query's header (ID, RD and CD kept; QR, AA, rcode
 * set), the question exactly as the client wrote it, then the template's
 * body with its movable compression pointers shifted by qlen - slen (see
 * kiln/dns.h), then OPT when the query had one. The only decisions left
 * for run time are the ones that depend on the query: which template,
 * how much of it fits, and EDNS.
 */
#include <string.h>

#include <kiln/dns.h>

#include "wire.h"

struct dns_stats dns_stats;

#define OPT_LEN 11 /* root name, type, class, TTL, RDLENGTH 0 */

/* Little-endian fields of the table's records (kiln/dns.h). */
static inline unsigned rd16(const uint8_t *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static inline uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

/* The node record whose lowercase wire name is name, or NULL. */
static const uint8_t *find(const struct dns_table *t, const uint8_t *name,
			   size_t len)
{
	uint32_t i = dns_name_hash(name, len) & t->hash_mask;

	/* The generator keeps the table at most half full: a miss ends at
	 * an empty slot after a short probe. */
	for (;;) {
		uint32_t e = t->hash[i];
		const uint8_t *n;

		if (e == 0)
			return NULL;
		n = t->blob + e - 1;
		if (n[DNS_NR_NAMELEN] == len &&
		    memcmp(n + DNS_NR_NAME, name, len) == 0)
			return n;
		i = (i + 1) & t->hash_mask;
	}
}

/* A node's template record for qtype. */
static int64_t node_tmpl(const uint8_t *n, uint16_t qtype)
{
	const uint8_t *q = n + DNS_NR_NAME + n[DNS_NR_NAMELEN];
	unsigned k = rd16(n + DNS_NR_NTYPES);

	/* A handful of types per name: a scan beats a search. */
	for (unsigned i = 0; i < k; i++, q += 6)
		if (rd16(q) == qtype)
			return rd32(q + 2);
	return rd32(n + DNS_NR_DFLT);
}

/*
 * The template record for (name, qtype), or -1 when no zone holds the
 * name. The walk up from the name finds the closest encloser (RFC 4592
 * section 3.3.1); the generator gave nodes under a cut the referral as
 * their every answer, so a referral needs no special case here.
 */
static int64_t lookup(const struct dns_table *t, const struct dns_query *q)
{
	const uint8_t *name = q->lname;
	size_t len = q->qlen, off = 0;
	const uint8_t *n = find(t, name, len);
	uint32_t wild;

	if (n)
		return node_tmpl(n, q->qtype);
	while (name[off] != 0) {
		off += 1u + name[off];
		n = find(t, name + off, len - off);
		if (!n)
			continue;
		/* At or under a cut, every name below is the child
		 * zone's: the referral (dflt) whatever the type. */
		if (n[DNS_NR_BELOW])
			return rd32(n + DNS_NR_DFLT);
		/* A wildcard's templates are generic in the question
		 * name (kiln/dns.h): served as they are. */
		wild = rd32(n + DNS_NR_WILD);
		if (wild)
			return node_tmpl(t->blob + wild - 1, q->qtype);
		return t->zones[rd16(n + DNS_NR_ZONE)].nxdomain;
	}
	return -1;
}

size_t dns_zone_name(const struct dns_table *t, size_t i, char *buf,
		     size_t size)
{
	const uint8_t *n, *p;
	size_t k = 0;

	if (size == 0)
		return 0;
	buf[0] = 0;
	if (i >= t->nzones)
		return 0;
	n = t->blob + t->zones[i].apex;
	p = n + DNS_NR_NAME;
	/* One label at a time; each byte takes at most 4 characters. */
	while (*p != 0 && k + 1 < size) {
		for (unsigned j = 1; j <= *p; j++) {
			uint8_t c = p[j];
			char e[5];
			size_t el = 0;

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    (c >= '0' && c <= '9') || c == '-' || c == '_') {
				e[el++] = (char)c;
			} else if (c == '.' || c == '\\' || c == '"' ||
				   c == ';' || c == '(' || c == ')' ||
				   c == '@' || c == '$') {
				e[el++] = '\\';
				e[el++] = (char)c;
			} else {
				e[el++] = '\\';
				e[el++] = (char)('0' + c / 100);
				e[el++] = (char)('0' + c / 10 % 10);
				e[el++] = (char)('0' + c % 10);
			}
			if (k + el + 1 >= size)
				goto out;
			memcpy(buf + k, e, el);
			k += el;
		}
		if (k + 2 > size)
			break;
		buf[k++] = '.';
		p += 1u + *p;
	}
	if (k == 0 && size >= 2)
		buf[k++] = '.'; /* the root zone */
out:
	buf[k] = 0;
	return k;
}

/* Whether a parsed query is one for the zones (else REFUSED). */
static bool answerable(const struct dns_query *q)
{
	return q->qclass == DNS_C_IN && q->qtype != DNS_T_AXFR &&
	       q->qtype != DNS_T_IXFR;
}

/* Header + question, as the client wrote it. Returns the length. */
static size_t put_question(const struct dns_query *q, uint8_t *o)
{
	memcpy(o + DNS_HDR, q->qname, q->qlen);
	o[DNS_HDR + q->qlen] = (uint8_t)(q->qtype >> 8);
	o[DNS_HDR + q->qlen + 1] = (uint8_t)q->qtype;
	o[DNS_HDR + q->qlen + 2] = (uint8_t)(q->qclass >> 8);
	o[DNS_HDR + q->qlen + 3] = (uint8_t)q->qclass;
	return DNS_HDR + q->qlen + 4u;
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_header(const struct dns_query *q, uint8_t *o, bool aa, bool tc,
		       unsigned rcode, unsigned qd, unsigned an, unsigned ns,
		       unsigned ar)
{
	/* RD and CD are copied (RFC 1035 4.1.1; RFC 6840 5.9); the opcode
	 * too, so that NOTIMP names what it refused; RA, AD and Z stay 0. */
	unsigned f = DNS_F_QR | (q->flags & (0x7800 | DNS_F_RD | DNS_F_CD)) |
		     (rcode & 0xf);

	if (aa)
		f |= DNS_F_AA;
	if (tc)
		f |= DNS_F_TC;
	put16(o, q->id);
	put16(o + 2, f);
	put16(o + 4, qd);
	put16(o + 6, an);
	put16(o + 8, ns);
	put16(o + 10, ar + (q->edns ? 1u : 0u));
}

/* OPT (RFC 6891 section 6.1.2): our size, the upper rcode bits, version
 * 0, DO echoed; no options, unknown flags not echoed (section 6.1.4). */
static size_t put_opt(const struct dns_query *q, uint8_t *o, unsigned rcode)
{
	o[0] = 0;
	put16(o + 1, DNS_T_OPT);
	put16(o + 3, DNS_EDNS_SIZE);
	o[5] = (uint8_t)(rcode >> 4);
	o[6] = 0;
	put16(o + 7, q->edns_do ? 0x8000 : 0);
	put16(o + 9, 0);
	return OPT_LEN;
}

/* A response with no records: errors, and TC when nothing required fits. */
static size_t bare(const struct dns_query *q, uint8_t *o, bool question,
		   bool aa, bool tc, unsigned rcode)
{
	size_t n = question ? put_question(q, o) : DNS_HDR;

	put_header(q, o, aa, tc, rcode, question, 0, 0, 0);
	if (q->edns)
		n += put_opt(q, o + n, rcode);
	return n;
}

static size_t limit_of(const struct dns_query *q, bool tcp, size_t cap)
{
	size_t lim = DNS_UDP_PLAIN;

	if (tcp)
		lim = DNS_TCP_MAX;
	else if (q->edns)
		/* RFC 6891 section 6.2.5: below 512 means 512. */
		lim = q->edns_size < DNS_UDP_PLAIN   ? DNS_UDP_PLAIN
		      : q->edns_size > DNS_EDNS_SIZE ? DNS_EDNS_SIZE
						     : q->edns_size;
	return lim < cap ? lim : cap;
}

static size_t from_template(const uint8_t *m, const struct dns_query *q,
			    uint8_t *o, size_t lim)
{
	size_t qend = DNS_HDR + q->qlen + 4u;
	size_t opt = q->edns ? OPT_LEN : 0;
	unsigned ncut = rd16(m + DNS_TR_NCUT), nfix = rd16(m + DNS_TR_NFIX);
	const uint8_t *cuts = m + DNS_TR_CUTS;
	const uint8_t *fixes = cuts + (size_t)DNS_TR_CUT_SIZE * ncut;
	const uint8_t *body = fixes + 2u * nfix;
	const uint8_t *cut = NULL;
	unsigned delta = (unsigned)(q->qlen - rd16(m + DNS_TR_SLEN));
	unsigned aa = m[DNS_TR_AA], rcode = m[DNS_TR_RCODE], end;

	/* The largest prefix that ends on an RRset boundary and fits; the
	 * last cut is the whole body. */
	for (unsigned i = ncut; i-- > 0;) {
		const uint8_t *c = cuts + (size_t)DNS_TR_CUT_SIZE * i;
		if (qend + rd16(c) + opt <= lim) {
			cut = c;
			break;
		}
	}
	if (!cut) {
		/* RFC 2181 section 9: what is required does not fit. */
		dns_stats.truncated++;
		return bare(q, o, true, aa, true, rcode);
	}
	end = rd16(cut);
	put_question(q, o);
	memcpy(o + qend, body, end);
	for (unsigned i = 0; i < nfix; i++) {
		unsigned at = rd16(fixes + 2u * i);
		uint8_t *p = o + qend + at;
		unsigned ptr;

		/* Fixes are sorted: the rest lie past the cut. */
		if (at + 2u > end)
			break;
		ptr = ((unsigned)(p[0] & 0x3f) << 8 | p[1]) + delta;
		p[0] = (uint8_t)(0xc0 | ptr >> 8);
		p[1] = (uint8_t)ptr;
	}
	put_header(q, o, aa, false, rcode, 1, rd16(cut + 2), rd16(cut + 4),
		   rd16(cut + 6));
	if (opt)
		put_opt(q, o + qend + end, rcode);
	return qend + end + opt;
}

/* No lookup made yet for the query (respond makes it). */
#define TI_UNKNOWN INT64_MIN

/* The response to a parsed query; ti is its lookup when already made. */
static size_t respond(const struct dns_table *t, struct dns_query *q,
		      enum dns_verdict v, int64_t ti, bool tcp,
		      struct mview out)
{
	size_t lim;

	if (v == DNS_V_DROP) {
		dns_stats.dropped++;
		return 0;
	}
	/* Every response below fits 512 bytes but a template's, which
	 * from_template bounds by lim; out must hold at least 512. */
	if (out.len < DNS_UDP_PLAIN) {
		dns_stats.dropped++;
		return 0;
	}
	dns_stats.queries++;
	lim = limit_of(q, tcp, out.len);
	switch (v) {
	case DNS_V_FORMERR:
		dns_stats.formerr++;
		/* The question may be what was malformed: header only, no
		 * OPT (the EDNS part may be the fault, RFC 6891 7). */
		q->edns = false;
		return bare(q, out.p, false, false, false, DNS_R_FORMERR);
	case DNS_V_NOTIMP:
		q->edns = false;
		return bare(q, out.p, false, false, false, DNS_R_NOTIMP);
	case DNS_V_BADVERS:
		return bare(q, out.p, true, false, false, DNS_R_BADVERS);
	default:
		break;
	}
	/* Classes other than IN are served by no zone here; zone transfers
	 * are not offered (RFC 5936 section 2.2). */
	if (!answerable(q))
		return bare(q, out.p, true, false, false, DNS_R_REFUSED);
	if (ti == TI_UNKNOWN)
		ti = lookup(t, q);
	if (ti < 0)
		return bare(q, out.p, true, false, false, DNS_R_REFUSED);
	return from_template(t->blob + ti, q, out.p, lim);
}

size_t dns_answer(const struct dns_table *t, struct view query, bool tcp,
		  struct mview out)
{
	struct dns_query q;
	enum dns_verdict v = dns_parse_query(query, &q);

	return respond(t, &q, v, TI_UNKNOWN, tcp, out);
}

/*
 * A batch, in passes. With a large zone one query's lookup is a chain of
 * dependent loads (hash slot, node record, template record), each a cache
 * miss: answered one by one, a query waits for them in turn. Each pass
 * below reads what the previous one prefetched and prefetches the next
 * link for every query, so the misses of the whole batch overlap; the
 * last pass answers from the cache.
 */
void dns_answer_batch(const struct dns_table *t, const struct view *query,
		      size_t n, struct mview *out, size_t *len)
{
	static struct dns_query q[DNS_ANSWER_BATCH];
	static enum dns_verdict v[DNS_ANSWER_BATCH];
	static int64_t ti[DNS_ANSWER_BATCH];
	static uint32_t slot[DNS_ANSWER_BATCH];
	static bool look[DNS_ANSWER_BATCH]; /* a lookup to make */

	while (n > 0) {
		size_t k = n < DNS_ANSWER_BATCH ? n : DNS_ANSWER_BATCH;

		for (size_t i = 0; i < k; i++) {
			v[i] = dns_parse_query(query[i], &q[i]);
			ti[i] = TI_UNKNOWN;
			look[i] = v[i] == DNS_V_OK && answerable(&q[i]);
			if (!look[i])
				continue;
			slot[i] = dns_name_hash(q[i].lname, q[i].qlen) &
				  t->hash_mask;
			__builtin_prefetch(&t->hash[slot[i]]);
		}
		/* A node record is 64-byte aligned, and its name and types
		 * end within its first two lines. */
		for (size_t i = 0; i < k; i++) {
			const uint8_t *r;
			if (!look[i] || !t->hash[slot[i]])
				continue;
			r = t->blob + t->hash[slot[i]] - 1;
			__builtin_prefetch(r);
			__builtin_prefetch(r + 64);
		}
		for (size_t i = 0; i < k; i++) {
			const uint8_t *m;
			if (!look[i])
				continue;
			ti[i] = lookup(t, &q[i]);
			if (ti[i] < 0)
				continue;
			m = t->blob + ti[i];
			__builtin_prefetch(m);
			__builtin_prefetch(m + 64);
			__builtin_prefetch(m + 128);
		}
		for (size_t i = 0; i < k; i++)
			len[i] = respond(t, &q[i], v[i], ti[i], false, out[i]);
		query += k;
		out += k;
		len += k;
		n -= k;
	}
}
