/*
 * TCP segmentation offload (netbuf.h, netif.h tso_max) against a crafted
 * peer (test_tcp_peer.h): on a device that offloads, TCP sends one frame
 * of many MSS (frag pieces, gso_size = MSS, a partial checksum) where it
 * would send many frames; what a device would make of it -- the checksum
 * completed over the whole frame, then the frame cut into gso_size
 * segments -- is checked here byte for byte. Without offload, or while
 * SACK blocks ride on our segments, frames stay within one MSS.
 */
#include "test_tcp_peer.h"

#include "cksum.h"

#define MSS 1460u

static uint8_t data[200000];
static uint8_t lin[70000]; /* a sent frame, linearised */

/*
 * Sent frame i linearised into lin, its checksum completed as a device
 * does for a partial checksum (netbuf.h): the TCP header and payload are
 * checked by tcp_parse. Returns the TCP segment length, 0 when the frame
 * is not Ethernet + IPv4 + TCP or does not verify.
 */
static size_t device_view(unsigned i, struct tcp_hdr *h, unsigned *pieces,
			  uint16_t *gso)
{
	struct netbuf *nb = fakenet_sent[i];
	size_t n = 0, ihl;

	*pieces = 0;
	*gso = nb->gso_size;
	for (; nb; nb = nb->frag) {
		if (n + nb->len > sizeof lin)
			return 0;
		memcpy(lin + n, nb->data, nb->len);
		n += nb->len;
		(*pieces)++;
	}
	if (n < 14 + 20 + 20 || lin[12] != 8 || lin[13] != 0)
		return 0;
	ihl = (size_t)(lin[14] & 15) * 4;
	if (lin[14 + 9] != 6 || ((size_t)lin[16] << 8 | lin[17]) != n - 14)
		return 0;
	uint8_t *tcp = lin + 14 + ihl;
	size_t tlen = n - 14 - ihl;
	if (*gso) {
		/* The field holds the folded pseudo-header sum: summing
		 * from the TCP header on and complementing completes it. */
		uint16_t c = net_cksum(view_make(tcp, tlen));
		tcp[16] = (uint8_t)(c >> 8);
		tcp[17] = (uint8_t)c;
	}
	if (tcp_parse(view_make(tcp, tlen), FAKENET_US, FAKENET_PEER, h) !=
	    NET_DROP_NONE)
		return 0;
	return tlen;
}

