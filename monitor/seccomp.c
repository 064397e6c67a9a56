/*
 * The monitor's own sandbox: a classic-BPF seccomp allow-list (no
 * libseccomp), installed after all setup and just before the first
 * KVM_RUN. From then on a compromised monitor can only run its vCPU,
 * move frames on its taps, read and write its disks, poll, read the
 * clock, write to stdout/stderr and exit. Anything else kills it.
 *
 * File descriptors are checked (argument 0 of read/write/pread...), and
 * ioctl only on the vCPU's fd with KVM_RUN, or KVM_GET_REGS/SREGS, which
 * the fault report reads.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "monitor.h"

#define PROG_MAX 512
#define L_NEXT	 (-1) /* fall through */
#define L_KILL	 (-2)
#define L_ALLOW	 (-3)
#define L_RULE	 (-4) /* the start of the next rule */

struct prog {
	struct sock_filter f[PROG_MAX];
	int jt[PROG_MAX], jf[PROG_MAX];
	unsigned n, rule_start;
	int overflow;
};

static void emit(struct prog *p, uint16_t code, uint32_t k, int jt, int jf)
{
	if (p->n == PROG_MAX) {
		p->overflow = 1;
		return;
	}
	p->f[p->n] = (struct sock_filter)BPF_STMT(code, k);
	p->jt[p->n] = jt;
	p->jf[p->n] = jf;
	p->n++;
}

#define ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define ARG_HI(i) (ARG_LO(i) + 4)

/* Argument i must be one of vals (a 32-bit value: the high half zero). */
static void arg_in(struct prog *p, unsigned i, const uint32_t *vals, unsigned n)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, ARG_HI(i), 0, 0);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, L_NEXT, L_KILL);
	emit(p, BPF_LD | BPF_W | BPF_ABS, ARG_LO(i), 0, 0);
	for (unsigned k = 0; k < n; k++)
		/* A match skips the rest of this list. */
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, vals[k],
		     (int)(n - k - 1) + 1000, k + 1 == n ? L_KILL : L_NEXT);
}

static void rule(struct prog *p, long nr)
{
	p->rule_start = p->n;
	emit(p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr), 0,
	     0);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, L_NEXT, L_RULE);
}

/* Ends a rule: allow; the rule's "not this syscall" jump lands after. */
static void rule_end(struct prog *p)
{
	emit(p, BPF_RET | BPF_K, SECCOMP_RET_ALLOW, 0, 0);
	for (unsigned i = p->rule_start; i < p->n; i++)
		if (p->jf[i] == L_RULE)
			p->jf[i] = (int)p->n + 2000;
}

static int resolve(int j, unsigned at, unsigned kill, uint8_t *out)
{
	long target;

	if (j == L_NEXT || j == 0)
		target = at + 1;
	else if (j == L_KILL)
		target = kill;
	else if (j >= 2000)
		target = j - 2000; /* absolute: a rule's end */
	else if (j >= 1000)
		target = at + 1 + (j - 1000); /* relative skip */
	else
		return -1;
	if (target <= at || target - at - 1 > 255)
		return -1;
	*out = (uint8_t)(target - at - 1);
	return 0;
}

int seccomp_install(const struct monitor *m)
{
	static struct prog p;
	uint32_t tap[KVM_MAX_DEVS + 2], disk[KVM_MAX_DEVS];
	unsigned ntap = 0, ndisk = 0, kill;
	uint32_t vcpu = (uint32_t)m->vcpu_fd;
	const uint32_t ioctls[] = {KVM_RUN, KVM_GET_REGS, KVM_GET_SREGS};
	const long plain[] = {SYS_ppoll, SYS_clock_gettime, SYS_exit,
			      SYS_exit_group};
	struct sock_fprog fp;
#ifdef __SANITIZE_ADDRESS__
	const long san[] = {SYS_sigaltstack};
#endif

	for (unsigned i = 0; i < m->ndevs; i++) {
		if (m->devs[i].kind == KVM_DEV_NET)
			tap[ntap++] = (uint32_t)m->devs[i].fd;
		else
			disk[ndisk++] = (uint32_t)m->devs[i].fd;
	}
	memset(&p, 0, sizeof p);
	emit(&p, BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch),
	     0, 0);
	emit(&p, BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, L_NEXT, L_KILL);

	rule(&p, SYS_ioctl);
	arg_in(&p, 0, &vcpu, 1);
	arg_in(&p, 1, ioctls, 3);
	rule_end(&p);
	for (unsigned i = 0; i < sizeof plain / sizeof plain[0]; i++) {
		rule(&p, plain[i]);
		rule_end(&p);
	}
	/* Only --prof installs signal handlers (prof.c), whose return is
	 * rt_sigreturn; without them a signal ends or is ignored. */
	if (prof_on) {
		rule(&p, SYS_rt_sigreturn);
		rule_end(&p);
	}
#ifdef __SANITIZE_ADDRESS__
	/* The test build: what the sanitizer runtime itself calls. */
	for (unsigned i = 0; i < sizeof san / sizeof san[0]; i++) {
		rule(&p, san[i]);
		rule_end(&p);
	}
#endif
	if (ntap) {
		rule(&p, SYS_read);
		arg_in(&p, 0, tap, ntap);
		rule_end(&p);
	}
	/* write/writev: the taps, stdout (console) and stderr (reports). */
	tap[ntap++] = 1;
	tap[ntap++] = 2;
	rule(&p, SYS_write);
	arg_in(&p, 0, tap, ntap);
	rule_end(&p);
	rule(&p, SYS_writev);
	arg_in(&p, 0, tap, ntap);
	rule_end(&p);
	if (ndisk) {
		const long io[] = {SYS_pread64, SYS_pwrite64, SYS_fdatasync};
		for (unsigned i = 0; i < 3; i++) {
			rule(&p, io[i]);
			arg_in(&p, 0, disk, ndisk);
			rule_end(&p);
		}
	}
	kill = p.n;
	emit(&p, BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS, 0, 0);
	if (p.overflow)
		goto bad;
	for (unsigned i = 0; i < p.n; i++) {
		if (BPF_CLASS(p.f[i].code) != BPF_JMP)
			continue;
		if (resolve(p.jt[i], i, kill, &p.f[i].jt) < 0 ||
		    resolve(p.jf[i], i, kill, &p.f[i].jf) < 0)
			goto bad;
	}
	fp.len = (unsigned short)p.n;
	fp.filter = p.f;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fp) < 0) {
		fprintf(stderr, "kiln-kvm: installing the seccomp filter: %s\n",
			strerror(errno));
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "kiln-kvm: seccomp filter does not assemble\n");
	return -1;
}
