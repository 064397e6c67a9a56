/*
 * kiln-kvm: Kiln's own KVM monitor, the host side of the kvm target.
 *
 *   kiln-kvm [--mem=MIB] [--net=TAP]... [--disk=FILE]... [--coalesce=US]
 *            [--cpl0] [--prof] IMAGE [ARGS...]
 *
 * Loads a static x86-64 ELF built for the kvm target, checks it (elf.c),
 * attaches the devices its manifest note declares, builds the VM (vm.c),
 * seals itself with seccomp (seccomp.c) and runs the guest's exits
 * (run.c, hc.c) until the guest halts. See monitor.h for exit statuses
 * and vm.c for the layout of guest memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "monitor.h"

#define MEM_DEFAULT_MIB	    32
#define COALESCE_DEFAULT_US 200
#define COALESCE_MAX_US	    10000

static const char usage_text[] =
	"usage: kiln-kvm [--mem=MIB] [--net=TAP]... [--disk=FILE]... "
	"[--coalesce=US] [--cpl0] [--prof] IMAGE [ARGS...]\n"
	"\n"
	"Runs IMAGE, a Kiln appliance built for the kvm target, as a bare\n"
	"virtual machine. ARGS, joined with spaces, are its start line.\n"
	"\n"
	"  --mem=MIB    guest memory in MiB (default 32, 2-4096)\n"
	"  --net=TAP    an existing tap device for the image's next net "
	"device\n"
	"  --disk=FILE  a file (whole 512-byte sectors) for its next block "
	"device\n"
	"  --coalesce=US  under load, gather received frames for up to US\n"
	"               microseconds before the guest runs again: fewer\n"
	"               exits, more latency (default 200, 0 = off, max "
	"10000)\n"
	"  --cpl0       enter the guest at CPL 0, not 3 (tests, comparisons)\n"
	"  --prof       sample the guest's code; print a profile by function\n"
	"               on stderr when it halts or on SIGTERM/SIGINT\n"
	"  --help       this text\n"
	"\n"
	"Devices attach in the order the image declares them; a missing or an\n"
	"extra one is refused. Exit status: the guest's own (0-255) when it\n"
	"halts; 1 when the image is refused, KVM fails or the guest faults\n"
	"(the report on stderr says which); 2 for a usage error.\n";

static void usage_error(const char *fmt, const char *arg)
{
	fputs("kiln-kvm: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n(kiln-kvm --help for usage)\n", stderr);
	exit(MON_EXIT_USAGE);
}

struct opts {
	unsigned mem_mib;
	unsigned coalesce_us;
	const char *net[KVM_MAX_DEVS + 1], *disk[KVM_MAX_DEVS + 1];
	unsigned nnet, ndisk;
	const char *image;
	int cpl0, prof;
	char cmdline[KVM_CMDLINE_MAX];
};

/* "--name=value" or "--name value": the value, or NULL when not this. */
static const char *opt_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] != '\0')
		return NULL;
	if (*i + 1 >= argc)
		usage_error("%s needs a value", name);
	return argv[++*i];
}

/* The decimal number v if it lies in [lo, hi], else -1. */
static long whole(const char *v, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || n < lo || n > hi)
		return -1;
	return (long)n;
}