static void script(struct loop_timer *t, void *arg)
{
	static struct tcp_listener *l;
	static struct net_addr la = {0, LPORT};
	static struct tcp_hdr h;
	static struct tcp_conn *c;
	static uint32_t sent, big, bad, wr, acked;
	static unsigned i, k, pieces, frames;
	static uint16_t gso;
	static size_t tl;

	SCRIPT_BEGIN
	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 7 + i / 253);

	/* ---- offload: one frame for the whole initial window ------------- */
	fakenet_tso_max = 65535;
	tp_setup();
	tp_ws = 7;
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", tp_handshake());
	c = conn;
	CHECK("the device's offload reaches the stack", net.tso_max == 65535);
	wr = (uint32_t)tcp_send(c, data, sizeof data);
	net_tx_flush_now();
	CHECK("the initial window leaves as one frame", fakenet_nsent == 1);
	tl = device_view(0, &h, &pieces, &gso);
	CHECK("which verifies once its partial checksum is completed", tl > 0);
	CHECKF(h.payload.len > 2 * MSS && h.payload.len % MSS == 0,
	       "it carries whole segments: %zu bytes", h.payload.len);
	CHECK("gso_size is the MSS", gso == MSS);
	CHECK("in several page pieces", pieces > 1);
	CHECK("starting at the first byte", h.seq == tp_isn + 1);
	CHECK("the bytes written, in order",
	      memcmp(h.payload.p, data, h.payload.len) == 0);
	sent = (uint32_t)h.payload.len;

	/* ACK it all: the window grows and frames grow up to the device's
	 * limit; every byte arrives once, in order, in whole segments
	 * except at the end of the queue. */
	acked = 0;
	frames = 1;
	big = 0;
	bad = 0;
	for (k = 0; k < 40 && sent < sizeof data; k++) {
		fakenet_clear();
		/* A receiver's ACK for every other segment. */
		while (acked < sent) {
			acked = acked + 2 * MSS < sent ? acked + 2 * MSS : sent;
			tp_data(tp_isn + 1 + acked, NULL, 0);
		}
		if (wr < sizeof data) {
			ssize_t m = tcp_send(c, data + wr, sizeof data - wr);
			wr += m > 0 ? (uint32_t)m : 0;
		}
		net_tx_flush_now();
		for (i = 0; i < fakenet_nsent; i++) {
			tl = device_view(i, &h, &pieces, &gso);
			if (tl == 0 || h.seq != tp_isn + 1 + sent ||
			    memcmp(h.payload.p, data + sent, h.payload.len)) {
				bad++;
				continue;
			}
			if (tl + 20 > 65535 || (gso && gso != MSS) ||
			    (!gso && h.payload.len > MSS))
				bad++;
			if (h.payload.len > big)
				big = (uint32_t)h.payload.len;
			sent += (uint32_t)h.payload.len;
			frames++;
		}
	}
	CHECKF(sent == sizeof data && bad == 0,
	       "%u bytes in %u frames, each verified and in order "
	       "(%u bad)",
	       sent, frames, bad);
	CHECKF(big > 30 * MSS && big <= 65535 - 20 - 60,
	       "frames grow towards the 64 KiB datagram: largest %u", big);
	CHECKF(frames < sizeof data / MSS / 4, "%u frames instead of %zu",
	       frames, sizeof data / MSS + 1);
	fakenet_clear();
	tp_data(tp_isn + 1 + sent, NULL, 0);
	CHECK("no buffer leaks: the pool is whole again",
	      netbuf_avail() == netbuf_total());

	/* ---- while we hold out-of-order data: plain segments --------------
	 */
	tcp_abort(c);
	tcp_listener_close(l);
	tp_setup();
	CHECK("listen again", tcp_listen(&l, &la, on_accept, NULL) == 0);
	tp_sackp = true;
	CHECK("handshake (SACK)", tp_handshake());
	c = conn;
	CHECK("SACK agreed", c->sack_ok);
	tp_send(tp_seq + 1000, tp_isn + 1, TCP_FLAG_ACK, data, 100);
	CHECK("a gap in the peer's stream", c->ooo);
	fakenet_clear();
	tcp_send(c, data, 8 * MSS);
	net_tx_flush_now();
	for (bad = 0, i = 0; i < fakenet_nsent; i++) {
		tl = device_view(i, &h, &pieces, &gso);
		if (tl == 0 || gso || pieces != 1 || h.payload.len > MSS)
			bad++;
	}
	CHECKF(fakenet_nsent >= 8 && bad == 0,
	       "with SACK blocks to carry, %u plain frames (%u bad)",
	       fakenet_nsent, bad);
	tcp_abort(c);

	/* ---- no offload: never more than one MSS --------------------------
	 */
	fakenet_tso_max = 0;
	tcp_listener_close(l);
	tp_setup();
	CHECK("listen once more", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake (no offload)", tp_handshake());
	c = conn;
	tcp_send(c, data, 10 * MSS);
	net_tx_flush_now();
	for (bad = 0, i = 0; i < fakenet_nsent; i++) {
		tl = device_view(i, &h, &pieces, &gso);
		if (tl == 0 || gso || pieces != 1 || h.payload.len != MSS)
			bad++;
	}
	CHECKF(fakenet_nsent == 10 && bad == 0,
	       "a device without offload gets MSS frames: %u (%u bad)",
	       fakenet_nsent, bad);
	tcp_abort(c);
	tcp_listener_close(l);
	loop_stop(0);
	SCRIPT_END
}

int main(void)
{
	return tp_main(script);
}
