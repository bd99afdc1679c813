/*
 * smp.c - start every enabled CPU in the MADT as an M (contract in smp.h).
 *
 * The boot CPU copies the trampoline to a free page below 1 MiB, maps that
 * page 1:1 for the moment the AP turns paging on, and starts the APs one at
 * a time with INIT, then STARTUP (SDM Vol. 3A, 9.4.4.1: INIT, 10 ms, SIPI,
 * and a second SIPI if the first did not take). An AP that does not reach
 * its C entry within AP_START_TIMEOUT_MS is reported and skipped.
 */
#include <string.h>
#include "arch/x86_64/smp.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/trap.h"
#include "kernel/acpi.h"
#include "kernel/boot_info.h"
#include "kernel/cmdline.h"
#include "kernel/kernel.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/time.h"

#define INIT_DEASSERT_WAIT_US  10000  /* 10 ms after INIT */
#define SIPI_WAIT_US           200    /* 200 us after each STARTUP */
#define AP_START_TIMEOUT_MS    2000   /* TCG with many vCPUs is slow */
#define REAL_MODE_LIMIT        0x100000

extern char tramp_start[], tramp_end[], tramp_gdt[], tramp32[], tramp64[];
extern char tramp_gdtr[], tramp_far32[], tramp_far64[], tramp_cr3[];
extern char tramp_stack[], tramp_cpu[], tramp_entry[];


static volatile bool ap_alive;
static uint64_t tramp_page;

static void *tramp_field(char *label)
{
	return phys_to_virt(tramp_page + (uint64_t)(label - tramp_start));
}

/* A usable RAM page below 1 MiB (but not page 0) for the trampoline. */
static uint64_t find_tramp_page(const struct boot_info *bi)
{
	for (unsigned i = 0; i < bi->mem_count; i++) {
		const struct boot_mem_region *m = &bi->mem[i];
		if (m->type != MEM_USABLE)
			continue;
		uint64_t b = (m->base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
		if (b < PAGE_SIZE)
			b = PAGE_SIZE;
		if (b + PAGE_SIZE <= m->base + m->length && b + PAGE_SIZE <= REAL_MODE_LIMIT)
			return b;
	}
	return 0;
}

static void ap_main(struct cpu *c)
{
	ap_alive = true;
	cpu_init_this(c);
	lapic_init_cpu();
	kernel_cpu_online(c);  /* never returns */
}

static bool start_ap(struct cpu *c)
{
	uint64_t stack = pmm_alloc(AP_STACK_SIZE / PAGE_SIZE);
	if (!stack) {
		kprintf("smp: out of memory for the stack of M%u, not starting it\n", c->id);
		return false;
	}
	c->kstack_top = (uint64_t)phys_to_virt(stack) + AP_STACK_SIZE;
	*(uint64_t *)tramp_field(tramp_stack) = c->kstack_top;
	*(uint64_t *)tramp_field(tramp_cpu) = (uint64_t)c;
	ap_alive = false;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	lapic_send_init(c->apic_id);
	udelay(INIT_DEASSERT_WAIT_US);
	for (int sipi = 0; sipi < 2 && !ap_alive; sipi++) {
		lapic_send_sipi(c->apic_id, (uint8_t)(tramp_page >> 12));
		udelay(SIPI_WAIT_US);
	}
	uint64_t deadline = time_ns() + AP_START_TIMEOUT_MS * 1000000ULL;
	while (!c->online && time_ns() < deadline)
		cpu_relax();
	if (!c->online) {
		kprintf("smp: M%u (apic %u) did not come online within %u ms (%s); going on without it\n",
			c->id, c->apic_id, AP_START_TIMEOUT_MS,
			ap_alive ? "it started but stopped in bring-up" : "no answer to INIT/SIPI");
		return false;
	}
	return true;
}

static void prepare_trampoline(void)
{
	uint8_t *dst = phys_to_virt(tramp_page);
	memcpy(dst, tramp_start, (size_t)(tramp_end - tramp_start));
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) *gdtr = tramp_field(tramp_gdtr);
	gdtr->base = (uint32_t)(tramp_page + (uint64_t)(tramp_gdt - tramp_start));
	*(uint32_t *)tramp_field(tramp_far32) = (uint32_t)(tramp_page + (uint64_t)(tramp32 - tramp_start));
	*(uint32_t *)tramp_field(tramp_far64) = (uint32_t)(tramp_page + (uint64_t)(tramp64 - tramp_start));
	*(uint64_t *)tramp_field(tramp_cr3) = vmm_kernel_cr3();
	*(uint64_t *)tramp_field(tramp_entry) = (uint64_t)ap_main;
	if (vmm_map_page(tramp_page, tramp_page, VMM_WRITE | VMM_EXEC) < 0)
		panic("smp: cannot map the trampoline page");
}

