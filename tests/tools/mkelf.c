/*
 * mkelf: crafts bad kvm images for kiln-kvm's loader tests, from a good
 * one (a test guest with at least text, rodata and data segments and the
 * Kiln note).
 *
 *   mkelf IN OUT MUTATION [N]
 *
 * MUTATION is one of: wx, truncate (N bytes kept), overlap, order,
 * machine, class32, bigendian, dyn, version, noload, note-version,
 * note-ndevs, note-kind, note-name, note-dup, note-runs, nonote, entry-data,
 * entry-outside, page0, filesz, congruence, phoff, share, huge, interp,
 * tls, flip (N: a seed; flips bytes in the headers), symflip (N: a seed;
 * flips bytes in the section headers and .symtab); on an image with the
 * IDT note (guest-idt.elf): idt-writable (the IDT moved into the data
 * segment), idt-align, idt-outside, idt-size.
 * Exit 0 when OUT was written, 2 on a usage error.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t *buf;
static size_t len;

static Elf64_Ehdr *eh(void)
{
	return (Elf64_Ehdr *)buf;
}

static Elf64_Phdr *ph(unsigned i)
{
	return (Elf64_Phdr *)(buf + eh()->e_phoff) + i;
}

/* The i-th PT_LOAD, or the first header of type t when i < 0. */
static Elf64_Phdr *find(uint32_t t, int i)
{
	for (unsigned k = 0; k < eh()->e_phnum; k++)
		if (ph(k)->p_type == t && i-- <= 0)
			return ph(k);
	fprintf(stderr, "mkelf: no such program header\n");
	exit(2);
}

/* The descriptor of the Kiln note of type t in the file. */
static uint32_t *kiln_desc(uint32_t t)
{
	Elf64_Phdr *n = find(PT_NOTE, 0);
	uint8_t *p = buf + n->p_offset;
	size_t off = 0;

	while (off + 12 <= n->p_filesz) {
		uint32_t *h = (uint32_t *)(p + off);
		if (h[0] == 5 && !memcmp(p + off + 12, "Kiln", 5) && h[2] == t)
			return (uint32_t *)(p + off + 20);
		off += 12 + ((h[0] + 3) & ~3u) + ((h[1] + 3) & ~3u);
	}
	fprintf(stderr, "mkelf: no Kiln note of type 0x%x\n", (unsigned)t);
	exit(2);
}

/* The manifest note's descriptor (struct kvm_note). */
static uint32_t *note_desc(void)
{
	return kiln_desc(0x4b4c4e01); /* KVM_NOTE_MANIFEST */
}

/* The IDT note's descriptor (struct kvm_note_idt: idt, idt_end). */
static uint64_t *idt_desc(void)
{
	return (uint64_t *)kiln_desc(0x4b4c4e02); /* KVM_NOTE_IDT */
}

