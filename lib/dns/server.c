/*
 * The server: UDP batches and TCP connections (RFC 7766) on one port.
 *
 * Memory is fixed at build time: response buffers for one UDP batch, one
 * TCP response scratch, and a table of DNS_TCP_CONNS connections, each
 * with room for one query being reassembled. Nothing is allocated after
 * dns_serve returns, so a query costs no allocation on any target.
 *
 * TCP back-pressure: responses are built in one shared scratch and sent
 * with tcp_send. When a send comes up short, the query is parked in its
 * connection's buffer, delivery pauses (recv consumes nothing), and
 * `writable` rebuilds the response (dns_answer is a pure function of the
 * query) and sends the rest from where it stopped, then resumes. So a
 * connection keeps at most one query and a count, never half a response,
 * and a client that sends without reading costs one buffer.
 */
#include <string.h>

#include <kiln/dns.h>
#include <kiln/log.h>
#include <kiln/loop.h>
#include <kiln/tcp.h>
#include <kiln/udp.h>

#include "wire.h"

#define DNS_BATCH 64
/* A query over TCP larger than this is not a query this server answers
 * (EDNS padding pads queries to 468 octets, RFC 8467 section 4.1). */
#define DNS_TCP_QMAX 2048

struct dns_conn {
	struct tcp_conn *c;
	struct loop_timer idle;
	uint16_t have; /* bytes of buf filled: the length prefix first */
	uint32_t sent; /* bytes of the parked query's response sent */
	bool used;
	bool parked; /* buf holds a whole query waiting for room */
	bool eof;    /* the peer is done sending */
	uint8_t buf[2 + DNS_TCP_QMAX];
};

static const struct dns_table *srv_table;
static unsigned srv_idle_ms;
static struct dns_conn conns[DNS_TCP_CONNS];
static uint8_t udp_out[DNS_BATCH][DNS_EDNS_SIZE];
static uint8_t tcp_out[2 + DNS_TCP_MAX];

static void udp_in(struct udp_sock *s, const struct udp_dgram *batch, size_t n,
		   void *arg)
{
	static struct view qs[DNS_BATCH];
	static struct mview outs[DNS_BATCH];
	static size_t lens[DNS_BATCH];
	struct udp_msg msgs[DNS_BATCH];

	/* The whole received batch goes back in one send where the
	 * binding's batch fits ours (it does: posix-socket's is 32). */
	while (n > 0) {
		size_t k = n < DNS_BATCH ? n : DNS_BATCH, m = 0;

		for (size_t i = 0; i < k; i++) {
			qs[i] = batch[i].data;
			outs[i] = mview_make(udp_out[i], DNS_EDNS_SIZE);
		}
		dns_answer_batch(srv_table, qs, k, outs, lens);
		for (size_t i = 0; i < k; i++) {
			if (lens[i] == 0)
				continue;
			msgs[m].dst = batch[i].src;
			msgs[m].data = udp_out[i];
			msgs[m].len = lens[i];
			m++;
		}
		if (m > 0)
			(void)udp_send_batch(s, msgs, m);
		batch += k;
		n -= k;
	}
}

/*
 * Send the response to msg on d from byte d->sent on. Returns true when it
 * is all gone (or the connection can no longer send); false after a short
 * send, which promises a `writable` callback.
 */
static bool tcp_answer(struct dns_conn *d, struct view msg)
{
	size_t len = dns_answer(srv_table, msg, true,
				mview_make(tcp_out + 2, DNS_TCP_MAX));
	ssize_t n;

	if (len == 0) {
		d->sent = 0;
		return true;
	}
	tcp_out[0] = (uint8_t)(len >> 8);
	tcp_out[1] = (uint8_t)len;
	n = tcp_send(d->c, tcp_out + d->sent, len + 2 - d->sent);
	if (n >= 0 && d->sent + (size_t)n < len + 2) {
		d->sent += (uint32_t)n;
		return false;
	}
	d->sent = 0;
	return true;
}

