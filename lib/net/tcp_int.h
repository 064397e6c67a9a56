/*
 * Kiln's TCP (RFC 9293), internal to lib/net: the connection struct and
 * how the tcp_*.c files divide the work.
 *
 *   tcp_conn.c   connection table (hash of the 4-tuple, bounded), listeners,
 *                TIME-WAIT list, ISNs (RFC 6528), ephemeral ports, the end
 *                of a connection (the deferred `closed`), counters
 *   tcp_in.c     tcp_input: the segment arrival rules of RFC 9293 3.10.7
 *                for synchronized states, RFC 5961 checks; tcp_icmp_error
 *   tcp_hs.c     the handshake: SYNs to listeners, SYN-SENT, options
 *   tcp_reasm.c  receive queues: in order (rq) and out of order (ooo)
 *   tcp_sack.c   SACK (RFC 2018): our blocks; the sender's scoreboard of
 *                what is in flight, SACKed or lost (RFC 6675)
 *   tcp_rack.c   loss detection by time with SACK (RACK, RFC 8985), the
 *                tail loss probe (TLP), RTT samples from the scoreboard
 *   tcp_out.c    building and sending segments: data, SYN, FIN, ACK, RST,
 *                window updates, zero-window probes (with SACK, lost runs
 *                first: tcp_sack.c)
 *   tcp_timer.c  retransmission (RFC 6298, restarted lazily), persist,
 *                delayed ACK and the end-of-batch ACK, keep-alive, close
 *                timeout, the deferred rest of a burst (TCP_TX_BURST)
 *   tcp_cc.c     congestion control: slow start, congestion avoidance;
 *                without SACK fast retransmit and NewReno recovery (RFC
 *                5681, RFC 6582), limited transmit (RFC 3042), early
 *                retransmit (RFC 5827); with SACK, recovery entered on
 *                RACK's losses and paced by PRR (RFC 6937)
 *   tcp_api.c    include/kiln/tcp.h: send buffer, receive delivery, closing
 *   tcp_pool.c   the connection and send-chunk pools, sized at start
 *
 * Buffers. Receive: in-order payload stays in the netbuf it arrived in
 * (nb->data/len trimmed to the unconsumed payload), queued on rq; the
 * advertised window is what is left of TCP_RCV_BUF bytes and TCP_RCV_NBUFS
 * buffers (small segments are appended into the tail buffer's tailroom so a
 * peer sending tiny segments cannot exhaust the buffer count; any segment
 * that fits is, once half the buffers are held). Out-of-order
 * segments wait on the `ooo` list, sorted by sequence number (nb->user holds
 * the sequence number of nb->data[0]), sharing the same bound.
 *
 * Send: a queue of at most TCP_SND_SEGS pieces, each either bytes copied
 * into the connection's ring of send-pool chunks (p == NULL; at most
 * tcp_pools.snd_max bytes, chunks taken and given back as the copied bytes
 * come and go, tcp_pool.c) or a reference to
 * image-lifetime bytes (tcp_send_static). The queue starts at snd_una:
 * byte k of the queue has sequence number snd_una + k. Segments are built
 * by copying from there into a fresh netbuf behind the headers; an ACK
 * pops the acknowledged bytes off the front.
 *
 * ACKs. In-order data is acknowledged every second segment, but at the end
 * of the loop pass (tcp_ack_soon), so a batch of frames from the device
 * draws one ACK; a lone segment waits TCP_DACK_NS; out-of-order data,
 * a filled gap, or data outside the window are acknowledged at once (with
 * SACK blocks when negotiated). A segment we send carries the ACK and
 * cancels both. Measured against an ACK at once every second segment
 * (posix-direct, 2026-11-27, interleaved runs): echoload bulk echo 146-172
 * against 122-142 MB/s, socat 100 MB each way 0.50-0.58 against 0.73 s,
 * bench/net.sh sink 5.6 against 2.6-2.7 Gbit/s, source 2.7-2.8 against
 * 2.2-2.6 Gbit/s: the batch ACK is better in every direction.
 *
 * Lifetime. A connection lives in the table from SYN to CLOSED. Its end
 * for the appliance (tcp_conn_finish) queues the `closed` callback (a
 * loop_defer, so never from inside an appliance call); the struct goes back
 * to the pool (tcp_pool.c) once the protocol no longer needs it either: at
 * once after `closed` for CLOSED, after 2*MSL for TIME-WAIT (or earlier
 * when the table is full and it is the oldest TIME-WAIT entry).
 */
