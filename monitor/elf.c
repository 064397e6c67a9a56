/*
 * The ELF loader. The image is untrusted input like any other: it is read
 * whole into memory, and every header, table and string is reached
 * through file_at(), which checks offset and length against the file
 * (overflow-safe). Anything the monitor does not expect is refused with a
 * message that names the problem; nothing in a crafted file can make the
 * loader read or write out of bounds.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "monitor.h"

#define IMAGE_MAX_SIZE (1ull << 30)

static int refuse(const struct image *img, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int refuse(const struct image *img, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kiln-kvm: %s: ", img->path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* The one checked read of the file: [off, off + len) or NULL. */
static const void *file_at(const struct image *img, uint64_t off, uint64_t len)
{
	if (off > img->file_size || len > img->file_size - off)
		return NULL;
	return img->file + off;
}

static int map_file(struct image *img)
{
	struct stat st;
	void *p;
	int fd = open(img->path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return refuse(img, "%s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return refuse(img, "not a regular file");
	}
	if ((uint64_t)st.st_size > IMAGE_MAX_SIZE) {
		close(fd);
		return refuse(img, "too large (%jd bytes)",
			      (intmax_t)st.st_size);
	}
	if ((size_t)st.st_size < sizeof(Elf64_Ehdr)) {
		close(fd);
		return refuse(img,
			      "truncated: %jd bytes, shorter than an ELF "
			      "header",
			      (intmax_t)st.st_size);
	}
	/* A file truncated while mapped would fault: the user's own doing. */
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return refuse(img, "mmap: %s", strerror(errno));
	img->file = p;
	img->file_size = (size_t)st.st_size;
	return 0;
}

static int check_header(struct image *img, Elf64_Ehdr *eh)
{
	const void *p = file_at(img, 0, sizeof *eh);

	if (!p)
		return refuse(img,
			      "truncated: %zu bytes, shorter than an ELF "
			      "header",
			      img->file_size);
	memcpy(eh, p, sizeof *eh);
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return refuse(img, "not an ELF file (bad magic)");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return refuse(img, "not a 64-bit ELF (class %u)",
			      eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return refuse(img, "not little-endian");
	if (eh->e_ident[EI_VERSION] != EV_CURRENT ||
	    eh->e_version != EV_CURRENT)
		return refuse(img, "unknown ELF version %u",
			      (unsigned)eh->e_version);
	if (eh->e_machine != EM_X86_64)
		return refuse(img, "not an x86-64 image (e_machine %u)",
			      eh->e_machine);
	if (eh->e_type == ET_DYN)
		return refuse(img, "position-independent (ET_DYN); link it "
				   "-static -no-pie at a fixed address");
	if (eh->e_type != ET_EXEC)
		return refuse(img, "not an executable (e_type %u)", eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 ||
	    eh->e_phnum == PN_XNUM)
		return refuse(img,
			      "bad program header table (entry size %u, "
			      "%u entries)",
			      eh->e_phentsize, eh->e_phnum);
	if (!file_at(img, eh->e_phoff,
		     (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr)))
		return refuse(img,
			      "truncated: the program headers (offset "
			      "0x%" PRIx64 ") lie outside the file",
			      eh->e_phoff);
	return 0;
}

/* The manifest note: ABI version and devices. */
static int check_manifest(struct image *img, const uint8_t *desc,
			  uint64_t descsz)
{
	struct kvm_note *n = &img->note;
	uint32_t ver;

	if (descsz < sizeof ver)
		return refuse(img, "the Kiln note is empty");
	memcpy(&ver, desc, sizeof ver);
	if (ver != KVM_ABI_VERSION)
		return refuse(img,
			      "built for kvm ABI version %u; this "
			      "kiln-kvm speaks version %u",
			      ver, KVM_ABI_VERSION);
	if (descsz != sizeof *n)
		return refuse(img,
			      "the Kiln note has %" PRIu64 " bytes, "
			      "want %zu",
			      descsz, sizeof *n);
	memcpy(n, desc, sizeof *n);
	if (n->ndevs > KVM_MAX_DEVS)
		return refuse(img,
			      "the Kiln note declares %u devices (at "
			      "most %u)",
			      n->ndevs, KVM_MAX_DEVS);
	for (unsigned i = 0; i < n->ndevs; i++) {
		size_t len = strnlen(n->devs[i].name, KVM_DEV_NAME_MAX);
		if (len == 0 || len == KVM_DEV_NAME_MAX)
			return refuse(img,
				      "the Kiln note's device %u has "
				      "no NUL-terminated name",
				      i);
		if (n->devs[i].kind != KVM_DEV_NET &&
		    n->devs[i].kind != KVM_DEV_BLOCK)
			return refuse(img, "device '%s' has unknown kind %u",
				      n->devs[i].name, n->devs[i].kind);
		for (unsigned j = 0; j < i; j++)
			if (!strcmp(n->devs[j].name, n->devs[i].name))
				return refuse(img,
					      "device '%s' is declared "
					      "twice",
					      n->devs[i].name);
	}
	return 1;
}

/* The IDT note: two addresses, checked against the segments later. */
static int read_idt_note(struct image *img, const uint8_t *desc,
			 uint64_t descsz)
{
	struct kvm_note_idt n;

	if (img->idt)
		return refuse(img, "two Kiln IDT notes");
	if (descsz != sizeof n)
		return refuse(img,
			      "the Kiln IDT note has %" PRIu64 " bytes, "
			      "want %zu",
			      descsz, sizeof n);
	memcpy(&n, desc, sizeof n);
	if (n.idt == 0 || n.idt % 8 || n.idt_end <= n.idt ||
	    (n.idt_end - n.idt) % 16 || n.idt_end - n.idt > 256 * 16)
		return refuse(img,
			      "the Kiln IDT note's table 0x%" PRIx64
			      "-0x%" PRIx64 " is not an 8-byte aligned run "
			      "of 1 to 256 16-byte gates",
			      n.idt, n.idt_end);
	img->idt = n.idt;
	img->idt_end = n.idt_end;
	return 0;
}

/*
 * The IDT must lie in one loaded segment that is not writable: code at
 * CPL 3 cannot then rewrite a gate to enter CPL 0 where it likes.
 */
static int check_idt(struct image *img)
{
	for (unsigned i = 0; img->idt && i < img->nsegs; i++) {
		const struct image_seg *s = &img->segs[i];
		if (img->idt < s->vaddr || img->idt_end > s->vaddr + s->memsz)
			continue;
		if (s->flags & PF_W)
			return refuse(img,
				      "the IDT (0x%" PRIx64 ") lies in a "
				      "writable segment; put it in "
				      "read-only data",
				      img->idt);
		return 0;
	}
	if (img->idt)
		return refuse(img,
			      "the IDT 0x%" PRIx64 "-0x%" PRIx64 " is not "
			      "inside one loaded segment",
			      img->idt, img->idt_end);
	return 0;
}

/* Walks one PT_NOTE; returns 1 when it held the manifest, 0, or -1. */
static int scan_notes(struct image *img, const Elf64_Phdr *ph)
{
	uint64_t align = ph->p_align == 8 ? 8 : 4, off = 0, found = 0;
	const uint8_t *p = file_at(img, ph->p_offset, ph->p_filesz);

	if (!p)
		return refuse(img,
			      "truncated: a PT_NOTE (offset 0x%" PRIx64
			      ") lies outside the file",
			      ph->p_offset);
	while (ph->p_filesz - off >= 12) {
		uint32_t h[3]; /* namesz, descsz, type */
		uint64_t name, desc, namesz, descsz, next;

		memcpy(h, p + off, sizeof h);
		namesz = ((uint64_t)h[0] + align - 1) & ~(align - 1);
		descsz = ((uint64_t)h[1] + align - 1) & ~(align - 1);
		name = off + 12;
		desc = name + namesz;
		next = desc + descsz; /* all below 2^35: no overflow */
		if (next > ph->p_filesz)
			return refuse(img,
				      "a note in PT_NOTE at 0x%" PRIx64
				      " runs past its segment",
				      ph->p_offset);
		if (h[0] == sizeof KVM_NOTE_NAME &&
		    !memcmp(p + name, KVM_NOTE_NAME, sizeof KVM_NOTE_NAME) &&
		    h[2] == KVM_NOTE_MANIFEST) {
			if (found || img->note.abi_version)
				return refuse(img, "two Kiln manifest notes");
			if (check_manifest(img, p + desc, h[1]) < 0)
				return -1;
			found = 1;
		} else if (h[0] == sizeof KVM_NOTE_NAME &&
			   !memcmp(p + name, KVM_NOTE_NAME,
				   sizeof KVM_NOTE_NAME) &&
			   h[2] == KVM_NOTE_IDT &&
			   read_idt_note(img, p + desc, h[1]) < 0) {
			return -1;
		}
		off = next;
	}
	return (int)found;
}

static const char *flags_str(uint32_t f)
{
	static const char *s[8] = {"---", "--X", "-W-", "-WX",
				   "R--", "R-X", "RW-", "RWX"};
	return s[((f & PF_R) ? 4 : 0) | ((f & PF_W) ? 2 : 0) |
		 ((f & PF_X) ? 1 : 0)];
}

static int check_load(struct image *img, const Elf64_Phdr *ph, unsigned i)
{
	struct image_seg *s, *prev;
	uint64_t end;

	if (ph->p_memsz == 0)
		return 0; /* occupies nothing */
	if (ph->p_filesz > ph->p_memsz)
		return refuse(img,
			      "segment %u: file size 0x%" PRIx64
			      " exceeds memory size 0x%" PRIx64,
			      i, ph->p_filesz, ph->p_memsz);
	if (!file_at(img, ph->p_offset, ph->p_filesz))
		return refuse(img,
			      "truncated: segment %u (offset 0x%" PRIx64
			      ", 0x%" PRIx64 " bytes) lies outside the "
			      "file",
			      i, ph->p_offset, ph->p_filesz);
	if ((ph->p_flags & PF_W) && (ph->p_flags & PF_X))
		return refuse(img,
			      "segment %u at 0x%" PRIx64 " is both "
			      "writable and executable (W+X)",
			      i, ph->p_vaddr);
	if ((ph->p_vaddr - ph->p_offset) % PAGE_SIZE)
		return refuse(img,
			      "segment %u: p_vaddr 0x%" PRIx64 " and "
			      "p_offset 0x%" PRIx64 " differ modulo the "
			      "page size",
			      i, ph->p_vaddr, ph->p_offset);
	if (ph->p_vaddr < PAGE_SIZE)
		return refuse(img,
			      "segment %u at 0x%" PRIx64 " overlaps page "
			      "0, which is never mapped",
			      i, ph->p_vaddr);
	end = ph->p_vaddr + ph->p_memsz;
	if (end < ph->p_vaddr || end > (uint64_t)MEM_MAX_MIB << 20)
		return refuse(img,
			      "segment %u (0x%" PRIx64 ", 0x%" PRIx64
			      " bytes) lies past 4 GiB",
			      i, ph->p_vaddr, ph->p_memsz);
	if (img->nsegs == IMAGE_MAX_SEGS)
		return refuse(img, "more than %u loadable segments",
			      IMAGE_MAX_SEGS);
	prev = img->nsegs ? &img->segs[img->nsegs - 1] : NULL;
	if (prev && ph->p_vaddr < prev->vaddr)
		return refuse(img,
			      "segment %u at 0x%" PRIx64 " is not in "
			      "ascending order",
			      i, ph->p_vaddr);
	if (prev && ph->p_vaddr < prev->vaddr + prev->memsz)
		return refuse(img,
			      "segment %u at 0x%" PRIx64 " overlaps the "
			      "one before (0x%" PRIx64 "-0x%" PRIx64 ")",
			      i, ph->p_vaddr, prev->vaddr,
			      prev->vaddr + prev->memsz);
	/* Page permissions are per page: a shared page needs equal rights. */
	if (prev &&
	    page_down(ph->p_vaddr) <
		    page_down(prev->vaddr + prev->memsz - 1) + PAGE_SIZE &&
	    (prev->flags & 7) != (ph->p_flags & 7))
		return refuse(img,
			      "segment %u (%s) shares the page at 0x%" PRIx64
			      " with a %s segment; align segments to "
			      "pages",
			      i, flags_str(ph->p_flags), page_down(ph->p_vaddr),
			      flags_str(prev->flags));
	s = &img->segs[img->nsegs++];
	s->vaddr = ph->p_vaddr;
	s->memsz = ph->p_memsz;
	s->offset = ph->p_offset;
	s->filesz = ph->p_filesz;
	s->flags = ph->p_flags & 7;
	img->end = end;
	return 0;
}

int elf_open(struct image *img, const char *path)
{
	Elf64_Ehdr eh;
	int notes = 0, entry_ok = 0;

	memset(img, 0, sizeof *img);
	img->path = path;
	if (map_file(img) < 0 || check_header(img, &eh) < 0)
		return -1;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		int r = 0;

		memcpy(&ph, file_at(img, eh.e_phoff + i * sizeof ph, sizeof ph),
		       sizeof ph);
		switch (ph.p_type) {
		case PT_LOAD:
			r = check_load(img, &ph, i);
			break;
		case PT_NOTE:
			r = scan_notes(img, &ph);
			notes += r > 0;
			break;
		case PT_INTERP:
		case PT_DYNAMIC:
			return refuse(img, "dynamically linked; link it "
					   "-static");
		case PT_TLS:
			return refuse(img, "has thread-local storage "
					   "(PT_TLS), which the kvm target "
					   "does not set up");
		default:
			break; /* PT_GNU_STACK, PT_GNU_PROPERTY...: harmless */
		}
		if (r < 0)
			return -1;
	}
	if (img->nsegs == 0)
		return refuse(img, "no loadable segments");
	if (!notes)
		return refuse(img, "no Kiln manifest note (.note.kiln, owner "
				   "\"Kiln\"): not built for the kvm target");
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct image_seg *s = &img->segs[i];
		if ((s->flags & PF_X) && eh.e_entry >= s->vaddr &&
		    eh.e_entry - s->vaddr < s->filesz)
			entry_ok = 1;
	}
	if (check_idt(img) < 0)
		return -1;
	if (!entry_ok)
		return refuse(img,
			      "entry point 0x%" PRIx64 " is not inside "
			      "an executable segment",
			      eh.e_entry);
	img->entry = eh.e_entry;
	return 0;
}

