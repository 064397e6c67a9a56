/*
 * A test guest for kiln-kvm, freestanding: no Kiln runtime (that is being
 * written elsewhere), just enough to exercise the monitor. The first word
 * of the start line picks what it does; see the table at the bottom.
 * Built with frame pointers so that the monitor's backtrace has frames.
 */
#include <stddef.h>
#include <stdint.h>

#include <kiln/kvm_abi.h>

/* The manifest note: ABI version and the devices this build declares. */
struct note {
	uint32_t namesz, descsz, type;
	char name[8];
	struct kvm_note desc;
};
__attribute__((section(".note.kiln"), aligned(4),
	       used)) static const struct note kiln_note = {
	sizeof KVM_NOTE_NAME,
	sizeof(struct kvm_note),
	KVM_NOTE_MANIFEST,
	KVM_NOTE_NAME,
	{KVM_ABI_VERSION, GUEST_NDEVS, {GUEST_DEVS}}};

static const struct kvm_boot_info *bi;

static void hc(unsigned call, volatile void *arg)
{
	__asm__ volatile("outl %0, %w1"
			 :
			 : "a"((uint32_t)(uintptr_t)arg),
			   "Nd"((uint16_t)(KVM_HC_PORT_BASE + call))
			 : "memory");
}

static size_t slen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

static void out(const char *s, size_t n)
{
	struct kvm_hc_console c = {(uintptr_t)s, n, 0};
	hc(KVM_HC_CONSOLE, &c);
}

static void puts_(const char *s)
{
	out(s, slen(s));
}

static void putu(uint64_t v, unsigned base)
{
	char b[24], *p = b + sizeof b;
	do {
		*--p = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	out(p, (size_t)(b + sizeof b - p));
}

__attribute__((noreturn)) void guest_exit(int status);
void guest_exit(int status)
{
	struct kvm_hc_halt h = {status, 0, 0, 0};
	hc(KVM_HC_HALT, &h);
	for (;;)
		;
}

static __attribute__((noreturn)) void halt_msg(int status, const char *msg)
{
	struct kvm_hc_halt h = {status, 0, (uintptr_t)msg, slen(msg)};
	hc(KVM_HC_HALT, &h);
	for (;;)
		;
}

/* ---- exceptions: report through HALT, status 3 ------------------------ */

/*
 * The handlers of guest-idt.elf (guest.ld builds its IDT, the monitor
 * loads it). They run at CPL 0 on the TSS's RSP0 stack (#DF: IST1); the
 * report says which, and the CPL of the code that faulted.
 */
static char msgbuf[200];
static int dfault_armed;
static __attribute__((noinline)) int m_deep(int n);

static const char *which_stack(uintptr_t sp)
{
	if (sp < bi->rsp0 && sp >= bi->rsp0 - KVM_EXC_STACK)
		return "rsp0";
	if (sp < bi->ist1 && sp >= bi->ist1 - KVM_EXC_STACK)
		return "ist1";
	return "other";
}

void exception(const uint64_t *f);
void exception(const uint64_t *f)
{
	static const char *const names[20] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD",
		"#NM", "#DF", "9",   "#TS", "#NP", "#SS", "#GP",
		"#PF", "15",  "#MF", "#AC", "#MC", "#XM"};
	uint64_t cr2;
	char *p = msgbuf;
	const char *parts[] = {"guest: exception ",
			       names[f[0] % 20],
			       " at rip 0x",
			       0,
			       " cr2 0x",
			       0,
			       " error 0x",
			       0,
			       " cpl ",
			       0,
			       " stack ",
			       which_stack((uintptr_t)&p)};
	uint64_t vals[] = {0, 0, 0, f[2], 0, 0, 0, f[1], 0, f[3] & 3, 0, 0};

	if (dfault_armed && f[0] != 8) {
		/* "dfault": overflow this handler's stack (RSP0); the #PF
		 * at the guard page cannot be delivered on it: #DF, IST1. */
		dfault_armed = 0;
		m_deep(0);
	}
	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	vals[5] = cr2;
	for (unsigned i = 0; i < 12; i++) {
		if (parts[i]) {
			for (const char *s = parts[i]; *s; s++)
				*p++ = *s;
		} else {
			char b[17];
			int n = 0;
			uint64_t v = vals[i];
			do {
				b[n++] = "0123456789abcdef"[v & 15];
				v >>= 4;
			} while (v);
			while (n)
				*p++ = b[--n];
		}
	}
	*p = 0;
	halt_msg(3, msgbuf);
}

