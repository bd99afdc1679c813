/*
 * loader.c - Spindle's UEFI loader (GNU-EFI application, EFI/BOOT/BOOTX64.EFI).
 *
 * Steps (docs/boot.md): read \spindle\cmdline.txt and \spindle\kernel.elf
 * from the loader's own volume, validate the ELF (boot/elf_check.c), copy
 * each PT_LOAD to its physical address in pages allocated at exactly that
 * address, fill a struct boot_info below 4 GiB (memory map, RSDP, GOP
 * framebuffer, command line), ExitBootServices() and jump to the ELF entry
 * (a physical address) with RDI = &boot_info, interrupts off, on the
 * firmware's identity-mapped page tables and stack.
 *
 * Every failure before ExitBootServices() prints one line
 * "spindle: <what>: <why>" and returns an error status to the firmware.
 * After ExitBootServices() nothing is printed.
 */
#include <efi.h>
#include <efilib.h>

#include "boot/efi/memmap.h"
#include "boot/elf_check.h"
#include "boot/cmdline_fit.h"
#include "kernel/boot_info.h"
#include "arch/x86_64/cpu.h"

#define KERNEL_PATH  L"\\spindle\\kernel.elf"
#define CMDLINE_PATH L"\\spindle\\cmdline.txt"
#define PAGE_SIZE    4096ull
#define EXIT_TRIES   8

static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;

/* The kernel's page ranges: PT_LOAD segments rounded out to pages, merged. */
static struct phys_range kranges[ELF_MAX_SEGMENTS];
static unsigned nkranges;

/* The kernel's ELF image as elf_check found it (load_kernel). Named
 * directly, not handed down as a pointer: GCC 12 at -O2 folds such an
 * address into a clone of the callee, loses the write through it, and
 * puts the static, never written as far as it can see, in .rodata. */
static struct elf_image kimg;

static UINTN npages(UINT64 bytes)
{
	return (UINTN)((bytes + PAGE_SIZE - 1) / PAGE_SIZE);
}

/* Reads a whole file from the volume root into pool memory. On failure
 * *why says what went wrong (for the one-line message). */
static EFI_STATUS read_file(EFI_FILE_HANDLE root, CHAR16 *path, UINT8 **out, UINTN *out_size,
			    const CHAR16 **why)
{
	EFI_FILE_HANDLE f;
	EFI_STATUS st;

	*out = NULL;
	*out_size = 0;
	st = uefi_call_wrapper(root->Open, 5, root, &f, path, EFI_FILE_MODE_READ, 0ull);
	if (EFI_ERROR(st)) {
		*why = st == EFI_NOT_FOUND ? L"no such file" : L"cannot open";
		return st;
	}
	EFI_FILE_INFO *info = LibFileInfo(f);
	if (!info) {
		uefi_call_wrapper(f->Close, 1, f);
		*why = L"cannot read file information";
		return EFI_DEVICE_ERROR;
	}
	UINT64 size = info->FileSize;
	BOOLEAN dir = (info->Attribute & EFI_FILE_DIRECTORY) != 0;
	FreePool(info);
	if (dir) {
		uefi_call_wrapper(f->Close, 1, f);
		*why = L"is a directory";
		return EFI_INVALID_PARAMETER;
	}
	UINT8 *buf = AllocatePool(size ? (UINTN)size : 1);
	if (!buf) {
		uefi_call_wrapper(f->Close, 1, f);
		*why = L"out of memory for the file";
		return EFI_OUT_OF_RESOURCES;
	}
	UINTN done = 0;
	while (done < size) {
		UINTN n = (UINTN)size - done;
		st = uefi_call_wrapper(f->Read, 3, f, &n, buf + done);
		if (EFI_ERROR(st) || n == 0) {
			FreePool(buf);
			uefi_call_wrapper(f->Close, 1, f);
			*why = EFI_ERROR(st) ? L"read error" : L"file shorter than its size";
			return EFI_ERROR(st) ? st : EFI_END_OF_FILE;
		}
		done += n;
	}
	uefi_call_wrapper(f->Close, 1, f);
	*out = buf;
	*out_size = (UINTN)size;
	return EFI_SUCCESS;
}

