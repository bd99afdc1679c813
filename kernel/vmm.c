/*
 * vmm.c - the kernel's page tables (layout in mm.h and docs/memory.md).
 *
 * vmm_init (boot CPU, once, after pmm_init) builds one set of tables shared
 * by every CPU: the direct map of [0, max(4 GiB, top of RAM)) with 2 MiB
 * pages, RW+NX; the kernel image with 4 KiB pages and W^X (text RX, rodata
 * R, data and bss RW, all but text NX); nothing at low addresses. On a CPU
 * without NX (or with it turned off in the firmware) there are no NX bits:
 * writable pages are executable too, and vmm_init says so in one line. After
 * vmm_init, vmm_map_page and friends may be called from any CPU under
 * vmm_lock. Mappings are only added while other CPUs may use them;
 * vmm_unmap_page flushes only this CPU's TLB (callers that unmap shared
 * ranges must shoot down other CPUs themselves).
 */
#include "kernel/mm.h"
#include "kernel/boot_info.h"
#include "kernel/spinlock.h"
#include "kernel/panic.h"
#include "kernel/kprintf.h"
#include "arch/x86_64/cpu.h"

#define PTE_P    (1ULL << 0)
#define PTE_W    (1ULL << 1)
#define PTE_PWT  (1ULL << 3)
#define PTE_PCD  (1ULL << 4)
#define PTE_PS   (1ULL << 7)
#define PTE_G    (1ULL << 8)
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL
#define LARGE_PAGE (2ULL << 20)
#define IA32_PAT 0x277
/* PAT: PA0 WB, PA1 WC, PA2 UC-, PA3 UC, PA4-7 the same (SDM Vol. 3A, 11.12). */
#define PAT_VALUE 0x0007010600070106ULL
#define PTE_CACHE_WC  PTE_PWT
#define PTE_CACHE_UC  (PTE_PWT | PTE_PCD)

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];

static uint64_t kernel_pml4_phys;
static uint64_t dmap_end;
/* PTE_NX where the CPU has NX (the entry code set EFER.NXE: arch/x86_64/nx.h),
 * else 0: without NX, a set bit 63 is reserved and every access faults. */
static uint64_t pte_nx;
static struct spinlock vmm_lock = SPINLOCK_INIT("vmm");

uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	return v - DMAP_BASE;
}

static uint64_t *table_alloc(void)
{
	uint64_t phys = pmm_alloc(1);
	if (!phys)
		return 0;
	uint64_t *t = phys_to_virt(phys);
	for (int i = 0; i < 512; i++)
		t[i] = 0;
	return t;
}

/* The entry for va at level (3 = PML4 ... 0 = PT), creating tables on the
 * way down; NULL when out of memory or a large page is in the way. */
static uint64_t *walk(uint64_t va, int level, bool create)
{
	uint64_t *t = phys_to_virt(kernel_pml4_phys);
	for (int l = 3; l > level; l--) {
		uint64_t *e = &t[(va >> (12 + 9 * l)) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return 0;
			uint64_t *n = table_alloc();
			if (!n)
				return 0;
			*e = virt_to_phys(n) | PTE_P | PTE_W;
		} else if (*e & PTE_PS) {
			return 0;
		}
		t = phys_to_virt(*e & PTE_ADDR);
	}
	return &t[(va >> (12 + 9 * level)) & 511];
}

static uint64_t pte_flags(unsigned flags)
{
	uint64_t f = PTE_P;
	if (flags & VMM_WRITE)
		f |= PTE_W;
	if (!(flags & VMM_EXEC))
		f |= pte_nx;
	return f;
}

static void map_kernel_range(char *start, char *end, unsigned flags)
{
	for (uint64_t va = (uint64_t)start; va < (uint64_t)end; va += PAGE_SIZE) {
		uint64_t *e = walk(va, 0, true);
		if (!e)
			panic("vmm: out of memory mapping the kernel");
		*e = (va - KERNEL_VMA) | pte_flags(flags) | PTE_G;
	}
}

void vmm_init_cpu(void)
{
	wrmsr(IA32_PAT, PAT_VALUE);
	write_cr4(read_cr4() | CR4_PGE);
	write_cr0(read_cr0() | CR0_WP);
	if (kernel_pml4_phys)
		write_cr3(kernel_pml4_phys);
}

