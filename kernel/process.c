/*
 * process.c - process control blocks (contract in kernel/thread.h).
 *
 * A process is an address space (its own page-table root, kernel half
 * shared, user half empty), the scheduling parameters its threads start
 * with, and the sums of its threads' accounting, dead threads included
 * (kernel/thread.c adds to them on every switch). pcb_kernel() is process
 * 1, "kernel", whose address space is the kernel's own page tables.
 */
#include <string.h>
#include "kernel/thread.h"
#include "kernel/mm.h"
#include "kernel/panic.h"

static struct pcb kernel_pcb;
static struct pcb *all_pcbs;
static struct spinlock pcbs_lock = SPINLOCK_INIT("pcbs");
static uint32_t next_pid = 1;

void process_init(void);
void pcb_account_thread_created(struct pcb *p, uint64_t stack_bytes, uint64_t pages);
void pcb_account_thread_reaped(struct pcb *p, uint64_t stack_bytes, uint64_t pages);

static void pcb_setup(struct pcb *p, const char *name, uint8_t prio, uint64_t slice_ns, uint64_t cr3)
{
	memset(p, 0, sizeof *p);
	p->pid = __atomic_fetch_add(&next_pid, 1, __ATOMIC_RELAXED);
	p->state = KP_ALIVE;
	strncpy(p->name, name ? name : "?", sizeof p->name - 1);
	p->cr3 = cr3;
	p->prio = prio < KTHREAD_PRIOS ? prio : KTHREAD_PRIO_DEFAULT;
	p->slice_ns = slice_ns ? slice_ns : KTHREAD_SLICE_NS;
	p->lock = (struct spinlock)SPINLOCK_INIT("pcb");
	bool on = spin_lock_irqsave(&pcbs_lock);
	p->next = all_pcbs;
	all_pcbs = p;
	spin_unlock_irqrestore(&pcbs_lock, on);
}

void process_init(void)
{
	pcb_setup(&kernel_pcb, "kernel", KTHREAD_PRIO_DEFAULT, KTHREAD_SLICE_NS, vmm_kernel_cr3());
}

struct pcb *pcb_kernel(void)
{
	return &kernel_pcb;
}

struct pcb *pcb_create(const char *name, uint8_t prio, uint64_t slice_ns)
{
	uint64_t phys = pmm_alloc(1);
	if (!phys)
		return NULL;
	uint64_t cr3 = vmm_new_address_space();
	if (!cr3) {
		pmm_free(phys, 1);
		return NULL;
	}
	struct pcb *p = phys_to_virt(phys);
	pcb_setup(p, name, prio, slice_ns, cr3);
	p->pages_mapped = 1;   /* its page-table root */
	return p;
}

void pcb_destroy(struct pcb *p)
{
	if (!p || p == &kernel_pcb)
		return;
	if (p->nthreads)
		panic("pcb_destroy: process %u (%s) still has %u threads", p->pid, p->name, p->nthreads);
	bool on = spin_lock_irqsave(&pcbs_lock);
	for (struct pcb **pp = &all_pcbs; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	spin_unlock_irqrestore(&pcbs_lock, on);
	p->state = KP_ZOMBIE;
	vmm_free_address_space(p->cr3);
	pmm_free(virt_to_phys(p), 1);
}

void pcb_account_thread_created(struct pcb *p, uint64_t stack_bytes, uint64_t pages)
{
	bool on = spin_lock_irqsave(&p->lock);
	p->nthreads++;
	p->nthreads_alive++;
	p->stack_bytes += stack_bytes;
	p->pages_mapped += pages;
	spin_unlock_irqrestore(&p->lock, on);
}

void pcb_account_thread_reaped(struct pcb *p, uint64_t stack_bytes, uint64_t pages)
{
	bool on = spin_lock_irqsave(&p->lock);
	p->nthreads--;
	p->stack_bytes -= stack_bytes;
	p->pages_mapped -= pages;
	spin_unlock_irqrestore(&p->lock, on);
}