/* \spindle\cmdline.txt -> bi->cmdline: trailing whitespace trimmed, line
 * breaks and tabs turned into spaces, stops at a NUL byte. */
static void load_cmdline(EFI_FILE_HANDLE root, struct boot_info *bi)
{
	UINT8 *buf;
	UINTN size;
	const CHAR16 *why = L"";
	EFI_STATUS st = read_file(root, CMDLINE_PATH, &buf, &size, &why);

	bi->cmdline[0] = 0;
	if (EFI_ERROR(st)) {
		Print(L"spindle: %s: %s (%r), using an empty command line\n", CMDLINE_PATH, why, st);
		return;
	}
	UINTN n = 0;
	while (n < size && buf[n])
		n++;
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r' ||
			 buf[n - 1] == '\n'))
		n--;
	UINTN keep = cmdline_fit((const char *)buf, n, BOOT_CMDLINE_MAX - 1);
	if (keep < n)
		Print(L"spindle: %s: %ld bytes, more than the %d kept: kept %ld bytes of whole words\n",
		      CMDLINE_PATH, (UINT64)n, BOOT_CMDLINE_MAX - 1, (UINT64)keep);
	n = keep;
	for (UINTN i = 0; i < n; i++) {
		UINT8 c = buf[i];
		bi->cmdline[i] = (c == '\r' || c == '\n' || c == '\t') ? ' ' : (char)c;
	}
	bi->cmdline[n] = 0;
	FreePool(buf);
}

static void free_kernel_pages(void)
{
	for (unsigned i = 0; i < nkranges; i++)
		uefi_call_wrapper(BS->FreePages, 2, kranges[i].base,
				  npages(kranges[i].end - kranges[i].base));
	nkranges = 0;
}

/* Allocates the kernel's pages at their physical addresses and copies the
 * segments. Returns FALSE after printing the one error line. */
static BOOLEAN place_segments(const UINT8 *file, const struct elf_image *img)
{
	struct phys_range r[ELF_MAX_SEGMENTS];
	unsigned n = 0;

	/* Page ranges of the segments, sorted by address, touching ones merged
	 * (two segments may share a page). elf_check() ruled out wrapping. */
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		UINT64 base = s->paddr & ~(PAGE_SIZE - 1);
		UINT64 last = s->paddr + (s->memsz - 1);
		if (last > ~0ull - PAGE_SIZE) {
			Print(L"spindle: %s: segment at 0x%lx ends at the top of the address space\n",
			      KERNEL_PATH, s->paddr);
			return FALSE;
		}
		UINT64 end = (last | (PAGE_SIZE - 1)) + 1;
		unsigned j = n++;
		while (j > 0 && r[j - 1].base > base) {
			r[j] = r[j - 1];
			j--;
		}
		r[j] = (struct phys_range){ base, end };
	}
	nkranges = 0;
	for (unsigned i = 0; i < n; i++) {
		if (nkranges && r[i].base <= kranges[nkranges - 1].end) {
			if (r[i].end > kranges[nkranges - 1].end)
				kranges[nkranges - 1].end = r[i].end;
		} else {
			kranges[nkranges++] = r[i];
		}
	}

	/* EfiLoaderCode, not EfiLoaderData: firmware with an NX policy for
	 * loader data (OVMF's PcdDxeNxMemoryProtectionPolicy) would map the
	 * kernel's entry code non-executable. Both are "loader" memory. */
	for (unsigned i = 0; i < nkranges; i++) {
		EFI_PHYSICAL_ADDRESS addr = kranges[i].base;
		UINTN pages = npages(kranges[i].end - kranges[i].base);
		EFI_STATUS st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateAddress,
						  EfiLoaderCode, pages, &addr);
		if (EFI_ERROR(st)) {
			Print(L"spindle: %s: cannot place segment at 0x%lx-0x%lx: not free RAM (%r)\n",
			      KERNEL_PATH, kranges[i].base, kranges[i].end - 1, st);
			nkranges = i;
			free_kernel_pages();
			return FALSE;
		}
		ZeroMem((void *)(UINTN)kranges[i].base, pages * PAGE_SIZE);
	}
	for (unsigned i = 0; i < img->nseg; i++) {
		const struct elf_segment *s = &img->seg[i];
		CopyMem((void *)(UINTN)s->paddr, (void *)(file + s->offset), (UINTN)s->filesz);
	}
	return TRUE;
}

