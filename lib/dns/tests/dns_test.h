/*
 * Shared by lib/dns's unit tests: the CHECK line protocol (HACKING.md),
 * query construction, and a table compiled in-process from zone files
 * by the same code the generator runs.
 */
#ifndef KILN_DNS_TEST_H
#define KILN_DNS_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/dns.h>

#include "../compile.h"
#include "../wire.h"

static int dns_test_fails __attribute__((unused));
#define CHECK(name, cond)                                                      \
	do {                                                                   \
		if (cond)                                                      \
			printf("ok - %s\n", name);                             \
		else {                                                         \
			printf("not ok - %s: %s:%d\n", name, __FILE__,         \
			       __LINE__);                                      \
			dns_test_fails++;                                      \
		}                                                              \
	} while (0)

/* A query for name ("www.example.com", presentation form) and qtype;
 * edns_size 0 for none. Returns its length. */
static inline size_t mkquery(uint8_t *b, const char *name, uint16_t qtype,
			     uint16_t edns_size, uint16_t flags)
{
	size_t n = 12, lab;
	memset(b, 0, 12);
	b[0] = 0xab;
	b[1] = 0xcd;
	b[2] = (uint8_t)(flags >> 8);
	b[3] = (uint8_t)flags;
	b[5] = 1;
	for (const char *p = name; *p;) {
		lab = n++;
		while (*p && *p != '.')
			b[n++] = (uint8_t)*p++;
		b[lab] = (uint8_t)(n - lab - 1);
		if (*p == '.')
			p++;
	}
	b[n++] = 0;
	b[n++] = (uint8_t)(qtype >> 8);
	b[n++] = (uint8_t)qtype;
	b[n++] = 0;
	b[n++] = 1;
	if (edns_size) {
		b[11] = 1;
		b[n++] = 0;
		b[n++] = 0;
		b[n++] = 41;
		b[n++] = (uint8_t)(edns_size >> 8);
		b[n++] = (uint8_t)edns_size;
		memset(b + n, 0, 6);
		n += 6;
	}
	return n;
}

/* The table for the repository's test zones (tests/run runs from the
 * repository root). */
static inline struct dns_table test_table(void)
{
	static struct model m;
	static struct dns_out o;
	static const char *files[] = {
		"tests/dns/zones/example.com.zone",
		"tests/dns/zones/2.0.192.in-addr.arpa.zone",
	};
	m.zones = calloc(2, sizeof *m.zones);
	for (size_t i = 0; i < 2; i++) {
		m.zones[m.nzones].file = files[i];
		if (zone_read(&m.zones[m.nzones], NULL) != 0 ||
		    zone_check(&m.zones[m.nzones]) != 0)
			exit(2);
		m.nzones++;
	}
	if (model_build(&m) != 0 || dns_compile(&m, &o) != 0)
		exit(2);
	static struct dns_packed p;
	if (dns_pack(&o, m.nnodes, m.nzones, &p) != 0)
		exit(2);
	struct dns_table t = dns_packed_table(&p);
	return t;
}

#endif /* KILN_DNS_TEST_H */
