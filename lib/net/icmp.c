/*
 * ICMPv4 (RFC 792; host rules RFC 1122 3.2.2): echo replies, the errors we
 * send, and the errors we receive.
 *
 * Echo. A request in a netbuf is answered in the same buffer (type and
 * checksum rewritten, RFC 1122 3.2.2.6: same data, id and sequence); one
 * from the reassembly arena (a ping larger than the MTU) is answered with
 * ipv4_output_copy, which fragments the reply as it copies it out. Echo
 * requests to a broadcast address are ignored (3.2.2.6 allows it; Linux
 * does the same by default: smurf amplification).
 *
 * Errors sent (destination unreachable: port, protocol; time exceeded for
 * reassembly) follow 3.2.2's "MUST NOT send" list: not about an ICMP
 * error, a broadcast or multicast destination, a non-initial fragment, or
 * a source that is not one host. They go through a token bucket
 * (NET_ICMP_ERR_RATE a second, 3.2.2 "SHOULD limit the rate") so that a
 * scan of closed ports cannot turn us into a traffic source.
 *
 * Errors received: destination unreachable, time exceeded and parameter
 * problem quoting one of our TCP segments go to TCP (RFC 1122 4.2.3.9;
 * fragmentation-needed carries the MTU, RFC 1191); the rest are counted.
 */
#include <string.h>

#include <kiln/loop.h>

#include "cksum.h"
#include "icmp_wire.h"
#include "ipv4_wire.h"
#include "stack.h"

#define ICMP_ERR_MAX_LEN (ICMP_HDR_LEN + IPV4_MAX_HDR_LEN + IPV4_QUOTE_DATA)
#define ICMP_TOKEN_NS	 (1000000000ull / NET_ICMP_ERR_RATE)

static struct {
	uint32_t tokens;
	uint64_t last; /* time the bucket was last filled to */
	bool started;
} bucket;

static bool take_token(void)
{
	uint64_t now = loop_now(), add;

	if (!bucket.started) {
		bucket.started = true;
		bucket.tokens = NET_ICMP_ERR_BURST;
		bucket.last = now;
	}
	add = (now - bucket.last) / ICMP_TOKEN_NS;
	if (add) {
		bucket.last += add * ICMP_TOKEN_NS;
		if (add > NET_ICMP_ERR_BURST - bucket.tokens)
			bucket.tokens = NET_ICMP_ERR_BURST;
		else
			bucket.tokens += (uint32_t)add;
	}
	if (!bucket.tokens) {
		net.ev.icmp_ratelimited++;
		return false;
	}
	bucket.tokens--;
	return true;
}

/* RFC 1122 3.2.2: the datagrams no error may be about. */
static bool may_answer(const struct ipv4_rx *orig)
{
	const struct ipv4_hdr *h = &orig->h;
	uint8_t type;

	if (orig->bcast || (h->dst >> 28) >= 0xeu || h->frag_off != 0)
		return false;
	if (h->src == 0 || (h->src >> 28) >= 0xeu || ipv4_is_bcast(h->src))
		return false;
	if (h->proto == IPV4_PROTO_ICMP &&
	    (!view_u8(h->payload, 0, &type) || icmp_is_error(type)))
		return false;
	return true;
}

void icmp_send_error(const struct ipv4_rx *orig, uint8_t type, uint8_t code)
{
	struct icmp_hdr e;
	struct netbuf *nb;
	struct mview m;
	int len;

	if (!net.ip.addr || !may_answer(orig) || !take_token())
		return;
	if (!(nb = netbuf_alloc())) {
		net.ev.tx_nobuf++;
		return;
	}
	if (!netbuf_put(nb, ICMP_ERR_MAX_LEN, &m))
		goto fail;
	if (type == ICMP_DEST_UNREACH) {
		len = icmp_emit_unreach(code, 0, orig->dgram, m);
	} else {
		memset(&e, 0, sizeof e);
		e.type = type;
		e.code = code;
		if (!icmp_quote_of(orig->dgram, &e.data))
			goto fail;
		len = icmp_emit(&e, m);
	}
	if (len < 0)
		goto fail;
	netbuf_trim(nb, (size_t)len);
	net.icmp_out++;
	(void)ipv4_output(nb, net.ip.addr, orig->h.src, IPV4_PROTO_ICMP, false);
	return;
fail:
	netbuf_free(nb);
}

/* Reply to a reassembled (arena) request: header here, data copied out. */
static void echo_reply_copy(const struct ipv4_rx *rx, const struct icmp_hdr *q)
{
	uint8_t hdr[ICMP_HDR_LEN] = {ICMP_ECHO_REPLY, 0, 0, 0};
	struct net_csum c = net_csum_start();
	struct view parts[2];
	uint16_t sum;

	hdr[4] = (uint8_t)(q->id >> 8);
	hdr[5] = (uint8_t)q->id;
	hdr[6] = (uint8_t)(q->seq >> 8);
	hdr[7] = (uint8_t)q->seq;
	parts[0] = view_make(hdr, sizeof hdr);
	parts[1] = q->data;
	net_csum_add(&c, parts[0]);
	net_csum_add(&c, parts[1]);
	sum = net_csum_final(&c);
	hdr[2] = (uint8_t)(sum >> 8);
	hdr[3] = (uint8_t)sum;
	if (ipv4_output_copy(rx->h.dst, rx->h.src, IPV4_PROTO_ICMP, parts, 2) ==
	    0)
		net.icmp_out++;
}

static void echo(struct ipv4_rx *rx, const struct icmp_hdr *q)
{
	struct netbuf *nb = rx->nb;

	if (rx->bcast) {
		net.ev.icmp_ignored++;
		netbuf_free(nb);
		return;
	}
	if (!nb) {
		echo_reply_copy(rx, q);
		return;
	}
	/* In place: the reply has the request's length, data, id, seq. */
	if (icmp_emit_echo_reply(q, netbuf_mview(nb)) < 0) {
		netbuf_free(nb);
		return;
	}
	net.icmp_out++;
	(void)ipv4_output(nb, rx->h.dst, rx->h.src, IPV4_PROTO_ICMP, false);
}

void icmp_input(struct ipv4_rx *rx)
{
	struct icmp_hdr m;
	enum net_drop why = icmp_parse(rx->h.payload, &m);

	if (why != NET_DROP_NONE) {
		net_drop(why, rx->nb);
		return;
	}
	switch (m.type) {
	case ICMP_ECHO_REQUEST:
		echo(rx, &m);
		return;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
	case ICMP_PARAM_PROBLEM:
		/* Only errors about what we sent: the quote's source is us. */
		if (m.has_quote && m.quote.proto == IPV4_PROTO_TCP &&
		    net.ip.addr && m.quote.src == net.ip.addr) {
			tcp_icmp_error(&m.quote, m.quote.payload, m.type,
				       m.code, m.mtu);
			break;
		}
		net.ev.icmp_ignored++;
		break;
	default:
		/* Echo replies (we ping nobody), redirects (RFC 1122
		 * 3.2.2.2 lets a host with one gateway ignore them), source
		 * quench (RFC 6633), timestamps and the rest. */
		net.ev.icmp_ignored++;
		break;
	}
	netbuf_free(rx->nb);
}

void icmp_reset(void)
{
	memset(&bucket, 0, sizeof bucket);
}
