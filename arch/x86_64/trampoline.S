/*
 * trampoline.S - where an application processor starts (SDM Vol. 3A, 9.4).
 *
 * smp.c copies tramp_start..tramp_end to a free page below 1 MiB and fills
 * the fields at the end (GDT pointer, far pointers, CR3, stack, per-CPU
 * pointer, C entry). A STARTUP IPI with that page number starts the AP in
 * real mode at CS = page << 8, IP = 0. It goes 16 -> 32 -> 64 bit with the
 * kernel's page tables (which map this page 1:1 while APs start) and jumps
 * to the C entry with %rdi = its struct cpu. APs start one at a time, so the
 * fields are never shared by two running APs.
 */
#include "arch/x86_64/nx.h"

#define CR0_PE     0x1
#define CR0_MP     0x2
#define CR0_NE     0x20
#define CR0_WP     0x10000
#define CR0_PG     0x80000000
#define CR4_PAE    0x20
#define CR4_PGE    0x80
#define CR4_OSFXSR 0x200
#define CR4_OSXMMEXCPT 0x400
#define EFER_MSR   0xc0000080
#define EFER_LME   0x100
#define TR_CS64    0x08
#define TR_DS      0x10
#define TR_CS32    0x18
#define OFF(x)     ((x) - tramp_start)

	.section .rodata
	.balign 16
	.globl tramp_start, tramp_end
	.globl tramp_gdt, tramp32, tramp64, tramp_gdtr, tramp_far32, tramp_far64, tramp_cr3, tramp_stack, tramp_cpu, tramp_entry
	.code16
tramp_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	xorl %ebx, %ebx
	movw %ax, %bx
	shll $4, %ebx                 /* %ebx = linear base of this page */
	lgdtl OFF(tramp_gdtr)
	movl %cr0, %eax
	orl  $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *OFF(tramp_far32)

	.code32
tramp32:
	movw $TR_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl %cr4, %eax
	orl  $(CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT), %eax
	movl %eax, %cr4
	movl OFF(tramp_cr3)(%ebx), %eax
	movl %eax, %cr3
	movl %ebx, %ebp               /* NX_PROBE clobbers %ebx, our base */
	NX_PROBE %edi
	movl %ebp, %ebx
	movl $EFER_MSR, %ecx
	rdmsr
	orl  $EFER_LME, %eax
	orl  %edi, %eax
	wrmsr
	movl %cr0, %eax
	andl $~0xc, %eax              /* EM and TS off */
	orl  $(CR0_PG | CR0_PE | CR0_WP | CR0_MP | CR0_NE), %eax
	movl %eax, %cr0
	ljmpl *OFF(tramp_far64)(%ebx)

	.code64
tramp64:
	movw $TR_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movq OFF(tramp_stack)(%rbx), %rsp
	movq OFF(tramp_cpu)(%rbx), %rdi
	movq OFF(tramp_entry)(%rbx), %rax
	xorl %ebp, %ebp
	fninit
	pushq $0                      /* fake return address: ABI alignment, ends backtraces */
	jmp *%rax

	.balign 16
tramp_gdt:
	.quad 0
	.quad 0x00af9a000000ffff      /* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff      /* 0x10: flat data */
	.quad 0x00cf9a000000ffff      /* 0x18: 32-bit code */
tramp_gdt_end:
	.balign 8
tramp_gdtr:                           /* limit, linear base (filled in) */
	.word tramp_gdt_end - tramp_gdt - 1
	.long 0
	.balign 8
tramp_far32:  .long 0                 /* linear address of tramp32 */
	.word TR_CS32
	.balign 8
tramp_far64:  .long 0                 /* linear address of tramp64 */
	.word TR_CS64
	.balign 8
tramp_cr3:    .quad 0
tramp_stack:  .quad 0
tramp_cpu:    .quad 0
tramp_entry:  .quad 0
tramp_end:
