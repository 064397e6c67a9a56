/*
 * The seal: a seccomp allow-list installed once the image has started
 * (start.c), written as a classic BPF program by hand (no libseccomp: the
 * program is short, and every rule is visible here).
 *
 * Allowed after the seal, and nothing else:
 *   read, readv          the taps; the stats signalfd (read only)
 *   write, writev        the taps; stdout and stderr (the console, panics)
 *   epoll_wait, epoll_pwait, epoll_pwait2    the loop's epoll instance
 *   pread64, pwrite64, fdatasync             the block devices' files
 *   clock_gettime, gettimeofday   (the vDSO answers these without a system
 *                        call; the fallback is allowed)
 *   clock_nanosleep, nanosleep    the console's back-off on a full pipe
 *   getrandom            kiln_entropy (TCP initial sequence numbers, ports)
 *   rt_sigreturn         return from the crash handler's signal frame
 *   exit, exit_group     the end
 * No memory calls: brk, mmap, munmap, mprotect are all forbidden, so no
 * code can be mapped and the heap cannot grow. Nothing needs them: the
 * network buffers and TCP's pools (connections, send buffers) are
 * allocated before the seal (start.c, lib/net/tcp_pool.c), the console
 * writes without stdio buffers, and backtrace(3) is warmed up at start
 * (bindings/posix/exit.c). A malloc that the arena cannot serve from
 * memory it already has kills the process (SIGSYS), which is how
 * tests/posix_direct.t would see an allocation after start.
 * Every other call, and any of these on another descriptor, kills the
 * process (SECCOMP_RET_KILL_PROCESS: SIGSYS, status 159 in a shell). No
 * descriptor can be opened, so the descriptors named here are the only
 * ones the image will ever use. Descriptor arguments are compared on their
 * low 32 bits, which is what the kernel reads (an int).
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
#define SEAL_MAX_FDS   16
#define SEAL_MAX_BLOCK 8

struct seal {
	struct sock_filter insn[SEAL_MAX_INSNS];
	unsigned n;
	bool overflow;
};

/* A set of descriptors a rule allows; n == 0 means any argument. */
struct fdset {
	int fd[SEAL_MAX_FDS];
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

static void fds_add(struct fdset *set, int fd)
{
	if (fd < 0 || set->n == SEAL_MAX_FDS)
		return;
	for (unsigned i = 0; i < set->n; i++)
		if (set->fd[i] == fd)
			return;
	set->fd[set->n++] = fd;
}

/*
 * Allow system call nr, for any arguments (set NULL) or when its first
 * argument is one of set's descriptors. The rule is one self-contained
 * block; a call that is not nr skips it:
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
static void allow(struct seal *s, unsigned nr, const struct fdset *set)
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
					(unsigned)set->fd[i],
					(unsigned char)(nfd - i), 0));
		emit(s, (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						     SECCOMP_RET_KILL_PROCESS));
	}
	emit(s,
	     (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

static void build(struct seal *s)
{
	struct fdset rx = {.n = 0}, tx = {.n = 0}, ep = {.n = 0},
		     blk = {.n = 0};
	int bfd[SEAL_MAX_BLOCK];
	size_t nb;

	for (size_t i = 0; i < direct_ntaps(); i++) {
		fds_add(&rx, direct_tap_fd(i));
		fds_add(&tx, direct_tap_fd(i));
	}
	fds_add(&rx, direct_stats_fd());
	fds_add(&tx, STDOUT_FILENO);
	fds_add(&tx, STDERR_FILENO);
	fds_add(&ep, posix_epoll_fd());
	nb = posix_block_fds(bfd, SEAL_MAX_BLOCK);
	for (size_t i = 0; i < nb && i < SEAL_MAX_BLOCK; i++)
		fds_add(&blk, bfd[i]);

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

	/* The hot calls first: the filter runs on every system call. */
	allow(s, __NR_read, &rx);
	allow(s, __NR_write, &tx);
	allow(s, __NR_epoll_wait, &ep);
	allow(s, __NR_epoll_pwait, &ep);
#ifdef __NR_epoll_pwait2
	allow(s, __NR_epoll_pwait2, &ep);
#endif
	allow(s, __NR_readv, &rx);
	allow(s, __NR_writev, &tx);
	allow(s, __NR_clock_gettime, NULL);
	allow(s, __NR_gettimeofday, NULL);
	allow(s, __NR_getrandom, NULL);
	if (blk.n > 0) {
		allow(s, __NR_pread64, &blk);
		allow(s, __NR_pwrite64, &blk);
		allow(s, __NR_fdatasync, &blk);
	}
	allow(s, __NR_clock_nanosleep, NULL);
	allow(s, __NR_nanosleep, NULL);
	allow(s, __NR_rt_sigreturn, NULL);
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
