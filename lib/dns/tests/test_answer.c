/*
 * Answering from a table compiled in-process from tests/dns/zones: every
 * response is walked back with the query parser's own name reader (which
 * refuses forward pointers), so compression done at build time and the
 * pointer fixups done at run time are checked on real answers; then the
 * answer rules, truncation, EDNS, and random corruption of queries.
 */
#include "dns_test.h"

static struct dns_table T;
static uint8_t out[DNS_TCP_MAX];

struct resp {
	size_t len;
	uint16_t flags, qd, an, ns, ar;
	bool names_ok; /* every owner and rdata name decompresses */
	bool under;    /* every owner is the question or ends in a zone */
};

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct resp ask_raw(const uint8_t *q, size_t qlen, bool tcp)
{
	struct resp r = {0};
	struct view v;
	size_t off = 12, nl;
	uint8_t name[DNS_NAME_MAX];

	r.len = dns_answer(&T, view_make(q, qlen), tcp,
			   mview_make(out, tcp ? sizeof out : DNS_EDNS_SIZE));
	if (r.len < 12)
		return r;
	v = view_make(out, r.len);
	r.flags = be16(out + 2);
	r.qd = be16(out + 4);
	r.an = be16(out + 6);
	r.ns = be16(out + 8);
	r.ar = be16(out + 10);
	r.names_ok = true;
	if (r.qd && !dns_read_name(v, &off, name, &nl))
		r.names_ok = false;
	off += 4 * r.qd;
	for (unsigned i = 0; r.names_ok && i < (unsigned)r.an + r.ns + r.ar;
	     i++) {
		uint16_t type, rdlen;
		if (!dns_read_name(v, &off, name, &nl) || off + 10 > r.len) {
			r.names_ok = false;
			break;
		}
		type = be16(out + off);
		rdlen = be16(out + off + 8);
		off += 10;
		size_t at = off + (type == 15 ? 2 : 0), o2 = at;
		if (type == 2 || type == 5 || type == 12 || type == 15 ||
		    type == 6) {
			if (!dns_read_name(v, &o2, name, &nl))
				r.names_ok = false;
			if (type == 6 && !dns_read_name(v, &o2, name, &nl))
				r.names_ok = false;
		}
		off += rdlen;
	}
	if (off != r.len)
		r.names_ok = false;
	return r;
}

static struct resp ask(const char *name, uint16_t qtype, uint16_t edns)
{
	uint8_t q[512];
	return ask_raw(q, mkquery(q, name, qtype, edns, 0x0100), false);
}

#define RCODE(r) ((r).flags & 0xf)
#define AA(r)	 (((r).flags & 0x0400) != 0)
#define TC(r)	 (((r).flags & 0x0200) != 0)

