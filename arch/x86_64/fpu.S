/*
 * fpu.S - save and restore the whole FPU/SSE/AVX state (SDM Vol. 1, 13).
 * With XSAVE enabled (xcr0_features != 0, arch/x86_64/cpu_init.c) the area
 * holds every component in XCR0 and must be 64-byte aligned; without, it
 * is the 512-byte FXSAVE area, 16-byte aligned. Any CPU; the caller owns
 * the area. These touch no other register than they must (rax, rdx).
 */
	.text
	.globl fpstate_save, fpstate_restore
fpstate_save:                 /* void fpstate_save(void *area) */
	cmpq $0, xcr0_features(%rip)
	je 1f
	movl $-1, %eax
	movl $-1, %edx
	xsave64 (%rdi)
	ret
1:	fxsave64 (%rdi)
	ret

fpstate_restore:              /* void fpstate_restore(const void *area) */
	cmpq $0, xcr0_features(%rip)
	je 1f
	movl $-1, %eax
	movl $-1, %edx
	xrstor64 (%rdi)
	ret
1:	fxrstor64 (%rdi)
	ret
