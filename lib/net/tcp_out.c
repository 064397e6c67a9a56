/*
 * TCP output: segments built from the send queue (tcp_int.h) into fresh
 * netbufs, headers prepended with the codec (tcp_prepend), handed to
 * ipv4_output with DF set (we do path MTU discovery, RFC 1191).
 *
 * What is sent is bounded by the peer's window, the congestion window
 * (tcp_cc.c), Nagle when the appliance enabled it (RFC 9293 3.7.4), and
 * sender-side silly window avoidance (RFC 9293 3.8.6.2.1).
 */
#include <stdlib.h>
#include <string.h>

#include <kiln/kiln.h>

#include "tcp_int.h"

/* ---- the send queue ------------------------------------------------------ */

static void ring_copy(const struct tcp_conn *c, uint32_t pos, uint8_t *dst,
		      uint32_t n)
{
	uint32_t at = (c->ring_head + pos) % TCP_SND_BUF;
	uint32_t first = TCP_SND_BUF - at;

	if (first > n)
		first = n;
	memcpy(dst, c->ring + at, first);
	if (n > first)
		memcpy(dst + first, c->ring, n - first);
}

/* Copy len queued bytes starting at queue offset off into dst. */
static void sndq_copy(const struct tcp_conn *c, uint32_t off, uint8_t *dst,
		      uint32_t len)
{
	unsigned i = c->seg_head;
	uint32_t ringoff = 0;

	for (unsigned k = 0; k < c->nsegs && len > 0;
	     k++, i = (i + 1) % TCP_SND_SEGS) {
		const struct tcp_sseg *s = &c->segs[i];
		if (off >= s->len) {
			off -= s->len;
			if (!s->p)
				ringoff += s->len;
			continue;
		}
		uint32_t n = s->len - off;
		if (n > len)
			n = len;
		if (s->p)
			memcpy(dst, s->p + off, n);
		else
			ring_copy(c, ringoff + off, dst, n);
		dst += n;
		len -= n;
		off = 0;
		if (!s->p)
			ringoff += s->len;
	}
}

void tcp_sndq_pop(struct tcp_conn *c, uint32_t n)
{
	if (n > c->queued)
		n = c->queued;
	c->queued -= n;
	while (n > 0 && c->nsegs > 0) {
		struct tcp_sseg *s = &c->segs[c->seg_head];
		uint32_t k = n < s->len ? n : s->len;
		if (s->p) {
			s->p += k;
		} else {
			c->ring_head = (c->ring_head + k) % TCP_SND_BUF;
			c->ring_len -= k;
		}
		s->len -= k;
		n -= k;
		if (s->len == 0) {
			c->seg_head = (c->seg_head + 1) % TCP_SND_SEGS;
			c->nsegs--;
		}
	}
	if (c->ring_len == 0)
		c->ring_head = 0;
}

void tcp_queues_free(struct tcp_conn *c)
{
	netbuf_free_chain(c->rq_head);
	netbuf_free_chain(c->ooo);
	c->rq_head = c->rq_tail = c->ooo = NULL;
	c->rq_bytes = c->ooo_bytes = 0;
	c->nbufs = 0;
	free(c->ring);
	c->ring = NULL;
	c->ring_len = c->ring_head = 0;
	c->nsegs = 0;
	c->queued = 0;
}

/* ---- windows ------------------------------------------------------------ */

uint32_t tcp_rcv_space(const struct tcp_conn *c)
{
	uint32_t held = c->rq_bytes + c->ooo_bytes;
	uint32_t bytes = held < TCP_RCV_BUF ? TCP_RCV_BUF - held : 0;
	uint32_t nb = c->nbufs < TCP_RCV_NBUFS ? TCP_RCV_NBUFS - c->nbufs : 0;
	uint32_t by_nb = nb * c->rcv_mss;

	return by_nb < bytes ? by_nb : bytes;
}

/*
 * The window field for a non-SYN segment. Never shrink the window we
 * offered (RFC 9293 3.8.6.2.2, RFC 1122 4.2.2.16), and receiver-side SWS
 * avoidance (RFC 1122 4.2.3.3): move the right edge only by at least
 * min(half the buffer, one MSS).
 *
 * With window scaling the field counts units of 2^rcv_ws bytes, so the
 * window we keep is rounded up to the next unit, as Linux does: rounded
 * down, the right edge moved left by up to 127 bytes whenever RCV.NXT
 * moved by other than a multiple of 128, and segments the peer had sent
 * into the old window then looked like data past the new one.
 */
