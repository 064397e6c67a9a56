/*
 * From checked zones to response templates: every answer a name can
 * get, decided at build time (RFC 1034 section 4.3.2's algorithm, run
 * once per node instead of once per query).
 *
 * Per node: one template per RRset type (the answer, then the apex NS in
 * authority and the addresses of NS, MX and SRV targets in additional,
 * as NSD gives them), one for ANY (the first RRset alone, RFC 8482
 * section 4.1), and a default for every other type (the zone's NODATA).
 * A CNAME node follows its chain inside the zone, once per type the
 * chain's end holds plus a default (RFC 1034 4.3.2 step 3a, RFC 6604).
 * A cut answers everything with its referral but DS (RFC 4035 3.1.4.1);
 * names under it answer with the referral too. Per zone: one NODATA and
 * one NXDOMAIN template, the SOA capped at its minimum (RFC 2308 3).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

#define CHAIN_MAX 8

static struct tw w; /* one template at a time; 64 KiB is too big for a stack */

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return p;
	while (*cap < need)
		*cap = *cap ? *cap * 2 : 1024;
	p = realloc(p, *cap * size);
	if (!p) {
		perror("dns generator");
		exit(1);
	}
	return p;
}

static uint32_t blob_add(struct dns_out *o, const void *p, size_t n)
{
	uint32_t at = (uint32_t)o->nblob;

	o->blob = grow(o->blob, &o->capblob, o->nblob + n, 1);
	memcpy(o->blob + o->nblob, p, n);
	o->nblob += n;
	return at;
}

static uint32_t tmpl_hash(const uint8_t *b, size_t n, int aa, int rcode,
			  unsigned slen, unsigned ncut)
{
	uint32_t h = dns_name_hash(b, n);

	h = (h ^ (uint32_t)(aa << 8 | rcode)) * 16777619u;
	h = (h ^ slen) * 16777619u;
	return (h ^ ncut) * 16777619u;
}

static bool same(const struct dns_out *o, const struct dns_tmpl *x,
		 const struct tw *t, int aa, int rcode)
{
	return x->len == t->n && x->slen == t->slen && x->aa == aa &&
	       x->rcode == rcode && x->nfix == t->nfix && x->ncut == t->ncut &&
	       !memcmp(o->blob + x->body, t->b, t->n) &&
	       !memcmp(o->fixes + x->fix, t->fix, t->nfix * sizeof t->fix[0]) &&
	       !memcmp(o->cuts + x->cut, t->cuts, t->ncut * sizeof t->cuts[0]);
}

