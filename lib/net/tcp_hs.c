/*
 * The TCP handshake (RFC 9293 3.5, 3.10.7.2-3): SYNs to listeners, the
 * SYN-SENT state, the peer's options (MSS, window scale, RFC 7323 2.3
 * clamp), the step from SYN-RECEIVED to ESTABLISHED, and the reset for a
 * segment nobody wants.
 */
#include <kiln/kiln.h>

#include "tcp_int.h"

/* ---- no connection ---------------------------------------------------------
 */

/* RFC 9293 3.10.7.1: a reset for a segment nobody wants. */
void tcp_reset_for(const struct tcp_hdr *h, uint32_t lip, uint32_t rip)
{
	if (h->flags & TCP_FLAG_RST)
		return;
	if (h->flags & TCP_FLAG_ACK)
		tcp_send_rst(lip, h->dport, rip, h->sport, h->ack, 0, false);
	else
		tcp_send_rst(lip, h->dport, rip, h->sport, 0,
			     h->seq + tcp_seg_len(h), true);
}

static void peer_options(struct tcp_conn *c, const struct tcp_hdr *h)
{
	uint32_t mss = h->opts.has_mss ? h->opts.mss : TCP_DEFAULT_MSS;

	if (mss > c->rcv_mss)
		mss = c->rcv_mss; /* our MTU bounds what we send too */
	if (mss < TCP_MIN_MSS)
		mss = TCP_MIN_MSS;
	c->mss = (uint16_t)mss;
	c->sack_ok = h->opts.sack_perm; /* offered in our SYN, or now */
	if (h->opts.has_ws) {
		c->ws_ok = true;
		c->snd_ws =
			h->opts.ws > 14 ? 14 : h->opts.ws; /* RFC 7323 2.3 */
		c->rcv_ws = TCP_WSCALE;
	} else {
		c->ws_ok = false;
		c->snd_ws = c->rcv_ws = 0;
	}
}

uint16_t tcp_our_mss(void)
{
	uint32_t mtu = net.mtu ? net.mtu : 1500;

	return mtu > 40 + TCP_MIN_MSS ? (uint16_t)(mtu - 40) : TCP_DEFAULT_MSS;
}

/* RFC 9293 3.10.7.2: a SYN to a listener. */
void tcp_listen_input(struct tcp_listener *l, const struct tcp_hdr *h,
		      uint32_t lip, uint32_t rip)
{
	if (h->flags & TCP_FLAG_RST)
		return;
	if (h->flags & TCP_FLAG_ACK) {
		tcp_reset_for(h, lip, rip);
		return;
	}
	if (!(h->flags & TCP_FLAG_SYN) || (h->flags & TCP_FLAG_FIN)) {
		tcp_stats.drop_syn_bad++;
		return;
	}
	struct tcp_conn *c = tcp_conn_new();
	if (!c)
		return;
	c->lip = lip;
	c->rip = rip;
	c->lport = h->dport;
	c->rport = h->sport;
	c->state = TCP_SYN_RECEIVED;
	c->rcv_mss = tcp_our_mss();
	peer_options(c, h);
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	c->iss = tcp_isn(lip, c->lport, rip, c->rport);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->snd_wnd = h->window; /* never scaled in a SYN (RFC 7323 2.2) */
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = h->seq;
	c->snd_wl2 = c->iss;
	/* Time the SYN-ACK: the handshake's ACK is the first RTT sample
	 * (RFC 6298 2.2), instead of running on the 1 s initial RTO until
	 * the first data is acknowledged. */
	c->rtt_timing = true;
	c->rtt_seq = c->iss;
	c->rtt_start = loop_now();
	tcp_cc_init(c);
	tcp_conn_hash(c);
	tcp_backlog_add(l, c);
	/* Data on the SYN is not kept; the peer sends it again. */
	tcp_send_syn(c);
}

/* ---- SYN-SENT (RFC 9293 3.10.7.3) ---------------------------------------- */

void tcp_syn_sent_input(struct tcp_conn *c, const struct tcp_hdr *h)
{
	bool ack = h->flags & TCP_FLAG_ACK;

	if (ack && (seq_le(h->ack, c->iss) || seq_gt(h->ack, c->snd_max))) {
		tcp_reset_for(h, c->lip, c->rip);
		tcp_stats.drop_bad_ack++;
		return;
	}
	if (h->flags & TCP_FLAG_RST) {
		/* Acceptable only when it acknowledges our SYN (RFC 5961 3.2
		 * keeps that rule for SYN-SENT). */
		if (ack) {
			tcp_stats.rst_rcvd++;
			tcp_conn_finish(c, TCP_CLOSED_REFUSED);
		}
		return;
	}
	if (!(h->flags & TCP_FLAG_SYN))
		return;
	c->irs = h->seq;
	c->rcv_nxt = h->seq + 1;
	c->rcv_adv = c->rcv_nxt;
	peer_options(c, h);
	c->snd_wl1 = h->seq;
	c->snd_wl2 = h->ack;
	c->snd_wnd = h->window;
	c->max_snd_wnd = c->snd_wnd;
	tcp_cc_init(c);
	if (!ack) {
		/* Simultaneous open (RFC 9293 3.5 figure 8): SYN-ACK back. */
		c->state = TCP_SYN_RECEIVED;
		c->retries = 0;
		tcp_send_syn(c);
		return;
	}
	if (c->retries == 0 && c->rtt_timing)
		tcp_rtt_sample(c, loop_now() - c->rtt_start);
	c->rtt_timing = false;
	c->retries = 0;
	c->snd_una = h->ack;
	c->state = TCP_ESTABLISHED;
	c->progress_ns = loop_now();
	tcp_rtx_stop(c);
	c->ack_now = true;
	tcp_stats.conns_opened++;
	if (c->cbs && c->cbs->connected)
		c->cbs->connected(c, c->arg);
	tcp_life_arm(c);
}

/* Our SYN is acknowledged on a SYN-RECEIVED connection. */
void tcp_established_from_synrcvd(struct tcp_conn *c, const struct tcp_hdr *h)
{
	if (c->retries == 0 && c->rtt_timing)
		tcp_rtt_sample(c, loop_now() - c->rtt_start);
	c->rtt_timing = false;
	c->retries = 0;
	c->snd_una = c->iss + 1;
	c->state = TCP_ESTABLISHED;
	c->snd_wnd = (uint32_t)h->window << c->snd_ws;
	c->max_snd_wnd = c->snd_wnd;
	c->snd_wl1 = h->seq;
	c->snd_wl2 = h->ack;
	c->progress_ns = loop_now();
	tcp_rtx_stop(c);
	tcp_stats.conns_opened++;
	if (c->listener) {
		tcp_accept_conn(c);
	} else if (c->cbs && c->cbs->connected) {
		c->cbs->connected(c, c->arg); /* simultaneous open */
	}
	if (!c->finished)
		tcp_life_arm(c);
}
