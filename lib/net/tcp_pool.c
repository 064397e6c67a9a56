/*
 * TCP's memory: the connection pool and the send pool, each allocated
 * once when the stack starts (net_attach, from the image's keys) and never
 * again, so that nothing in the stack asks for memory after start-up
 * (DESIGN.md decisions 3, 4 and 6: posix-direct's seal forbids brk and
 * mmap; kvm's guest has the heap it booted with and no more).
 *
 * Connections: an array of struct tcp_conn threaded on a free list. The
 * table bound (tcp_conn.c) is the pool's size; a SYN or a tcp_connect that
 * finds it empty (and no TIME-WAIT entry to reuse) is refused and counted
 * (tcp_stats.table_full).
 *
 * Send buffers: chunks of TCP_CHUNK bytes (a page) shared by every
 * connection. A connection takes chunks as its copied send queue grows, at
 * most snd_max bytes' worth, and gives each back as soon as the peer has
 * acknowledged all of it; an idle connection holds none. When the pool is
 * empty tcp_send takes what fits in the chunks the connection already has
 * and returns short (tcp.h's back-pressure; tcp_stats.snd_pool_empty);
 * the connection waits on a FIFO, and chunks given back wake the waiters
 * (their `writable` callback) from a loop_defer, after the ACK that freed
 * them has been handled.
 *
 * Receive buffers are the stack's network buffers (netbuf.h, sized by the
 * key `netbufs`); a connection holds at most TCP_RCV_NBUFS_HARD, and once
 * the pool is down to its reserve received data is dropped, not queued
 * (tcp_rcv_pool_low, counted drop_rcv_pool_low).
 *
 * Sizes (keys, built in for images with a net device; 0 = auto):
 *   tcp_conns    connections, TIME-WAIT included (auto: TCP_MAX_CONNS, or
 *                what half the binding's memory budget holds)
 *   tcp_sndpool  bytes in the send pool (auto: TCP_SNDPOOL_DEFAULT, or the
 *                other half of the budget)
 *   tcp_sndbuf   copied send bytes one connection may hold (TCP_SND_BUF)
 *   tcp_initcwnd the initial congestion window in segments (tcp_cc.c)
 * A binding with little memory (kvm) gives a budget (net_set_pool_memory)
 * before net_attach; the posix targets leave it at 0: their pools are
 * virtual memory that the host only backs as pages are first touched.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/config.h>
#include <kiln/log.h>
#include <kiln/netif.h>

#include "tcp_int.h"

struct tcp_pools tcp_pools;

static size_t budget; /* net_set_pool_memory; 0: none given */
static struct tcp_conn *conn_mem, *conn_free;
static unsigned conn_fresh; /* conn_mem[conn_fresh..] never handed out */
static uint8_t *chunk_mem;
static uint16_t *chunk_next; /* free list links, by chunk number */
static unsigned chunk_free = TCP_CHUNK_NONE;
static struct tcp_conn *wait_head, *wait_tail;
static struct loop_defer wake_d;

static void wake_run(struct loop_defer *d, void *arg);

void net_set_pool_memory(size_t bytes)
{
	budget = bytes;
}

/* The auto sizes: from the budget when there is one, else the defaults. */
static void auto_sizes(struct tcp_pool_cfg *c)
{
	if (!budget) {
		if (!c->conns)
			c->conns = TCP_MAX_CONNS;
		if (!c->snd_bytes)
			c->snd_bytes = TCP_SNDPOOL_DEFAULT;
		return;
	}
	/* Half for connections, half for send chunks: echo-like traffic
	 * holds about a chunk per busy connection, and a struct is 2 KiB. */
	if (!c->conns) {
		size_t n = budget / 2 / sizeof(struct tcp_conn);
		c->conns = n < TCP_MIN_CONNS   ? TCP_MIN_CONNS
			   : n > TCP_MAX_CONNS ? TCP_MAX_CONNS
					       : (unsigned)n;
	}
	if (!c->snd_bytes) {
		size_t used = (size_t)c->conns * sizeof(struct tcp_conn);
		size_t left = budget > used ? budget - used : 0;
		c->snd_bytes = left < TCP_MIN_CHUNKS * TCP_CHUNK
				       ? TCP_MIN_CHUNKS * TCP_CHUNK
				       : left;
	}
}

