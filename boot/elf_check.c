/*
 * elf_check.c - validation of the kernel's ELF image (see elf_check.h).
 *
 * Freestanding: only <stdint.h> and <stddef.h>, no library calls, so the
 * same file builds into the UEFI loader, the kernel and the host tests.
 * Fields are read byte by byte as little-endian values, so the buffer needs
 * no particular alignment and the code does not depend on the host's order.
 */
#include "boot/elf_check.h"

#define EHDR_SIZE   64u
#define PHDR_SIZE   56u

#define EI_CLASS    4
#define EI_DATA     5
#define EI_VERSION  6
#define ELFCLASS32  1
#define ELFCLASS64  2
#define ELFDATA2LSB 1
#define ELFDATA2MSB 2
#define EV_CURRENT  1

#define ET_EXEC     2
#define ET_DYN      3
#define EM_386      3
#define EM_ARM      40
#define EM_X86_64   62
#define EM_AARCH64  183
#define EM_RISCV    243
#define PT_LOAD     1
#define PT_NOTE     4

static uint64_t elf_rd(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;
	while (n--)
		v = (v << 8) | p[n];
	return v;
}

/* a + b > limit, without overflow. */
static int elf_past(uint64_t a, uint64_t b, uint64_t limit)
{
	return a > limit || b > limit - a;
}

static const char *elf_machine_error(unsigned machine)
{
	switch (machine) {
	case EM_386:
		return "wrong machine: i386 ELF (EM_386), need x86-64 (EM_X86_64)";
	case EM_ARM:
		return "wrong machine: 32-bit ARM ELF (EM_ARM), need x86-64 (EM_X86_64)";
	case EM_AARCH64:
		return "wrong machine: AArch64 ELF (EM_AARCH64), need x86-64 (EM_X86_64)";
	case EM_RISCV:
		return "wrong machine: RISC-V ELF (EM_RISCV), need x86-64 (EM_X86_64)";
	default:
		return "wrong machine: e_machine is not x86-64 (EM_X86_64)";
	}
}

/* The ELF header: identification, version, machine and type. */
static const char *elf_check_header(const uint8_t *b, uint64_t fsize)
{
	if (!b || fsize < 4 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F')
		return "not an ELF64 file (bad magic)";
	if (fsize <= EI_CLASS || b[EI_CLASS] != ELFCLASS64) {
		if (fsize > EI_CLASS && b[EI_CLASS] == ELFCLASS32)
			return "not an ELF64 file (32-bit ELFCLASS32)";
		return "not an ELF64 file (bad ELF class)";
	}
	if (fsize < EHDR_SIZE)
		return "truncated file (shorter than the ELF header)";
	if (b[EI_DATA] != ELFDATA2LSB) {
		if (b[EI_DATA] == ELFDATA2MSB)
			return "big-endian ELF (ELFDATA2MSB), x86-64 needs little-endian";
		return "bad ELF data encoding";
	}
	if (b[EI_VERSION] != EV_CURRENT || elf_rd(b + 20, 4) != EV_CURRENT)
		return "unsupported ELF version";

	unsigned type = (unsigned)elf_rd(b + 16, 2);
	unsigned machine = (unsigned)elf_rd(b + 18, 2);
	if (machine != EM_X86_64)
		return elf_machine_error(machine);
	if (type != ET_EXEC) {
		if (type == ET_DYN)
			return "not a fixed-address executable (ET_DYN), need ET_EXEC";
		return "not an executable (e_type is not ET_EXEC)";
	}
	return NULL;
}

/* The program header table: present, of 56-byte entries, inside the file.
 * Runs after elf_check_header, so the ELF header is all in the file. */
static const char *elf_check_phdr_table(const uint8_t *b, uint64_t fsize)
{
	uint64_t phoff = elf_rd(b + 32, 8);
	unsigned phentsize = (unsigned)elf_rd(b + 54, 2);
	unsigned phnum = (unsigned)elf_rd(b + 56, 2);

	if (phnum == 0)
		return "no program headers";
	if (phnum == 0xffff)
		return "too many program headers (PN_XNUM)";
	if (phentsize != PHDR_SIZE)
		return "bad program header entry size";
	if (elf_past(phoff, (uint64_t)phnum * PHDR_SIZE, fsize))
		return "program header table outside the file";
	return NULL;
}

/* Every PT_LOAD segment: its file range inside the file, its physical range
 * not wrapping. Those that occupy memory go to img->seg[], in program
 * header order. Runs after elf_check_phdr_table. */
static const char *elf_collect_loads(const uint8_t *b, uint64_t fsize, struct elf_image *img)
{
	uint64_t phoff = elf_rd(b + 32, 8);
	unsigned phnum = (unsigned)elf_rd(b + 56, 2);

	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + (uint64_t)i * PHDR_SIZE;
		if (elf_rd(ph, 4) != PT_LOAD)
			continue;
		struct elf_segment s = {
			.flags  = (uint32_t)elf_rd(ph + 4, 4),
			.offset = elf_rd(ph + 8, 8),
			.vaddr  = elf_rd(ph + 16, 8),
			.paddr  = elf_rd(ph + 24, 8),
			.filesz = elf_rd(ph + 32, 8),
			.memsz  = elf_rd(ph + 40, 8),
		};
		if (s.filesz > s.memsz)
			return "segment filesz larger than memsz";
		if (elf_past(s.offset, s.filesz, fsize))
			return "segment data outside the file (truncated file?)";
		if (s.memsz && s.memsz - 1 > UINT64_MAX - s.paddr)
			return "segment physical address range wraps around";
		if (s.memsz == 0)
			continue; /* occupies nothing */
		if (img->nseg == ELF_MAX_SEGMENTS)
			return "too many PT_LOAD segments";
		img->seg[img->nseg++] = s;
	}
	if (img->nseg == 0)
		return "no PT_LOAD segment";
	return NULL;
}

