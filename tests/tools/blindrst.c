/*
 * blindrst: RFC 5961 section 3 against a TCP echo server, from the peer's
 * side of the link (run it in the namespace, as root).
 *
 *   blindrst -i IFACE HOST PORT
 *
 * It opens an ordinary TCP connection to HOST:PORT and, at the same time,
 * watches IFACE with an AF_PACKET socket to learn the server's view of the
 * connection: the acknowledgment number of the server's latest segment is
 * the server's RCV.NXT, its sequence number plus length the server's
 * SND.NXT. Then, through a raw IP socket, it forges resets that look as
 * if they came from our end of the connection:
 *
 *   1. an RST with seq = RCV.NXT + 1000: inside the window but not exact.
 *      RFC 5961 3.2: the server must not reset; it answers with a
 *      "challenge ACK" (seq = SND.NXT, ack = RCV.NXT), which we wait for,
 *      and the connection must still echo afterwards;
 *   2. an RST with seq = RCV.NXT exactly: the server must reset the
 *      connection; the next data we send then draws an RST, so our socket
 *      reports ECONNRESET (or EPIPE).
 *
 * Output: one "ok - blindrst: ..." or "not ok - blindrst: ...: why" line
 * per check (tests/lib.sh's protocol); status 0 when every check passed,
 * 1 otherwise, 2 on a usage or setup error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int fails;
static struct in_addr host, self;
static uint16_t port, lport; /* network byte order */
static int sniff = -1;

/* The server's latest view, from its segments to us. */
static uint32_t srv_snd_nxt, srv_rcv_nxt;
static bool srv_seen;

static void check(bool good, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (good) {
		printf("ok - blindrst: %s\n", name);
	} else {
		printf("not ok - blindrst: %s: ", name);
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		putchar('\n');
		fails++;
	}
	fflush(stdout);
}

static void __attribute__((noreturn)) die(const char *what)
{
	printf("not ok - blindrst: setup: %s: %s\n", what, strerror(errno));
	exit(2);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Read sniffed frames for up to `secs`. Tracks the server's segments to
 * us; returns true early when one matches want_ack (a bare ACK with
 * seq == srv_snd_nxt before it and ack == ack_val) if want_ack is set.
 */
static bool sniff_for(double secs, bool want_ack, uint32_t ack_val)
{
	double end = now() + secs;
	uint8_t f[65536];

	for (;;) {
		double left = end - now();
		struct pollfd p = {sniff, POLLIN, 0};

		if (left <= 0)
			return false;
		if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			continue;
		ssize_t n = recv(sniff, f, sizeof f, MSG_DONTWAIT);
		if (n < (ssize_t)(sizeof(struct iphdr) + sizeof(struct tcphdr)))
			continue;
		const struct iphdr *ip = (const void *)f;
		size_t ihl = ip->ihl * 4u;
		if (ip->version != 4 || ip->protocol != IPPROTO_TCP ||
		    ip->saddr != host.s_addr || ip->daddr != self.s_addr ||
		    ihl < 20 || (size_t)n < ihl + sizeof(struct tcphdr))
			continue;
		const struct tcphdr *th = (const void *)(f + ihl);
		if (th->source != port || th->dest != lport)
			continue;
		size_t tot = ntohs(ip->tot_len), doff = th->doff * 4u;
		if (tot > (size_t)n || tot < ihl + doff)
			continue;
		uint32_t seq = ntohl(th->seq),
			 len = (uint32_t)(tot - ihl - doff);
		uint32_t end_seq = seq + len + th->syn + th->fin;
		bool bare = len == 0 && !th->syn && !th->fin && !th->rst;
		if (th->rst)
			continue;
		if (want_ack && bare && th->ack &&
		    ntohl(th->ack_seq) == ack_val)
			return true;
		if (!srv_seen || (int32_t)(end_seq - srv_snd_nxt) > 0)
			srv_snd_nxt = end_seq;
		if (th->ack)
			srv_rcv_nxt = ntohl(th->ack_seq);
		srv_seen = true;
	}
}

static uint16_t csum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Forge an RST from our end of the connection with sequence number seq. */
static void send_rst(uint32_t seq)
{
	struct {
		struct iphdr ip;
		struct tcphdr tcp;
	} __attribute__((packed)) pkt;
	struct {
		uint32_t src, dst;
		uint8_t zero, proto;
		uint16_t len;
		struct tcphdr tcp;
	} __attribute__((packed)) ph;
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr = host};
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);

	if (fd < 0)
		die("raw socket");
	memset(&pkt, 0, sizeof pkt);
	pkt.ip.version = 4;
	pkt.ip.ihl = 5;
	pkt.ip.tot_len = htons(sizeof pkt);
	pkt.ip.ttl = 64;
	pkt.ip.protocol = IPPROTO_TCP;
	pkt.ip.saddr = self.s_addr;
	pkt.ip.daddr = host.s_addr;
	pkt.ip.check = htons(csum(&pkt.ip, sizeof pkt.ip, 0));
	pkt.tcp.source = lport;
	pkt.tcp.dest = port;
	pkt.tcp.seq = htonl(seq);
	pkt.tcp.doff = 5;
	pkt.tcp.rst = 1;
	pkt.tcp.window = htons(0);
	ph.src = self.s_addr;
	ph.dst = host.s_addr;
	ph.zero = 0;
	ph.proto = IPPROTO_TCP;
	ph.len = htons(sizeof pkt.tcp);
	ph.tcp = pkt.tcp;
	pkt.tcp.check = htons(csum(&ph, sizeof ph, 0));
	if (sendto(fd, &pkt, sizeof pkt, 0, (struct sockaddr *)&to,
		   sizeof to) != (ssize_t)sizeof pkt)
		die("sendto (raw)");
	close(fd);
}