#ifndef KILN_NET_TCP_INT_H
#define KILN_NET_TCP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <kiln/loop.h>
#include <kiln/netbuf.h>
#include <kiln/tcp.h>

#include "stack.h"
#include "tcp_wire.h"

/* ---- bounds and constants --------------------------------------------- */

#define TCP_MAX_CONNS	  1024u /* connection table, TIME-WAIT included */
#define TCP_HASH_SIZE	  1024u /* buckets (power of two) */
#define TCP_MAX_LISTENERS 64u	/* listening sockets */
/* Half-open connections per listener (drop-oldest beyond): above what a
 * burst of connects from one client brings (posix_direct.t: 200 at once;
 * at 128 the first SYNs were pushed out before their handshake ACKs came). */
#define TCP_BACKLOG	   256u
#define TCP_SND_BUF	   (64u * 1024) /* copied send bytes per connection */
#define TCP_SND_SEGS	   64u /* send queue pieces (bounds static refs) */
#define TCP_RCV_BUF	   (256u * 1024) /* receive window, bytes */
#define TCP_RCV_NBUFS	   192u /* netbufs held per connection (rq + ooo) */
#define TCP_WSCALE	   7u	/* window shift we offer (RFC 7323 2.2) */
#define TCP_DEFAULT_MSS	   536u /* without the option (RFC 9293 3.7.1) */
#define TCP_MIN_MSS	   88u	/* floor for PMTUD-lowered MSS */
#define TCP_INIT_CWND_SEGS 10u	/* RFC 6928; the key tcp_initcwnd's default */
#define TCP_INIT_CWND_MAX  256u /* the most tcp_initcwnd may be */
#define TCP_SACK_RUNS	   8u	/* out-of-order runs our SACK blocks name */
/*
 * Sender scoreboard entries (tcp_sack.c): runs of sequence space with one
 * state and one send time. A flight of TCP_SND_BUF (45 segments) at 10%
 * loss uses about a dozen; when full, neighbours are merged (see there).
 */
#define TCP_SB_MAX 32u

/*
 * The pools (tcp_pool.c). TCP_MAX_CONNS and TCP_SND_BUF above are the
 * defaults of the keys tcp_conns and tcp_sndbuf; the copied send bytes live
 * in chunks of a send pool shared by every connection, TCP_SNDPOOL_DEFAULT
 * bytes unless the key tcp_sndpool or the binding's budget says otherwise.
 */
#define TCP_MIN_CONNS	    16u
#define TCP_MAX_CONNS_LIMIT 65536u
#define TCP_SND_MAX	    (256u * 1024) /* the most tcp_sndbuf may be */
#define TCP_CHUNK	    4096u
#define TCP_SND_CHUNKS_MAX  (TCP_SND_MAX / TCP_CHUNK + 1) /* +1: ring_head */
#define TCP_SNDPOOL_DEFAULT (16u * 1024 * 1024)
#define TCP_MIN_CHUNKS	    8u
/*
 * Segments one tcp_output call sends (a transmit batch, NET_TX_BATCH);
 * the rest follows from a loop_defer, after the loop has read the device.
 * Unbounded, a large peer window and a cwnd that never saw loss sent
 * 11,000 segments (16 MB) in one call: the tap's queue overflowed and the
 * peer's FINs, RSTs and ACKs waited behind the burst.
 */
#define TCP_TX_BURST 64u

#define TCP_MS 1000000ull /* ns */
#define TCP_S  1000000000ull
/*
 * RFC 6298 2.4 asks for a 1 s minimum RTO; like Linux we use 200 ms: the
 * 1 s floor dates from coarse clocks, and with our fine clock it only
 * slows recovery on short paths (a tap, a LAN).
 */
