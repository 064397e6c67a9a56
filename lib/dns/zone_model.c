/*
 * Zone checks (what nsd-checkzone refuses) and the node tree.
 *
 * zone_check runs on each file alone: exactly one SOA, and the apex is
 * its owner; every owner at or under the apex; NS at the apex (RFC 1034
 * section 4.2.1); a CNAME alone at its name (RFC 2181 section 10.1); no
 * NS at a wildcard (RFC 4592 section 4.2); known types given in RFC
 * 3597's generic form must be valid for the type (RFC 3597 section 5).
 * Identical RRs collapse into one (RFC 2181 section 5).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/dns.h>

#include "model.h"

/* Length of the uncompressed wire name at p (n bytes left), or 0. */
static size_t name_len(const uint8_t *p, size_t n)
{
	size_t o = 0;

	while (o < n) {
		if (p[o] & 0xc0)
			return 0;
		if (p[o] == 0)
			return o + 1 <= DNS_NAME_MAX ? o + 1 : 0;
		o += 1u + p[o];
	}
	return 0;
}

bool rr_target(const struct zrr *rr, struct wname *out)
{
	size_t at = rr->type == T_MX ? 2 : rr->type == T_SRV ? 6 : 0, l;

	if (rr->rdlen < at)
		return false;
	l = name_len(rr->rdata + at, rr->rdlen - at);
	if (!l)
		return false;
	out->len = (uint8_t)l;
	memcpy(out->b, rr->rdata + at, l);
	return true;
}

/* Known types written with \#: the data must be what the type holds. */
static bool rdata_valid(const struct zrr *rr)
{
	const uint8_t *p = rr->rdata;
	size_t n = rr->rdlen, l, l2;

	switch (rr->type) {
	case T_A:
		return n == 4;
	case T_AAAA:
		return n == 16;
	case T_NS:
	case T_CNAME:
	case T_PTR:
		return name_len(p, n) == n;
	case T_MX:
		return n > 2 && name_len(p + 2, n - 2) == n - 2;
	case T_SRV:
		return n > 6 && name_len(p + 6, n - 6) == n - 6;
	case T_SOA:
		l = name_len(p, n);
		if (!l)
			return false;
		l2 = name_len(p + l, n - l);
		return l2 && l + l2 + 20 == n;
	case T_TXT:
		for (size_t o = 0; o < n; o += 1u + p[o])
			if (o + 1u + p[o] > n)
				return false;
		return n > 0;
	}
	return true;
}

int zone_check(struct zone *z)
{
	char a[1024], b[1024];
	unsigned before = zerr_count;
	size_t out = 0;

	for (size_t i = 0; i < z->nrrs; i++) {
		struct zrr *r = &z->rrs[i];
		if (!rdata_valid(r)) {
			zerr(r->file, r->line,
			     "rdata is not valid for the "
			     "type");
			continue;
		}
		if (r->type != T_SOA)
			continue;
		if (z->soa_index >= 0) {
			zerr(r->file, r->line,
			     "a second SOA record (the zone "
			     "has one, at its apex)");
			continue;
		}
		z->soa_index = (int)i;
		z->apex = r->owner;
	}
	if (z->soa_index < 0) {
		if (zerr_count == before)
			zerr(z->file, 1,
			     "no SOA record: a zone starts with "
			     "the SOA of its apex");
		return -1;
	}
	bool apex_ns = false;
	for (size_t i = 0; i < z->nrrs; i++) {
		struct zrr *r = &z->rrs[i];
		bool dup = false;

		if (!wname_under(&r->owner, &z->apex)) {
			zerr(r->file, r->line, "'%s' is outside the zone '%s'",
			     wname_str(&r->owner, a, sizeof a),
			     wname_str(&z->apex, b, sizeof b));
			free(r->rdata);
			continue;
		}
		if (r->type == T_NS && wname_eq(&r->owner, &z->apex))
			apex_ns = true;
		if (r->type == T_NS && r->owner.b[0] == 1 &&
		    r->owner.b[1] == '*')
			zerr(r->file, r->line,
			     "NS records at a wildcard "
			     "(RFC 4592 section 4.2)");
		for (size_t k = 0; k < out; k++) {
			struct zrr *o = &z->rrs[k];
			if (!wname_eq(&o->owner, &r->owner))
				continue;
			if ((o->type == T_CNAME) != (r->type == T_CNAME)) {
				zerr(r->file, r->line,
				     "CNAME and other data at '%s' (RFC "
				     "2181 section 10.1; the other is at "
				     "line %d)",
				     wname_str(&r->owner, a, sizeof a),
				     o->line);
				break;
			}
			if (o->type == T_CNAME && r->type == T_CNAME &&
			    (o->rdlen != r->rdlen ||
			     memcmp(o->rdata, r->rdata, r->rdlen))) {
				zerr(r->file, r->line,
				     "a second CNAME at '%s' (line %d)",
				     wname_str(&r->owner, a, sizeof a),
				     o->line);
				break;
			}
			if (o->type == r->type && o->rdlen == r->rdlen &&
			    memcmp(o->rdata, r->rdata, r->rdlen) == 0) {
				dup = true;
				break;
			}
		}
		if (!dup) {
			if ((int)i == z->soa_index)
				z->soa_index = (int)out;
			z->rrs[out++] = *r;
		} else {
			free(r->rdata);
		}
	}
	z->nrrs = out;
	if (!apex_ns)
		zerr(z->rrs[z->soa_index].file, z->rrs[z->soa_index].line,
		     "no NS records at the apex (RFC 1034 section 4.2.1)");
	return zerr_count == before ? 0 : -1;
}

/* ---- the node tree ---- */

