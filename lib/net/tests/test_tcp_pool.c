/*
 * TCP's pools (tcp_pool.c) at their bounds, against a crafted peer
 * (test_tcp_peer.h), with pools made tiny: 4 connections, 3 send chunks,
 * at most 8 KiB a connection. A full connection pool refuses SYNs (no
 * answer) and tcp_connect, counted; an empty send pool cuts tcp_send
 * short (back-pressure, counted) and hands the chunks that come back to
 * the waiting connections in order, through `writable`; an acknowledged
 * connection holds no chunk; once the network buffers are down to their
 * reserve, received data is dropped (its ACK still counts); nothing
 * crashes.
 */
#include "test_tcp_peer.h"

#define NCONN 4

static uint8_t data[16384];
static struct tcp_conn *cs[NCONN];
static uint32_t isns[NCONN];
static int woke[8], nwoke;
static struct netbuf *hog[2048];
static int nhog;

static void pool_writable(struct tcp_conn *c, void *arg)
{
	if (nwoke < 8)
		woke[nwoke++] = (int)(intptr_t)arg;
}

static const struct tcp_callbacks pool_cbs = {
	.recv = on_recv,
	.eof = on_eof,
	.writable = pool_writable,
	.closed = on_closed,
};

/* The peer of connection i acknowledges n bytes of our data. */
static void ack_of(int i, uint32_t n)
{
	tp_pport = (uint16_t)(40000 + i);
	tp_seq = 1001;
	tp_data(isns[i] + 1 + n, NULL, 0);
}

static void script(struct loop_timer *t, void *arg)
{
	static struct tcp_listener *l;
	static struct net_addr la = {0, LPORT};
	static struct tcp_conn *out;
	static struct tcp_hdr h;
	static const struct tcp_pool_cfg tiny = {
		.conns = NCONN, .snd_bytes = 3 * TCP_CHUNK, .snd_max = 8192};
	static bool ok;
	static int i;

	SCRIPT_BEGIN
	tp_setup();
	CHECK("tiny pools set up after a reset",
	      tcp_pools_init(&tiny) == 0 && tcp_pools.conns == NCONN &&
		      tcp_pools.chunks == 3 && tcp_pools.snd_max == 8192);
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);

	/* ---- the connection pool ---------------------------------------- */
	for (ok = true, i = 0; i < NCONN; i++) {
		tp_pport = (uint16_t)(40000 + i);
		ok = ok && tp_handshake();
		cs[i] = conn;
		isns[i] = tp_isn;
		if (conn)
			tcp_set_callbacks(conn, &pool_cbs, (void *)(intptr_t)i);
	}
	CHECK("4 connections fill the pool",
	      ok && tcp_pools.conns_used == NCONN && tcp_conn_count() == NCONN);
	CHECK("pools busy: no resizing", tcp_pools_init(&tiny) == -EBUSY);
	tp_pport = 40100;
	tp_seq = 1000;
	fakenet_clear();
	tp_send(tp_seq, 0, TCP_FLAG_SYN, NULL, 0);
	CHECK("pool empty: a SYN is dropped, unanswered, counted",
	      tp_nsegs() == 0 && tcp_stats.table_full == 1);
	struct net_addr ra = {FAKENET_PEER, 9};
	CHECK("pool empty: tcp_connect refused, counted",
	      tcp_connect(&out, &ra, &cbs, NULL) == -ENOSPC && !out &&
		      tcp_stats.table_full == 2);

	/* ---- the send pool ------------------------------------------------
	 */
	CHECK("an idle connection holds no send chunk",
	      cs[0]->nchunks == 0 && tcp_pools.chunks_used == 0);
	CHECK("a send stops at the connection's own bound (8 KiB, 2 "
	      "chunks), not counted as the pool's",
	      tcp_send(cs[0], data, 10000) == 8192 && cs[0]->nchunks == 2 &&
		      tcp_stats.snd_pool_empty == 0);
	CHECK("the next takes the last chunk and is cut short: counted",
	      tcp_send(cs[1], data, 10000) == 4096 &&
		      tcp_stats.snd_pool_empty == 1 && cs[1]->pwait);
	CHECK("pool empty: a send takes nothing, room 0, no crash",
	      tcp_send(cs[2], data, 100) == 0 && tcp_send_room(cs[2]) == 0 &&
		      tcp_stats.snd_pool_empty == 2);
	CHECK("static references need no chunk",
	      tcp_send_static(cs[3], data, 100) == 100);
	net_tx_flush_now();
	nwoke = 0;
	ack_of(0, 4096);
	CHECK("an ACK of a whole chunk gives it back",
	      cs[0]->nchunks == 1 && tcp_pools.chunks_used == 2);
	CHECK("inside the ACK only its own connection hears writable",
	      nwoke == 1 && woke[0] == 0);
	WAIT(1);
	CHECK("after it, the waiters, in the order they waited: 1, then 2",
	      nwoke == 3 && woke[1] == 1 && woke[2] == 2 && !cs[1]->pwait &&
		      !cs[2]->pwait);
	CHECK("the woken one sends into the freed chunk",
	      tcp_send(cs[2], data, 5000) == 4096 &&
		      tcp_pools.chunks_used == 3);
	ack_of(0, 8192);
	CHECK("everything acknowledged: the connection holds no chunk",
	      cs[0]->nchunks == 0 && cs[0]->ring_len == 0 &&
		      tcp_pools.chunks_used == 2 && tcp_pools.chunks_peak == 3);
	CHECK("its room is what the pool has left: one chunk",
	      tcp_send_room(cs[0]) == 4096);

	/* ---- the receive reserve ------------------------------------------
	 */
	fakenet_clear();
	for (nhog = 0; !tcp_rcv_pool_low() && nhog < 2048; nhog++)
		hog[nhog] = netbuf_alloc();
	rcvd = 0;
	tp_pport = 40003;
	tp_seq = 1001;
	tp_data(isns[3] + 1 + 100, "hello", 5);
	CHECK("network buffers at their reserve: data dropped, counted, "
	      "its ACK still taken",
	      rcvd == 0 && tcp_stats.drop_rcv_pool_low == 1 &&
		      cs[3]->queued == 0);
	CHECK("and the answer asks for it again", tp_last(&h) && h.ack == 1001);
	for (i = 0; i < nhog; i++)
		netbuf_free(hog[i]);
	tp_seq = 1001;
	tp_data(isns[3] + 1 + 100, "hello", 5);
	CHECK("buffers back: the data is taken", rcvd == 5);

	for (i = 0; i < NCONN; i++)
		tcp_abort(cs[i]);
	WAIT(1);
	CHECK("aborted: every chunk and connection back in the pools",
	      tcp_pools.chunks_used == 0 && tcp_pools.conns_used == 0 &&
		      nclosed == NCONN);
	tp_pport = 40200;
	CHECK("a connection fits again", tp_handshake());
	tcp_abort(conn);
	tcp_listener_close(l);
	WAIT(1);
	net_reset();
	CHECK("back to the default pools",
	      tcp_pools_init(NULL) == 0 && tcp_pools.conns == TCP_MAX_CONNS &&
		      tcp_pools.snd_max == TCP_SND_BUF);
	loop_stop(0);
	SCRIPT_END
}

int main(void)
{
	return tp_main(script);
}
