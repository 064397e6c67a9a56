/*
 * kiln-kvm, Kiln's own KVM monitor: the host side of the kvm target.
 * Internal interfaces between its files; the only header it shares with
 * the guest is include/kiln/kvm_abi.h.
 *
 * Exit statuses (documented in --help too):
 *   0-255  the guest's own status, from the HALT hypercall;
 *   1      the monitor refused or ended the guest: a bad image, a missing
 *          device, a KVM failure, or a guest fault (bad hypercall
 *          address, unknown call, unhandled exception, triple fault...);
 *   2      a usage error on the command line.
 */
#ifndef KILN_MONITOR_H
#define KILN_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include <kiln/kvm_abi.h>

#define MON_EXIT_FAULT 1
#define MON_EXIT_USAGE 2

#define PAGE_SIZE      4096ull
#define LARGE_SIZE     (2ull << 20)
#define MEM_MIN_MIB    2u
#define MEM_MAX_MIB    4096u /* GPAs in hypercalls are 32 bits */
#define STACK_SIZE     (256ull << 10)
#define IMAGE_MAX_SEGS 16
/* Ports from KVM_HC_PORT_BASE up to this many are hypercalls (known or
 * not); the TSS's I/O bitmap opens exactly these to CPL 3. */
#define HC_PORT_SPAN 256

static inline uint64_t page_down(uint64_t a)
{
	return a & ~(PAGE_SIZE - 1);
}

/* Guest memory: one slot at GPA 0, mem[0 .. size). */
struct guest {
	uint8_t *mem;
	uint64_t size;
};

/*
 * THE checked translation: every guest address and length goes through
 * it. Returns the host address of [gpa, gpa + len), or NULL when any byte
 * lies outside guest memory or in page 0 (never mapped in the guest, so a
 * pointer there is a guest bug). Overflow-safe for any 64-bit inputs.
 */
void *gpa_check(const struct guest *g, uint64_t gpa, uint64_t len);

struct image_seg {
	uint64_t vaddr, memsz, offset, filesz;
	uint32_t flags; /* PF_R | PF_W | PF_X */
};

/*
 * A checked ELF image (elf.c). The file is mapped read-only, not read:
 * only the pages the loader touches are read from the page cache, and
 * the symbols stay available to a fault report without any allocation.
 */
struct image {
	const char *path;
	const uint8_t *file;
	size_t file_size;
	uint64_t entry;
	struct image_seg segs[IMAGE_MAX_SEGS];
	unsigned nsegs;
	uint64_t end; /* highest segment end */
	struct kvm_note note;
	uint64_t idt, idt_end; /* from the KVM_NOTE_IDT note; 0: none */
	/* .symtab and its strings, found on first use (elf_symbols). */
	const uint8_t *symtab, *strtab;
	uint64_t nsyms, strsz;
	int syms_looked;
};

/* Reads and checks IMAGE; on refusal prints why and returns -1. */
int elf_open(struct image *img, const char *path);
/* Copies the segments into guest memory (layout already checked). */
void elf_load(const struct image *img, struct guest *g);
/* Finds .symtab (a stripped image just has none); 1 when there is one. */
int elf_symbols(struct image *img);
/* Symbol covering addr: name (length *len) and offset, or NULL. */
const char *sym_lookup(struct image *img, uint64_t addr, uint64_t *off,
		       int *len);

/* Where things are in guest memory; see vm.c for the picture. */
struct layout {
	uint64_t mem_size;
	uint64_t heap_start, heap_end; /* heap_end: the guard page */
	uint64_t stack_bottom, stack_top;
	uint64_t rsp0_bottom, ist1_bottom; /* exception stacks (their tops:
					      + KVM_EXC_STACK) */
	uint64_t boot_info, cmdline;
	uint64_t sys;	 /* the system page: GDT, then TSS (supervisor only) */
	uint64_t tables; /* first page-table page (the PML4) */
	unsigned ntables;
};

struct dev {
	char name[KVM_DEV_NAME_MAX];
	uint32_t kind;
	const char *backend; /* tap name or file path */
	int fd;
	uint8_t mac[6];	  /* net */
	uint64_t sectors; /* block */
	int read_only;	  /* block */
	uint64_t drops;	  /* net: frames dropped on send */
	uint64_t bad;	  /* net: offload frames refused (bad headers) */
	int vnet;	  /* net: the tap takes a virtio-net header */
	uint32_t last_rx; /* net: frames the last NET_IO received */
	uint64_t rx_calls, rx_frames, held; /* net: for --prof's report */
};

struct monitor {
	struct guest g;
	struct image img;
	struct layout lay;
	struct dev devs[KVM_MAX_DEVS];
	unsigned ndevs;
	unsigned nnet; /* of which net devices */
	int kvm_fd, vm_fd, vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
	uint64_t tsc_khz;
	int cpl0;	      /* --cpl0: enter at CPL 0 rather than 3 */
	uint64_t coalesce_ns; /* --coalesce: receive window under load */
};

/* vm.c: memory, layout, page tables, boot info, vCPU registers. */
int vm_layout(struct monitor *m, uint64_t mem_size);
int vm_create(struct monitor *m);
int vm_setup(struct monitor *m, const char *cmdline);
int vm_set_clock(struct monitor *m);

/* run.c: the exit loop; returns only by exiting the process. */
void run_loop(struct monitor *m) __attribute__((noreturn));

/* hc.c: one hypercall; the guest's struct at gpa. */
void hc_dispatch(struct monitor *m, unsigned call, uint32_t gpa);
const char *hc_name(unsigned call);
/* Checked translation for a hypercall: a bad range ends the guest. */
void *hc_gpa(struct monitor *m, unsigned call, uint64_t gpa, uint64_t len);
/* Ends the guest for a malformed call (message names the call). */
void hc_refuse(struct monitor *m, unsigned call, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));

/* net.c and block.c: backends and their calls. */
int net_open(struct dev *d);
int net_poll(struct monitor *m, uint64_t timeout_ns, uint64_t *ready);
void net_info(struct monitor *m, uint32_t gpa);
void net_send(struct monitor *m, uint32_t gpa);
void net_recv(struct monitor *m, uint32_t gpa);
void net_io(struct monitor *m, uint32_t gpa);
void net_report(const struct monitor *m);
void net_prof_report(const struct monitor *m);
int block_open(struct dev *d);
void block_info(struct monitor *m, uint32_t gpa);
void block_io(struct monitor *m, unsigned call, uint32_t gpa);

/* prof.c: --prof, a sampling profile of the guest's code. */
extern int prof_on;
int prof_start(void);
void prof_enter(void);
int prof_leave(struct monitor *m, int interrupted);
void prof_report(struct monitor *m);

/* seccomp.c: the allow-list, installed just before the first KVM_RUN. */
int seccomp_install(const struct monitor *m);

/* report.c: guest faults (status 1) and the clean exit. */
void guest_fault(struct monitor *m, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
void mon_exit(int status) __attribute__((noreturn));

#endif
