/*
 * Whole static ranges sent by tee(2) and splice(2) from a pipe that holds
 * the image's pages: tcp_send_static's fast path on posix-socket.
 *
 * sendfile (tcp_exe.c) sends the image's read-only bytes by reference,
 * but each call looks every page up in the page cache again and moves it
 * through the kernel's own pipe. For a body sent whole again and again (a
 * site's file), the lookup can be done once: at the first send of a range
 * of TEE_MIN bytes or more, the range's pages are vmspliced into a pipe of
 * their own, which keeps a reference to each (no copy: they are the page
 * cache's pages of the executable, mapped read-only). Each later send of
 * the same range duplicates those references into a scratch pipe (tee,
 * which leaves the range's pipe as it was) and splices them into the
 * socket. Measured with a 100 KiB body over loopback: 18.3-19.1 us of CPU
 * per response against 20.6-22.1 with sendfile.
 *
 * One scratch pipe serves every connection, since the loop is one thread:
 * it is empty between sends. When the socket takes less than the whole
 * range (its buffer is full), the rest is spliced out of the scratch pipe
 * into /dev/null (dropping references, copying nothing), the caller
 * queues the rest as usual (sendfile picks it up), and the connection
 * stops using this path (tcp_conn.tee_short): a client whose window keeps
 * the buffer full would pay the tee and the drain for nothing.
 *
 * Bounded: at most TEE_RANGES ranges, each at most the scratch pipe's
 * size (1 MiB where the host allows it), and TEE_BUDGET pages in all;
 * pipes count against the user's pipe-user-pages-soft (64 MiB by
 * default). The ranges are whatever clients ask for, byte ranges (206)
 * included, so a full table makes room: a new range takes the place of
 * the one sent least often (its pipe closed), and a range that is asked
 * for again and again keeps its place against any number of one-off ones.
 * A range that cannot have its pipe (a limit, an error) is remembered as
 * such and goes by sendfile; if the scratch pipe cannot be made, nothing
 * goes this way.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <kiln/log.h>

#include "tcp_int.h"

#define TEE_MIN	    (16u * 1024)
#define TEE_RANGES  64u
#define TEE_BUDGET  4096u /* pages: 16 MiB of ranges */
#define TEE_SCRATCH (1u << 20)
#define TEE_PAGE    4096u

struct tee_range {
	const uint8_t *p;
	size_t n;
	int rd;		/* the range's pipe, or -1: it could not have one */
	unsigned pages; /* of the pipe, counted in budget_used */
	uint64_t sends;
};

static struct tee_range ranges[TEE_RANGES];
static unsigned nranges, budget_used;
static int scratch[2] = {-1, -1}, devnull = -1;
static size_t scratch_pages;
static enum { TEE_UNTRIED, TEE_READY, TEE_OFF } state;

static size_t pages_of(const uint8_t *p, size_t n)
{
	uintptr_t a = (uintptr_t)p & ~(uintptr_t)(TEE_PAGE - 1);
	uintptr_t e =
		((uintptr_t)p + n + TEE_PAGE - 1) & ~(uintptr_t)(TEE_PAGE - 1);

	return (size_t)(e - a) / TEE_PAGE;
}

static void init(void)
{
	int sz;

	state = TEE_OFF;
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0 || pipe2(scratch, O_CLOEXEC) < 0)
		goto off;
	sz = fcntl(scratch[1], F_SETPIPE_SZ, TEE_SCRATCH);
	if (sz < 0)
		sz = fcntl(scratch[1], F_SETPIPE_SZ, TEE_SCRATCH / 4);
	if (sz < (int)(TEE_MIN + TEE_PAGE))
		goto off;
	scratch_pages = (size_t)sz / TEE_PAGE;
	state = TEE_READY;
	return;
off:
	log_debug("tcp: no pipe for static bytes (%s); they go by sendfile",
		  strerror(errno));
	if (scratch[0] >= 0) {
		close(scratch[0]);
		close(scratch[1]);
	}
	scratch[0] = scratch[1] = -1;
}

/* The slot for a new range: a free one, else the range sent least often,
 * its pipe closed and its pages given back. */
