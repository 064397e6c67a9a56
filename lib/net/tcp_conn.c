/*
 * TCP connection table, listeners, TIME-WAIT, ISNs and ephemeral ports,
 * and the end of a connection (the deferred `closed` callback).
 *
 * The table is a hash of the 4-tuple (salted with a secret so a peer cannot
 * aim many tuples at one bucket) over the connection pool's structs
 * (tcp_pool.c; TCP_MAX_CONNS by default), TIME-WAIT ones included. TIME-WAIT
 * entries are on a list, oldest first; they expire lazily (when looked up, or
 * when a slot is wanted) so an idle image keeps no timer armed for them, and
 * when the table is full the oldest one is reused (DESIGN.md decision 4:
 * bounded, drop the oldest).
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>

#include <kiln/kiln.h>
#include <kiln/log.h>

#include "tcp_int.h"

struct tcp_stats tcp_stats;

static struct tcp_conn *buckets[TCP_HASH_SIZE];
static unsigned nconns;
static struct tcp_conn *tw_head, *tw_tail;
static struct tcp_listener *listeners;
/* Listeners come from here (accept == NULL: free), not from the heap. */
static struct tcp_listener listener_mem[TCP_MAX_LISTENERS];
static bool secret_ready;
static uint64_t isn_key[2];
static uint32_t hash_salt;
static uint64_t rnd_state;

static void closed_run(struct loop_defer *d, void *arg);

/* ---- randomness and RFC 6528 ISNs --------------------------------------- */

static void secret_init(void)
{
	uint64_t k[4];

	if (secret_ready)
		return;
	if (kiln_entropy(k, sizeof k) != 0) {
		/* No entropy: still distinct per boot via the clock. */
		k[0] = kiln_mono_ns() * 0x9e3779b97f4a7c15ull;
		k[1] = kiln_wall_ns() ^ 0xc2b2ae3d27d4eb4full;
		k[2] = k[0] ^ (k[1] << 1);
		k[3] = k[1] + 0x165667b19e3779f9ull;
	}
	isn_key[0] = k[0];
	isn_key[1] = k[1];
	hash_salt = (uint32_t)k[2] | 1u;
	rnd_state = k[3] | 1u;
	secret_ready = true;
}