#define TCP_RTO_MIN	     (200 * TCP_MS)
#define TCP_RTO_MAX	     (60 * TCP_S)
#define TCP_RTO_INIT	     (1 * TCP_S) /* RFC 6298 2.1 */
#define TCP_MAX_RETRIES	     15u /* data retransmissions before TIMEOUT */
#define TCP_SYN_RETRIES	     6u	 /* SYN / SYN-ACK retransmissions */
#define TCP_GIVEUP_NS	     (120 * TCP_S) /* or this long without progress */
#define TCP_DACK_NS	     (40 * TCP_MS) /* delayed ACK (RFC 1122 4.2.3.2) */
#define TCP_MSL_NS	     (30 * TCP_S)
#define TCP_TIMEWAIT_NS	     (2 * TCP_MSL_NS)
#define TCP_CLOSE_TIMEOUT_NS (60 * TCP_S) /* tcp_close without progress */
#define TCP_PERSIST_MIN	     (200 * TCP_MS)
#define TCP_PERSIST_MAX	     (60 * TCP_S)
#define TCP_KA_INTERVAL	     (75 * TCP_S) /* between keep-alive probes */
#define TCP_KA_PROBES	     9u
#define TCP_CHALLENGE_PER_S  100u /* challenge ACKs per second (RFC 5961 7) */
#define TCP_EPHEMERAL_LO     49152u
#define TCP_EPHEMERAL_HI     65535u

enum tcp_state {
	TCP_CLOSED = 0,
	TCP_LISTEN, /* listeners only */
	TCP_SYN_SENT,
	TCP_SYN_RECEIVED,
	TCP_ESTABLISHED,
	TCP_FIN_WAIT_1,
	TCP_FIN_WAIT_2,
	TCP_CLOSE_WAIT,
	TCP_CLOSING,
	TCP_LAST_ACK,
	TCP_TIME_WAIT,
};

