/*
 * Ending the run: the clean exit, and the report of a guest fault with
 * the registers that say where it happened and a backtrace walked through
 * the guest's frame pointers (the kvm guest is built with them). The walk
 * reads guest memory only through gpa_check(): a corrupt stack gives a
 * short backtrace, never a monitor crash. This runs under seccomp, so it
 * makes no system call beyond write(2) and the vCPU's register ioctls,
 * and allocates nothing.
 */
#include <elf.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "monitor.h"

#define BT_MAX	    32
#define BT_WALK_MAX 100000  /* frames walked; a deep recursion ends sooner */
#define SYM_NOSIZE  0x10000 /* how far a size-less (asm) symbol reaches */

void mon_exit(int status)
{
	fflush(stdout);
	fflush(stderr);
	_exit(status); /* no atexit work: the seccomp filter is in place */
}

static void print_addr(struct image *img, const char *what, uint64_t addr)
{
	uint64_t off;
	int len;
	const char *name = sym_lookup(img, addr, &off, &len);

	if (name)
		fprintf(stderr, "%s0x%" PRIx64 " %.*s+0x%" PRIx64 "\n", what,
			addr, len, name, off);
	else
		fprintf(stderr, "%s0x%" PRIx64 "\n", what, addr);
}

/*
 * A leaf function may keep no frame (the compiler omits it when it needs
 * no stack), and a fault on a function's first instructions comes before
 * its frame is set up: then the caller is only at [rsp]. Shown as a guess
 * ("?") when that word points into text and is not the return address
 * the frame chain will show anyway.
 */
static void top_of_stack(struct monitor *m, const struct kvm_regs *regs)
{
	const void *p = gpa_check(&m->g, regs->rsp, 8), *f;
	uint64_t ret, chain = 0;

	if (!p)
		return;
	memcpy(&ret, p, sizeof ret);
	f = gpa_check(&m->g, regs->rbp + 8, 8);
	if (f)
		memcpy(&chain, f, sizeof chain);
	for (unsigned i = 0; i < m->img.nsegs; i++) {
		const struct image_seg *s = &m->img.segs[i];
		if ((s->flags & PF_X) && ret > s->vaddr &&
		    ret - s->vaddr <= s->memsz && ret != chain) {
			print_addr(&m->img, "  ?   ", ret - 1);
			return;
		}
	}
}

/*
 * Walks saved (rbp, return address) pairs up the stack. Recursion shows
 * as one line and a count, so a stack overflow's report stays short.
 */
static void backtrace(struct monitor *m, const struct kvm_regs *regs)
{
	uint64_t fp = regs->rbp, frame[2], last = regs->rip, repeats = 0;
	int printed = 1;
	char what[24];

	print_addr(&m->img, "  #0  ", regs->rip);
	top_of_stack(m, regs);
	for (int depth = 1; depth < BT_WALK_MAX; depth++) {
		const void *p = gpa_check(&m->g, fp, sizeof frame);
		if (!p || (fp & 7))
			break;
		memcpy(frame, p, sizeof frame); /* saved rbp, return address */
		if (frame[1] == 0)
			break;
		/* The call is the instruction before the return address. */
		if (frame[1] - 1 == last) {
			repeats++;
		} else if (printed < BT_MAX) {
			if (repeats)
				fprintf(stderr,
					"      ... the frame above %" PRIu64
					" more times\n",
					repeats);
			repeats = 0;
			last = frame[1] - 1;
			snprintf(what, sizeof what, "  #%-2d ", depth);
			print_addr(&m->img, what, last);
			printed++;
		}
		if (frame[0] <= fp)
			break; /* frames go up the stack, or the chain is bad */
		fp = frame[0];
	}
	if (repeats)
		fprintf(stderr,
			"      ... the frame above %" PRIu64 " more times\n",
			repeats);
}

void guest_fault(struct monitor *m, const char *fmt, ...)
{
	struct kvm_regs regs;
	struct kvm_sregs sr;
	va_list ap;

	fflush(stdout);
	fputs("kiln-kvm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (ioctl(m->vcpu_fd, KVM_GET_REGS, &regs) == 0 &&
	    ioctl(m->vcpu_fd, KVM_GET_SREGS, &sr) == 0) {
		fprintf(stderr,
			"  rip 0x%llx rsp 0x%llx rbp 0x%llx cr2 0x%llx\n",
			regs.rip, regs.rsp, regs.rbp, sr.cr2);
		if (regs.rsp <= m->lay.heap_end + PAGE_SIZE &&
		    regs.rsp > m->lay.heap_end - PAGE_SIZE)
			fputs("  (the stack pointer is at the guard page: a "
			      "stack overflow?)\n",
			      stderr);
		if ((regs.rsp <= m->lay.rsp0_bottom &&
		     regs.rsp > m->lay.rsp0_bottom - PAGE_SIZE) ||
		    (regs.rsp <= m->lay.ist1_bottom &&
		     regs.rsp > m->lay.ist1_bottom - PAGE_SIZE))
			fputs("  (the stack pointer is at an exception stack's "
			      "guard page: a handler overflowed it?)\n",
			      stderr);
		fputs(elf_symbols(&m->img) ? "  backtrace:\n"
					   : "  backtrace (no symbols):\n",
		      stderr);
		backtrace(m, &regs);
	}
	net_report(m);
	mon_exit(MON_EXIT_FAULT);
}