static uint16_t frame_len(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static size_t conn_recv(struct tcp_conn *c, struct view data, void *arg)
{
	struct dns_conn *d = arg;
	size_t used = 0;

	if (d->parked)
		return 0;
	loop_timer_arm_in(&d->idle, (uint64_t)srv_idle_ms * 1000000u);
	while (used < data.len) {
		size_t left = data.len - used, need, take;
		uint16_t flen;

		/* The common case: whole frames in the received bytes are
		 * answered from where they lie, without a copy. */
		if (d->have == 0 && left >= 2) {
			flen = frame_len(data.p + used);
			if (flen > DNS_TCP_QMAX)
				goto err_abort;
			if (left - 2 >= flen) {
				struct view m;
				if (!view_sub(data, used + 2, flen, &m))
					goto err_abort;
				used += 2u + flen;
				if (tcp_answer(d, m))
					continue;
				/* Park it for conn_writable to finish. */
				memcpy(d->buf, data.p + used - 2u - flen,
				       2u + flen);
				d->have = (uint16_t)(2u + flen);
				d->parked = true;
				return used;
			}
		}
		/* A frame split across segments: gather it in buf. */
		need = d->have < 2 ? 2u - d->have
				   : 2u + frame_len(d->buf) - d->have;
		take = left < need ? left : need;
		memcpy(d->buf + d->have, data.p + used, take);
		d->have = (uint16_t)(d->have + take);
		used += take;
		if (d->have < 2)
			continue;
		flen = frame_len(d->buf);
		if (flen > DNS_TCP_QMAX)
			goto err_abort;
		if (d->have < 2u + flen)
			continue;
		if (!tcp_answer(d, view_make(d->buf + 2, flen))) {
			d->parked = true;
			return used;
		}
		d->have = 0;
	}
	return used;

err_abort:
	/* Not DNS: RFC 7766 section 6.2.4 lets the server close. */
	tcp_abort(c);
	return data.len;
}

static void conn_writable(struct tcp_conn *c, void *arg)
{
	struct dns_conn *d = arg;

	if (d->parked) {
		if (!tcp_answer(d, view_make(d->buf + 2, frame_len(d->buf))))
			return;
		d->parked = false;
		d->have = 0;
		if (d->eof) {
			tcp_close(c);
			return;
		}
	}
	tcp_recv_resume(c);
}

static void conn_eof(struct tcp_conn *c, void *arg)
{
	struct dns_conn *d = arg;

	/* Every whole query has been answered or is parked; a parked one
	 * is still answered before the close (conn_writable). */
	d->eof = true;
	if (!d->parked)
		tcp_close(c);
}

static void conn_closed(struct tcp_conn *c, enum tcp_close_reason why,
			void *arg)
{
	struct dns_conn *d = arg;

	loop_timer_cancel(&d->idle);
	d->used = false;
}

static void conn_idle(struct loop_timer *t, void *arg)
{
	struct dns_conn *d = arg;

	/* RFC 7766 section 6.2.3: the server closes idle connections. */
	tcp_close(d->c);
}

static const struct tcp_callbacks conn_cbs = {
	.recv = conn_recv,
	.eof = conn_eof,
	.writable = conn_writable,
	.closed = conn_closed,
};

static void tcp_accepted(struct tcp_listener *l, struct tcp_conn *c, void *arg)
{
	for (unsigned i = 0; i < DNS_TCP_CONNS; i++) {
		struct dns_conn *d = &conns[i];

		if (d->used)
			continue;
		d->used = true;
		d->c = c;
		d->have = 0;
		d->sent = 0;
		d->parked = false;
		d->eof = false;
		loop_timer_init(&d->idle, conn_idle, d);
		loop_timer_arm_in(&d->idle, (uint64_t)srv_idle_ms * 1000000u);
		tcp_set_nodelay(c, true);
		tcp_set_callbacks(c, &conn_cbs, d);
		return;
	}
	/* The table is full: bounded, so the newest is turned away. */
	log_debug("dns: connection table full, refusing a connection");
	tcp_abort(c);
}

int dns_serve(const struct dns_table *t, uint16_t port, unsigned idle_ms)
{
	struct net_addr any = {.ip = 0, .port = port};
	struct tcp_listener *l;
	struct udp_sock *s;
	int err;

	srv_table = t;
	srv_idle_ms = idle_ms ? idle_ms : 1;
	err = udp_bind(&s, &any, udp_in, NULL);
	if (err < 0)
		return err;
	err = tcp_listen(&l, &any, tcp_accepted, NULL);
	if (err < 0) {
		udp_close(s);
		return err;
	}
	tcp_listener_client_first(l); /* the query comes first */
	return 0;
}