/* Sequence-space comparisons (RFC 9293 3.4), modulo 2^32. */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool seq_le(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}
static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}
static inline bool seq_ge(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

/* Drop n bytes from the front of nb (all of them when it is shorter). */
static inline void tcp_nb_skip(struct netbuf *nb, uint32_t n)
{
	if (!netbuf_pull(nb, n))
		netbuf_trim(nb, 0);
}

/*
 * Receiver SWS avoidance threshold (RFC 1122 4.2.3.3): min(half the
 * buffer, one MSS); with our buffer sizes that is the MSS.
 */
#define TCP_SWS_THRESH(c) ((uint32_t)(c)->rcv_mss)

/*
 * One run of the sender's scoreboard (tcp_sack.c): [left, right) of
 * sequence space (data, and the FIN), last sent at xmit (microseconds).
 * In flight unless SACKED or LOST.
 */
struct tcp_sbe {
	uint32_t left, right;
	uint32_t xmit;
	uint8_t flags;
};
#define TCP_SBE_SACKED 1u /* the peer holds it */
#define TCP_SBE_LOST   2u /* deemed lost and not sent since */
#define TCP_SBE_RTX    4u /* sent more than once (Karn: no RTT sample) */

/* One piece of the send queue. */
struct tcp_sseg {
	const uint8_t *p; /* NULL: the next len bytes of the copy ring */
	uint32_t len;
};

struct tcp_listener {
	struct tcp_listener *next;
	uint32_t ip; /* 0 = any */
	uint16_t port;
	tcp_accept_fn accept;
	void *arg;
	unsigned nhalf;				/* half-open connections */
	struct tcp_conn *half_head, *half_tail; /* oldest first */
};

enum tcp_rtx_mode {
	TCP_RTX_NONE = 0,
	TCP_RTX_RETRANSMIT, /* RTO for unacknowledged data, SYN or FIN */
	TCP_RTX_PERSIST,    /* zero-window probe */
};

struct tcp_conn {
	/* table */
	struct tcp_conn *hnext;		/* hash chain */
	struct tcp_conn *lnext, *lprev; /* TIME-WAIT list or backlog */
	struct tcp_listener *listener;	/* while half-open (SYN-RECEIVED) */
	uint32_t lip, rip;
	uint16_t lport, rport;
	enum tcp_state state;

	/* the appliance's side */
	const struct tcp_callbacks *cbs;
	void *arg;
	enum tcp_close_reason why;
	bool finished; /* tcp_conn_finish ran: no more callbacks */
	bool closed_q; /* `closed` queued, not yet run */
	bool app_gone; /* `closed` delivered: only the protocol remains */
	bool closing;  /* tcp_close: no more recv / eof */
	bool shut_req; /* FIN after the queue (tcp_shutdown) */
	bool fin_sent; /* our FIN has a sequence number (fin_seq) */
	bool fin_rcvd; /* the peer's FIN is in sequence (rcv_nxt past it) */
	bool eof_told; /* eof delivered (or skipped by tcp_close) */
	bool paused;   /* recv left bytes; waiting for tcp_recv_resume */
	bool in_recv;  /* inside a recv callback of this connection */
	bool want_writable;
	bool nodelay;
	bool accepted; /* the appliance has seen it */

	/* send sequence space (RFC 9293 3.3.1) */
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wl1, snd_wl2, fin_seq;
	uint32_t snd_wnd;     /* scaled */
	uint32_t max_snd_wnd; /* largest window the peer offered (RFC 5961 5.2)
			       */
	uint8_t snd_ws, rcv_ws; /* shifts: the peer's and ours (0 if none) */
	bool ws_ok;		/* both offered window scaling */
	uint16_t mss;		/* sending MSS */
	uint16_t rcv_mss;	/* the MSS we advertised */

	/* receive sequence space */
	uint32_t irs, rcv_nxt;
	uint32_t rcv_adv; /* right edge of the window we last advertised */

	/* send queue (see the top). The copied bytes: ring_len of them from
	 * offset ring_head in chunk[chunk_first], on through the next
	 * nchunks - 1 entries of chunk[] (a ring of send-pool chunk numbers) */
	uint16_t chunk[TCP_SND_CHUNKS_MAX];
	uint16_t chunk_first, nchunks;
	uint32_t ring_head, ring_len;
	bool pwait; /* waiting for a send chunk (tcp_pool.c) */
	struct tcp_conn *pw_next, *pw_prev;
	struct tcp_sseg segs[TCP_SND_SEGS];
	unsigned seg_head, nsegs;
	uint32_t queued; /* bytes in the queue (from snd_una) */

	/* receive queue */
	struct netbuf *rq_head, *rq_tail;
	uint32_t rq_bytes;
	struct netbuf *ooo; /* sorted, nb->user = seq */
	uint32_t ooo_bytes;
	uint32_t ooo_last; /* seq of the latest out-of-order arrival */
	bool ooo_fin;	   /* a FIN seen out of order, at ooo_fin_seq */
	uint32_t ooo_fin_seq;
	unsigned nbufs;	      /* rq + ooo */
	unsigned ack_pending; /* full segments received since our last ACK */
	bool ack_now;	      /* an ACK is due at the end of this input */

	/* SACK (tcp_sack.c): both offered it; the sender's scoreboard, which
	 * covers [snd_una, snd_max) in order once data has been sent */
	bool sack_ok;
	unsigned nsb;
	struct tcp_sbe sb[TCP_SB_MAX];

	/* RACK-TLP (tcp_rack.c), times in microseconds (loop_now / 1000,
	 * modulo 2^32: only differences are used) */
	uint32_t xmit_last; /* the latest send time on the scoreboard */
	uint32_t rack_xmit; /* send time of the latest delivered segment */
	uint32_t rack_end;  /* and its end */
	uint32_t rack_rtt;  /* its RTT */
	uint32_t rack_fack; /* highest end delivered (SACKed or acked) */
	uint32_t min_rtt;   /* 0: none yet */
	bool rack_valid;    /* rack_xmit has been set */
	bool reordering;    /* a segment came in below rack_fack */
	bool tlp_out;	    /* a loss probe awaits its answer */
	bool tlp_rtx;	    /* ... and it was a retransmission */
	uint32_t tlp_high;  /* snd_max when it was sent */
	uint32_t rescue;    /* RFC 6675 RescueRxt: recover when done */
	uint32_t prr_delivered, prr_out, recover_fs; /* RFC 6937 */
	struct loop_timer rack_t; /* reordering window or loss probe */
	bool rack_t_probe;	  /* rack_t is the loss probe, due at: */
	uint64_t probe_deadline;  /* (moved lazily, as rtx_deadline) */

	/* congestion control (tcp_cc.c) */
	uint32_t cwnd, ssthresh, recover;
	unsigned dupacks;
	bool in_recovery;
	uint32_t bytes_acked; /* congestion avoidance accumulator (RFC 3465) */

	/* RTT estimation (RFC 6298), microseconds */
	uint32_t srtt_us, rttvar_us;
	uint64_t rto_ns;
	bool rtt_timing;
	uint32_t rtt_seq;
	uint64_t rtt_start;

	/* timers */
	struct loop_timer rtx_t; /* retransmit or persist */
	uint64_t rtx_deadline; /* when the RTO is due (rtx_t may fire first) */
	enum tcp_rtx_mode rtx_mode;
	unsigned retries;     /* consecutive RTO expiries / probes */
	uint64_t progress_ns; /* last time snd_una advanced */
	struct loop_timer dack_t;
	struct loop_defer ack_d;  /* an ACK at the end of this loop pass */
	struct loop_defer out_d;  /* tcp_output again (TCP_TX_BURST) */
	struct loop_timer life_t; /* keep-alive, close timeout, TIME-WAIT */
	uint64_t ka_idle_ns;	  /* 0 = keep-alive off */
	unsigned ka_probes;
	uint64_t last_rcv_ns;
	uint64_t close_deadline; /* 0 = none */
	struct loop_defer closed_d, resume_d;

	/* RFC 5961 challenge-ACK rate limit */
	uint64_t chal_sec;
	unsigned chal_count;
};

/* Counters (beyond net.drops[] for malformed headers). */
struct tcp_stats {
	uint64_t segs_in, segs_out, bytes_in, bytes_out;
	uint64_t conns_opened, conns_accepted, conns_closed;
	uint64_t retransmits, rto_expiries, fast_retransmits, persist_probes;
	uint64_t challenge_acks, challenge_limited, rst_sent, rst_rcvd;
	uint64_t rst_ignored; /* RST outside the window */
	uint64_t backlog_drops, table_full, no_buffers, timewait_reused;
	uint64_t drop_no_conn, drop_bad_addr, drop_bad_ack, drop_old;
	uint64_t drop_out_of_window, drop_rcv_full, drop_syn_bad;
	uint64_t ooo_queued, ooo_dropped, icmp_in, icmp_ignored, pmtu_lowered;
	uint64_t dup_segs, keepalive_probes, timeouts;
	uint64_t snd_pool_empty;    /* tcp_send cut short: no free send chunk */
	uint64_t drop_rcv_pool_low; /* data dropped: netbufs at the reserve */
	uint64_t rack_lost, loss_probes, rescue_rtx, sb_merges;
	uint64_t recoveries, dsacks;
};

extern struct tcp_stats tcp_stats;

/* ---- tcp_pool.c --------------------------------------------------------- */

struct tcp_pool_cfg {
	unsigned conns;	  /* 0: auto */
	size_t snd_bytes; /* send pool bytes; 0: auto */
	uint32_t snd_max; /* copied send bytes per connection; 0: TCP_SND_BUF */
};

struct tcp_pools {
	bool ready;
	unsigned conns, conns_used;
	unsigned chunks, chunks_used, chunks_peak;
	uint32_t snd_max;
};

extern struct tcp_pools tcp_pools;

/* The initial window in segments, from the key tcp_initcwnd (read with
 * the pools' keys); 0: TCP_INIT_CWND_SEGS (tcp_cc.c). */
extern uint32_t tcp_init_cwnd;

/*
 * Allocate the pools (the only allocation TCP makes): at start from the
 * keys (tcp_pools_from_keys, net_attach), or with the defaults on first
 * use when nobody did (tests). Again only while nothing is in use (tests
 * resize them after net_reset): -EBUSY otherwise; -EINVAL for sizes out
 * of range, -ENOMEM when the memory is not there.
 */
int tcp_pools_init(const struct tcp_pool_cfg *cfg);
int tcp_pools_from_keys(void);
void tcp_pools_ensure(void);
/* A zeroed connection struct, or NULL when the pool is empty. */
struct tcp_conn *tcp_conn_alloc(void);
void tcp_conn_release(struct tcp_conn *c);
/* Send chunks: a free one's number (TCP_CHUNK_NONE when the pool is
 * empty), its memory, giving one back, how many are free. */
#define TCP_CHUNK_NONE 0xffffu
unsigned tcp_chunk_get(void);
uint8_t *tcp_chunk_mem(unsigned n);
void tcp_chunk_put(unsigned n);
unsigned tcp_chunks_free(void);
/*
 * True when the network buffers are down to their reserve (an eighth of
 * the pool): received data is then dropped rather than queued, so that
 * connections whose appliance is paused cannot hold every buffer and
 * leave none to receive the ACKs that would unpause them.
 */
bool tcp_rcv_pool_low(void);
/* Network buffers above that reserve: what any window may still count on
 * (in a small guest the pool, not TCP_RCV_NBUFS, bounds the window). */
unsigned tcp_rcv_pool_room(void);
/* Wait (FIFO) for a chunk: tcp_notify_writable once one comes back. */
void tcp_chunk_wait(struct tcp_conn *c);
void tcp_chunk_unwait(struct tcp_conn *c);

/* ---- tcp_conn.c --------------------------------------------------------- */

/* A zeroed connection with timers initialised, not yet in the table;
 * NULL (counted) when the table is full and no TIME-WAIT entry is free. */
struct tcp_conn *tcp_conn_new(void);
void tcp_conn_hash(struct tcp_conn *c);
struct tcp_conn *tcp_conn_lookup(uint32_t lip, uint16_t lport, uint32_t rip,
				 uint16_t rport);
struct tcp_listener *tcp_listener_find(uint32_t ip, uint16_t port);
unsigned tcp_conn_count(void);
/* RFC 6528: the ISN for a 4-tuple. */
uint32_t tcp_isn(uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport);
/* A random free ephemeral port towards rip:rport; 0 when none. */
uint16_t tcp_ephemeral_port(uint32_t lip, uint32_t rip, uint16_t rport);
/* Half-open connection bookkeeping on its listener (drop-oldest bound). */
void tcp_backlog_add(struct tcp_listener *l, struct tcp_conn *c);
void tcp_backlog_remove(struct tcp_conn *c);
/*
 * End the connection for the appliance: state CLOSED (unless TIME-WAIT),
 * timers cancelled, `closed` with why queued (once; later calls do
 * nothing). The struct goes away after `closed` has run.
 */
void tcp_conn_finish(struct tcp_conn *c, enum tcp_close_reason why);
/* Enter TIME-WAIT (RFC 9293 3.10.7.4): 2*MSL, then tcp_maybe_done. */
void tcp_enter_timewait(struct tcp_conn *c);
/* TIME-WAIT or CLOSED and the appliance has had everything (data, eof)
 * or closed: closed(NORMAL). */
void tcp_maybe_done(struct tcp_conn *c);
/* The connection tcp_input is working on (its output waits until the
 * end of the segment, so a recv callback's sends share one ACK). */
extern struct tcp_conn *tcp_input_conn;
/* net_reset's part: drop every connection and listener, no callbacks. */
void tcp_reset(void);
/* The counters at log=info (net_stats_log): totals, then every event
 * counter that is not zero. */
void tcp_stats_log(void);
/* Random bytes from kiln_entropy (a counter mix when it fails). */
uint32_t tcp_random32(void);

/* ---- tcp_in.c, tcp_hs.c, tcp_reasm.c ------------------------------------ */

/* Sequence space a segment occupies: data, SYN and FIN. */
static inline uint32_t tcp_seg_len(const struct tcp_hdr *h)
{
	return (uint32_t)h->payload.len + ((h->flags & TCP_FLAG_SYN) ? 1 : 0) +
	       ((h->flags & TCP_FLAG_FIN) ? 1 : 0);
}
/* RFC 9293 3.10.7.1: a RST answering h, a segment nobody wants. */
void tcp_reset_for(const struct tcp_hdr *h, uint32_t lip, uint32_t rip);
/* The MSS we advertise: the device MTU less 40. */
uint16_t tcp_our_mss(void);
/* A segment for listener l (RFC 9293 3.10.7.2). */
void tcp_listen_input(struct tcp_listener *l, const struct tcp_hdr *h,
		      uint32_t lip, uint32_t rip);
/* A segment for a SYN-SENT connection (RFC 9293 3.10.7.3). */
void tcp_syn_sent_input(struct tcp_conn *c, const struct tcp_hdr *h);
/* Our SYN is acknowledged on a SYN-RECEIVED connection (h: that ACK). */
void tcp_established_from_synrcvd(struct tcp_conn *c, const struct tcp_hdr *h);
/*
 * The segment's text (RFC 9293 3.10.7.4 seventh), nb (taken) trimmed to
 * the part inside the window, at seq, fin when it carried a FIN. Queues
 * or drops it and decides the ACK. Returns true when the FIN is now in
 * sequence.
 */
bool tcp_rcv_data(struct tcp_conn *c, struct netbuf *nb, uint32_t seq,
		  bool fin);

/* ---- tcp_out.c ---------------------------------------------------------- */

/* Send what the windows allow (data, FIN), or a pending ACK. */
void tcp_output(struct tcp_conn *c);
/* Send an ACK now (cancels the delayed ACK). */
void tcp_send_ack(struct tcp_conn *c);
/* SYN (SYN-SENT) or SYN-ACK (SYN-RECEIVED), at iss. */
void tcp_send_syn(struct tcp_conn *c);
/* One segment of up to len bytes at seq (a retransmission or a probe);
 * the sequence space it used (0: no buffer). */
uint32_t tcp_send_data_at(struct tcp_conn *c, uint32_t seq, uint32_t len);
/* RST with seq (and ack when with_ack) for the given 4-tuple. */
void tcp_send_rst(uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport,
		  uint32_t seq, uint32_t ack, bool with_ack);
/* A rate-limited challenge ACK (RFC 5961 3.2, 4.2, 5.2). */
void tcp_send_challenge_ack(struct tcp_conn *c);
/* The window to advertise now, unscaled bytes. */
uint32_t tcp_rcv_space(const struct tcp_conn *c);
/* Bytes queued but not yet sent, sendable in principle (incl. FIN). */
uint32_t tcp_unsent(const struct tcp_conn *c);
/* Drop n acknowledged bytes from the front of the send queue. */
void tcp_sndq_pop(struct tcp_conn *c, uint32_t n);
/* Free the send and receive queues. */
void tcp_queues_free(struct tcp_conn *c);

/* ---- tcp_timer.c -------------------------------------------------------- */

/* tcp_output at the next loop pass (the rest of a burst). */
void tcp_output_later(struct tcp_conn *c);

void tcp_timers_init(struct tcp_conn *c);
void tcp_timers_cancel(struct tcp_conn *c);
/* (Re)start the retransmission timer for what is in flight (RFC 6298 5). */
void tcp_rtx_arm(struct tcp_conn *c);
/* New data was acknowledged: restart or stop it (RFC 6298 5.2, 5.3). */
void tcp_rtx_restart(struct tcp_conn *c);
void tcp_rtx_stop(struct tcp_conn *c);
/* Start the persist timer if the peer's window is zero and data waits. */
void tcp_persist_check(struct tcp_conn *c);
/* An RTT sample in ns (RFC 6298 2.2, 2.3). */
void tcp_rtt_sample(struct tcp_conn *c, uint64_t rtt_ns);
/* RTO from SRTT and RTTVAR again, without backoff (2.3; 2.1 with none). */
void tcp_rto_reset(struct tcp_conn *c);
/* Schedule the delayed ACK. */
void tcp_dack_arm(struct tcp_conn *c);
/* An ACK once this loop pass is over (after the whole input batch), unless
 * a segment sent meanwhile carries it. */
void tcp_ack_soon(struct tcp_conn *c);
/* Re-arm the life timer: the earliest of keep-alive and close timeout. */
void tcp_life_arm(struct tcp_conn *c);

/* ---- tcp_cc.c ----------------------------------------------------------- */

void tcp_cc_init(struct tcp_conn *c);
/* A new ACK acknowledging `acked` bytes; may retransmit (partial ACK). */
void tcp_cc_ack(struct tcp_conn *c, uint32_t acked);
/* With SACK, after every ACK that delivered `delivered` bytes (acked or
 * newly SACKed) and after loss detection: enter recovery when RACK found
 * a loss, leave it, set cwnd by PRR (RFC 6937). */
void tcp_cc_sack(struct tcp_conn *c, uint32_t delivered, bool lost);
/* RFC 5681 eq. 4 and recovery entry (the TLP's loss response too). */
void tcp_cc_enter_recovery(struct tcp_conn *c);
/* What may be in flight: min(cwnd (+ limited transmit), peer window). */
uint32_t tcp_cc_window(const struct tcp_conn *c);
/* A duplicate ACK (RFC 5681 2); may fast-retransmit. */
void tcp_cc_dupack(struct tcp_conn *c);
/* The retransmission timer expired (RFC 5681 3.1 eq. 4). */
void tcp_cc_timeout(struct tcp_conn *c);

/* ---- tcp_sack.c --------------------------------------------------------- */

/* The SACK blocks for an ACK now (at most max, the latest run first). */
unsigned tcp_sack_blocks(const struct tcp_conn *c, struct tcp_sack *out,
			 unsigned max);
/* [seq, seq + len) went out at now (us): a new run, or a resend of runs
 * already there (no longer lost, marked RTX). SACK connections only. */
void tcp_sb_sent(struct tcp_conn *c, uint32_t seq, uint32_t len, uint32_t now);
/*
 * An ACK: drop what snd_una passed and mark the peer's blocks in o as
 * SACKed. Each run newly delivered (acknowledged or SACKed for the first
 * time) is reported to tcp_rack_delivered. Returns the bytes newly
 * SACKed; *dsack is set when the first block is a D-SACK (RFC 2883).
 */
uint32_t tcp_sack_update(struct tcp_conn *c, const struct tcp_opts *o,
			 bool *dsack);
/* Bytes on the scoreboard by state. */
uint32_t tcp_sack_bytes(const struct tcp_conn *c);
uint32_t tcp_sb_pipe(const struct tcp_conn *c);
uint32_t tcp_sb_lost_bytes(const struct tcp_conn *c);
/* RFC 6675 NextSeg (1): the first lost run, at most one MSS of it. */
bool tcp_sb_next_lost(const struct tcp_conn *c, uint32_t *seq, uint32_t *len);
/* Mark the runs in [from, to) not SACKed as lost (a retransmission
 * timeout: all of them); with forget, the SACKed state goes too (the peer
 * reneged). */
void tcp_sb_mark_lost(struct tcp_conn *c, uint32_t from, uint32_t to,
		      bool forget);
/* The last MSS of the highest run neither SACKed nor lost (with fresh:
 * false when that run was resent already). */
bool tcp_sb_last_unsacked(const struct tcp_conn *c, uint32_t *seq,
			  uint32_t *len, bool fresh);
/* tcp_output's part with SACK: resend lost runs first (NextSeg rule 1)
 * while pipe < cwnd, turning a go-back into "the rest is lost"; the
 * segments sent. Then, after new data, the rescue (rule 4), once per
 * recovery. */
unsigned tcp_sb_resend_lost(struct tcp_conn *c);
void tcp_sb_rescue(struct tcp_conn *c);
/* For resending from seq: the first byte at or after it not SACKed,
 * and *len cut to stop before the next SACKed range. */
uint32_t tcp_sack_skip(const struct tcp_conn *c, uint32_t seq, uint32_t *len);

/* ---- tcp_rack.c --------------------------------------------------------- */

static inline uint32_t tcp_now_us(void)
{
	return (uint32_t)(loop_now() / 1000);
}
void tcp_rack_init(struct tcp_conn *c);
/* A run newly delivered: RACK's latest segment, min RTT, reordering;
 * the ACK's RTT sample, taken by tcp_rack_ack_done once the ACK has been
 * read (RFC 6298 with Karn: never from a run sent twice). */
void tcp_rack_delivered(struct tcp_conn *c, uint32_t end, uint32_t xmit,
			bool rtx);
void tcp_rack_ack_done(struct tcp_conn *c);
/* RACK's loss detection (RFC 8985 6.2): mark runs sent before the latest
 * delivered one and older than its RTT plus the reordering window as
 * lost; arm the reordering timer for the rest. True when any is lost. */
bool tcp_rack_detect(struct tcp_conn *c);
/* After an ACK or a send: arm the loss probe if none is armed (restart:
 * also if one is, after new data or an ACK of new data, RFC 8985 7.2), or
 * stop it when nothing is in flight. */
void tcp_tlp_arm(struct tcp_conn *c, bool restart);
/* An ACK at or past tlp_high ends a probe episode (RFC 8985 7.4). */
void tcp_tlp_ack(struct tcp_conn *c, bool dsack);
void tcp_rack_cancel(struct tcp_conn *c);

/* ---- tcp_api.c ---------------------------------------------------------- */

/* Offer queued in-order bytes to the appliance; then eof if due. */
void tcp_deliver(struct tcp_conn *c);
/* The send queue got room: `writable` if a send came up short. */
void tcp_notify_writable(struct tcp_conn *c);
/* After the appliance consumed: a window update if it grew enough. */
void tcp_window_update(struct tcp_conn *c);
/* ESTABLISHED from a listener: the accept callback. */
void tcp_accept_conn(struct tcp_conn *c);

#endif /* KILN_NET_TCP_INT_H */