void elf_load(const struct image *img, struct guest *g)
{
	/* vm_layout() checked every segment against memory already. */
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct image_seg *s = &img->segs[i];
		uint8_t *dst = gpa_check(g, s->vaddr, s->memsz);
		memcpy(dst, img->file + s->offset, s->filesz);
		/* The rest (bss) is already zero: fresh anonymous memory. */
	}
}

static int in_text(const struct image *img, uint64_t addr)
{
	for (unsigned i = 0; i < img->nsegs; i++)
		if ((img->segs[i].flags & PF_X) && addr >= img->segs[i].vaddr &&
		    addr - img->segs[i].vaddr < img->segs[i].memsz)
			return 1;
	return 0;
}

/*
 * Symbols are looked up only for a fault report, so nothing is prepared
 * at load: elf_symbols() finds .symtab on first use, and sym_lookup()
 * scans it (no sorting, no allocation: the report runs under seccomp).
 * Every entry and name is checked again as it is read.
 */
int elf_symbols(struct image *img)
{
	Elf64_Ehdr eh;
	Elf64_Shdr sh, str;

	if (img->syms_looked)
		return img->symtab != NULL;
	img->syms_looked = 1;
	memcpy(&eh, img->file, sizeof eh);
	if (eh.e_shentsize != sizeof sh || eh.e_shnum == 0 ||
	    !file_at(img, eh.e_shoff, (uint64_t)eh.e_shnum * sizeof sh))
		return 0;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		memcpy(&sh, img->file + eh.e_shoff + i * sizeof sh, sizeof sh);
		if (sh.sh_type != SHT_SYMTAB ||
		    sh.sh_entsize != sizeof(Elf64_Sym) ||
		    sh.sh_link >= eh.e_shnum)
			continue;
		memcpy(&str, img->file + eh.e_shoff + sh.sh_link * sizeof str,
		       sizeof str);
		if (str.sh_type != SHT_STRTAB ||
		    !file_at(img, sh.sh_offset, sh.sh_size) ||
		    !file_at(img, str.sh_offset, str.sh_size))
			return 0;
		img->symtab = img->file + sh.sh_offset;
		img->nsyms = sh.sh_size / sizeof(Elf64_Sym);
		img->strtab = img->file + str.sh_offset;
		img->strsz = str.sh_size;
		return 1;
	}
	return 0;
}

