/*
 * plat_wait on the posix targets: one epoll instance for every host
 * descriptor the image owns.
 *
 * Deadlines are turned into a timeout that never ends early: epoll_pwait2
 * takes nanoseconds; where the kernel lacks it (before Linux 5.11) we fall
 * back to epoll_wait with the milliseconds rounded up, so the loop never
 * spins through the last fraction of a millisecond before a timer.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/platform.h>

#include "posix.h"

#define WAIT_MAX_EVENTS 64

static int epfd = -1;
static bool have_pwait2 = true;

/* The batch being dispatched, so that posix_fd_del can scrub it. */
static struct epoll_event batch[WAIT_MAX_EVENTS];
static int batch_n, batch_i;

static int ep(void)
{
	if (epfd < 0) {
		epfd = epoll_create1(EPOLL_CLOEXEC);
		if (epfd < 0)
			kiln_panic("epoll_create1: %s", strerror(errno));
	}
	return epfd;
}

static int ctl(int op, struct posix_fd *pf, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = pf};

	if (epoll_ctl(ep(), op, pf->fd, &ev) != 0)
		return -errno;
	pf->events = events;
	return 0;
}

int posix_epoll_fd(void)
{
	return ep();
}

int posix_fd_add(struct posix_fd *pf)
{
	return ctl(EPOLL_CTL_ADD, pf, pf->events);
}

int posix_fd_mod(struct posix_fd *pf, uint32_t events)
{
	if (events == pf->events)
		return 0;
	return ctl(EPOLL_CTL_MOD, pf, events);
}

void posix_fd_closing(struct posix_fd *pf)
{
	pf->events = 0;
	/* Events already fetched for pf must not be delivered: pf may be
	 * freed as soon as we return. */
	for (int k = batch_i; k < batch_n; k++)
		if (batch[k].data.ptr == pf)
			batch[k].data.ptr = NULL;
}

void posix_fd_del(struct posix_fd *pf)
{
	if (pf->fd >= 0)
		(void)epoll_ctl(ep(), EPOLL_CTL_DEL, pf->fd, NULL);
	posix_fd_closing(pf);
}

static int wait_events(uint64_t deadline_ns)
{
	uint64_t now, left;
	int ms;

	if (deadline_ns == 0)
		return epoll_wait(ep(), batch, WAIT_MAX_EVENTS, 0);
	if (deadline_ns == UINT64_MAX)
		return epoll_wait(ep(), batch, WAIT_MAX_EVENTS, -1);
	now = kiln_mono_ns();
	left = deadline_ns > now ? deadline_ns - now : 0;
	if (have_pwait2) {
		struct timespec ts = {.tv_sec = (time_t)(left / 1000000000u),
				      .tv_nsec = (long)(left % 1000000000u)};
		int n = epoll_pwait2(ep(), batch, WAIT_MAX_EVENTS, &ts, NULL);
		if (n >= 0 || errno != ENOSYS)
			return n;
		have_pwait2 = false;
	}
	if (left > (uint64_t)INT_MAX * 1000000u)
		ms = INT_MAX;
	else
		ms = (int)((left + 999999u) / 1000000u);
	return epoll_wait(ep(), batch, WAIT_MAX_EVENTS, ms);
}

void plat_wait(uint64_t deadline_ns)
{
	int n = wait_events(deadline_ns);

	if (n < 0) {
		if (errno != EINTR)
			kiln_panic("epoll_wait: %s", strerror(errno));
		return;
	}
	batch_n = n;
	for (batch_i = 0; batch_i < batch_n; batch_i++) {
		struct posix_fd *pf = batch[batch_i].data.ptr;
		if (pf)
			pf->ready(pf, batch[batch_i].events);
	}
	batch_n = batch_i = 0;
}
