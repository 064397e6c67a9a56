/*
 * Selective acknowledgments (RFC 2018), both ways, negotiated with
 * SACK-permitted on the SYNs.
 *
 * Receiving: while out-of-order data waits (the ooo list), every ACK we
 * send lists the runs we hold beyond rcv_nxt, the run holding the segment
 * that arrived last first (RFC 2018 4), so the peer resends only the holes.
 *
 * Sending: the scoreboard (RFC 6675 3) covers what is outstanding,
 * [snd_una, snd_max), as sorted runs (struct tcp_sbe), each in one state,
 * SACKed, lost or in flight, with the time it was last sent: RACK
 * (tcp_rack.c) needs per-segment send times to tell a lost segment, a
 * lost retransmission among them, from one merely overtaken. From it come
 * pipe (the bytes in flight, RFC 6675 SetPipe, as Linux counts them: sent
 * less SACKed less lost, retransmissions in flight counted again), the
 * next lost run to resend (NextSeg rule 1) and the rescue (rule 4).
 *
 * Bounded at TCP_SB_MAX runs: a send merges into the last run when it
 * went out at the same time, and when the table is full two neighbours
 * are merged, those in the same state first (the later send time kept,
 * so RACK waits longer rather than resending early); failing that, the
 * highest two, keeping only what both share: a SACKed or lost run may
 * then count as in flight again. At worst that delays detection, or
 * resends data the peer holds; it never loses track of a byte.
 */
#include "tcp_int.h"

/* ---- receiving: the blocks for our ACKs ---------------------------------- */

unsigned tcp_sack_blocks(const struct tcp_conn *c, struct tcp_sack *out,
			 unsigned max)
{
	struct tcp_sack runs[TCP_SACK_RUNS];
	unsigned n = 0, k = 0;

	if (!c->sack_ok || max == 0)
		return 0;
	for (const struct netbuf *nb = c->ooo; nb && n < TCP_SACK_RUNS;) {
		uint32_t l = (uint32_t)nb->user, r = l + nb->len;
		for (nb = nb->next; nb && (uint32_t)nb->user == r;
		     nb = nb->next)
			r += nb->len;
		runs[n].left = l;
		runs[n].right = r;
		n++;
	}
	/* The run with the latest arrival first, then the others. */
	for (unsigned i = 0; i < n; i++)
		if (seq_ge(c->ooo_last, runs[i].left) &&
		    seq_lt(c->ooo_last, runs[i].right)) {
			out[k++] = runs[i];
			runs[i].left = runs[i].right; /* taken */
			break;
		}
	for (unsigned i = 0; i < n && k < max; i++)
		if (runs[i].left != runs[i].right)
			out[k++] = runs[i];
	return k;
}

/* ---- sending: the scoreboard ---------------------------------------------
 */

static bool sbe_same(const struct tcp_sbe *a, const struct tcp_sbe *b)
{
	/* SACKed and lost runs no longer need their send time. */
	if ((a->flags | b->flags) & (TCP_SBE_SACKED | TCP_SBE_LOST))
		return (a->flags & (TCP_SBE_SACKED | TCP_SBE_LOST)) ==
		       (b->flags & (TCP_SBE_SACKED | TCP_SBE_LOST));
	return a->flags == b->flags && a->xmit == b->xmit;
}

static uint32_t later(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0 ? a : b;
}

/* Merge run i + 1 into run i. */
static void sb_join(struct tcp_conn *c, unsigned i)
{
	struct tcp_sbe *a = &c->sb[i], *b = &c->sb[i + 1];

	if (!sbe_same(a, b)) {
		uint8_t keep = a->flags & b->flags;
		a->flags = keep | ((a->flags | b->flags) & TCP_SBE_RTX);
	} else {
		a->flags |= b->flags & TCP_SBE_RTX;
	}
	a->xmit = later(a->xmit, b->xmit);
	a->right = b->right;
	for (unsigned k = i + 1; k + 1 < c->nsb; k++)
		c->sb[k] = c->sb[k + 1];
	c->nsb--;
}

/* Neighbours in the same state become one run. */
static void sb_coalesce(struct tcp_conn *c)
{
	for (unsigned i = 0; i + 1 < c->nsb;) {
		if (c->sb[i].right == c->sb[i + 1].left &&
		    sbe_same(&c->sb[i], &c->sb[i + 1]))
			sb_join(c, i);
		else
			i++;
	}
}