const char *sym_lookup(struct image *img, uint64_t addr, uint64_t *off,
		       int *len)
{
	Elf64_Sym best = {0}, s;
	const char *name;
	const uint8_t *nul;

	if (!elf_symbols(img) || !in_text(img, addr))
		return NULL;
	for (uint64_t k = 0; k < img->nsyms; k++) {
		unsigned type;

		memcpy(&s, img->symtab + k * sizeof s, sizeof s);
		type = ELF64_ST_TYPE(s.st_info);
		if ((type != STT_FUNC && type != STT_NOTYPE) ||
		    s.st_shndx == SHN_UNDEF || s.st_shndx >= SHN_LORESERVE ||
		    s.st_value > addr || s.st_value < best.st_value ||
		    s.st_name == 0 || s.st_name >= img->strsz ||
		    !in_text(img, s.st_value))
			continue;
		/* Sized symbols must cover addr; labels reach to the next. */
		if (s.st_size && addr - s.st_value >= s.st_size)
			continue;
		best = s;
	}
	if (!best.st_name)
		return NULL;
	name = (const char *)img->strtab + best.st_name;
	nul = memchr(name, 0, img->strsz - best.st_name);
	if (!nul || nul == (const uint8_t *)name)
		return NULL;
	*off = addr - best.st_value;
	*len = (int)((const char *)nul - name > 200 ? 200
						    : (const char *)nul - name);
	return name;
}