static UINT64 find_rsdp(void)
{
	UINT64 v1 = 0;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];
		if (!CompareGuid(&t->VendorGuid, &acpi20_guid))
			return (UINT64)(UINTN)t->VendorTable;
		if (!CompareGuid(&t->VendorGuid, &acpi10_guid))
			v1 = (UINT64)(UINTN)t->VendorTable;
	}
	return v1;
}

static unsigned mask_shift(UINT32 mask)
{
	unsigned s = 0;
	if (!mask)
		return 0;
	while (!(mask & 1)) {
		mask >>= 1;
		s++;
	}
	return s;
}

static void find_framebuffer(struct boot_framebuffer *fb)
{
	EFI_GRAPHICS_OUTPUT_PROTOCOL *gop = NULL;
	EFI_STATUS st = uefi_call_wrapper(BS->LocateProtocol, 3, &GraphicsOutputProtocol, NULL,
					  (void **)&gop);

	fb->phys = 0;
	if (EFI_ERROR(st) || !gop || !gop->Mode || !gop->Mode->Info)
		return;
	EFI_GRAPHICS_OUTPUT_MODE_INFORMATION *info = gop->Mode->Info;
	switch (info->PixelFormat) {
	case PixelRedGreenBlueReserved8BitPerColor: /* bytes R, G, B, x */
		fb->red_shift = 0;
		fb->green_shift = 8;
		fb->blue_shift = 16;
		break;
	case PixelBlueGreenRedReserved8BitPerColor: /* bytes B, G, R, x */
		fb->red_shift = 16;
		fb->green_shift = 8;
		fb->blue_shift = 0;
		break;
	case PixelBitMask: {
		EFI_PIXEL_BITMASK m = info->PixelInformation;
		UINT32 all = m.RedMask | m.GreenMask | m.BlueMask | m.ReservedMask;
		if (all > 0xffffff) { /* only 32-bit pixels are drawn */
			fb->red_shift = (UINT8)mask_shift(m.RedMask);
			fb->green_shift = (UINT8)mask_shift(m.GreenMask);
			fb->blue_shift = (UINT8)mask_shift(m.BlueMask);
			break;
		}
		return;
	}
	default: /* PixelBltOnly: no linear framebuffer */
		return;
	}
	fb->width = info->HorizontalResolution;
	fb->height = info->VerticalResolution;
	fb->bpp = 32;
	fb->pitch = info->PixelsPerScanLine * 4;
	fb->phys = gop->Mode->FrameBufferBase;
}

/* The root directory of the volume the loader itself was read from. */
static EFI_STATUS open_boot_volume(EFI_HANDLE image, EFI_FILE_HANDLE *root)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_STATUS st = uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
					  (void **)&li);
	if (EFI_ERROR(st) || !li) {
		Print(L"spindle: cannot find the loader's own image (%r)\n", st);
		return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;
	}
	*root = LibOpenRoot(li->DeviceHandle);
	if (!*root) {
		Print(L"spindle: cannot open the loader's boot volume (no FAT file system?)\n");
		return EFI_NOT_FOUND;
	}
	return EFI_SUCCESS;
}

