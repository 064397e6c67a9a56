/*
 * Selective acknowledgments (RFC 2018), both ways, negotiated with
 * SACK-permitted on the SYNs.
 *
 * Receiving: while out-of-order data waits (the ooo list), every ACK we
 * send lists the runs we hold beyond rcv_nxt, the run holding the segment
 * that arrived last first (RFC 2018 4), so the peer resends only the holes.
 *
 * Sending: a scoreboard of what the peer reported holding above snd_una,
 * a few disjoint sorted ranges (TCP_SB_MAX; when full, the highest range
 * is forgotten: at worst that data is resent). It serves three purposes:
 *  - loss detection: an ACK that reports new SACKed bytes counts as a
 *    duplicate ACK even when it carries data or a window change (RFC 6675
 *    2), which matters when the peer sends too (an echo): its ACKs ride
 *    on data and would never count otherwise;
 *  - recovery: each duplicate ACK during fast recovery lets one hole below
 *    the highest SACKed byte be resent (tcp_sack_next_hole), instead of
 *    NewReno's one hole per round trip;
 *  - after a timeout, going back to snd_una skips what the peer holds.
 */
#include "tcp_int.h"

/* ---- receiving: the blocks for our ACKs ---------------------------------- */

unsigned tcp_sack_blocks(const struct tcp_conn *c, struct tcp_sack *out,
			 unsigned max)
{
	struct tcp_sack runs[TCP_SB_MAX];
	unsigned n = 0, k = 0;

	if (!c->sack_ok || max == 0)
		return 0;
	for (const struct netbuf *nb = c->ooo; nb && n < TCP_SB_MAX;) {
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

/* ---- sending: the scoreboard ----------------------------------------------
 */

static uint32_t sb_bytes(const struct tcp_conn *c)
{
	uint32_t n = 0;

	for (unsigned i = 0; i < c->nsb; i++)
		n += c->sb[i].right - c->sb[i].left;
	return n;
}

/* Add [l, r) to the sorted, disjoint ranges, merging what it touches. */
static void sb_add(struct tcp_conn *c, uint32_t l, uint32_t r)
{
	unsigned i = 0;

	while (i < c->nsb && seq_lt(c->sb[i].right, l))
		i++;
	/* i is the first range ending at or after l: merge while they
	 * overlap or touch. */
	unsigned j = i;
	while (j < c->nsb && seq_le(c->sb[j].left, r)) {
		if (seq_lt(c->sb[j].left, l))
			l = c->sb[j].left;
		if (seq_gt(c->sb[j].right, r))
			r = c->sb[j].right;
		j++;
	}
	/* Ranges i..j-1 become one. */
	if (j == i) {
		if (c->nsb == TCP_SB_MAX) {
			if (i == TCP_SB_MAX)
				return; /* above everything: forget it */
			c->nsb--;	/* forget the highest */
		}
		for (unsigned k = c->nsb; k > i; k--)
			c->sb[k] = c->sb[k - 1];
		c->nsb++;
	} else {
		unsigned gone = j - i - 1;
		for (unsigned k = i + 1; k + gone < c->nsb; k++)
			c->sb[k] = c->sb[k + gone];
		c->nsb -= gone;
	}
	c->sb[i].left = l;
	c->sb[i].right = r;
}

bool tcp_sack_update(struct tcp_conn *c, const struct tcp_opts *o)
{
	unsigned k = 0;

	/* What snd_una passed is acknowledged for good. */
	for (unsigned i = 0; i < c->nsb; i++) {
		if (seq_le(c->sb[i].right, c->snd_una))
			continue;
		c->sb[k] = c->sb[i];
		if (seq_lt(c->sb[k].left, c->snd_una))
			c->sb[k].left = c->snd_una;
		k++;
	}
	c->nsb = k;
	if (!c->sack_ok || o->nsack == 0)
		return false;
	uint32_t before = sb_bytes(c);
	for (unsigned i = 0; i < o->nsack && i < TCP_MAX_SACK; i++) {
		uint32_t l = o->sack[i].left, r = o->sack[i].right;
		if (!seq_lt(l, r) || !seq_gt(r, c->snd_una) ||
		    seq_gt(r, c->snd_max))
			continue; /* stale, or SACKing what was never sent */
		if (seq_lt(l, c->snd_una))
			l = c->snd_una;
		sb_add(c, l, r);
	}
	return sb_bytes(c) > before;
}

uint32_t tcp_sack_bytes(const struct tcp_conn *c)
{
	return sb_bytes(c);
}

bool tcp_sack_next_hole(const struct tcp_conn *c, uint32_t from, uint32_t *seq,
			uint32_t *len)
{
	if (c->nsb == 0)
		return false;
	uint32_t p = seq_lt(from, c->snd_una) ? c->snd_una : from;
	for (unsigned i = 0; i < c->nsb; i++) {
		if (seq_ge(p, c->sb[i].right))
			continue;
		if (seq_ge(p, c->sb[i].left)) {
			p = c->sb[i].right; /* inside: the hole starts after */
			continue;
		}
		/* [p, sb[i].left) is a hole with SACKed data above it. */
		uint32_t n = c->sb[i].left - p;
		*seq = p;
		*len = n < c->mss ? n : c->mss;
		return true;
	}
	return false;
}

uint32_t tcp_sack_skip(const struct tcp_conn *c, uint32_t seq, uint32_t *len)
{
	for (unsigned i = 0; i < c->nsb; i++) {
		if (seq_ge(seq, c->sb[i].right))
			continue;
		if (seq_ge(seq, c->sb[i].left)) {
			seq = c->sb[i].right;
			continue;
		}
		if (seq_lt(c->sb[i].left, seq + *len))
			*len = c->sb[i].left - seq;
		break;
	}
	return seq;
}