/* Finish the template in w; returns its index (shared when identical). */
static uint32_t finish(struct dns_out *o, const struct wname *where, int aa,
		       int rcode)
{
	char nm[1024];
	uint32_t h;
	size_t i;

	tw_required(&w);
	if (w.ncut == 0 || w.cuts[w.ncut - 1].end != w.n)
		w.over = true; /* cannot happen: the last RRset cut there */
	if (w.over || w.base + w.n > DNS_TCP_MAX) {
		zerr("zone", 0, "the answers for '%s' do not fit a DNS message",
		     wname_str(where, nm, sizeof nm));
		return 0;
	}
	if (o->seen_size < (o->ntmpls + 1) * 2) {
		free(o->seen);
		o->seen_size = o->seen_size ? o->seen_size * 4 : 4096;
		o->seen = calloc(o->seen_size, sizeof *o->seen);
		if (!o->seen) {
			perror("dns generator");
			exit(1);
		}
		for (size_t k = 0; k < o->ntmpls; k++) {
			const struct dns_tmpl *x = &o->tmpls[k];
			h = tmpl_hash(o->blob + x->body, x->len, x->aa,
				      x->rcode, x->slen, x->ncut);
			for (i = h & (o->seen_size - 1); o->seen[i];
			     i = (i + 1) & (o->seen_size - 1))
				;
			o->seen[i] = (uint32_t)k + 1;
		}
	}
	h = tmpl_hash(w.b, w.n, aa, rcode, w.slen, (unsigned)w.ncut);
	for (i = h & (o->seen_size - 1); o->seen[i];
	     i = (i + 1) & (o->seen_size - 1))
		if (same(o, &o->tmpls[o->seen[i] - 1], &w, aa, rcode))
			return o->seen[i] - 1;
	o->tmpls =
		grow(o->tmpls, &o->captmpls, o->ntmpls + 1, sizeof *o->tmpls);
	o->fixes = grow(o->fixes, &o->capfixes, o->nfixes + w.nfix + 1,
			sizeof *o->fixes);
	o->cuts =
		grow(o->cuts, &o->capcuts, o->ncuts + w.ncut, sizeof *o->cuts);
	struct dns_tmpl *x = &o->tmpls[o->ntmpls];
	x->body = blob_add(o, w.b, w.n);
	x->len = (uint16_t)w.n;
	x->slen = w.slen;
	x->aa = (uint8_t)aa;
	x->rcode = (uint8_t)rcode;
	x->fix = (uint32_t)o->nfixes;
	x->nfix = (uint16_t)w.nfix;
	memcpy(o->fixes + o->nfixes, w.fix, w.nfix * sizeof w.fix[0]);
	o->nfixes += w.nfix;
	x->cut = (uint32_t)o->ncuts;
	x->ncut = (uint16_t)w.ncut;
	memcpy(o->cuts + o->ncuts, w.cuts, w.ncut * sizeof w.cuts[0]);
	o->ncuts += w.ncut;
	o->seen[i] = (uint32_t)o->ntmpls + 1;
	return (uint32_t)o->ntmpls++;
}

/* ---- additional section processing (RFC 1035 section 3.3.x) ---- */

struct targets {
	struct wname n[64];
	size_t k;
};

static void targets_of(struct targets *t, const struct zone *z,
		       const struct rrset *s)
{
	if (s->type != T_NS && s->type != T_MX && s->type != T_SRV)
		return;
	for (size_t i = 0; i < s->n && t->k < 64; i++) {
		struct wname n;
		bool dup = false;
		if (!rr_target(&z->rrs[s->rr[i]], &n))
			continue;
		for (size_t j = 0; j < t->k; j++)
			dup |= wname_eq(&t->n[j], &n);
		if (!dup)
			t->n[t->k++] = n;
	}
}

/* The RRsets already in the answer: not repeated in additional (NSD). */
static const struct rrset *answered[CHAIN_MAX + 2];
static size_t nanswered;

static bool was_answered(const struct rrset *s)
{
	for (size_t i = 0; i < nanswered; i++)
		if (answered[i] == s)
			return true;
	return false;
}

/* The A and AAAA RRsets of each target that is a name of zone z. */
static void add_addresses(const struct model *m, int zi,
			  const struct targets *t)
{
	const struct zone *z = &m->zones[zi];

	for (size_t i = 0; i < t->k; i++) {
		int k = model_find(m, &t->n[i]);
		if (k < 0 || m->nodes[k].zone != zi)
			continue;
		const struct node *n = &m->nodes[k];
		const struct rrset *a = node_set(n, T_A);
		const struct rrset *aaaa = node_set(n, T_AAAA);
		if (a && !was_answered(a))
			tw_rrset(&w, SEC_AR, &n->name, z, a, 0);
		if (aaaa && !was_answered(aaaa))
			tw_rrset(&w, SEC_AR, &n->name, z, aaaa, 0);
	}
}