/* boot_info below 4 GiB: the kernel's boot page tables map only that. */
static EFI_STATUS alloc_boot_info(struct boot_info **bip)
{
	EFI_PHYSICAL_ADDRESS bi_addr = 0xFFFFFFFFull;
	UINTN bi_pages = npages(sizeof(struct boot_info));
	EFI_STATUS st = uefi_call_wrapper(BS->AllocatePages, 4, AllocateMaxAddress, EfiLoaderData,
					  bi_pages, &bi_addr);
	if (EFI_ERROR(st)) {
		Print(L"spindle: cannot allocate boot_info below 4 GiB (%r)\n", st);
		return st;
	}
	struct boot_info *bi = (struct boot_info *)(UINTN)bi_addr;
	ZeroMem(bi, bi_pages * PAGE_SIZE);
	bi->magic = BOOT_INFO_MAGIC;
	bi->boot_path = BOOT_PATH_UEFI;
	*bip = bi;
	return EFI_SUCCESS;
}

static void free_boot_info(struct boot_info *bi)
{
	uefi_call_wrapper(BS->FreePages, 2, (EFI_PHYSICAL_ADDRESS)(UINTN)bi,
			  npages(sizeof(struct boot_info)));
}

/* \spindle\kernel.elf: read (root is closed once it is), checked into
 * kimg (elf_check) and its segments placed (place_segments). Returns an
 * error after printing the one line; the file's pool memory is freed
 * either way. */
static EFI_STATUS load_kernel(EFI_FILE_HANDLE root, const struct boot_info *bi)
{
	UINT8 *file;
	UINTN size;
	const CHAR16 *why = L"";
	EFI_STATUS st = read_file(root, KERNEL_PATH, &file, &size, &why);
	uefi_call_wrapper(root->Close, 1, root);
	if (EFI_ERROR(st)) {
		Print(L"spindle: %s: %s (%r)\n", KERNEL_PATH, why, st);
		return st;
	}

	const char *err = elf_check(file, size, &kimg);
	if (err) {
		Print(L"spindle: %s: %a\n", KERNEL_PATH, err);
		FreePool(file);
		return EFI_LOAD_ERROR;
	}
	Print(L"spindle: loading %s (%ld bytes), cmdline \"%a\"\n", KERNEL_PATH, (UINT64)size,
	      bi->cmdline);

	if (!place_segments(file, &kimg)) {
		FreePool(file);
		return EFI_LOAD_ERROR;
	}
	FreePool(file);
	return EFI_SUCCESS;
}

/* The firmware's memory map and the buffer it is read into. */
struct efi_map {
	void *buf;
	UINTN cap, size, key, desc_size;
	UINT32 desc_ver;
};

/* The map buffer is allocated once, with room for growth: after a
 * failed ExitBootServices() only GetMemoryMap() may be called. Returns
 * FALSE after printing the one error line, with *st the status to return. */
static BOOLEAN alloc_memory_map(struct efi_map *m, EFI_STATUS *st)
{
	m->size = m->key = m->desc_size = 0;
	m->desc_ver = 0;
	*st = uefi_call_wrapper(BS->GetMemoryMap, 5, &m->size, NULL, &m->key, &m->desc_size,
				&m->desc_ver);
	if (*st != EFI_BUFFER_TOO_SMALL || m->desc_size == 0) {
		Print(L"spindle: GetMemoryMap failed (%r)\n", *st);
		return FALSE;
	}
	m->cap = m->size + 32 * m->desc_size;
	m->buf = AllocatePool(m->cap);
	if (!m->buf) {
		Print(L"spindle: out of memory for the memory map\n");
		*st = EFI_OUT_OF_RESOURCES;
		return FALSE;
	}
	return TRUE;
}

