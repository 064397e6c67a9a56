/*
 * Image bytes sent from the image's own file: tcp_send_static on
 * posix-socket.
 *
 * Bytes that live as long as the image (kv.h files, precomputed gzip
 * variants, const tables) sit in the executable's read-only segments.
 * Copying them into a socket costs a memcpy per byte and fresh pages for
 * every response; sendfile(2) from the executable's file hands the page
 * cache's pages to TCP by reference instead (nginx's `sendfile on`). So at
 * start we open the running executable (/proc/self/exe) read-only and
 * note, for each PT_LOAD segment without write permission, where it was
 * mapped and at which file offset its bytes lie. A tcp_send_static range
 * that falls inside one of them is sent with sendfile from there; any
 * other range (writable data, heap, a segment we could not verify) is
 * copied by send as before.
 *
 * Why the file's bytes are the mapped bytes:
 *  - a segment without PF_W is never written after mapping: no
 *    relocation touches it (we refuse images with text relocations,
 *    DT_TEXTREL or DF_TEXTREL, which the loader would patch in place);
 *  - the kernel refuses to open a running executable for writing
 *    (ETXTBSY), and /proc/self/exe names the inode that was executed even
 *    if the path was since replaced;
 *  - and we compare the first page of each segment in the file with
 *    memory before trusting it.
 * Should sendfile still fail for a reason that is the file's (a file
 * system without splice support, an I/O error), tcp_send.c copies the
 * bytes instead and calls tcp_exe_disable.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <kiln/log.h>

#include "tcp_int.h"

#define EXE_RANGES_MAX 8u /* read-only PT_LOADs: usually 2 or 3 */
#define EXE_CHECK_LEN  4096u

struct exe_range {
	uintptr_t start, end; /* mapped bytes [start, end) */
	off_t off;	      /* file offset of start */
};

static struct exe_range ranges[EXE_RANGES_MAX];
static unsigned nranges;
static int exe_fd = -1;
static enum { EXE_UNTRIED, EXE_READY, EXE_OFF } exe_state;

/* The image's text relocations, from its dynamic section. */
static bool has_textrel(const struct dl_phdr_info *info)
{
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_DYNAMIC)
			continue;
		const ElfW(Dyn) *d =
			(const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
		for (; d->d_tag != DT_NULL; d++) {
			if (d->d_tag == DT_TEXTREL)
				return true;
			if (d->d_tag == DT_FLAGS &&
			    (d->d_un.d_val & DF_TEXTREL))
				return true;
		}
	}
	return false;
}

/* Does the file hold, at off, the bytes mapped at p? (its first page) */
static bool same_bytes(off_t off, uintptr_t p, size_t len)
{
	static uint8_t buf[EXE_CHECK_LEN];

	if (len > sizeof buf)
		len = sizeof buf;
	ssize_t n = pread(exe_fd, buf, len, off);
	return n == (ssize_t)len && memcmp(buf, (const void *)p, len) == 0;
}

/* dl_iterate_phdr visits the executable first; the rest are libraries. */
static int note_ranges(struct dl_phdr_info *info, size_t size, void *arg)
{
	if (has_textrel(info))
		return 1;
	for (unsigned i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) ||
		    ph->p_filesz == 0 || nranges == EXE_RANGES_MAX)
			continue;
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (!same_bytes((off_t)ph->p_offset, start, ph->p_filesz)) {
			log_debug("tcp: read-only segment at file offset %#lx "
				  "differs from memory; not sent by sendfile",
				  (unsigned long)ph->p_offset);
			continue;
		}
		ranges[nranges++] = (struct exe_range){
			.start = start,
			.end = start + ph->p_filesz,
			.off = (off_t)ph->p_offset,
		};
	}
	return 1;
}

void tcp_exe_init(void)
{
	struct stat st;

	if (exe_state != EXE_UNTRIED)
		return;
	exe_state = EXE_OFF;
	exe_fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (exe_fd < 0) {
		log_debug("tcp: /proc/self/exe: %s; static bytes are copied",
			  strerror(errno));
		return;
	}
	if (fstat(exe_fd, &st) == 0 && S_ISREG(st.st_mode))
		(void)dl_iterate_phdr(note_ranges, NULL);
	if (nranges == 0) {
		close(exe_fd);
		exe_fd = -1;
		return;
	}
	exe_state = EXE_READY;
}

int tcp_exe_fd(void)
{
	return exe_state == EXE_READY ? exe_fd : -1;
}

off_t tcp_exe_offset(const void *p, size_t n)
{
	uintptr_t a = (uintptr_t)p;

	if (exe_state == EXE_UNTRIED)
		tcp_exe_init();
	if (exe_state != EXE_READY)
		return -1;
	for (unsigned i = 0; i < nranges; i++) {
		const struct exe_range *r = &ranges[i];
		if (a >= r->start && a < r->end && n <= r->end - a)
			return r->off + (off_t)(a - r->start);
	}
	return -1;
}

void tcp_exe_disable(int err)
{
	if (exe_state != EXE_READY)
		return;
	log_warn("tcp: sendfile from the image failed (%s); static bytes are "
		 "copied from now on",
		 strerror(err));
	exe_state = EXE_OFF;
	/* The fd stays open: queued segments may still name offsets, and
	 * tcp_send.c sends those from memory now. */
}
