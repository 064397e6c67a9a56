/*
 * TCP through the whole stack, connected to itself: the fake device
 * reflects every frame it is given (Ethernet and IPv4 source and
 * destination swapped, so 10.0.0.2:e -> 10.0.0.1:p comes back as
 * 10.0.0.1:e -> 10.0.0.2:p and meets our own listener on p), optionally
 * dropping and reordering with a seeded generator. The loop runs on the
 * fake clock (fakeplat.h), so retransmission timers take no real time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kiln/loop.h>
#include <kiln/tcp.h>

#include "fakenet.h"
#include "fakeplat.h"
#include "tcp_int.h"

/* ---- the reflecting device ------------------------------------------------
 */

static unsigned loss_pct, reorder_pct;
static uint64_t rng = 88172645463325252ull;
static struct netbuf *pend_head, *pend_tail, *held;
static struct loop_defer pump_d;
static struct loop_timer held_t;
static unsigned long frames, lost;

static unsigned rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

static void swap_bytes(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[6];
	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

static void deliver_one(struct netbuf *nb)
{
	nb->next = NULL;
	fakenet_nif.input(&fakenet_nif, nb, fakenet_nif.input_arg);
}

static void pump(struct loop_defer *d, void *arg)
{
	struct netbuf *chain = pend_head;

	pend_head = pend_tail = NULL;
	while (chain) {
		struct netbuf *nb = chain;
		chain = nb->next;
		deliver_one(nb);
	}
	net_tx_flush_now();
}

static void held_fire(struct loop_timer *t, void *arg)
{
	if (held) {
		struct netbuf *nb = held;
		held = NULL;
		deliver_one(nb);
		net_tx_flush_now();
	}
}

static unsigned reflect_send(struct netif *nif, struct netbuf *chain)
{
	unsigned n = 0;

	while (chain) {
		struct netbuf *nb = chain;
		chain = nb->next;
		nb->next = NULL;
		n++;
		frames++;
		if (nb->len < 34) {
			netbuf_free(nb);
			continue;
		}
		uint16_t type = (uint16_t)(nb->data[12] << 8 | nb->data[13]);
		if (type != 0x0800) {
			/* ARP (the cache refreshing its entry for the peer, in
			 * long runs): the peer answers. */
			uint8_t f[128];
			size_t fl = fakenet_arp(f, 2, &fakenet_peer_mac,
						FAKENET_PEER, FAKENET_US);
			struct mview m;
			netbuf_reset(nb);
			if (!netbuf_put(nb, fl, &m)) {
				netbuf_free(nb);
				continue;
			}
			memcpy(m.p, f, fl);
			goto queue;
		}
		swap_bytes(nb->data, nb->data + 6, 6);
		swap_bytes(nb->data + 26, nb->data + 30, 4);
		if (loss_pct && rnd(100) < loss_pct) {
			lost++;
			netbuf_free(nb);
			continue;
		}
		if (reorder_pct && !held && rnd(100) < reorder_pct) {
			held = nb; /* overtaken by what follows */
			loop_timer_arm_in(&held_t, 3 * TCP_MS);
			continue;
		}
	queue:
		if (pend_tail)
			pend_tail->next = nb;
		else
			pend_head = nb;
		pend_tail = nb;
	}
	loop_defer(&pump_d);
	return n;
}

static const struct netif_ops reflect_ops = {.send = reflect_send};

static void setup(void)
{
	uint8_t f[128];

	fakenet_setup(FAKENET_US, 24, 0, false);
	/* The peer asks for us: the ARP cache learns its MAC. */
	fakenet_inject(f, fakenet_arp(f, 1, &fakenet_peer_mac, FAKENET_PEER,
				      FAKENET_US));
	fakenet_clear();
	fakenet_nif.ops = &reflect_ops;
	loop_defer_init(&pump_d, pump, NULL);
	loop_timer_init(&held_t, held_fire, NULL);
}

/* Run the loop on the fake clock until done() or ms have passed. */
static struct loop_timer stop_t;
static bool (*stop_cond)(void);
static void stop_fire(struct loop_timer *t, void *arg)
{
	loop_stop(1);
}
static void wait_hook(uint64_t deadline)
{
	if (stop_cond && stop_cond())
		loop_stop(0);
}

static int run_for(uint64_t ms, bool (*done)(void))
{
	loop_timer_init(&stop_t, stop_fire, NULL);
	loop_timer_arm_in(&stop_t, ms * TCP_MS);
	stop_cond = done;
	fake_wait_hook = wait_hook;
	int r = loop_run(0);
	loop_timer_cancel(&stop_t);
	fake_wait_hook = NULL;
	return r;
}

/* ---- a bulk transfer ---------------------------------------------------- */

#define BULK (1u << 20)
static uint8_t *src_data; /* the stream is these bytes, repeated */
static size_t total_n;	  /* bytes to transfer */
static size_t sent_n, rcvd_n;
static bool bad; /* a received byte differs */
static int closed_a, closed_b;
static enum tcp_close_reason why_a, why_b;
static bool connected_a, eof_b;
static struct tcp_conn *ca, *cb;

static void fill(struct tcp_conn *c)
{
	while (sent_n < total_n) {
		size_t at = sent_n % BULK;
		size_t chunk = BULK - at;
		if (chunk > total_n - sent_n)
			chunk = total_n - sent_n;
		if (chunk > 7000)
			chunk = 7000;
		ssize_t n = tcp_send(c, src_data + at, chunk);
		if (n <= 0)
			return;
		sent_n += (size_t)n;
	}
	tcp_close(c);
}

static void a_connected(struct tcp_conn *c, void *arg)
{
	connected_a = true;
	fill(c);
}
static void a_writable(struct tcp_conn *c, void *arg)
{
	fill(c);
}
static size_t a_recv(struct tcp_conn *c, struct view v, void *arg)
{
	return v.len;
}
static uint64_t t_end; /* when the second `closed` came */
static void a_closed(struct tcp_conn *c, enum tcp_close_reason why, void *arg)
{
	t_end = loop_now();
	closed_a++;
	why_a = why;
}
static const struct tcp_callbacks a_cbs = {
	.connected = a_connected,
	.recv = a_recv,
	.writable = a_writable,
	.closed = a_closed,
};

static unsigned pause_every;
static size_t b_recv(struct tcp_conn *c, struct view v, void *arg)
{
	size_t n = v.len;
	/* Sometimes take only part, and resume later: back-pressure. */
	if (pause_every && rnd(pause_every) == 0 && n > 1) {
		n /= 2;
		tcp_recv_resume(c);
	}
	for (size_t k = 0; k < n;) {
		size_t at = (rcvd_n + k) % BULK;
		size_t m = BULK - at < n - k ? BULK - at : n - k;
		if (rcvd_n + k + m > total_n ||
		    memcmp(src_data + at, v.p + k, m) != 0)
			bad = true;
		k += m;
	}
	rcvd_n += n;
	return n;
}
static void b_eof(struct tcp_conn *c, void *arg)
{
	eof_b = true;
	tcp_close(c);
}
static void b_closed(struct tcp_conn *c, enum tcp_close_reason why, void *arg)
{
	t_end = loop_now();
	closed_b++;
	why_b = why;
}
static const struct tcp_callbacks b_cbs = {
	.recv = b_recv,
	.eof = b_eof,
	.closed = b_closed,
};
static void b_accept(struct tcp_listener *l, struct tcp_conn *c, void *arg)
{
	cb = c;
	tcp_set_callbacks(c, &b_cbs, NULL);
}

static bool both_closed(void)
{
	return closed_a && closed_b;
}

static void bulk(const char *name, size_t total, unsigned loss,
		 unsigned reorder, unsigned pause)
{
	struct tcp_listener *l;
	struct net_addr la = {0, 8080}, ra = {FAKENET_PEER, 8080};
	char buf[160];

	setup();
	loss_pct = loss;
	reorder_pct = reorder;
	pause_every = pause;
	total_n = total;
	sent_n = rcvd_n = 0;
	bad = false;
	frames = lost = 0;
	closed_a = closed_b = 0;
	connected_a = eof_b = false;
	for (size_t i = 0; i < BULK; i++)
		src_data[i] = (uint8_t)(rnd(256));
	CHECK("listen", tcp_listen(&l, &la, b_accept, NULL) == 0);
	CHECK("connect", tcp_connect(&ca, &ra, &a_cbs, NULL) == 0);
	tcp_set_callbacks(ca, &a_cbs, NULL);
	uint64_t t0 = loop_now();
	struct timespec w0, w1;
	clock_gettime(CLOCK_MONOTONIC, &w0);
	run_for(600000, both_closed);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	double wall = (double)(w1.tv_sec - w0.tv_sec) +
		      (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
	snprintf(buf, sizeof buf, "%s: connected", name);
	CHECK(buf, connected_a);
	snprintf(buf, sizeof buf, "%s: all %zu bytes arrived (got %zu)", name,
		 total_n, rcvd_n);
	CHECK(buf, rcvd_n == total_n);
	snprintf(buf, sizeof buf, "%s: intact", name);
	CHECK(buf, !bad);
	snprintf(buf, sizeof buf, "%s: eof, both closed normally", name);
	CHECK(buf, eof_b && closed_a == 1 && closed_b == 1 &&
			   why_a == TCP_CLOSED_NORMAL &&
			   why_b == TCP_CLOSED_NORMAL);
	printf("# %s: %.0f ms on the fake clock, %.3f s wall (%.0f Mbit/s), "
	       "frames %lu lost %lu rexmit %llu fastrexmit %llu "
	       "rto %llu ooo %llu\n",
	       name, (double)(t_end - t0) / 1e6, wall,
	       (double)rcvd_n * 8 / wall / 1e6, frames, lost,
	       (unsigned long long)tcp_stats.retransmits,
	       (unsigned long long)tcp_stats.fast_retransmits,
	       (unsigned long long)tcp_stats.rto_expiries,
	       (unsigned long long)tcp_stats.ooo_queued);
	if (loss == 0 && reorder == 0) {
		/* A clean link: not one retransmission (a lost last ACK of
		 * the close used to cost an RTO here). */
		snprintf(buf, sizeof buf, "%s: no retransmission", name);
		CHECK(buf, tcp_stats.retransmits == 0 &&
				   tcp_stats.rto_expiries == 0);
	}
	tcp_listener_close(l);
	loss_pct = reorder_pct = 0;
	run_for(10, NULL);
}

int main(void)
{
	const char *mb = getenv("TCP_LOOP_MB");

	src_data = malloc(BULK);
	if (mb) { /* a benchmark: one clean transfer of that many MB */
		bulk("clean (TCP_LOOP_MB)", (size_t)atoi(mb) * BULK, 0, 0, 0);
		free(src_data);
		net_reset();
		return fake_done();
	}
	bulk("clean 1 MB", BULK, 0, 0, 0);
	bulk("1 MB, 3% loss, 3% reorder", BULK, 3, 3, 0);
	bulk("1 MB, 10% loss, 5% reorder, paused reader", BULK, 10, 5, 50);
	bulk("4 MB, 10% loss", 4 * BULK, 10, 0, 0);
	free(src_data);
	net_reset();
	return fake_done();
}
