/*
 * posix-socket's side of the posix start line (see bindings/posix/posix.h):
 * a net device is the host's own TCP/IP stack, reached through sockets, so
 * there is nothing to attach and a tap is refused. posix-direct, which runs
 * Kiln's stack on a tap, supplies its own posix_net_open. What there is to
 * prepare is done here, at start: the executable's file for sending image
 * bytes with sendfile (tcp_exe.c).
 */
#include <stdio.h>

#include "../posix/posix.h"
#include "tcp_int.h"

int posix_net_open(const char *dev, const char *tap, char *why, size_t whylen)
{
	if (tap) {
		snprintf(why, whylen,
			 "--net %s refused: posix-socket uses the host's "
			 "sockets and has no tap (build for posix-direct to "
			 "use one)",
			 tap);
		return -1;
	}
	tcp_exe_init();
	return 0;
}