/* After a positive answer: the apex NS and the addresses, unless minimal. */
static void positive_extras(const struct model *m, int zi,
			    const struct rrset *const *ans, size_t nans,
			    bool apex_ns_answered)
{
	const struct zone *z = &m->zones[zi];
	const struct node *apex = &m->nodes[model_find(m, &z->apex)];
	const struct rrset *ns = node_set(apex, T_NS);
	struct targets t = {.k = 0};

	if (m->minimal)
		return;
	nanswered = 0;
	for (size_t i = 0; i < nans && i < CHAIN_MAX + 2; i++)
		answered[nanswered++] = ans[i];
	for (size_t i = 0; i < nans; i++)
		targets_of(&t, z, ans[i]);
	if (ns && !apex_ns_answered) {
		tw_rrset(&w, SEC_NS, &apex->name, z, ns, 0);
		targets_of(&t, z, ns);
	}
	add_addresses(m, zi, &t);
}

static uint32_t soa_min(const struct zone *z)
{
	const struct zrr *s = &z->rrs[z->soa_index];
	const uint8_t *p = s->rdata + s->rdlen - 4;
	uint32_t min = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		       (uint32_t)p[2] << 8 | p[3];

	/* RFC 2308 section 3: the lesser of the SOA's TTL and MINIMUM. */
	return min < s->ttl ? (min ? min : 1) : s->ttl;
}

static void negative(const struct model *m, int zi)
{
	const struct zone *z = &m->zones[zi];
	const struct node *apex = &m->nodes[model_find(m, &z->apex)];

	tw_rrset(&w, SEC_NS, &apex->name, z, node_set(apex, T_SOA), soa_min(z));
}

static uint32_t zone_negative(struct dns_out *o, const struct model *m, int zi,
			      int rcode)
{
	tw_begin(&w, &m->zones[zi].apex);
	negative(m, zi);
	return finish(o, &m->zones[zi].apex, 1, rcode);
}

static uint32_t referral(struct dns_out *o, const struct model *m, int cut)
{
	const struct node *c = &m->nodes[cut];
	const struct zone *z = &m->zones[c->zone];
	const struct rrset *ns = node_set(c, T_NS);
	struct targets t = {.k = 0};

	/* RFC 1034 section 4.3.2 step 3b: NS in authority, glue in
	 * additional; not authoritative. */
	tw_begin(&w, &c->name);
	tw_rrset(&w, SEC_NS, &c->name, z, ns, 0);
	tw_required(&w);
	targets_of(&t, z, ns);
	nanswered = 0;
	add_addresses(m, c->zone, &t);
	return finish(o, &c->name, 0, DNS_R_NOERROR);
}

/* ---- per node ---- */

static uint32_t *nodata_t, *nxdomain_t, *referral_t;

static bool is_wild(const struct node *n)
{
	return n->name.b[0] == 1 && n->name.b[1] == '*';
}

/* The fixed suffix S of a node's templates (kiln/dns.h). */
static const struct wname *suffix_of(const struct model *m,
				     const struct node *n)
{
	return is_wild(n) && n->parent >= 0 ? &m->nodes[n->parent].name
					    : &n->name;
}

static void qt_add(struct dns_out *o, uint16_t qtype, uint32_t t)
{
	o->qt = grow(o->qt, &o->capqt, o->nqt + 1, sizeof *o->qt);
	o->qt[o->nqt].qtype = qtype;
	o->qt[o->nqt].tmpl = t;
	o->nqt++;
}

static uint32_t positive(struct dns_out *o, const struct model *m,
			 const struct node *n, const struct rrset *s)
{
	const struct zone *z = &m->zones[n->zone];
	bool apex_ns = s->type == T_NS && wname_eq(&n->name, &z->apex);

	tw_begin(&w, suffix_of(m, n));
	tw_rrset(&w, SEC_AN, NULL, z, s, 0);
	tw_required(&w);
	positive_extras(m, n->zone, &s, 1, apex_ns);
	return finish(o, &n->name, 1, DNS_R_NOERROR);
}

/* RFC 8482 section 4.1: one RRset, the first in the zone file. */
static uint32_t any(struct dns_out *o, const struct model *m,
		    const struct node *n)
{
	tw_begin(&w, suffix_of(m, n));
	tw_rrset(&w, SEC_AN, NULL, &m->zones[n->zone], &n->sets[0], 0);
	return finish(o, &n->name, 1, DNS_R_NOERROR);
}

