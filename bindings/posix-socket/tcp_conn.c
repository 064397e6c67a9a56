/*
 * TCP connections on host sockets: receiving with back-pressure, the send
 * queue, closing. The contract is include/kiln/tcp.h; the data structures
 * are described in tcp_int.h.
 *
 * The kernel does the protocol; what this file adds is the contract's
 * shape: views instead of copies where it can, bounded queues instead of
 * unbounded ones, and callbacks that never re-enter the appliance (the
 * `closed` callback and re-offering unconsumed bytes go through the loop).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <kiln/log.h>

#include "tcp_int.h"

#define TCP_READS_PER_EVENT 4 /* fairness between busy connections */
#define TCP_IOV_MAX	    64

unsigned tcp_nconns;

static uint8_t rx_scratch[TCP_RECV_BUF];

static void resume_run(struct loop_defer *d, void *arg);
static void closed_run(struct loop_defer *d, void *arg);
static void close_timeout(struct loop_timer *t, void *arg);

struct tcp_conn *tcp_conn_new(int fd, enum tcp_state st)
{
	struct tcp_conn *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->pf.fd = fd;
	c->pf.ready = tcp_conn_ready;
	c->state = st;
	loop_defer_init(&c->resume_d, resume_run, c);
	loop_defer_init(&c->closed_d, closed_run, c);
	loop_timer_init(&c->close_t, close_timeout, c);
	tcp_nconns++;
	loop_ref();
	return c;
}

enum tcp_close_reason tcp_errno_reason(int err)
{
	switch (err) {
	case ECONNRESET:
	case EPIPE:
		return TCP_CLOSED_RESET;
	case ETIMEDOUT:
		return TCP_CLOSED_TIMEOUT;
	case ECONNREFUSED:
		return TCP_CLOSED_REFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
		return TCP_CLOSED_UNREACH;
	default:
		return TCP_CLOSED_ERROR;
	}
}

void tcp_conn_sync(struct tcp_conn *c)
{
	uint32_t ev = 0;

	if (c->state == TCP_S_DEAD)
		return;
	if (c->state == TCP_S_CONNECTING) {
		ev = EPOLLOUT;
	} else {
		/* Read while not paused and no FIN yet (after tcp_close
		 * too: to see the peer's FIN and discard what comes). */
		if (!c->paused && !c->rd_eof)
			ev |= EPOLLIN;
		if (c->queued > 0)
			ev |= EPOLLOUT;
	}
	/* With nothing to wait for, leave the set: epoll reports HUP and
	 * ERR even for an empty mask, which would spin a paused reader.
	 * The error is seen when reading or writing resumes. */
	if (ev == 0) {
		if (c->registered)
			posix_fd_del(&c->pf);
		c->registered = false;
		return;
	}
	if (!c->registered) {
		c->pf.events = ev;
		if (posix_fd_add(&c->pf) != 0) {
			tcp_conn_finish(c, TCP_CLOSED_ERROR);
			return;
		}
		c->registered = true;
	} else if (posix_fd_mod(&c->pf, ev) != 0) {
		tcp_conn_finish(c, TCP_CLOSED_ERROR);
	}
}

void tcp_conn_finish(struct tcp_conn *c, enum tcp_close_reason why)
{
	if (c->state == TCP_S_DEAD)
		return;
	c->state = TCP_S_DEAD;
	c->why = why;
	loop_timer_cancel(&c->close_t);
	loop_defer_cancel(&c->resume_d);
	/* The close below takes the fd out of the epoll set (it is never
	 * duplicated): no EPOLL_CTL_DEL of our own. */
	posix_fd_closing(&c->pf);
	c->registered = false;
	if (why != TCP_CLOSED_NORMAL && why != TCP_CLOSED_RESET) {
		/* Abortive close: the peer gets a RST, the kernel keeps no
		 * state for bytes nobody will read. */
		struct linger lg = {.l_onoff = 1, .l_linger = 0};
		(void)setsockopt(c->pf.fd, SOL_SOCKET, SO_LINGER, &lg,
				 sizeof lg);
	}
	close(c->pf.fd);
	c->pf.fd = -1;
	free(c->ring);
	free(c->pend);
	c->ring = c->pend = NULL;
	c->ring_len = c->pend_len = c->queued = 0;
	c->nsegs = 0;
	loop_defer(&c->closed_d);
}