/* Make room for n more runs (see the top: the bound). */
static void sb_room(struct tcp_conn *c, unsigned n)
{
	while (c->nsb + n > TCP_SB_MAX) {
		unsigned best = c->nsb - 2;
		uint32_t gap = UINT32_MAX;
		for (unsigned i = 0; i + 1 < c->nsb; i++) {
			const struct tcp_sbe *a = &c->sb[i], *b = &c->sb[i + 1];
			if ((a->flags & ~TCP_SBE_RTX) !=
			    (b->flags & ~TCP_SBE_RTX))
				continue;
			uint32_t d = a->xmit > b->xmit ? a->xmit - b->xmit
						       : b->xmit - a->xmit;
			if (d < gap) {
				gap = d;
				best = i;
			}
		}
		tcp_stats.sb_merges++;
		sb_join(c, best);
	}
}

/* A run boundary at seq (inside [sb[0].left, sb[nsb-1].right]); returns
 * the index of the run starting there (nsb at the end). Needs a free
 * entry (sb_room). */
static unsigned sb_split(struct tcp_conn *c, uint32_t seq)
{
	for (unsigned i = 0; i < c->nsb; i++) {
		struct tcp_sbe *e = &c->sb[i];
		if (seq_le(seq, e->left))
			return i;
		if (seq_lt(seq, e->right)) {
			for (unsigned k = c->nsb; k > i + 1; k--)
				c->sb[k] = c->sb[k - 1];
			c->nsb++;
			c->sb[i + 1] = *e;
			c->sb[i + 1].left = seq;
			e->right = seq;
			return i + 1;
		}
	}
	return c->nsb;
}

void tcp_sb_sent(struct tcp_conn *c, uint32_t seq, uint32_t len, uint32_t now)
{
	uint32_t end = seq + len;

	if (len == 0)
		return;
	/* Send times never go back, and a resend is later than all that
	 * went before it even within one microsecond (a coarse or a fake
	 * clock): RACK orders by them, new data of the same time by
	 * sequence. They are compared modulo 2^32 us, so only among what is
	 * outstanding (at most TCP_GIVEUP_NS old): with nothing outstanding
	 * the last stamp is no reference. */
	bool resend = c->nsb > 0 && seq_lt(seq, c->sb[c->nsb - 1].right);
	if (c->nsb == 0)
		c->xmit_last = now;
	now = later(now, c->xmit_last + (resend ? 1u : 0u));
	c->xmit_last = now;
	if (!resend) {
		struct tcp_sbe *t = c->nsb ? &c->sb[c->nsb - 1] : NULL;
		if (t && t->right == seq && t->flags == 0 && t->xmit == now) {
			t->right = end; /* the same burst */
			return;
		}
		sb_room(c, 1);
		c->sb[c->nsb++] = (struct tcp_sbe){seq, end, now, 0};
		return;
	}
	/* A resend, perhaps running on into new sequence space. */
	uint32_t top = c->sb[c->nsb - 1].right;
	if (seq_lt(seq, c->sb[0].left))
		seq = c->sb[0].left;
	uint32_t stop = seq_gt(end, top) ? top : end;
	if (seq_lt(seq, stop)) {
		sb_room(c, 2);
		unsigned i = sb_split(c, seq);
		unsigned j = sb_split(c, stop);
		for (unsigned k = i; k < j; k++) {
			struct tcp_sbe *e = &c->sb[k];
			if (e->flags & TCP_SBE_SACKED)
				continue;
			e->flags = (uint8_t)((e->flags & ~TCP_SBE_LOST) |
					     TCP_SBE_RTX);
			e->xmit = now;
		}
		sb_coalesce(c);
	}
	if (seq_gt(end, top))
		tcp_sb_sent(c, top, end - top, now);
}

