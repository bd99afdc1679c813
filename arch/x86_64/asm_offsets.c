/*
 * asm_offsets.c - the struct offsets assembly code uses, generated from the
 * structs themselves (as Linux's asm-offsets and Go's go_asm.h are), never
 * typed by hand. Makefile compiles this file to assembly only and turns each
 * OFFSET line into "#define NAME value" in $(BUILD)/k/asm_offsets.h, which
 * the .S files include as "asm_offsets.h". Not linked into the kernel.
 */
#include <stddef.h>
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/trap.h"
#include "sched/sched.h"

#define OFFSET(name, type, member) \
	__asm__ volatile(".ascii \"\\n@@ " #name " %c0\\n\"" :: "i"(offsetof(type, member)))

void asm_offsets(void);
void asm_offsets(void)
{
	/* struct cpu, at %gs:0 (and %fs:0) on every CPU */
	OFFSET(CPU_SCHED, struct cpu, sched);
	OFFSET(CPU_STACK_LIMIT, struct cpu, stack_limit);  /* gcc's -fsplit-stack: 0x70 */
	OFFSET(CPU_G0_SP, struct cpu, g0_sp);
	OFFSET(CPU_PLAT_CTX, struct cpu, plat_ctx);   /* the host platform's (arch/host) */
	/* the goroutine runtime */
	OFFSET(M_CURG, struct m, curg);
	OFFSET(G_SP, struct g, sp);
	/* the trap frame */
	OFFSET(TF_RIP, struct trap_frame, rip);
}
