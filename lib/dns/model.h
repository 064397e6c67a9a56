/*
 * The checked zones as a tree of nodes, for the template compiler
 * (build time only). Every owner name becomes a node, and so does every
 * name between an owner and its apex (the empty non-terminals of RFC
 * 8020 / RFC 4592 section 2.2.2, which exist and answer NODATA).
 */
#ifndef KILN_DNS_MODEL_H
#define KILN_DNS_MODEL_H

#include "zone.h"

struct rrset {
	uint16_t type;
	size_t n;
	size_t *rr; /* indices into the zone's rrs, file order */
};

struct node {
	struct wname name;  /* as first written (case kept) */
	struct wname lname; /* lowercase: the key */
	int zone;
	struct rrset *sets; /* in order of first appearance */
	size_t nsets;
	bool cut;     /* NS below the apex: a delegation (RFC 1034 4.2.1) */
	bool below;   /* a cut, or a name under one */
	int cut_node; /* the cut it is at or under, when below */
	int wild;     /* index of "*.<name>", or -1 */
	int parent;   /* index, or -1 at the apex */
	/* filled by the compiler */
	uint32_t dflt;
	size_t qt_first, qt_n;
};

struct model {
	struct zone *zones;
	size_t nzones;
	struct node *nodes;
	size_t nnodes, cap;
	int *map; /* open addressing on lname: node index + 1, 0 empty */
	size_t map_size;
	bool minimal; /* leave out the optional apex NS and addresses */
};

/* Load every zone's RRs into nodes; 0, or -1 after zerr. */
int model_build(struct model *m);

/* The node called name (any case), or -1. */
int model_find(const struct model *m, const struct wname *name);

const struct rrset *node_set(const struct node *n, uint16_t type);

/* The target name in the rdata of an NS, CNAME, PTR, MX or SRV RR. */
bool rr_target(const struct zrr *rr, struct wname *out);

#endif /* KILN_DNS_MODEL_H */
