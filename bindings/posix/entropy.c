/*
 * Entropy on the posix targets: getrandom(2). It blocks only until the
 * host's pool is first initialised, which is long done on any running
 * system, so it never blocks after start-up in practice.
 */
#include <errno.h>
#include <sys/random.h>

#include <kiln/kiln.h>

int kiln_entropy(void *buf, size_t len)
{
	unsigned char *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -EIO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}
