/*
 * The kvm target's ABI: the one header shared by the monitor (monitor/,
 * host side, `kiln-kvm`) and the guest (bindings/kvm/).
 *
 * Versioned: the monitor refuses a guest whose KVM_ABI_VERSION differs
 * (read from the image's .note.kiln note, see below) and says so.
 *
 * Boot. The monitor loads the static x86-64 ELF, builds identity-mapped
 * page tables, a GDT and a TSS, and enters the entry point in 64-bit long
 * mode at CPL 3 (user mode), with interrupts off, RDI = guest-physical
 * address of a struct kvm_boot_info, RSP = the top of the stack region
 * (16-byte aligned, the stack grows down from boot_info.stack_top; the
 * page below boot_info.stack_bottom is unmapped as a guard). Memory the
 * monitor did not load is zero. Page 0 is unmapped. Text is read-execute,
 * read-only data read-only, everything else read-write and no-execute.
 * Link the image at 1 MiB (any address from 0x1000 up works if it fits
 * below the heap).
 *
 * Why CPL 3: where KVM is software (PVM, nested: this project's machines)
 * supervisor-mode code of a guest is run through KVM's instruction
 * emulator, about a microsecond per instruction, while user-mode code runs
 * natively (a register loop measured over 1000x faster). On hardware KVM
 * both run natively; nothing here is specific to one KVM.
 *
 * The exact state at entry:
 *   CS = KVM_BOOT_UCS (64-bit code, DPL 3); SS = DS = ES = FS = GS =
 *   KVM_BOOT_UDS (data, DPL 3), all with base 0; FS/GS bases 0.
 *   RFLAGS = 0x2: IF = 0, IOPL = 0. The hypercall ports (KVM_HC_PORT_BASE
 *   up to +255) are opened to CPL 3 by the TSS's I/O permission bitmap;
 *   every other port, cli, sti, hlt, lgdt, lidt, ltr and control-register
 *   moves raise #GP at CPL 3. (IOPL 3 is not used: PVM clears it, so
 *   guests would behave differently on the two kinds of host.)
 *   CR0 = PE|MP|ET|NE|WP|PG; CR4 = PAE|OSFXSR|OSXMMEXCPT (SMEP and SMAP
 *   off, so CPL 0 handlers may touch user pages); EFER = LME|LMA|NXE.
 *   GDTR: the monitor's GDT, at boot_info.gdt: null, KVM_BOOT_CS (64-bit
 *   code, DPL 0), KVM_BOOT_DS (data, DPL 0), KVM_BOOT_UDS, KVM_BOOT_UCS
 *   and at KVM_BOOT_TSS a 64-bit TSS descriptor (busy). All descriptors
 *   have their accessed bits set: the CPU never writes the GDT.
 *   TR = KVM_BOOT_TSS: TSS.RSP0 = boot_info.rsp0 (the stack an exception
 *   from CPL 3 switches to through a gate without IST), TSS.IST1 =
 *   boot_info.ist1 (use it in the #DF gate, or in every gate, so that a
 *   fault in a handler still finds a stack); each of those stacks is
 *   KVM_EXC_STACK bytes with an unmapped guard page below it.
 *   IDTR: the image's IDT, named by its KVM_NOTE_IDT note (below), which
 *   must lie in a read-only loaded segment; without that note the IDT
 *   limit is 0 and any exception is a triple fault (reported by the
 *   monitor). The guest cannot lidt at CPL 3: the IDT is fixed at link
 *   time. Its gates must be interrupt gates (type 0xe) of DPL 0 with
 *   selector KVM_BOOT_CS: handlers run at CPL 0 (they may read CR2), on
 *   RSP0 or their IST stack, with interrupts off; iretq returns to CPL 3.
 *   Page tables: every page of the image, heap, stack and boot info is a
 *   user page (U/S = 1); the page tables, the GDT and TSS and the two
 *   exception stacks are supervisor pages, so code at CPL 3 cannot change
 *   a mapping, a descriptor or a gate: W^X holds for it.
 * `kiln-kvm --cpl0` enters at CPL 0 instead (CS = KVM_BOOT_CS, data
 * segments KVM_BOOT_DS, all else the same), for tests and comparisons.
 *
 * Guest memory, from the top: page tables; the system page (GDT, TSS);
 * boot info and start line (2 pages); the IST1 stack; a guard page; the
 * RSP0 stack; a guard page; the stack; its guard page; the heap; the
 * image. All of that above stack_top is the monitor's: the guest must not
 * use it.
 *
 * Hypercalls. The guest fills a per-call struct below, in its own memory,
 * and writes the struct's guest-physical address (32 bits: guest memory
 * is below 4 GiB) with `outl` to port KVM_HC_PORT_BASE + call number. The
 * monitor checks that the whole struct and every address and length in it
 * lie inside guest memory, performs the call, writes the OUT fields, and
 * resumes the guest after the `out` instruction. A bad address, a bad
 * length or an unknown call ends the guest with a message naming the call
 * and the address: the monitor treats the guest as hostile. Calls never
 * block except KVM_HC_POLL and KVM_HC_NET_IO, which wait up to their
 * deadline.
 *
 * Every struct has fixed-size fields, natural alignment, and no implicit
 * padding, so the layout is the same for both compilers and both sides.
 * The constants are usable from assembly (the C parts are hidden from it).
 */