enum res { R_NODE, R_NX, R_OUT };

/* Where name leads inside zone zi: a node (exact, or the wildcard that
 * covers it), NXDOMAIN, or out of what this zone answers alone. */
static enum res resolve(const struct model *m, int zi, const struct wname *name,
			int *node)
{
	struct wname p = *name;
	int k;

	if (!wname_under(name, &m->zones[zi].apex))
		return R_OUT;
	k = model_find(m, name);
	if (k >= 0) {
		if (m->nodes[k].zone != zi || m->nodes[k].below)
			return R_OUT;
		*node = k;
		return R_NODE;
	}
	while (wname_parent(&p, &p)) {
		k = model_find(m, &p);
		if (k < 0)
			continue;
		if (m->nodes[k].zone != zi || m->nodes[k].below)
			return R_OUT;
		if (m->nodes[k].wild < 0)
			return R_NX;
		*node = m->nodes[k].wild;
		return R_NODE;
	}
	return R_OUT;
}

/*
 * The CNAME chain from node nk for qtype (0: a type the chain's end does
 * not hold). With w == NULL only finds the end: returns its node or -1.
 */
static int chain(struct dns_out *o, const struct model *m, int nk,
		 uint16_t qtype, uint32_t *out)
{
	const struct node *n = &m->nodes[nk];
	const struct zone *z = &m->zones[n->zone];
	const struct rrset *s = node_set(n, T_CNAME);
	const struct rrset *ans[CHAIN_MAX + 2];
	size_t nans = 0;
	int seen[CHAIN_MAX + 1], nseen = 0, e = -1;
	enum { OUT, NX, NODATA, POS } st = OUT;
	struct wname cur;

	if (out)
		tw_begin(&w, suffix_of(m, n));
	if (out)
		tw_rrset(&w, SEC_AN, NULL, z, s, 0);
	ans[nans++] = s;
	seen[nseen++] = nk;
	(void)rr_target(&z->rrs[s->rr[0]], &cur);
	for (int hop = 0; hop < CHAIN_MAX; hop++) {
		enum res r = resolve(m, n->zone, &cur, &e);
		const struct rrset *cn;
		bool loop = false;

		if (r != R_NODE) {
			st = r == R_NX ? NX : OUT;
			e = -1;
			break;
		}
		cn = node_set(&m->nodes[e], T_CNAME);
		if (!cn) {
			const struct rrset *t =
				qtype ? node_set(&m->nodes[e], qtype) : NULL;
			if (t && out)
				tw_rrset(&w, SEC_AN, &cur, z, t, 0);
			if (t)
				ans[nans++] = t;
			st = t ? POS : NODATA;
			break;
		}
		for (int i = 0; i < nseen; i++)
			loop |= seen[i] == e;
		if (loop || nseen > CHAIN_MAX) {
			e = -1;
			break; /* a loop: the CNAMEs so far, as NSD */
		}
		seen[nseen++] = e;
		if (out)
			tw_rrset(&w, SEC_AN, &cur, z, cn, 0);
		ans[nans++] = cn;
		(void)rr_target(&z->rrs[cn->rr[0]], &cur);
		e = -1;
	}
	if (!out)
		return e;
	tw_required(&w);
	if (st == POS)
		positive_extras(m, n->zone, ans, nans, false);
	if (st == NX || st == NODATA)
		negative(m, n->zone);
	*out = finish(o, &n->name, 1, st == NX ? DNS_R_NXDOMAIN : 0);
	return e;
}

