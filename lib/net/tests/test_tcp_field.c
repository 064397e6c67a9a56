/*
 * TCP findings from runs against Linux, each against a crafted peer
 * (test_tcp_peer.h): a RST at RCV.NXT - 1 after the peer's FIN (as Linux
 * sends it).
 */
#include "test_tcp_peer.h"

#define MSS 1460u

static uint8_t data[70000];

static void script(struct loop_timer *t, void *arg)
{
	static struct tcp_listener *l;
	static struct net_addr la = {0, LPORT};
	static struct tcp_hdr h;
	static struct tcp_conn *c;
	static uint32_t fin;
	static unsigned i;

	SCRIPT_BEGIN
	for (i = 0; i < sizeof data; i++)
		data[i] = (uint8_t)(i * 13 + i / 251);

	/* ---- a RST at RCV.NXT - 1 after the peer's FIN (Linux's answer to
	 * segments that were in flight when it closed) --------------------- */
	tp_setup();
	CHECK("listen", tcp_listen(&l, &la, on_accept, NULL) == 0);
	CHECK("handshake", tp_handshake());
	c = conn;
	tp_data(tp_isn + 1, "req", 3);
	tp_send(tp_seq - 1, 0, TCP_FLAG_RST, NULL, 0);
	CHECK("ESTABLISHED: a RST at RCV.NXT - 1 is ignored (RFC 5961)",
	      nclosed == 0 && c->state == TCP_ESTABLISHED);
	eof_keep = true;
	tcp_send(c, data, 3000);
	net_tx_flush_now();
	CHECK("our data went out acknowledging RCV.NXT",
	      tp_last(&h) && h.ack == tp_seq);
	fin = tp_seq;
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	tp_seq++;
	CHECK("the peer's FIN: CLOSE-WAIT",
	      neof == 1 && c->state == TCP_CLOSE_WAIT);
	tp_send(fin - 1, 0, TCP_FLAG_RST, NULL, 0);
	CHECK("CLOSE-WAIT: a RST at RCV.NXT - 2 is still ignored",
	      nclosed == 0 && c->state == TCP_CLOSE_WAIT);
	tp_send(fin, 0, TCP_FLAG_RST, NULL, 0); /* SEQ = our segments' ACK */
	WAIT(1);
	CHECK("CLOSE-WAIT: a RST at RCV.NXT - 1 resets the connection",
	      nclosed == 1 && why == TCP_CLOSED_RESET);

	nclosed = neof = 0;
	tp_pport++;
	CHECK("handshake", tp_handshake());
	c = conn;
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	fin = tp_seq++;
	tcp_send(c, data, 3000);
	tcp_close(c);
	net_tx_flush_now();
	CHECK("LAST-ACK", c->state == TCP_LAST_ACK);
	tp_send(fin, 0, TCP_FLAG_RST, NULL, 0);
	WAIT(1);
	CHECK("LAST-ACK: a RST at RCV.NXT - 1 ends the connection",
	      nclosed == 1 && !tp_conn());

	nclosed = neof = 0;
	tp_pport++;
	CHECK("handshake", tp_handshake());
	c = conn;
	tcp_shutdown(c);
	tp_send(tp_seq, tp_isn + 1, TCP_FLAG_ACK | TCP_FLAG_FIN, NULL, 0);
	fin = tp_seq++;
	CHECK("simultaneous close: CLOSING", c->state == TCP_CLOSING);
	tp_send(fin, 0, TCP_FLAG_RST, NULL, 0);
	WAIT(1);
	CHECK("CLOSING: a RST at RCV.NXT - 1 resets the connection",
	      nclosed == 1 && why == TCP_CLOSED_RESET);
	tcp_listener_close(l);
	loop_stop(0);
	SCRIPT_END
}

int main(void)
{
	return tp_main(script);
}
