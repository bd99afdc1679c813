/*
 * panic.c - stop everything and say why (contract in panic.h).
 *
 * The first CPU to panic wins; any other CPU that panics meanwhile halts.
 * Output goes to every console with the console lock bypassed (another CPU
 * may hold it forever), other CPUs are stopped by NMI, and the boot ends
 * through kernel_exit(1).
 */
#include <stdarg.h>
#include "kernel/panic.h"
#include "kernel/console.h"
#include "kernel/kernel.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/trap.h"

#define BACKTRACE_MAX 32

volatile int panic_in_progress;
extern bool percpu_ready;
extern const uint64_t ksyms_count, ksyms_addr[];
extern const char *const ksyms_name[];
extern char __text_start[], __text_end[];
/* sched/: print every goroutine if a runtime is running (weak: optional). */
void go_dump_on_panic(void) __attribute__((weak));

const char *ksym_lookup(uint64_t addr, uint64_t *off)
{
	uint64_t lo = 0, hi = ksyms_count;
	if (!hi || addr < ksyms_addr[0] || addr >= (uint64_t)__text_end)
		return 0;
	while (hi - lo > 1) { /* last symbol at or below addr */
		uint64_t mid = (lo + hi) / 2;
		if (ksyms_addr[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	*off = addr - ksyms_addr[lo];
	return ksyms_name[lo];
}

static void print_addr(uint64_t a)
{
	uint64_t off;
	const char *name = ksym_lookup(a, &off);
	if (name)
		kprintf("  [<%016lx>] %s+0x%lx\n", (unsigned long)a, name, (unsigned long)off);
	else
		kprintf("  [<%016lx>] ?\n", (unsigned long)a);
}

/* A frame pointer is followed only while it points into kernel memory. */
static bool frame_ok(uint64_t rbp)
{
	return rbp && !(rbp & 7) && rbp >= DMAP_BASE && rbp < 0xfffffffffffff000ULL;
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	kprintf("backtrace:\n");
	print_addr(rip);
	for (int depth = 0; depth < BACKTRACE_MAX && frame_ok(rbp); depth++) {
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (ret < (uint64_t)__text_start || ret >= (uint64_t)__text_end)
			break;
		print_addr(ret - 1); /* inside the call instruction */
		if (frame[0] <= rbp)
			break;     /* frames go up the stack; anything else is junk */
		rbp = frame[0];
	}
}

static unsigned who(void)
{
	return percpu_ready ? cpu_id() : 0;
}

/* Become the one panicking CPU, or halt. */
static void panic_enter(void)
{
	irq_disable();
	if (__atomic_exchange_n(&panic_in_progress, 1, __ATOMIC_ACQ_REL))
		cpu_halt_forever();
	console_panic_mode();
	smp_stop_others();
}

_Noreturn void panic(const char *fmt, ...)
{
	panic_enter();
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	kvsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	kprintf("\nPANIC on M%u: %s\n", who(), msg);
	backtrace_here();
	if (go_dump_on_panic)
		go_dump_on_panic();
	kernel_exit(1);
}

_Noreturn void panic_trap(struct trap_frame *tf, const char *what)
{
	panic_enter();
	kprintf("\nPANIC on M%u: %s (vector %lu, error code 0x%lx) at rip %016lx\n", who(), what,
		(unsigned long)tf->vector, (unsigned long)tf->error, (unsigned long)tf->rip);
	kprintf("  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
	kprintf("  rsi %016lx rdi %016lx rbp %016lx rsp %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->rsp);
	kprintf("  r8  %016lx r9  %016lx r10 %016lx r11 %016lx\n", tf->r8, tf->r9, tf->r10, tf->r11);
	kprintf("  r12 %016lx r13 %016lx r14 %016lx r15 %016lx\n", tf->r12, tf->r13, tf->r14, tf->r15);
	kprintf("  rflags %016lx cs %04lx ss %04lx cr2 %016lx cr3 %016lx\n", tf->rflags, tf->cs,
		tf->ss, read_cr2(), read_cr3());
	backtrace_print(tf->rip, tf->rbp);
	if (go_dump_on_panic)
		go_dump_on_panic();
	kernel_exit(1);
}