/* ---- the modes ------------------------------------------------------- */

static const char *args; /* the start line after the mode word */

static int word_is(const char *s, const char *w)
{
	while (*w && *s == *w)
		s++, w++;
	return !*w && (*s == ' ' || *s == 0);
}

static int num(const char *s)
{
	int v = 0;
	if (*s == 'r')
		s++;
	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	return v;
}

static int m_hello(void)
{
	puts_("hello:");
	if (*args) {
		puts_(" ");
		puts_(args);
	}
	puts_("\n");
	return 0;
}

static int m_exit(void)
{
	return num(args);
}

static int m_haltmsg(void)
{
	halt_msg(7, "guest says goodbye");
}

static int m_badstatus(void)
{
	struct kvm_hc_halt h = {300, 0, 0, 0};
	hc(KVM_HC_HALT, &h);
	return 0;
}

static int m_badaddr(void)
{
	/* A console write whose data lies past the end of guest memory. */
	struct kvm_hc_console c = {bi->mem_size - 8, 64, 0};
	hc(KVM_HC_CONSOLE, &c);
	return 0;
}

static int m_badstruct(void)
{
	hc(KVM_HC_WALLTIME, (void *)(uintptr_t)0xfffffff0u);
	return 0;
}

static int m_unknown(void)
{
	static struct kvm_hc_walltime w;
	hc(42, &w);
	return 0;
}

static __attribute__((noinline)) int m_textwrite(void)
{
	*(volatile uint8_t *)(uintptr_t)&m_hello = 0xcc;
	return 0;
}

static uint8_t data_code[16] = {0xc3}; /* ret, in a data page */
static __attribute__((noinline)) int m_jumpdata(void)
{
	((void (*)(void))(uintptr_t)data_code)();
	return 0;
}

static __attribute__((noinline)) int m_page0(void)
{
	return *(volatile int *)(uintptr_t)8;
}

static int m_rodata_write(void)
{
	*(volatile char *)(uintptr_t)kiln_note.name = 'X';
	return 0;
}

/* The CPL the guest runs at (3 unless the monitor got --cpl0). */
static int m_cpl(void)
{
	uint16_t cs;

	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	puts_("cpl ");
	putu(cs & 3, 10);
	puts_("\n");
	return 0;
}

/* A privileged instruction: #GP at CPL 3. */
static int m_priv(void)
{
	uint64_t cr3;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	return (int)(cr3 & 1);
}

/* Writes to supervisor pages: the GDT (boot info says where) and the
 * PML4 on the page above it. */
static int m_gdtwrite(void)
{
	*(volatile uint64_t *)(uintptr_t)(bi->gdt + 8) = 0;
	return 0;
}

static int m_ptwrite(void)
{
	*(volatile uint64_t *)(uintptr_t)(bi->gdt + 4096) = 0;
	return 0;
}

/* "port N": a 4-byte out to port N (the TSS opens 0x500-0x5ff only). */
static int m_port(void)
{
	static struct kvm_hc_walltime w;
	hc((unsigned)num(args) - KVM_HC_PORT_BASE, &w);
	return 0;
}

/* A fault whose handler overflows its own stack: #DF on IST1. */
static int m_dfault(void)
{
	dfault_armed = 1;
	__asm__ volatile("ud2");
	return 0;
}

static int m_ud2(void)
{
	__asm__ volatile("ud2");
	return 0;
}

static int m_hlt(void)
{
	__asm__ volatile("hlt");
	return 0;
}

static int m_deep(int n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	if (n > 100000000) /* never: the guard page comes first */
		return 0;
	return m_deep(n + 1) + pad[0];
}

static int m_stack(void)
{
	return m_deep(0);
}

static int m_guard(void)
{
	return *(volatile int *)(uintptr_t)bi->heap_end;
}

int guest_sse(void); /* sse.c: the one file built with SSE */
/*
 * Memory past the end of guest memory is never mapped by the monitor; to
 * reach it the guest (at CPL 0: run with --cpl0) maps it itself (a 2 MiB page
 * in its page directory, which is RW like the rest of the monitor's area) and
 * reads it: KVM exits with an MMIO read that no device serves.
 */
