/*
 * The template compiler's output, before it is written as C: the blob
 * (node names, then template bodies) and the tables of kiln/dns.h, in
 * growable arrays (build time only).
 */
#ifndef KILN_DNS_COMPILE_H
#define KILN_DNS_COMPILE_H

#include <kiln/dns.h>

#include "model.h"
#include "tmpl.h"

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
	struct dns_zone *zones;
	uint32_t *hash;
	size_t hash_size;
	/* template dedup: open addressing on content, index + 1 */
	uint32_t *seen;
	size_t seen_size;
};

/* Compile every node's templates; 0, or -1 after zerr. */
int dns_compile(struct model *m, struct dns_out *o);

/* Write o as C source defining dns_zone_table; 0, or -1 (errno). */
int dns_emit(const struct dns_out *o, size_t nnodes, size_t nzones,
	     const char *path);

#endif /* KILN_DNS_COMPILE_H */