/* No two loaded segments share a physical byte. Ranges are inclusive at
 * the end so a segment ending at 2^64 works. */
static const char *elf_check_overlap(const struct elf_image *img)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *a = &img->seg[i];
		for (unsigned j = i + 1; j < img->nseg; j++) {
			const struct elf_segment *c = &img->seg[j];
			if (a->paddr <= c->paddr + (c->memsz - 1) &&
			    c->paddr <= a->paddr + (a->memsz - 1))
				return "PT_LOAD segments overlap in physical memory";
		}
	}
	return NULL;
}

/* The entry point lies in the file-backed part of a loaded segment; then
 * it is img->entry. */
static const char *elf_check_entry(uint64_t entry, struct elf_image *img)
{
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		if (entry >= s->paddr && entry - s->paddr < s->filesz) {
			img->entry = entry;
			return NULL;
		}
	}
	return "entry point outside the loaded segments";
}

/* The checks in order, each relying on the ones before; the first failure
 * is the answer. */
static const char *elf_check_image(const uint8_t *b, uint64_t fsize, struct elf_image *img)
{
	const char *err = elf_check_header(b, fsize);
	if (!err)
		err = elf_check_phdr_table(b, fsize);
	if (!err)
		err = elf_collect_loads(b, fsize, img);
	if (!err)
		err = elf_check_overlap(img);
	if (!err)
		err = elf_check_entry(elf_rd(b + 24, 8), img);
	return err;
}

/* Does the note segment b[off, off + len) hold the Spindle kernel note? */
static int elf_notes_have_spindle(const uint8_t *b, uint64_t off, uint64_t len)
{
	static const char name[] = SPINDLE_NOTE_NAME;
	while (len >= 12) {
		uint64_t namesz = elf_rd(b + off, 4), descsz = elf_rd(b + off + 4, 4);
		uint64_t type = elf_rd(b + off + 8, 4);
		uint64_t nlen = (namesz + 3) & ~3ull, dlen = (descsz + 3) & ~3ull;
		if (nlen > len - 12 || dlen > len - 12 - nlen)
			return 0;   /* a note that does not fit: stop at it */
		const uint8_t *n = b + off + 12;
		int same = namesz == sizeof name && type == SPINDLE_NOTE_KERNEL && descsz == 4;
		for (unsigned i = 0; same && i < sizeof name; i++)
			same = n[i] == (uint8_t)name[i];
		if (same && elf_rd(n + nlen, 4) == SPINDLE_BOOT_ABI)
			return 1;
		off += 12 + nlen + dlen;
		len -= 12 + nlen + dlen;
	}
	return 0;
}

/* Only a Spindle kernel carries its note: anything else (a static Linux
 * program passes every other check) is refused rather than started. Runs
 * after elf_check_image, so the header and program headers are sound. */
static const char *elf_check_spindle_note(const uint8_t *b, uint64_t fsize)
{
	uint64_t phoff = elf_rd(b + 32, 8);
	unsigned phnum = (unsigned)elf_rd(b + 56, 2);
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = b + phoff + (uint64_t)i * PHDR_SIZE;
		uint64_t off = elf_rd(ph + 8, 8), len = elf_rd(ph + 32, 8);
		if (elf_rd(ph, 4) == PT_NOTE && !elf_past(off, len, fsize) &&
		    elf_notes_have_spindle(b, off, len))
			return NULL;
	}
	return "not a Spindle kernel (no \"" SPINDLE_NOTE_NAME "\" ELF note of boot ABI "
	       SPINDLE_BOOT_ABI_STR ")";
}

const char *elf_check(const void *buf, size_t size, struct elf_image *img)
{
	img->entry = 0;
	img->nseg = 0;
	const char *err = elf_check_image(buf, size, img);
	if (!err)
		err = elf_check_spindle_note(buf, size);
	if (err) {
		img->entry = 0;
		img->nseg = 0;
	}
	return err;
}