static struct tee_range *slot_for_new(void)
{
	struct tee_range *v = &ranges[0];

	if (nranges < TEE_RANGES)
		return &ranges[nranges++];
	for (unsigned i = 1; i < TEE_RANGES; i++)
		if (ranges[i].sends < v->sends)
			v = &ranges[i];
	if (v->rd >= 0)
		close(v->rd);
	budget_used -= v->pages;
	return v;
}

/* The range's pipe, made at its first send: its read end, or -1. */
static int range_pipe(const uint8_t *p, size_t n)
{
	struct tee_range *r;
	size_t pages = 1, done = 0;
	int fd[2], sz;

	for (unsigned i = 0; i < nranges; i++)
		if (ranges[i].p == p && ranges[i].n == n) {
			ranges[i].sends++;
			return ranges[i].rd;
		}
	/* The kernel gives pipes a power of two of pages: count those. */
	while (pages < pages_of(p, n))
		pages *= 2;
	r = slot_for_new();
	*r = (struct tee_range){p, n, -1, 0, 1};
	if (budget_used + pages > TEE_BUDGET || pipe2(fd, O_CLOEXEC) < 0)
		return -1;
	sz = fcntl(fd[1], F_SETPIPE_SZ, (int)(pages * TEE_PAGE));
	if (sz < 0)
		goto fail;
	while (done < n) {
		struct iovec v = {(void *)(p + done), n - done};
		ssize_t k = vmsplice(fd[1], &v, 1, SPLICE_F_NONBLOCK);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			goto fail;
		done += (size_t)k;
	}
	close(fd[1]);
	r->pages = (unsigned)sz / TEE_PAGE;
	budget_used += r->pages;
	r->rd = fd[0];
	return r->rd;
fail:
	log_debug("tcp: no pipe for a static range of %zu bytes (%s)", n,
		  strerror(errno));
	close(fd[0]);
	close(fd[1]);
	return -1;
}

/* Empty the scratch pipe of its last k bytes; false if it would not. */
static bool drain(size_t k)
{
	while (k > 0) {
		ssize_t d = splice(scratch[0], NULL, devnull, NULL, k,
				   SPLICE_F_NONBLOCK);
		if (d < 0 && errno == EINTR)
			continue;
		if (d <= 0)
			return false;
		k -= (size_t)d;
	}
	return true;
}

ssize_t tcp_tee_send(int sock, const void *data, size_t n)
{
	const uint8_t *p = data;
	size_t sent = 0;
	ssize_t t;
	int rd, err = 0;

	if (state == TEE_UNTRIED)
		init();
	if (state != TEE_READY || n < TEE_MIN || pages_of(p, n) > scratch_pages)
		return TCP_TEE_NO;
	rd = range_pipe(p, n);
	if (rd < 0)
		return TCP_TEE_NO;
	do
		t = tee(rd, scratch[1], n, SPLICE_F_NONBLOCK);
	while (t < 0 && errno == EINTR);
	if (t != (ssize_t)n) {
		if (t > 0 && !drain((size_t)t))
			goto broken;
		return TCP_TEE_NO;
	}
	while (sent < n) {
		ssize_t k = splice(scratch[0], NULL, sock, NULL, n - sent,
				   SPLICE_F_NONBLOCK);
		if (k > 0) {
			sent += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		err = k < 0 ? errno : EAGAIN;
		break;
	}
	if (sent < n && !drain(n - sent))
		goto broken;
	if (sent > 0)
		return (ssize_t)sent;
	errno = err;
	return -1;
broken:
	/* The scratch pipe holds bytes it would not give up: a later send
	 * would put them on another connection. Never use it again. */
	log_warn("tcp: the scratch pipe would not drain (%s); static bytes "
		 "go by sendfile from now on",
		 strerror(errno));
	state = TEE_OFF;
	close(scratch[0]);
	close(scratch[1]);
	scratch[0] = scratch[1] = -1;
	if (sent > 0)
		return (ssize_t)sent;
	errno = err ? err : EIO;
	return -1;
}
