/*
 * fpu.h - the full FPU/SIMD state of a CPU, for code that stops other code
 * anywhere (goroutine preemption, kernel threads). fpstate_size is the
 * bytes of an area for this machine (CPUID leaf 0xD with the XCR0 in use,
 * or 512 for FXSAVE); areas are FPSTATE_ALIGN-aligned.
 */
#ifndef ARCH_X86_64_FPU_H
#define ARCH_X86_64_FPU_H

#include <stddef.h>

#define FPSTATE_ALIGN 64

size_t fpstate_size(void);
void fpstate_save(void *area);
void fpstate_restore(const void *area);

#endif
