/*
 * posix-direct's receive offload (bindings/posix-direct/tap_rxoff.c),
 * tested here because it makes frames for lib/net: a TCP offload frame as
 * the kernel hands it to a tap (one 64 KiB packet, a partial checksum) is
 * cut into segments that lib/net's own parsers accept byte for byte, each
 * marked csum_ok (its TCP checksum is never computed); a partial checksum
 * alone is left so and marked too, as is a frame the host checked
 * (DATA_VALID), and nothing else is; frames that lie about their offload
 * are dropped and counted, never read out of bounds.
 */
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>

#include "../../../bindings/posix-direct/tap_rxoff.c"

#include "cksum.h"
#include "fakeplat.h"
#include "ipv4_wire.h"
#include "tcp_wire.h"

#define SRC 0x0a000001u
#define DST 0x0a000002u

static uint8_t frame[14 + 65535], payload[65000];

/* A TCP offload frame of n payload bytes, flags fl, as the kernel hands
 * it over: IPv4 total length of the whole, partial TCP checksum. */
static size_t gso_frame(size_t n, uint8_t fl, uint32_t seq)
{
	uint8_t *ip = frame + 14, *tcp = ip + 20;
	struct net_csum cs = net_csum_start();

	memset(frame, 0, 14 + 40);
	frame[12] = 0x08;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(40 + n));
	put16(ip + 4, 1000);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, SRC);
	put32(ip + 16, DST);
	put16(ip + 10, net_cksum(view_make(ip, 20)));
	put16(tcp, 40000);
	put16(tcp + 2, 7);
	put32(tcp + 4, seq);
	put32(tcp + 8, 77);
	tcp[12] = 5 << 4;
	tcp[13] = fl;
	put16(tcp + 14, 1000);
	memcpy(tcp + 20, payload, n);
	net_csum_pseudo(&cs, SRC, DST, 6, (uint16_t)(20 + n));
	put16(tcp + 16, (uint16_t)~net_csum_final(&cs));
	return 14 + 40 + n;
}

