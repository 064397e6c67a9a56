/*
 * The seal: a seccomp allow-list installed once the image has started
 * (start.c), written as a classic BPF program by hand (no libseccomp: the
 * program is short, and every rule is visible here).
 *
 * Issue 3 names what a started image may do: read and write its tap,
 * write to stdout and stderr, read the clock, wait in its poll call, and
 * exit. Allowed after the seal, and nothing else, each call only with the
 * first argument shown:
 *   read                 the taps; the SIGUSR1 signalfd (stats.c)
 *   write, writev        the taps; stdout and stderr
 *   epoll_wait, epoll_pwait, epoll_pwait2
 *                        the loop's epoll instance (wait.c); the console's
 *                        own, which holds stdout alone (console.c)
 *   clock_gettime        CLOCK_MONOTONIC and CLOCK_REALTIME (the vDSO
 *                        answers without a system call where the host's
 *                        clock source allows; this is its fallback)
 *   exit, exit_group     the end
 * and, only in an image that declares a block device:
 *   pread64, pwrite64, fdatasync    the block devices' files
 * A declared disk is the image's own device, as its tap is, opened at
 * start from a file its operator named (--disk); these three calls cannot
 * reach any other file. The signalfd is no way out either: it only
 * delivers SIGUSR1, which makes the image print its own counters.
 *
 * What is not needed, and why:
 *   getrandom            kiln_entropy is a ChaCha20 generator in the image
 *                        (lib/core/rng.c), seeded from getrandom at start;
 *   nanosleep, clock_nanosleep    the console waits for room in a full
 *                        non-blocking stdout in epoll, not in a sleep;
 *   rt_sigreturn         the crash handler (bindings/posix/exit.c) ends
 *                        the process with _exit and never returns, and
 *                        SIGUSR1 comes through the signalfd, not a handler;
 *   brk, mmap, munmap, mprotect   no code can be mapped and the heap
 *                        cannot grow. The network buffers and TCP's pools
 *                        (connections, send buffers) are allocated before
 *                        the seal (start.c, lib/net/tcp_pool.c), the
 *                        console writes without stdio buffers, and
 *                        backtrace(3) is warmed up at start (exit.c). A
 *                        malloc that the arena cannot serve from memory it
 *                        already has kills the process (SIGSYS), which is
 *                        how tests/posix_direct.t would see an allocation
 *                        after start.
 * Every other call, and any of these with another first argument, kills
 * the process (SECCOMP_RET_KILL_PROCESS: SIGSYS, status 159 in a shell).
 * No descriptor can be opened, so the descriptors named here are the only
 * ones the image will ever use. Arguments are compared on their low 32
 * bits, which is what the kernel reads (an int: a descriptor, a clock id).
 *
 * The architecture is checked first: a 32-bit or x32 system call number
 * means a different table, so anything but native x86-64 is killed.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../posix/posix.h"
#include "direct.h"

#if defined(__x86_64__)
#define SEAL_ARCH    AUDIT_ARCH_X86_64
#define SEAL_X32_BIT 0x40000000u
#elif defined(__aarch64__)
#define SEAL_ARCH    AUDIT_ARCH_AARCH64
#define SEAL_X32_BIT 0u
#else
#error "posix-direct's seccomp filter knows x86-64 and aarch64 only"
#endif

#define SEAL_MAX_INSNS 512
#define SEAL_MAX_ARGS  16
#define SEAL_MAX_BLOCK 8

struct seal {
	struct sock_filter insn[SEAL_MAX_INSNS];
	unsigned n;
	bool overflow;
};

/* The values of the first argument (descriptors, clock ids) a rule
 * allows. */
struct argset {
	int v[SEAL_MAX_ARGS];
	unsigned n;
};

static void emit(struct seal *s, struct sock_filter f)
{
	if (s->n == SEAL_MAX_INSNS) {
		s->overflow = true;
		return;
	}
	s->insn[s->n++] = f;
}

/* A negative value (a descriptor that is not open) is left out. */
static void set_add(struct argset *set, int v)
{
	if (v < 0 || set->n == SEAL_MAX_ARGS)
		return;
	for (unsigned i = 0; i < set->n; i++)
		if (set->v[i] == v)
			return;
	set->v[set->n++] = v;
}

/*
 * Allow system call nr, for any arguments (set NULL) or when its first
 * argument is one of set's values (an empty set allows nothing: the rule
 * kills). The rule is one self-contained block; a call that is not nr
 * skips it:
 *
 *     ld  nr
 *     jeq NR ? next : (past the block)
 *     ld  args[0]            (only with a set)
 *     jeq fd0 ? allow : next
 *     ...
 *     ret KILL               (nr, but none of the descriptors)
 *   allow:
 *     ret ALLOW
 */