static void parse_args(struct opts *o, int argc, char **argv)
{
	const char *v;
	int i;
	size_t len = 0;

	o->mem_mib = MEM_DEFAULT_MIB;
	o->coalesce_us = COALESCE_DEFAULT_US;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(usage_text, stdout);
			exit(0);
		} else if (!strcmp(argv[i], "--cpl0")) {
			o->cpl0 = 1;
		} else if (!strcmp(argv[i], "--prof")) {
			o->prof = 1;
		} else if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if ((v = opt_value(argc, argv, &i, "--mem"))) {
			long mib = whole(v, MEM_MIN_MIB, MEM_MAX_MIB);
			if (mib < 0)
				usage_error("--mem=%s: want a whole number of "
					    "MiB from 2 to 4096",
					    v);
			o->mem_mib = (unsigned)mib;
		} else if ((v = opt_value(argc, argv, &i, "--coalesce"))) {
			long us = whole(v, 0, COALESCE_MAX_US);
			if (us < 0)
				usage_error(
					"--coalesce=%s: want a whole number "
					"of microseconds from 0 to 10000",
					v);
			o->coalesce_us = (unsigned)us;
		} else if ((v = opt_value(argc, argv, &i, "--net"))) {
			if (o->nnet == KVM_MAX_DEVS)
				usage_error("--net=%s: too many devices", v);
			o->net[o->nnet++] = v;
		} else if ((v = opt_value(argc, argv, &i, "--disk"))) {
			if (o->ndisk == KVM_MAX_DEVS)
				usage_error("--disk=%s: too many devices", v);
			o->disk[o->ndisk++] = v;
		} else {
			usage_error("unknown option %s", argv[i]);
		}
	}
	if (i >= argc)
		usage_error("%s", "no IMAGE given");
	o->image = argv[i++];
	for (; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (len + (len > 0) + n >= sizeof o->cmdline)
			usage_error("the start line is longer than %s bytes",
				    "4095");
		if (len)
			o->cmdline[len++] = ' ';
		memcpy(o->cmdline + len, argv[i], n);
		len += n;
	}
	o->cmdline[len] = '\0';
}

static const char *kind_name(uint32_t kind)
{
	return kind == KVM_DEV_NET ? "net" : "block";
}

/* Pairs the image's devices with --net and --disk, in order. */
static int attach_devices(struct monitor *m, const struct opts *o)
{
	const struct kvm_note *n = &m->img.note;
	unsigned inet = 0, idisk = 0;

	for (unsigned i = 0; i < n->ndevs; i++) {
		struct dev *d = &m->devs[i];
		int net = n->devs[i].kind == KVM_DEV_NET;

		memcpy(d->name, n->devs[i].name, KVM_DEV_NAME_MAX);
		d->kind = n->devs[i].kind;
		d->fd = -1;
		if (net ? inet == o->nnet : idisk == o->ndisk) {
			fprintf(stderr,
				"kiln-kvm: %s: %s device '%s' has no "
				"backend: give %s\n",
				m->img.path, kind_name(d->kind), d->name,
				net ? "--net=TAP" : "--disk=FILE");
			return -1;
		}
		d->backend = net ? o->net[inet++] : o->disk[idisk++];
		m->ndevs = i + 1;
	}
	if (inet < o->nnet || idisk < o->ndisk) {
		int net = inet < o->nnet;
		fprintf(stderr,
			"kiln-kvm: %s=%s: %s declares no further %s "
			"device to attach it to\n",
			net ? "--net" : "--disk",
			net ? o->net[inet] : o->disk[idisk], m->img.path,
			net ? "net" : "block");
		return -1;
	}
	m->nnet = inet;
	for (unsigned i = 0; i < m->ndevs; i++)
		if ((m->devs[i].kind == KVM_DEV_NET
			     ? net_open(&m->devs[i])
			     : block_open(&m->devs[i])) < 0)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	static struct monitor m; /* zeroed; big enough to keep off the stack */
	static struct opts o;

	/*
	 * Descriptors 0-2 open, so that no file the monitor opens becomes
	 * "stdout": the console and the seccomp filter trust fds 1 and 2.
	 */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
			return MON_EXIT_FAULT;
	parse_args(&o, argc, argv);
	m.cpl0 = o.cpl0;
	m.coalesce_ns = (uint64_t)o.coalesce_us * 1000;
	/* Sleeps as asked: the coalescing window and the guest's timers
	 * would otherwise run up to 50 us late (the default slack). */
	prctl(PR_SET_TIMERSLACK, 1000ul, 0, 0, 0);
	if (elf_open(&m.img, o.image) < 0 ||
	    vm_layout(&m, (uint64_t)o.mem_mib << 20) < 0 ||
	    attach_devices(&m, &o) < 0 || vm_create(&m) < 0 ||
	    vm_setup(&m, o.cmdline) < 0)
		return MON_EXIT_FAULT;
	/* A closed stdout gives the guest's console write -EPIPE, not death. */
	signal(SIGPIPE, SIG_IGN);
	fflush(stdout);
	if (o.prof && prof_start() < 0) {
		perror("kiln-kvm: --prof");
		return MON_EXIT_FAULT;
	}
	if (vm_set_clock(&m) < 0 || seccomp_install(&m) < 0)
		return MON_EXIT_FAULT;
	run_loop(&m);
}
