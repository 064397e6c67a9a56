/*
 * TCP receive queues: in-order payload stays in the netbuf it arrived in,
 * queued on rq for tcp_deliver (tiny segments are appended into the tail
 * buffer's room instead, so they cannot use up the buffer count); payload
 * ahead of rcv_nxt waits on the ooo list, sorted by sequence number, with
 * overlaps trimmed on insertion, until the gap before it is filled. Both
 * share one bound (tcp_rcv_space, TCP_RCV_NBUFS_HARD). Also the ACK policy
 * for arriving data (RFC 1122 4.2.3.2, RFC 5681 4.2).
 */
#include <string.h>

#include "tcp_int.h"

/* Hard bound on buffers per connection; the window keeps honest peers
 * well below it (tcp_rcv_space). */
#define TCP_RCV_NBUFS_HARD (TCP_RCV_NBUFS + 32u)
#define TCP_COALESCE_MAX   512u

static void rq_append(struct tcp_conn *c, struct netbuf *nb)
{
	struct netbuf *t = c->rq_tail;
	struct mview m;

	c->rq_bytes += nb->len;
	/* Small payloads go into the tail buffer's spare room, so that a
	 * peer sending tiny segments cannot use up our buffer count. Larger
	 * ones too once half the buffers are held (the appliance is slow or
	 * paused): the window was offered in bytes, and segments below the
	 * MSS (1000 bytes, say) would otherwise reach TCP_RCV_NBUFS_HARD
	 * before it is full and in-window data would be dropped. */
	if (t && t != c->rq_head &&
	    (nb->len <= TCP_COALESCE_MAX || c->nbufs >= TCP_RCV_NBUFS / 2) &&
	    netbuf_put(t, nb->len, &m)) {
		memcpy(m.p, nb->data, nb->len);
		netbuf_free(nb);
		return;
	}
	nb->next = NULL;
	if (t)
		t->next = nb;
	else
		c->rq_head = nb;
	c->rq_tail = nb;
	c->nbufs++;
}

/* In-order bytes: to the appliance's queue, or discarded after close. */
static void accept_in_order(struct tcp_conn *c, struct netbuf *nb)
{
	c->rcv_nxt += nb->len;
	tcp_stats.bytes_in += nb->len;
	if (c->closing || c->finished) {
		netbuf_free(nb);
		return;
	}
	rq_append(c, nb);
}

static void ooo_drain(struct tcp_conn *c)
{
	while (c->ooo && seq_le(c->ooo->user, c->rcv_nxt)) {
		struct netbuf *nb = c->ooo;
		c->ooo = nb->next;
		nb->next = NULL;
		c->ooo_bytes -= nb->len;
		c->nbufs--;
		uint32_t end = nb->user + nb->len;
		if (seq_le(end, c->rcv_nxt)) {
			netbuf_free(nb);
			continue;
		}
		tcp_nb_skip(nb, c->rcv_nxt - nb->user);
		accept_in_order(c, nb);
	}
	if (c->ooo_fin && c->ooo_fin_seq == c->rcv_nxt)
		c->ooo_fin = false; /* the caller sees it through fin_now */
}

/* Insert a segment ahead of rcv_nxt, sorted, overlaps trimmed. */
static void ooo_insert(struct tcp_conn *c, struct netbuf *nb, uint32_t seq)
{
	struct netbuf **pp = &c->ooo, *prev = NULL;

	while (*pp && seq_lt((*pp)->user, seq)) {
		prev = *pp;
		pp = &(*pp)->next;
	}
	if (prev) {
		uint32_t pend = prev->user + prev->len;
		if (seq_ge(pend, seq + nb->len)) {
			tcp_stats.dup_segs++;
			netbuf_free(nb);
			return;
		}
		if (seq_gt(pend, seq)) {
			tcp_nb_skip(nb, pend - seq);
			seq = pend;
		}
	}
	/* Later segments the new one covers entirely go. */
	while (*pp && seq_le((*pp)->user + (*pp)->len, seq + nb->len)) {
		struct netbuf *dead = *pp;
		*pp = dead->next;
		c->ooo_bytes -= dead->len;
		c->nbufs--;
		netbuf_free(dead);
	}
	if (*pp && seq_gt(seq + nb->len, (*pp)->user))
		netbuf_trim(nb, (*pp)->user - seq);
	if (nb->len == 0) {
		netbuf_free(nb);
		return;
	}
	nb->user = seq;
	nb->next = *pp;
	*pp = nb;
	c->ooo_last = seq; /* the first SACK block (RFC 2018 4) */
	c->ooo_bytes += nb->len;
	c->nbufs++;
	tcp_stats.ooo_queued++;
}

/*
 * The segment's text (RFC 9293 3.10.7.4 seventh), nb trimmed to the part
 * inside the window. Returns true when the FIN is now in sequence.
 */
bool tcp_rcv_data(struct tcp_conn *c, struct netbuf *nb, uint32_t seq, bool fin)
{
	uint32_t len = nb->len;

	if (fin && !c->ooo_fin && seq_ge(seq + len, c->rcv_nxt)) {
		c->ooo_fin = true;
		c->ooo_fin_seq = seq + len;
	}
	if (len == 0) {
		netbuf_free(nb);
	} else if (c->nbufs >= TCP_RCV_NBUFS_HARD) {
		tcp_stats.drop_rcv_full++;
		netbuf_free(nb);
		c->ack_now = true;
	} else if (tcp_rcv_pool_low()) {
		/* The last network buffers are for frames in and out, the
		 * ACKs among them: they free send chunks, which resume the
		 * paused appliances, which free what their queues hold.
		 * Queued, this segment could take the last one. */
		tcp_stats.drop_rcv_pool_low++;
		netbuf_free(nb);
		c->ack_now = true;
	} else if (seq == c->rcv_nxt) {
		bool hole = c->ooo != NULL;
		accept_in_order(c, nb);
		if (hole) {
			ooo_drain(c);
			c->ack_now = true; /* RFC 5681 4.2: filled a gap */
		} else if (++c->ack_pending >= 2) {
			/* Every second segment (RFC 5681 4.2), but at the end
			 * of the receive batch: one ACK for a burst the device
			 * handed over at once (tcp_ack_soon). */
			tcp_ack_soon(c);
		} else {
			tcp_dack_arm(c); /* RFC 1122 4.2.3.2, RFC 5681 4.2 */
		}
	} else {
		/* Ahead of a hole: keep it and ACK at once, the duplicate
		 * ACKs drive the peer's fast retransmit (RFC 5681 4.2). */
		if (c->closing) {
			netbuf_free(nb);
		} else {
			ooo_insert(c, nb, seq);
		}
		c->ack_now = true;
	}
	if (c->ooo_fin && c->ooo_fin_seq == c->rcv_nxt) {
		c->ooo_fin = false;
		return true;
	}
	return false;
}