void vmm_init(const struct boot_info *bi)
{
	pte_nx = rdmsr(IA32_EFER) & IA32_EFER_NXE ? PTE_NX : 0;
	if (!pte_nx)
		kprintf("vmm: this CPU has no NX (execute disable off in the firmware?): W^X is weaker, "
			"data and stacks are executable\n");
	uint64_t *pml4 = table_alloc();
	if (!pml4)
		panic("vmm: out of memory for the kernel page tables");
	kernel_pml4_phys = virt_to_phys(pml4);

	dmap_end = 4ULL << 30;
	for (unsigned i = 0; i < bi->mem_count; i++) {
		uint64_t end = bi->mem[i].base + bi->mem[i].length;
		if (bi->mem[i].type != MEM_RESERVED && end > dmap_end)
			dmap_end = end;
	}
	dmap_end = (dmap_end + LARGE_PAGE - 1) & ~(LARGE_PAGE - 1);
	for (uint64_t pa = 0; pa < dmap_end; pa += LARGE_PAGE) {
		uint64_t *e = walk(DMAP_BASE + pa, 1, true);
		if (!e)
			panic("vmm: out of memory building the direct map");
		*e = pa | PTE_P | PTE_W | PTE_PS | pte_nx | PTE_G;
	}
	/* Every kernel-half PML4 slot gets its PDPT now, so address spaces
	 * made later (vmm_new_address_space) share all kernel mappings, even
	 * those added after they were made. */
	for (int i = 256; i < 512; i++) {
		if (pml4[i] & PTE_P)
			continue;
		uint64_t *pdpt = table_alloc();
		if (!pdpt)
			panic("vmm: out of memory for the kernel half's PDPTs");
		pml4[i] = virt_to_phys(pdpt) | PTE_P | PTE_W;
	}
	map_kernel_range(__text_start, __text_end, VMM_EXEC);
	map_kernel_range(__rodata_start, __rodata_end, 0);
	map_kernel_range(__data_start, __data_end, VMM_WRITE);
	vmm_init_cpu();
	kprintf("vmm: direct map 0..%lu MiB, kernel text %lu KiB RX, rodata %lu KiB R, data+bss %lu KiB RW\n",
		(unsigned long)(dmap_end >> 20),
		(unsigned long)((__text_end - __text_start) >> 10),
		(unsigned long)((__rodata_end - __rodata_start) >> 10),
		(unsigned long)((__data_end - __data_start) >> 10));
}

uint64_t vmm_kernel_cr3(void)
{
	return kernel_pml4_phys;
}

uint64_t vmm_new_address_space(void)
{
	uint64_t *pml4 = table_alloc();
	if (!pml4)
		return 0;
	const uint64_t *kernel = phys_to_virt(kernel_pml4_phys);
	for (int i = 256; i < 512; i++)
		pml4[i] = kernel[i];
	return virt_to_phys(pml4);
}

void vmm_free_address_space(uint64_t cr3)
{
	/* Only the root is the process's own: its user half is empty. */
	if (cr3 && cr3 != kernel_pml4_phys)
		pmm_free(cr3, 1);
}

int vmm_map_page(uint64_t va, uint64_t phys, unsigned flags)
{
	bool on = spin_lock_irqsave(&vmm_lock);
	uint64_t *e = walk(va, 0, true);
	if (e)
		*e = phys | pte_flags(flags);
	spin_unlock_irqrestore(&vmm_lock, on);
	return e ? 0 : -1;
}

void vmm_unmap_page(uint64_t va)
{
	bool on = spin_lock_irqsave(&vmm_lock);
	uint64_t *e = walk(va, 0, false);
	if (e)
		*e = 0;
	invlpg(va);
	spin_unlock_irqrestore(&vmm_lock, on);
}

/* Split the 2 MiB direct-map page holding va into 512 4 KiB pages. */
static int split_large(uint64_t va)
{
	uint64_t *pde = walk(va & ~(LARGE_PAGE - 1), 1, false);
	if (!pde || !(*pde & PTE_PS))
		return 0;
	uint64_t *pt = table_alloc();
	if (!pt)
		return -1;
	uint64_t base = *pde & PTE_ADDR & ~(LARGE_PAGE - 1);
	uint64_t keep = *pde & (PTE_W | PTE_NX | PTE_G | PTE_PWT | PTE_PCD);
	for (int i = 0; i < 512; i++)
		pt[i] = (base + (uint64_t)i * PAGE_SIZE) | PTE_P | keep;
	*pde = virt_to_phys(pt) | PTE_P | PTE_W;
	invlpg(va);
	return 0;
}

void *vmm_map_mmio(uint64_t phys, size_t size, enum vmm_cache cache)
{
	uint64_t cbits = cache == VMM_CACHE_UC ? PTE_CACHE_UC : cache == VMM_CACHE_WC ? PTE_CACHE_WC : 0;
	uint64_t first = phys & ~(PAGE_SIZE - 1), end = (phys + size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
	bool on = spin_lock_irqsave(&vmm_lock);
	for (uint64_t pa = first; pa < end; pa += PAGE_SIZE) {
		uint64_t va = DMAP_BASE + pa;
		if (pa < dmap_end && split_large(va) < 0)
			panic("vmm: out of memory mapping MMIO at 0x%lx", (unsigned long)pa);
		uint64_t *e = walk(va, 0, true);
		if (!e)
			panic("vmm: cannot map MMIO at 0x%lx", (unsigned long)pa);
		*e = pa | PTE_P | PTE_W | pte_nx | cbits;
		invlpg(va);
	}
	spin_unlock_irqrestore(&vmm_lock, on);
	return phys_to_virt(phys);
}
