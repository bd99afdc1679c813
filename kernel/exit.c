/*
 * exit.c - ending a boot (contract in kernel.h). Any CPU, any context.
 */
#include "kernel/kernel.h"
#include "kernel/acpi.h"
#include "kernel/cmdline.h"
#include "kernel/fbcon.h"
#include "kernel/kprintf.h"
#include "kernel/trace.h"
#include "kernel/lab.h"
#include "arch/x86_64/debugcon.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp.h"

bool running_under_hypervisor(void)
{
	return cpu_hypervisor_signature(NULL);
}

_Noreturn void cpu_halt_forever(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

_Noreturn void kernel_exit(int status)
{
	const char *po = cmdline_str("poweroff");
	bool power_off = po ? (po[0] == 'y') : running_under_hypervisor();
	kprintf("spindle: exit status %d, %s\n", status,
		power_off ? "powering off" : "halting (poweroff=no)");
	smp_stop_others();
	lab_soft_flush();   /* a student tree's soft stubs' notes */
	trace_dump();   /* the event trace, if trace= is on: to COM2 */
	/* The screen as a person sees it now, for make screenshot and tests. */
	const char *dump = cmdline_str("fbdump");
	if (dump && dump[0] == 'y')
		fbcon_dump_text(debugcon_write);
	if (running_under_hypervisor())
		qemu_exit_device(status == 0);
	if (power_off)
		acpi_power_off();
	cpu_halt_forever();
}