#ifndef KILN_KVM_ABI_H
#define KILN_KVM_ABI_H

#ifndef __ASSEMBLER__
#include <stdint.h>
#endif

#define KVM_ABI_VERSION 4

/* I/O port of call n is KVM_HC_PORT_BASE + n. */
#define KVM_HC_PORT_BASE 0x500

/*
 * Segment selectors in the monitor's GDT. The order (kernel code, kernel
 * data, user data, user code) is the one SYSCALL/SYSRET expect with
 * STAR[47:32] = KVM_BOOT_CS and STAR[63:48] = KVM_BOOT_DS.
 */
#define KVM_BOOT_CS  0x08 /* 64-bit code, DPL 0: what an IDT gate names */
#define KVM_BOOT_DS  0x10 /* data, DPL 0 */
#define KVM_BOOT_UDS 0x1b /* data, DPL 3 (index 3, RPL 3) */
#define KVM_BOOT_UCS 0x23 /* 64-bit code, DPL 3 (index 4, RPL 3) */
#define KVM_BOOT_TSS 0x28 /* 64-bit TSS (16-byte descriptor) */

/* Bytes of each exception stack (TSS.RSP0 and TSS.IST1). */
#define KVM_EXC_STACK 8192

#ifndef __ASSEMBLER__
enum kvm_hc {
	KVM_HC_HALT = 0,
	KVM_HC_CONSOLE = 1,
	KVM_HC_WALLTIME = 2,
	KVM_HC_POLL = 3,
	KVM_HC_NET_INFO = 4,
	KVM_HC_NET_SEND = 5,
	KVM_HC_NET_RECV = 6,
	KVM_HC_BLOCK_INFO = 7,
	KVM_HC_BLOCK_READ = 8,
	KVM_HC_BLOCK_WRITE = 9,
	KVM_HC_BLOCK_FLUSH = 10, /* struct kvm_hc_block_io: dev IN, ret OUT */
	KVM_HC_NET_IO = 11,
	KVM_HC_COUNT
};
#endif

/* Limits both sides rely on. */
#define KVM_MAX_DEVS	      8		  /* devices an image may declare */
#define KVM_DEV_NAME_MAX      16	  /* including the NUL */
#define KVM_CMDLINE_MAX	      4096	  /* including the NUL */
#define KVM_NET_BATCH_MAX     256	  /* entries per send/recv call */
#define KVM_NET_FRAME_MAX     1518	  /* Ethernet frame, no FCS, no VLAN */
#define KVM_NET_TSO_MAX	      65535	  /* an offload frame's IPv4 datagram */
#define KVM_FRAME_MORE	      0x80000000u /* send: frame goes on */
#define KVM_FRAME_GSO(mss)    ((mss)&0xffffu) /* send: segment payload */
#define KVM_BLOCK_SECTOR      512
#define KVM_BLOCK_MAX_SECTORS 256 /* sectors per read/write call (128 KiB) */

#ifndef __ASSEMBLER__
enum kvm_dev_kind {
	KVM_DEV_NET = 1,
	KVM_DEV_BLOCK = 2,
};

/* ---- boot -------------------------------------------------------------- */

struct kvm_boot_dev {
	char name[KVM_DEV_NAME_MAX]; /* the manifest's name, NUL-terminated */
	uint32_t kind;		     /* enum kvm_dev_kind */
	uint32_t attached;	     /* 1: the monitor has a backend for it */
};

