/*
 * entry.S - the kernel's two ways in, and the step into the top 2 GiB.
 *
 *  pvh_entry32   QEMU -kernel (PVH, Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY):
 *                32-bit protected mode, paging off, %ebx = struct
 *                hvm_start_info (physical).
 *  efi_entry64   The UEFI loader (boot/efi/): the ELF entry point. Long mode,
 *                firmware's identity-mapped page tables, interrupts off,
 *                %rdi = struct boot_info (physical, below 4 GiB).
 *
 * Both load boot_pml4, static page tables that map the first 4 GiB twice:
 * identity (so this code keeps running) and at DMAP_BASE, plus the first
 * 1 GiB at KERNEL_VMA where the rest of the kernel is linked. Then both jump
 * to start64_high, which zeroes .bss, switches to the boot stack and calls
 * boot_main(info, path). The real page tables (W^X, all RAM) are built in C.
 * This code runs at its physical address: it lives in .boot, linked 1:1.
 */
#include "boot/entry.h"
#include "arch/x86_64/nx.h"
#include "boot/elf_check.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PTE_P   0x1
#define PTE_W   0x2
#define PTE_PS  0x80
#define CR0_PE  0x1
#define CR0_PG  0x80000000
#define CR4_PAE 0x20
#define CR0_MP  0x2
#define CR0_EM  0x4
#define CR0_TS  0x8
#define CR0_NE  0x20
#define CR4_OSFXSR 0x200
#define CR4_OSXMMEXCPT 0x400
#define EFER_MSR 0xc0000080
#define EFER_LME 0x100

	.section .note.Xen, "a"
	.balign 4
	.long 4                       /* namesz: "Xen\0" */
	.long 4                       /* descsz */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long pvh_entry32

	/* What makes this file a Spindle kernel for the UEFI loader (it refuses
	 * any other executable): boot/elf_check.h. Same PT_NOTE segment. */
	.balign 4
	.long 8                       /* namesz: "Spindle" and its NUL */
	.long 4                       /* descsz */
	.long SPINDLE_NOTE_KERNEL
	.asciz SPINDLE_NOTE_NAME
	.long SPINDLE_BOOT_ABI

	.section .boot.text, "ax"
	.code32
	.globl pvh_entry32
pvh_entry32:
	cli
	cld
	movl %ebx, %esi               /* keep start_info */
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl %cr4, %eax
	orl  $CR4_PAE, %eax
	movl %eax, %cr4
	NX_PROBE %edi                 /* %edi = EFER_NXE, or 0 without NX */
	movl $EFER_MSR, %ecx
	rdmsr
	orl  $EFER_LME, %eax
	orl  %edi, %eax
	wrmsr
	movl %cr0, %eax
	orl  $(CR0_PG | CR0_PE), %eax
	movl %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $BOOT_CS64, $pvh_long_mode

	.code64
pvh_long_mode:
	movl %esi, %edi               /* arg 0: start_info, zero-extended */
	movl $BOOT_PATH_PVH_ASM, %esi /* arg 1: path */
	jmp  common64

	.globl efi_entry64
efi_entry64:
	cli
	cld
	movl $BOOT_PATH_UEFI_ASM, %esi
	/* EFER.NXE: our tables carry NX bits when the CPU has NX (kernel/vmm.c);
	 * UEFI may have left it off. */
	movq %rdi, %r12
	NX_PROBE %r13d
	movl $EFER_MSR, %ecx
	rdmsr
	orl  %r13d, %eax
	wrmsr
	movq %r12, %rdi
	movq $boot_pml4, %rax
	movq %rax, %cr3
	lgdt boot_gdt_ptr
	/* Reload CS with a far return, the data segments directly. */
	pushq $BOOT_CS64
	leaq  common64(%rip), %rax
	pushq %rax
	lretq

common64:
	movl $BOOT_DS, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	xorl %eax, %eax
	movl %eax, %fs
	movl %eax, %gs
	movabsq $start64_high, %rax
	jmp  *%rax

	.section .boot.data, "aw"
	.balign 4096
	/* PML4: [0] identity, [256] DMAP_BASE, [511] KERNEL_VMA. */
	.globl boot_pml4
boot_pml4:
	.quad boot_pdpt_low + (PTE_P | PTE_W)
	.fill 255, 8, 0
	.quad boot_pdpt_low + (PTE_P | PTE_W)
	.fill 254, 8, 0
	.quad boot_pdpt_high + (PTE_P | PTE_W)
boot_pdpt_low:                        /* 4 x 1 GiB: the first 4 GiB */
	.quad boot_pd + (PTE_P | PTE_W)
	.quad boot_pd + 4096 + (PTE_P | PTE_W)
	.quad boot_pd + 8192 + (PTE_P | PTE_W)
	.quad boot_pd + 12288 + (PTE_P | PTE_W)
	.fill 508, 8, 0
boot_pdpt_high:                       /* [510] = -2 GiB: the first 1 GiB */
	.fill 510, 8, 0
	.quad boot_pd + (PTE_P | PTE_W)
	.quad 0
boot_pd:                              /* 2048 x 2 MiB pages: 0 .. 4 GiB */
	.set addr, 0
	.rept 2048
	.quad addr + (PTE_P | PTE_W | PTE_PS)
	.set addr, addr + 0x200000
	.endr

	.balign 16
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff      /* BOOT_CS64: 64-bit code, DPL 0 */
	.quad 0x00cf92000000ffff      /* BOOT_DS: data, DPL 0 */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.quad boot_gdt

	/* High half from here on. */
	.text
start64_high:
	/* Zero .bss; the info pointer (%rdi) and path (%esi) are not in it. */
	movq %rdi, %r12
	movl %esi, %r13d
	movabsq $__bss_start, %rdi
	movabsq $__bss_end, %rcx
	subq %rdi, %rcx
	xorl %eax, %eax
	rep stosb
	/* FS base = the boot CPU's struct cpu before any C runs: %fs:0x70 is
	 * the split-stack limit (0 = none), see arch/x86_64/percpu.h. */
	movl $0xc0000100, %ecx        /* IA32_FS_BASE */
	movabsq $cpus, %rax
	movq %rax, %rdx
	shrq $32, %rdx
	wrmsr
	movabsq $boot_stack_top, %rsp
	xorl %ebp, %ebp               /* ends backtraces */
	/* SSE on before any C: the compiler may use XMM registers anywhere.
	 * CR0: MP on, EM off, TS off; CR4: OSFXSR, OSXMMEXCPT. */
	movq %cr0, %rax
	andq $~(CR0_EM | CR0_TS), %rax
	orq  $(CR0_MP | CR0_NE), %rax
	movq %rax, %cr0
	movq %cr4, %rax
	orq  $(CR4_OSFXSR | CR4_OSXMMEXCPT), %rax
	movq %rax, %cr4
	fninit
	movq %r12, %rdi
	movl %r13d, %esi
	call boot_main
1:	cli
	hlt
	jmp 1b

	.bss
	.balign 16
	.globl boot_stack, boot_stack_top
boot_stack:
	.skip BOOT_STACK_SIZE
boot_stack_top:
