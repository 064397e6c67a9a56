/*
 * TCP timers, three loop_timers per connection:
 *   rtx_t   retransmission (RFC 6298) or, with nothing in flight and the
 *           peer's window zero, the persist timer (RFC 9293 3.8.6.1);
 *   dack_t  the delayed ACK (RFC 1122 4.2.3.2: at most TCP_DACK_NS);
 *   life_t  keep-alive (RFC 1122 4.2.3.6) and the tcp_close timeout.
 * TIME-WAIT needs no timer (tcp_conn.c expires it lazily).
 */
#include <kiln/kiln.h>

#include "tcp_int.h"

static void rtx_fire(struct loop_timer *t, void *arg);
static void dack_fire(struct loop_timer *t, void *arg);
static void life_fire(struct loop_timer *t, void *arg);
static void ack_run(struct loop_defer *d, void *arg);
static void out_run(struct loop_defer *d, void *arg);

void tcp_timers_init(struct tcp_conn *c)
{
	loop_timer_init(&c->rtx_t, rtx_fire, c);
	loop_timer_init(&c->dack_t, dack_fire, c);
	loop_timer_init(&c->life_t, life_fire, c);
	loop_defer_init(&c->ack_d, ack_run, c);
	loop_defer_init(&c->out_d, out_run, c);
	tcp_rack_init(c);
}

void tcp_timers_cancel(struct tcp_conn *c)
{
	loop_timer_cancel(&c->rtx_t);
	loop_timer_cancel(&c->dack_t);
	loop_timer_cancel(&c->life_t);
	loop_defer_cancel(&c->ack_d);
	loop_defer_cancel(&c->out_d);
	tcp_rack_cancel(c);
	c->rtx_mode = TCP_RTX_NONE;
}

/* ---- RTO (RFC 6298) ------------------------------------------------------ */

void tcp_rtt_sample(struct tcp_conn *c, uint64_t rtt_ns)
{
	uint32_t r = (uint32_t)(rtt_ns / 1000);

	if (rtt_ns / 1000 > UINT32_MAX / 2)
		r = UINT32_MAX / 2;
	if (r == 0)
		r = 1;
	if (c->srtt_us == 0) { /* 2.2: the first measurement */
		c->srtt_us = r;
		c->rttvar_us = r / 2;
	} else { /* 2.3: beta 1/4, alpha 1/8 */
		uint32_t d = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;
		c->rttvar_us = c->rttvar_us - c->rttvar_us / 4 + d / 4;
		c->srtt_us = c->srtt_us - c->srtt_us / 8 + r / 8;
	}
	tcp_rto_reset(c);
}

void tcp_rto_reset(struct tcp_conn *c)
{
	if (c->srtt_us == 0) {
		c->rto_ns = TCP_RTO_INIT;
		return;
	}
	uint64_t var = 4ull * c->rttvar_us;
	if (var < 1000) /* G: our clock granularity, call it 1 ms */
		var = 1000;
	uint64_t rto = ((uint64_t)c->srtt_us + var) * 1000;
	if (rto < TCP_RTO_MIN)
		rto = TCP_RTO_MIN;
	if (rto > TCP_RTO_MAX)
		rto = TCP_RTO_MAX;
	c->rto_ns = rto;
}

void tcp_rtx_arm(struct tcp_conn *c)
{
	if (c->rtx_mode == TCP_RTX_RETRANSMIT && loop_timer_armed(&c->rtx_t))
		return; /* 5.1: only when not already running */
	c->rtx_mode = TCP_RTX_RETRANSMIT;
	c->rtx_deadline = loop_now() + c->rto_ns;
	loop_timer_arm_at(&c->rtx_t, c->rtx_deadline);
}

void tcp_rtx_stop(struct tcp_conn *c)
{
	loop_timer_cancel(&c->rtx_t);
	c->rtx_mode = TCP_RTX_NONE;
}

