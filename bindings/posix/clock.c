/* Clocks of the posix targets: the host's clock_gettime. */
#include <time.h>

#include <kiln/kiln.h>

static uint64_t ts_ns(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these clocks on Linux: both always exist. */
	(void)clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t kiln_mono_ns(void)
{
	return ts_ns(CLOCK_MONOTONIC);
}

uint64_t kiln_wall_ns(void)
{
	return ts_ns(CLOCK_REALTIME);
}
