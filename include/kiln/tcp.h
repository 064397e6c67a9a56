/*
 * TCP, as every target offers it.
 *
 * One contract, two implementations chosen at link time: host kernel
 * sockets (posix-socket) and Kiln's own stack (lib/net: posix-direct, kvm,
 * virtio). An appliance written to this header runs unchanged on both.
 *
 * Rules that hold for every call and callback:
 *  - No call blocks. Every callback runs on the one event loop.
 *  - A connection produces exactly one `closed` callback, always last, and
 *    the tcp_conn is freed when that callback returns; do not touch it
 *    afterwards. `closed` is never called from inside a call the appliance
 *    made (it is deferred to the loop), so a callback may call tcp_close or
 *    tcp_abort and go on using the handle until it returns.
 *  - Nothing is freed while a callback that was handed it is running.
 *
 * Receiving, with back-pressure:
 *   `recv` hands the appliance a view of bytes in the receive buffer
 *   (Kiln's stack: the frame's own buffer, no copy). The view is valid only
 *   until the callback returns. The callback returns how many bytes it
 *   consumed. If it consumed fewer than offered, the rest stays buffered,
 *   delivery pauses (the advertised window shrinks, the peer is slowed), and
 *   resumes when the appliance calls tcp_recv_resume: the unconsumed bytes
 *   are offered again first. The bytes of one recv call are never offered
 *   in a different order or twice once consumed.
 *
 * Sending, with back-pressure:
 *   tcp_send copies what fits into the connection's send buffer and returns
 *   how many bytes it took (possibly 0). When it took fewer than asked,
 *   `writable` is called once room frees up.
 *   tcp_send_static takes bytes that live as long as the image (kv.h files,
 *   string literals, const tables) by reference, without copying: the stack
 *   keeps the pointer and sends and retransmits from there. It too returns
 *   how much it took. (posix-socket sends such bytes with sendfile from
 *   the executable's file when they lie in its read-only segments.)
 *   tcp_send_close is tcp_send for a connection's last bytes: they and the
 *   FIN may share a segment.
 *
 * Closing:
 *   tcp_shutdown sends FIN after the queued bytes (half-close; receiving
 *   goes on). tcp_close is shutdown plus "no more recv callbacks": the
 *   connection finishes sending what is queued, waits for the peer's FIN
 *   (bounded by a timeout) and then reports closed. (On posix-socket, when
 *   nothing is queued and the peer has sent nothing unread, the socket is
 *   closed at once and the kernel finishes the FIN handshake alone; closed
 *   is then reported with TCP_CLOSED_NORMAL right away.) tcp_abort resets the
 *   connection at once and drops what is queued. The peer's FIN arrives as
 *   the `eof` callback; the appliance may still send, and must then call
 *   tcp_close (or tcp_shutdown) for the connection to finish.
 */
#ifndef KILN_TCP_H
#define KILN_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <kiln/addr.h>
#include <kiln/view.h>

struct tcp_conn;     /* opaque */
struct tcp_listener; /* opaque */

/* Why a connection ended, as given to the `closed` callback. */
enum tcp_close_reason {
	TCP_CLOSED_NORMAL = 0, /* both sides closed gracefully */
	TCP_CLOSED_RESET,      /* the peer reset the connection */
	TCP_CLOSED_TIMEOUT, /* retransmissions, keep-alive or close timed out */
	TCP_CLOSED_REFUSED, /* a connect was refused (RST to our SYN) */
	TCP_CLOSED_UNREACH, /* the network said the peer is unreachable */
	TCP_CLOSED_ABORTED, /* the appliance called tcp_abort */
	TCP_CLOSED_ERROR,   /* any other local error */
};

const char *tcp_close_reason_name(enum tcp_close_reason why);

