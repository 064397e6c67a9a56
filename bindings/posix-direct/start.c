/*
 * posix-direct's start-up: attach the stack, run the appliance's
 * kiln_main, seal the process, then let the loop run.
 *
 * Why a linker wrap. Two things must happen at points that core_start
 * (lib/core/start.c) owns and offers no hook for:
 *  - net_attach reads the keys `ipv4` and `gateway`, which the start line
 *    may set (ipv4=10.0.0.3/24). core_start applies the start line after
 *    the posix entry point has opened the devices and before it calls
 *    kiln_main, so the stack can be attached only in between;
 *  - the seccomp seal goes on right before the loop starts running the
 *    appliance's callbacks, i.e. after kiln_main has set things up (it may
 *    still print, read the clock and entropy, but opens nothing: in-stack
 *    listeners need no descriptor).
 * mk/target-posix-direct.mk links with -Wl,--wrap=kiln_main, so that
 * core_start's call lands here and __real_kiln_main is the appliance's.
 * Nothing else changes: the appliance and lib/core are built as on every
 * target. (A platform hook in platform.h, called by core_start after the
 * keys, would do the same without the linker; until there is one, this.)
 */
#include <stdio.h>
#include <stdlib.h>

#include <kiln/image.h>
#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/netbuf.h>
#include <kiln/platform.h>

#include "direct.h"

int __real_kiln_main(int argc, char **argv);
int __wrap_kiln_main(int argc, char **argv);

static void __attribute__((noreturn)) start_fail(const char *why)
{
	kiln_printf("%s: %s\n", image_app_name, why);
	plat_exit(2);
}

int __wrap_kiln_main(int argc, char **argv)
{
	char why[256];
	int ret;

	/* The pool's pages are allocated now; after the seal nothing may
	 * ask the host for memory. */
	if (netbuf_total() == 0)
		netbuf_pool_init(NETBUF_DEFAULT_COUNT);
	if (direct_attach_all(why, sizeof why) < 0)
		start_fail(why);
	if (direct_stats_init(why, sizeof why) < 0)
		start_fail(why);
	ret = __real_kiln_main(argc, argv);
	if (direct_seal(why, sizeof why) < 0)
		start_fail(why);
	log_debug("sealed: seccomp allow-list installed");
	return ret;
}
