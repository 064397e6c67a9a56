/*
 * Template writing: RR layout and name compression at build time, so
 * that the server does neither.
 */
#include <string.h>

#include "tmpl.h"

/* Pointers are 14 bits, and a movable one may move by up to 255 octets
 * (a question of 255 octets against an S of 1): keep targets below. */
#define PTR_LIMIT (0x3fff - DNS_NAME_MAX)

static void put(struct tw *w, const void *p, size_t n)
{
	if (w->n + n > sizeof w->b) {
		w->over = true;
		return;
	}
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void put16(struct tw *w, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	put(w, b, 2);
}

static void dict_add(struct tw *w, const struct wname *lsuffix, size_t off,
		     bool moves)
{
	if (w->ndict == TW_DICT || off > PTR_LIMIT)
		return;
	w->dict[w->ndict].l = *lsuffix;
	w->dict[w->ndict].off = (uint16_t)off;
	w->dict[w->ndict].moves = moves;
	w->ndict++;
}

void tw_begin(struct tw *w, const struct wname *S)
{
	struct wname l;

	w->n = 0;
	w->over = false;
	w->ndict = 0;
	w->nfix = 0;
	w->ncut = 0;
	w->cnt[0] = w->cnt[1] = w->cnt[2] = 0;
	w->required_done = false;
	w->slen = S->len;
	w->base = DNS_HDR + S->len + 4u;
	/* The question's suffixes: they sit at the end of the client's
	 * name, so they move with its length. */
	wname_lower(S, &l);
	for (size_t off = 0; off < l.len && l.b[off];) {
		struct wname suf;
		suf.len = (uint8_t)(l.len - off);
		memcpy(suf.b, l.b + off, suf.len);
		dict_add(w, &suf, DNS_HDR + off, true);
		off += 1u + l.b[off];
	}
}

static void put_ptr(struct tw *w, unsigned target, bool moves)
{
	if (moves) {
		if (w->nfix == TW_FIX) {
			w->over = true;
			return;
		}
		w->fix[w->nfix++] = (uint16_t)w->n;
	}
	put16(w, 0xc000u | target);
}

/* Write name (NULL: the question name) compressed, or not. */
static void put_name(struct tw *w, const struct wname *name, bool compress)
{
	struct wname l;
	size_t off = 0;

	if (!name) {
		put_ptr(w, DNS_HDR, false);
		return;
	}
	if (!compress) {
		put(w, name->b, name->len);
		return;
	}
	wname_lower(name, &l);
	size_t start = w->n;
	while (off < l.len && l.b[off]) {
		struct wname suf;
		suf.len = (uint8_t)(l.len - off);
		memcpy(suf.b, l.b + off, suf.len);
		for (size_t i = 0; i < w->ndict; i++) {
			if (w->dict[i].l.len != suf.len ||
			    memcmp(w->dict[i].l.b, suf.b, suf.len))
				continue;
			put(w, name->b, off);
			put_ptr(w, w->dict[i].off, w->dict[i].moves);
			goto learn;
		}
		off += 1u + l.b[off];
	}
	put(w, name->b, name->len);
learn:
	/* Every suffix written out in full can be pointed at later. */
	for (size_t o = 0; o < off;) {
		struct wname suf;
		suf.len = (uint8_t)(l.len - o);
		memcpy(suf.b, l.b + o, suf.len);
		dict_add(w, &suf, w->base + start + o, true);
		o += 1u + l.b[o];
	}
}

/* The rdata of one RR, names compressed where RFC 3597 section 4 lets. */
static void put_rdata(struct tw *w, const struct zrr *rr)
{
	struct wname n;
	size_t at;

	switch (rr->type) {
	case T_NS:
	case T_CNAME:
	case T_PTR:
	case T_MX:
		at = rr->type == T_MX ? 2 : 0;
		put(w, rr->rdata, at);
		(void)rr_target(rr, &n); /* checked by zone_check */
		put_name(w, &n, true);
		return;
	case T_SOA: {
		size_t o = 0;
		for (int k = 0; k < 2; k++) {
			n.len = 0;
			while (rr->rdata[o + n.len])
				n.len = (uint8_t)(n.len + 1 +
						  rr->rdata[o + n.len]);
			n.len++;
			memcpy(n.b, rr->rdata + o, n.len);
			put_name(w, &n, true);
			o += n.len;
		}
		put(w, rr->rdata + o, rr->rdlen - o);
		return;
	}
	default:
		/* SRV's target is never compressed (RFC 2782); nor is
		 * anything in a type this writer does not know. */
		put(w, rr->rdata, rr->rdlen);
	}
}

static void cut_here(struct tw *w)
{
	if (w->ncut == TW_CUTS) {
		w->over = true;
		return;
	}
	w->cuts[w->ncut].end = (uint16_t)w->n;
	w->cuts[w->ncut].an = w->cnt[SEC_AN];
	w->cuts[w->ncut].ns = w->cnt[SEC_NS];
	w->cuts[w->ncut].ar = w->cnt[SEC_AR];
	w->ncut++;
}

void tw_rrset(struct tw *w, int sec, const struct wname *owner,
	      const struct zone *z, const struct rrset *s, uint32_t ttl_cap)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct zrr *rr = &z->rrs[s->rr[i]];
		uint32_t ttl = rr->ttl;
		size_t rdlen_at;

		if (ttl_cap && ttl > ttl_cap)
			ttl = ttl_cap;
		put_name(w, owner, true);
		put16(w, rr->type);
		put16(w, DNS_C_IN);
		put16(w, ttl >> 16);
		put16(w, ttl & 0xffff);
		rdlen_at = w->n;
		put16(w, 0);
		put_rdata(w, rr);
		if (w->over)
			return;
		w->b[rdlen_at] = (uint8_t)((w->n - rdlen_at - 2) >> 8);
		w->b[rdlen_at + 1] = (uint8_t)(w->n - rdlen_at - 2);
		w->cnt[sec]++;
	}
	if (w->required_done)
		cut_here(w);
}

void tw_required(struct tw *w)
{
	if (!w->required_done)
		cut_here(w);
	w->required_done = true;
}
