/*
 * The console of the posix targets: the process's stdout, unbuffered.
 * A short write (a pipe that is nearly full) is finished; an interrupted
 * one is retried. Anything else (a closed stdout) is -EIO.
 *
 * A stdout in non-blocking mode (the flag belongs to the open file
 * description, which the image shares with whoever started it, so it is
 * not ours to clear) says EAGAIN when its pipe is full. We then wait for
 * room in epoll on an instance of the console's own, made at start
 * (posix_console_init), which holds stdout alone: the same wait a
 * blocking stdout does inside write(2), without a sleep and its guessed
 * length, and without a system call that posix-direct's seal would have
 * to allow besides its poll call (its filter names this instance next to
 * the loop's). We wait rather than drop: log lines are what an operator
 * has to go by, and the image behaves the same whichever mode its stdout
 * is in -- a reader that never drains the pipe stalls it either way.
 *
 * epoll refuses regular files and /dev/null (EPERM), whose writes never
 * say EAGAIN; then there is no instance, and an EAGAIN, should one come,
 * is -EIO.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <kiln/kiln.h>

#include "posix.h"

static int con_ep = -1;

void posix_console_init(void)
{
	struct epoll_event ev = {.events = EPOLLOUT};

	con_ep = epoll_create1(EPOLL_CLOEXEC);
	if (con_ep < 0)
		return;
	if (epoll_ctl(con_ep, EPOLL_CTL_ADD, STDOUT_FILENO, &ev) != 0) {
		close(con_ep);
		con_ep = -1;
	}
}

int posix_console_epoll_fd(void)
{
	return con_ep;
}

int kiln_console_write(const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, p, len);
		if (n < 0) {
			struct epoll_event ev;

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN || con_ep < 0)
				return -EIO;
			/* Room, an error or a hang-up: the write says which. */
			if (epoll_wait(con_ep, &ev, 1, -1) < 0 &&
			    errno != EINTR)
				return -EIO;
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
