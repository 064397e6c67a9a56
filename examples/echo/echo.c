/*
 * echo: TCP and UDP echo (RFC 862) on the key `port` (default 7).
 *
 * TCP shows back-pressure end to end: each recv offers the received bytes
 * to tcp_send and consumes only what the send buffer took. When it took
 * less, the rest stays in the connection's receive buffer, reading pauses
 * (the kernel's window closes on the peer), and the `writable` callback
 * resumes receiving once the send buffer has drained. A client that sends
 * without reading therefore costs a bounded amount of memory.
 *
 * UDP echoes each batch of datagrams with one batch send; a datagram the
 * host has no room for is dropped, as UDP allows.
 */
#include <kiln/config.h>
#include <kiln/kiln.h>
#include <kiln/tcp.h>
#include <kiln/udp.h>

#define ECHO_BATCH 64

static size_t echo_recv(struct tcp_conn *c, struct view data, void *arg)
{
	ssize_t n = tcp_send(c, data.p, data.len);

	/* The connection cannot send any more (it is closing or reset):
	 * nothing to echo into, so the bytes are consumed and dropped. */
	if (n < 0)
		return data.len;
	return (size_t)n;
}

static void echo_writable(struct tcp_conn *c, void *arg)
{
	tcp_recv_resume(c);
}

static void echo_eof(struct tcp_conn *c, void *arg)
{
	/* tcp_close sends what is still queued before its FIN. */
	tcp_close(c);
}

static void echo_closed(struct tcp_conn *c, enum tcp_close_reason why,
			void *arg)
{
	if (why != TCP_CLOSED_NORMAL)
		log_debug("echo: connection ended: %s",
			  tcp_close_reason_name(why));
}

static const struct tcp_callbacks echo_tcp = {
	.recv = echo_recv,
	.eof = echo_eof,
	.writable = echo_writable,
	.closed = echo_closed,
};

static void echo_accept(struct tcp_listener *l, struct tcp_conn *c, void *arg)
{
	tcp_set_callbacks(c, &echo_tcp, NULL);
}

static void echo_udp(struct udp_sock *s, const struct udp_dgram *batch,
		     size_t n, void *arg)
{
	struct udp_msg out[ECHO_BATCH];

	while (n > 0) {
		size_t k = n < ECHO_BATCH ? n : ECHO_BATCH;

		for (size_t i = 0; i < k; i++) {
			out[i].dst = batch[i].src;
			out[i].data = batch[i].data.p;
			out[i].len = batch[i].data.len;
		}
		/* A short count: the host had no room; the binding counts the
		 * drops and UDP allows them. */
		(void)udp_send_batch(s, out, k);
		batch += k;
		n -= k;
	}
}

static void bind_error(const char *proto, unsigned port, int err)
{
	if (err == -EACCES)
		kiln_printf("echo: cannot listen on %s port %u: permission "
			    "denied (ports below 1024 need privileges; "
			    "rebuild with port=7000)\n",
			    proto, port);
	else if (err == -EADDRINUSE)
		kiln_printf("echo: cannot listen on %s port %u: the port is "
			    "already in use (rebuild with another port=)\n",
			    proto, port);
	else
		kiln_printf("echo: cannot listen on %s port %u: error %d\n",
			    proto, port, -err);
}

int kiln_main(int argc, char **argv)
{
	unsigned port = (unsigned)cfg_int("port");
	struct net_addr any = {.ip = 0, .port = (uint16_t)port};
	struct tcp_listener *l;
	struct udp_sock *s;
	int err;

	err = tcp_listen(&l, &any, echo_accept, NULL);
	if (err < 0) {
		bind_error("TCP", port, err);
		return 1;
	}
	err = udp_bind(&s, &any, echo_udp, NULL);
	if (err < 0) {
		bind_error("UDP", port, err);
		tcp_listener_close(l);
		return 1;
	}
	kiln_printf("echo: serving TCP and UDP echo on port %u "
		    "(try: socat - TCP:127.0.0.1:%u)\n",
		    port, port);
	return 0;
}
