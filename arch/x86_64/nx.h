/*
 * nx.h - for assembly: does this CPU have execute-disable (NX/XD)?
 *
 * CPUID 0x80000001 EDX bit 20 (SDM Vol. 2A, CPUID; AMD APM Vol. 3). A PC's
 * firmware can turn it off ("XD disable"), and setting IA32_EFER.NXE then
 * faults (#GP), which this early means a triple fault and a reset. So the
 * entry code (boot/entry.S) and the AP trampoline (trampoline.S) set NXE only
 * when NX_PROBE says so, and kernel/vmm.c sets NX bits only when NXE is on.
 *
 * NX_PROBE reg: reg (a 32-bit register) = EFER_NXE if the CPU has NX, else 0.
 * Clobbers %eax, %ebx, %ecx, %edx and the flags. 32- or 64-bit code.
 */
#ifndef ARCH_X86_64_NX_H
#define ARCH_X86_64_NX_H

#define CPUID_EXT_MAX       0x80000000
#define CPUID_EXT_FEATURES  0x80000001
#define CPUID_EXT_EDX_NX    (1 << 20)
#define EFER_NXE_BIT        0x800

#ifdef __ASSEMBLY__
.macro NX_PROBE reg
	movl $CPUID_EXT_MAX, %eax
	cpuid
	xorl \reg, \reg
	cmpl $CPUID_EXT_FEATURES, %eax
	jb 1f
	movl $CPUID_EXT_FEATURES, %eax
	cpuid
	testl $CPUID_EXT_EDX_NX, %edx
	jz 1f
	movl $EFER_NXE_BIT, \reg
1:
.endm
#endif

#endif