static uint16_t adv_window(struct tcp_conn *c)
{
	uint32_t space = tcp_rcv_space(c);
	uint32_t cur =
		seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t thresh = TCP_SWS_THRESH(c);

	if (space < cur || space - cur < thresh)
		space = cur;
	uint32_t win = space >> c->rcv_ws;
	if ((win << c->rcv_ws) < cur)
		win++;
	if (win > 0xffff)
		win = 0xffff;
	uint32_t edge = c->rcv_nxt + (win << c->rcv_ws);
	if (seq_gt(edge, c->rcv_adv))
		c->rcv_adv = edge;
	return (uint16_t)win;
}

uint32_t tcp_unsent(const struct tcp_conn *c)
{
	uint32_t off = c->snd_nxt - c->snd_una;
	uint32_t n = off < c->queued ? c->queued - off : 0;

	if (c->shut_req && !c->fin_sent)
		n++;
	return n;
}

/* ---- emitting ------------------------------------------------------------ */

static void emit(struct tcp_conn *c, struct netbuf *nb, uint32_t seq,
		 uint16_t flags)
{
	struct tcp_hdr h;

	memset(&h, 0, sizeof h);
	h.sport = c->lport;
	h.dport = c->rport;
	h.seq = seq;
	h.flags = flags;
	if (flags & TCP_FLAG_ACK)
		h.ack = c->rcv_nxt;
	if (flags & TCP_FLAG_SYN) {
		uint32_t sp = tcp_rcv_space(c);
		h.window = sp > 0xffff ? 0xffff : (uint16_t)sp;
		h.opts.has_mss = true;
		h.opts.mss = c->rcv_mss;
		/* RFC 7323 2.2: offer in SYN; in SYN-ACK only if offered. */
		if (c->state == TCP_SYN_SENT || c->ws_ok) {
			h.opts.has_ws = true;
			h.opts.ws = TCP_WSCALE;
		}
		/* RFC 2018 2: likewise SACK-permitted. */
		h.opts.sack_perm = c->state == TCP_SYN_SENT || c->sack_ok;
		if (seq_gt(c->rcv_nxt + h.window, c->rcv_adv))
			c->rcv_adv = c->rcv_nxt + h.window;
	} else {
		h.window = adv_window(c);
		if ((flags & TCP_FLAG_ACK) && c->ooo && c->sack_ok) {
			/* As many blocks as fit beside the data in one MSS
			 * (RFC 6691): 2 NOPs, kind and length, 8 per block. */
			uint32_t room =
				c->mss - (nb->len < c->mss ? nb->len : c->mss);
			unsigned max = room >= 12 ? (room - 4) / 8 : 0;
			h.opts.nsack = (uint8_t)tcp_sack_blocks(
				c, h.opts.sack,
				max < TCP_MAX_SACK ? max : TCP_MAX_SACK);
		}
	}
	if (tcp_prepend(&h, c->lip, c->rip, nb) != 0) {
		netbuf_free(nb);
		return;
	}
	if (flags & TCP_FLAG_ACK) {
		c->ack_pending = 0;
		c->ack_now = false;
		loop_timer_cancel(&c->dack_t);
	}
	tcp_stats.segs_out++;
	net.tcp_out++;
	(void)ipv4_output(nb, c->lip, c->rip, IPV4_PROTO_TCP, true);
}

static struct netbuf *seg_alloc(void)
{
	struct netbuf *nb = netbuf_alloc();

	if (!nb)
		tcp_stats.no_buffers++;
	return nb;
}

void tcp_send_ack(struct tcp_conn *c)
{
	struct netbuf *nb = seg_alloc();

	if (nb)
		emit(c, nb, c->snd_nxt, TCP_FLAG_ACK);
}

void tcp_send_syn(struct tcp_conn *c)
{
	struct netbuf *nb = seg_alloc();

	if (!nb)
		return;
	if (c->state == TCP_SYN_SENT)
		emit(c, nb, c->iss, TCP_FLAG_SYN);
	else
		emit(c, nb, c->iss, TCP_FLAG_SYN | TCP_FLAG_ACK);
	if (seq_gt(c->iss + 1, c->snd_max))
		c->snd_max = c->iss + 1;
	tcp_rtx_arm(c);
}

