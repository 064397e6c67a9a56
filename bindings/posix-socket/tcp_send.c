/*
 * TCP on host sockets: the send queue (tcp_int.h draws it). tcp_send
 * writes straight from the caller's bytes while nothing is queued, and
 * copies or references only what the socket did not take; the queue is
 * written with one sendmsg of up to TCP_IOV_MAX pieces when the socket
 * has room again. Static bytes that lie in the image's read-only segments
 * go out with sendfile from the executable (tcp_exe.c) instead of being
 * copied into the socket (the bytes queued before them are written first).
 *
 * Not MSG_MORE on the bytes before a sendfile, although a response's head
 * and the start of its body could then share a segment: measured with a
 * 100 KiB body over loopback, it cost 38 us of CPU per response instead of
 * 20 (the corked head made tcp_write_xmit far busier), so each write
 * pushes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "tcp_int.h"

#define TCP_IOV_MAX 64

static struct tcp_seg *last_seg(struct tcp_conn *c)
{
	if (c->nsegs == 0)
		return NULL;
	return &c->segs[(c->seg_head + c->nsegs - 1) % TCP_MAX_SEGS];
}

static size_t copy_room(const struct tcp_conn *c)
{
	const struct tcp_seg *l =
		c->nsegs ? &c->segs[(c->seg_head + c->nsegs - 1) % TCP_MAX_SEGS]
			 : NULL;

	/* Appending to a copy segment needs no slot; anything else does. */
	if (!(l && !l->p) && c->nsegs == TCP_MAX_SEGS)
		return 0;
	return TCP_SEND_BUF - c->ring_len;
}

size_t tcp_send_room(const struct tcp_conn *c)
{
	if (c->state == TCP_S_DEAD || c->shut_req)
		return 0;
	return copy_room(c);
}

static void ring_put(struct tcp_conn *c, const uint8_t *p, size_t n)
{
	size_t tail = (c->ring_head + c->ring_len) % TCP_SEND_BUF;
	size_t first = n < TCP_SEND_BUF - tail ? n : TCP_SEND_BUF - tail;

	memcpy(c->ring + tail, p, first);
	memcpy(c->ring, p + first, n - first);
	c->ring_len += n;
}

static void seg_push(struct tcp_conn *c, const uint8_t *p, size_t n, off_t off)
{
	struct tcp_seg *l = last_seg(c);

	if (!p && l && !l->p) {
		l->len += n;
	} else {
		struct tcp_seg *s =
			&c->segs[(c->seg_head + c->nsegs) % TCP_MAX_SEGS];
		s->p = p;
		s->len = n;
		s->off = off;
		c->nsegs++;
	}
	c->queued += n;
}

/*
 * Write static bytes: from a pipe of their pages when they are the whole
 * range a caller sent and it qualifies (tcp_tee.c: not the rest of a range
 * sent in part, which would take a pipe of its own for one use), else by
 * sendfile from the executable at off (off >= 0), else from memory. A sendfile
 * that fails for the file's sake (not the socket's: then send fails the same
 * way) turns sendfile off for good and the bytes are sent from memory. Returns
 * what send or sendfile returned, with errno.
 */
static ssize_t static_write(struct tcp_conn *c, const uint8_t *p, size_t n,
			    off_t off, bool whole)
{
	int fd = c->pf.fd, exe = off >= 0 ? tcp_exe_fd() : -1;

	if (exe >= 0) {
		ssize_t k = !whole || c->tee_short ? TCP_TEE_NO
						   : tcp_tee_send(fd, p, n);
		if (k != TCP_TEE_NO) {
			if (k < 0 ? errno == EAGAIN : (size_t)k < n)
				c->tee_short = true;
			return k;
		}
		k = sendfile(fd, exe, &off, n);
		if (k > 0 || (k < 0 && (errno == EAGAIN || errno == EINTR)))
			return k;
		int err = k == 0 ? EIO : errno; /* 0: the file is short */
		k = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k >= 0)
			tcp_exe_disable(err);
		return k;
	}
	return send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Send straight from the caller's bytes when nothing is queued ahead.
 * fin_next: MSG_MORE (tcp_send_close: the FIN follows at once and pushes
 * the bytes with it). */
static ssize_t send_direct(struct tcp_conn *c, const void *data, size_t len,
			   off_t off, bool fin_next)
{
	int fl = MSG_NOSIGNAL | MSG_DONTWAIT | (fin_next ? MSG_MORE : 0);

	if (c->state != TCP_S_OPEN || c->queued > 0)
		return 0;
	for (;;) {
		ssize_t n = off >= 0 ? static_write(c, data, len, off, true)
				     : send(c->pf.fd, data, len, fl);
		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		tcp_conn_finish(c, tcp_errno_reason(errno));
		return -EPIPE;
	}
}

