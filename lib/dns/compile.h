/*
 * The template compiler's output: the blob (node names, then template
 * bodies) and tables indexing it, in growable arrays; then dns_pack lays
 * them out as kiln/dns.h's records and dns_emit writes those as C (build
 * time only).
 */
#ifndef KILN_DNS_COMPILE_H
#define KILN_DNS_COMPILE_H

#include <kiln/dns.h>

#include "model.h"
#include "tmpl.h"

/* A template before packing: its body and pieces in the arrays below. */
struct dns_tmpl {
	uint32_t body; /* offset in blob */
	uint32_t fix;  /* fixes[fix .. fix + nfix) */
	uint32_t cut;  /* cuts[cut .. cut + ncut), ncut >= 1 */
	uint16_t len;
	uint16_t slen;
	uint16_t nfix;
	uint16_t ncut;
	uint8_t aa;
	uint8_t rcode;
};

/* (qtype, template index) for a node; sorted by qtype. */
struct dns_qtmpl {
	uint16_t qtype;
	uint32_t tmpl;
};

/* A node before packing (the fields of a node record, kiln/dns.h, with
 * indices for offsets). */
struct dns_node {
	uint32_t name;	/* blob offset of its lowercase wire form */
	uint32_t types; /* qt[types .. types + ntypes) */
	uint32_t dflt;	/* template index */
	uint32_t wild;	/* 1 + node index of "*.<this name>", or 0 */
	uint16_t ntypes;
	uint16_t zone;
	uint8_t namelen;
	uint8_t below;
};

/* A zone before packing: node and template indices. */
struct dns_ozone {
	uint32_t apex, nxdomain;
};

struct dns_out {
	uint8_t *blob;
	size_t nblob, capblob;
	struct dns_tmpl *tmpls;
	size_t ntmpls, captmpls;
	uint16_t *fixes;
	size_t nfixes, capfixes;
	struct dns_cut *cuts;
	size_t ncuts, capcuts;
	struct dns_qtmpl *qt;
	size_t nqt, capqt;
	struct dns_node *nodes;
	struct dns_ozone *zones;
	uint32_t *hash;
	size_t hash_size;
	/* template dedup: open addressing on content, index + 1 */
	uint32_t *seen;
	size_t seen_size;
};

/* The runtime table's arrays (kiln/dns.h), as dns_pack lays them out. */
struct dns_packed {
	uint8_t *blob;
	size_t nblob;
	struct dns_zone *zones;
	size_t nzones;
	uint32_t *hash;
	size_t hash_size;
	size_t nnodes;
};

/* Compile every node's templates; 0, or -1 after zerr. */
int dns_compile(struct model *m, struct dns_out *o);

/*
 * Lay o out as the records of kiln/dns.h. Returns 0, or -1 after a
 * message on stderr when the blob would pass 4 GiB. */
int dns_pack(const struct dns_out *o, size_t nnodes, size_t nzones,
	     struct dns_packed *p);

/* The runtime table over p's arrays. */
struct dns_table dns_packed_table(const struct dns_packed *p);

/* Write p as C source defining dns_zone_table; 0, or -1 (errno). */
int dns_emit(const struct dns_packed *p, const char *path);

#endif /* KILN_DNS_COMPILE_H */