int main(void)
{
	struct virtio_net_hdr vh;
	struct tap_rxoff_stats st = {0};
	struct netbuf *head = NULL, **tail = &head;
	unsigned n, bad = 0, k = 0;
	size_t got = 0;
	uint32_t seq = 0xfffff000u; /* wraps inside the frame */
	char name[160];

	for (size_t i = 0; i < sizeof payload; i++)
		payload[i] = (uint8_t)(i * 31 + i / 7);

	/* ---- a 64 KiB offload frame ---------------------------------- */
	memset(&vh, 0, sizeof vh);
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	vh.gso_size = 1448;
	vh.hdr_len = 54;
	vh.csum_start = 34;
	vh.csum_offset = 16;
	size_t len =
		gso_frame(sizeof payload, 0x18 | 0x01, seq); /* PSH ACK FIN */
	n = tap_rxoff(&vh, frame, len, NETBUF_SIZE - NETBUF_HEADROOM, &tail,
		      &st);
	snprintf(name, sizeof name, "65000 bytes cut into %u segments", n);
	CHECK(name, n == (65000 + 1447) / 1448 && st.cut == 1);
	for (struct netbuf *nb = head; nb; nb = nb->next, k++) {
		struct ipv4_hdr ip;
		struct tcp_hdr h;
		bool last = nb->next == NULL;

		if (nb->len < 14 || !nb->csum_ok ||
		    ipv4_parse(view_make(nb->data + 14, nb->len - 14), &ip) !=
			    NET_DROP_NONE ||
		    tcp_parse_rx(ip.payload, ip.src, ip.dst, nb->csum_ok, &h) !=
			    NET_DROP_NONE) {
			bad++;
			continue;
		}
		if (h.seq != seq + (uint32_t)got || ip.id != 1000 + k ||
		    h.payload.len > 1448 ||
		    memcmp(h.payload.p, payload + got, h.payload.len) ||
		    ((h.flags & TCP_FLAG_FIN) != 0) != last ||
		    ((h.flags & TCP_FLAG_PSH) != 0) != last ||
		    !(h.flags & TCP_FLAG_ACK))
			bad++;
		got += h.payload.len;
	}
	snprintf(name, sizeof name,
		 "every segment parses (IPv4 checksum; TCP's vouched for, "
		 "csum_ok), in order, FIN and PSH on the last only (%u bad)",
		 bad);
	CHECK(name, bad == 0 && got == sizeof payload);
	netbuf_free_chain(head);

	/* ---- a partial checksum alone --------------------------------- */
	head = NULL;
	tail = &head;
	vh.gso_type = VIRTIO_NET_HDR_GSO_NONE;
	len = gso_frame(100, 0x18, 5);
	n = tap_rxoff(&vh, frame, len, NETBUF_SIZE - NETBUF_HEADROOM, &tail,
		      &st);
	{
		struct ipv4_hdr ip;
		struct tcp_hdr h;
		bool parsed = n == 1 && ipv4_parse(view_make(head->data + 14,
							     head->len - 14),
						   &ip) == NET_DROP_NONE;
		CHECK("a partial checksum is left, the frame marked csum_ok",
		      parsed && st.csum == 1 && head->csum_ok &&
			      tcp_parse_rx(ip.payload, ip.src, ip.dst,
					   head->csum_ok,
					   &h) == NET_DROP_NONE &&
			      h.payload.len == 100);
		CHECK("... and not checked: its field holds the partial sum",
		      parsed && tcp_parse(ip.payload, ip.src, ip.dst, &h) ==
					NET_DROP_TCP_BAD_CSUM);
	}
	netbuf_free_chain(head);

	/* ---- DATA_VALID, and no flags ---------------------------------- */
	head = NULL;
	tail = &head;
	vh.flags = VIRTIO_NET_HDR_F_DATA_VALID;
	n = tap_rxoff(&vh, frame, len, NETBUF_SIZE - NETBUF_HEADROOM, &tail,
		      &st);
	CHECK("a frame the host checked (DATA_VALID): marked csum_ok",
	      n == 1 && head->csum_ok);
	netbuf_free_chain(head);
	head = NULL;
	tail = &head;
	vh.flags = 0;
	n = tap_rxoff(&vh, frame, len, NETBUF_SIZE - NETBUF_HEADROOM, &tail,
		      &st);
	CHECK("a frame without flags: not marked, the stack checks it",
	      n == 1 && !head->csum_ok);
	netbuf_free_chain(head);
	vh.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;

	/* ---- lies ------------------------------------------------------ */
	head = NULL;
	tail = &head;
	vh.csum_start = 60000; /* past the frame */
	n = tap_rxoff(&vh, frame, len, NETBUF_SIZE - NETBUF_HEADROOM, &tail,
		      &st);
	CHECK("a checksum offset past the frame: dropped, counted",
	      n == 0 && st.bad == 1 && head == NULL);
	vh.csum_start = 34;
	vh.gso_type = VIRTIO_NET_HDR_GSO_UDP;
	n = tap_rxoff(&vh, frame, len, NETBUF_SIZE - NETBUF_HEADROOM, &tail,
		      &st);
	CHECK("an offload type we did not ask for: dropped",
	      n == 0 && st.bad == 2);
	vh.gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
	frame[14 + 9] = 17; /* says TCP offload, carries UDP */
	n = tap_rxoff(&vh, frame, len, NETBUF_SIZE - NETBUF_HEADROOM, &tail,
		      &st);
	CHECK("TCP offload on a UDP packet: dropped", n == 0 && st.bad == 3);
	frame[14 + 9] = 6;
	n = tap_rxoff(&vh, frame, 30, NETBUF_SIZE - NETBUF_HEADROOM, &tail,
		      &st);
	CHECK("a runt offload frame: dropped", n == 0 && st.bad == 4);
	vh.gso_size = 0;
	n = tap_rxoff(&vh, frame, len, NETBUF_SIZE - NETBUF_HEADROOM, &tail,
		      &st);
	CHECK("a zero segment size: dropped", n == 0 && st.bad == 5);
	CHECK("nothing leaked", netbuf_avail() == netbuf_total());
	return fake_done();
}
