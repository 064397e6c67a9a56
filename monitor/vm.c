/*
 * The virtual machine: guest memory, its layout, the page tables, the
 * GDT and TSS, the boot info and the vCPU's registers.
 *
 * Guest memory, GPA = guest virtual address (identity mapped), M bytes
 * ("user": U/S = 1; "sup": supervisor only, out of reach of CPL 3):
 *
 *   M             +---------------------------------------------+
 *                 | page tables: PML4, PDPT, PDs, PTs    sup RW NX|
 *   sys           | GDT (+0), TSS and I/O bitmap (+0x80) sup RW NX|
 *   boot_info     | boot info (+0), start line (+0x200,         |
 *                 |   up to 4 KiB: 2 pages in all)      user RW NX|
 *   ist1          | IST1 stack (KVM_EXC_STACK)           sup RW NX|
 *                 | guard page                        not present|
 *   rsp0          | RSP0 stack (KVM_EXC_STACK)           sup RW NX|
 *   stack_top     | guard page                        not present|
 *                 | stack (STACK_SIZE), grows down      user RW NX|
 *   stack_bottom  +---------------------------------------------+
 *                 | guard page                        not present|
 *   heap_end      +---------------------------------------------+
 *                 | heap                                user RW NX|
 *   heap_start    +---------------------------------------------+
 *                 | PT_LOAD segments: text R-X, rodata R NX,    |
 *                 | data/bss RW NX (any address from 0x1000), user|
 *   0x1000        +---------------------------------------------+
 *                 | page 0                            not present|
 *   0             +---------------------------------------------+
 *
 * 2 MiB regions that hold page 0, a segment, a guard page or anything from
 * the stack's top up are mapped with 4 KiB pages; every other region is
 * one 2 MiB page, user RW NX. Boot info and a short start line share one
 * page, so the guest's boot touches as few pages as possible (each first
 * touch costs microseconds on a nested host). Why the guest runs at CPL 3
 * and the exact state it starts in: include/kiln/kvm_abi.h.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "monitor.h"

#define PTE_P	 (1ull << 0)
#define PTE_RW	 (1ull << 1)
#define PTE_US	 (1ull << 2)
#define PTE_PS	 (1ull << 7)
#define PTE_NX	 (1ull << 63)
#define NREGIONS (((uint64_t)MEM_MAX_MIB << 20) / LARGE_SIZE)

#define BOOT_CMDLINE_OFF 0x200
_Static_assert(sizeof(struct kvm_boot_info) <= BOOT_CMDLINE_OFF, "boot info");

/* The system page: the GDT, then the TSS with its I/O permission bitmap. */
#define GDT_ENTRIES 7 /* null, CS, DS, UDS, UCS, TSS (two entries) */
#define SYS_TSS_OFF 0x80
#define TSS_RSP0    4
#define TSS_IST1    36
#define TSS_IOMAP   102 /* the bitmap's offset, a 16-bit field */
#define TSS_SIZE    104
/* One bit per port from 0 (0: allowed), then an all-ones byte. */
#define IOMAP_BYTES ((KVM_HC_PORT_BASE + HC_PORT_SPAN) / 8)
#define TSS_LIMIT   (TSS_SIZE + IOMAP_BYTES) /* the last byte: 0xff */
_Static_assert(GDT_ENTRIES * 8 <= SYS_TSS_OFF, "GDT");
_Static_assert(KVM_HC_PORT_BASE % 8 == 0 && HC_PORT_SPAN % 8 == 0, "ports");
_Static_assert(SYS_TSS_OFF + TSS_LIMIT < PAGE_SIZE, "TSS");

#define CR0_PE	       (1u << 0)
#define CR0_MP	       (1u << 1)
#define CR0_ET	       (1u << 4)
#define CR0_NE	       (1u << 5)
#define CR0_WP	       (1u << 16)
#define CR0_PG	       (1u << 31)
#define CR4_PAE	       (1u << 5)
#define CR4_OSFXSR     (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
#define EFER_LME       (1u << 8)
#define EFER_LMA       (1u << 10)
#define EFER_NXE       (1u << 11)
#define MSR_IA32_TSC   0x10

/* Regions (2 MiB) that need 4 KiB pages; see the picture above. */
static uint8_t need4k[NREGIONS];

static void mark(uint64_t from, uint64_t to, uint64_t nregions)
{
	for (uint64_t r = from / LARGE_SIZE; r <= (to - 1) / LARGE_SIZE; r++)
		if (r < nregions)
			need4k[r] = 1;
}

