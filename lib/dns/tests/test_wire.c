/*
 * The query parser: every file of the malformed corpus
 * (tests/dns/malformed, named drop-*, formerr-*, notimp-*) gets the
 * verdict its name says; a good query with EDNS, a compressed question
 * and upper case parse as they should (RFC 1035 4.1, RFC 6891 6.1).
 */
#include <dirent.h>

#include "dns_test.h"

static void test_corpus(void)
{
	const char *dir = "tests/dns/malformed";
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	CHECK("malformed corpus is there", d != NULL);
	while (d && (e = readdir(d))) {
		char path[512], name[300];
		uint8_t buf[2048];
		struct dns_query q;
		enum dns_verdict want;
		FILE *f;
		size_t len;

		if (!strstr(e->d_name, ".bin"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		f = fopen(path, "rb");
		len = f ? fread(buf, 1, sizeof buf, f) : 0;
		if (f)
			fclose(f);
		want = !strncmp(e->d_name, "drop", 4)	  ? DNS_V_DROP
		       : !strncmp(e->d_name, "notimp", 6) ? DNS_V_NOTIMP
							  : DNS_V_FORMERR;
		snprintf(name, sizeof name, "verdict for %s", e->d_name);
		CHECK(name, dns_parse_query(view_make(buf, len), &q) == want);
		n++;
	}
	if (d)
		closedir(d);
	CHECK("malformed corpus has 20 or more cases", n >= 20);
}

static void test_good(void)
{
	uint8_t b[512];
	struct dns_query q;
	size_t n = mkquery(b, "WwW.Example.COM", 28, 4096, 0x0100);

	b[n - 4] = 0x80; /* DO */
	CHECK("good query parses",
	      dns_parse_query(view_make(b, n), &q) == DNS_V_OK);
	CHECK("qtype, class", q.qtype == 28 && q.qclass == 1);
	CHECK("name lowercased for lookup",
	      q.qlen == 17 && !memcmp(q.lname, "\3www\7example\3com", 17));
	CHECK("name kept as written",
	      !memcmp(q.qname, "\3WwW\7Example\3COM", 17));
	CHECK("EDNS: size, version, DO", q.edns && q.edns_size == 4096 &&
						 q.edns_version == 0 &&
						 q.edns_do);
	b[n - 5] = 1; /* version 1 */
	CHECK("EDNS version 1: BADVERS",
	      dns_parse_query(view_make(b, n), &q) == DNS_V_BADVERS);

	/* A question name that points back into itself legally:
	 * "a" then a pointer to "example.com" written earlier is not
	 * possible in a lone question, but a pointer into the header is
	 * backward, so it must parse or fail without harm. */
	static const uint8_t hp[] = {0, 0, 0, 0,   0,	 1,    0, 0, 0, 0,
				     0, 0, 1, 'a', 0xc0, 0x04, 0, 1, 0, 1};
	enum dns_verdict v = dns_parse_query(view_make(hp, sizeof hp), &q);
	CHECK("pointer into the header: handled",
	      v == DNS_V_OK || v == DNS_V_FORMERR);
	/* 127 pointers, each one back: the chain ends. */
	uint8_t chain[12 + 2 * 128 + 4] = {0, 0, 0, 0, 0, 1};
	chain[12] = 0;
	for (int i = 1; i < 128; i++) {
		chain[12 + 2 * i - 1] = 0xc0;
		chain[12 + 2 * i] = (uint8_t)(12 + 2 * (i - 1));
	}
	CHECK("a long chain of backward pointers ends",
	      dns_parse_query(view_make(chain, sizeof chain), &q) !=
		      DNS_V_DROP);
}

int main(void)
{
	test_corpus();
	test_good();
	return dns_test_fails ? 1 : 0;
}
