/*
 * The Internet checksum against RFC 1071's worked example, a known IPv4
 * header, and a plain 16-bit reference loop over every length and memory
 * offset (the 8-byte fast path must agree on odd lengths and odd
 * addresses, and when a sum is split into pieces at odd offsets).
 */
#include <stdint.h>

#include "cksum.h"
#include "drop.h"
#include "net_test.h"

/* RFC 1071 as written: big-endian words, zero pad, fold, complement. */
static uint16_t ref_cksum(const uint8_t *p, size_t n)
{
	uint32_t s = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static uint32_t rng = 12345;
static uint8_t rnd(void)
{
	rng = rng * 1103515245u + 12345u;
	return (uint8_t)(rng >> 16);
}

static void test_known(void)
{
	/* RFC 1071 section 3: these bytes sum to 0xddf2. */
	static const uint8_t ex[] = {0x00, 0x01, 0xf2, 0x03,
				     0xf4, 0xf5, 0xf6, 0xf7};
	CHECK("rfc1071 example", net_cksum(VEC(ex)) == (uint16_t)~0xddf2);

	/* A header whose checksum field (0xb861) is right, from Wikipedia's
	 * "IPv4 header checksum" article: verifies to 0. */
	static const uint8_t hdr[] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
				      0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8,
				      0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	CHECK("ipv4 header verifies", net_cksum(VEC(hdr)) == 0);
	uint8_t z[20];
	memcpy(z, hdr, 20);
	z[10] = z[11] = 0;
	CHECK("ipv4 header computes 0xb861", net_cksum(VEC(z)) == 0xb861);

	CHECK("empty view", net_cksum(view_make(NULL, 0)) == 0xffff);
	static const uint8_t ff[] = {0xff, 0xff, 0xff, 0xff};
	CHECK("all ones sums to negative zero", net_cksum(VEC(ff)) == 0);
}

static void test_against_reference(void)
{
	static uint8_t buf[2048 + 8];
	bool all_ok = true, split_ok = true, carry_ok = true;

	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = rnd();
	/* Every length up to 300 at every alignment, plus some long ones. */
	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; n <= 300; n++) {
			uint16_t want = ref_cksum(buf + off, n);
			if (net_cksum(view_make(buf + off, n)) != want)
				all_ok = false;
			/* Split at every cut: pieces at odd offsets. */
			for (size_t cut = 0; cut <= n && n < 64; cut++) {
				struct net_csum c = net_csum_start();
				net_csum_add(&c, view_make(buf + off, cut));
				net_csum_add(&c, view_make(buf + off + cut,
							   n - cut));
				if (net_csum_final(&c) != want)
					split_ok = false;
			}
		}
		if (net_cksum(view_make(buf + off, 2048)) !=
		    ref_cksum(buf + off, 2048))
			all_ok = false;
	}
	CHECK("fast sum == reference, lengths 0..300, offsets 0..7", all_ok);
	CHECK("split sums at odd offsets == reference", split_ok);

	/* Long runs of 0xff stress the end-around carry of the 64-bit sum. */
	static uint8_t ones[4096 + 3];
	memset(ones, 0xff, sizeof(ones));
	for (size_t n = 4090; n <= 4099; n++)
		if (net_cksum(view_make(ones, n)) != ref_cksum(ones, n))
			carry_ok = false;
	CHECK("carries over 4 KiB of 0xff", carry_ok);

	/* Three pieces, the middle one odd, plus add16 at an odd offset. */
	struct net_csum c = net_csum_start();
	net_csum_add(&c, view_make(buf, 7));
	net_csum_add16(&c, (uint16_t)(buf[7] << 8 | buf[8]));
	net_csum_add(&c, view_make(buf + 9, 100));
	CHECK("add16 at an odd offset",
	      net_csum_final(&c) == ref_cksum(buf, 109));
}

static void test_pseudo(void)
{
	/* The pseudo-header is the same as summing its 12 bytes. */
	static const uint8_t ph[] = {10, 0, 0, 1, 10, 0, 0, 2, 0, 17, 0, 33};
	struct net_csum c = net_csum_start();
	net_csum_pseudo(&c, 0x0a000001, 0x0a000002, 17, 33);
	CHECK("pseudo-header sum", net_csum_final(&c) == ref_cksum(ph, 12));

	uint8_t both[12 + 33];
	memcpy(both, ph, 12);
	for (int i = 0; i < 33; i++)
		both[12 + i] = (uint8_t)(i * 7);
	net_csum_add(&c, view_make(both + 12, 33));
	CHECK("pseudo-header then odd segment",
	      net_csum_final(&c) == ref_cksum(both, sizeof(both)));
}

static void test_drop_names(void)
{
	bool named = true, unique = true;

	for (int i = 0; i < NET_DROP_COUNT; i++) {
		const char *n = net_drop_name((enum net_drop)i);
		if (!n || !strcmp(n, "unknown"))
			named = false;
		for (int j = 0; j < i; j++)
			if (!strcmp(n, net_drop_name((enum net_drop)j)))
				unique = false;
	}
	CHECK("every drop reason has a name", named);
	CHECK("drop names are unique", unique);
	CHECK("out of range is unknown",
	      !strcmp(net_drop_name(NET_DROP_COUNT), "unknown"));
	CHECK("name of ipv4_bad_ihl",
	      !strcmp(net_drop_name(NET_DROP_IPV4_BAD_IHL), "ipv4_bad_ihl"));
}

int main(void)
{
	test_known();
	test_against_reference();
	test_pseudo();
	test_drop_names();
	return net_test_done();
}
