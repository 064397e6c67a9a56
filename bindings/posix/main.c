/*
 * The posix targets' entry point: read the device options of the image's
 * start line, attach the devices, then hand the rest to core_start
 * (lib/core/start.c).
 *
 *   IMAGE [--net=TAP|--net TAP]... [--disk=FILE|--disk FILE]...
 *         [KEY=VALUE...] [--] [ARGS...]
 *
 * Device options come first. Each --net goes to the next net device the
 * image declares and each --disk to the next block device, in manifest
 * order. Whether a net device needs or refuses a tap is the target's call
 * (posix_net_open); a block device always needs a file. Errors are start
 * errors: a message on stderr and status 2, as for a bad key.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <kiln/image.h>
#include <kiln/platform.h>

#include "posix.h"

#define MAX_DEV_OPTS 16

struct devopts {
	const char *net[MAX_DEV_OPTS];
	const char *disk[MAX_DEV_OPTS];
	int nnet, ndisk;
};

static void __attribute__((noreturn, format(printf, 1, 2)))
start_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", image_app_name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/*
 * If argv[*i] is option `name` ("--net" as "--net=X" or "--net X"), store
 * its value, step past it and return true.
 */
static bool take_opt(int argc, char **argv, int *i, const char *name,
		     const char **val)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return false;
	if (a[n] == '=') {
		*val = a + n + 1;
	} else if (a[n] == '\0') {
		if (*i + 1 >= argc)
			start_error("%s needs a value", name);
		*val = argv[++*i];
	} else {
		return false;
	}
	if (**val == '\0')
		start_error("%s needs a value", name);
	++*i;
	return true;
}

static int parse_devopts(int argc, char **argv, struct devopts *o)
{
	int i = 1;
	const char *v;

	while (i < argc) {
		if (take_opt(argc, argv, &i, "--net", &v)) {
			if (o->nnet == MAX_DEV_OPTS)
				start_error("too many --net options");
			o->net[o->nnet++] = v;
		} else if (take_opt(argc, argv, &i, "--disk", &v)) {
			if (o->ndisk == MAX_DEV_OPTS)
				start_error("too many --disk options");
			o->disk[o->ndisk++] = v;
		} else {
			break;
		}
	}
	return i;
}

/* Match the options to image_devs in manifest order and open each device. */
static void attach_devices(const struct devopts *o)
{
	char why[256];
	int net = 0, disk = 0;

	for (size_t k = 0; k < image_ndevs; k++) {
		const struct image_dev *d = &image_devs[k];

		if (d->kind == IMAGE_DEV_NET) {
			const char *tap = net < o->nnet ? o->net[net++] : NULL;
			if (posix_net_open(d->name, tap, why, sizeof why) < 0)
				start_error("device %s (net): %s", d->name,
					    why);
		} else if (d->kind == IMAGE_DEV_BLOCK) {
			if (disk >= o->ndisk)
				start_error(
					"device %s (block) needs --disk FILE",
					d->name);
			if (posix_block_open(d->name, o->disk[disk], why,
					     sizeof why) < 0)
				start_error("device %s (block): %s", d->name,
					    why);
			disk++;
		}
	}
	if (net < o->nnet && net == 0)
		start_error(
			"--net given, but the image declares no net device");
	if (net < o->nnet)
		start_error("more --net options than net devices (%d)", net);
	if (disk < o->ndisk && disk == 0)
		start_error("--disk given, but the image declares no block "
			    "device");
	if (disk < o->ndisk)
		start_error("more --disk options than block devices (%d)",
			    disk);
}

/*
 * A server image may hold thousands of sockets: lift the soft descriptor
 * limit to the hard one (bounded; the binding's own tables are bounded too).
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	rlim_t want = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
	if (rl.rlim_cur < want) {
		rl.rlim_cur = want;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct devopts o = {0};
	int first;

	/* Writes to a closed socket report EPIPE instead of killing us. */
	signal(SIGPIPE, SIG_IGN);
	posix_crash_init();
	raise_nofile();
	posix_entropy_init();
	posix_console_init();

	first = parse_devopts(argc, argv, &o);
	attach_devices(&o);

	/* The tokens after the device options: settings, "--", the
	 * appliance's own arguments; core_start tells them apart. */
	core_start(argc - first, argv + first);
}
