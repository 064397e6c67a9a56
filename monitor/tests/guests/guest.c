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

/* ---- the IDT: exceptions report through HALT, status 3 --------------- */

extern const uint64_t isr_table[20];
static uint64_t idt[2 * 20] __attribute__((aligned(16)));
static char msgbuf[160];

void exception(const uint64_t *f);
void exception(const uint64_t *f)
{
	static const char *const names[20] = {
		"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD",
		"#NM", "#DF", "9",   "#TS", "#NP", "#SS", "#GP",
		"#PF", "15",  "#MF", "#AC", "#MC", "#XM"};
	uint64_t cr2;
	char *p = msgbuf;
	const char *parts[] = {"guest: exception ", names[f[0] % 20],
			       " at rip 0x",	    0,
			       " cr2 0x",	    0,
			       " error 0x",	    0};
	uint64_t vals[] = {0, 0, 0, f[2], 0, 0, 0, f[1]};

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	vals[5] = cr2;
	for (unsigned i = 0; i < 8; i++) {
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

static void idt_install(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} d = {sizeof idt - 1, (uintptr_t)idt};

	for (unsigned i = 0; i < 20; i++) {
		uint64_t a = isr_table[i];
		idt[2 * i] = (a & 0xffff) | ((uint64_t)KVM_BOOT_CS << 16) |
			     (0x8eull << 40) | ((a >> 16 & 0xffff) << 48);
		idt[2 * i + 1] = a >> 32;
	}
	__asm__ volatile("lidt %0" : : "m"(d));
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

static __attribute__((noinline)) int m_deep(int n)
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
 * reach it the guest maps it itself (a 2 MiB page in its page directory,
 * which is RW like the rest of the monitor's area) and reads it: KVM
 * exits with an MMIO read that no device serves.
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
	int idt; /* install the IDT first */
} modes[] = {
	{"hello", m_hello, 0},
	{"exit", m_exit, 0},
	{"haltmsg", m_haltmsg, 0},
	{"badstatus", m_badstatus, 0},
	{"badaddr", m_badaddr, 0},
	{"badstruct", m_badstruct, 0},
	{"unknown", m_unknown, 0},
	{"textwrite", m_textwrite, 0},
	{"jumpdata", m_jumpdata, 0},
	{"page0", m_page0, 0},
	{"rodatawrite", m_rodata_write, 0},
	{"ud2", m_ud2, 0},
	{"hlt", m_hlt, 0},
	{"stack", m_stack, 0},
	{"guard", m_guard, 0},
	{"sse", m_sse, 0},
	{"bootinfo", m_bootinfo, 0},
	{"time", m_time, 0},
	{"poll", m_poll, 0},
	{"block", m_block, 0},
	{"net", m_net, 0},
	{"mmio", m_mmio, 0},
	{"hcfuzz", m_hcfuzz, 0},
	{"spin", m_spin, 0},
};

int guest_main(const struct kvm_boot_info *b);
int guest_main(const struct kvm_boot_info *b)
{
	const char *cmd = (const char *)(uintptr_t)b->cmdline;
	int idt = 0;

	bi = b;
	/* "idt MODE ...": the same MODE with the exception handlers set. */
	if (word_is(cmd, "idt")) {
		idt = 1;
		cmd += 3;
		while (*cmd == ' ')
			cmd++;
	}
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		if (!word_is(cmd, modes[i].name))
			continue;
		args = cmd + slen(modes[i].name);
		while (*args == ' ')
			args++;
		if (idt || modes[i].idt)
			idt_install();
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