static void pools_free(void)
{
	free(conn_mem);
	free(chunk_mem);
	free(chunk_next);
	conn_mem = conn_free = NULL;
	conn_fresh = 0;
	chunk_mem = NULL;
	chunk_next = NULL;
	chunk_free = TCP_CHUNK_NONE;
	wait_head = wait_tail = NULL;
	loop_defer_cancel(&wake_d);
	memset(&tcp_pools, 0, sizeof tcp_pools);
}

int tcp_pools_init(const struct tcp_pool_cfg *cfg)
{
	struct tcp_pool_cfg c = cfg ? *cfg : (struct tcp_pool_cfg){0};
	size_t nchunks;

	if (tcp_pools.ready && (tcp_pools.conns_used || tcp_pools.chunks_used))
		return -EBUSY;
	pools_free();
	auto_sizes(&c);
	if (!c.snd_max)
		c.snd_max = TCP_SND_BUF;
	c.snd_max = (c.snd_max + TCP_CHUNK - 1) / TCP_CHUNK * TCP_CHUNK;
	nchunks = c.snd_bytes / TCP_CHUNK;
	if (c.conns > TCP_MAX_CONNS_LIMIT || c.snd_max > TCP_SND_MAX ||
	    nchunks == 0 || nchunks >= TCP_CHUNK_NONE)
		return -EINVAL;
	conn_mem = calloc(c.conns, sizeof *conn_mem);
	chunk_mem = aligned_alloc(TCP_CHUNK, nchunks * TCP_CHUNK);
	chunk_next = calloc(nchunks, sizeof *chunk_next);
	if (!conn_mem || !chunk_mem || !chunk_next) {
		pools_free();
		return -ENOMEM;
	}
	/* Connections are handed out fresh in address order, and what comes
	 * back is reused first: the pages in use stay few and warm, and on a
	 * VM (where each first touch of a page costs an exit) the pool's
	 * untouched tail costs nothing; so are the chunks. */
	for (size_t i = nchunks; i-- > 0;) {
		chunk_next[i] = (uint16_t)chunk_free;
		chunk_free = (unsigned)i;
	}
	loop_defer_init(&wake_d, wake_run, NULL);
	tcp_pools.conns = c.conns;
	tcp_pools.chunks = (unsigned)nchunks;
	tcp_pools.snd_max = c.snd_max;
	tcp_pools.ready = true;
	return 0;
}

void tcp_pools_ensure(void)
{
	if (!tcp_pools.ready && tcp_pools_init(NULL) < 0)
		kiln_panic("tcp: no memory for the default pools (%u "
			   "connections, %u bytes of send buffers)",
			   TCP_MAX_CONNS, TCP_SNDPOOL_DEFAULT);
}

/* A key's value when the image has it and it is not 0 (auto). */
static uint64_t key_or_zero(const char *key, uint64_t max, int *err)
{
	int64_t v;

	if (!cfg_has(key))
		return 0;
	v = cfg_int(key);
	if (v < 0 || (uint64_t)v > max) {
		log_error("tcp: key %s=%lld: expected 0 (auto) to %llu", key,
			  (long long)v, (unsigned long long)max);
		*err = -EINVAL;
		return 0;
	}
	return (uint64_t)v;
}

int tcp_pools_from_keys(void)
{
	struct tcp_pool_cfg c = {0};
	int err = 0, r;

	/* Not a size: read even when the pools were set up already. */
	tcp_init_cwnd =
		(uint32_t)key_or_zero("tcp_initcwnd", TCP_INIT_CWND_MAX, &err);
	if (err)
		return err;
	if (tcp_init_cwnd && tcp_init_cwnd != TCP_INIT_CWND_SEGS)
		log_info("tcp: initial window %u segments (key tcp_initcwnd)",
			 tcp_init_cwnd);
	/* Several net devices share one stack and its pools. */
	if (tcp_pools.ready)
		return 0;

	c.conns = (unsigned)key_or_zero("tcp_conns", TCP_MAX_CONNS_LIMIT, &err);
	c.snd_bytes = (size_t)key_or_zero(
		"tcp_sndpool", (uint64_t)(TCP_CHUNK_NONE - 1) * TCP_CHUNK,
		&err);
	c.snd_max = (uint32_t)key_or_zero("tcp_sndbuf", TCP_SND_MAX, &err);
	if (err)
		return err;
	r = tcp_pools_init(&c);
	if (r == -ENOMEM)
		log_error("tcp: no memory for %u connections and %u send "
			  "chunks (keys tcp_conns, tcp_sndpool)",
			  tcp_pools.conns, tcp_pools.chunks);
	else if (r == 0)
		log_info("tcp: pools: %u connections (%zu bytes each), %u send "
			 "chunks of %u bytes, at most %u bytes a connection",
			 tcp_pools.conns, sizeof(struct tcp_conn),
			 tcp_pools.chunks, TCP_CHUNK, tcp_pools.snd_max);
	return r;
}