static ssize_t send_common(struct tcp_conn *c, const void *data, size_t len,
			   bool is_static, bool fin_next)
{
	size_t taken, more;
	off_t off = -1;
	ssize_t n;

	if (c->state == TCP_S_DEAD)
		return -ENOTCONN;
	if (c->shut_req)
		return -EPIPE;
	if (len == 0)
		return 0;
	if (is_static)
		off = tcp_exe_offset(data, len);
	n = send_direct(c, data, len, off, fin_next);
	if (n < 0)
		return n;
	taken = (size_t)n;
	if (taken == len)
		return (ssize_t)len;
	if (is_static) {
		more = c->nsegs < TCP_MAX_SEGS ? len - taken : 0;
		if (more)
			seg_push(c, (const uint8_t *)data + taken, more,
				 off >= 0 ? off + (off_t)taken : -1);
	} else {
		more = copy_room(c);
		if (more > len - taken)
			more = len - taken;
		if (more && !c->ring) {
			c->ring = malloc(TCP_SEND_BUF);
			c->ring_head = 0;
			if (!c->ring)
				more = 0;
		}
		if (more) {
			ring_put(c, (const uint8_t *)data + taken, more);
			seg_push(c, NULL, more, -1);
		}
	}
	taken += more;
	if (taken < len)
		c->want_writable = true;
	if (more)
		tcp_conn_sync(c);
	return (ssize_t)taken;
}

ssize_t tcp_send(struct tcp_conn *c, const void *data, size_t len)
{
	return send_common(c, data, len, false, false);
}

ssize_t tcp_send_static(struct tcp_conn *c, const void *data, size_t len)
{
	return send_common(c, data, len, true, false);
}

/* Bytes sent with MSG_MORE wait in the socket for the FIN that
 * tcp_close's shutdown adds to them and pushes (or, if some had to be
 * queued, for the flush of the rest, which pushes). */
ssize_t tcp_send_close(struct tcp_conn *c, const void *data, size_t len)
{
	ssize_t n = send_common(c, data, len, false, true);

	if (n == (ssize_t)len)
		tcp_close(c);
	return n;
}

/* Gather the queue into iovecs, oldest first, up to the first segment
 * that goes by sendfile. */
static int gather(const struct tcp_conn *c, struct iovec *iov)
{
	size_t rpos = c->ring_head;
	int n = 0;

	for (unsigned k = 0; k < c->nsegs && n < TCP_IOV_MAX - 1; k++) {
		const struct tcp_seg *s =
			&c->segs[(c->seg_head + k) % TCP_MAX_SEGS];
		if (s->p && s->off >= 0 && tcp_exe_fd() >= 0)
			break;
		if (s->p) {
			iov[n++] = (struct iovec){(void *)s->p, s->len};
			continue;
		}
		size_t first = s->len < TCP_SEND_BUF - rpos
				       ? s->len
				       : TCP_SEND_BUF - rpos;
		iov[n++] = (struct iovec){c->ring + rpos, first};
		if (first < s->len)
			iov[n++] = (struct iovec){c->ring, s->len - first};
		rpos = (rpos + s->len) % TCP_SEND_BUF;
	}
	return n;
}

static void consume(struct tcp_conn *c, size_t n)
{
	c->queued -= n;
	while (n > 0) {
		struct tcp_seg *s = &c->segs[c->seg_head];
		size_t k = n < s->len ? n : s->len;

		if (s->p) {
			s->p += k;
			if (s->off >= 0)
				s->off += (off_t)k;
		} else {
			c->ring_head = (c->ring_head + k) % TCP_SEND_BUF;
			c->ring_len -= k;
		}
		s->len -= k;
		n -= k;
		if (s->len == 0) {
			c->seg_head = (c->seg_head + 1) % TCP_MAX_SEGS;
			c->nsegs--;
		}
	}
}

bool tcp_conn_flush(struct tcp_conn *c)
{
	struct iovec iov[TCP_IOV_MAX];
	bool progress = false;

	while (c->queued > 0) {
		const struct tcp_seg *h = &c->segs[c->seg_head];
		struct msghdr mh = {.msg_iov = iov};
		ssize_t n;

		if (h->p && h->off >= 0) {
			n = static_write(c, h->p, h->len, h->off, false);
		} else {
			mh.msg_iovlen = (size_t)gather(c, iov);
			n = sendmsg(c->pf.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			tcp_conn_finish(c, tcp_errno_reason(errno));
			return false;
		}
		consume(c, (size_t)n);
		progress = true;
	}
	if (progress && c->closing)
		loop_timer_arm_in(&c->close_t, TCP_CLOSE_TIMEOUT_NS);
	if (c->queued > 0)
		return true;
	free(c->ring);
	c->ring = NULL;
	c->ring_head = c->ring_len = 0;
	if (c->shut_req && !c->shut_done) {
		tcp_conn_shut_wr(c);
		return c->state != TCP_S_DEAD;
	}
	if (c->want_writable) {
		c->want_writable = false;
		if (c->cbs->writable)
			c->cbs->writable(c, c->arg);
	}
	return c->state != TCP_S_DEAD;
}
