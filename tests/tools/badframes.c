/*
 * badframes: malformed Ethernet frames from the known bug classes of small
 * TCP/IP stacks, written raw onto an interface (AF_PACKET) towards a
 * target MAC and IPv4 address, one case at a time.
 *
 *   badframes --list
 *   badframes -i IFACE -m MAC -s SRC_IP -d DST_IP CASE
 *
 * --list prints "CASE EXPECT" per line: EXPECT is the drop reason
 * (lib/net/drop.h names) the target should count, several separated by
 * '|' when either is right, '*' for "some drop", '-' for "no particular
 * counter, the target must just survive it", or "reply"/"noreply" for
 * cases judged by whether an ICMP echo reply comes back (sent by this
 * tool, watched for 0.5 s on IFACE).
 *
 * Runts (frames under 14 bytes) are not among the cases: neither
 * AF_PACKET nor a tap write lets Linux emit one, so on a tap they cannot
 * reach the target at all (the unit and fuzz tests of lib/net feed them).
 *
 * A case prints nothing on success but, for reply/noreply cases, "reply"
 * or "noreply". Status 0, or 2 on a usage or system error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fd = -1, ifindex;
static uint8_t dmac[6], smac[6];
static uint32_t sip, dip; /* network order */

struct frame {
	uint8_t b[2048];
	size_t len;
};

static void put8(struct frame *f, uint8_t v)
{
	f->b[f->len++] = v;
}
static void put16(struct frame *f, uint16_t v)
{
	put8(f, (uint8_t)(v >> 8));
	put8(f, (uint8_t)v);
}
static void put32n(struct frame *f, uint32_t netorder)
{
	memcpy(f->b + f->len, &netorder, 4);
	f->len += 4;
}
static void putn(struct frame *f, const void *p, size_t n)
{
	memcpy(f->b + f->len, p, n);
	f->len += n;
}
static void set16(struct frame *f, size_t off, uint16_t v)
{
	f->b[off] = (uint8_t)(v >> 8);
	f->b[off + 1] = (uint8_t)v;
}

static uint32_t sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}
static uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void eth(struct frame *f, uint16_t type)
{
	f->len = 0;
	putn(f, dmac, 6);
	putn(f, smac, 6);
	put16(f, type);
}

/* IPv4 header at f->len; returns its offset. Length and checksum are
 * filled by ip_finish. ihl_words > 5 pads with NOP options. */
static size_t ip_start(struct frame *f, unsigned ihl_words, uint8_t proto,
		       uint16_t id, uint16_t frag)
{
	size_t o = f->len;

	put8(f, (uint8_t)(0x40 | (ihl_words & 15)));
	put8(f, 0);
	put16(f, 0); /* total length */
	put16(f, id);
	put16(f, frag);
	put8(f, 64);
	put8(f, proto);
	put16(f, 0); /* checksum */
	put32n(f, sip);
	put32n(f, dip);
	for (unsigned i = 5; i < ihl_words; i++)
		put32n(f, htonl(0x01010101)); /* NOPs */
	return o;
}

static void ip_finish(struct frame *f, size_t o)
{
	unsigned hl = (f->b[o] & 15) * 4u;

	set16(f, o + 2, (uint16_t)(f->len - o));
	set16(f, o + 10, 0);
	if (hl >= 20 && o + hl <= f->len)
		set16(f, o + 10, fold(sum(f->b + o, hl, 0)));
	else
		set16(f, o + 10, fold(sum(f->b + o, 20, 0)));
}

/* L4 checksum with the pseudo-header over [l4, f->len). */
static void l4_csum(struct frame *f, size_t l4, size_t csum_off, uint8_t proto)
{
	uint8_t ph[12];
	uint16_t len = (uint16_t)(f->len - l4);

	memcpy(ph, &sip, 4);
	memcpy(ph + 4, &dip, 4);
	ph[8] = 0;
	ph[9] = proto;
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	set16(f, l4 + csum_off, 0);
	set16(f, l4 + csum_off,
	      fold(sum(f->b + l4, len, sum(ph, sizeof ph, 0))));
}

/* A TCP SYN to port 7 with the given raw option bytes and data offset
 * (0: the right one). */
static void tcp_syn(struct frame *f, const uint8_t *opt, size_t optlen,
		    unsigned doff_words)
{
	size_t o = ip_start(f, 5, 6, 1, 0x4000), t = f->len;

	put16(f, 40000);
	put16(f, 7);
	put32n(f, htonl(12345));
	put32n(f, 0);
	put8(f, (uint8_t)((doff_words ? doff_words : (20 + optlen) / 4) << 4));
	put8(f, 0x02); /* SYN */
	put16(f, 65535);
	put16(f, 0);
	put16(f, 0);
	putn(f, opt, optlen);
	l4_csum(f, t, 16, 6);
	ip_finish(f, o);
}

