/*
 * Internal to bindings/posix-socket's TCP: the connection struct shared by
 * tcp_conn.c (data transfer and closing) and tcp_listen.c (listening,
 * accepting, connecting, options).
 *
 * A connection owns one non-blocking host socket registered with the
 * posix epoll (posix.h) and one loop reference from creation until its
 * `closed` callback has returned.
 *
 * Send queue: the bytes tcp_send copied live in a ring (TCP_SEND_BUF
 * bytes, allocated while bytes wait, freed when they are gone); the
 * queue itself is a ring of segments, each either "the next len bytes of
 * the copy ring" (p == NULL) or a static reference (tcp_send_static). The
 * segment ring bounds how many static references can wait. A static
 * reference into the image's read-only segments also carries its offset
 * in the executable's file (tcp_exe.c) and goes out with sendfile.
 *
 *   segs: [copy 3000][static 50000 -> kv file @ exe+0x11040][copy 20] ...
 *   ring: |..head>>>>>>>3020 bytes>>>>>..........|
 *
 * Receive: bytes are read into one scratch buffer shared by every
 * connection (recv callbacks never nest); only bytes a recv callback
 * leaves unconsumed are copied into the connection's own pending buffer
 * (at most TCP_RECV_BUF), and reading stops until tcp_recv_resume.
 */
#ifndef KILN_POSIX_TCP_INT_H
#define KILN_POSIX_TCP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <kiln/loop.h>
#include <kiln/tcp.h>

#include "../posix/posix.h"

#define TCP_RECV_BUF  (16u * 1024)
#define TCP_SEND_BUF  (64u * 1024)
#define TCP_MAX_SEGS  64u
#define TCP_MAX_CONNS 4096u
/* Bound on tcp_close without progress: drain, FIN, the peer's FIN. */
#define TCP_CLOSE_TIMEOUT_NS (10ull * 1000000000u)

enum tcp_state {
	TCP_S_CONNECTING,
	TCP_S_OPEN,
	TCP_S_DEAD, /* fd closed, `closed` queued */
};

struct tcp_seg {
	const uint8_t *p; /* NULL: bytes in the copy ring */
	size_t len;
	off_t off; /* static: offset of p in the executable, or -1 */
};

struct tcp_conn {
	struct posix_fd pf;
	const struct tcp_callbacks *cbs;
	void *arg;
	enum tcp_state state;
	enum tcp_close_reason why; /* once TCP_S_DEAD */
	bool registered;	   /* fd is in the epoll set */
	bool rd_eof;		   /* the peer's FIN was read */
	bool closing;		   /* tcp_close: no more recv or eof */
	bool shut_req;		   /* FIN once the queue drains */
	bool shut_done;		   /* shutdown(SHUT_WR) done */
	bool paused;		   /* pending bytes wait for a resume */
	bool want_writable;	   /* a send came up short */
	bool tee_short;		   /* a tcp_tee_send came up short */

	uint8_t *pend; /* unconsumed received bytes (TCP_RECV_BUF) */
	size_t pend_len;

	uint8_t *ring; /* copied send bytes (TCP_SEND_BUF) */
	size_t ring_head, ring_len;
	struct tcp_seg segs[TCP_MAX_SEGS];
	unsigned seg_head, nsegs;
	size_t queued; /* bytes in all segments */

	struct loop_defer resume_d, closed_d;
	struct loop_timer close_t;
	/* local: an accepted connection's starts as its listener's address;
	 * for a wildcard listener the ip is looked up on the first
	 * tcp_local_addr (local_known), and stays 0 if the connection has
	 * ended by then. */
	struct net_addr local, remote;
	bool local_known;
};

/* Live connections, bounded by TCP_MAX_CONNS (tcp_conn.c). */
extern unsigned tcp_nconns;

/* A new connection around fd (non-blocking) in state st, with a loop
 * reference; NULL when out of memory (fd is left to the caller). */
struct tcp_conn *tcp_conn_new(int fd, enum tcp_state st);

/* Bring the epoll registration in line with the state. */
void tcp_conn_sync(struct tcp_conn *c);

/* End the connection: close the fd now and queue `closed` with why. */
void tcp_conn_finish(struct tcp_conn *c, enum tcp_close_reason why);

/* Write what the socket takes of the send queue; then, once it is empty,
 * the pending FIN or the `writable` callback. False when the conn ended
 * (tcp_send.c). */
bool tcp_conn_flush(struct tcp_conn *c);

/* shutdown(SHUT_WR) now; ends the connection when both sides are done. */
void tcp_conn_shut_wr(struct tcp_conn *c);

/*
 * Read what the socket has now, as on EPOLLIN. Called right after accept
 * too on a client-first listener (TCP_DEFER_ACCEPT: the kernel accepts
 * once the request has come), and a connection served and closed in that
 * call never enters the epoll set (two fewer system calls each).
 */
void tcp_conn_read(struct tcp_conn *c);

/* epoll readiness of a connection (also completes connects). */
void tcp_conn_ready(struct posix_fd *pf, uint32_t events);

/*
 * The image's read-only segments in its own file (tcp_exe.c). init opens
 * /proc/self/exe and notes the segments (once; later calls do nothing).
 * offset: where the n bytes at p lie in that file, or -1 when they are not
 * all in a verified read-only segment (or sendfile is off). fd: the file,
 * or -1. disable: sendfile failed with err for a reason of the file's;
 * copy from now on.
 */
void tcp_exe_init(void);
off_t tcp_exe_offset(const void *p, size_t n);
int tcp_exe_fd(void);
void tcp_exe_disable(int err);

/*
 * A whole static range of at least 16 KiB, sent from a pipe of its pages
 * (tcp_tee.c): the bytes the socket took (> 0), -1 with errno for the
 * socket's error (EAGAIN: it took nothing), or TCP_TEE_NO when the range
 * does not go this way (too small or large, out of pipes); then send it
 * by sendfile. Whatever the socket did not take is for the caller to send
 * again.
 */
#define TCP_TEE_NO (-2)
ssize_t tcp_tee_send(int sock, const void *p, size_t n);

/* The close reason a socket error stands for. */
enum tcp_close_reason tcp_errno_reason(int err);

#endif /* KILN_POSIX_TCP_INT_H */
