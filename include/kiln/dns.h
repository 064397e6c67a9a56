/*
 * lib/dns: an authoritative DNS server whose zones are compiled into the
 * image (`uses dns` in a manifest).
 *
 * Two halves, one contract:
 *
 *  - At build time a generator (the manifest's `generate` directive; its
 *    main() only calls dns_gen_main) reads RFC 1035 master files as NSD
 *    and BIND read them, checks them (errors are "FILE:LINE: problem" and
 *    fail the build), and precomputes every response the zones can give
 *    as a *template*: the bytes that follow the question section, names
 *    already compressed, counts and flags known. It writes them as const
 *    data: one `const struct dns_table dns_zone_table`.
 *
 *  - At run time, answering is: parse the query through checked views,
 *    hash the lowercased name, pick the template, copy the question as the
 *    client wrote it (its letter case survives: the answer's owner names
 *    point at it) and then the template, patch ID, flags and counts, and
 *    add OPT. Nothing is parsed at start, nothing allocated per query.
 *
 * Templates and the question name. A template is built for a question
 * name that ends in a fixed suffix S of `slen` octets (the owner itself
 * for an exact match; the closest encloser for a wildcard; the zone apex
 * for NXDOMAIN and NODATA; the cut for a referral). Compression pointers
 * that aim at the whole question name are 0xC00C and never move; every
 * other pointer is written as if the question were exactly S, and is
 * listed in the template's fixups: at run time it moves by
 * delta = qlen - slen. Truncation (RFC 2181 section 9) uses the cut
 * list: cuts[0] is the part that must be sent whole or TC is set and the
 * sections are emptied (answers, the SOA of a negative answer, a
 * referral's NS); later cuts end optional RRsets (the apex NS of a
 * positive answer, additional addresses), dropped from the end to fit.
 *
 * The runtime half is freestanding (string.h, stdint.h, stddef.h,
 * stdbool.h and Kiln's headers only) and target independent: the same
 * objects run on posix-socket, posix-direct and kvm.
 */
#ifndef KILN_DNS_H
#define KILN_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kiln/view.h>

/* Largest UDP payload the server offers and sends (RFC 6891 section 6.2.5;
 * the 2020 DNS flag day value, as NSD and Knot default to). */
#define DNS_EDNS_SIZE 1232
/* Without EDNS, RFC 1035 section 4.2.1. */
#define DNS_UDP_PLAIN 512
/* A DNS message over TCP, RFC 7766 section 8 (2-byte length prefix). */
#define DNS_TCP_MAX 65535

/* ---- the compiled table (written by the generator, read by the server) */

/*
 * The table is one blob of records plus a hash table of the node records,
 * laid out for what a lookup costs with a large zone: cache and TLB
 * misses. Each node record is followed by the templates it is the first
 * to use, so a query touches its hash slot and then a few adjacent cache
 * lines of one page: the node, and the template right after it (in the
 * first layout, seven arrays each cost a miss, and at 10,000 names the
 * lookup cost more than the rest of the appliance's work).
 *
 * Numbers are little-endian, read bytewise (records are not aligned).
 *
 * Node record (a name in a zone: owners, empty non-terminals, names under
 * cuts), 64-byte aligned:
 *   0  u32  dflt     template record for every qtype not listed
 *   4  u32  wild     1 + node record of "*.<this name>", or 0
 *   8  u16  zone     index in zones
 *  10  u16  ntypes
 *  12  u8   namelen  wire length, root label included
 *  13  u8   below    a cut or under one: names below get dflt
 *  14  the lowercase wire name, then ntypes x (u16 qtype, u32 template
 *      record), qtype 255 being ANY
 * Template record (a precomputed response body: all after the question):
 *   0  u16  len      body length
 *   2  u16  slen     octets of the fixed suffix S of the question
 *   4  u16  nfix
 *   6  u16  ncut     >= 1
 *   8  u8   aa       authoritative (not a referral)
 *   9  u8   rcode    0 NOERROR, 3 NXDOMAIN
 *  10  ncut x (u16 end, an, ns, ar): prefixes of the body that end on an
 *      RRset boundary, with their counts
 *      nfix x u16: body offsets of the movable pointers, ascending
 *      the body
 */