uint32_t tcp_random32(void)
{
	uint32_t r;

	secret_init();
	if (kiln_entropy(&r, sizeof r) == 0)
		return r;
	/* xorshift64* as a fallback */
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return (uint32_t)((rnd_state * 0x2545f4914f6cdd1dull) >> 32);
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                               \
	do {                                                                   \
		v0 += v1;                                                      \
		v1 = ROTL(v1, 13);                                             \
		v1 ^= v0;                                                      \
		v0 = ROTL(v0, 32);                                             \
		v2 += v3;                                                      \
		v3 = ROTL(v3, 16);                                             \
		v3 ^= v2;                                                      \
		v0 += v3;                                                      \
		v3 = ROTL(v3, 21);                                             \
		v3 ^= v0;                                                      \
		v2 += v1;                                                      \
		v1 = ROTL(v1, 17);                                             \
		v1 ^= v2;                                                      \
		v2 = ROTL(v2, 32);                                             \
	} while (0)

/* SipHash-2-4 of two 64-bit words (16 bytes) under isn_key. */
static uint64_t siphash16(uint64_t m0, uint64_t m1)
{
	uint64_t v0 = isn_key[0] ^ 0x736f6d6570736575ull;
	uint64_t v1 = isn_key[1] ^ 0x646f72616e646f6dull;
	uint64_t v2 = isn_key[0] ^ 0x6c7967656e657261ull;
	uint64_t v3 = isn_key[1] ^ 0x7465646279746573ull;
	uint64_t m[3] = {m0, m1, (uint64_t)16 << 56};

	for (int i = 0; i < 3; i++) {
		v3 ^= m[i];
		SIPROUND;
		SIPROUND;
		v0 ^= m[i];
	}
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/*
 * RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a timer ticking every 4 microseconds, F a keyed hash, so
 * that sequence numbers of one tuple keep increasing across incarnations
 * while those of other tuples cannot be guessed.
 */
uint32_t tcp_isn(uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport)
{
	secret_init();
	uint64_t f = siphash16((uint64_t)lip << 32 | rip,
			       (uint64_t)lport << 16 | rport);
	return (uint32_t)f + (uint32_t)(kiln_mono_ns() / 4000);
}

/* ---- the table ------------------------------------------------------------
 */

static unsigned bucket_of(uint32_t lip, uint16_t lport, uint32_t rip,
			  uint16_t rport)
{
	uint32_t h = (rip ^ lip) * 0x9e3779b1u;
	h ^= ((uint32_t)rport << 16 | lport) * hash_salt;
	h ^= h >> 15;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return h & (TCP_HASH_SIZE - 1);
}

void tcp_conn_hash(struct tcp_conn *c)
{
	unsigned b = bucket_of(c->lip, c->lport, c->rip, c->rport);

	c->hnext = buckets[b];
	buckets[b] = c;
}

static void unhash(struct tcp_conn *c)
{
	unsigned b = bucket_of(c->lip, c->lport, c->rip, c->rport);

	for (struct tcp_conn **pp = &buckets[b]; *pp; pp = &(*pp)->hnext)
		if (*pp == c) {
			*pp = c->hnext;
			return;
		}
}

static void tw_unlink(struct tcp_conn *c)
{
	if (c->lprev)
		c->lprev->lnext = c->lnext;
	else if (tw_head == c)
		tw_head = c->lnext;
	if (c->lnext)
		c->lnext->lprev = c->lprev;
	else if (tw_tail == c)
		tw_tail = c->lprev;
	c->lnext = c->lprev = NULL;
}

/* Back to the pool: the appliance is done with it and so is the
 * protocol. */
static void conn_free(struct tcp_conn *c)
{
	if (c->state == TCP_TIME_WAIT)
		tw_unlink(c);
	if (c->listener)
		tcp_backlog_remove(c);
	unhash(c);
	tcp_timers_cancel(c);
	loop_defer_cancel(&c->closed_d);
	loop_defer_cancel(&c->resume_d);
	tcp_queues_free(c);
	nconns--;
	tcp_conn_release(c);
}

/* A TIME-WAIT entry past 2*MSL whose `closed` has run. */
static bool tw_expired(const struct tcp_conn *c)
{
	return c->state == TCP_TIME_WAIT && c->app_gone &&
	       loop_now() >= c->close_deadline;
}

struct tcp_conn *tcp_conn_lookup(uint32_t lip, uint16_t lport, uint32_t rip,
				 uint16_t rport)
{
	unsigned b = bucket_of(lip, lport, rip, rport);

	for (struct tcp_conn *c = buckets[b]; c; c = c->hnext)
		if (c->lport == lport && c->rport == rport && c->rip == rip &&
		    (c->lip == lip)) {
			if (tw_expired(c)) {
				conn_free(c);
				return NULL;
			}
			return c;
		}
	return NULL;
}

unsigned tcp_conn_count(void)
{
	return nconns;
}

struct tcp_conn *tcp_conn_new(void)
{
	secret_init();
	tcp_pools_ensure();
	/* Reclaim expired TIME-WAIT entries from the old end. */
	while (tw_head && tw_expired(tw_head))
		conn_free(tw_head);
	if (nconns >= tcp_pools.conns) {
		struct tcp_conn *o = tw_head;
		while (o && !o->app_gone)
			o = o->lnext;
		if (!o) {
			tcp_stats.table_full++;
			return NULL;
		}
		tcp_stats.timewait_reused++;
		conn_free(o);
	}
	struct tcp_conn *c = tcp_conn_alloc();
	if (!c) {
		tcp_stats.table_full++;
		return NULL;
	}
	nconns++;
	tcp_timers_init(c);
	loop_defer_init(&c->closed_d, closed_run, c);
	c->rto_ns = TCP_RTO_INIT;
	c->mss = TCP_DEFAULT_MSS;
	c->nodelay = true; /* tcp.h: coalescing is off by default */
	c->progress_ns = loop_now();
	c->last_rcv_ns = loop_now();
	return c;
}

/* ---- the end of a connection -------------------------------------------- */

void tcp_conn_finish(struct tcp_conn *c, enum tcp_close_reason why)
{
	if (c->finished)
		return;
	c->finished = true;
	c->why = why;
	if (c->state != TCP_TIME_WAIT)
		c->state = TCP_CLOSED;
	tcp_timers_cancel(c);
	loop_defer_cancel(&c->resume_d);
	if (c->listener)
		tcp_backlog_remove(c);
	tcp_stats.conns_closed++;
	/* The queues are freed in closed_run: a recv callback that aborted
	 * still holds a view of the buffer it was handed. */
	c->closed_q = true;
	loop_defer(&c->closed_d);
}

static void closed_run(struct loop_defer *d, void *arg)
{
	struct tcp_conn *c = arg;

	c->closed_q = false;
	if (c->accepted && c->cbs && c->cbs->closed)
		c->cbs->closed(c, c->why, c->arg);
	if (c->accepted)
		loop_unref();
	c->app_gone = true;
	c->cbs = NULL;
	if (c->state == TCP_TIME_WAIT) {
		tcp_queues_free(c);
		return;
	}
	conn_free(c);
}

void tcp_enter_timewait(struct tcp_conn *c)
{
	bool was_finished = c->finished;

	c->state = TCP_TIME_WAIT;
	c->close_deadline = loop_now() + TCP_TIMEWAIT_NS;
	tcp_timers_cancel(c);
	c->lprev = tw_tail;
	c->lnext = NULL;
	if (tw_tail)
		tw_tail->lnext = c;
	else
		tw_head = c;
	tw_tail = c;
	if (!was_finished)
		tcp_maybe_done(c);
}

void tcp_maybe_done(struct tcp_conn *c)
{
	if (c->finished)
		return;
	if (c->state != TCP_TIME_WAIT && c->state != TCP_CLOSED)
		return;
	if (c->closing || (c->eof_told && !c->rq_head) || !c->accepted)
		tcp_conn_finish(c, TCP_CLOSED_NORMAL);
}

/* ---- listeners ------------------------------------------------------------
 */

struct tcp_listener *tcp_listener_find(uint32_t ip, uint16_t port)
{
	struct tcp_listener *any = NULL;

	for (struct tcp_listener *l = listeners; l; l = l->next) {
		if (l->port != port)
			continue;
		if (l->ip == ip)
			return l;
		if (l->ip == 0)
			any = l;
	}
	return any;
}

void tcp_backlog_add(struct tcp_listener *l, struct tcp_conn *c)
{
	/* Drop-oldest bound on half-open connections: a SYN flood pushes
	 * out its own earlier SYNs, not established connections. */
	if (l->nhalf >= TCP_BACKLOG && l->half_head) {
		struct tcp_conn *old = l->half_head;
		tcp_stats.backlog_drops++;
		tcp_conn_finish(old, TCP_CLOSED_ERROR);
	}
	c->listener = l;
	c->lprev = l->half_tail;
	c->lnext = NULL;
	if (l->half_tail)
		l->half_tail->lnext = c;
	else
		l->half_head = c;
	l->half_tail = c;
	l->nhalf++;
}

void tcp_backlog_remove(struct tcp_conn *c)
{
	struct tcp_listener *l = c->listener;

	if (!l)
		return;
	if (c->lprev)
		c->lprev->lnext = c->lnext;
	else
		l->half_head = c->lnext;
	if (c->lnext)
		c->lnext->lprev = c->lprev;
	else
		l->half_tail = c->lprev;
	c->lnext = c->lprev = NULL;
	c->listener = NULL;
	l->nhalf--;
}

int tcp_listen(struct tcp_listener **out, const struct net_addr *local,
	       tcp_accept_fn accept, void *arg)
{
	unsigned n = 0;

	*out = NULL;
	if (!local || local->port == 0 || !accept)
		return -EINVAL;
	for (struct tcp_listener *l = listeners; l; l = l->next, n++)
		if (l->port == local->port &&
		    (l->ip == local->ip || l->ip == 0 || local->ip == 0))
			return -EADDRINUSE;
	struct tcp_listener *l = NULL;
	for (unsigned i = 0; i < TCP_MAX_LISTENERS && !l; i++)
		if (!listener_mem[i].accept)
			l = &listener_mem[i];
	if (n >= TCP_MAX_LISTENERS || !l)
		return -ENOSPC;
	memset(l, 0, sizeof *l);
	secret_init();
	l->ip = local->ip;
	l->port = local->port;
	l->accept = accept;
	l->arg = arg;
	l->next = listeners;
	listeners = l;
	loop_ref();
	*out = l;
	return 0;
}

/* tcp.h: a hint for stacks whose accept costs a system call; not ours. */
void tcp_listener_client_first(struct tcp_listener *l)
{
	(void)l;
}

void tcp_listener_close(struct tcp_listener *l)
{
	if (!l)
		return;
	for (struct tcp_listener **pp = &listeners; *pp; pp = &(*pp)->next)
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	/* Half-open connections die with it (RST: nobody will accept). */
	while (l->half_head) {
		struct tcp_conn *c = l->half_head;
		tcp_send_rst(c->lip, c->lport, c->rip, c->rport, c->snd_nxt, 0,
			     false);
		tcp_conn_finish(c, TCP_CLOSED_ABORTED);
	}
	loop_unref();
	l->accept = NULL;
}

/* ---- ephemeral ports ---------------------------------------------------- */

/*
 * RFC 6056 algorithm 1 in spirit: a random starting point in the dynamic
 * range, then the next port whose 4-tuple is free (and no listener's).
 */
uint16_t tcp_ephemeral_port(uint32_t lip, uint32_t rip, uint16_t rport)
{
	const unsigned n = TCP_EPHEMERAL_HI - TCP_EPHEMERAL_LO + 1;
	unsigned start = tcp_random32() % n;

	for (unsigned i = 0; i < n; i++) {
		uint16_t p = (uint16_t)(TCP_EPHEMERAL_LO + (start + i) % n);
		if (tcp_listener_find(lip, p))
			continue;
		if (!tcp_conn_lookup(lip, p, rip, rport))
			return p;
	}
	return 0;
}

/* net_reset's TCP part (tests, the fuzz harness): forget everything, no
 * callbacks. */
void tcp_reset(void)
{
	for (unsigned b = 0; b < TCP_HASH_SIZE; b++)
		while (buckets[b]) {
			struct tcp_conn *c = buckets[b];
			if (c->accepted && !c->app_gone)
				loop_unref();
			c->listener = NULL;
			conn_free(c);
		}
	while (listeners) {
		struct tcp_listener *l = listeners;
		listeners = l->next;
		loop_unref();
		l->accept = NULL;
	}
	tw_head = tw_tail = NULL;
	memset(&tcp_stats, 0, sizeof tcp_stats);
}

/* ---- statistics ------------------------------------------------------- */

#define ST(name)                                                               \
	{                                                                      \
#name, offsetof(struct tcp_stats, name)                        \
	}
static const struct {
	const char *name;
	size_t off;
} st_names[] = {
	ST(retransmits),     ST(rto_expiries),	 ST(fast_retransmits),
	ST(persist_probes),  ST(challenge_acks), ST(challenge_limited),
	ST(rst_sent),	     ST(rst_rcvd),	 ST(rst_ignored),
	ST(backlog_drops),   ST(table_full),	 ST(no_buffers),
	ST(timewait_reused), ST(drop_no_conn),	 ST(drop_bad_addr),
	ST(drop_bad_ack),    ST(drop_old),	 ST(drop_out_of_window),
	ST(drop_rcv_full),   ST(drop_syn_bad),	 ST(ooo_queued),
	ST(ooo_dropped),     ST(icmp_in),	 ST(icmp_ignored),
	ST(pmtu_lowered),    ST(dup_segs),	 ST(keepalive_probes),
	ST(timeouts),	     ST(snd_pool_empty), ST(drop_rcv_pool_low),
	ST(rack_lost),	     ST(loss_probes),	 ST(rescue_rtx),
	ST(sb_merges),	     ST(recoveries),	 ST(dsacks),
};

void tcp_stats_log(void)
{
	uint64_t v;

	log_info("tcp: segs %" PRIu64 "/%" PRIu64 " bytes %" PRIu64 "/%" PRIu64
		 " (in/out); connections %u now, %" PRIu64 " opened, %" PRIu64
		 " accepted, %" PRIu64 " closed",
		 tcp_stats.segs_in, tcp_stats.segs_out, tcp_stats.bytes_in,
		 tcp_stats.bytes_out, nconns, tcp_stats.conns_opened,
		 tcp_stats.conns_accepted, tcp_stats.conns_closed);
	log_info("tcp: pools: connections %u of %u in use; send chunks %u of "
		 "%u in use, at most %u",
		 tcp_pools.conns_used, tcp_pools.conns, tcp_pools.chunks_used,
		 tcp_pools.chunks, tcp_pools.chunks_peak);
	for (unsigned i = 0; i < sizeof st_names / sizeof st_names[0]; i++) {
		memcpy(&v, (const char *)&tcp_stats + st_names[i].off,
		       sizeof v);
		if (v)
			log_info("tcp: %s %" PRIu64, st_names[i].name, v);
	}
}