static void allow(struct seal *s, unsigned nr, const struct argset *set)
{
	unsigned nfd = set ? set->n : 0;
	unsigned body = set ? 1 + nfd + 2 : 1;

	emit(s,
	     (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					  offsetof(struct seccomp_data, nr)));
	emit(s, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0,
					     (unsigned char)body));
	if (set) {
		/* Little-endian: the low half of args[0] comes first. */
		emit(s, (struct sock_filter)BPF_STMT(
				BPF_LD | BPF_W | BPF_ABS,
				offsetof(struct seccomp_data, args[0])));
		for (unsigned i = 0; i < nfd; i++)
			emit(s, (struct sock_filter)BPF_JUMP(
					BPF_JMP | BPF_JEQ | BPF_K,
					(unsigned)set->v[i],
					(unsigned char)(nfd - i), 0));
		emit(s, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						     SECCOMP_RET_KILL_PROCESS));
	}
	emit(s,
	     (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

static void build(struct seal *s)
{
	struct argset rd = {.n = 0}, wr = {.n = 0}, ep = {.n = 0},
		      clk = {.n = 0}, blk = {.n = 0};
	int bfd[SEAL_MAX_BLOCK];
	size_t nb;

	for (size_t i = 0; i < direct_ntaps(); i++) {
		set_add(&rd, direct_tap_fd(i));
		set_add(&wr, direct_tap_fd(i));
	}
	set_add(&rd, direct_stats_fd());
	set_add(&wr, STDOUT_FILENO);
	set_add(&wr, STDERR_FILENO);
	set_add(&ep, posix_epoll_fd());
	set_add(&ep, posix_console_epoll_fd());
	set_add(&clk, CLOCK_MONOTONIC);
	set_add(&clk, CLOCK_REALTIME);
	nb = posix_block_fds(bfd, SEAL_MAX_BLOCK);
	for (size_t i = 0; i < nb && i < SEAL_MAX_BLOCK; i++)
		set_add(&blk, bfd[i]);

	/* Architecture first: another one means other system call numbers. */
	emit(s,
	     (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					  offsetof(struct seccomp_data, arch)));
	emit(s, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
					     SEAL_ARCH, 1, 0));
	emit(s, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					     SECCOMP_RET_KILL_PROCESS));
	if (SEAL_X32_BIT) {
		emit(s, (struct sock_filter)BPF_STMT(
				BPF_LD | BPF_W | BPF_ABS,
				offsetof(struct seccomp_data, nr)));
		emit(s, (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K,
						     SEAL_X32_BIT, 0, 1));
		emit(s, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						     SECCOMP_RET_KILL_PROCESS));
	}

	/* The hot calls first: the filter runs on every system call. A
	 * frame is one read or write (netif_tap.c); writev carries a frame
	 * of several pieces (segmentation offload). */
	allow(s, __NR_read, &rd);
	allow(s, __NR_write, &wr);
#ifdef __NR_epoll_pwait2
	allow(s, __NR_epoll_pwait2, &ep);
#endif
	allow(s, __NR_writev, &wr);
	allow(s, __NR_epoll_wait, &ep);
	allow(s, __NR_epoll_pwait, &ep);
	allow(s, __NR_clock_gettime, &clk);
	if (blk.n > 0) {
		allow(s, __NR_pread64, &blk);
		allow(s, __NR_pwrite64, &blk);
		allow(s, __NR_fdatasync, &blk);
	}
	allow(s, __NR_exit, NULL);
	allow(s, __NR_exit_group, NULL);
	emit(s, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
					     SECCOMP_RET_KILL_PROCESS));
}

int direct_seal(char *why, size_t whylen)
{
	static struct seal s;
	struct sock_fprog prog;

	s.n = 0;
	s.overflow = false;
	build(&s);
	if (s.overflow) {
		snprintf(why, whylen,
			 "seccomp: filter longer than %d "
			 "instructions",
			 SEAL_MAX_INSNS);
		return -1;
	}
	prog.len = (unsigned short)s.n;
	prog.filter = s.insn;
	/* Required to install a filter without CAP_SYS_ADMIN, and right
	 * anyway: nothing this process runs may gain privileges. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(why, whylen, "prctl(PR_SET_NO_NEW_PRIVS): %s",
			 strerror(errno));
		return -1;
	}
	if (syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
		snprintf(why, whylen,
			 "seccomp(SECCOMP_SET_MODE_FILTER): %s (a kernel "
			 "without seccomp filters cannot seal the image)",
			 strerror(errno));
		return -1;
	}
	return 0;
}
