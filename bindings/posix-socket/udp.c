/*
 * UDP on host sockets, in batches: recvmmsg brings up to UDP_BATCH
 * datagrams per system call and the appliance sees them in one callback;
 * udp_send_batch is one sendmmsg.
 *
 * Receive buffers: UDP_BATCH slots of 64 KiB, shared by every socket (the
 * callbacks never nest and the views die when the callback returns). A
 * slot holds any IPv4 datagram, so nothing is truncated; only the pages a
 * datagram actually touches cost memory (about 2 KiB x 32 for DNS-sized
 * traffic).
 *
 * IP_PKTINFO gives each datagram's destination address, so that a server
 * bound to 0.0.0.0 knows which of its addresses was asked.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <kiln/log.h>
#include <kiln/loop.h>
#include <kiln/udp.h>

#include "../posix/posix.h"

#define UDP_BATCH	      32
#define UDP_SLOT	      (64u * 1024)
#define UDP_MAX_PAYLOAD	      65507u
#define UDP_BATCHES_PER_EVENT 4 /* fairness between sockets */

struct udp_sock {
	struct posix_fd pf;
	udp_recv_fn recv;
	void *arg;
	struct net_addr local;
	bool closed;
	struct loop_defer free_d; /* freed on the loop: may close itself */
};

static uint8_t rx_bufs[UDP_BATCH][UDP_SLOT];
static struct sockaddr_in rx_src[UDP_BATCH];
static union {
	char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct cmsghdr align;
} rx_ctl[UDP_BATCH];
static struct iovec rx_iov[UDP_BATCH];
static struct mmsghdr rx_msgs[UDP_BATCH];
static struct udp_dgram rx_dgrams[UDP_BATCH];

/* Datagrams dropped: sends without room, and receive-side truncation. */
static unsigned long udp_dropped_tx, udp_dropped_rx;

static void to_sockaddr(const struct net_addr *a, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(a->ip);
	sa->sin_port = htons(a->port);
}

static void dst_of(const struct udp_sock *s, struct msghdr *mh,
		   struct net_addr *dst)
{
	*dst = s->local;
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm;
	     cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IP &&
		    cm->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof pi);
			dst->ip = ntohl(pi.ipi_addr.s_addr);
		}
	}
}

/* One recvmmsg; returns datagrams received, 0 when none, -1 on error. */
static int recv_batch(struct udp_sock *s)
{
	int n, out = 0;

	for (int k = 0; k < UDP_BATCH; k++) {
		rx_iov[k] = (struct iovec){rx_bufs[k], UDP_SLOT};
		rx_msgs[k].msg_hdr = (struct msghdr){
			.msg_name = &rx_src[k],
			.msg_namelen = sizeof rx_src[k],
			.msg_iov = &rx_iov[k],
			.msg_iovlen = 1,
			.msg_control = rx_ctl[k].buf,
			.msg_controllen = sizeof rx_ctl[k].buf,
		};
	}
	do
		n = recvmmsg(s->pf.fd, rx_msgs, UDP_BATCH, MSG_DONTWAIT, NULL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
	for (int k = 0; k < n; k++) {
		struct msghdr *mh = &rx_msgs[k].msg_hdr;
		struct udp_dgram *d = &rx_dgrams[out];

		if (mh->msg_flags & MSG_TRUNC) {
			udp_dropped_rx++;
			continue;
		}
		d->data = view_make(rx_bufs[k], rx_msgs[k].msg_len);
		d->src.ip = ntohl(rx_src[k].sin_addr.s_addr);
		d->src.port = ntohs(rx_src[k].sin_port);
		dst_of(s, mh, &d->dst);
		out++;
	}
	if (out > 0)
		s->recv(s, rx_dgrams, (size_t)out, s->arg);
	return n;
}

static void udp_ready(struct posix_fd *pf, uint32_t events)
{
	struct udp_sock *s = (struct udp_sock *)pf;

	for (int k = 0; k < UDP_BATCHES_PER_EVENT && !s->closed; k++) {
		int n = recv_batch(s);
		if (n < 0) {
			/* Errors queued by ICMP (port unreachable after a
			 * send) are reported once and cleared by the read. */
			if (errno != ECONNREFUSED)
				log_debug("udp: recvmmsg: %s", strerror(errno));
			return;
		}
		if (n < UDP_BATCH)
			return;
	}
}

static void udp_free(struct loop_defer *d, void *arg)
{
	free(arg);
}

int udp_bind(struct udp_sock **out, const struct net_addr *local,
	     udp_recv_fn recv, void *arg)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	struct udp_sock *s;
	int fd, one = 1, err;

	if (!out || !local || !recv)
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -ENOSPC;
	(void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
	to_sockaddr(local, &sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		err = errno == EADDRINUSE		  ? -EADDRINUSE
		      : errno == EACCES || errno == EPERM ? -EACCES
							  : -EINVAL;
		goto err_close;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		err = -ENOSPC;
		goto err_close;
	}
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0) {
		s->local.ip = ntohl(sa.sin_addr.s_addr);
		s->local.port = ntohs(sa.sin_port);
	}
	s->pf.fd = fd;
	s->pf.events = EPOLLIN;
	s->pf.ready = udp_ready;
	s->recv = recv;
	s->arg = arg;
	loop_defer_init(&s->free_d, udp_free, s);
	if (posix_fd_add(&s->pf) != 0) {
		free(s);
		err = -ENOSPC;
		goto err_close;
	}
	loop_ref();
	*out = s;
	return 0;

err_close:
	close(fd);
	return err;
}