void tcp_rtx_restart(struct tcp_conn *c)
{
	if (c->snd_una == c->snd_max) {
		tcp_rtx_stop(c); /* 5.2: everything acknowledged */
		return;
	}
	/* 5.3, lazily: every ACK of a bulk transfer restarts the timer,
	 * so only the deadline moves here; a timer armed earlier fires,
	 * finds it later and re-arms (rtx_fire): one heap operation per
	 * RTO instead of one per ACK. */
	uint64_t d = loop_now() + c->rto_ns;
	c->rtx_deadline = d;
	if (c->rtx_mode == TCP_RTX_RETRANSMIT && loop_timer_armed(&c->rtx_t) &&
	    c->rtx_t.deadline <= d)
		return;
	c->rtx_mode = TCP_RTX_RETRANSMIT;
	loop_timer_arm_at(&c->rtx_t, d);
}

void tcp_persist_check(struct tcp_conn *c)
{
	if (c->snd_wnd != 0 || c->snd_una != c->snd_max ||
	    loop_timer_armed(&c->rtx_t))
		return;
	uint32_t off = c->snd_nxt - c->snd_una;
	if (off >= c->queued)
		return;
	uint64_t d = c->rto_ns << (c->retries < 10 ? c->retries : 10);
	if (d < TCP_PERSIST_MIN)
		d = TCP_PERSIST_MIN;
	if (d > TCP_PERSIST_MAX)
		d = TCP_PERSIST_MAX;
	c->rtx_mode = TCP_RTX_PERSIST;
	loop_timer_arm_in(&c->rtx_t, d);
}

static void give_up(struct tcp_conn *c)
{
	tcp_stats.timeouts++;
	if (c->state != TCP_SYN_SENT)
		tcp_send_rst(c->lip, c->lport, c->rip, c->rport, c->snd_nxt, 0,
			     false);
	tcp_conn_finish(c, TCP_CLOSED_TIMEOUT);
}

static void backoff(struct tcp_conn *c)
{
	c->rto_ns *= 2; /* RFC 6298 5.5 */
	if (c->rto_ns > TCP_RTO_MAX)
		c->rto_ns = TCP_RTO_MAX;
}

/*
 * Zero window with nothing in flight: probe with one byte beyond the
 * window (RFC 9293 3.8.6.1). The byte counts as sent; from then on the
 * retransmission timer repeats it with backoff, and every ACK the peer
 * sends meanwhile (tcp_in.c) resets the retry count, so probing goes on
 * for as long as the peer answers.
 */
static void persist_fire(struct tcp_conn *c)
{
	c->rtx_mode = TCP_RTX_NONE;
	if (c->snd_wnd != 0 || c->finished) {
		tcp_output(c);
		return;
	}
	tcp_stats.persist_probes++;
	uint32_t off = c->snd_nxt - c->snd_una;
	if (off >= c->queued)
		return;
	tcp_send_data_at(c, c->snd_nxt, 1);
	c->snd_nxt++;
	backoff(c); /* the next probe waits twice as long */
	tcp_rtx_arm(c);
}

static void rtx_fire(struct loop_timer *t, void *arg)
{
	struct tcp_conn *c = arg;

	if (c->rtx_mode == TCP_RTX_PERSIST) {
		persist_fire(c);
		return;
	}
	if (c->rtx_mode == TCP_RTX_RETRANSMIT && loop_now() < c->rtx_deadline) {
		loop_timer_arm_at(&c->rtx_t, c->rtx_deadline); /* moved on */
		return;
	}
	c->rtx_mode = TCP_RTX_NONE;
	tcp_stats.rto_expiries++;
	if (c->state == TCP_SYN_SENT || c->state == TCP_SYN_RECEIVED) {
		if (++c->retries > TCP_SYN_RETRIES) {
			give_up(c);
			return;
		}
		backoff(c);
		c->rtt_timing = false;
		tcp_stats.retransmits++;
		tcp_send_syn(c);
		return;
	}
	if (c->snd_una == c->snd_max)
		return;
	if (++c->retries > TCP_MAX_RETRIES ||
	    loop_now() - c->progress_ns > TCP_GIVEUP_NS) {
		give_up(c);
		return;
	}
	backoff(c);
	c->rtt_timing = false; /* Karn: no sample across a retransmission */
	if (c->snd_wnd == 0) { /* a window probe, repeated */
		tcp_stats.persist_probes++;
		tcp_send_data_at(c, c->snd_una, 1);
		tcp_rtx_arm(c);
		return;
	}
	tcp_cc_timeout(c);
	if (c->sack_ok) {
		/* RFC 6675 5.1: everything not SACKed is lost and resent,
		 * lost runs first, as the slow-starting window allows; RACK
		 * goes on finding lost retransmissions meanwhile. SACKed data
		 * is kept unless the peer shows it reneged: its ACK stops at
		 * the start of a SACKed run (RFC 2018 8). */
		bool renege = c->nsb > 0 && (c->sb[0].flags & TCP_SBE_SACKED) &&
			      c->sb[0].left == c->snd_una;
		tcp_sb_mark_lost(c, c->snd_una, c->snd_max, renege);
		tcp_rack_cancel(c);
		c->tlp_out = false;
	} else {
		/* Go back to the earliest unacknowledged segment; what
		 * follows is resent as the (slow-starting) window allows. */
		c->snd_nxt = c->snd_una;
	}
	tcp_output(c);
	tcp_rtx_arm(c);
}

