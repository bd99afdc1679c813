/*
 * gdt.c - per-CPU GDT and TSS (contract in gdt.h).
 * Descriptor formats: SDM Vol. 3A, 3.4.5 (segment) and 8.2.3 (64-bit TSS).
 */
#include <stdint.h>
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "kernel/mm.h"
#include "kernel/panic.h"

struct tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];   /* ist[0] is IST1 */
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

#define GDT_ENTRIES 5
struct cpu_arch {
	uint64_t gdt[GDT_ENTRIES] __attribute__((aligned(16)));
	struct tss64 tss __attribute__((aligned(16)));
};

/* Segment descriptor bits */
#define SEG_ACCESSED  (1ULL << 40)
#define SEG_RW        (1ULL << 41)
#define SEG_CODE      (1ULL << 43)
#define SEG_S         (1ULL << 44)  /* code/data, not system */
#define SEG_P         (1ULL << 47)
#define SEG_L         (1ULL << 53)  /* 64-bit code */
#define SEG_TSS_AVAIL 0x9ULL        /* system type: 64-bit TSS (available) */

static struct cpu_arch boot_cpu_arch;
static uint8_t boot_ist[IST_COUNT][IST_STACK_SIZE] __attribute__((aligned(16)));

static uint64_t ist_stack_top(struct cpu *c, int which)
{
	if (c->id == 0)
		return (uint64_t)&boot_ist[which][IST_STACK_SIZE];
	uint64_t phys = pmm_alloc(IST_STACK_SIZE / PAGE_SIZE);
	if (!phys)
		panic("gdt: out of memory for IST stacks of cpu %u", c->id);
	return (uint64_t)phys_to_virt(phys) + IST_STACK_SIZE;
}

void gdt_init_cpu(struct cpu *c)
{
	struct cpu_arch *a = &boot_cpu_arch;
	if (c->id != 0) {
		uint64_t phys = pmm_alloc(1);
		if (!phys)
			panic("gdt: out of memory for cpu %u", c->id);
		a = phys_to_virt(phys);
	}
	c->arch = a;
	*a = (struct cpu_arch){0};
	a->gdt[0] = 0;
	a->gdt[GDT_KCODE / 8] = SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_ACCESSED | SEG_L;
	a->gdt[GDT_KDATA / 8] = SEG_P | SEG_S | SEG_RW | SEG_ACCESSED;

	for (int i = 0; i < IST_COUNT; i++)
		a->tss.ist[i] = ist_stack_top(c, i);
	a->tss.iomap_base = sizeof(struct tss64); /* no I/O bitmap */

	uint64_t base = (uint64_t)&a->tss, limit = sizeof(struct tss64) - 1;
	a->gdt[GDT_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		(SEG_TSS_AVAIL << 40) | SEG_P | (((limit >> 16) & 0xf) << 48) |
		(((base >> 24) & 0xff) << 56);
	a->gdt[GDT_TSS / 8 + 1] = base >> 32;

	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) gdtr = {
		sizeof(a->gdt) - 1, (uint64_t)a->gdt
	};
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movl %2, %%eax\n\t"
		"movl %%eax, %%ds\n\t"
		"movl %%eax, %%es\n\t"
		"movl %%eax, %%ss\n\t"
		"ltr %w3\n\t"
		:: "m"(gdtr), "i"(GDT_KCODE), "i"(GDT_KDATA), "r"((uint16_t)GDT_TSS)
		: "rax", "memory");
}
