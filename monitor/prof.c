/*
 * --prof: a sampling profile of the guest's code. An interval timer
 * (ITIMER_PROF, the process's CPU time) raises SIGPROF; one that lands
 * while the vCPU runs makes KVM_RUN return EINTR, and the guest's RIP
 * (KVM_GET_REGS) is counted; one that lands in the monitor's own work is
 * counted as such. At the end of the run (the guest's HALT, or SIGTERM or
 * SIGINT) the counts are printed on stderr by function, symbolised from
 * the image's .symtab, most samples first.
 *
 * Why: where KVM is software (PVM) perf on the host does not see guest
 * code at all. Samples whose RIP is a hypercall's `out` are mostly the
 * exit itself (KVM's entry, exit and emulation of the instruction), not
 * guest code: the profile says how much the exits cost too.
 */
#include <inttypes.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/time.h>

#include "monitor.h"

#define PROF_FUNCS 1024
/* The sampling interval in CPU time; the kernel rounds it up to its
 * tick (4 ms at HZ=250), so a run needs seconds for a useful profile. */
#define PROF_US 1000

static volatile sig_atomic_t in_run, stop;
/* Counted in the handler; read once, by the report. */
static volatile uint64_t monitor_samples;
static uint64_t lost;
static struct {
	uint64_t start; /* function's address (0: unsymbolised rip) */
	uint64_t n;
} funcs[PROF_FUNCS];
static unsigned nfuncs;
int prof_on;

static void on_prof(int sig)
{
	if (!in_run)
		monitor_samples++;
}

static void on_stop(int sig)
{
	stop = sig;
}

int prof_start(void)
{
	struct sigaction sa;
	struct itimerval it = {{0, PROF_US}, {0, PROF_US}};

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_prof; /* no SA_RESTART: KVM_RUN returns EINTR */
	if (sigaction(SIGPROF, &sa, NULL) < 0)
		return -1;
	sa.sa_handler = on_stop;
	if (sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGINT, &sa, NULL) < 0)
		return -1;
	prof_on = 1;
	return setitimer(ITIMER_PROF, &it, NULL);
}

void prof_enter(void)
{
	in_run = 1;
}

static void count(struct monitor *m, uint64_t rip)
{
	uint64_t off;
	int len;
	uint64_t key = sym_lookup(&m->img, rip, &off, &len) ? rip - off : rip;

	for (unsigned i = 0; i < nfuncs; i++)
		if (funcs[i].start == key) {
			funcs[i].n++;
			return;
		}
	if (nfuncs == PROF_FUNCS) {
		lost++;
		return;
	}
	funcs[nfuncs].start = key;
	funcs[nfuncs++].n = 1;
}

/* After KVM_RUN: 1 when it was interrupted for a sample (or a stop). */
int prof_leave(struct monitor *m, int interrupted)
{
	struct kvm_regs regs;

	in_run = 0;
	if (interrupted && ioctl(m->vcpu_fd, KVM_GET_REGS, &regs) == 0)
		count(m, regs.rip);
	if (stop) {
		prof_report(m);
		mon_exit(128 + stop); /* as the signal would have */
	}
	return interrupted;
}

void prof_report(struct monitor *m)
{
	uint64_t mon = monitor_samples, total = mon + lost;

	if (!prof_on)
		return;
	for (unsigned i = 0; i < nfuncs; i++)
		total += funcs[i].n;
	fprintf(stderr,
		"kiln-kvm: profile, %" PRIu64 " samples every %u us of CPU:\n",
		total, PROF_US);
	fprintf(stderr,
		"  %6.2f%%  (the monitor and the host kernel outside "
		"KVM_RUN)\n",
		total ? 100.0 * (double)mon / (double)total : 0);
	for (;;) {
		unsigned best = nfuncs;
		uint64_t off;
		int len;
		const char *name;

		for (unsigned i = 0; i < nfuncs; i++)
			if (funcs[i].n &&
			    (best == nfuncs || funcs[i].n > funcs[best].n))
				best = i;
		if (best == nfuncs)
			break;
		name = sym_lookup(&m->img, funcs[best].start, &off, &len);
		fprintf(stderr, "  %6.2f%%  %.*s\n",
			100.0 * (double)funcs[best].n / (double)total,
			name ? len : 18, name ? name : "?");
		funcs[best].n = 0;
	}
	net_prof_report(m);
}