static void closed_run(struct loop_defer *d, void *arg)
{
	struct tcp_conn *c = arg;

	if (c->cbs && c->cbs->closed)
		c->cbs->closed(c, c->why, c->arg);
	tcp_nconns--;
	loop_unref();
	free(c);
}

static void close_timeout(struct loop_timer *t, void *arg)
{
	tcp_conn_finish(arg, TCP_CLOSED_TIMEOUT);
}

/* Both directions are done: the graceful end. */
static void maybe_done(struct tcp_conn *c)
{
	if (c->state == TCP_S_OPEN && c->rd_eof && c->shut_done)
		tcp_conn_finish(c, TCP_CLOSED_NORMAL);
}

void tcp_conn_shut_wr(struct tcp_conn *c)
{
	if (shutdown(c->pf.fd, SHUT_WR) != 0 && errno != ENOTCONN) {
		tcp_conn_finish(c, tcp_errno_reason(errno));
		return;
	}
	c->shut_done = true;
	maybe_done(c);
}

/* ---- receiving ---------------------------------------------------------- */

/*
 * Offer n bytes at p to the appliance; keep what it leaves in the pending
 * buffer and pause. p may be the pending buffer itself.
 */
static void deliver(struct tcp_conn *c, const uint8_t *p, size_t n)
{
	size_t used = c->cbs->recv(c, view_make(p, n), c->arg);

	if (c->state == TCP_S_DEAD)
		return;
	if (c->closing) { /* tcp_close inside recv: drop the rest */
		c->pend_len = 0;
		c->paused = false;
		return;
	}
	if (used > n) {
		log_warn("tcp: recv callback consumed %zu of %zu bytes", used,
			 n);
		used = n;
	}
	if (used == n) {
		c->pend_len = 0;
		c->paused = false;
		return;
	}
	if (!c->pend) {
		c->pend = malloc(TCP_RECV_BUF);
		if (!c->pend) {
			tcp_conn_finish(c, TCP_CLOSED_ERROR);
			return;
		}
	}
	memmove(c->pend, p + used, n - used);
	c->pend_len = n - used;
	c->paused = true;
}

static void peer_eof(struct tcp_conn *c)
{
	c->rd_eof = true;
	if (!c->closing) {
		if (c->cbs->eof)
			c->cbs->eof(c, c->arg);
		else
			tcp_close(c);
	}
	if (c->state != TCP_S_DEAD)
		maybe_done(c);
}

void tcp_conn_read(struct tcp_conn *c)
{
	for (int k = 0; k < TCP_READS_PER_EVENT; k++) {
		if (c->state != TCP_S_OPEN || c->paused || c->rd_eof)
			return;
		ssize_t n = recv(c->pf.fd, rx_scratch, sizeof rx_scratch, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				tcp_conn_finish(c, tcp_errno_reason(errno));
			return;
		}
		if (n == 0) {
			peer_eof(c);
			return;
		}
		if (!c->closing)
			deliver(c, rx_scratch, (size_t)n);
		if ((size_t)n < sizeof rx_scratch)
			return;
	}
}

/* tcp_recv_resume's deferred half: re-offer pending bytes, then read. */
static void resume_run(struct loop_defer *d, void *arg)
{
	struct tcp_conn *c = arg;

	if (c->state != TCP_S_OPEN || c->closing || !c->paused)
		return;
	if (c->pend_len > 0)
		deliver(c, c->pend, c->pend_len);
	else
		c->paused = false;
	if (c->state == TCP_S_DEAD)
		return;
	if (!c->paused) {
		free(c->pend);
		c->pend = NULL;
	}
	tcp_conn_sync(c);
}

void tcp_recv_resume(struct tcp_conn *c)
{
	/* Always through the loop: the caller may be inside recv itself,
	 * about to leave bytes unconsumed. */
	if (c->state != TCP_S_DEAD && !c->closing)
		loop_defer(&c->resume_d);
}

/* ---- readiness ---------------------------------------------------------- */