static void udp(struct frame *f, uint16_t dport, uint16_t len_field,
		size_t payload, bool bad_csum)
{
	size_t o = ip_start(f, 5, 17, 2, 0), u = f->len;

	put16(f, 40000);
	put16(f, dport);
	put16(f, len_field);
	put16(f, 0);
	for (size_t i = 0; i < payload; i++)
		put8(f, (uint8_t)i);
	l4_csum(f, u, 6, 17);
	if (bad_csum)
		f->b[u + 6] ^= 0x55;
	ip_finish(f, o);
}

/* ICMP destination unreachable (type 3, code) quoting qlen bytes of q. */
static void icmp_unreach(struct frame *f, uint8_t code, uint16_t mtu,
			 const uint8_t *q, size_t qlen)
{
	size_t o = ip_start(f, 5, 1, 3, 0), c = f->len;

	put8(f, 3);
	put8(f, code);
	put16(f, 0);
	put16(f, 0);
	put16(f, mtu);
	putn(f, q, qlen);
	set16(f, c + 2, fold(sum(f->b + c, f->len - c, 0)));
	ip_finish(f, o);
}

/* The quoted datagram: an IPv4 header (ihl words) from dst to src, proto
 * TCP, then l4len bytes of a TCP header (ports 7 -> 40000). */
static size_t quote(uint8_t *q, unsigned ihl, size_t l4len)
{
	struct frame t = {.len = 0};
	uint32_t s = sip, d = dip;

	sip = d; /* the target sent it to us */
	dip = s;
	size_t o = ip_start(&t, 5, 6, 9, 0);
	put16(&t, 7);
	put16(&t, 40000);
	put32n(&t, htonl(777));
	put32n(&t, htonl(888));
	put16(&t, 0x5010);
	put16(&t, 1000);
	t.len = o + 20 + l4len;
	set16(&t, o + 2, 40);
	t.b[o] = (uint8_t)(0x40 | ihl);
	sip = s;
	dip = d;
	memcpy(q, t.b + o, t.len - o);
	return t.len - o;
}

/* An ICMP echo request of `len` payload bytes with identifier id, as IP
 * fragments: [off, off+n) pieces given in bytes (multiples of 8 except
 * the last). */
static void echo_frag(struct frame *f, uint16_t id, size_t total, size_t off,
		      size_t n, bool more)
{
	static uint8_t dgram[65536 + 8];
	size_t o;

	/* the whole ICMP message, from which fragments are cut */
	dgram[0] = 8;
	dgram[1] = 0;
	dgram[2] = dgram[3] = 0;
	dgram[4] = (uint8_t)(id >> 8);
	dgram[5] = (uint8_t)id;
	dgram[6] = 0;
	dgram[7] = 1;
	for (size_t i = 8; i < total; i++)
		dgram[i] = (uint8_t)(i * 7);
	uint16_t c = fold(sum(dgram, total, 0));
	dgram[2] = (uint8_t)(c >> 8);
	dgram[3] = (uint8_t)c;
	eth(f, 0x0800);
	o = ip_start(f, 5, 1, id, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
	putn(f, dgram + off, n);
	ip_finish(f, o);
}

static void send_frame(const struct frame *f)
{
	struct sockaddr_ll ll = {.sll_family = AF_PACKET,
				 .sll_ifindex = ifindex,
				 .sll_halen = 6};

	memcpy(ll.sll_addr, dmac, 6);
	if (sendto(fd, f->b, f->len, 0, (struct sockaddr *)&ll, sizeof ll) !=
	    (ssize_t)f->len) {
		perror("badframes: sendto");
		exit(2);
	}
}

/* Watch for an ICMP echo reply with identifier id for secs. */
static bool got_reply(int sn, uint16_t id, double secs)
{
	struct timespec ts;
	double end;
	uint8_t b[70000];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	end = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 + secs;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		double left =
			end - ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
		struct pollfd p = {sn, POLLIN, 0};
		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		ssize_t n = recv(sn, b, sizeof b, MSG_DONTWAIT);
		if (n < 14 + 20 + 8 || b[12] != 0x08 || b[13] != 0x00)
			continue;
		size_t hl = (b[14] & 15) * 4u;
		if (b[14 + 9] != 1 || memcmp(b + 14 + 12, &dip, 4) != 0 ||
		    (size_t)n < 14 + hl + 8)
			continue;
		const uint8_t *ic = b + 14 + hl;
		if (ic[0] == 0 && (ic[4] << 8 | ic[5]) == id)
			return true;
	}
}