void tcp_send_rst(uint32_t lip, uint16_t lport, uint32_t rip, uint16_t rport,
		  uint32_t seq, uint32_t ack, bool with_ack)
{
	struct netbuf *nb = seg_alloc();
	struct tcp_hdr h;

	if (!nb)
		return;
	memset(&h, 0, sizeof h);
	h.sport = lport;
	h.dport = rport;
	h.seq = seq;
	h.ack = with_ack ? ack : 0;
	h.flags = TCP_FLAG_RST | (with_ack ? TCP_FLAG_ACK : 0);
	if (tcp_prepend(&h, lip, rip, nb) != 0) {
		netbuf_free(nb);
		return;
	}
	tcp_stats.rst_sent++;
	tcp_stats.segs_out++;
	net.tcp_out++;
	(void)ipv4_output(nb, lip, rip, IPV4_PROTO_TCP, true);
}

void tcp_send_challenge_ack(struct tcp_conn *c)
{
	uint64_t sec = loop_now() / TCP_S;

	if (sec != c->chal_sec) {
		c->chal_sec = sec;
		c->chal_count = 0;
	}
	if (c->chal_count >= TCP_CHALLENGE_PER_S) {
		tcp_stats.challenge_limited++;
		return;
	}
	c->chal_count++;
	tcp_stats.challenge_acks++;
	tcp_send_ack(c);
}

/*
 * Fill nb and as many frag pieces as it takes with len queued bytes from
 * off, for a segmentation offload frame (netbuf.h) of segments of c->mss.
 * Returns the bytes placed: len, or fewer (whole segments) when the pool
 * ran short, 0 when not even two segments' worth could be had.
 */
static uint32_t fill_frags(struct tcp_conn *c, struct netbuf *nb, uint32_t off,
			   uint32_t len)
{
	struct netbuf *piece = nb;
	uint32_t done = 0;
	struct mview m;

	for (;;) {
		uint32_t k = (uint32_t)netbuf_tailroom(piece);

		if (k > len - done)
			k = len - done;
		if (!netbuf_put(piece, k, &m))
			break; /* cannot happen: k <= tailroom */
		sndq_copy(c, off + done, m.p, k);
		done += k;
		if (done == len)
			break;
		struct netbuf *next = netbuf_alloc();
		if (!next) {
			tcp_stats.no_buffers++;
			break;
		}
		piece->frag = next;
		piece = next;
	}
	if (done < len) {
		/* Whole segments only, so that a short last one means the
		 * end of the queue, as without offload. */
		uint32_t keep = done - done % c->mss, at = 0;

		if (keep < 2u * c->mss)
			return 0;
		for (piece = nb; piece; piece = piece->frag) {
			if (at + piece->len >= keep) {
				netbuf_trim(piece, keep - at);
				netbuf_free(piece->frag);
				piece->frag = NULL;
				break;
			}
			at += piece->len;
		}
		len = keep;
	}
	nb->gso_size = (uint16_t)c->mss;
	return len;
}

/*
 * One segment: len queued bytes at seq (plus FIN when it ends the queue
 * and a FIN is due). Returns the sequence space used, 0 on no buffer.
 */
static uint32_t send_segment(struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	uint32_t off = seq - c->snd_una;
	uint16_t flags = TCP_FLAG_ACK;
	struct netbuf *nb = seg_alloc();

	if (!nb)
		return 0;
	if (len > c->mss) {
		/* An offload frame (tcp_output only asks on a tso device). */
		len = fill_frags(c, nb, off, len);
		if (len == 0) {
			netbuf_free(nb);
			return 0;
		}
	} else if (len > 0) {
		struct mview m;

		if (!netbuf_put(nb, len, &m)) {
			netbuf_free(nb);
			return 0;
		}
		sndq_copy(c, off, m.p, len);
	}
	if (c->shut_req && off + len == c->queued) {
		flags |= TCP_FLAG_FIN;
		if (!c->fin_sent) {
			c->fin_sent = true;
			c->fin_seq = seq + len;
			if (c->state == TCP_ESTABLISHED)
				c->state = TCP_FIN_WAIT_1;
			else if (c->state == TCP_CLOSE_WAIT)
				c->state = TCP_LAST_ACK;
		}
	}
	if (len > 0 && off + len == c->queued)
		flags |= TCP_FLAG_PSH;
	uint32_t used = len + ((flags & TCP_FLAG_FIN) ? 1 : 0);
	if (seq_ge(seq, c->snd_max)) {
		/* New data: time it unless a sample is running (RFC 6298 3
		 * samples one segment per RTT; Karn: never a retransmit). */
		if (!c->rtt_timing) {
			c->rtt_timing = true;
			c->rtt_seq = seq;
			c->rtt_start = loop_now();
		}
		tcp_stats.bytes_out += len;
	} else {
		tcp_stats.retransmits++;
	}
	emit(c, nb, seq, flags);
	if (seq_gt(seq + used, c->snd_max))
		c->snd_max = seq + used;
	return used;
}

