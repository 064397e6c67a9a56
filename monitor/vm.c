/*
 * The virtual machine: guest memory, its layout, the page tables, the
 * GDT, the boot info and the vCPU's registers.
 *
 * Guest memory, GPA = guest virtual address (identity mapped), M bytes:
 *
 *   M             +---------------------------------------------+
 *                 | page tables: PML4, PDPT, PDs, PTs           | monitor area
 *                 | boot info (+0), GDT (+0x180), cmdline       |   (RW NX,
 *   stack_top     |   (+0x200, up to 4 KiB: 2 pages in all)     |   do not use)
 *                 +---------------------------------------------+
 *                 | stack (STACK_SIZE), grows down         RW NX|
 *   stack_bottom  +---------------------------------------------+
 *                 | guard page                       not present|
 *   heap_end      +---------------------------------------------+
 *                 | heap                                   RW NX|
 *   heap_start    +---------------------------------------------+ page_up(image
 * end) | PT_LOAD segments: text R-X, rodata R NX,    | | data/bss RW NX (any
 * address from 0x1000)    | 0x1000
 * +---------------------------------------------+ | page 0 not present| 0
 * +---------------------------------------------+
 *
 * 2 MiB regions that hold page 0, a segment, the guard page or the end of
 * memory are mapped with 4 KiB pages; every other region is one 2 MiB page,
 * RW NX. Boot info, GDT and a short command line share one page, so the
 * guest's boot touches as few pages as possible (each first touch costs
 * microseconds on a nested host).
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
#define PTE_PS	 (1ull << 7)
#define PTE_NX	 (1ull << 63)
#define NREGIONS (((uint64_t)MEM_MAX_MIB << 20) / LARGE_SIZE)

#define BOOT_GDT_OFF	 0x180
#define BOOT_CMDLINE_OFF 0x200
_Static_assert(sizeof(struct kvm_boot_info) <= BOOT_GDT_OFF, "boot info");

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
	npt = count_marked(nregions) + 1; /* + the guard page's region */

	l->mem_size = mem;
	l->ntables = 2 + (unsigned)npd + npt;
	l->heap_start = (m->img.end + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	need = l->heap_start + PAGE_SIZE + STACK_SIZE + 2 * PAGE_SIZE +
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
	l->boot_info = l->tables - 2 * PAGE_SIZE;
	l->gdt = l->boot_info + BOOT_GDT_OFF;
	l->cmdline = l->boot_info + BOOT_CMDLINE_OFF;
	l->stack_top = l->boot_info;
	l->stack_bottom = l->stack_top - STACK_SIZE;
	l->heap_end = l->stack_bottom - PAGE_SIZE;
	mark(l->heap_end, l->heap_end + PAGE_SIZE, nregions);
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

static uint64_t page_flags(const struct monitor *m, uint64_t a)
{
	if (a == 0 || a >= m->lay.mem_size || a == m->lay.heap_end)
		return 0;
	for (unsigned i = 0; i < m->img.nsegs; i++) {
		const struct image_seg *s = &m->img.segs[i];
		if (a + PAGE_SIZE > s->vaddr && a < s->vaddr + s->memsz) {
			if (s->flags & PF_X)
				return a | PTE_P;
			if (s->flags & PF_W)
				return a | PTE_P | PTE_RW | PTE_NX;
			return a | PTE_P | PTE_NX;
		}
	}
	return a | PTE_P | PTE_RW | PTE_NX;
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

	pml4[0] = (l->tables + PAGE_SIZE) | PTE_P | PTE_RW;
	for (uint64_t i = 0; i < npd; i++)
		pdpt[i] = (l->tables + (2 + i) * PAGE_SIZE) | PTE_P | PTE_RW;
	for (uint64_t r = 0; r < nregions; r++) {
		if (!need4k[r]) {
			pd[r] = (r * LARGE_SIZE) | PTE_P | PTE_RW | PTE_PS |
				PTE_NX;
			continue;
		}
		pd[r] = pt_gpa | PTE_P | PTE_RW;
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
		.dpl = 0,
		.db = !code,
		.s = 1,
		.l = code,
		.g = 1,
	};
}

int vm_setup(struct monitor *m, const char *cmdline)
{
	const struct layout *l = &m->lay;
	struct kvm_boot_info *bi;
	uint64_t *gdt;
	struct kvm_sregs sr;
	struct kvm_regs regs;
	size_t clen = strlen(cmdline) + 1;

	elf_load(&m->img, &m->g);
	build_tables(m);

	gdt = gpa_check(&m->g, l->gdt, 3 * 8);
	gdt[0] = 0;
	gdt[KVM_BOOT_CS / 8] = 0x00af9b000000ffffull; /* 64-bit code, DPL 0 */
	gdt[KVM_BOOT_DS / 8] = 0x00cf93000000ffffull; /* data, read-write */
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
	for (unsigned i = 0; i < m->ndevs; i++) {
		memcpy(bi->devs[i].name, m->devs[i].name, KVM_DEV_NAME_MAX);
		bi->devs[i].kind = m->devs[i].kind;
		bi->devs[i].attached = 1;
	}

	if (ioctl(m->vcpu_fd, KVM_GET_SREGS, &sr) < 0)
		goto fail;
	set_seg(&sr.cs, KVM_BOOT_CS, 0xb, 1);
	set_seg(&sr.ds, KVM_BOOT_DS, 0x3, 0);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.gdt.base = l->gdt;
	sr.gdt.limit = 3 * 8 - 1;
	sr.idt.base = 0;
	sr.idt.limit = 0; /* until the guest loads its own: faults shut down */
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
	regs.rflags = 0x2;
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