enum {
	DNS_NR_DFLT = 0,
	DNS_NR_WILD = 4,
	DNS_NR_ZONE = 8,
	DNS_NR_NTYPES = 10,
	DNS_NR_NAMELEN = 12,
	DNS_NR_BELOW = 13,
	DNS_NR_NAME = 14,
	DNS_NR_ALIGN = 64,
	DNS_TR_LEN = 0,
	DNS_TR_SLEN = 2,
	DNS_TR_NFIX = 4,
	DNS_TR_NCUT = 6,
	DNS_TR_AA = 8,
	DNS_TR_RCODE = 9,
	DNS_TR_CUTS = 10,
	DNS_TR_CUT_SIZE = 8,
};

struct dns_zone {
	uint32_t apex;	   /* node record */
	uint32_t nxdomain; /* template record for a name below the apex
			      that is not */
};

struct dns_table {
	const uint8_t *blob;
	const struct dns_zone *zones;
	const uint32_t *hash; /* open addressing: 1 + node record, 0 empty */
	uint32_t hash_mask;   /* slots - 1; slots is a power of two */
	uint32_t nnodes;
	uint32_t nzones;
};

/* The generator's output: every zone the image serves. */
extern const struct dns_table dns_zone_table;

/* FNV-1a over a lowercase wire name: the table's hash (both halves). */
static inline uint32_t dns_name_hash(const uint8_t *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ name[i]) * 16777619u;
	return h;
}

/*
 * The apex of zone i of t in presentation form with its final dot
 * ("example.org."; RFC 1035 section 5.1 escapes: "\." for a dot in a
 * label, "\DDD" for other bytes outside letters, digits, '-' and '_'),
 * NUL-terminated in buf, cut short if buf is too small. Returns the
 * length, or 0 (buf "") when there is no zone i.
 */
size_t dns_zone_name(const struct dns_table *t, size_t i, char *buf,
		     size_t size);

/* ---- answering (runtime) ------------------------------------------------ */

/* What became of queries, for tests and the log. Never reset. */
struct dns_stats {
	unsigned long queries; /* answered, any rcode */
	unsigned long dropped; /* QR=1, shorter than a header, no room */
	unsigned long formerr;
	unsigned long truncated; /* TC set */
};
extern struct dns_stats dns_stats;

/*
 * Answer one query. `query` is the message (no TCP length prefix); the
 * response goes to out, which must hold DNS_EDNS_SIZE bytes for UDP or
 * DNS_TCP_MAX for TCP (it is never written past its length). Over UDP
 * the response fits the client's size (512 without EDNS); over TCP, 65535.
 * Returns the response length, or 0 when the query is to be dropped
 * (QR=1, shorter than a header). Pure: no allocation, no I/O.
 */
size_t dns_answer(const struct dns_table *t, struct view query, bool tcp,
		  struct mview out);

/*
 * Answer n queries over UDP: len[i] = dns_answer(t, query[i], false,
 * out[i]) for each, the same bytes, but with the table lookups of up to
 * DNS_ANSWER_BATCH queries at a time overlapped (prefetched in stages),
 * which is what a large zone's lookups cost: cache misses. Not
 * reentrant (its scratch is static, like the server's).
 */
#define DNS_ANSWER_BATCH 64
void dns_answer_batch(const struct dns_table *t, const struct view *query,
		      size_t n, struct mview *out, size_t *len);

/*
 * Serve t on UDP and TCP port `port` of every address: each UDP batch is
 * answered with one udp_send_batch; TCP takes length-framed queries,
 * several per connection, answers in order, and closes a connection idle
 * for idle_ms (RFC 7766 section 6.2.3). Connections come from a fixed
 * table (DNS_TCP_CONNS); a new one past it is refused by an abort.
 * Returns 0, or the negative errno of udp_bind / tcp_listen.
 */
#define DNS_TCP_CONNS 64
int dns_serve(const struct dns_table *t, uint16_t port, unsigned idle_ms)
	__attribute__((warn_unused_result));

/* ---- build time (host only: the generator) ------------------------------ */

/*
 * The generator's whole main: argv as mk/app.mk gives it (KEYS KVLIST
 * OUT.c). Reads the zones named by the key `zone` (type files), and with
 * the key `minimal` (bool, optional) leaves out the optional apex NS and
 * additional addresses. Returns 0, or 1 after printing FILE:LINE errors.
 */
int dns_gen_main(int argc, char **argv);

#endif /* KILN_DNS_H */