static size_t hash_of(const struct wname *l)
{
	return dns_name_hash(l->b, l->len);
}

int model_find(const struct model *m, const struct wname *name)
{
	struct wname l;
	size_t i;

	if (!m->map_size)
		return -1;
	wname_lower(name, &l);
	for (i = hash_of(&l) & (m->map_size - 1); m->map[i];
	     i = (i + 1) & (m->map_size - 1)) {
		const struct node *n = &m->nodes[m->map[i] - 1];
		if (n->lname.len == l.len && !memcmp(n->lname.b, l.b, l.len))
			return m->map[i] - 1;
	}
	return -1;
}

static void map_grow(struct model *m)
{
	free(m->map);
	m->map_size = m->map_size ? m->map_size * 2 : 1024;
	m->map = calloc(m->map_size, sizeof *m->map);
	if (!m->map) {
		perror("dns generator");
		exit(1);
	}
	for (size_t k = 0; k < m->nnodes; k++) {
		size_t i = hash_of(&m->nodes[k].lname) & (m->map_size - 1);
		while (m->map[i])
			i = (i + 1) & (m->map_size - 1);
		m->map[i] = (int)k + 1;
	}
}

/* The node for name (created, with its ancestors up to the apex). */
static int node_get(struct model *m, const struct wname *name, int zone)
{
	int k = model_find(m, name);
	struct node *n;

	if (k >= 0)
		return k;
	if (m->nnodes == m->cap) {
		m->cap = m->cap ? m->cap * 2 : 256;
		m->nodes = realloc(m->nodes, m->cap * sizeof *m->nodes);
		if (!m->nodes) {
			perror("dns generator");
			exit(1);
		}
	}
	if ((m->nnodes + 1) * 2 > m->map_size)
		map_grow(m);
	n = &m->nodes[m->nnodes];
	memset(n, 0, sizeof *n);
	n->name = *name;
	wname_lower(name, &n->lname);
	n->zone = zone;
	n->wild = -1;
	n->parent = -1;
	n->cut_node = -1;
	k = (int)m->nnodes++;
	size_t i = hash_of(&n->lname) & (m->map_size - 1);
	while (m->map[i])
		i = (i + 1) & (m->map_size - 1);
	m->map[i] = k + 1;
	if (!wname_eq(name, &m->zones[zone].apex)) {
		struct wname p;
		int pk;
		(void)wname_parent(name, &p);
		pk = node_get(m, &p, zone);
		m->nodes[k].parent = pk;
		if (name->b[0] == 1 && name->b[1] == '*')
			m->nodes[pk].wild = k;
	}
	return k;
}

/* True when owner lies in another loaded zone nested deeper than z. */
static bool in_child_zone(const struct model *m, size_t z,
			  const struct wname *owner)
{
	for (size_t i = 0; i < m->nzones; i++)
		if (i != z && m->zones[i].apex.len > m->zones[z].apex.len &&
		    wname_under(&m->zones[i].apex, &m->zones[z].apex) &&
		    wname_under(owner, &m->zones[i].apex))
			return true;
	return false;
}

const struct rrset *node_set(const struct node *n, uint16_t type)
{
	for (size_t i = 0; i < n->nsets; i++)
		if (n->sets[i].type == type)
			return &n->sets[i];
	return NULL;
}

static void set_add(struct node *n, uint16_t type, size_t rr)
{
	struct rrset *s = (struct rrset *)node_set(n, type);

	if (!s) {
		n->sets = realloc(n->sets, (n->nsets + 1) * sizeof *n->sets);
		s = &n->sets[n->nsets++];
		memset(s, 0, sizeof *s);
		s->type = type;
	}
	s->rr = realloc(s->rr, (s->n + 1) * sizeof *s->rr);
	if (!n->sets || !s->rr) {
		perror("dns generator");
		exit(1);
	}
	s->rr[s->n++] = rr;
}

int model_build(struct model *m)
{
	char a[1024];

	for (size_t z = 0; z < m->nzones; z++)
		for (size_t k = 0; k < z; k++)
			if (wname_eq(&m->zones[z].apex, &m->zones[k].apex)) {
				zerr(m->zones[z].file, 1,
				     "zone '%s' is also in %s",
				     wname_str(&m->zones[z].apex, a, sizeof a),
				     m->zones[k].file);
				return -1;
			}
	for (size_t z = 0; z < m->nzones; z++) {
		struct zone *zn = &m->zones[z];
		(void)node_get(m, &zn->apex, (int)z);
		for (size_t i = 0; i < zn->nrrs; i++) {
			if (in_child_zone(m, z, &zn->rrs[i].owner))
				continue;
			int k = node_get(m, &zn->rrs[i].owner, (int)z);
			set_add(&m->nodes[k], zn->rrs[i].type, i);
		}
	}
	/* Cuts, then what lies under them (parents come before children in
	 * no particular order, so walk up from each node). */
	for (size_t k = 0; k < m->nnodes; k++) {
		struct node *n = &m->nodes[k];
		n->cut = node_set(n, T_NS) &&
			 !wname_eq(&n->name, &m->zones[n->zone].apex);
	}
	for (size_t k = 0; k < m->nnodes; k++) {
		int up = (int)k, cut = -1;
		for (; up >= 0; up = m->nodes[up].parent)
			if (m->nodes[up].cut)
				cut = up; /* the highest cut wins */
		m->nodes[k].below = cut >= 0;
		m->nodes[k].cut_node = cut;
	}
	return 0;
}

void zone_free(struct zone *z)
{
	for (size_t i = 0; i < z->nrrs; i++)
		free(z->rrs[i].rdata);
	free(z->rrs);
	z->rrs = NULL;
	z->nrrs = z->cap = 0;
}
