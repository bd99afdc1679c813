/*
 * elf_check.h - validation of the kernel's ELF image before it is loaded.
 *
 * Pure code with no library and no allocation: the UEFI loader
 * (boot/efi/loader.c), the kernel build (every boot/NAME.c is compiled into the
 * kernel too) and the host unit tests (tests/host/test_elf.c) share it.
 *
 * elf_check() accepts only what the loader can place safely: an ELF64,
 * little-endian, EM_X86_64, ET_EXEC file whose program header table and
 * PT_LOAD file ranges lie inside the file, with filesz <= memsz, physical
 * ranges that neither wrap nor overlap, an entry point (a physical
 * address) inside the file-backed part of a loaded segment, and the Spindle
 * kernel note in a PT_NOTE segment (boot/entry.S emits it): name "Spindle",
 * type SPINDLE_NOTE_KERNEL, a 4-byte desc equal to SPINDLE_BOOT_ABI (how the
 * loader hands over: struct boot_info, kernel/boot_info.h). Any other
 * executable, however well-formed, is refused.
 */
#ifndef SPINDLE_ELF_CHECK_H
#define SPINDLE_ELF_CHECK_H

/* The Spindle kernel note (also read by boot/entry.S, which emits it). */
#define SPINDLE_NOTE_NAME     "Spindle"
#define SPINDLE_NOTE_KERNEL   1
#define SPINDLE_BOOT_ABI      1
#define SPINDLE_BOOT_ABI_STR  "1"

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16 /* PT_LOAD entries accepted */

struct elf_segment {
	uint64_t offset; /* file offset of the bytes to copy */
	uint64_t filesz; /* bytes copied from the file */
	uint64_t memsz;  /* bytes in memory; memsz - filesz are zeroed */
	uint64_t paddr;  /* physical load address */
	uint64_t vaddr;  /* virtual address (informational) */
	uint32_t flags;  /* PF_R / PF_W / PF_X */
};

struct elf_image {
	uint64_t entry;   /* e_entry: physical address of the entry code */
	uint32_t nseg;    /* valid entries in seg[], in program header order */
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/*
 * Checks the ELF file buf[0..size) and fills *img. Returns NULL when the
 * file is acceptable, else a short static English message (no file name,
 * no trailing newline) such as "not an ELF64 file (bad magic)".
 */
const char *elf_check(const void *buf, size_t size, struct elf_image *img);

#endif /* __ASSEMBLY__ */
#endif
