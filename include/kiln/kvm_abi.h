/*
 * The kvm target's ABI: the one header shared by the monitor (monitor/,
 * host side, `kiln-kvm`) and the guest (bindings/kvm/).
 *
 * Versioned: the monitor refuses a guest whose KVM_ABI_VERSION differs
 * (read from the image's .note.kiln note, see below) and says so.
 *
 * Boot. The monitor loads the static x86-64 ELF, builds identity-mapped
 * page tables and a GDT, and enters the entry point in 64-bit long mode
 * with interrupts off, RDI = guest-physical address of a struct
 * kvm_boot_info, RSP = the top of the stack region (16-byte aligned, the
 * stack grows down from boot_info.stack_top; the page below
 * boot_info.stack_bottom is unmapped as a guard). Memory the monitor did
 * not load is zero. Page 0 is unmapped. Text is read-execute, read-only
 * data read-only, everything else read-write and no-execute. The monitor's
 * GDT has a 64-bit code segment at selector KVM_BOOT_CS and a data segment
 * at KVM_BOOT_DS (what an IDT gate names); it lies in monitor-reserved
 * memory above stack_top, which the guest must not use. Link the image at
 * 1 MiB (any address from 0x1000 up works if it fits below the heap).
 *
 * Hypercalls. The guest fills a per-call struct below, in its own memory,
 * and writes the struct's guest-physical address (32 bits: guest memory
 * is below 4 GiB) with `outl` to port KVM_HC_PORT_BASE + call number. The
 * monitor checks that the whole struct and every address and length in it
 * lie inside guest memory, performs the call, writes the OUT fields, and
 * resumes the guest after the `out` instruction. A bad address, a bad
 * length or an unknown call ends the guest with a message naming the call
 * and the address: the monitor treats the guest as hostile. Calls never
 * block except KVM_HC_POLL, which waits up to its deadline.
 *
 * Every struct has fixed-size fields, natural alignment, and no implicit
 * padding, so the layout is the same for both compilers and both sides.
 */
#ifndef KILN_KVM_ABI_H
#define KILN_KVM_ABI_H

#include <stdint.h>

#define KVM_ABI_VERSION 1

/* I/O port of call n is KVM_HC_PORT_BASE + n. */
#define KVM_HC_PORT_BASE 0x500

/* Segment selectors in the monitor's GDT. */
#define KVM_BOOT_CS 0x08
#define KVM_BOOT_DS 0x10

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
	KVM_HC_COUNT
};

/* Limits both sides rely on. */
#define KVM_MAX_DEVS	      8	   /* devices an image may declare */
#define KVM_DEV_NAME_MAX      16   /* including the NUL */
#define KVM_CMDLINE_MAX	      4096 /* including the NUL */
#define KVM_NET_BATCH_MAX     64   /* frames per send/recv call */
#define KVM_NET_FRAME_MAX     1518 /* Ethernet frame, no FCS, no VLAN */
#define KVM_BLOCK_SECTOR      512
#define KVM_BLOCK_MAX_SECTORS 256 /* sectors per read/write call (128 KiB) */

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
	struct kvm_boot_dev devs[KVM_MAX_DEVS]; /* the image's device order */
};

/*
 * The image declares its ABI version and devices in an ELF note (section
 * ".note.kiln", owner "Kiln", type KVM_NOTE_MANIFEST) whose descriptor is a
 * struct kvm_note. The monitor attaches --net to the net devices and
 * --disk to the block devices in this order, and refuses to start when one
 * is missing or one too many is given.
 */
#define KVM_NOTE_NAME	  "Kiln"
#define KVM_NOTE_MANIFEST 0x4b4c4e01u

struct kvm_note {
	uint32_t abi_version;
	uint32_t ndevs;
	struct {
		char name[KVM_DEV_NAME_MAX];
		uint32_t kind;
		uint32_t reserved;
	} devs[KVM_MAX_DEVS];
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
	uint32_t dev;	/* IN: device index (boot order) */
	uint16_t mtu;	/* OUT: IP MTU */
	uint8_t mac[6]; /* OUT: the guest's MAC (from the monitor) */
	int32_t ret;	/* OUT: 0 or -errno (-ENODEV) */
	uint32_t reserved;
};

/* One frame in a send or receive batch. */
struct kvm_frame {
	uint64_t addr; /* IN: GPA of the frame's bytes */
	uint32_t len;  /* send: IN, bytes; recv: OUT, bytes received */
	uint32_t cap;  /* recv: IN, room at addr (>= KVM_NET_FRAME_MAX) */
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

#endif /* KILN_KVM_ABI_H */
