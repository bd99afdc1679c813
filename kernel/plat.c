/*
 * plat.c - the kernel's implementation of the goroutine runtime's platform
 * interface (sched/plat.h, where every hook's contract is written): CPUs,
 * time, pages, the FPU area size, and kernel threads and semaphores for the
 * runtime's Ms. Each hook is a thin door onto a kernel service; the
 * declarations in sched/plat.h and the kernel's own headers are both seen
 * here, so the compiler checks that they agree.
 */
#include <stdlib.h>
#include "sched/plat.h"
#include "kernel/cmdline.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/thread.h"
#include "kernel/time.h"
#include "arch/x86_64/fpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/switch_frame.h"
#include "arch/x86_64/trap.h"

_Static_assert(PLAT_PAGE_SIZE == PAGE_SIZE, "plat.h's page size is the kernel's");
_Static_assert(PLAT_FPSTATE_ALIGN == FPSTATE_ALIGN, "plat.h's XSAVE alignment is the kernel's");

unsigned plat_ncpus(void)
{
	return ncpus_online;
}

void plat_cpu_wake(unsigned cpu)
{
	lapic_send_ipi(cpus[cpu].apic_id, VEC_IPI_WAKE);
}

uint64_t plat_nanotime(void)
{
	return time_ns();
}

uint64_t plat_cycles_per_sec(void)
{
	return tsc_hz;
}

void *plat_pages_alloc(size_t npages)
{
	uint64_t phys = pmm_alloc(npages);
	return phys ? phys_to_virt(phys) : NULL;
}

size_t plat_fpstate_size(void)
{
	return fpstate_size();
}

void plat_irq_end(void)
{
	lapic_eoi();
}

/* A plat_thread is a kernel thread's TCB; a plat_sem a kernel semaphore. */
struct plat_thread *plat_thread_create(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct tcb *t = kthread_create(pcb_kernel(), "M", fn, arg, KTHREAD_PRIO_DEFAULT, (int)cpu);
	return (struct plat_thread *)t;
}

void plat_thread_exit(void)
{
	kthread_exit(0);
}

void plat_thread_join(struct plat_thread *t)
{
	kthread_join((struct tcb *)t);
}

void plat_thread_yield(void)
{
	kthread_yield();
}

bool plat_thread_waiting(void)
{
	return kthread_cpu_has_ready();
}

struct plat_sem *plat_sem_create(void)
{
	struct ksem *s = malloc(sizeof *s);
	if (s)
		ksem_init(s, 0);
	return (struct plat_sem *)s;
}

void plat_sem_reset(struct plat_sem *s)
{
	ksem_init((struct ksem *)s, 0);
}

void plat_sem_wait(struct plat_sem *s)
{
	ksem_wait((struct ksem *)s);
}

void plat_sem_post(struct plat_sem *s)
{
	ksem_post((struct ksem *)s);
}
