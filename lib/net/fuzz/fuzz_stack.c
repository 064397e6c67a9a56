/*
 * The whole-stack fuzz target: frames and time steps fed to Kiln's stack
 * attached to the fake netif (lib/net/tests/fakenet.c), with a UDP echo
 * socket on port 7 and a TCP echo listener on port 80, so that every
 * layer, the ARP and reassembly tables, the DHCP client and TCP see
 * whatever the fuzzer makes up.
 *
 * Input:
 *   byte 0         configuration: bit 0 set = DHCP, else static
 *                  10.0.0.2/24 with gateway 10.0.0.1
 *   then records   [u16 big-endian length n][n bytes: one frame]
 *                  n == 0: a time step, [u32 big-endian milliseconds],
 *                  at most 10 minutes each (DHCP leases, ARP expiry and
 *                  reassembly timeouts are all reachable)
 * A record cut short by the end of the input is used as far as it goes.
 *
 * Checks, besides the sanitizers: after each input, once the stack is
 * reset, every netbuf is back in the pool (no leak, no double free), and
 * no input runs more than MAX_RECORDS records (no unbounded loop is
 * possible in the harness; the stack's own loops are bounded).
 *
 * Each input starts from net_reset(), so inputs do not depend on each
 * other. FUZZ_STACK_VERBOSE=1 in the environment prints the stack's
 * counters after each input (to check what a seed exercises). Host-only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/blockdev.h>
#include <kiln/kiln.h>
#include <kiln/loop.h>
#include <kiln/platform.h>
#include <kiln/tcp.h>
#include <kiln/udp.h>

#include "fakenet.h"
#include "fuzz.h"

#define MAX_RECORDS 4096
#define MAX_STEP_MS (10u * 60u * 1000u)

/*
 * The platform, for this harness alone (not fakeplat.c): entropy is all
 * zeros so that an input means the same thing every run (the DHCP xid is
 * 0, which the seeds use); the console is kept for FUZZ_STACK_VERBOSE.
 * The clock only moves forward (the loop's clock never goes back).
 */
uint64_t fake_mono = 1000000000ull;
static char console[65536];
static size_t console_len;

uint64_t kiln_mono_ns(void)
{
	return fake_mono;
}

uint64_t kiln_wall_ns(void)
{
	return fake_mono + 1700000000ull * 1000000000ull;
}

int kiln_entropy(void *buf, size_t len)
{
	memset(buf, 0, len);
	return 0;
}

int kiln_console_write(const void *buf, size_t len)
{
	if (len > sizeof console - 1 - console_len)
		len = sizeof console - 1 - console_len;
	memcpy(console + console_len, buf, len);
	console_len += len;
	console[console_len] = '\0';
	return 0;
}

void plat_wait(uint64_t deadline)
{
	(void)deadline; /* the harness never runs the loop */
}

void plat_backtrace(void)
{
}

/* lib/core/block.c's target half: the harness has no block device. */
int blockdev_execute(long handle, const struct blockdev_req *r)
{
	(void)handle;
	(void)r;
	return -EIO;
}

void plat_exit(int status)
{
	fprintf(stderr, "fuzz_stack: exit %d (a panic?):\n%s\n", status,
		console);
	abort();
}

static void udp_echo(struct udp_sock *s, const struct udp_dgram *b, size_t n,
		     void *arg)
{
	(void)arg;
	for (size_t i = 0; i < n; i++)
		(void)udp_sendto(s, &b[i].src, b[i].data.p, b[i].data.len);
}

static size_t tcp_echo(struct tcp_conn *c, struct view data, void *arg)
{
	ssize_t took = tcp_send(c, data.p, data.len);

	(void)arg;
	return took > 0 ? (size_t)took : 0;
}

static void tcp_closed(struct tcp_conn *c, enum tcp_close_reason why, void *arg)
{
	(void)c, (void)why, (void)arg;
}

static const struct tcp_callbacks echo_cbs = {
	.recv = tcp_echo,
	.closed = tcp_closed,
};

static void tcp_accepted(struct tcp_listener *l, struct tcp_conn *c, void *arg)
{
	(void)l, (void)arg;
	tcp_set_callbacks(c, &echo_cbs, NULL);
}

static void setup(bool dhcp)
{
	struct udp_sock *us;
	struct tcp_listener *tl;
	struct net_addr u = {0, 7}, t = {0, 80};

	console_len = 0;
	if (dhcp)
		fakenet_setup(0, 0, 0, true);
	else
		fakenet_setup(FAKENET_US, 24, FAKENET_PEER, false);
	FUZZ_CHECK(udp_bind(&us, &u, udp_echo, NULL) == 0);
	FUZZ_CHECK(tcp_listen(&tl, &t, tcp_accepted, NULL) == 0);
	fakenet_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 1;
	unsigned records = 0;
	unsigned long sent = 0;

	setup(size > 0 && (data[0] & 1));
	while (off + 2 <= size && records++ < MAX_RECORDS) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (n == 0) {
			uint32_t ms = 0;
			for (unsigned i = 0; i < 4 && off < size; i++)
				ms = ms << 8 | data[off++];
			fakenet_advance_ms(ms % (MAX_STEP_MS + 1));
		} else {
			if (n > size - off)
				n = size - off;
			if (n > NET_NB_PAYLOAD)
				n = NET_NB_PAYLOAD; /* a device's frame cap */
			fakenet_inject(data + off, n);
			off += n;
		}
		/* The device keeps nothing: what was sent is gone. */
		sent += fakenet_nsent;
		fakenet_clear();
	}
	/* FUZZ_STACK_VERBOSE=1: what the input did (seed writing). */
	if (getenv("FUZZ_STACK_VERBOSE")) {
		console_len = 0;
		net_stats_log();
		fprintf(stderr, "--- %lu frames sent\n%s", sent, console);
	}
	net_reset();
	fakenet_clear();
	FUZZ_CHECK(netbuf_avail() == netbuf_total());
	return 0;
}