static void compile_node(struct dns_out *o, const struct model *m, int k)
{
	struct node *n = &m->nodes[k];
	const struct rrset *c = node_set(n, T_CNAME);
	uint32_t t;

	n->qt_first = o->nqt;
	n->dflt = nodata_t[n->zone];
	if (n->below) {
		if (referral_t[n->cut_node] == UINT32_MAX)
			referral_t[n->cut_node] = referral(o, m, n->cut_node);
		if (n->cut) {
			const struct rrset *ds = node_set(n, T_DS);
			qt_add(o, T_DS,
			       ds ? positive(o, m, n, ds) : nodata_t[n->zone]);
		}
		n->dflt = referral_t[n->cut_node];
	} else if (c) {
		qt_add(o, T_CNAME, positive(o, m, n, c));
		qt_add(o, DNS_T_ANY, any(o, m, n));
		int e = chain(o, m, k, 0, NULL);
		for (size_t i = 0; e >= 0 && i < m->nodes[e].nsets; i++) {
			uint16_t ty = m->nodes[e].sets[i].type;
			(void)chain(o, m, k, ty, &t);
			qt_add(o, ty, t);
		}
		(void)chain(o, m, k, 0, &n->dflt);
	} else if (n->nsets > 0) {
		for (size_t i = 0; i < n->nsets; i++)
			qt_add(o, n->sets[i].type,
			       positive(o, m, n, &n->sets[i]));
		qt_add(o, DNS_T_ANY, any(o, m, n));
	}
	n->qt_n = o->nqt - n->qt_first;
}

int dns_compile(struct model *m, struct dns_out *o)
{
	unsigned before = zerr_count;

	nodata_t = calloc(m->nzones, sizeof *nodata_t);
	nxdomain_t = calloc(m->nzones, sizeof *nxdomain_t);
	referral_t = malloc(m->nnodes * sizeof *referral_t);
	o->nodes = calloc(m->nnodes, sizeof *o->nodes);
	o->zones = calloc(m->nzones, sizeof *o->zones);
	if (!nodata_t || !nxdomain_t || !referral_t || !o->nodes || !o->zones) {
		perror("dns generator");
		exit(1);
	}
	memset(referral_t, 0xff, m->nnodes * sizeof *referral_t);
	for (size_t k = 0; k < m->nnodes; k++) {
		struct dns_node *d = &o->nodes[k];
		d->name =
			blob_add(o, m->nodes[k].lname.b, m->nodes[k].lname.len);
		d->namelen = m->nodes[k].lname.len;
	}
	for (size_t z = 0; z < m->nzones; z++) {
		nodata_t[z] = zone_negative(o, m, (int)z, DNS_R_NOERROR);
		nxdomain_t[z] = zone_negative(o, m, (int)z, DNS_R_NXDOMAIN);
		o->zones[z].apex = (uint32_t)model_find(m, &m->zones[z].apex);
		o->zones[z].nxdomain = nxdomain_t[z];
	}
	for (size_t k = 0; k < m->nnodes; k++)
		compile_node(o, m, (int)k);
	for (o->hash_size = 16; o->hash_size < m->nnodes * 2;)
		o->hash_size *= 2;
	o->hash = calloc(o->hash_size, sizeof *o->hash);
	if (!o->hash) {
		perror("dns generator");
		exit(1);
	}
	for (size_t k = 0; k < m->nnodes; k++) {
		const struct node *n = &m->nodes[k];
		struct dns_node *d = &o->nodes[k];
		size_t i = dns_name_hash(n->lname.b, n->lname.len) &
			   (o->hash_size - 1);
		d->types = (uint32_t)n->qt_first;
		d->ntypes = (uint16_t)n->qt_n;
		d->dflt = n->dflt;
		d->wild = n->wild >= 0 && !n->below ? (uint32_t)n->wild + 1 : 0;
		d->zone = (uint16_t)n->zone;
		d->below = n->below;
		while (o->hash[i])
			i = (i + 1) & (o->hash_size - 1);
		o->hash[i] = (uint32_t)k + 1;
	}
	return zerr_count == before ? 0 : -1;
}