static void connect_done(struct tcp_conn *c, uint32_t events)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(c->pf.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		err = errno;
	if (err == 0 && !(events & EPOLLOUT))
		err = ECONNREFUSED;
	if (err != 0) {
		tcp_conn_finish(c, tcp_errno_reason(err));
		return;
	}
	c->state = TCP_S_OPEN;
	struct sockaddr_in sa;
	socklen_t sl = sizeof sa;
	if (getsockname(c->pf.fd, (struct sockaddr *)&sa, &sl) == 0) {
		c->local.ip = ntohl(sa.sin_addr.s_addr);
		c->local.port = ntohs(sa.sin_port);
		c->local_known = true;
	}
	if (c->cbs->connected)
		c->cbs->connected(c, c->arg);
	if (c->state == TCP_S_DEAD)
		return;
	if (c->queued > 0)
		(void)tcp_conn_flush(c);
	else if (c->shut_req && !c->shut_done)
		tcp_conn_shut_wr(c);
}

void tcp_conn_ready(struct posix_fd *pf, uint32_t events)
{
	struct tcp_conn *c = (struct tcp_conn *)pf;
	bool acted = false;

	if (c->state == TCP_S_CONNECTING) {
		connect_done(c, events);
	} else {
		if (c->queued > 0 &&
		    (events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
			acted = true;
			if (!tcp_conn_flush(c))
				return;
		}
		if ((c->pf.events & EPOLLIN) &&
		    (events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
			acted = true;
			tcp_conn_read(c);
		}
		/* An error nothing above ran into: end here, not spin. */
		if (!acted && (events & (EPOLLERR | EPOLLHUP)) &&
		    c->state != TCP_S_DEAD) {
			int err = 0;
			socklen_t len = sizeof err;
			(void)getsockopt(c->pf.fd, SOL_SOCKET, SO_ERROR, &err,
					 &len);
			tcp_conn_finish(c, err ? tcp_errno_reason(err)
					       : TCP_CLOSED_RESET);
		}
	}
	tcp_conn_sync(c);
}

/* ---- closing ------------------------------------------------------------ */

void tcp_shutdown(struct tcp_conn *c)
{
	if (c->state == TCP_S_DEAD || c->shut_req)
		return;
	c->shut_req = true;
	if (c->state == TCP_S_OPEN && c->queued == 0)
		tcp_conn_shut_wr(c);
}

/*
 * Whether the peer has sent nothing we have not read: then close(2) at
 * once ends the connection as shutdown, waiting for the peer's FIN and
 * close would, for three fewer system calls and one fewer wake-up: the
 * kernel sends what is queued and the FIN, and finishes the handshake
 * alone. Not when bytes came that nobody read (now or from the peer
 * later): the kernel would answer them with a RST, which can destroy a
 * response the peer has not read yet. This is nginx's lingering close
 * rule; discarded bytes send us the long way, shutdown and drain.
 */
static bool quiet(struct tcp_conn *c)
{
	/* Not rx_scratch: this may run inside a recv callback still
	 * reading it. Bytes found here are dropped, as closing drops
	 * everything that comes. */
	static uint8_t drop[512];
	ssize_t n;

	if (c->state != TCP_S_OPEN || c->queued > 0 || c->pend_len > 0)
		return false;
	do
		n = recv(c->pf.fd, drop, sizeof drop, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		c->rd_eof = true;
	return n == 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
}

void tcp_close(struct tcp_conn *c)
{
	if (c->state == TCP_S_DEAD || c->closing)
		return;
	if (quiet(c)) {
		tcp_conn_finish(c, TCP_CLOSED_NORMAL);
		return;
	}
	c->closing = true;
	/* No more recv callbacks: what waits is dropped, and reading goes
	 * on only to find the peer's FIN. */
	loop_defer_cancel(&c->resume_d);
	free(c->pend);
	c->pend = NULL;
	c->pend_len = 0;
	c->paused = false;
	loop_timer_arm_in(&c->close_t, TCP_CLOSE_TIMEOUT_NS);
	tcp_shutdown(c);
	tcp_conn_sync(c);
}

void tcp_abort(struct tcp_conn *c)
{
	tcp_conn_finish(c, TCP_CLOSED_ABORTED);
}