void tcp_send_data_at(struct tcp_conn *c, uint32_t seq, uint32_t len)
{
	uint32_t off = seq - c->snd_una;
	uint32_t avail = off < c->queued ? c->queued - off : 0;

	if (len > avail)
		len = avail;
	(void)send_segment(c, seq, len);
}

static bool can_send_data(const struct tcp_conn *c)
{
	switch (c->state) {
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
	case TCP_FIN_WAIT_1:
	case TCP_CLOSING:
	case TCP_LAST_ACK:
		return true;
	default:
		return false;
	}
}

/*
 * The most one frame may carry: one MSS, or on a device with segmentation
 * offload (net.tso_max) as many whole MSS as fit in its largest datagram,
 * while no SACK blocks ride on our segments (each cut segment would repeat
 * them, and the MSS arithmetic with them). One big write instead of forty
 * small ones is where a tap spends its time (bindings/posix-direct).
 */
static uint32_t tso_cap(const struct tcp_conn *c, uint32_t mss)
{
	uint32_t room;

	if (!net.tso_max || mss != c->mss || c->mss == 0)
		return mss;
	room = net.tso_max - IPV4_HDR_LEN - (TCP_HDR_LEN + 40u);
	return room >= 2u * c->mss ? room - room % c->mss : mss;
}

void tcp_output(struct tcp_conn *c)
{
	unsigned burst = 0;

	if (c->finished || !can_send_data(c)) {
		if (c->ack_now && c->state != TCP_CLOSED)
			tcp_send_ack(c);
		return;
	}
	for (;;) {
		uint32_t off = c->snd_nxt - c->snd_una;
		uint32_t unsent = off < c->queued ? c->queued - off : 0;
		bool fin_due = c->shut_req &&
			       (!c->fin_sent || seq_le(c->snd_nxt, c->fin_seq));
		uint32_t wnd = tcp_cc_window(c);
		uint32_t flight = c->snd_nxt - c->snd_una;
		uint32_t usable = wnd > flight ? wnd - flight : 0;
		uint32_t len = unsent;
		/* Room for SACK blocks while we hold out-of-order data. */
		uint32_t mss = c->sack_ok && c->ooo ? c->mss - 36u : c->mss;

		if (len > tso_cap(c, mss))
			len = tso_cap(c, mss);
		if (len > usable)
			len = usable;
		if (len > mss && len % mss && len < unsent)
			len -= len % mss; /* whole segments unless the end */
		if (seq_lt(c->snd_nxt, c->snd_max) && c->nsb > 0 && len > 0) {
			/* Resending after a timeout: skip what the peer
			 * holds (its SACKs). */
			uint32_t at = tcp_sack_skip(c, c->snd_nxt, &len);
			if (at != c->snd_nxt) {
				c->snd_nxt = at;
				continue;
			}
		}
		if (unsent == 0 && !fin_due)
			break;
		if (len == 0 && unsent > 0)
			break; /* window closed: persist or wait for ACKs */
		bool rtx = seq_lt(c->snd_nxt, c->snd_max);
		if (!rtx && len < unsent && len < mss && flight > 0)
			break; /* sender SWS: wait for a fuller window */
		if (!rtx && len < mss && !c->nodelay && flight > 0 &&
		    len == unsent && !c->shut_req)
			break; /* Nagle: one small segment in flight */
		if (unsent == 0 && usable == 0 && flight > 0 && c->snd_wnd == 0)
			break;
		if (burst == TCP_TX_BURST) {
			/* Enough for one pass: the rest after the loop has
			 * read the device (TCP_TX_BURST). */
			tcp_output_later(c);
			break;
		}
		burst++;
		uint32_t used = send_segment(c, c->snd_nxt, len);
		if (used == 0)
			break;
		c->snd_nxt += used;
		tcp_rtx_arm(c);
		if (used == len && len == 0)
			break; /* a bare FIN */
	}
	if (c->ack_now)
		tcp_send_ack(c);
	tcp_persist_check(c);
}

void tcp_window_update(struct tcp_conn *c)
{
	uint32_t cur =
		seq_gt(c->rcv_adv, c->rcv_nxt) ? c->rcv_adv - c->rcv_nxt : 0;
	uint32_t space = tcp_rcv_space(c);
	uint32_t thresh = TCP_SWS_THRESH(c);

	/* RFC 1122 4.2.3.3: tell the peer once the window has grown by at
	 * least min(half the buffer, one MSS). */
	if (space > cur && space - cur >= thresh && c->state != TCP_CLOSED)
		tcp_send_ack(c);
}