static void test_rules(void)
{
	struct resp r = ask("www.example.com", 1, 0);
	CHECK("cname chain: 3 answers, NS, glue",
	      r.an == 3 && r.ns == 2 && r.ar == 2 && AA(r) && RCODE(r) == 0);
	CHECK("cname chain: names decompress", r.names_ok);
	CHECK("RD copied, QR set", (r.flags & 0x8100) == 0x8100);
	r = ask("a.b.wild.example.com", 16, 0);
	CHECK("wildcard with a longer name: answers", r.an == 1 && AA(r));
	CHECK("wildcard: moved pointers decompress", r.names_ok);
	r = ask("x.y.z.w.v.u.wcname.example.com", 28, 0);
	CHECK("wildcard CNAME, long name: chain", r.an == 2 && r.names_ok);
	r = ask("nothere.example.com", 1, 0);
	CHECK("NXDOMAIN with SOA", RCODE(r) == 3 && r.ns == 1 && r.an == 0);
	r = ask("a.very.long.name.that.does.not.exist.example.com", 1, 0);
	CHECK("NXDOMAIN: the SOA owner points into the question",
	      RCODE(r) == 3 && r.names_ok);
	r = ask("c.ent.example.com", 1, 0);
	CHECK("empty non-terminal: NODATA",
	      RCODE(r) == 0 && r.an == 0 && r.ns == 1 && AA(r));
	r = ask("x.sub.example.com", 1, 0);
	CHECK("referral: not AA, NS and glue",
	      !AA(r) && r.an == 0 && r.ns == 2 && r.ar == 2 && r.names_ok);
	r = ask("sub.example.com", 43, 0);
	CHECK("DS at the cut: authoritative NODATA", AA(r) && r.ns == 1);
	r = ask("example.org", 1, 0);
	CHECK("no zone: REFUSED", RCODE(r) == 5 && !AA(r));
	r = ask("example.com", 255, 0);
	CHECK("ANY: one RRset", r.an == 1 && r.ns == 0 && r.ar == 0);
	r = ask("big.example.com", 16, 0);
	CHECK("512 without EDNS: TC, empty",
	      TC(r) && r.an == 0 && r.len <= 512);
	r = ask("big.example.com", 16, 1232);
	CHECK("EDNS 1232: fits, OPT added",
	      !TC(r) && r.an == 7 && r.len <= 1232 && r.names_ok);
	r = ask("big.example.com", 16, 900);
	CHECK("EDNS 900: optional records dropped, no TC",
	      !TC(r) && r.an == 7 && r.len <= 900 && r.ns + r.ar < 5 &&
		      r.names_ok);
	r = ask("big.example.com", 16, 850);
	CHECK("EDNS 850: only the answer fits",
	      !TC(r) && r.an == 7 && r.ns == 0 && r.ar == 1);
	uint8_t q[512];
	size_t n = mkquery(q, "big.example.com", 16, 0, 0);
	r = ask_raw(q, n, true);
	CHECK("TCP: no limit of 512", !TC(r) && r.an == 7);
	n = mkquery(q, "example.com", 6, 0, 0x8000);
	CHECK("QR=1 dropped", dns_answer(&T, view_make(q, n), false,
					 mview_make(out, 512)) == 0);
	CHECK("short message dropped", dns_answer(&T, view_make(q, 11), false,
						  mview_make(out, 512)) == 0);
}

static void test_compression(void)
{
	struct resp r = ask("example.com", 15, 0);
	size_t k = 0;

	/* "example.com" is spelled out once, in the question. */
	for (size_t i = 0; i + 13 <= r.len; i++)
		k += memcmp(out + i,
			    "\x07"
			    "example\x03"
			    "com",
			    12) == 0;
	CHECK("compression: the apex is written once", k == 1 && r.names_ok);
}

static uint32_t rng = 1;
static uint32_t rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return rng >> 8;
}

static void test_random(void)
{
	static const char *names[] = {"www.example.com", "foo.wild.example.com",
				      "sub.example.com", "example.com"};
	bool ok = true;

	/* Corrupt good queries at random: nothing may crash (ASan), and
	 * every answer stays within its limit and parses. */
	for (int i = 0; i < 20000; i++) {
		uint8_t q[600];
		size_t n = mkquery(q, names[i % 4], (uint16_t)(1 + i % 30),
				   i % 3 ? 1232 : 0, 0);
		for (int k = rnd() % 4; k >= 0; k--)
			q[rnd() % n] = (uint8_t)rnd();
		if (i % 7 == 0)
			n = rnd() % (n + 1);
		struct resp r = ask_raw(q, n, i % 5 == 0);
		if (r.len > (i % 5 == 0 ? DNS_TCP_MAX : DNS_EDNS_SIZE) ||
		    (r.len && (!(r.flags & 0x8000) || !r.names_ok)))
			ok = false;
	}
	CHECK("20000 corrupted queries: bounded, well-formed answers", ok);
}

/*
 * dns_answer_batch gives the same bytes as dns_answer one by one: good
 * queries of every kind (answers, NXDOMAIN, NODATA, wildcard, referral,
 * REFUSED), corrupted, cut short and QR=1 ones, in a batch longer than
 * DNS_ANSWER_BATCH so that it is answered in chunks.
 */