struct kvm_boot_info {
	uint32_t abi_version; /* KVM_ABI_VERSION */
	uint32_t ndevs;	      /* entries used in devs[] */
	uint64_t mem_size;    /* bytes of guest memory, from 0 */
	uint64_t cmdline;     /* GPA of the NUL-terminated start line */
	uint64_t tsc_khz;     /* TSC frequency (KVM_GET_TSC_KHZ) */
	uint64_t wall_ns;     /* wall clock at boot, ns since the epoch */
	uint64_t tsc_at_boot; /* the guest TSC value wall_ns refers to */
	uint64_t heap_start; /* first free byte after the image, page aligned */
	uint64_t heap_end;   /* end of the heap: the stack's guard page */
	uint64_t stack_bottom; /* lowest stack byte (guard page below) */
	uint64_t stack_top;    /* initial RSP */
	uint64_t rsp0;	       /* TSS.RSP0: top of the CPL 0 stack */
	uint64_t ist1;	       /* TSS.IST1: top of the IST1 stack */
	uint64_t gdt;	       /* the monitor's GDT (GDTR.base) */
	struct kvm_boot_dev devs[KVM_MAX_DEVS]; /* the image's device order */
};

#endif /* __ASSEMBLER__ */

/*
 * The image declares its ABI version and devices in an ELF note (section
 * ".note.kiln", owner "Kiln", type KVM_NOTE_MANIFEST) whose descriptor is a
 * struct kvm_note. The monitor attaches --net to the net devices and
 * --disk to the block devices in this order, and refuses to start when one
 * is missing or one too many is given.
 */
#define KVM_NOTE_NAME	  "Kiln"
#define KVM_NOTE_MANIFEST 0x4b4c4e01

#ifndef __ASSEMBLER__
struct kvm_note {
	uint32_t abi_version;
	uint32_t ndevs;
	struct {
		char name[KVM_DEV_NAME_MAX];
		uint32_t kind;
		uint32_t reserved;
	} devs[KVM_MAX_DEVS];
};
#endif

/*
 * The image's IDT: an optional second note in .note.kiln (owner "Kiln",
 * type KVM_NOTE_IDT) whose descriptor is a struct kvm_note_idt. The
 * monitor loads IDTR with base = idt and limit = idt_end - idt - 1 before
 * the first instruction, after checking that [idt, idt_end) is 8-byte
 * aligned, a whole number of 16-byte gates (at most 256), and inside one
 * loaded segment that is not writable (read-only data). Two addresses, not
 * an address and a size, so that the assembler can emit it from two
 * link-time symbols (`.quad idt, idt_end`).
 */
#define KVM_NOTE_IDT 0x4b4c4e02

#ifndef __ASSEMBLER__
struct kvm_note_idt {
	uint64_t idt;	  /* first gate */
	uint64_t idt_end; /* one past the last gate */
};

/* ---- calls ------------------------------------------------------------- */

/* End the guest; the monitor exits with status. Does not return. */
struct kvm_hc_halt {
	int32_t status; /* IN: exit status (0-255) */
	uint32_t reserved;
	uint64_t msg;	  /* IN: GPA of a NUL-terminated reason, or 0 */
	uint64_t msg_len; /* IN: its length, without the NUL (max 4096) */
};

/* Write bytes to the console (the monitor's stdout). */
struct kvm_hc_console {
	uint64_t data; /* IN: GPA */
	uint64_t len;  /* IN: bytes (max 65536 per call) */
	int64_t ret;   /* OUT: 0 or -errno */
};

/* The host's wall clock. */
struct kvm_hc_walltime {
	uint64_t ns; /* OUT: ns since the epoch */
};

/*
 * Wait until timeout_ns passes or a device has input, whichever is first;
 * timeout 0 only checks. ready has bit i set when device i (boot order)
 * has input pending (net: frames to receive; block: never, calls are
 * synchronous).
 */
struct kvm_hc_poll {
	uint64_t timeout_ns; /* IN: relative; UINT64_MAX = no timeout */
	uint64_t ready;	     /* OUT: bitmask of devices with input */
};

struct kvm_hc_net_info {
	uint32_t dev;	  /* IN: device index (boot order) */
	uint16_t mtu;	  /* OUT: IP MTU */
	uint8_t mac[6];	  /* OUT: the guest's MAC (from the monitor) */
	int32_t ret;	  /* OUT: 0 or -errno (-ENODEV) */
	uint32_t tso_max; /* OUT: largest offload datagram, 0: none (below) */
};