/* Per-connection callbacks. `arg` is the value given with them. */
struct tcp_callbacks {
	/* connect completed (outgoing connections only). Optional. */
	void (*connected)(struct tcp_conn *c, void *arg);
	/* Bytes arrived; return how many were consumed. Required. */
	size_t (*recv)(struct tcp_conn *c, struct view data, void *arg);
	/* The peer sent FIN: no more bytes will come. Optional (default:
	 * tcp_close). */
	void (*eof)(struct tcp_conn *c, void *arg);
	/* Room in the send buffer after a short send. Optional. */
	void (*writable)(struct tcp_conn *c, void *arg);
	/* The connection is gone; last callback. Required. */
	void (*closed)(struct tcp_conn *c, enum tcp_close_reason why,
		       void *arg);
};

/*
 * A new connection on a listener. The callback must call
 * tcp_set_callbacks (or tcp_abort) before it returns; otherwise the
 * connection is aborted.
 */
typedef void (*tcp_accept_fn)(struct tcp_listener *l, struct tcp_conn *c,
			      void *arg);

/*
 * Listen on local (ip 0 = every address of the image). Returns 0 and
 * stores the listener, or -EADDRINUSE, -EACCES, -ENOSPC, -EINVAL.
 */
int tcp_listen(struct tcp_listener **out, const struct net_addr *local,
	       tcp_accept_fn accept, void *arg)
	__attribute__((warn_unused_result));

/* Stop listening; established connections are not affected. */
void tcp_listener_close(struct tcp_listener *l);

/*
 * Say that on l's connections the client speaks first (HTTP, DNS over
 * TCP): a connection may then be offered to the accept callback only once
 * its first bytes have come, with them ready to read, so that serving a
 * request takes no wait for readiness between accept and read. A stack
 * may ignore it (Kiln's own does: its accept costs no system call); on
 * posix-socket it is TCP_DEFER_ACCEPT. Never for protocols where the
 * server speaks first: their connections would wait for the client.
 */
void tcp_listener_client_first(struct tcp_listener *l);

/*
 * Start connecting to remote. Returns 0 and stores the connection (whose
 * `connected` or `closed` callback comes later), or a negative errno for a
 * call that could not even start (-EINVAL, -ENOSPC, -ENETUNREACH).
 */
int tcp_connect(struct tcp_conn **out, const struct net_addr *remote,
		const struct tcp_callbacks *cbs, void *arg)
	__attribute__((warn_unused_result));

/* Install callbacks (cbs must outlive the connection; usually static). */
void tcp_set_callbacks(struct tcp_conn *c, const struct tcp_callbacks *cbs,
		       void *arg);

/* Copy up to len bytes into the send buffer; returns bytes taken (>= 0) or
 * -ENOTCONN / -EPIPE when the connection can no longer send. */
ssize_t tcp_send(struct tcp_conn *c, const void *data, size_t len);

/* Queue image-lifetime bytes by reference (see above); same result. */
ssize_t tcp_send_static(struct tcp_conn *c, const void *data, size_t len);

/*
 * tcp_send, then tcp_close if it took all len bytes: the connection's last
 * bytes. Where the target can, they and the FIN share a segment
 * (posix-socket: sent with MSG_MORE, and the FIN pushes them; one packet
 * less per connection where each request has its own). When it took
 * fewer, nothing is closed: send the rest and close from `writable`, as
 * after a short tcp_send. Same result as tcp_send.
 */
ssize_t tcp_send_close(struct tcp_conn *c, const void *data, size_t len);

/* Bytes tcp_send would take now without a short count. */
size_t tcp_send_room(const struct tcp_conn *c);

/* Offer again the bytes a recv callback left unconsumed, and resume. */
void tcp_recv_resume(struct tcp_conn *c);

/* Half-close, graceful close, and reset (see above). Idempotent. */
void tcp_shutdown(struct tcp_conn *c);
void tcp_close(struct tcp_conn *c);
void tcp_abort(struct tcp_conn *c);

/* Disable (true) or enable Nagle-style coalescing. Default: disabled. */
void tcp_set_nodelay(struct tcp_conn *c, bool on);

/* Keep-alive probes after idle_s seconds of silence; 0 turns them off. */
void tcp_set_keepalive(struct tcp_conn *c, unsigned idle_s);

void tcp_local_addr(const struct tcp_conn *c, struct net_addr *out);
void tcp_remote_addr(const struct tcp_conn *c, struct net_addr *out);

#endif /* KILN_TCP_H */
