/*
 * main.c - the boot CPU's path from the entry to every core online as an M.
 *
 * boot_main runs once on the boot CPU with interrupts off; the order below
 * is the order of dependencies: a console before anything can be said, the
 * per-CPU area before locks, the page allocator before page tables, page
 * tables before MMIO, ACPI before timers, timers before SMP (INIT-SIPI
 * needs delays). Application processors join at kernel_cpu_online.
 */
#include <string.h>
#include "boot/entry.h"
#include "boot/pvh_info.h"
#include "kernel/acpi.h"
#include "kernel/boot_info.h"
#include "kernel/cmdline.h"
#include "kernel/fbcon.h"
#include "kernel/kernel.h"
#include "kernel/kprintf.h"
#include "kernel/ktest.h"
#include "kernel/trace.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/trap.h"
#include "libc/libc.h"

void pmm_init(const struct boot_info *bi);
void vmm_init(const struct boot_info *bi);
void showcase_run(void) __attribute__((weak));
int bench_run(const char *which) __attribute__((weak)); /* bench/: 0, or -1 for a bad selection */

struct boot_info boot_info;
unsigned timer_hz;

static void cmdline_report(const char *msg)
{
	kprintf("%s\n", msg);
}

void tick_irq(struct trap_frame *tf);  /* kernel/tick.c: the timer's dispatcher */
void wake_irq(struct trap_frame *tf);  /* kernel/tick.c */

static void load_boot_info(uint64_t info_phys, uint32_t path)
{
	if (path == BOOT_PATH_PVH) {
		if (pvh_to_boot_info(info_phys, &boot_info) < 0)
			panic("boot: unusable PVH start_info");
		return;
	}
	const struct boot_info *bi = phys_to_virt(info_phys);
	if (bi->magic != BOOT_INFO_MAGIC)
		panic("boot: boot_info at 0x%lx has a bad magic; was the loader built from this tree?",
		      (unsigned long)info_phys);
	memcpy(&boot_info, bi, sizeof boot_info);
	boot_info.cmdline[BOOT_CMDLINE_MAX - 1] = 0;
	if (boot_info.mem_count > BOOT_MEM_MAX)
		boot_info.mem_count = BOOT_MEM_MAX;
}

static void consoles_init(void)
{
	const char *c = cmdline_str("console");
	if (c && !strcmp(c, "serial"))
		return;
	if (!boot_info.fb.phys) {
		kprintf("console: no framebuffer (%s boot), serial only\n",
			boot_info.boot_path == BOOT_PATH_PVH ? "PVH" : "no GOP");
		return;
	}
	fbcon_init(&boot_info.fb);
	kprintf("console: framebuffer %ux%u at 0x%lx\n", boot_info.fb.width, boot_info.fb.height,
		(unsigned long)boot_info.fb.phys);
}

static void print_online(struct cpu *c)
{
	kprintf("M%u online: apic %u\n", c->id, c->apic_id);
}

void boot_main(uint64_t info_phys, uint32_t path)
{
	tsc_at_boot = rdtsc();
	serial_init();
	idt_init();
	cpus[0].id = 0;
	cpu_init_this(&cpus[0]);
	load_boot_info(info_phys, path);
	kprintf("\nSpindle: booted by %s, command line \"%s\"\n",
		path == BOOT_PATH_PVH ? "PVH" : "UEFI", boot_info.cmdline);
	cmdline_parse(boot_info.cmdline, cmdline_report);
	pmm_init(&boot_info);
	vmm_init(&boot_info);
	libc_init_cpu();
	if (cmdline_str("console") && !strcmp(cmdline_str("console"), "fb"))
		kprintf("console: console=fb: serial stays on for logs\n");
	consoles_init();
	if (acpi_init(boot_info.rsdp_phys) < 0)
		kprintf("acpi: no usable tables; one CPU, no power-off\n");
	time_init();
	pic_disable();
	lapic_init_cpu();
	cpus[0].apic_id = lapic_id();
	lapic_timer_calibrate();
	timer_hz = (unsigned)cmdline_num("hz");
	irq_set_handler(VEC_TIMER, tick_irq);
	irq_set_handler(VEC_IPI_WAKE, wake_irq);
	smp_init_ipis();
	cpus[0].kstack_top = (uint64_t)boot_stack_top;
	cpus[0].online = true;
	ncpus_online = 1;
	print_online(&cpus[0]);
	irq_enable();
	lapic_timer_start(timer_hz);
	smp_boot(&boot_info);
	trace_init();      /* trace=: a ring per CPU, from here on */
	kthreads_start();  /* from here on this is thread "kmain" */
	uint64_t ns = time_ns();
	kprintf("smp: %u of %u Ms online, %lu.%03lu ms from kernel entry\n", ncpus_online, ncpus,
		(unsigned long)(ns / 1000000), (unsigned long)(ns / 1000 % 1000));
	const char *test = cmdline_str("test");
	if (test)
		ktest_run(test);
	const char *bench = cmdline_str("bench");
	if (bench && bench_run)
		kernel_exit(bench_run(bench) < 0 ? 1 : 0);
	if (showcase_run)
		showcase_run();
	kernel_exit(0);
}

_Noreturn void kernel_cpu_online(struct cpu *c)
{
	libc_init_cpu();
	lapic_timer_start(timer_hz);
	__atomic_fetch_add(&ncpus_online, 1, __ATOMIC_SEQ_CST);
	print_online(c);
	c->online = true;
	kernel_idle();
}

_Noreturn void kernel_idle(void)
{
	struct cpu *c = this_cpu();
	for (;;) {
		irq_disable();
		if (smp_run_pending_call(c))
			continue;
		if (!kthread_idle_switch())  /* this loop is the CPU's idle thread */
			irq_enable_and_halt();
	}
}