/* The current map into m->buf (all of it is room). */
static EFI_STATUS get_memory_map(struct efi_map *m)
{
	m->size = m->cap;
	return uefi_call_wrapper(BS->GetMemoryMap, 5, &m->size, m->buf, &m->key, &m->desc_size,
				 &m->desc_ver);
}

/* A first pass only for the summary line (the real one follows, in
 * exit_boot_services). Returns an error after printing the one line. */
static EFI_STATUS print_summary(struct boot_info *bi, struct efi_map *m)
{
	EFI_STATUS st = get_memory_map(m);
	if (EFI_ERROR(st)) {
		Print(L"spindle: GetMemoryMap failed (%r)\n", st);
		return st;
	}
	unsigned dropped = memmap_build(bi, m->buf, m->size, m->desc_size, kranges, nkranges);
	if (dropped)
		Print(L"spindle: warning: memory map has more than %d regions, %d dropped\n",
		      BOOT_MEM_MAX, dropped);
	Print(L"spindle: starting kernel at 0x%lx: %d segments, %d memory regions, rsdp 0x%lx, "
	      L"fb %dx%d at 0x%lx\n", kimg.entry, kimg.nseg, bi->mem_count, bi->rsdp_phys,
	      bi->fb.width, bi->fb.height, bi->fb.phys);
	return st;
}

/* Interrupts off, then the kernel's entry (a physical address) with
 * RDI = bi. It does not come back. */
static void __attribute__((noreturn)) start_kernel(UINT64 entry, struct boot_info *bi)
{
	irq_disable();
	((void (*)(struct boot_info *))(UINTN)entry)(bi);
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

/* ExitBootServices() with the key of a map read just before (and built
 * into bi), tried again while the map changes in between
 * (EFI_INVALID_PARAMETER), then start_kernel. Returns only on failure. */
static EFI_STATUS exit_boot_services(EFI_HANDLE image, struct boot_info *bi, struct efi_map *m,
				     UINT64 entry)
{
	EFI_STATUS st = EFI_LOAD_ERROR;

	for (int tries = 0; tries < EXIT_TRIES; tries++) {
		st = get_memory_map(m);
		if (EFI_ERROR(st))
			break;
		memmap_build(bi, m->buf, m->size, m->desc_size, kranges, nkranges);
		st = uefi_call_wrapper(BS->ExitBootServices, 2, image, m->key);
		if (st == EFI_SUCCESS)
			start_kernel(entry, bi);        /* no boot services from here on */
		if (st != EFI_INVALID_PARAMETER)
			break;
	}
	return st;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_FILE_HANDLE root;
	struct boot_info *bi;
	struct efi_map map;
	EFI_STATUS st;

	InitializeLib(image, systab);
	uefi_call_wrapper(BS->SetWatchdogTimer, 4, 0, 0, 0, NULL);

	st = open_boot_volume(image, &root);
	if (EFI_ERROR(st))
		return st;
	st = alloc_boot_info(&bi);
	if (EFI_ERROR(st))
		return st;

	load_cmdline(root, bi);
	st = load_kernel(root, bi);
	if (EFI_ERROR(st))
		goto fail_bi;

	bi->rsdp_phys = find_rsdp();
	find_framebuffer(&bi->fb);

	if (!alloc_memory_map(&map, &st))
		goto fail_kernel;
	st = print_summary(bi, &map);
	if (EFI_ERROR(st)) {
		FreePool(map.buf);
		goto fail_kernel;
	}

	st = exit_boot_services(image, bi, &map, kimg.entry);
	/* Best effort: the firmware may have shut part of itself down. */
	Print(L"spindle: ExitBootServices failed (%r)\n", st);
	return EFI_ERROR(st) ? st : EFI_LOAD_ERROR;

fail_kernel:
	free_kernel_pages();
fail_bi:
	free_boot_info(bi);
	uefi_call_wrapper(BS->Stall, 1, 2000000); /* leave the line on screen a moment */
	return st;
}
