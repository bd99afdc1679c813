/*
 * trap.c - the IDT and the C side of interrupt entry (contract in trap.h).
 * Built with -mgeneral-regs-only (see the Makefile): nothing here may touch
 * the interrupted code's SSE/AVX registers.
 */
#include <stdint.h>
#include "arch/x86_64/trap.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/lapic.h"
#include "kernel/panic.h"
#include "arch/x86_64/smp.h"

#define IDT_ENTRIES     256
#define IDT_TYPE_INTR   0xe   /* 64-bit interrupt gate: IF cleared on entry */
#define IDT_P           0x80

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
} __attribute__((packed));

extern const uint64_t trap_vectors[IDT_ENTRIES];
static struct idt_gate idt[IDT_ENTRIES] __attribute__((aligned(16)));
static irq_handler_t handlers[IDT_ENTRIES];

static const char *const exception_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved 15", "x87 floating point", "alignment check",
	"machine check", "SIMD floating point", "virtualization", "control protection",
	"reserved 22", "reserved 23", "reserved 24", "reserved 25", "reserved 26",
	"reserved 27", "hypervisor injection", "VMM communication", "security", "reserved 31",
};

static void set_gate(unsigned v, uint64_t addr, uint8_t ist)
{
	idt[v] = (struct idt_gate){
		.offset_lo = addr & 0xffff,
		.selector = GDT_KCODE,
		.ist = ist,
		.type_attr = IDT_P | IDT_TYPE_INTR,
		.offset_mid = (addr >> 16) & 0xffff,
		.offset_hi = addr >> 32,
	};
}

void idt_init(void)
{
	for (unsigned v = 0; v < IDT_ENTRIES; v++)
		set_gate(v, trap_vectors[v], v < 32 ? IST_EXC : IST_IRQ);
	set_gate(VEC_DF, trap_vectors[VEC_DF], IST_DF);
	set_gate(VEC_NMI, trap_vectors[VEC_NMI], IST_NMI);
	set_gate(VEC_MC, trap_vectors[VEC_MC], IST_MC);
}

void idt_load(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) idtr = {
		sizeof(idt) - 1, (uint64_t)idt
	};
	__asm__ volatile("lidt %0" :: "m"(idtr));
}

void irq_set_handler(unsigned vector, irq_handler_t h)
{
	handlers[vector] = h;
}

/* Set by panic and by smp_stop_others: an NMI then means "stop here". */
extern volatile int panic_in_progress, cpus_stopping;

void trap_dispatch(struct trap_frame *tf)
{
	unsigned v = (unsigned)tf->vector;
	if (v == VEC_NMI && (panic_in_progress || cpus_stopping)) {
		if (cpus_backtracing)
			smp_nmi_backtrace(tf);
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	if (handlers[v]) {
		handlers[v](tf);
		return;
	}
	if (v < 32)
		panic_trap(tf, exception_names[v]);
	if (v == VEC_SPURIOUS)
		return;
	/* An unexpected interrupt: acknowledge it so the LAPIC is not stuck. */
	lapic_eoi();
}