/* ---- connections --------------------------------------------------------- */

struct tcp_conn *tcp_conn_alloc(void)
{
	struct tcp_conn *c;

	tcp_pools_ensure();
	c = conn_free;
	if (c)
		conn_free = c->hnext;
	else if (conn_fresh < tcp_pools.conns)
		c = &conn_mem[conn_fresh++];
	else
		return NULL;
	memset(c, 0, sizeof *c);
	tcp_pools.conns_used++;
	return c;
}

void tcp_conn_release(struct tcp_conn *c)
{
	tcp_chunk_unwait(c);
	c->hnext = conn_free;
	conn_free = c;
	tcp_pools.conns_used--;
}

/* ---- receive buffers ----------------------------------------------------- */

static unsigned rcv_reserve(void)
{
	unsigned reserve = netbuf_total() / 8;

	return reserve < 4 ? 4 : reserve;
}

bool tcp_rcv_pool_low(void)
{
	return netbuf_avail() < rcv_reserve();
}

unsigned tcp_rcv_pool_room(void)
{
	unsigned avail = netbuf_avail(), reserve = rcv_reserve();

	return avail > reserve ? avail - reserve : 0;
}

/* ---- send chunks --------------------------------------------------------- */

uint8_t *tcp_chunk_mem(unsigned n)
{
	return chunk_mem + (size_t)n * TCP_CHUNK;
}

unsigned tcp_chunk_get(void)
{
	unsigned n = chunk_free;

	if (n == TCP_CHUNK_NONE)
		return n;
	chunk_free = chunk_next[n];
	tcp_pools.chunks_used++;
	if (tcp_pools.chunks_used > tcp_pools.chunks_peak)
		tcp_pools.chunks_peak = tcp_pools.chunks_used;
	return n;
}

void tcp_chunk_put(unsigned n)
{
	chunk_next[n] = (uint16_t)chunk_free;
	chunk_free = n;
	tcp_pools.chunks_used--;
	if (wait_head)
		loop_defer(&wake_d);
}

unsigned tcp_chunks_free(void)
{
	return tcp_pools.chunks - tcp_pools.chunks_used;
}

void tcp_chunk_wait(struct tcp_conn *c)
{
	if (c->pwait)
		return;
	c->pwait = true;
	c->pw_next = NULL;
	c->pw_prev = wait_tail;
	if (wait_tail)
		wait_tail->pw_next = c;
	else
		wait_head = c;
	wait_tail = c;
}

void tcp_chunk_unwait(struct tcp_conn *c)
{
	if (!c->pwait)
		return;
	if (c->pw_prev)
		c->pw_prev->pw_next = c->pw_next;
	else
		wait_head = c->pw_next;
	if (c->pw_next)
		c->pw_next->pw_prev = c->pw_prev;
	else
		wait_tail = c->pw_prev;
	c->pw_next = c->pw_prev = NULL;
	c->pwait = false;
}

/*
 * Chunks came back: offer them to the waiters, oldest first, while any
 * are free. Only those waiting when this started are woken (a writable
 * callback that runs the pool dry again queues its connection anew, at
 * the tail, for the next round).
 */
static void wake_run(struct loop_defer *d, void *arg)
{
	struct tcp_conn *last = wait_tail;

	(void)d, (void)arg;
	while (wait_head && tcp_chunks_free() > 0) {
		struct tcp_conn *c = wait_head;
		bool end = c == last;
		tcp_chunk_unwait(c);
		tcp_notify_writable(c);
		if (end)
			break;
	}
}