static unsigned count_marked(uint64_t nregions)
{
	unsigned n = 0;
	for (uint64_t r = 0; r < nregions; r++)
		n += need4k[r];
	return n;
}

int vm_layout(struct monitor *m, uint64_t mem)
{
	struct layout *l = &m->lay;
	uint64_t nregions = (mem + LARGE_SIZE - 1) / LARGE_SIZE;
	uint64_t npd = (mem + (1ull << 30) - 1) >> 30, need;
	unsigned npt;

	memset(need4k, 0, sizeof need4k);
	mark(0, PAGE_SIZE, nregions);
	mark(mem - 1, mem, nregions); /* a partial last region */
	for (unsigned i = 0; i < m->img.nsegs; i++)
		mark(m->img.segs[i].vaddr,
		     m->img.segs[i].vaddr + m->img.segs[i].memsz, nregions);
	/* + the guard page's region, + one more should the monitor's area
	 * (from the stack's top up) straddle a region boundary. */
	npt = count_marked(nregions) + 2;

	l->mem_size = mem;
	l->ntables = 2 + (unsigned)npd + npt;
	l->heap_start = (m->img.end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	need = l->heap_start + PAGE_SIZE + STACK_SIZE +
	       2 * (PAGE_SIZE + KVM_EXC_STACK) + 3 * PAGE_SIZE +
	       l->ntables * PAGE_SIZE;
	if (need > mem) {
		fprintf(stderr,
			"kiln-kvm: %s: the image (up to 0x%" PRIx64
			") does not fit in %" PRIu64 " MiB of guest "
			"memory with its stack; use --mem=%" PRIu64
			" or more\n",
			m->img.path, m->img.end, mem >> 20,
			(need + (1 << 20) - 1) >> 20);
		return -1;
	}
	l->tables = mem - l->ntables * PAGE_SIZE;
	l->sys = l->tables - PAGE_SIZE;
	l->boot_info = l->sys - 2 * PAGE_SIZE;
	l->cmdline = l->boot_info + BOOT_CMDLINE_OFF;
	l->ist1_bottom = l->boot_info - KVM_EXC_STACK;
	l->rsp0_bottom = l->ist1_bottom - PAGE_SIZE - KVM_EXC_STACK;
	l->stack_top = l->rsp0_bottom - PAGE_SIZE;
	l->stack_bottom = l->stack_top - STACK_SIZE;
	l->heap_end = l->stack_bottom - PAGE_SIZE;
	mark(l->heap_end, l->heap_end + PAGE_SIZE, nregions);
	mark(l->stack_top, mem, nregions);
	return 0;
}

void *gpa_check(const struct guest *g, uint64_t gpa, uint64_t len)
{
	if (gpa < PAGE_SIZE || gpa > g->size || len > g->size - gpa)
		return NULL;
	return g->mem + gpa;
}

/*
 * Guest memory: anonymous, zero. Huge pages from the hugetlb pool when
 * the host has enough reserved; otherwise ordinary pages, reserved lazily
 * (MAP_NORESERVE) so that only touched pages cost host memory. (Transparent
 * huge pages are not requested: the first touch of each 2 MiB region
 * would make the host zero all of it before the guest starts.)
 */
static int map_memory(struct guest *g, uint64_t size)
{
	int base = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	void *p = MAP_FAILED;

	if (size % LARGE_SIZE == 0)
		/* Not NORESERVE: a pool too small must fail here, not
		 * with SIGBUS at the first touch. */
		p = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
	if (p == MAP_FAILED)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, base, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	g->mem = p;
	g->size = size;
	return 0;
}

static int set_cpuid(struct monitor *m)
{
	struct kvm_cpuid2 *c = NULL;

	/*
	 * As much as KVM supports, and nothing beyond (no SSE3+ here). The
	 * call costs a few hundred microseconds on a nested host: start
	 * with room enough that it is made once.
	 */
	for (unsigned n = 256; n <= 4096; n *= 2) {
		free(c);
		c = calloc(1, sizeof *c + n * sizeof c->entries[0]);
		if (!c)
			return -1;
		c->nent = n;
		if (ioctl(m->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			break;
		if (errno != E2BIG) {
			free(c);
			return -1;
		}
	}
	if (ioctl(m->vcpu_fd, KVM_SET_CPUID2, c) < 0) {
		free(c);
		return -1;
	}
	free(c);
	return 0;
}

/* Fallback when KVM cannot say: the host TSC against CLOCK_MONOTONIC. */
static uint64_t calibrate_tsc_khz(void)
{
	struct timespec a, b, d = {0, 20 * 1000 * 1000};
	uint64_t t0, t1, ns;

	clock_gettime(CLOCK_MONOTONIC_RAW, &a);
	t0 = __rdtsc();
	nanosleep(&d, NULL);
	t1 = __rdtsc();
	clock_gettime(CLOCK_MONOTONIC_RAW, &b);
	ns = (uint64_t)(b.tv_sec - a.tv_sec) * 1000000000u +
	     (uint64_t)b.tv_nsec - (uint64_t)a.tv_nsec;
	return ns ? (t1 - t0) * 1000000u / ns : 0;
}

int vm_create(struct monitor *m)
{
	int r;

	m->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (m->kvm_fd < 0) {
		fprintf(stderr, "kiln-kvm: /dev/kvm: %s\n", strerror(errno));
		return -1;
	}
	r = ioctl(m->kvm_fd, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		fprintf(stderr, "kiln-kvm: /dev/kvm: API version %d, want %d\n",
			r, KVM_API_VERSION);
		return -1;
	}
	m->vm_fd = ioctl(m->kvm_fd, KVM_CREATE_VM, 0);
	if (m->vm_fd < 0) {
		fprintf(stderr, "kiln-kvm: KVM_CREATE_VM: %s\n",
			strerror(errno));
		return -1;
	}
	if (map_memory(&m->g, m->lay.mem_size) < 0) {
		fprintf(stderr,
			"kiln-kvm: cannot map %" PRIu64 " MiB of guest "
			"memory: %s\n",
			m->lay.mem_size >> 20, strerror(errno));
		return -1;
	}
	struct kvm_userspace_memory_region slot = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = m->g.size,
		.userspace_addr = (uint64_t)(uintptr_t)m->g.mem,
	};
	if (ioctl(m->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot) < 0) {
		fprintf(stderr, "kiln-kvm: KVM_SET_USER_MEMORY_REGION: %s\n",
			strerror(errno));
		return -1;
	}
	m->vcpu_fd = ioctl(m->vm_fd, KVM_CREATE_VCPU, 0);
	r = ioctl(m->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (m->vcpu_fd < 0 || r <= 0) {
		fprintf(stderr, "kiln-kvm: KVM_CREATE_VCPU: %s\n",
			strerror(errno));
		return -1;
	}
	m->run_size = (size_t)r;
	m->run = mmap(NULL, m->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      m->vcpu_fd, 0);
	if (m->run == MAP_FAILED) {
		fprintf(stderr, "kiln-kvm: mmap kvm_run: %s\n",
			strerror(errno));
		return -1;
	}
	if (set_cpuid(m) < 0) {
		fprintf(stderr, "kiln-kvm: KVM_SET_CPUID2: %s\n",
			strerror(errno));
		return -1;
	}
	r = ioctl(m->vcpu_fd, KVM_GET_TSC_KHZ, 0);
	if (r > 0) {
		m->tsc_khz = (uint64_t)r;
	} else {
		m->tsc_khz = calibrate_tsc_khz();
		fprintf(stderr,
			"kiln-kvm: KVM_GET_TSC_KHZ failed (%s); TSC "
			"calibrated against the host clock: %" PRIu64 " kHz\n",
			strerror(errno), m->tsc_khz);
	}
	return 0;
}

/* Is a one of the guard pages (not present)? */
static int is_guard(const struct layout *l, uint64_t a)
{
	return a == l->heap_end || a == l->stack_top ||
	       a == l->ist1_bottom - PAGE_SIZE;
}

static uint64_t page_flags(const struct monitor *m, uint64_t a)
{
	const struct layout *l = &m->lay;

	if (a == 0 || a >= l->mem_size || is_guard(l, a))
		return 0;
	/* Supervisor only: the exception stacks, GDT, TSS, page tables. */
	if ((a >= l->rsp0_bottom && a < l->boot_info) || a >= l->sys)
		return a | PTE_P | PTE_RW | PTE_NX;
	for (unsigned i = 0; i < m->img.nsegs; i++) {
		const struct image_seg *s = &m->img.segs[i];
		if (a + PAGE_SIZE > s->vaddr && a < s->vaddr + s->memsz) {
			if (s->flags & PF_X)
				return a | PTE_P | PTE_US;
			if (s->flags & PF_W)
				return a | PTE_P | PTE_RW | PTE_US | PTE_NX;
			return a | PTE_P | PTE_US | PTE_NX;
		}
	}
	return a | PTE_P | PTE_RW | PTE_US | PTE_NX;
}

static void build_tables(struct monitor *m)
{
	const struct layout *l = &m->lay;
	uint64_t nregions = (l->mem_size + LARGE_SIZE - 1) / LARGE_SIZE;
	uint64_t npd = (l->mem_size + (1ull << 30) - 1) >> 30;
	uint64_t *pml4 = gpa_check(&m->g, l->tables, l->ntables * PAGE_SIZE);
	uint64_t *pdpt = pml4 + 512, *pd = pml4 + 1024;
	uint64_t *pts = pd + 512 * npd,
		 pt_gpa = l->tables + (2 + npd) * PAGE_SIZE;

	/* The upper levels allow everything; the leaves decide. */
	pml4[0] = (l->tables + PAGE_SIZE) | PTE_P | PTE_RW | PTE_US;
	for (uint64_t i = 0; i < npd; i++)
		pdpt[i] = (l->tables + (2 + i) * PAGE_SIZE) | PTE_P | PTE_RW |
			  PTE_US;
	for (uint64_t r = 0; r < nregions; r++) {
		if (!need4k[r]) {
			pd[r] = (r * LARGE_SIZE) | PTE_P | PTE_RW | PTE_US |
				PTE_PS | PTE_NX;
			continue;
		}
		pd[r] = pt_gpa | PTE_P | PTE_RW | PTE_US;
		for (unsigned k = 0; k < 512; k++)
			pts[k] = page_flags(m, r * LARGE_SIZE + k * PAGE_SIZE);
		pts += 512;
		pt_gpa += PAGE_SIZE;
	}
}

static void set_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, int code)
{
	*s = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.dpl = sel & 3,
		.db = !code,
		.s = 1,
		.l = code,
		.g = 1,
	};
}

/*
 * The GDT and the TSS, in the system page (supervisor only, so CPL 3 can
 * change neither). Every descriptor is marked accessed, and the TSS busy,
 * as the CPU would mark them: the CPU then never writes the page.
 */
static void build_sys(struct monitor *m)
{
	const struct layout *l = &m->lay;
	uint8_t *sys = gpa_check(&m->g, l->sys, PAGE_SIZE);
	uint64_t *gdt = (uint64_t *)sys, tss = l->sys + SYS_TSS_OFF;
	uint8_t *t = sys + SYS_TSS_OFF;
	uint64_t rsp0 = l->rsp0_bottom + KVM_EXC_STACK,
		 ist1 = l->ist1_bottom + KVM_EXC_STACK;
	uint16_t iomap = TSS_SIZE;

	gdt[0] = 0;
	gdt[KVM_BOOT_CS / 8] = 0x00af9b000000ffffull;  /* 64-bit code, DPL 0 */
	gdt[KVM_BOOT_DS / 8] = 0x00cf93000000ffffull;  /* data, DPL 0 */
	gdt[KVM_BOOT_UDS / 8] = 0x00cff3000000ffffull; /* data, DPL 3 */
	gdt[KVM_BOOT_UCS / 8] = 0x00affb000000ffffull; /* 64-bit code, DPL 3 */
	gdt[KVM_BOOT_TSS / 8] = TSS_LIMIT | (tss & 0xffffff) << 16 |
				0x8bull << 40 | /* present, busy 64-bit TSS */
				(tss >> 24 & 0xff) << 56;
	gdt[KVM_BOOT_TSS / 8 + 1] = tss >> 32;

	memcpy(t + TSS_RSP0, &rsp0, sizeof rsp0);
	memcpy(t + TSS_IST1, &ist1, sizeof ist1);
	memcpy(t + TSS_IOMAP, &iomap, sizeof iomap);
	/* Ports below the hypercalls denied, the hypercalls allowed, and
	 * the closing all-ones byte; ports past the TSS limit are denied. */
	memset(t + TSS_SIZE, 0xff, KVM_HC_PORT_BASE / 8);
	t[TSS_LIMIT] = 0xff;
}

static void set_tr(struct kvm_segment *tr, uint64_t base)
{
	*tr = (struct kvm_segment){
		.base = base,
		.limit = TSS_LIMIT,
		.selector = KVM_BOOT_TSS,
		.type = 11, /* 64-bit TSS, busy */
		.present = 1,
	};
}

int vm_setup(struct monitor *m, const char *cmdline)
{
	const struct layout *l = &m->lay;
	struct kvm_boot_info *bi;
	struct kvm_sregs sr;
	struct kvm_regs regs;
	size_t clen = strlen(cmdline) + 1;

	elf_load(&m->img, &m->g);
	build_tables(m);
	build_sys(m);
	memcpy(gpa_check(&m->g, l->cmdline, clen), cmdline, clen);

	bi = gpa_check(&m->g, l->boot_info, sizeof *bi);
	bi->abi_version = KVM_ABI_VERSION;
	bi->ndevs = m->ndevs;
	bi->mem_size = l->mem_size;
	bi->cmdline = l->cmdline;
	bi->tsc_khz = m->tsc_khz;
	bi->heap_start = l->heap_start;
	bi->heap_end = l->heap_end;
	bi->stack_bottom = l->stack_bottom;
	bi->stack_top = l->stack_top;
	bi->rsp0 = l->rsp0_bottom + KVM_EXC_STACK;
	bi->ist1 = l->ist1_bottom + KVM_EXC_STACK;
	bi->gdt = l->sys;
	for (unsigned i = 0; i < m->ndevs; i++) {
		memcpy(bi->devs[i].name, m->devs[i].name, KVM_DEV_NAME_MAX);
		bi->devs[i].kind = m->devs[i].kind;
		bi->devs[i].attached = 1;
	}

	if (ioctl(m->vcpu_fd, KVM_GET_SREGS, &sr) < 0)
		goto fail;
	/* Code and data segments accessed (0xb, 0x3), as in the GDT. */
	set_seg(&sr.cs, m->cpl0 ? KVM_BOOT_CS : KVM_BOOT_UCS, 0xb, 1);
	set_seg(&sr.ds, m->cpl0 ? KVM_BOOT_DS : KVM_BOOT_UDS, 0x3, 0);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	set_tr(&sr.tr, l->sys + SYS_TSS_OFF);
	sr.gdt.base = l->sys;
	sr.gdt.limit = GDT_ENTRIES * 8 - 1;
	/* The image's IDT (checked by elf.c), or none: faults shut down. */
	sr.idt.base = m->img.idt;
	sr.idt.limit =
		m->img.idt ? (uint16_t)(m->img.idt_end - m->img.idt - 1) : 0;
	sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sr.cr3 = l->tables;
	sr.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	sr.efer = EFER_LME | EFER_LMA | EFER_NXE;
	if (ioctl(m->vcpu_fd, KVM_SET_SREGS, &sr) < 0)
		goto fail;
	memset(&regs, 0, sizeof regs);
	regs.rip = m->img.entry;
	regs.rdi = l->boot_info;
	regs.rsp = l->stack_top;
	regs.rflags = 0x2; /* IF = 0, IOPL = 0: the TSS opens the ports */
	if (ioctl(m->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "kiln-kvm: setting the vCPU's registers: %s\n",
		strerror(errno));
	return -1;
}

/*
 * Wall clock at boot and the guest TSC it matches: the guest TSC read
 * from KVM (IA32_TSC) between two readings of the host clock, whose
 * midpoint is taken. Done just before the first KVM_RUN.
 */
int vm_set_clock(struct monitor *m)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e;
	} msr = {.h.nmsrs = 1, .e.index = MSR_IA32_TSC};
	struct timespec a, b;
	struct kvm_boot_info *bi =
		gpa_check(&m->g, m->lay.boot_info, sizeof *bi);

	clock_gettime(CLOCK_REALTIME, &a);
	if (ioctl(m->vcpu_fd, KVM_GET_MSRS, &msr) != 1) {
		fprintf(stderr, "kiln-kvm: KVM_GET_MSRS IA32_TSC: %s\n",
			strerror(errno));
		return -1;
	}
	clock_gettime(CLOCK_REALTIME, &b);
	bi->tsc_at_boot = msr.e.data;
	bi->wall_ns =
		((uint64_t)a.tv_sec * 1000000000u + (uint64_t)a.tv_nsec) / 2 +
		((uint64_t)b.tv_sec * 1000000000u + (uint64_t)b.tv_nsec) / 2;
	return 0;
}