/*
 * One entry of a send or receive batch.
 *
 * Send: an entry is a frame, or a piece of one: with KVM_FRAME_MORE in
 * flags, the frame goes on in the next entry (scatter-gather; the last
 * entry of a batch cannot have it). A frame of one entry without a GSO
 * size is at most KVM_NET_FRAME_MAX bytes. Segmentation offload, when
 * NET_INFO gave tso_max > 0: the first entry of a frame may set
 * KVM_FRAME_GSO(mss) in flags; the frame is then an Ethernet II + IPv4 +
 * TCP frame of at most 14 + tso_max bytes, all its headers in its first
 * entry, whose TCP checksum field holds the folded pseudo-header sum (a
 * partial checksum, the IPv4 total length that of the whole datagram); the
 * host cuts it into segments of mss payload bytes (kiln/netbuf.h says the
 * same for the stack's buffers). sent counts frames, not entries.
 */
struct kvm_frame {
	uint64_t addr; /* IN: GPA of the entry's bytes */
	uint32_t len;  /* send: IN, bytes; recv: OUT, bytes received */
	uint32_t cap;  /* recv: IN, room at addr (>= KVM_NET_FRAME_MAX);
			  send: IN, flags (KVM_FRAME_*) */
};

/*
 * Send count frames; the monitor writes each to the tap. Frames it cannot
 * write now are dropped (counted by the monitor); sent says how many went.
 */
struct kvm_hc_net_send {
	uint32_t dev;	 /* IN */
	uint32_t count;	 /* IN: <= KVM_NET_BATCH_MAX */
	uint64_t frames; /* IN: GPA of struct kvm_frame[count] */
	uint32_t sent;	 /* OUT */
	int32_t ret;	 /* OUT: 0 or -errno */
};

/*
 * Receive up to count frames into the given buffers; received says how
 * many were filled; more is 1 when the device has further frames queued.
 */
struct kvm_hc_net_recv {
	uint32_t dev;	   /* IN */
	uint32_t count;	   /* IN: <= KVM_NET_BATCH_MAX */
	uint64_t frames;   /* IN: GPA of struct kvm_frame[count] */
	uint32_t received; /* OUT */
	uint32_t more;	   /* OUT */
	int32_t ret;	   /* OUT: 0 or -errno */
	uint32_t reserved;
};

/*
 * One exit for a whole pass of a guest's loop over a net device, where
 * exits are dear (this project's nested KVM: 10-20 us each): send tx (as
 * NET_SEND), then receive into rx (as NET_RECV); when that receives
 * nothing and timeout_ns is not 0, wait as POLL does and, should rx.dev
 * then have input, receive again. Either batch may be empty (count 0;
 * its dev is then not looked at). ready is POLL's mask after all that:
 * bit rx.dev set exactly when rx.more is; for other devices, whether they
 * have input. Version 3 of the ABI added this call.
 */
struct kvm_hc_net_io {
	uint64_t timeout_ns; /* IN: as POLL's; 0 = do not wait */
	uint64_t ready;	     /* OUT: as POLL's */
	struct kvm_hc_net_send tx;
	struct kvm_hc_net_recv rx;
};

struct kvm_hc_block_info {
	uint32_t dev;	      /* IN */
	uint32_t sector_size; /* OUT: KVM_BLOCK_SECTOR */
	uint64_t sectors;     /* OUT */
	uint32_t read_only;   /* OUT: 1 when the file could only be read */
	int32_t ret;	      /* OUT: 0 or -errno */
};

/*
 * Read or write nsectors sectors at sector, to or from addr. Synchronous
 * in the monitor; the guest's block.h layer completes requests through
 * its loop. A range past the device's end gives -EINVAL; a write to a
 * read-only device -EROFS. KVM_HC_BLOCK_FLUSH uses the same struct (only
 * dev and ret): it returns once every earlier write is durable.
 */
struct kvm_hc_block_io {
	uint32_t dev;	   /* IN */
	uint32_t nsectors; /* IN: 1..KVM_BLOCK_MAX_SECTORS */
	uint64_t sector;   /* IN */
	uint64_t addr;	   /* IN: GPA of nsectors * 512 bytes */
	int32_t ret;	   /* OUT: 0 or -errno */
	uint32_t reserved;
};

#endif /* __ASSEMBLER__ */

#endif /* KILN_KVM_ABI_H */