static void test_batch(void)
{
	enum { N = 150 };
	static const char *names[] = {
		"www.example.com", "foo.wild.example.com", "sub.example.com",
		"example.com",	   "nope.example.com",	   "a.b.c.nowhere.org",
		"WwW.ExAmPlE.cOm"};
	static uint8_t q[N][600], single[N][DNS_EDNS_SIZE],
		batch[N][DNS_EDNS_SIZE];
	static struct view qs[N];
	static struct mview outs[N];
	static size_t lens[N];
	bool same = true;
	unsigned answered = 0;

	for (int i = 0; i < N; i++) {
		size_t n = mkquery(q[i], names[i % 7], (uint16_t)(1 + i % 30),
				   i % 3 ? 1232 : 0, i % 11 ? 0x0100 : 0x8000);
		if (i % 5 == 4)
			q[i][rnd() % n] = (uint8_t)rnd();
		if (i % 13 == 12)
			n = rnd() % (n + 1);
		qs[i] = view_make(q[i], n);
		outs[i] = mview_make(batch[i], DNS_EDNS_SIZE);
	}
	dns_answer_batch(&T, qs, N, outs, lens);
	for (int i = 0; i < N; i++) {
		size_t n = dns_answer(&T, qs[i], false,
				      mview_make(single[i], DNS_EDNS_SIZE));
		if (n != lens[i] || memcmp(single[i], batch[i], n) != 0)
			same = false;
		answered += n > 0;
	}
	CHECK("batch: the same answers as one by one, in chunks", same);
	CHECK("batch: most queries answered, some dropped",
	      answered > N / 2 && answered < N);
}

/*
 * The layout promise of kiln/dns.h: every node record 64-byte aligned in
 * the blob, and an owner's own answer (www's A) packed right after its
 * node, in the same page, not in some other array.
 */
static void test_layout(void)
{
	bool aligned = T.nnodes > 0;
	size_t n = 0;
	uint8_t q[512];
	const uint8_t *node = NULL;

	for (uint32_t i = 0; i <= T.hash_mask; i++) {
		const uint8_t *r = T.blob + T.hash[i] - 1;
		if (!T.hash[i])
			continue;
		n++;
		aligned &= (T.hash[i] - 1) % DNS_NR_ALIGN == 0;
		if (r[DNS_NR_NAMELEN] == 17 &&
		    !memcmp(r + DNS_NR_NAME, "\3www\7example\3com", 17))
			node = r;
	}
	CHECK("layout: every node in the hash, each 64-byte aligned",
	      aligned && n == T.nnodes);
	bool near = false;
	if (node) {
		const uint8_t *ty = node + DNS_NR_NAME + 17;
		for (unsigned i = 0;
		     i < (unsigned)(node[DNS_NR_NTYPES] |
				    node[DNS_NR_NTYPES + 1] << 8);
		     i++, ty += 6) {
			uint32_t at = (uint32_t)ty[2] | (uint32_t)ty[3] << 8 |
				      (uint32_t)ty[4] << 16 |
				      (uint32_t)ty[5] << 24;
			if ((ty[0] | ty[1] << 8) == 1)
				near = T.blob + at > node &&
				       T.blob + at < node + 4096;
		}
	}
	CHECK("layout: www.example.com A follows its node", near);
	/* and the table still answers it */
	n = mkquery(q, "www.example.com", 1, 0, 0);
	CHECK("layout: www.example.com A answered",
	      dns_answer(&T, view_make(q, n), false,
			 mview_make(out, DNS_EDNS_SIZE)) > 12);
}

static void test_zone_name(void)
{
	char b[300];
	bool seen = false;

	for (size_t i = 0; i < T.nzones; i++) {
		dns_zone_name(&T, i, b, sizeof b);
		seen |= !strcmp(b, "example.com.");
	}
	CHECK("zone name: example.com. among the zones", seen);
	CHECK("zone name: none past the last",
	      dns_zone_name(&T, T.nzones, b, sizeof b) == 0 && !b[0]);
	CHECK("zone name: cut short, still terminated",
	      dns_zone_name(&T, 0, b, 5) <= 4 && strlen(b) <= 4);
}

int main(void)
{
	T = test_table();
	test_rules();
	test_compression();
	test_random();
	test_batch();
	test_layout();
	test_zone_name();
	return dns_test_fails ? 1 : 0;
}
