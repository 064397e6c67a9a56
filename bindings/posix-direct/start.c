/*
 * posix-direct's start-up hooks (include/kiln/platform.h): core_start
 * applies the start line's keys, then calls plat_start, which attaches the
 * stack (net_attach reads `ipv4` and `gateway`, which the start line may
 * set: ipv4=10.0.0.3/24); then the appliance's kiln_main; then plat_seal,
 * which installs the seccomp allow-list right before the loop starts
 * running the appliance's callbacks. kiln_main may still print, read the
 * clock and entropy, but opens nothing: in-stack listeners need no
 * descriptor.
 */
#include <stdio.h>
#include <stdlib.h>

#include <kiln/config.h>
#include <kiln/image.h>
#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/netbuf.h>
#include <kiln/platform.h>

#include "direct.h"

int plat_start(char *why, unsigned long whylen)
{
	/* The pool's pages are allocated now (the key `netbufs`, 0 for the
	 * default); after the seal nothing may ask the host for memory, and
	 * net_attach (direct_attach_all) allocates TCP's pools. */
	int64_t want = cfg_has("netbufs") ? cfg_int("netbufs") : 0;
	if (want < 0 || want > 1 << 20) {
		snprintf(why, whylen,
			 "key netbufs=%lld: expected 0 (default, %u) to %u",
			 (long long)want, NETBUF_DEFAULT_COUNT, 1u << 20);
		return -1;
	}
	if (netbuf_total() == 0)
		netbuf_pool_init(want ? (unsigned)want : NETBUF_DEFAULT_COUNT);
	if (direct_attach_all(why, whylen) < 0)
		return -1;
	if (direct_stats_init(why, whylen) < 0)
		return -1;
	return 0;
}

int plat_seal(char *why, unsigned long whylen)
{
	if (direct_seal(why, whylen) < 0)
		return -1;
	log_debug("sealed: seccomp allow-list installed");
	return 0;
}