/* Send msg on the connection and read its echo; true when it came back. */
static bool echo(int s, const char *msg, int *err)
{
	size_t len = strlen(msg), got = 0;
	char buf[256];
	double end = now() + 3;

	*err = 0;
	if (send(s, msg, len, MSG_NOSIGNAL) != (ssize_t)len) {
		*err = errno;
		return false;
	}
	while (got < len && now() < end) {
		struct pollfd p = {s, POLLIN, 0};
		if (poll(&p, 1, 200) <= 0)
			continue;
		ssize_t n = recv(s, buf + got, sizeof buf - got, 0);
		if (n <= 0) {
			*err = n < 0 ? errno : 0;
			return false;
		}
		got += (size_t)n;
	}
	return got == len && memcmp(buf, msg, len) == 0;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct sockaddr_ll ll = {.sll_family = AF_PACKET};
	socklen_t sl = sizeof sa;
	int s, err = 0, i = 1;

	if (argc == 5 && strcmp(argv[1], "-i") == 0) {
		ifname = argv[2];
		i = 3;
	}
	if (!ifname || inet_pton(AF_INET, argv[i], &host) != 1 ||
	    atoi(argv[i + 1]) <= 0) {
		fprintf(stderr, "usage: blindrst -i IFACE HOST PORT\n");
		return 2;
	}
	port = htons((uint16_t)atoi(argv[i + 1]));

	/* Sniff first, so that the handshake is seen too. */
	sniff = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	if (sniff < 0)
		die("AF_PACKET socket");
	ll.sll_protocol = htons(ETH_P_IP);
	ll.sll_ifindex = (int)if_nametoindex(ifname);
	if (!ll.sll_ifindex || bind(sniff, (struct sockaddr *)&ll, sizeof ll))
		die(ifname);

	s = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr = host;
	sa.sin_port = port;
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa))
		die("connect");
	if (getsockname(s, (struct sockaddr *)&sa, &sl))
		die("getsockname");
	self = sa.sin_addr;
	lport = sa.sin_port;

	bool good = echo(s, "first\n", &err);
	check(good, "connection echoes", "error %s",
	      err ? strerror(err) : "no echo / EOF");
	sniff_for(0.3, false, 0);
	if (!srv_seen) {
		check(false, "server segments seen on the interface",
		      "none from %s on %s", argv[i], ifname);
		return 1;
	}

	/* 1. in the window, not exact: a challenge ACK, no reset */
	uint32_t rcv = srv_rcv_nxt;
	send_rst(rcv + 1000);
	check(sniff_for(2, true, rcv),
	      "in-window inexact RST draws a challenge ACK",
	      "no bare ACK with ack=%u from the server within 2 s", rcv);
	good = echo(s, "second\n", &err);
	check(good, "connection survives an in-window inexact RST",
	      "echo failed: %s", err ? strerror(err) : "no echo / EOF");

	/* 2. exact: the connection is reset */
	sniff_for(0.3, false, 0);
	send_rst(srv_rcv_nxt);
	usleep(200 * 1000);
	bool alive = echo(s, "third\n", &err);
	if (!alive && !err)
		alive = echo(s, "fourth\n", &err); /* the RST may come late */
	check(!alive && (err == ECONNRESET || err == EPIPE),
	      "RST with the exact sequence number resets the connection",
	      alive ? "the connection still echoes"
		    : "ended without a reset (error '%s')",
	      strerror(err));
	close(s);
	return fails ? 1 : 0;
}