static int m_mmio(void)
{
	uint64_t cr3, *pml4, *pdpt, *pd, va = 0x3fe00000; /* PD index 511 */

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (uint64_t *)(uintptr_t)(cr3 & ~0xfffull);
	pdpt = (uint64_t *)(uintptr_t)(pml4[0] & 0xffffff000ull);
	pd = (uint64_t *)(uintptr_t)(pdpt[0] & 0xffffff000ull);
	pd[511] = va | 0x83; /* present, writable, 2 MiB */
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
	return *(volatile int *)(uintptr_t)va;
}

/*
 * Hypercalls with random structs (seeded from the start line): GPAs and
 * lengths mixed from in-range, edge and wild values. The monitor must
 * either perform a call or end the guest with its message, never crash.
 * POLL and HALT are left out (a random deadline could wait for ever).
 */
static uint64_t fuzz_x;
static uint64_t rnd(void)
{
	fuzz_x ^= fuzz_x << 13;
	fuzz_x ^= fuzz_x >> 7;
	fuzz_x ^= fuzz_x << 17;
	return fuzz_x;
}

static uint64_t fuzz_word(uint64_t self)
{
	switch (rnd() % 16) {
	case 8: /* mostly plausible values, so that calls get deep */
	case 9:
	case 10:
		return bi->heap_start + rnd() % 65536;
	case 11:
	case 12:
	case 13:
		return rnd() % 4 + 1;
	case 0:
		return rnd() % 300;
	case 1:
		return bi->mem_size - rnd() % 8192;
	case 2:
		return bi->heap_start + rnd() % 65536;
	case 3:
		return rnd();
	case 4:
		return 0;
	case 5:
		return self;
	case 6:
		return 0xffffffffu - rnd() % 16;
	default:
		return rnd() % 4 + 1;
	}
}

static int m_hcfuzz(void)
{
	static uint64_t s[16];
	fuzz_x = 0x9e3779b97f4a7c15ull ^ (uint64_t)num(args) << 1;
	for (int i = 0; i < 300; i++) {
		unsigned call = rnd() % 32 ? rnd() % KVM_HC_COUNT
					   : KVM_HC_COUNT + rnd() % 300;
		uint64_t gpa = (uintptr_t)s;
		if (call == KVM_HC_HALT || call == KVM_HC_POLL)
			call = KVM_HC_WALLTIME;
		for (int k = 0; k < 16; k++)
			s[k] = fuzz_word((uintptr_t)s);
		if (rnd() % 8 == 0)
			gpa = fuzz_word((uintptr_t)s);
		/* NET_IO may wait up to its first field: fuzzed only in s,
		 * with that timeout 0. */
		if (call == KVM_HC_NET_IO && gpa != (uintptr_t)s)
			call = KVM_HC_WALLTIME;
		if (call == KVM_HC_NET_IO)
			s[0] = 0;
		hc(call, (void *)(uintptr_t)(uint32_t)gpa);
	}
	puts_("hcfuzz survived\n");
	return 0;
}

/*
 * "spin N": N thousand iterations of a loop on a volatile counter (memory
 * loads and stores); "spin rN": of a register-only loop. To see how fast
 * guest code runs: on hardware KVM both take microseconds per thousand.
 */
static int m_spin(void)
{
	uint64_t n = (uint64_t)num(args) * 1000 + 1;

	if (args[0] == 'r') /* "spin rN": a register-only loop */
		__asm__ volatile("1: dec %0; jnz 1b" : "+r"(n));
	else
		for (volatile uint64_t i = 0; i < n; i++)
			;
	return 0;
}

/*
 * "hcs N": N WALLTIME hypercalls; "touch N": a first write to each of N
 * heap pages. What an exit and a page's first touch cost, from the
 * start-to-halt time of runs with different N.
 */
static int m_hcs(void)
{
	static struct kvm_hc_walltime w;

	for (int i = num(args); i > 0; i--)
		hc(KVM_HC_WALLTIME, &w);
	return 0;
}

static int m_touch(void)
{
	uint64_t p = bi->heap_start;

	for (int i = num(args); i > 0 && p + 4096 <= bi->heap_end; i--) {
		*(volatile uint8_t *)(uintptr_t)p = 1;
		p += 4096;
	}
	return 0;
}

static int m_sse(void)
{
	int r = guest_sse();
	puts_(r ? "sse BAD\n" : "sse ok\n");
	return r;
}