/* Mark [l, r) SACKed; the bytes newly so. */
static uint32_t sb_mark_sacked(struct tcp_conn *c, uint32_t l, uint32_t r)
{
	uint32_t n = 0;

	if (c->nsb == 0)
		return 0;
	if (seq_lt(l, c->sb[0].left))
		l = c->sb[0].left;
	if (seq_gt(r, c->sb[c->nsb - 1].right))
		r = c->sb[c->nsb - 1].right;
	if (!seq_lt(l, r))
		return 0;
	sb_room(c, 2);
	unsigned i = sb_split(c, l);
	unsigned j = sb_split(c, r);
	for (unsigned k = i; k < j; k++) {
		struct tcp_sbe *e = &c->sb[k];
		if (e->flags & TCP_SBE_SACKED)
			continue;
		tcp_rack_delivered(c, e->right, e->xmit,
				   (e->flags & TCP_SBE_RTX) != 0);
		e->flags = (uint8_t)((e->flags & TCP_SBE_RTX) | TCP_SBE_SACKED);
		n += e->right - e->left;
	}
	sb_coalesce(c);
	return n;
}

uint32_t tcp_sack_update(struct tcp_conn *c, const struct tcp_opts *o,
			 bool *dsack)
{
	unsigned k = 0;
	uint32_t n = 0;

	*dsack = false;
	/* What snd_una passed is delivered: RACK hears of what it had not
	 * heard of through a SACK. */
	for (unsigned i = 0; i < c->nsb; i++) {
		struct tcp_sbe e = c->sb[i];
		if (seq_lt(e.left, c->snd_una)) {
			uint32_t upto = seq_lt(e.right, c->snd_una)
						? e.right
						: c->snd_una;
			if (!(e.flags & TCP_SBE_SACKED))
				tcp_rack_delivered(c, upto, e.xmit,
						   (e.flags & TCP_SBE_RTX) !=
							   0);
			if (seq_le(e.right, c->snd_una))
				continue;
			e.left = c->snd_una;
		}
		c->sb[k++] = e;
	}
	c->nsb = k;
	if (c->sack_ok && o->nsack > 0) {
		/* RFC 2883: a first block below the ACK, or inside the
		 * second, reports a duplicate. */
		uint32_t l0 = o->sack[0].left, r0 = o->sack[0].right;
		if (seq_le(r0, c->snd_una) ||
		    (o->nsack > 1 && seq_ge(l0, o->sack[1].left) &&
		     seq_le(r0, o->sack[1].right))) {
			*dsack = true;
			tcp_stats.dsacks++;
		}
		for (unsigned i = *dsack ? 1 : 0;
		     i < o->nsack && i < TCP_MAX_SACK; i++) {
			uint32_t l = o->sack[i].left, r = o->sack[i].right;
			if (!seq_lt(l, r) || !seq_gt(r, c->snd_una) ||
			    seq_gt(r, c->snd_max))
				continue; /* stale, or SACKing what was never
					     sent */
			n += sb_mark_sacked(c, l, r);
		}
	}
	tcp_rack_ack_done(c);
	return n;
}

/* Bytes of the scoreboard entries whose flags, masked, equal want. */
static uint32_t sb_bytes(const struct tcp_conn *c, uint8_t mask, uint8_t want)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->nsb; i++)
		if ((c->sb[i].flags & mask) == want)
			n += c->sb[i].right - c->sb[i].left;
	return n;
}

uint32_t tcp_sack_bytes(const struct tcp_conn *c)
{
	return sb_bytes(c, TCP_SBE_SACKED, TCP_SBE_SACKED);
}

uint32_t tcp_sb_lost_bytes(const struct tcp_conn *c)
{
	return sb_bytes(c, TCP_SBE_LOST, TCP_SBE_LOST);
}

uint32_t tcp_sb_pipe(const struct tcp_conn *c)
{
	return sb_bytes(c, TCP_SBE_SACKED | TCP_SBE_LOST, 0);
}

bool tcp_sb_next_lost(const struct tcp_conn *c, uint32_t *seq, uint32_t *len)
{
	for (unsigned i = 0; i < c->nsb; i++) {
		const struct tcp_sbe *e = &c->sb[i];
		if (!(e->flags & TCP_SBE_LOST))
			continue;
		uint32_t n = e->right - e->left;
		*seq = e->left;
		*len = n < c->mss ? n : c->mss;
		return true;
	}
	return false;
}