/* The CPUs smp_boot leaves out, said in one line: "apic 64-127, 130". */
struct skipped {
	unsigned count, first, last;  /* count so far; the open range first..last */
	char list[120];
	size_t len;
};

static void skipped_flush(struct skipped *s)
{
	if (s->count == 0 || s->len >= sizeof s->list - 1)
		return;
	size_t room = sizeof s->list - s->len;
	int n = s->first == s->last
		? ksnprintf(s->list + s->len, room, "%s%u", s->len ? ", " : "", s->first)
		: ksnprintf(s->list + s->len, room, "%s%u-%u", s->len ? ", " : "", s->first, s->last);
	s->len = (size_t)n < room ? s->len + (size_t)n : sizeof s->list - 1;
}

static void skipped_add(struct skipped *s, unsigned apic_id)
{
	if (s->count && apic_id == s->last + 1) {
		s->last = apic_id;
	} else {
		skipped_flush(s);
		s->first = s->last = apic_id;
	}
	s->count++;
}

static void skipped_report(struct skipped *s, unsigned found, long limit)
{
	if (s->count == 0 && acpi.ncpus_dropped == 0)
		return;
	skipped_flush(s);
	if (acpi.ncpus_dropped) {  /* beyond what the MADT parser keeps: no IDs */
		size_t room = sizeof s->list - s->len;
		int n = ksnprintf(s->list + s->len, room, " and %u more", acpi.ncpus_dropped);
		s->len = (size_t)n < room ? s->len + (size_t)n : sizeof s->list - 1;
		s->count += acpi.ncpus_dropped;
		found += acpi.ncpus_dropped;
	}
	const char *more = s->len >= sizeof s->list - 1 ? "..." : "";
	if (limit > 0 && limit < MAX_CPUS)
		kprintf("smp: starting %u of %u CPUs; not starting %u (apic %s%s): limited by smp=%ld\n",
			found - s->count, found, s->count, s->list, more, limit);
	else
		kprintf("smp: starting %u of %u CPUs; not starting %u (apic %s%s): more than MAX_CPUS (%u)\n",
			found - s->count, found, s->count, s->list, more, MAX_CPUS);
}

void smp_boot(const struct boot_info *bi)
{
	long limit = cmdline_num("smp");
	struct skipped skipped = { 0 };
	unsigned found = 1;
	ncpus = 1;
	for (unsigned i = 0; i < acpi.ncpus; i++) {
		const struct acpi_cpu *a = &acpi.cpu[i];
		if (!a->enabled || a->apic_id == cpus[0].apic_id)
			continue;
		found++;
		if (ncpus >= MAX_CPUS || (limit > 0 && ncpus >= (unsigned)limit)) {
			skipped_add(&skipped, a->apic_id);
			continue;
		}
		cpus[ncpus].id = ncpus;
		cpus[ncpus].apic_id = a->apic_id;
		ncpus++;
	}
	skipped_report(&skipped, found, limit);
	if (ncpus == 1)
		return;
	tramp_page = find_tramp_page(bi);
	if (!tramp_page) {
		kprintf("smp: no free page below 1 MiB for the AP trampoline; running on one CPU\n");
		ncpus = 1;
		return;
	}
	prepare_trampoline();
	for (unsigned i = 1; i < ncpus; i++)
		start_ap(&cpus[i]);
	vmm_unmap_page(tramp_page);
}