static const struct {
	const char *name, *expect;
} cases[] = {
	{"eth_header_only", "ipv4_short"},
	{"eth_vlan", "eth_vlan"},
	{"eth_unknown_type", "eth_unknown_type"},
	{"eth_not_for_us", "eth_not_for_us"},
	{"arp_short", "arp_short"},
	{"arp_bad_hw", "arp_bad_hw"},
	{"arp_bad_op", "arp_bad_op"},
	{"ipv4_short", "ipv4_short"},
	{"ipv4_ihl_0", "ipv4_bad_ihl"},
	{"ipv4_ihl_4", "ipv4_bad_ihl"},
	{"ipv4_version_6", "ipv4_bad_version"},
	{"ipv4_totlen_past_frame", "ipv4_truncated"},
	{"ipv4_totlen_below_ihl", "ipv4_bad_len"},
	{"ipv4_ihl_past_frame", "ipv4_truncated|ipv4_bad_len"},
	{"ipv4_bad_csum", "ipv4_bad_csum"},
	{"tcp_short", "tcp_short"},
	{"tcp_doff_4", "tcp_bad_doff"},
	{"tcp_doff_past_segment", "tcp_bad_doff"},
	{"tcp_opt_len_0", "tcp_bad_option"},
	{"tcp_opt_len_1", "tcp_bad_option"},
	{"tcp_opt_len_past_header", "tcp_bad_option"},
	{"tcp_bad_csum", "tcp_bad_csum"},
	{"udp_short", "udp_short"},
	{"udp_len_below_8", "udp_bad_len"},
	{"udp_len_past_payload", "udp_bad_len"},
	{"udp_bad_csum", "udp_bad_csum"},
	{"icmp_short", "icmp_short"},
	{"icmp_bad_csum", "icmp_bad_csum"},
	{"icmp_quote_truncated_ip", "icmp_bad_quote"},
	{"icmp_quote_ihl_4", "icmp_bad_quote"},
	{"icmp_quote_l4_short", "icmp_bad_quote"},
	{"icmp_fragneed_mtu_0", "-"},
	{"garbage_1514", "*"},
	{"frag_ok", "reply"},
	{"frag_overlap", "noreply"},
	{"frag_past_64k", "noreply"},
};

