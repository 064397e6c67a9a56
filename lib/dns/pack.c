/*
 * The packer (build time): the compiler's arrays (compile.h) laid out as
 * kiln/dns.h's records. Zone-wide templates (NXDOMAIN) come first; then
 * each node record, 64-byte aligned, followed by the templates it is the
 * first to use, in the order of its types. So the templates that are one
 * name's own (its A, its AAAA) sit right after its node, and the shared
 * ones (NODATA, a referral) after the first node that uses them.
 *
 * Two passes: the first gives every record its offset (a wildcard's node
 * may come after the nodes that point at it), the second writes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

#define NONE UINT64_MAX

static void *alloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);

	if (!p) {
		perror("dns generator");
		exit(1);
	}
	return p;
}

static size_t node_size(const struct dns_node *d)
{
	return DNS_NR_NAME + d->namelen + 6u * d->ntypes;
}

static size_t tmpl_size(const struct dns_tmpl *t)
{
	return DNS_TR_CUTS + (size_t)DNS_TR_CUT_SIZE * t->ncut + 2u * t->nfix +
	       t->len;
}

static void place(const struct dns_out *o, uint64_t *toff, uint32_t t,
		  uint64_t *off)
{
	if (toff[t] != NONE)
		return;
	toff[t] = *off;
	*off += tmpl_size(&o->tmpls[t]);
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffffu);
	put16(p + 2, v >> 16);
}

static void write_tmpl(const struct dns_out *o, const struct dns_tmpl *t,
		       uint8_t *p)
{
	put16(p + DNS_TR_LEN, t->len);
	put16(p + DNS_TR_SLEN, t->slen);
	put16(p + DNS_TR_NFIX, t->nfix);
	put16(p + DNS_TR_NCUT, t->ncut);
	p[DNS_TR_AA] = t->aa;
	p[DNS_TR_RCODE] = t->rcode;
	p += DNS_TR_CUTS;
	for (unsigned i = 0; i < t->ncut; i++, p += DNS_TR_CUT_SIZE) {
		const struct dns_cut *c = &o->cuts[t->cut + i];
		put16(p, c->end);
		put16(p + 2, c->an);
		put16(p + 4, c->ns);
		put16(p + 6, c->ar);
	}
	for (unsigned i = 0; i < t->nfix; i++, p += 2)
		put16(p, o->fixes[t->fix + i]);
	memcpy(p, o->blob + t->body, t->len);
}

int dns_pack(const struct dns_out *o, size_t nnodes, size_t nzones,
	     struct dns_packed *p)
{
	uint64_t *toff = alloc(o->ntmpls, sizeof *toff);
	uint64_t *noff = alloc(nnodes, sizeof *noff);
	uint64_t off = 0;

	for (size_t t = 0; t < o->ntmpls; t++)
		toff[t] = NONE;
	for (size_t z = 0; z < nzones; z++)
		place(o, toff, o->zones[z].nxdomain, &off);
	for (size_t k = 0; k < nnodes; k++) {
		const struct dns_node *d = &o->nodes[k];

		off = (off + DNS_NR_ALIGN - 1) & ~(uint64_t)(DNS_NR_ALIGN - 1);
		noff[k] = off;
		off += node_size(d);
		for (unsigned i = 0; i < d->ntypes; i++)
			place(o, toff, o->qt[d->types + i].tmpl, &off);
		place(o, toff, d->dflt, &off);
	}
	/* Templates no node names (none today) still get a place. */
	for (size_t t = 0; t < o->ntmpls; t++)
		place(o, toff, (uint32_t)t, &off);
	if (off >= UINT32_MAX) {
		fprintf(stderr,
			"dns: the zones' answers take %llu bytes; "
			"at most 4 GiB fit one image\n",
			(unsigned long long)off);
		free(toff);
		free(noff);
		return -1;
	}

	p->nblob = (size_t)off;
	p->blob = alloc(p->nblob, 1);
	for (size_t t = 0; t < o->ntmpls; t++)
		write_tmpl(o, &o->tmpls[t], p->blob + toff[t]);
	for (size_t k = 0; k < nnodes; k++) {
		const struct dns_node *d = &o->nodes[k];
		uint8_t *r = p->blob + noff[k];

		put32(r + DNS_NR_DFLT, (uint32_t)toff[d->dflt]);
		put32(r + DNS_NR_WILD,
		      d->wild ? (uint32_t)noff[d->wild - 1] + 1u : 0);
		put16(r + DNS_NR_ZONE, d->zone);
		put16(r + DNS_NR_NTYPES, d->ntypes);
		r[DNS_NR_NAMELEN] = d->namelen;
		r[DNS_NR_BELOW] = d->below;
		memcpy(r + DNS_NR_NAME, o->blob + d->name, d->namelen);
		r += DNS_NR_NAME + d->namelen;
		for (unsigned i = 0; i < d->ntypes; i++, r += 6) {
			const struct dns_qtmpl *q = &o->qt[d->types + i];
			put16(r, q->qtype);
			put32(r + 2, (uint32_t)toff[q->tmpl]);
		}
	}

	p->nzones = nzones;
	p->zones = alloc(nzones, sizeof *p->zones);
	for (size_t z = 0; z < nzones; z++) {
		p->zones[z].apex = (uint32_t)noff[o->zones[z].apex];
		p->zones[z].nxdomain = (uint32_t)toff[o->zones[z].nxdomain];
	}
	p->hash_size = o->hash_size;
	p->hash = alloc(o->hash_size, sizeof *p->hash);
	for (size_t i = 0; i < o->hash_size; i++)
		p->hash[i] =
			o->hash[i] ? (uint32_t)noff[o->hash[i] - 1] + 1u : 0;
	p->nnodes = nnodes;
	free(toff);
	free(noff);
	return 0;
}

struct dns_table dns_packed_table(const struct dns_packed *p)
{
	return (struct dns_table){
		.blob = p->blob,
		.zones = p->zones,
		.hash = p->hash,
		.hash_mask = (uint32_t)p->hash_size - 1,
		.nnodes = (uint32_t)p->nnodes,
		.nzones = (uint32_t)p->nzones,
	};
}