void tcp_sb_mark_lost(struct tcp_conn *c, uint32_t from, uint32_t to,
		      bool forget)
{
	if (c->nsb == 0)
		return;
	sb_room(c, 2);
	unsigned i = sb_split(c, from);
	unsigned j = sb_split(c, to);
	for (unsigned k = i; k < j; k++) {
		struct tcp_sbe *e = &c->sb[k];
		if (forget)
			e->flags &= (uint8_t)~TCP_SBE_SACKED;
		if (!(e->flags & (TCP_SBE_SACKED | TCP_SBE_LOST))) {
			e->flags |= TCP_SBE_LOST;
			tcp_stats.rack_lost++;
		}
	}
	sb_coalesce(c);
}

bool tcp_sb_last_unsacked(const struct tcp_conn *c, uint32_t *seq,
			  uint32_t *len, bool fresh)
{
	for (unsigned i = c->nsb; i-- > 0;) {
		const struct tcp_sbe *e = &c->sb[i];
		if (e->flags & (TCP_SBE_SACKED | TCP_SBE_LOST))
			continue;
		if (fresh && (e->flags & TCP_SBE_RTX))
			return false;
		uint32_t n = e->right - e->left;
		if (n > c->mss)
			n = c->mss;
		*seq = e->right - n;
		*len = n;
		return true;
	}
	return false;
}

/* ---- sending from it ----------------------------------------------------- */

/*
 * With SACK, resend the lost runs of the scoreboard first (RFC 6675
 * NextSeg rule 1), as far as cwnd - pipe allows; a go-back (a reopened
 * window, a lowered MSS) becomes "all of it lost" here, so it is paced by
 * pipe too. Returns the segments sent (tcp_output's burst).
 */
unsigned tcp_sb_resend_lost(struct tcp_conn *c)
{
	uint32_t seq, len;
	unsigned n = 0;

	if (seq_lt(c->snd_nxt, c->snd_max)) {
		tcp_sb_mark_lost(c, c->snd_nxt, c->snd_max, false);
		c->snd_nxt = c->snd_max;
	}
	while (n < TCP_TX_BURST && tcp_sb_next_lost(c, &seq, &len)) {
		uint32_t pipe = tcp_sb_pipe(c);
		if (pipe >= c->cwnd || c->cwnd - pipe < len)
			break;
		if (tcp_send_data_at(c, seq, len) == 0)
			break;
		if (c->in_recovery)
			tcp_stats.fast_retransmits++;
		n++;
		tcp_rtx_arm(c);
	}
	return n;
}

/*
 * RFC 6675 NextSeg rule 4, once per recovery: nothing lost is left to
 * resend and no new data can go, but cwnd has room: resend the last
 * segment not SACKed, so that a loss at the tail draws a SACK. Not when
 * that segment is itself a retransmission, just sent: a second copy at
 * once is not what the rule is for (the loss probe covers that case).
 */
void tcp_sb_rescue(struct tcp_conn *c)
{
	uint32_t seq, len, pipe = tcp_sb_pipe(c);
	uint32_t off = c->snd_nxt - c->snd_una, unsent = tcp_unsent(c);
	uint32_t room = c->snd_wnd > off ? c->snd_wnd - off : 0;

	if (unsent > 0 && room >= (unsent < c->mss ? unsent : c->mss))
		return; /* new data can go: rule 2 */
	if (!c->in_recovery || !seq_lt(c->rescue, c->recover) ||
	    pipe >= c->cwnd || c->cwnd - pipe < c->mss ||
	    tcp_sb_next_lost(c, &seq, &len) ||
	    !tcp_sb_last_unsacked(c, &seq, &len, true))
		return;
	c->rescue = c->recover;
	tcp_stats.rescue_rtx++;
	(void)tcp_send_data_at(c, seq, len);
}

uint32_t tcp_sack_skip(const struct tcp_conn *c, uint32_t seq, uint32_t *len)
{
	for (unsigned i = 0; i < c->nsb; i++) {
		const struct tcp_sbe *e = &c->sb[i];
		if (!(e->flags & TCP_SBE_SACKED) || seq_ge(seq, e->right))
			continue;
		if (seq_ge(seq, e->left)) {
			seq = e->right;
			continue;
		}
		if (seq_lt(e->left, seq + *len))
			*len = e->left - seq;
		break;
	}
	return seq;
}