static int m_bootinfo(void)
{
	int bad = bi->abi_version != KVM_ABI_VERSION ||
		  bi->heap_start > bi->heap_end ||
		  bi->heap_end + 4096 != bi->stack_bottom ||
		  bi->stack_top <= bi->stack_bottom ||
		  bi->stack_top > bi->mem_size || bi->tsc_khz == 0 ||
		  bi->rsp0 <= bi->stack_top || bi->ist1 <= bi->rsp0 ||
		  bi->gdt <= bi->ist1 || bi->gdt >= bi->mem_size ||
		  bi->wall_ns == 0;
	uint64_t rsp;

	__asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
	if (rsp > bi->stack_top || rsp < bi->stack_bottom)
		bad = 1;
	/* The heap and the stack are writable. */
	*(volatile uint64_t *)(uintptr_t)bi->heap_start = 1;
	*(volatile uint64_t *)(uintptr_t)(bi->heap_end - 8) = 1;
	*(volatile uint64_t *)(uintptr_t)bi->stack_bottom = 1;
	puts_("mem_size ");
	putu(bi->mem_size, 10);
	puts_(" tsc_khz ");
	putu(bi->tsc_khz, 10);
	puts_(" ndevs ");
	putu(bi->ndevs, 10);
	puts_(bad ? " bootinfo BAD\n" : " bootinfo ok\n");
	return bad;
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static int m_time(void)
{
	struct kvm_hc_walltime w;
	uint64_t tsc = rdtsc(), est, diff;

	hc(KVM_HC_WALLTIME, &w);
	est = bi->wall_ns + (tsc - bi->tsc_at_boot) * 1000000 / bi->tsc_khz;
	diff = est > w.ns ? est - w.ns : w.ns - est;
	puts_("clock skew us ");
	putu(diff / 1000, 10);
	puts_(diff < 20000000 ? " time ok\n" : " time BAD\n");
	return diff >= 20000000;
}

static int m_poll(void)
{
	struct kvm_hc_poll q = {20 * 1000 * 1000, 0};
	uint64_t t0 = rdtsc(), ms;

	hc(KVM_HC_POLL, &q);
	ms = (rdtsc() - t0) / bi->tsc_khz;
	puts_("poll waited ms ");
	putu(ms, 10);
	puts_(ms >= 15 && ms < 1000 ? " poll ok\n" : " poll BAD\n");
	return !(ms >= 15 && ms < 1000);
}

int guest_block(const struct kvm_boot_info *b, const char *a);
int guest_net(const struct kvm_boot_info *b, const char *a);

static int m_block(void)
{
	return guest_block(bi, args);
}

static int m_net(void)
{
	return guest_net(bi, args);
}

static const struct {
	const char *name;
	int (*fn)(void);
} modes[] = {
	{"hello", m_hello},
	{"exit", m_exit},
	{"haltmsg", m_haltmsg},
	{"badstatus", m_badstatus},
	{"badaddr", m_badaddr},
	{"badstruct", m_badstruct},
	{"unknown", m_unknown},
	{"textwrite", m_textwrite},
	{"jumpdata", m_jumpdata},
	{"page0", m_page0},
	{"rodatawrite", m_rodata_write},
	{"ud2", m_ud2},
	{"hlt", m_hlt},
	{"stack", m_stack},
	{"guard", m_guard},
	{"sse", m_sse},
	{"bootinfo", m_bootinfo},
	{"time", m_time},
	{"poll", m_poll},
	{"block", m_block},
	{"net", m_net},
	{"mmio", m_mmio},
	{"hcfuzz", m_hcfuzz},
	{"spin", m_spin},
	{"hcs", m_hcs},
	{"cpl", m_cpl},
	{"priv", m_priv},
	{"gdtwrite", m_gdtwrite},
	{"ptwrite", m_ptwrite},
	{"port", m_port},
	{"dfault", m_dfault},
	{"touch", m_touch},
};

int guest_main(const struct kvm_boot_info *b);
int guest_main(const struct kvm_boot_info *b)
{
	const char *cmd = (const char *)(uintptr_t)b->cmdline;

	bi = b;
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		if (!word_is(cmd, modes[i].name))
			continue;
		args = cmd + slen(modes[i].name);
		while (*args == ' ')
			args++;
		return modes[i].fn();
	}
	halt_msg(9, "guest: unknown mode");
}

void guest_print(const char *s);
void guest_print(const char *s)
{
	puts_(s);
}

void guest_printu(uint64_t v);
void guest_printu(uint64_t v)
{
	putu(v, 10);
}
