/*
 * cpu.h - x86-64 instructions as inline functions, and the architectural
 * constants they use, named as in the Intel SDM. Callable from any CPU, in
 * any context; nothing here takes a lock.
 */
#ifndef ARCH_X86_64_CPU_H
#define ARCH_X86_64_CPU_H

#include <stdint.h>
#include <stdbool.h>

/* CR0 / CR4 bits (SDM Vol. 3A, 2.5) */
#define CR0_MP          (1ULL << 1)
#define CR0_EM          (1ULL << 2)
#define CR0_TS          (1ULL << 3)
#define CR0_NE          (1ULL << 5)
#define CR0_WP          (1ULL << 16)
#define CR4_PAE         (1ULL << 5)
#define CR4_PGE         (1ULL << 7)
#define CR4_OSFXSR      (1ULL << 9)
#define CR4_OSXMMEXCPT  (1ULL << 10)
#define CR4_FSGSBASE    (1ULL << 16)
#define CR4_OSXSAVE     (1ULL << 18)

/* RFLAGS */
#define RFLAGS_IF       (1ULL << 9)

/* MSRs (SDM Vol. 4) */
#define IA32_APIC_BASE       0x1b
#define IA32_TSC_DEADLINE    0x6e0
#define IA32_EFER            0xc0000080
#define IA32_FS_BASE         0xc0000100
#define IA32_GS_BASE         0xc0000101
#define IA32_KERNEL_GS_BASE  0xc0000102
#define IA32_EFER_LME        (1ULL << 8)
#define IA32_EFER_NXE        (1ULL << 11)

/* XCR0 state components (SDM Vol. 1, 13.1) */
#define XCR0_X87        (1ULL << 0)
#define XCR0_SSE        (1ULL << 1)
#define XCR0_AVX        (1ULL << 2)

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };
static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v) { __asm__ volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline void write_cr4(uint64_t v) { __asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }
static inline void xsetbv(uint32_t reg, uint64_t v)
{
	__asm__ volatile("xsetbv" :: "c"(reg), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* Under a hypervisor (CPUID's bit): true, and its vendor signature in sig
 * (12 printable characters, "unknown" if it has none) unless sig is NULL;
 * else false and "none". arch/x86_64/hypervisor.c. */
bool cpu_hypervisor_signature(char sig[13]);

/* RDRAND: true and a random word in *v, false when the CPU gave none. */
static inline bool cpu_rdrand64(uint64_t *v)
{
	unsigned char ok;
	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
	return ok;
}
/* Order earlier stores before later ones (and drain write-combining
 * buffers, e.g. to a framebuffer). */
static inline void store_fence(void) { __asm__ volatile("sfence" ::: "memory"); }

static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
#if SPINDLE_HOST
/* The host platform (arch/host): a Linux process has no interrupts and may
 * not execute cli, sti or hlt. A flag in the thread's struct cpu keeps the
 * same bookkeeping, so the runtime's assertions about it still hold. Not a
 * thread-local variable: a goroutine moves between threads at a switch,
 * and the compiler may keep a TLS address across the call. */
#include "arch/x86_64/percpu.h"
static inline void irq_disable(void) { this_cpu()->host_irq_on = false; }
static inline void irq_enable(void) { this_cpu()->host_irq_on = true; }
static inline bool irq_enabled(void) { return this_cpu()->host_irq_on; }
#else
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void cpu_halt(void) { __asm__ volatile("hlt" ::: "memory"); }
/* Enable interrupts and halt with no window for a wakeup to slip between. */
static inline void irq_enable_and_halt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }

static inline uint64_t read_rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f) :: "memory");
	return f;
}
static inline bool irq_enabled(void) { return read_rflags() & RFLAGS_IF; }
#endif
/* irq_save disables interrupts and returns whether they were on. */
static inline bool irq_save(void) { bool on = irq_enabled(); irq_disable(); return on; }
static inline void irq_restore(bool on) { if (on) irq_enable(); }

static inline void invlpg(uintptr_t va) { __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }

#endif
