/*
 * include/kiln/tcp.h on Kiln's own stack: placeholder until the real TCP
 * lands (every call fails cleanly; segments are counted and dropped).
 */
#include <errno.h>

#include <kiln/tcp.h>

#include "stack.h"

static unsigned long tcp_stub_drops;

const char *tcp_close_reason_name(enum tcp_close_reason why)
{
	switch (why) {
	case TCP_CLOSED_NORMAL:
		return "normal";
	case TCP_CLOSED_RESET:
		return "reset";
	case TCP_CLOSED_TIMEOUT:
		return "timeout";
	case TCP_CLOSED_REFUSED:
		return "refused";
	case TCP_CLOSED_UNREACH:
		return "unreachable";
	case TCP_CLOSED_ABORTED:
		return "aborted";
	case TCP_CLOSED_ERROR:
		return "error";
	}
	return "unknown";
}

void tcp_input(struct netbuf *nb, const struct ipv4_hdr *ip)
{
	(void)ip;
	tcp_stub_drops++;
	netbuf_free(nb);
}

void tcp_icmp_error(const struct ipv4_hdr *quoted, struct view l4,
		    uint8_t type, uint8_t code, uint16_t mtu)
{
	(void)quoted, (void)l4, (void)type, (void)code, (void)mtu;
}

int tcp_listen(struct tcp_listener **out, const struct net_addr *local,
	       tcp_accept_fn accept, void *arg)
{
	*out = NULL;
	return -ENOSPC;
}

void tcp_listener_close(struct tcp_listener *l) {}

int tcp_connect(struct tcp_conn **out, const struct net_addr *remote,
		const struct tcp_callbacks *cbs, void *arg)
{
	*out = NULL;
	return -ENETUNREACH;
}

void tcp_set_callbacks(struct tcp_conn *c, const struct tcp_callbacks *cbs,
		       void *arg)
{
}

ssize_t tcp_send(struct tcp_conn *c, const void *data, size_t len)
{
	return -ENOTCONN;
}

ssize_t tcp_send_static(struct tcp_conn *c, const void *data, size_t len)
{
	return -ENOTCONN;
}

size_t tcp_send_room(const struct tcp_conn *c)
{
	return 0;
}

void tcp_recv_resume(struct tcp_conn *c) {}
void tcp_shutdown(struct tcp_conn *c) {}
void tcp_close(struct tcp_conn *c) {}
void tcp_abort(struct tcp_conn *c) {}
void tcp_set_nodelay(struct tcp_conn *c, bool on) {}
void tcp_set_keepalive(struct tcp_conn *c, unsigned idle_s) {}

void tcp_local_addr(const struct tcp_conn *c, struct net_addr *out)
{
	out->ip = 0;
	out->port = 0;
}

void tcp_remote_addr(const struct tcp_conn *c, struct net_addr *out)
{
	out->ip = 0;
	out->port = 0;
}
