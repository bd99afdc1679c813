/*
 * test_elf.c - host tests for boot/elf_check.c (the loader's ELF checks)
 * and boot/efi/memmap.c (UEFI memory map -> boot_info map).
 *
 * ELF images are built in memory: a 64-byte header, the program headers
 * right after it, then segment data. Each corrupt variant must be rejected
 * with its own message.
 */
#include "check.h"

#include "boot/elf_check.c"
#include "boot/efi/memmap.c"

#define IMG_SIZE 0x3000

static uint8_t img[IMG_SIZE];
static size_t img_size;
static struct elf_image out;

static void put(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* Program header i: type, flags, offset, paddr, filesz, memsz. */
static void phdr(unsigned i, uint32_t type, uint32_t flags, uint64_t off, uint64_t paddr,
		 uint64_t filesz, uint64_t memsz)
{
	uint8_t *p = img + 64 + 56 * i;
	put(p, type, 4);
	put(p + 4, flags, 4);
	put(p + 8, off, 8);
	put(p + 16, paddr + 0xffffffff80000000ull * (paddr >= 0x201000), 8); /* vaddr */
	put(p + 24, paddr, 8);
	put(p + 32, filesz, 8);
	put(p + 40, memsz, 8);
	put(p + 48, 0x1000, 8);
}

/* The notes of a Spindle kernel (boot/entry.S): Xen's PVH entry, then the
 * Spindle note. */
#define NOTES_SIZE (20 + 24)
#define SPINDLE_NOTE_AT 20
static void put_notes(uint8_t *p)
{
	put(p, 4, 4);
	put(p + 4, 4, 4);
	put(p + 8, 18, 4);              /* XEN_ELFNOTE_PHYS32_ENTRY */
	memcpy(p + 12, "Xen", 4);
	put(p + 16, 0x200010, 4);
	p += SPINDLE_NOTE_AT;
	put(p, 8, 4);
	put(p + 4, 4, 4);
	put(p + 8, SPINDLE_NOTE_KERNEL, 4);
	memcpy(p + 12, "Spindle", 8);
	put(p + 20, SPINDLE_BOOT_ABI, 4);
}

/* A good kernel-like image: three PT_LOADs at 0x200000 (RX, entry),
 * 0x201000 (R) and 0x202000 (RW, with bss), plus a PT_NOTE with the Spindle
 * note. */
static void make_good(void)
{
	memset(img, 0, sizeof img);
	img_size = IMG_SIZE;
	memcpy(img, "\177ELF", 4);
	img[4] = 2; /* ELFCLASS64 */
	img[5] = 1; /* ELFDATA2LSB */
	img[6] = 1; /* EV_CURRENT */
	put(img + 16, 2, 2);        /* ET_EXEC */
	put(img + 18, 62, 2);       /* EM_X86_64 */
	put(img + 20, 1, 4);        /* e_version */
	put(img + 24, 0x200010, 8); /* e_entry (physical) */
	put(img + 32, 64, 8);       /* e_phoff */
	put(img + 52, 64, 2);       /* e_ehsize */
	put(img + 54, 56, 2);       /* e_phentsize */
	put(img + 56, 4, 2);        /* e_phnum */
	phdr(0, 1, 5, 0x1000, 0x200000, 0x800, 0x800);
	phdr(1, 4, 4, 0x1800, 0x201800, NOTES_SIZE, NOTES_SIZE); /* PT_NOTE */
	phdr(2, 1, 4, 0x1800, 0x201000, 0x400, 0x400);
	phdr(3, 1, 6, 0x2000, 0x202000, 0x1000, 0x5000);
	for (unsigned i = 0x1000; i < IMG_SIZE; i++)
		img[i] = (uint8_t)i;
	put_notes(img + 0x1800);
}

static const char *check(void)
{
	return elf_check(img, img_size, &out);
}

#define CHECK_ERR(expected)                                                  \
	do {                                                                  \
		const char *e_ = check();                                      \
		CHECK(e_ != NULL);                                             \
		if (e_)                                                        \
			CHECK(strcmp(e_, (expected)) == 0);                    \
		if (e_ && strcmp(e_, (expected)))                              \
			fprintf(stderr, "  got \"%s\"\n", e_);                 \
		CHECK_EQ(out.nseg, 0);                                         \
	} while (0)

TEST(good_image)
{
	make_good();
	CHECK(check() == NULL);
	CHECK_EQ(out.entry, 0x200010);
	CHECK_EQ(out.nseg, 3);
	CHECK_EQ(out.seg[0].paddr, 0x200000);
	CHECK_EQ(out.seg[0].offset, 0x1000);
	CHECK_EQ(out.seg[0].filesz, 0x800);
	CHECK_EQ(out.seg[0].memsz, 0x800);
	CHECK_EQ(out.seg[0].flags, 5);
	CHECK_EQ(out.seg[1].paddr, 0x201000);
	CHECK_EQ(out.seg[1].vaddr, 0xffffffff80201000ull);
	CHECK_EQ(out.seg[1].filesz, 0x400);
	CHECK_EQ(out.seg[2].paddr, 0x202000);
	CHECK_EQ(out.seg[2].filesz, 0x1000);
	CHECK_EQ(out.seg[2].memsz, 0x5000);
	CHECK_EQ(out.seg[2].flags, 6);
}

/* Everything else in order, but not a Spindle kernel: refused in words. */
TEST(not_a_spindle_kernel)
{
	const char *want = "not a Spindle kernel (no \"Spindle\" ELF note of boot ABI 1)";
	make_good();
	put(img + 64 + 56, 6, 4);                       /* PT_NOTE -> PT_PHDR */
	CHECK_ERR(want);
	make_good();
	img[0x1800 + SPINDLE_NOTE_AT + 12] = 's';       /* "spindle" */
	CHECK_ERR(want);
	make_good();
	put(img + 0x1800 + SPINDLE_NOTE_AT + 20, 2, 4); /* another boot ABI */
	CHECK_ERR(want);
	make_good();
	put(img + 0x1800 + SPINDLE_NOTE_AT + 8, 2, 4);  /* another note type */
	CHECK_ERR(want);
	make_good();
	put(img + 0x1800, 0x7fffffff, 4);               /* a first note too big: walk stops */
	CHECK_ERR(want);
	make_good();
	put(img + 64 + 56 + 32, NOTES_SIZE - 1, 8);     /* the Spindle note cut short */
	CHECK_ERR(want);
	make_good();
	put(img + 64 + 56 + 8, IMG_SIZE - 8, 8);        /* PT_NOTE outside the file */
	CHECK_ERR(want);
}

TEST(good_image_unaligned_buffer)
{
	static uint8_t copy[IMG_SIZE + 1];
	make_good();
	memcpy(copy + 1, img, IMG_SIZE);
	CHECK(elf_check(copy + 1, IMG_SIZE, &out) == NULL);
	CHECK_EQ(out.nseg, 3);
}

TEST(bad_magic)
{
	make_good();
	img[1] = 'X';
	CHECK_ERR("not an ELF64 file (bad magic)");
	img_size = 3;
	CHECK_ERR("not an ELF64 file (bad magic)");
	CHECK(elf_check(NULL, 0, &out) != NULL);
	memcpy(img, "MZ\x90\0", 4); /* a PE file */
	img_size = IMG_SIZE;
	CHECK_ERR("not an ELF64 file (bad magic)");
}

TEST(elf32)
{
	make_good();
	img[4] = 1;
	CHECK_ERR("not an ELF64 file (32-bit ELFCLASS32)");
	img[4] = 0;
	CHECK_ERR("not an ELF64 file (bad ELF class)");
}

TEST(big_endian)
{
	make_good();
	img[5] = 2;
	CHECK_ERR("big-endian ELF (ELFDATA2MSB), x86-64 needs little-endian");
	img[5] = 0;
	CHECK_ERR("bad ELF data encoding");
}

TEST(wrong_machine)
{
	make_good();
	put(img + 18, 3, 2);
	CHECK_ERR("wrong machine: i386 ELF (EM_386), need x86-64 (EM_X86_64)");
	put(img + 18, 183, 2);
	CHECK_ERR("wrong machine: AArch64 ELF (EM_AARCH64), need x86-64 (EM_X86_64)");
	put(img + 18, 243, 2);
	CHECK_ERR("wrong machine: RISC-V ELF (EM_RISCV), need x86-64 (EM_X86_64)");
	put(img + 18, 0x1234, 2);
	CHECK_ERR("wrong machine: e_machine is not x86-64 (EM_X86_64)");
}

TEST(wrong_type_or_version)
{
	make_good();
	put(img + 16, 3, 2);
	CHECK_ERR("not a fixed-address executable (ET_DYN), need ET_EXEC");
	put(img + 16, 1, 2);
	CHECK_ERR("not an executable (e_type is not ET_EXEC)");
	make_good();
	img[6] = 0;
	CHECK_ERR("unsupported ELF version");
}

TEST(truncated)
{
	make_good();
	img_size = 40;
	CHECK_ERR("truncated file (shorter than the ELF header)");
	img_size = 64 + 56 * 2; /* header and half the program headers */
	CHECK_ERR("program header table outside the file");
	img_size = 0x2800;      /* last segment's data cut off */
	CHECK_ERR("segment data outside the file (truncated file?)");
}

TEST(phdr_table_outside)
{
	make_good();
	put(img + 32, IMG_SIZE - 56, 8);
	CHECK_ERR("program header table outside the file");
	put(img + 32, ~0ull - 8, 8); /* offset + size wraps */
	CHECK_ERR("program header table outside the file");
	make_good();
	put(img + 54, 32, 2);
	CHECK_ERR("bad program header entry size");
	put(img + 54, 56, 2);
	put(img + 56, 0, 2);
	CHECK_ERR("no program headers");
}

TEST(segment_outside_file)
{
	make_good();
	phdr(2, 1, 4, IMG_SIZE, 0x201000, 1, 1);
	CHECK_ERR("segment data outside the file (truncated file?)");
	phdr(2, 1, 4, ~0ull - 4, 0x201000, 0x10, 0x10); /* offset + filesz wraps */
	CHECK_ERR("segment data outside the file (truncated file?)");
}

TEST(filesz_gt_memsz)
{
	make_good();
	phdr(2, 1, 4, 0x1800, 0x201000, 0x400, 0x3ff);
	CHECK_ERR("segment filesz larger than memsz");
}

TEST(overlapping_segments)
{
	make_good();
	phdr(2, 1, 4, 0x1800, 0x2007ff, 0x400, 0x400); /* one byte into segment 0 */
	CHECK_ERR("PT_LOAD segments overlap in physical memory");
	make_good();
	phdr(2, 1, 4, 0x1800, 0x1ff000, 0x400, 0x10000); /* covers segment 0 */
	CHECK_ERR("PT_LOAD segments overlap in physical memory");
	make_good();
	phdr(2, 1, 4, 0x1800, 0x200800, 0x400, 0x400); /* touching is fine */
	CHECK(check() == NULL);
}

TEST(wrapping_paddr)
{
	make_good();
	phdr(2, 1, 4, 0x1800, 0xfffffffffffff000ull, 0x400, 0x2000);
	CHECK_ERR("segment physical address range wraps around");
}

TEST(no_pt_load)
{
	make_good();
	for (unsigned i = 0; i < 4; i++)
		put(img + 64 + 56 * i, 4, 4); /* all PT_NOTE */
	CHECK_ERR("no PT_LOAD segment");
	make_good();
	put(img + 56, 1, 2);
	phdr(0, 1, 5, 0x1000, 0x200000, 0, 0); /* empty PT_LOAD only */
	CHECK_ERR("no PT_LOAD segment");
}

TEST(entry_outside_segments)
{
	make_good();
	put(img + 24, 0x100000, 8);
	CHECK_ERR("entry point outside the loaded segments");
	put(img + 24, 0xffffffff80200010ull, 8); /* virtual, not physical */
	CHECK_ERR("entry point outside the loaded segments");
	put(img + 24, 0x202000 + 0x1000, 8); /* in bss only */
	CHECK_ERR("entry point outside the loaded segments");
	put(img + 24, 0x202000 + 0xfff, 8);  /* last file byte of data */
	CHECK(check() == NULL);
}

TEST(too_many_segments)
{
	make_good();
	put(img + 56, ELF_MAX_SEGMENTS + 1, 2);
	for (unsigned i = 0; i <= ELF_MAX_SEGMENTS; i++)
		phdr(i, 1, 4, 0x1000, 0x200000 + 0x1000 * i, 0x10, 0x10);
	put(img + 24, 0x200008, 8);
	CHECK_ERR("too many PT_LOAD segments");
	phdr(ELF_MAX_SEGMENTS, 4, 4, 0x1800, 0x201800, NOTES_SIZE, NOTES_SIZE); /* the note */
	CHECK(check() == NULL);
	CHECK_EQ(out.nseg, ELF_MAX_SEGMENTS);
}

/* ---- memmap.c ---- */

struct big_desc { /* firmware descriptors are often 48 bytes */
	struct efi_mem_desc d;
	uint64_t extra;
};

static struct boot_info bi;

static void desc(struct big_desc *m, unsigned i, uint32_t type, uint64_t base, uint64_t pages)
{
	m[i] = (struct big_desc){ .d = { .type = type, .phys_start = base, .pages = pages },
				  .extra = 0xdeadbeef };
}

TEST(memmap_types)
{
	CHECK_EQ(memmap_efi_type(7), MEM_USABLE);  /* Conventional */
	CHECK_EQ(memmap_efi_type(3), MEM_USABLE);  /* BootServicesCode */
	CHECK_EQ(memmap_efi_type(4), MEM_USABLE);  /* BootServicesData */
	CHECK_EQ(memmap_efi_type(1), MEM_LOADER);
	CHECK_EQ(memmap_efi_type(2), MEM_LOADER);
	CHECK_EQ(memmap_efi_type(9), MEM_ACPI_RECLAIM);
	CHECK_EQ(memmap_efi_type(10), MEM_ACPI_NVS);
	CHECK_EQ(memmap_efi_type(8), MEM_BAD);
	CHECK_EQ(memmap_efi_type(0), MEM_RESERVED);
	CHECK_EQ(memmap_efi_type(5), MEM_RESERVED); /* RuntimeServicesCode */
	CHECK_EQ(memmap_efi_type(6), MEM_RESERVED);
	CHECK_EQ(memmap_efi_type(11), MEM_RESERVED); /* MMIO */
	CHECK_EQ(memmap_efi_type(14), MEM_RESERVED); /* persistent */
	CHECK_EQ(memmap_efi_type(0x80000001u), MEM_RESERVED); /* OEM */
}

TEST(memmap_sort_merge_carve)
{
	struct big_desc m[8];
	/* Unsorted; 0x100000.. is Conventional + BootServicesData (merge),
	 * 0x200000.. LoaderData holding the kernel at 0x200000-0x205000. */
	desc(m, 0, 2, 0x200000, 0x10);  /* LoaderData 0x200000-0x20ffff */
	desc(m, 1, 7, 0x0, 0xa0);       /* Conventional 0-0x9ffff */
	desc(m, 2, 4, 0x180000, 0x80);  /* BS data 0x180000-0x1fffff */
	desc(m, 3, 7, 0x100000, 0x80);  /* Conventional 0x100000-0x17ffff */
	desc(m, 4, 9, 0x210000, 0x1);   /* ACPI reclaim */
	desc(m, 5, 10, 0x211000, 0x1);  /* ACPI NVS */
	desc(m, 6, 11, 0xfee00000, 0x1);/* MMIO */
	desc(m, 7, 1, 0x212000, 0x2);   /* LoaderCode */
	struct phys_range k[] = { { 0x203000, 0x205000 }, { 0x200000, 0x202000 } };
	unsigned dropped = memmap_build(&bi, m, sizeof m, sizeof m[0], k, 2);
	CHECK_EQ(dropped, 0);
	CHECK_EQ(bi.mem_count, 10);
	struct boot_mem_region want[] = {
		{ 0x0, 0xa0000, MEM_USABLE, 0 },
		{ 0x100000, 0x100000, MEM_USABLE, 0 },
		{ 0x200000, 0x2000, MEM_KERNEL, 0 },
		{ 0x202000, 0x1000, MEM_LOADER, 0 },
		{ 0x203000, 0x2000, MEM_KERNEL, 0 },
		{ 0x205000, 0xb000, MEM_LOADER, 0 },
		{ 0x210000, 0x1000, MEM_ACPI_RECLAIM, 0 },
		{ 0x211000, 0x1000, MEM_ACPI_NVS, 0 },
		{ 0x212000, 0x2000, MEM_LOADER, 0 },
		{ 0xfee00000, 0x1000, MEM_RESERVED, 0 },
	};
	for (unsigned i = 0; i < 10 && i < bi.mem_count; i++) {
		CHECK_EQ(bi.mem[i].base, want[i].base);
		CHECK_EQ(bi.mem[i].length, want[i].length);
		CHECK_EQ(bi.mem[i].type, want[i].type);
	}
	CHECK_EQ(m[0].extra, 0xdeadbeef); /* whole descriptors moved */
}

TEST(memmap_overflow)
{
	static struct big_desc m[BOOT_MEM_MAX + 10];
	for (unsigned i = 0; i < BOOT_MEM_MAX + 10; i++)
		desc(m, i, i % 2 ? 7 : 0, 0x1000ull * i, 1); /* alternating types */
	unsigned dropped = memmap_build(&bi, m, sizeof m, sizeof m[0], NULL, 0);
	CHECK_EQ(bi.mem_count, BOOT_MEM_MAX);
	CHECK_EQ(dropped, 10);
	CHECK_EQ(bi.mem[0].base, 0);
	CHECK_EQ(bi.mem[BOOT_MEM_MAX - 1].base, 0x1000ull * (BOOT_MEM_MAX - 1));
}

TEST(memmap_overlapping_descriptors)
{
	struct big_desc m[2];
	desc(m, 0, 7, 0x0, 0x10);
	desc(m, 1, 0, 0x8000, 0x10); /* overlaps the first: first wins */
	memmap_build(&bi, m, sizeof m, sizeof m[0], NULL, 0);
	CHECK_EQ(bi.mem_count, 2);
	CHECK_EQ(bi.mem[0].length, 0x10000);
	CHECK_EQ(bi.mem[1].base, 0x10000);
	CHECK_EQ(bi.mem[1].length, 0x8000);
}

CHECK_MAIN()
