/*
 * The response-template writer (build time): lays out RRs after a
 * virtual question, compresses names (RFC 1035 section 4.1.4) against
 * the question and the names already written, and records which
 * pointers move with the question's length and where RRsets end (see
 * kiln/dns.h for what the server does with them).
 */
#ifndef KILN_DNS_TMPL_H
#define KILN_DNS_TMPL_H

#include <kiln/dns.h>

#include "model.h"

enum { SEC_AN, SEC_NS, SEC_AR };

/* A prefix of a body that ends on an RRset boundary, with its counts (a
 * template record's cut, kiln/dns.h). */
struct dns_cut {
	uint16_t end;
	uint16_t an, ns, ar;
};

#define TW_DICT 512
#define TW_FIX	2048
#define TW_CUTS 256

struct tw {
	uint8_t b[65535];
	size_t n;
	size_t base; /* message offset of b[0] when the question is S */
	bool over;   /* past 65535 bytes or a table: the build fails */
	struct {
		struct wname l; /* lowercase suffix; len 0: the question */
		uint16_t off;
		bool moves;
	} dict[TW_DICT];
	size_t ndict;
	uint16_t fix[TW_FIX];
	size_t nfix;
	struct dns_cut cuts[TW_CUTS];
	size_t ncut;
	uint16_t cnt[3];
	bool required_done;
	uint16_t slen;
};

/* Start a template whose question name ends in S. */
void tw_begin(struct tw *w, const struct wname *S);

/*
 * Append the RRset s of zone z to section sec, owned by owner (NULL: the
 * question name itself, pointer 0xC00C). ttl_cap caps the TTLs (the
 * negative TTL of RFC 2308 section 3), or 0 for none.
 */
void tw_rrset(struct tw *w, int sec, const struct wname *owner,
	      const struct zone *z, const struct rrset *s, uint32_t ttl_cap);

/* Everything so far is required; what follows is optional, by RRset. */
void tw_required(struct tw *w);

#endif /* KILN_DNS_TMPL_H */
