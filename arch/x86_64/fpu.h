/*
 * fpu.h - the full FPU/SIMD state of a CPU, for code that stops other code
 * anywhere (goroutine preemption, kernel threads). fpstate_size is the
 * bytes of an area for this machine (CPUID leaf 0xD with the XCR0 in use,
 * or 512 for FXSAVE); areas are FPSTATE_ALIGN-aligned.
 */
#ifndef ARCH_X86_64_FPU_H
#define ARCH_X86_64_FPU_H

#include <stddef.h>
#include <stdint.h>

#define FPSTATE_ALIGN 64
/* The legacy region's defaults (SDM vol. 1, 10.5.1 FXSAVE area): FNINIT's
 * x87 control word (all exceptions masked, 64-bit precision, round to
 * nearest) and MXCSR's power-up value (all SIMD exceptions masked). */
#define X87_FCW_DEFAULT       0x037f
#define MXCSR_DEFAULT         0x1f80
#define FXSAVE_FCW_OFFSET     0
#define FXSAVE_MXCSR_OFFSET   24

size_t fpstate_size(void);
void fpstate_save(void *area);
void fpstate_restore(const void *area);

/* A zeroed area becomes a clean state: what a new thread starts with. */
static inline void fpstate_set_defaults(void *area)
{
	*(uint16_t *)((uint8_t *)area + FXSAVE_FCW_OFFSET) = X87_FCW_DEFAULT;
	*(uint32_t *)((uint8_t *)area + FXSAVE_MXCSR_OFFSET) = MXCSR_DEFAULT;
}

#endif