static void run(const char *name, int sn)
{
	struct frame f;
	uint8_t q[128];
	size_t o, n;

	if (!strcmp(name, "eth_header_only")) {
		eth(&f, 0x0800);
	} else if (!strcmp(name, "eth_vlan")) {
		eth(&f, 0x8100);
		put16(&f, 5);
		put16(&f, 0x0800);
		o = ip_start(&f, 5, 1, 4, 0);
		put32n(&f, 0);
		put32n(&f, 0);
		ip_finish(&f, o);
	} else if (!strcmp(name, "eth_unknown_type")) {
		eth(&f, 0x88b5);
		for (int i = 0; i < 46; i++)
			put8(&f, 0xee);
	} else if (!strcmp(name, "eth_not_for_us")) {
		uint8_t keep[6];
		memcpy(keep, dmac, 6);
		memcpy(dmac, "\x02\x00\x00\xde\xad\x01", 6);
		eth(&f, 0x0800);
		memcpy(dmac, keep, 6);
		o = ip_start(&f, 5, 1, 4, 0);
		put32n(&f, 0);
		put32n(&f, 0);
		ip_finish(&f, o);
	} else if (!strncmp(name, "arp_", 4)) {
		eth(&f, 0x0806);
		put16(&f, !strcmp(name, "arp_bad_hw") ? 6 : 1);
		put16(&f, 0x0800);
		put8(&f, 6);
		put8(&f, 4);
		put16(&f, !strcmp(name, "arp_bad_op") ? 9 : 1);
		putn(&f, smac, 6);
		put32n(&f, sip);
		putn(&f, "\0\0\0\0\0\0", 6);
		put32n(&f, dip);
		if (!strcmp(name, "arp_short"))
			f.len = 14 + 20;
		else
			while (f.len < 60)
				put8(&f, 0);
	} else if (!strcmp(name, "ipv4_short")) {
		eth(&f, 0x0800);
		putn(&f, "\x45\0\0\x0a\0\0\0\0\x40\x01", 10);
	} else if (!strncmp(name, "ipv4_ihl_", 9) && name[9] != 'p') {
		eth(&f, 0x0800);
		o = ip_start(&f, 5, 1, 5, 0);
		put32n(&f, htonl(0x08000000));
		put32n(&f, 0);
		ip_finish(&f, o);
		f.b[o] = (uint8_t)(0x40 | (name[9] - '0'));
	} else if (!strcmp(name, "ipv4_version_6")) {
		eth(&f, 0x0800);
		o = ip_start(&f, 5, 1, 5, 0);
		put32n(&f, 0);
		put32n(&f, 0);
		ip_finish(&f, o);
		f.b[o] = 0x65;
	} else if (!strcmp(name, "ipv4_totlen_past_frame") ||
		   !strcmp(name, "ipv4_totlen_below_ihl") ||
		   !strcmp(name, "ipv4_bad_csum") ||
		   !strcmp(name, "ipv4_ihl_past_frame")) {
		eth(&f, 0x0800);
		o = ip_start(&f, 5, 1, 6, 0);
		put32n(&f, htonl(0x0800f7ff)); /* an echo request */
		put32n(&f, 0);
		ip_finish(&f, o);
		if (name[5] == 't' && name[12] == 'p')
			set16(&f, o + 2, 1000);
		else if (name[5] == 't')
			set16(&f, o + 2, 12);
		else if (name[5] == 'i')
			f.b[o] = 0x4f; /* 60-byte header in a 28-byte packet */
		if (name[5] != 'b') {  /* keep the header checksum right */
			set16(&f, o + 10, 0);
			set16(&f, o + 10, fold(sum(f.b + o, 20, 0)));
		} else {
			f.b[o + 10] ^= 0x5a;
		}
	} else if (!strcmp(name, "tcp_short")) {
		eth(&f, 0x0800);
		o = ip_start(&f, 5, 6, 7, 0);
		putn(&f, "\x9c\x40\0\x07\0\0\0\0\0\0\0\0", 12);
		ip_finish(&f, o);
	} else if (!strcmp(name, "tcp_doff_4")) {
		eth(&f, 0x0800);
		tcp_syn(&f, NULL, 0, 4);
	} else if (!strcmp(name, "tcp_doff_past_segment")) {
		eth(&f, 0x0800);
		tcp_syn(&f, NULL, 0, 15);
	} else if (!strcmp(name, "tcp_opt_len_0")) {
		eth(&f, 0x0800);
		tcp_syn(&f, (const uint8_t *)"\x02\x00\x05\xb4", 4, 0);
	} else if (!strcmp(name, "tcp_opt_len_1")) {
		eth(&f, 0x0800);
		tcp_syn(&f, (const uint8_t *)"\x08\x01\x00\x00", 4, 0);
	} else if (!strcmp(name, "tcp_opt_len_past_header")) {
		eth(&f, 0x0800);
		tcp_syn(&f, (const uint8_t *)"\x01\x01\x03\x28", 4, 0);
	} else if (!strcmp(name, "tcp_bad_csum")) {
		eth(&f, 0x0800);
		tcp_syn(&f, (const uint8_t *)"\x02\x04\x05\xb4", 4, 0);
		f.b[14 + 20 + 16] ^= 0x33;
	} else if (!strcmp(name, "udp_short")) {
		eth(&f, 0x0800);
		o = ip_start(&f, 5, 17, 8, 0);
		putn(&f, "\x9c\x40\0\x07", 4);
		ip_finish(&f, o);
	} else if (!strcmp(name, "udp_len_below_8")) {
		eth(&f, 0x0800);
		udp(&f, 7, 4, 8, false);
	} else if (!strcmp(name, "udp_len_past_payload")) {
		eth(&f, 0x0800);
		udp(&f, 7, 400, 8, false);
	} else if (!strcmp(name, "udp_bad_csum")) {
		eth(&f, 0x0800);
		udp(&f, 7, 16, 8, true);
	} else if (!strcmp(name, "icmp_short")) {
		eth(&f, 0x0800);
		o = ip_start(&f, 5, 1, 9, 0);
		putn(&f, "\x08\0\xf7\xff", 4);
		ip_finish(&f, o);
	} else if (!strcmp(name, "icmp_bad_csum")) {
		eth(&f, 0x0800);
		o = ip_start(&f, 5, 1, 9, 0);
		putn(&f, "\x08\0\x12\x34\0\x01\0\x01", 8);
		ip_finish(&f, o);
	} else if (!strcmp(name, "icmp_quote_truncated_ip")) {
		eth(&f, 0x0800);
		n = quote(q, 5, 8);
		icmp_unreach(&f, 3, 0, q, 12);
	} else if (!strcmp(name, "icmp_quote_ihl_4")) {
		eth(&f, 0x0800);
		n = quote(q, 4, 8);
		icmp_unreach(&f, 3, 0, q, n);
	} else if (!strcmp(name, "icmp_quote_l4_short")) {
		eth(&f, 0x0800);
		n = quote(q, 5, 8);
		icmp_unreach(&f, 3, 0, q, 20 + 4);
	} else if (!strcmp(name, "icmp_fragneed_mtu_0")) {
		eth(&f, 0x0800);
		n = quote(q, 5, 20);
		icmp_unreach(&f, 4, 0, q, n);
	} else if (!strcmp(name, "garbage_1514")) {
		eth(&f, 0x0800);
		srand(1);
		while (f.len < 1514)
			put8(&f, (uint8_t)rand());
		f.b[14] = 0x45; /* past the version check, into the rest */
	} else if (!strcmp(name, "frag_ok")) {
		/* 1208 bytes of ICMP in 3 fragments, last first */
		echo_frag(&f, 0x4b01, 1208, 1200, 8, false);
		send_frame(&f);
		echo_frag(&f, 0x4b01, 1208, 0, 600, true);
		send_frame(&f);
		echo_frag(&f, 0x4b01, 1208, 600, 600, true);
		send_frame(&f);
		puts(got_reply(sn, 0x4b01, 0.5) ? "reply" : "noreply");
		return;
	} else if (!strcmp(name, "frag_overlap")) {
		/* [0,600) then [592,1208): 8 bytes overlap, with other data */
		echo_frag(&f, 0x4b02, 1208, 0, 600, true);
		send_frame(&f);
		echo_frag(&f, 0x4b02, 1208, 592, 616, false);
		f.b[14 + 20] ^= 0xff; /* the overlap differs from the first */
		send_frame(&f);
		puts(got_reply(sn, 0x4b02, 0.5) ? "reply" : "noreply");
		return;
	} else if (!strcmp(name, "frag_past_64k")) {
		/* a last fragment at offset 65528 with 100 bytes: > 65535 */
		echo_frag(&f, 0x4b03, 1208, 0, 600, true);
		send_frame(&f);
		eth(&f, 0x0800);
		o = ip_start(&f, 5, 1, 0x4b03, (uint16_t)(65528 / 8));
		for (int i = 0; i < 100; i++)
			put8(&f, 0xab);
		ip_finish(&f, o);
		send_frame(&f);
		puts(got_reply(sn, 0x4b03, 0.5) ? "reply" : "noreply");
		return;
	} else {
		fprintf(stderr, "badframes: unknown case '%s' (see --list)\n",
			name);
		exit(2);
	}
	(void)n;
	send_frame(&f);
}