/* ---- the rest of a burst ------------------------------------------------ */

void tcp_output_later(struct tcp_conn *c)
{
	loop_defer(&c->out_d);
}

static void out_run(struct loop_defer *d, void *arg)
{
	struct tcp_conn *c = arg;

	if (!c->finished)
		tcp_output(c);
}

/* ---- delayed ACK --------------------------------------------------------- */

void tcp_dack_arm(struct tcp_conn *c)
{
	if (!loop_timer_armed(&c->dack_t))
		loop_timer_arm_in(&c->dack_t, TCP_DACK_NS);
}

void tcp_ack_soon(struct tcp_conn *c)
{
	loop_defer(&c->ack_d);
}

static void ack_run(struct loop_defer *d, void *arg)
{
	struct tcp_conn *c = arg;

	if (c->ack_pending > 0 && !c->finished && c->state != TCP_CLOSED)
		tcp_send_ack(c);
}

static void dack_fire(struct loop_timer *t, void *arg)
{
	struct tcp_conn *c = arg;

	if (c->state != TCP_CLOSED)
		tcp_send_ack(c);
}

/* ---- keep-alive and the close timeout ----------------------------------- */

static uint64_t ka_deadline(const struct tcp_conn *c)
{
	if (c->ka_idle_ns == 0 ||
	    (c->state != TCP_ESTABLISHED && c->state != TCP_CLOSE_WAIT))
		return 0;
	return c->last_rcv_ns + c->ka_idle_ns +
	       (uint64_t)c->ka_probes * TCP_KA_INTERVAL;
}

void tcp_life_arm(struct tcp_conn *c)
{
	uint64_t d = ka_deadline(c);

	if (c->close_deadline && (d == 0 || c->close_deadline < d))
		d = c->close_deadline;
	if (c->finished || d == 0) {
		loop_timer_cancel(&c->life_t);
		return;
	}
	loop_timer_arm_at(&c->life_t, d);
}

static void life_fire(struct loop_timer *t, void *arg)
{
	struct tcp_conn *c = arg;
	uint64_t now = loop_now();

	if (c->close_deadline && now >= c->close_deadline) {
		tcp_stats.timeouts++;
		tcp_send_rst(c->lip, c->lport, c->rip, c->rport, c->snd_nxt, 0,
			     false);
		tcp_conn_finish(c, TCP_CLOSED_TIMEOUT);
		return;
	}
	uint64_t d = ka_deadline(c);
	if (d != 0 && now >= d) {
		if (c->ka_probes >= TCP_KA_PROBES) {
			give_up(c);
			return;
		}
		/* RFC 1122 4.2.3.6: SEG.SEQ = SND.NXT-1, no data; the peer
		 * answers with an ACK. */
		c->ka_probes++;
		tcp_stats.keepalive_probes++;
		uint32_t save = c->snd_nxt;
		c->snd_nxt = c->snd_una - 1;
		tcp_send_ack(c);
		c->snd_nxt = save;
	}
	tcp_life_arm(c);
}