/* --- running a function on every CPU --- */

static void call_ipi(struct trap_frame *tf)
{
	(void)tf;
	lapic_eoi(); /* the work itself is done by the idle loop it woke */
}

void smp_init_ipis(void)
{
	irq_set_handler(VEC_IPI_CALL, call_ipi);
}

/* Run a pending call on this CPU, if any. Interrupts off. */
bool smp_run_pending_call(struct cpu *c)
{
	uint32_t gen = c->call_gen;
	if (gen == c->call_done)
		return false;
	irq_enable();
	c->call_fn(c->call_arg);
	irq_disable();
	__atomic_store_n(&c->call_done, gen, __ATOMIC_RELEASE);
	return true;
}

void smp_call_all(void (*fn)(void *), void *arg)
{
	struct cpu *me = this_cpu();
	for (unsigned i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		if (c == me || !c->online)
			continue;
		c->call_fn = fn;
		c->call_arg = arg;
		__atomic_store_n(&c->call_gen, c->call_gen + 1, __ATOMIC_RELEASE);
		lapic_send_ipi(c->apic_id, VEC_IPI_CALL);
	}
	fn(arg);
	for (unsigned i = 0; i < ncpus; i++) {
		struct cpu *c = &cpus[i];
		if (c == me || !c->online)
			continue;
		while (__atomic_load_n(&c->call_done, __ATOMIC_ACQUIRE) != c->call_gen)
			cpu_relax();
	}
}

volatile int cpus_stopping;  /* an NMI now means "halt here" (trap.c) */
volatile int cpus_backtracing;  /* ... after printing a backtrace */
static volatile int bt_turn, bt_done;

void smp_backtrace_others(void)
{
	struct cpu *me = this_cpu();
	unsigned others = 0;
	cpus_backtracing = 1;
	for (unsigned i = 0; i < ncpus; i++)
		if (&cpus[i] != me && cpus[i].online)
			others++;
	smp_stop_others();
	/* Wait while they print: 100 ms after the last one finished (a slow
	 * UART, many CPUs), so a CPU that never answers costs only that. */
	int seen = 0;
	uint64_t now = time_ns(), until = now + 100000000ULL;
	uint64_t cap = now + 2000000000ULL + others * 100000000ULL;   /* in all */
	for (;;) {
		int done = __atomic_load_n(&bt_done, __ATOMIC_ACQUIRE);
		if (done >= (int)others)
			break;
		now = time_ns();
		if (now < cap && (done != seen || __atomic_load_n(&bt_turn, __ATOMIC_ACQUIRE))) {
			seen = done;    /* progress, or one is printing now */
			until = now + 100000000ULL;
		} else if (now >= until || now >= cap) {
			kprintf("smp: %u of %u other CPUs did not answer the backtrace NMI\n",
				others - (unsigned)done, others);
			break;
		}
		cpu_relax();
	}
}

_Noreturn void smp_nmi_backtrace(const struct trap_frame *tf)
{
	while (__atomic_exchange_n(&bt_turn, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	kprintf("CPU %u, stopped at:\n", this_cpu()->id);
	backtrace_print(tf->rip, tf->rbp);
	__atomic_store_n(&bt_turn, 0, __ATOMIC_RELEASE);
	__atomic_fetch_add(&bt_done, 1, __ATOMIC_ACQ_REL);
	for (;;)
		__asm__ volatile("cli; hlt");
}

void smp_stop_others(void)
{
	struct cpu *me = this_cpu();
	cpus_stopping = 1;
	for (unsigned i = 0; i < ncpus; i++)
		if (&cpus[i] != me && cpus[i].online)
			lapic_send_nmi(cpus[i].apic_id);
}