int main(int argc, char **argv)
{
	FILE *f;
	const char *m;
	long n = argc > 4 ? strtol(argv[4], NULL, 0) : 0;

	if (argc < 4)
		return fprintf(stderr, "usage: mkelf IN OUT MUTATION [N]\n"), 2;
	m = argv[3];
	f = fopen(argv[1], "rb");
	if (!f)
		return perror(argv[1]), 2;
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	rewind(f);
	buf = malloc(len + 1);
	if (!buf || fread(buf, 1, len, f) != len)
		return perror("read"), 2;
	fclose(f);

	if (!strcmp(m, "wx")) {
		find(PT_LOAD, 0)->p_flags = PF_R | PF_W | PF_X;
	} else if (!strcmp(m, "truncate")) {
		if ((size_t)n < len)
			len = (size_t)n;
	} else if (!strcmp(m, "overlap")) {
		find(PT_LOAD, 1)->p_vaddr = find(PT_LOAD, 0)->p_vaddr;
	} else if (!strcmp(m, "order")) {
		Elf64_Phdr t = *find(PT_LOAD, 0);
		*find(PT_LOAD, 0) = *find(PT_LOAD, 1);
		*find(PT_LOAD, 1) = t;
	} else if (!strcmp(m, "machine")) {
		eh()->e_machine = EM_AARCH64;
	} else if (!strcmp(m, "class32")) {
		eh()->e_ident[EI_CLASS] = ELFCLASS32;
	} else if (!strcmp(m, "bigendian")) {
		eh()->e_ident[EI_DATA] = ELFDATA2MSB;
	} else if (!strcmp(m, "dyn")) {
		eh()->e_type = ET_DYN;
	} else if (!strcmp(m, "version")) {
		eh()->e_version = 2;
	} else if (!strcmp(m, "noload")) {
		for (unsigned k = 0; k < eh()->e_phnum; k++)
			if (ph(k)->p_type == PT_LOAD)
				ph(k)->p_type = PT_NULL;
	} else if (!strcmp(m, "note-version")) {
		note_desc()[0] = 99;
	} else if (!strcmp(m, "note-ndevs")) {
		note_desc()[1] = 99;
	} else if (!strcmp(m, "note-kind")) {
		note_desc()[2 + 4] = 7; /* devs[0].kind, after the name */
	} else if (!strcmp(m, "note-name")) {
		memset(note_desc() + 2, 'x', 16); /* devs[0].name, no NUL */
	} else if (!strcmp(m, "note-dup")) {
		uint32_t *d = note_desc();
		d[1] = 2;
		memcpy(d + 2 + 6, d + 2, 24); /* devs[1] = devs[0] */
	} else if (!strcmp(m, "note-runs")) {
		note_desc()[-4] = 0x10000; /* descsz past the segment */
	} else if (!strcmp(m, "nonote")) {
		((char *)note_desc())[-5] = 'X'; /* owner "KiXn" */
	} else if (!strcmp(m, "idt-writable")) {
		uint64_t *d = idt_desc(), at = find(PT_LOAD, 2)->p_vaddr;
		d[1] = at + (d[1] - d[0]);
		d[0] = at;
	} else if (!strcmp(m, "idt-align")) {
		idt_desc()[0] += 4;
	} else if (!strcmp(m, "idt-outside")) {
		uint64_t *d = idt_desc();
		d[1] = 0x5000000 + (d[1] - d[0]);
		d[0] = 0x5000000;
	} else if (!strcmp(m, "idt-size")) {
		idt_desc()[1] -= 8;
	} else if (!strcmp(m, "entry-data")) {
		eh()->e_entry = find(PT_LOAD, 2)->p_vaddr;
	} else if (!strcmp(m, "entry-outside")) {
		eh()->e_entry = 0x5000000;
	} else if (!strcmp(m, "page0")) {
		Elf64_Phdr *p = find(PT_LOAD, 0);
		p->p_vaddr = p->p_paddr = 0;
	} else if (!strcmp(m, "filesz")) {
		Elf64_Phdr *p = find(PT_LOAD, 0);
		p->p_filesz = p->p_memsz + 1;
	} else if (!strcmp(m, "congruence")) {
		find(PT_LOAD, 2)->p_vaddr += 0x10;
	} else if (!strcmp(m, "phoff")) {
		eh()->e_phoff = len - 8;
	} else if (!strcmp(m, "share")) {
		/* The data segment moved into rodata's last page. */
		Elf64_Phdr *r = find(PT_LOAD, 1), *d = find(PT_LOAD, 2);
		uint64_t at = (r->p_vaddr + r->p_memsz + 0x3f) & ~0x3full;
		d->p_offset = d->p_offset - (d->p_vaddr - at);
		d->p_vaddr = d->p_paddr = at;
	} else if (!strcmp(m, "huge")) {
		find(PT_LOAD, 2)->p_memsz = 0x40000000; /* 1 GiB of bss */
	} else if (!strcmp(m, "interp")) {
		find(PT_NOTE, 0)->p_type = PT_INTERP;
	} else if (!strcmp(m, "tls")) {
		find(PT_LOAD, 2)->p_type = PT_TLS;
	} else if (!strcmp(m, "flip")) {
		/* Random bytes in the ELF and program headers. */
		size_t span =
			eh()->e_phoff + eh()->e_phnum * sizeof(Elf64_Phdr);
		srand((unsigned)n);
		for (int k = 0; k < 1 + rand() % 4; k++)
			buf[(size_t)rand() % span] = (uint8_t)rand();
	} else if (!strcmp(m, "symflip")) {
		/* Random bytes in the section headers and the symbol table:
		 * what a fault report's symbol lookup reads. */
		Elf64_Shdr *sh = (Elf64_Shdr *)(buf + eh()->e_shoff);
		size_t span = eh()->e_shnum * sizeof *sh, sym = 0, symlen = 0;
		for (unsigned k = 0; k < eh()->e_shnum; k++)
			if (sh[k].sh_type == SHT_SYMTAB)
				sym = sh[k].sh_offset, symlen = sh[k].sh_size;
		srand((unsigned)n);
		for (int k = 0; k < 1 + rand() % 8; k++) {
			if (rand() % 2 && symlen)
				buf[sym + (size_t)rand() % symlen] =
					(uint8_t)rand();
			else
				buf[eh()->e_shoff + (size_t)rand() % span] =
					(uint8_t)rand();
		}
	} else {
		fprintf(stderr, "mkelf: unknown mutation %s\n", m);
		return 2;
	}
	f = fopen(argv[2], "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f) != 0)
		return perror(argv[2]), 2;
	return 0;
}
