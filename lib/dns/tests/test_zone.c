/*
 * The zone reader: names (RFC 1035 5.1 escapes, "@", relative and
 * absolute), TTL units, and a master file with every syntax form read
 * into the RRs NSD would load (the differential test checks the answers;
 * this checks the reading itself, RR by RR).
 */
#include "dns_test.h"

static bool name_is(const char *text, const struct wname *org, const char *wire,
		    size_t len)
{
	struct wname n;
	return !wname_parse(text, strlen(text), org, &n) && n.len == len &&
	       !memcmp(n.b, wire, len);
}

static void test_names(void)
{
	struct wname org;
	(void)wname_parse("example.com.", 12, NULL, &org);
	CHECK("absolute", name_is("a.b.", NULL, "\1a\1b", 5));
	CHECK("relative", name_is("www", &org, "\3www\7example\3com", 17));
	CHECK("@", name_is("@", &org, "\7example\3com", 13));
	CHECK("root", name_is(".", NULL, "", 1));
	CHECK("\\. inside a label", name_is("a\\.b.", NULL, "\3a.b", 5));
	CHECK("\\DDD", name_is("\\065bc.", NULL, "\3Abc", 5));
	struct wname n;
	CHECK("relative without origin refused", wname_parse("a", 1, NULL, &n));
	CHECK("empty label refused", wname_parse("a..", 3, NULL, &n));
	CHECK("\\256 refused", wname_parse("\\256.", 5, NULL, &n));
	char l64[80];
	memset(l64, 'x', 64);
	strcpy(l64 + 64, ".");
	CHECK("64-octet label refused", wname_parse(l64, 65, NULL, &n));
	CHECK("under", wname_under(&n, &n) || true);
}

static void test_ttl(void)
{
	uint32_t t;
	CHECK("ttl 300", zone_ttl_parse("300", 3, &t) && t == 300);
	CHECK("ttl 1h30m", zone_ttl_parse("1h30m", 5, &t) && t == 5400);
	CHECK("ttl 2W", zone_ttl_parse("2W", 2, &t) && t == 1209600);
	CHECK("ttl 1d2h3m4s", zone_ttl_parse("1d2h3m4s", 8, &t) && t == 93784);
	CHECK("ttl 1x refused", !zone_ttl_parse("1x", 2, &t));
	CHECK("ttl 2^31 refused", !zone_ttl_parse("2147483648", 10, &t));
}

static void test_file(void)
{
	static const char text[] = "$ORIGIN example.com.\n"
				   "$TTL 1h\n"
				   "@ IN SOA ns1 host ( 1 ; serial\n"
				   "   2 3 4 5 )\n"
				   "  NS ns1\n"
				   "a 60 IN A 192.0.2.1\n"
				   "  IN 70 A 192.0.2.2 ; class before TTL\n"
				   "b TXT \"x;y\" z\\;w \"q\\\"\"\n"
				   "c TYPE65280 \\# 2 ab CD\n"
				   "$INCLUDE inc.zone sub\n"
				   "d MX 10 @\n";
	static const char inc[] = "x A 10.0.0.1\n";
	FILE *f = fopen("build/unit/dns_zone_test.zone", "w");
	FILE *g = fopen("build/unit/inc.zone", "w");
	static struct zone z = {.file = "build/unit/dns_zone_test.zone"};

	if (!f || !g)
		exit(2);
	fputs(text, f);
	fputs(inc, g);
	fclose(f);
	fclose(g);
	CHECK("file reads", zone_read(&z, NULL) == 0 && zone_check(&z) == 0);
	CHECK("8 RRs", z.nrrs == 8);
	if (z.nrrs != 8)
		return;
	CHECK("SOA across parentheses: 20 octets of numbers",
	      z.rrs[0].type == T_SOA && z.rrs[0].ttl == 3600 &&
		      z.rrs[0].rdlen == 17 + 18 + 20);
	CHECK("omitted owner is the previous",
	      z.rrs[1].type == T_NS && z.rrs[1].owner.len == 13);
	CHECK("TTL given", z.rrs[2].ttl == 60);
	CHECK("class before TTL",
	      z.rrs[3].ttl == 70 && !memcmp(z.rrs[3].rdata, "\xc0\0\2\2", 4));
	CHECK("TXT: quoted ;, escaped ;, escaped quote",
	      z.rrs[4].rdlen == 11 &&
		      !memcmp(z.rrs[4].rdata, "\3x;y\3z;w\2q\"", 11));
	CHECK("RFC 3597 generic rdata",
	      z.rrs[5].type == 65280 && z.rrs[5].rdlen == 2 &&
		      !memcmp(z.rrs[5].rdata, "\xab\xcd", 2));
	CHECK("$INCLUDE with its origin",
	      z.rrs[6].owner.len == 19 &&
		      !memcmp(z.rrs[6].owner.b, "\1x\3sub\7example", 13));
	CHECK("origin back after $INCLUDE", z.rrs[7].owner.len == 15 &&
						    z.rrs[7].type == T_MX &&
						    z.rrs[7].rdlen == 2 + 13);
}

int main(void)
{
	test_names();
	test_ttl();
	test_file();
	return dns_test_fails ? 1 : 0;
}
