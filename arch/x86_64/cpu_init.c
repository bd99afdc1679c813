/*
 * cpu_init.c - make the running CPU a full kernel CPU: per-CPU area (GS
 * base), GDT and TSS, IDT, FPU/SSE/AVX state, PAT and paging flags.
 * cpu_init_this runs once on each CPU, on that CPU, interrupts off.
 */
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/fpu.h"

#define CPUID_1_ECX_XSAVE (1u << 26)
#define CPUID_1_ECX_AVX   (1u << 28)

struct cpu cpus[MAX_CPUS];
volatile unsigned ncpus_online;
unsigned ncpus = 1;
bool percpu_ready;      /* this_cpu() is usable (GS base set on CPU 0) */
uint64_t xcr0_features; /* what XSAVE saves; 0 if XSAVE is not in use */

void vmm_init_cpu(void);

static void fpu_init(void)
{
	uint64_t cr0 = read_cr0();
	cr0 &= ~(CR0_EM | CR0_TS);
	cr0 |= CR0_MP | CR0_NE;
	write_cr0(cr0);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	struct cpuid_regs r = cpuid(1, 0);
	if (r.ecx & CPUID_1_ECX_XSAVE) {
		write_cr4(read_cr4() | CR4_OSXSAVE);
		uint64_t x = XCR0_X87 | XCR0_SSE;
		if (r.ecx & CPUID_1_ECX_AVX)
			x |= XCR0_AVX;
		xsetbv(0, x);
		xcr0_features = x;
	}
	__asm__ volatile("fninit");
}

void cpu_init_this(struct cpu *c)
{
	c->self = c;
	c->stack_limit = 0;
	wrmsr(IA32_GS_BASE, (uint64_t)c);
	wrmsr(IA32_FS_BASE, (uint64_t)c); /* %fs:0x70 = stack_limit, see percpu.h */
	wrmsr(IA32_KERNEL_GS_BASE, 0);
	if (c->id == 0)
		percpu_ready = true;
	gdt_init_cpu(c);
	idt_load();
	fpu_init();
	vmm_init_cpu();
}

#define CPUID_XSAVE_LEAF 0xd
#define FXSAVE_AREA_SIZE 512

size_t fpstate_size(void)
{
	if (!xcr0_features)
		return FXSAVE_AREA_SIZE;
	return cpuid(CPUID_XSAVE_LEAF, 0).ebx; /* size for the XCR0 now in force */
}