static int check_msg(const struct net_addr *dst, size_t len)
{
	if (!dst || dst->ip == 0 || dst->port == 0)
		return -EINVAL;
	if (len > UDP_MAX_PAYLOAD)
		return -EMSGSIZE;
	return 0;
}

/* The result for a failed send: room problems are -EAGAIN. */
static int send_error(int err)
{
	switch (err) {
	case EAGAIN:
	case ENOBUFS:
	case ENOMEM:
		return -EAGAIN;
	case EMSGSIZE:
		return -EMSGSIZE;
	case EACCES:
	case EPERM:
		return -EACCES;
	case ENETUNREACH:
	case EHOSTUNREACH:
		return -ENETUNREACH;
	default:
		return -EINVAL;
	}
}

int udp_sendto(struct udp_sock *s, const struct net_addr *dst, const void *data,
	       size_t len)
{
	struct sockaddr_in sa;
	int r = check_msg(dst, len);

	if (r < 0 || s->closed)
		return r < 0 ? r : -EINVAL;
	to_sockaddr(dst, &sa);
	for (;;) {
		if (sendto(s->pf.fd, data, len, MSG_DONTWAIT,
			   (struct sockaddr *)&sa, sizeof sa) >= 0)
			return 0;
		if (errno != EINTR)
			break;
	}
	r = send_error(errno);
	if (r == -EAGAIN)
		udp_dropped_tx++;
	return r;
}

int udp_send_batch(struct udp_sock *s, const struct udp_msg *msgs, size_t n)
{
	struct mmsghdr mm[UDP_BATCH];
	struct sockaddr_in sa[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	size_t sent = 0;

	if (s->closed)
		return -EINVAL;
	while (sent < n) {
		unsigned k = 0;
		int r;

		/* Stop a chunk before a message that cannot be sent. */
		while (k < UDP_BATCH && sent + k < n) {
			const struct udp_msg *m = &msgs[sent + k];
			if (check_msg(&m->dst, m->len) < 0)
				break;
			to_sockaddr(&m->dst, &sa[k]);
			iov[k] = (struct iovec){(void *)m->data, m->len};
			mm[k].msg_hdr = (struct msghdr){
				.msg_name = &sa[k],
				.msg_namelen = sizeof sa[k],
				.msg_iov = &iov[k],
				.msg_iovlen = 1,
			};
			k++;
		}
		if (k == 0) {
			r = check_msg(&msgs[sent].dst, msgs[sent].len);
			return sent ? (int)sent : r;
		}
		do
			r = sendmmsg(s->pf.fd, mm, k, MSG_DONTWAIT);
		while (r < 0 && errno == EINTR);
		if (r < 0) {
			r = send_error(errno);
			if (r != -EAGAIN && sent == 0)
				return r;
			break;
		}
		sent += (size_t)r;
		if ((unsigned)r < k)
			break;
	}
	udp_dropped_tx += n - sent;
	return (int)sent;
}

void udp_local_addr(const struct udp_sock *s, struct net_addr *out)
{
	*out = s->local;
}

void udp_close(struct udp_sock *s)
{
	if (!s || s->closed)
		return;
	s->closed = true;
	posix_fd_del(&s->pf);
	close(s->pf.fd);
	s->pf.fd = -1;
	loop_unref();
	loop_defer(&s->free_d);
}
