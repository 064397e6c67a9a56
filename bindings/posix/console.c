/*
 * The console of the posix targets: the process's stdout, unbuffered.
 * A short write (a pipe that is nearly full) is finished; an interrupted
 * one is retried. Anything else (a closed stdout) is -EIO.
 */
#include <errno.h>
#include <unistd.h>

#include <kiln/kiln.h>

int kiln_console_write(const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(STDOUT_FILENO, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* A non-blocking stdout inherited from the caller:
			 * the console is not worth busy-looping on for long,
			 * but losing log lines is worse; wait for room. */
			if (errno == EAGAIN) {
				usleep(1000);
				continue;
			}
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
