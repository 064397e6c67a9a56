/*
 * The kvm target's C entry point: kvm_main, called by start.S with the
 * boot info. It sets up what the rest of Kiln relies on, opens the
 * devices the boot info lists, splits the start line and hands it to
 * core_start (lib/core/start.c).
 *
 * The start line (the boot info's cmdline) is what `kiln-kvm IMAGE ARGS`
 * got as ARGS, joined with single spaces (the monitor takes its own
 * --mem/--net/--disk options before IMAGE):
 *
 *     [KEY=VALUE ...] [--] [ARGS ...]
 *
 * Tokens are separated by blanks (space, tab, newline); there is no
 * quoting or escaping, so an argument cannot itself hold a blank. core_start
 * tells settings from arguments. Errors at start (a device the monitor
 * has no backend for, a bad key) end the VM with status 2 and a message,
 * as on the posix targets.
 *
 * Boot touches few pages: the trap tables share one page, the heap and
 * the network buffer pool are not touched until used (lib/libc/malloc.c),
 * and the start line is copied only as far as it goes.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiln/config.h>
#include <kiln/image.h>
#include <kiln/kiln.h>
#include <kiln/log.h>
#include <kiln/netbuf.h>
#include <kiln/platform.h>

#include "../../lib/libc/libc.h"
#include "kvm.h"

/* Fewest and most network buffers; between them a quarter of the heap. */
#define POOL_MIN 32u
#define POOL_MAX NETBUF_DEFAULT_COUNT

const struct kvm_boot_info *kvm_boot;
static unsigned nnet;

void kvm_main(const struct kvm_boot_info *bi) __attribute__((noreturn));

static void __attribute__((noreturn, format(printf, 1, 2)))
start_fail(const char *fmt, ...)
{
	static char msg[512];
	size_t n;
	va_list ap;

	n = (size_t)snprintf(msg, sizeof msg, "%s: ", image_app_name);
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof msg - n, fmt, ap);
	va_end(ap);
	kvm_halt(2, msg);
}

/* Is [gpa, gpa + len) inside guest memory, past page 0? */
static bool in_guest(uint64_t gpa, uint64_t len)
{
	return gpa >= 4096 && gpa <= kvm_boot->mem_size &&
	       len <= kvm_boot->mem_size - gpa;
}

/*
 * The start line's copy and its tokens: static, so splitting it costs no
 * allocator work (every instruction at boot counts where KVM emulates
 * guest code), and only the pages actually used are ever touched.
 */
static char line[KVM_CMDLINE_MAX];
static char *tokens[KVM_CMDLINE_MAX / 2 + 1];

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* Split the start line into tokens; *n gets their count. */
static char **split_cmdline(int *n)
{
	const char *src = (const char *)(uintptr_t)kvm_boot->cmdline;
	size_t len, k = 0;
	int count = 0;

	*n = 0;
	if (!kvm_boot->cmdline)
		return tokens;
	if (!in_guest(kvm_boot->cmdline, 1))
		start_fail("boot info: start line at 0x%llx is outside guest "
			   "memory",
			   (unsigned long long)kvm_boot->cmdline);
	len = strnlen(src, KVM_CMDLINE_MAX);
	if (len == KVM_CMDLINE_MAX)
		start_fail("boot info: start line longer than %d bytes",
			   KVM_CMDLINE_MAX - 1);
	memcpy(line, src, len + 1);
	while (line[k]) {
		while (is_blank(line[k]))
			line[k++] = '\0';
		if (!line[k])
			break;
		tokens[count++] = line + k;
		while (line[k] && !is_blank(line[k]))
			k++;
	}
	tokens[count] = NULL;
	*n = count;
	return tokens;
}

static void open_devices(void)
{
	char why[256];

	if (kvm_boot->ndevs > KVM_MAX_DEVS)
		start_fail("boot info: %u devices, at most %d", kvm_boot->ndevs,
			   KVM_MAX_DEVS);
	for (unsigned i = 0; i < kvm_boot->ndevs; i++) {
		const struct kvm_boot_dev *d = &kvm_boot->devs[i];
		const char *kind = d->kind == KVM_DEV_NET ? "net" : "block";
		int err;

		if (!d->attached)
			start_fail("device %.*s (%s) has no backend: give "
				   "kiln-kvm %s",
				   KVM_DEV_NAME_MAX, d->name, kind,
				   d->kind == KVM_DEV_NET ? "--net TAP"
							  : "--disk FILE");
		if (d->kind == KVM_DEV_NET)
			err = kvm_net_open(i, d, why, sizeof why);
		else if (d->kind == KVM_DEV_BLOCK)
			err = kvm_block_open(i, d, why, sizeof why);
		else
			start_fail("boot info: device %u of unknown kind %u", i,
				   d->kind);
		if (err < 0)
			start_fail("device %.*s (%s): %s", KVM_DEV_NAME_MAX,
				   d->name, kind, why);
		if (d->kind == KVM_DEV_NET)
			nnet++;
	}
}

/*
 * The network buffer pool: the key `netbufs` when it is not 0, else sized
 * from the heap: a quarter of it, within [POOL_MIN, POOL_MAX] buffers.
 * Its pages are not touched until used.
 */
static void pool_init(void)
{
	size_t quarter = libc_heap_free() / 4 / NETBUF_SIZE;
	unsigned count = quarter < POOL_MIN   ? POOL_MIN
			 : quarter > POOL_MAX ? POOL_MAX
					      : (unsigned)quarter;
	int64_t want = cfg_has("netbufs") ? cfg_int("netbufs") : 0;

	if (want < 0 || want > (int64_t)(libc_heap_free() / NETBUF_SIZE))
		start_fail("key netbufs=%lld: expected 0 (auto) to %zu in this "
			   "guest's memory",
			   (long long)want, libc_heap_free() / NETBUF_SIZE);
	if (want > 0)
		count = (unsigned)want;
	netbuf_pool_init(count);
}

void kvm_main(const struct kvm_boot_info *bi)
{
	char **args;
	int nargs;

	kvm_boot = bi;
	if (bi->abi_version != KVM_ABI_VERSION)
		start_fail("the monitor speaks kvm ABI %u, this image %d",
			   bi->abi_version, KVM_ABI_VERSION);
	if (bi->heap_start >= bi->heap_end || bi->heap_end > bi->mem_size ||
	    bi->heap_start < 4096)
		kvm_halt(2, "kiln: boot info: bad heap region\n");
	libc_heap_init((void *)(uintptr_t)bi->heap_start,
		       (void *)(uintptr_t)bi->heap_end);
	kvm_clock_init();
	args = split_cmdline(&nargs);
	open_devices();
	if (nnet)
		pool_init();
	core_start(nargs, args);
}

/*
 * core_start calls kiln_main once the start line's keys are applied; the
 * link (mk/target-kvm.mk) wraps that call so that the stack is attached
 * to the net devices here, after ipv4= and gateway= are known and before
 * the appliance's kiln_main runs (posix-direct does the same, see
 * bindings/posix-direct/start.c).
 */
int __real_kiln_main(int argc, char **argv);
int __wrap_kiln_main(int argc, char **argv);

int __wrap_kiln_main(int argc, char **argv)
{
	char why[256];

	if (nnet && kvm_net_attach_all(why, sizeof why) < 0)
		start_fail("%s", why);
	return __real_kiln_main(argc, argv);
}
