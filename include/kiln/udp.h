/*
 * UDP, as every target offers it.
 *
 * Like tcp.h, one contract with two implementations chosen at link time.
 * Datagrams move in batches in both directions, because a DNS server lives
 * or dies by its cost per datagram: posix-socket uses recvmmsg/sendmmsg,
 * Kiln's stack takes a batch of frames per device call.
 *
 * UDP is lossy by nature: when a send cannot be queued (the socket buffer
 * or the buffer pool is full) the datagram is dropped and counted, and the
 * call says so; nothing waits.
 */
#ifndef KILN_UDP_H
#define KILN_UDP_H

#include <stddef.h>
#include <stdint.h>

#include <kiln/addr.h>
#include <kiln/view.h>

struct udp_sock; /* opaque */

/* One received datagram. */
struct udp_dgram {
	struct view data;    /* valid only until the callback returns */
	struct net_addr src; /* the sender */
	struct net_addr dst; /* the local address it was sent to */
};

/*
 * A batch of n >= 1 received datagrams, in arrival order. The views are
 * valid only until the callback returns.
 */
typedef void (*udp_recv_fn)(struct udp_sock *s, const struct udp_dgram *batch,
			    size_t n, void *arg);

/* One datagram to send. data is copied (or sent) before the call returns. */
struct udp_msg {
	struct net_addr dst;
	const void *data;
	size_t len;
};

/*
 * Bind local (ip 0 = any; port 0 = an ephemeral port). Returns 0 and
 * stores the socket, or -EADDRINUSE, -EACCES, -ENOSPC, -EINVAL.
 */
int udp_bind(struct udp_sock **out, const struct net_addr *local,
	     udp_recv_fn recv, void *arg) __attribute__((warn_unused_result));

/*
 * Send one datagram. Returns 0, -EAGAIN when it was dropped for lack of
 * room, -EMSGSIZE when too large (over 65507 bytes), -EINVAL.
 */
int udp_sendto(struct udp_sock *s, const struct net_addr *dst, const void *data,
	       size_t len);

/*
 * Send n datagrams; returns how many were sent (in order; a short count
 * means the rest were dropped for lack of room) or a negative errno when
 * the first could not be sent for any reason other than room.
 */
int udp_send_batch(struct udp_sock *s, const struct udp_msg *msgs, size_t n);

/* The bound address (the port chosen when 0 was asked). */
void udp_local_addr(const struct udp_sock *s, struct net_addr *out);

/* Unbind and free; no callback runs after this returns. */
void udp_close(struct udp_sock *s);

#endif /* KILN_UDP_H */