static int parse_mac(const char *s, uint8_t m[6])
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2],
		      &m[3], &m[4], &m[5]) == 6
		       ? 0
		       : -1;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *mac = NULL, *s = NULL, *d = NULL;
	struct ifreq ifr;
	int i, sn;

	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
			printf("%s %s\n", cases[k].name, cases[k].expect);
		return 0;
	}
	for (i = 1; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-i"))
			ifname = argv[i + 1];
		else if (!strcmp(argv[i], "-m"))
			mac = argv[i + 1];
		else if (!strcmp(argv[i], "-s"))
			s = argv[i + 1];
		else if (!strcmp(argv[i], "-d"))
			d = argv[i + 1];
	}
	if (i != argc - 1 || !ifname || !mac || !s || !d ||
	    parse_mac(mac, dmac) || inet_pton(AF_INET, s, &sip) != 1 ||
	    inet_pton(AF_INET, d, &dip) != 1) {
		fprintf(stderr, "usage: badframes --list | badframes -i IFACE "
				"-m MAC -s SRC_IP -d DST_IP CASE\n");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	sn = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
	ifindex = (int)if_nametoindex(ifname);
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
	if (fd < 0 || sn < 0 || !ifindex || ioctl(fd, SIOCGIFHWADDR, &ifr)) {
		perror("badframes: setup");
		return 2;
	}
	memcpy(smac, ifr.ifr_hwaddr.sa_data, 6);
	struct sockaddr_ll ll = {.sll_family = AF_PACKET,
				 .sll_protocol = htons(ETH_P_IP),
				 .sll_ifindex = ifindex};
	if (bind(sn, (struct sockaddr *)&ll, sizeof ll)) {
		perror("badframes: bind");
		return 2;
	}
	run(argv[argc - 1], sn);
	return 0;
}
