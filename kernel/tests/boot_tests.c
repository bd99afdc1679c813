/*
 * boot_tests.c - in-kernel tests of the boot floor: every CPU online and
 * running work, timers, time, the page allocator, the heap, the kernel's
 * page tables (W^X), the symbol table, kprintf, the command line and spin
 * locks. Each test fails if the feature it names breaks; each runs in well
 * under a second under TCG at -smp 1..4. Waits are polls bounded by
 * time_ns(), never fixed sleeps.
 */
#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/ktest.h"
#include "kernel/acpi.h"
#include "kernel/boot_info.h"
#include "kernel/cmdline.h"
#include "kernel/kernel.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/spinlock.h"
#include "kernel/time.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/smp.h"

uint64_t vmm_kernel_cr3(void);

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char __kernel_phys_start[], __kernel_phys_end[];

#define MS 1000000ULL

static unsigned online_count(void)
{
	return __atomic_load_n(&ncpus_online, __ATOMIC_ACQUIRE);
}

/* ---- every CPU runs smp_call_all work ---------------------------------- */

struct who {
	uint32_t ran;        /* times this CPU ran the call */
	uint32_t id;         /* cpu_id() */
	uint32_t apic;       /* lapic_id() read on the CPU itself */
	uint32_t pc_apic;    /* this_cpu()->apic_id */
	struct cpu *self;    /* this_cpu() */
	struct cpu *gs0;     /* this_cpu()->self */
	uint64_t cr3;
};
static struct who who[MAX_CPUS];
static uint32_t who_calls;

static void who_fn(void *arg)
{
	(void)arg;
	struct cpu *c = this_cpu();
	unsigned id = c->id;
	if (id >= MAX_CPUS)
		return;
	who[id].ran++;
	who[id].id = id;
	who[id].apic = lapic_id();
	who[id].pc_apic = c->apic_id;
	who[id].self = c;
	who[id].gs0 = c->self;
	who[id].cr3 = read_cr3();
	__atomic_fetch_add(&who_calls, 1, __ATOMIC_SEQ_CST);
}

KTEST(boot_smp_call_all)
{
	unsigned n = online_count();
	KTEST_ASSERT(n >= 1 && n <= MAX_CPUS);
	KTEST_ASSERT_EQ(cpu_id(), 0);
	memset(who, 0, sizeof who);
	who_calls = 0;
	smp_call_all(who_fn, 0);
	KTEST_ASSERT_EQ(who_calls, n);
	for (unsigned i = 0; i < n; i++) {
		if (who[i].ran != 1)
			ktest_fail("M%u ran the call %u times, want once", i, who[i].ran);
		KTEST_ASSERT_EQ(who[i].id, i);
		KTEST_ASSERT(who[i].self == &cpus[i]);
		KTEST_ASSERT(who[i].gs0 == &cpus[i]);
		if (who[i].apic != cpus[i].apic_id || who[i].pc_apic != cpus[i].apic_id)
			ktest_fail("M%u: lapic_id() %u, this_cpu()->apic_id %u, cpus[%u].apic_id %u",
				   i, who[i].apic, who[i].pc_apic, i, cpus[i].apic_id);
		/* one set of kernel page tables, shared by every CPU */
		KTEST_ASSERT_EQ(who[i].cr3 & ~0xfffULL, vmm_kernel_cr3());
		for (unsigned j = 0; j < i; j++)
			if (who[i].apic == who[j].apic)
				ktest_fail("M%u and M%u both have apic id %u", j, i, who[i].apic);
	}
	for (unsigned i = n; i < MAX_CPUS; i++)
		KTEST_ASSERT_EQ(who[i].ran, 0);

	/* Many calls in a row: none lost, none run twice. */
	memset(who, 0, sizeof who);
	who_calls = 0;
	enum { ROUNDS = 50 };
	for (int r = 0; r < ROUNDS; r++)
		smp_call_all(who_fn, 0);
	KTEST_ASSERT_EQ(who_calls, ROUNDS * n);
	for (unsigned i = 0; i < n; i++)
		KTEST_ASSERT_EQ(who[i].ran, ROUNDS);
}

/* ---- CPU count --------------------------------------------------------- */

KTEST(boot_cpu_count)
{
	KTEST_ASSERT_EQ(online_count(), ncpus);
	for (unsigned i = 0; i < ncpus; i++) {
		if (!cpus[i].online)
			ktest_fail("M%u of %u is not online", i, ncpus);
		KTEST_ASSERT_EQ(cpus[i].id, i);
	}
	for (unsigned i = ncpus; i < MAX_CPUS; i++)
		KTEST_ASSERT(!cpus[i].online);
	/* Every enabled MADT CPU was started, unless smp= or MAX_CPUS said no. */
	KTEST_ASSERT(acpi.has_madt);
	unsigned want = acpi.ncpus_enabled;
	long limit = cmdline_num("smp");
	if (limit > 0 && want > (unsigned)limit)
		want = (unsigned)limit;
	if (want > MAX_CPUS)
		want = MAX_CPUS;
	if (ncpus != want)
		ktest_fail("ncpus %u, but the MADT has %u enabled CPUs (smp=%ld, MAX_CPUS %d)",
			   ncpus, acpi.ncpus_enabled, limit, MAX_CPUS);
	/* Each started CPU is an enabled MADT CPU. */
	for (unsigned i = 0; i < ncpus; i++) {
		bool found = false;
		for (unsigned j = 0; j < acpi.ncpus; j++)
			if (acpi.cpu[j].apic_id == cpus[i].apic_id && acpi.cpu[j].enabled)
				found = true;
		if (!found)
			ktest_fail("M%u has apic id %u, not an enabled CPU in the MADT", i, cpus[i].apic_id);
	}
}

/* ---- the timer interrupt runs on every CPU ----------------------------- */

static uint64_t ticks_of(unsigned i)
{
	return __atomic_load_n(&cpus[i].timer_ticks, __ATOMIC_RELAXED);
}

KTEST(boot_timer_every_cpu)
{
	unsigned n = online_count();
	uint64_t start[MAX_CPUS];
	KTEST_ASSERT(timer_hz >= 10 && timer_hz <= 10000);
	KTEST_ASSERT(irq_enabled());
	for (unsigned i = 0; i < n; i++)
		start[i] = ticks_of(i);
	/* 30 s: only ends a broken run (a loaded host can hold a vCPU for seconds) */
	uint64_t t0 = time_ns(), deadline = t0 + 30000 * MS;
	enum { WANT = 3 };
	for (;;) {
		unsigned done = 0;
		for (unsigned i = 0; i < n; i++)
			done += ticks_of(i) - start[i] >= WANT;
		if (done == n)
			break;
		if (time_ns() > deadline) {
			for (unsigned i = 0; i < n; i++)
				kprintf("  M%u: %lu timer ticks in 30 s\n", i,
					(unsigned long)(ticks_of(i) - start[i]));
			ktest_fail("the timer did not tick %d times on every CPU within 30 s (hz=%u)",
				   WANT, timer_hz);
		}
		cpu_relax();
	}
	/* Not faster than asked: at most twice hz over the time it took. */
	uint64_t el = time_ns() - t0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t got = ticks_of(i) - start[i];
		uint64_t max = 2 * timer_hz * el / 1000000000ULL + 3;
		if (got > max)
			ktest_fail("M%u: %lu timer ticks in %lu us at hz=%u", i, (unsigned long)got,
				   (unsigned long)(el / 1000), timer_hz);
	}
}

/* ---- time -------------------------------------------------------------- */

static struct spinlock time_lock = SPINLOCK_INIT("test-time");
static uint64_t time_last;
static uint32_t time_bad_local[MAX_CPUS], time_bad_global[MAX_CPUS];
static uint64_t time_span[MAX_CPUS];

static void time_fn(void *arg)
{
	(void)arg;
	unsigned id = cpu_id();
	uint64_t first = time_ns(), prev = first;
	for (int i = 0; i < 2000; i++) {
		uint64_t t = time_ns();
		if (t < prev)
			time_bad_local[id]++;
		prev = t;
		if (i % 10 == 0) {
			/* Across CPUs: under a lock, time never goes back. */
			bool on = spin_lock_irqsave(&time_lock);
			t = time_ns();
			if (t < time_last)
				time_bad_global[id]++;
			time_last = t;
			spin_unlock_irqrestore(&time_lock, on);
		}
	}
	time_span[id] = prev - first;
}

/* One (HPET counter, time_ns) pair, read between two TSC reads less
 * than 20 us apart (retried until so). */
static void hpet_sample(volatile uint64_t *hpet, uint64_t *h, uint64_t *t)
{
	for (int i = 0; i < 100; i++) {
		uint64_t a = time_ns();
		*h = hpet[0xf0 / 8];
		*t = time_ns();
		if (*t - a < 20000)
			return;
	}
}

KTEST(boot_time)
{
	KTEST_ASSERT(tsc_hz >= 100000000ULL && tsc_hz <= 10000000000ULL);
	KTEST_ASSERT(tsc_at_boot != 0);
	uint64_t a = time_ns();
	KTEST_ASSERT(a > 0);
	/* Advances: a busy wait of ~1 ms by rdtsc shows up in time_ns. */
	uint64_t tsc0 = rdtsc();
	while (rdtsc() - tsc0 < tsc_hz / 1000)
		cpu_relax();
	uint64_t b = time_ns();
	KTEST_ASSERT(b >= a + 900000);
	KTEST_ASSERT_EQ(tsc_to_ns(tsc_hz), 1000000000ULL);
	KTEST_ASSERT_EQ(tsc_to_ns(tsc_hz * 3600), 3600000000000ULL);

	unsigned n = online_count();
	memset(time_bad_local, 0, sizeof time_bad_local);
	memset(time_bad_global, 0, sizeof time_bad_global);
	memset(time_span, 0, sizeof time_span);
	time_last = 0;
	smp_call_all(time_fn, 0);
	for (unsigned i = 0; i < n; i++) {
		if (time_bad_local[i] || time_bad_global[i])
			ktest_fail("M%u: time_ns went back %u times on the CPU, %u times across CPUs",
				   i, time_bad_local[i], time_bad_global[i]);
		if (time_span[i] == 0)
			ktest_fail("M%u: time_ns did not advance over 2000 reads", i);
	}

	/* udelay waits at least as long as asked. */
	a = time_ns();
	udelay(2000);
	b = time_ns();
	KTEST_ASSERT(b - a >= 2000000);

	/* Agrees with the HPET, when there is one, to within 10%. */
	if (acpi.has_hpet) {
		volatile uint64_t *hpet = vmm_map_mmio(acpi.hpet_phys, PAGE_SIZE, VMM_CACHE_UC);
		uint64_t period_fs = hpet[0] >> 32;
		KTEST_ASSERT(period_fs > 0 && period_fs <= 100000000ULL);
		KTEST_ASSERT(hpet[0x10 / 8] & 1); /* enabled by time_init */
		/* Under emulation a vCPU can be descheduled between the two
		 * reads that make a sample, so a sample is taken only when two
		 * TSC reads around the HPET read are close, and the check
		 * passes if any of a few windows agrees. */
		uint64_t hpet_ns = 0, tsc_ns = 0;
		for (int attempt = 0; attempt < 5; attempt++) {
			uint64_t h0, t0, h1, t1;
			hpet_sample(hpet, &h0, &t0);
			while (time_ns() - t0 < 50 * MS)
				cpu_relax();
			hpet_sample(hpet, &h1, &t1);
			hpet_ns = (uint64_t)((unsigned __int128)(h1 - h0) * period_fs / 1000000);
			tsc_ns = t1 - t0;
			if (hpet_ns >= tsc_ns * 9 / 10 && hpet_ns <= tsc_ns * 11 / 10)
				break;
		}
		if (hpet_ns < tsc_ns * 9 / 10 || hpet_ns > tsc_ns * 11 / 10)
			ktest_fail("time_ns says %lu us passed, the HPET %lu us",
				   (unsigned long)(tsc_ns / 1000), (unsigned long)(hpet_ns / 1000));
	}
}

/* ---- pmm on every CPU at once ------------------------------------------ */

#define PMM_SINGLES 48
#define PMM_RUNS    8
#define PMM_RUN_LEN 4
struct pmm_cpu {
	uint64_t single[PMM_SINGLES];
	uint64_t run[PMM_RUNS];
	uint32_t failed;
};
static struct pmm_cpu pmm_cpu[MAX_CPUS];

static void fill(uint64_t phys, size_t npages, unsigned id)
{
	uint64_t *p = phys_to_virt(phys);
	for (size_t i = 0; i < npages * PAGE_SIZE / 8; i++)
		p[i] = ((uint64_t)(id + 1) << 56) ^ (phys + i * 8);
}

static bool check_fill(uint64_t phys, size_t npages, unsigned id)
{
	const uint64_t *p = phys_to_virt(phys);
	for (size_t i = 0; i < npages * PAGE_SIZE / 8; i++)
		if (p[i] != (((uint64_t)(id + 1) << 56) ^ (phys + i * 8)))
			return false;
	return true;
}

static void pmm_alloc_fn(void *arg)
{
	(void)arg;
	unsigned id = cpu_id();
	struct pmm_cpu *m = &pmm_cpu[id];
	/* Interleave singles and runs so the CPUs contend for the lock. */
	for (int i = 0; i < PMM_SINGLES; i++) {
		m->single[i] = pmm_alloc(1);
		if (!m->single[i])
			m->failed++;
		else
			fill(m->single[i], 1, id);
		if (i % (PMM_SINGLES / PMM_RUNS) == 0) {
			int r = i / (PMM_SINGLES / PMM_RUNS);
			m->run[r] = pmm_alloc(PMM_RUN_LEN);
			if (!m->run[r])
				m->failed++;
			else
				fill(m->run[r], PMM_RUN_LEN, id);
		}
	}
}

static void pmm_free_fn(void *arg)
{
	(void)arg;
	struct pmm_cpu *m = &pmm_cpu[cpu_id()];
	for (int i = 0; i < PMM_SINGLES; i++)
		if (m->single[i])
			pmm_free(m->single[i], 1);
	for (int r = 0; r < PMM_RUNS; r++)
		if (m->run[r])
			pmm_free(m->run[r], PMM_RUN_LEN);
}

static void check_page(uint64_t phys, size_t npages, unsigned id)
{
	if (phys % PAGE_SIZE)
		ktest_fail("M%u got unaligned page 0x%lx", id, (unsigned long)phys);
	if (phys < 0x100000)
		ktest_fail("M%u got 0x%lx, in low memory", id, (unsigned long)phys);
	uint64_t ks = (uint64_t)__kernel_phys_start, ke = (uint64_t)__kernel_phys_end;
	if (phys < ke && ks < phys + npages * PAGE_SIZE)
		ktest_fail("M%u got 0x%lx, inside the kernel image", id, (unsigned long)phys);
	if (!check_fill(phys, npages, id))
		ktest_fail("page 0x%lx of M%u was overwritten: handed to two CPUs?", (unsigned long)phys, id);
}

static uint64_t pmm_block(unsigned cpu, int k, uint64_t *len)
{
	*len = (k < PMM_SINGLES ? 1 : PMM_RUN_LEN) * PAGE_SIZE;
	return k < PMM_SINGLES ? pmm_cpu[cpu].single[k] : pmm_cpu[cpu].run[k - PMM_SINGLES];
}

/* All CPUs allocate at once, then the boot CPU checks, then all free. */
static void pmm_round(unsigned n, size_t free0)
{
	memset(pmm_cpu, 0, sizeof pmm_cpu);
	smp_call_all(pmm_alloc_fn, 0);
	size_t per_cpu = PMM_SINGLES + PMM_RUNS * PMM_RUN_LEN;
	for (unsigned i = 0; i < n; i++)
		if (pmm_cpu[i].failed)
			ktest_fail("M%u: %u allocations failed", i, pmm_cpu[i].failed);
	KTEST_ASSERT_EQ(pmm_free_pages(), free0 - n * per_cpu);
	/* Every page holds its owner's pattern and no page is held twice. */
	for (unsigned i = 0; i < n; i++) {
		for (int k = 0; k < PMM_SINGLES; k++)
			check_page(pmm_cpu[i].single[k], 1, i);
		for (int r = 0; r < PMM_RUNS; r++)
			check_page(pmm_cpu[i].run[r], PMM_RUN_LEN, i);
	}
	for (unsigned i = 0; i < n; i++)
		for (int k = 0; k < PMM_SINGLES + PMM_RUNS; k++) {
			uint64_t alen, a = pmm_block(i, k, &alen);
			for (unsigned j = 0; j <= i; j++)
				for (int l = 0; l < (j == i ? k : PMM_SINGLES + PMM_RUNS); l++) {
					uint64_t blen, b = pmm_block(j, l, &blen);
					if (a < b + blen && b < a + alen)
						ktest_fail("M%u and M%u got overlapping pages 0x%lx and 0x%lx",
							   i, j, (unsigned long)a, (unsigned long)b);
				}
		}
	smp_call_all(pmm_free_fn, 0);
	KTEST_ASSERT_EQ(pmm_free_pages(), free0);
}

KTEST(boot_pmm_all_cpus)
{
	unsigned n = online_count();
	size_t free0 = pmm_free_pages();
	KTEST_ASSERT(free0 > 0 && free0 <= pmm_total_pages());
	/* A few rounds: a race in the allocator shows up in some of them. */
	for (int round = 0; round < 10; round++)
		pmm_round(n, free0);
	/* What was freed can be allocated again. */
	uint64_t again = pmm_alloc(PMM_RUN_LEN);
	KTEST_ASSERT(again != 0);
	pmm_free(again, PMM_RUN_LEN);
	KTEST_ASSERT_EQ(pmm_free_pages(), free0);
	KTEST_ASSERT_EQ(pmm_alloc(0), 0);
	KTEST_ASSERT_EQ(pmm_alloc(pmm_total_pages() + 1), 0);
	KTEST_ASSERT_EQ(pmm_free_pages(), free0);
}

/* ---- the heap ---------------------------------------------------------- */

KTEST(boot_heap_sbrk)
{
	char *old = heap_sbrk(0);
	KTEST_ASSERT(old != (void *)-1);
	KTEST_ASSERT((uint64_t)old >= HEAP_BASE && (uint64_t)old < HEAP_BASE + HEAP_MAX);
	intptr_t incr = 5 * PAGE_SIZE + 123;
	char *p = heap_sbrk(incr);
	KTEST_ASSERT(p == old);
	KTEST_ASSERT((char *)heap_sbrk(0) == old + incr);
	for (intptr_t i = 0; i < incr; i++)
		p[i] = (char)(i * 7 + 1);
	for (intptr_t i = 0; i < incr; i++)
		if (p[i] != (char)(i * 7 + 1))
			ktest_fail("heap byte %ld reads back wrong", (long)i);
	/* Limits: below the base and past HEAP_MAX fail and change nothing. */
	KTEST_ASSERT(heap_sbrk(-(intptr_t)((uint64_t)old + incr - HEAP_BASE) - 1) == (void *)-1);
	KTEST_ASSERT(heap_sbrk((intptr_t)HEAP_MAX + (intptr_t)PAGE_SIZE) == (void *)-1);
	KTEST_ASSERT((char *)heap_sbrk(0) == old + incr);
	/* Give it back, unless something else (malloc on another CPU) moved
	 * the break meanwhile: then shrinking would take its memory. */
	if ((char *)heap_sbrk(0) == old + incr) {
		KTEST_ASSERT((char *)heap_sbrk(-incr) == old + incr);
		KTEST_ASSERT((char *)heap_sbrk(0) == old);
	}
}

KTEST(boot_malloc)
{
	size_t big = 4UL << 20;
	unsigned char *p = malloc(big);
	KTEST_ASSERT(p != 0);
	KTEST_ASSERT((uint64_t)p >= HEAP_BASE && (uint64_t)p + big <= HEAP_BASE + HEAP_MAX);
	for (size_t i = 0; i < big; i += 64)
		p[i] = (unsigned char)(i >> 6);
	for (size_t i = 0; i < big; i += 64)
		if (p[i] != (unsigned char)(i >> 6))
			ktest_fail("malloc'd byte %lu reads back wrong", (unsigned long)i);
	unsigned char *q = malloc(3UL << 20);
	KTEST_ASSERT(q != 0);
	KTEST_ASSERT(q + (3UL << 20) <= p || q >= p + big);
	memset(q, 0x5a, 3UL << 20);
	KTEST_ASSERT(p[64] == 1);
	free(p);
	free(q);
	unsigned *z = calloc(1000, sizeof *z);
	KTEST_ASSERT(z != 0);
	for (int i = 0; i < 1000; i++)
		KTEST_ASSERT_EQ(z[i], 0);
	free(z);
}

/* ---- W^X: the kernel's page tables ------------------------------------- */

#define PTE_P    (1ULL << 0)
#define PTE_W    (1ULL << 1)
#define PTE_PS   (1ULL << 7)
#define PTE_NX   (1ULL << 63)
#define PTE_ADDR 0x000ffffffffff000ULL

struct mapping {
	bool present, write, exec;
	int level;   /* 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB */
};

/* Walk the live page tables for va: permissions as the CPU sees them. */
static struct mapping lookup(uint64_t va)
{
	struct mapping m = { false, true, true, 0 };
	const uint64_t *t = phys_to_virt(read_cr3() & PTE_ADDR);
	for (int l = 3; l >= 0; l--) {
		uint64_t e = t[(va >> (12 + 9 * l)) & 511];
		if (!(e & PTE_P))
			return m;
		m.write = m.write && (e & PTE_W);
		m.exec = m.exec && !(e & PTE_NX);
		if (l == 0 || (e & PTE_PS)) {
			m.present = true;
			m.level = l;
			return m;
		}
		t = phys_to_virt(e & PTE_ADDR);
	}
	return m;
}

static void check_range(const char *what, char *start, char *end, bool write, bool exec)
{
	KTEST_ASSERT((uint64_t)start % PAGE_SIZE == 0 && (uint64_t)end % PAGE_SIZE == 0);
	KTEST_ASSERT(start < end);
	for (uint64_t va = (uint64_t)start; va < (uint64_t)end; va += PAGE_SIZE) {
		struct mapping m = lookup(va);
		if (!m.present || m.write != write || m.exec != exec)
			ktest_fail("%s page 0x%lx: %s%s%s, want %s%s", what, (unsigned long)va,
				   m.present ? "present" : "not present", m.write ? " W" : "",
				   m.exec ? " X" : "", write ? "W" : "", exec ? "X" : "");
	}
}

/* Every leaf mapping in the tables: none both writable and executable, the
 * direct map NX, nothing in the low 4 GiB. */
static unsigned long wx_leaves, dmap_leaves;
static void scan(const uint64_t *t, int level, uint64_t va_base, bool w, bool x)
{
	for (int i = 0; i < 512; i++) {
		uint64_t e = t[i];
		if (!(e & PTE_P))
			continue;
		uint64_t va = va_base + ((uint64_t)i << (12 + 9 * level));
		if (level == 3 && i >= 256)
			va |= 0xffff000000000000ULL;  /* canonical upper half */
		bool ew = w && (e & PTE_W), ex = x && !(e & PTE_NX);
		if (level > 0 && !(e & PTE_PS)) {
			scan(phys_to_virt(e & PTE_ADDR), level - 1, va, ew, ex);
			continue;
		}
		if (ew && ex)
			ktest_fail("0x%lx (level %d) is mapped writable and executable", (unsigned long)va, level);
		if (ex && (va < (uint64_t)__text_start || va >= (uint64_t)__text_end))
			ktest_fail("0x%lx (level %d) is executable but not kernel text", (unsigned long)va, level);
		if (va < (4ULL << 30))
			ktest_fail("0x%lx (level %d) is mapped: the low identity map should be gone",
				   (unsigned long)va, level);
		if (va >= DMAP_BASE && va < HEAP_BASE)
			dmap_leaves++;
		wx_leaves++;
	}
}

KTEST(boot_wx_page_tables)
{
	/* The bits that make W^X mean anything. */
	KTEST_ASSERT(read_cr0() & CR0_WP);
	KTEST_ASSERT(rdmsr(IA32_EFER) & IA32_EFER_NXE);
	KTEST_ASSERT_EQ(read_cr3() & PTE_ADDR, vmm_kernel_cr3());
	check_range("text", __text_start, __text_end, false, true);
	check_range("rodata", __rodata_start, __rodata_end, false, false);
	check_range("data/bss", __data_start, __data_end, true, false);
	/* This function is text, its string literals rodata, a static datum data. */
	static int datum;
	KTEST_ASSERT(lookup((uint64_t)&ktest_fn_boot_wx_page_tables).exec);
	KTEST_ASSERT(!lookup((uint64_t)"a string").write);
	KTEST_ASSERT(lookup((uint64_t)&datum).write && !lookup((uint64_t)&datum).exec);
	/* The direct map: present, writable, NX, at both ends of low RAM. */
	static const uint64_t dmap_probe[] = { 0, 0x100000, 0x200000, 0x7fff000, (4ULL << 30) - PAGE_SIZE };
	for (unsigned i = 0; i < sizeof dmap_probe / sizeof dmap_probe[0]; i++) {
		struct mapping m = lookup(DMAP_BASE + dmap_probe[i]);
		if (!m.present || !m.write || m.exec)
			ktest_fail("direct map of 0x%lx: %s%s%s, want W NX", (unsigned long)dmap_probe[i],
				   m.present ? "present" : "not present", m.write ? " W" : "", m.exec ? " X" : "");
	}
	/* The kernel image's physical pages through the direct map are NX too. */
	KTEST_ASSERT(!lookup((uint64_t)phys_to_virt(virt_to_phys(__text_start))).exec);
	/* Nothing in the first 2 MiB, page by page (catches a leftover
	 * trampoline or boot identity mapping; NULL dereferences fault). */
	for (uint64_t va = 0; va < 0x200000; va += PAGE_SIZE)
		if (lookup(va).present)
			ktest_fail("virtual 0x%lx is mapped", (unsigned long)va);
	KTEST_ASSERT(!lookup((uint64_t)__kernel_phys_start).present);  /* the .boot identity map */
	wx_leaves = dmap_leaves = 0;
	scan(phys_to_virt(read_cr3() & PTE_ADDR), 3, 0, true, true);
	KTEST_ASSERT(dmap_leaves >= 2048);   /* at least 4 GiB in 2 MiB pages */
	KTEST_ASSERT(wx_leaves > dmap_leaves);
}

/* ---- the symbol table -------------------------------------------------- */

__attribute__((noinline, used)) static int boot_ksym_probe(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

KTEST(boot_ksyms)
{
	uint64_t off = 99;
	const char *name = ksym_lookup((uint64_t)pmm_alloc, &off);
	KTEST_ASSERT(name != 0);
	if (strcmp(name, "pmm_alloc") || off)
		ktest_fail("ksym_lookup(pmm_alloc) = %s+0x%lx", name, (unsigned long)off);
	name = ksym_lookup((uint64_t)pmm_alloc + 5, &off);
	KTEST_ASSERT(name && !strcmp(name, "pmm_alloc") && off == 5);
	name = ksym_lookup((uint64_t)ksnprintf, &off);
	KTEST_ASSERT(name && !strcmp(name, "ksnprintf") && off == 0);
	KTEST_ASSERT(boot_ksym_probe(1) == 4);
	name = ksym_lookup((uint64_t)boot_ksym_probe, &off);
	if (!name || strcmp(name, "boot_ksym_probe") || off)
		ktest_fail("ksym_lookup(boot_ksym_probe) = %s+0x%lx", name ? name : "(none)", (unsigned long)off);
	/* Not text: no symbol. */
	static int datum;
	KTEST_ASSERT(ksym_lookup((uint64_t)&datum, &off) == 0);
	KTEST_ASSERT(ksym_lookup(0, &off) == 0);
	KTEST_ASSERT(ksym_lookup((uint64_t)__text_end, &off) == 0);
}

/* ---- kprintf ----------------------------------------------------------- */

static void fmt_is(int line, const char *got, int ret, const char *want)
{
	if (strcmp(got, want) || ret != (int)strlen(want))
		ktest_fail("line %d: got \"%s\" (%d), want \"%s\" (%d)", line, got, ret, want, (int)strlen(want));
}
#define FMT(want, ...) do { char b_[128]; int r_ = ksnprintf(b_, sizeof b_, __VA_ARGS__); \
	fmt_is(__LINE__, b_, r_, want); } while (0)

KTEST(boot_kprintf)
{
	FMT("-42", "%d", -42);
	FMT("0", "%d", 0);
	FMT("-2147483648", "%d", (int)0x80000000);
	FMT("2147483647", "%i", 2147483647);
	FMT("4294967295", "%u", 4294967295u);
	FMT("-9223372036854775808", "%ld", (long)(-9223372036854775807L - 1));
	FMT("18446744073709551615", "%lu", 18446744073709551615UL);
	FMT("18446744073709551615", "%llu", 18446744073709551615ULL);
	FMT("123456789012", "%zu", (size_t)123456789012ULL);
	FMT("deadbeef", "%x", 0xdeadbeefu);
	FMT("DEADBEEF", "%X", 0xdeadbeefu);
	FMT("ffffffff80000000", "%lx", 0xffffffff80000000UL);
	FMT("00000000deadbeef", "%016lx", 0xdeadbeefUL);
	FMT("777", "%o", 0777u);
	FMT("0xffff800000001000", "%p", (void *)0xffff800000001000UL);
	FMT("0x0000000000000010", "%p", (void *)0x10);
	FMT("hel", "%.3s", "hello");
	FMT("hello", "%.10s", "hello");
	FMT("he", "%.*s", 2, "hello");
	FMT("  abc|", "%5s|", "abc");
	FMT("abc  |", "%-5s|", "abc");
	static const char *volatile null_str;
	FMT("(null)", "%s", null_str);
	FMT("x", "%c", 'x');
	FMT("100%", "%d%%", 100);
	FMT("   42", "%5d", 42);
	FMT("  -42", "%5d", -42);
	FMT("42   |", "%-5d|", 42);
	FMT("-42  |", "%-5d|", -42);
	FMT("00042", "%05d", 42);
	FMT("-0042", "%05d", -42);
	FMT("   42", "%*d", 5, 42);
	FMT("123456", "%3d", 123456);
	FMT("a1b-2c", "a%db%dc", 1, -2);
	FMT("", "%s", "");
	/* Truncation: returns the full length, always NUL-terminated. */
	char b[8];
	memset(b, 'Z', sizeof b);
	int r = ksnprintf(b, sizeof b, "%s-%d", "abcdefgh", 12345);
	KTEST_ASSERT_EQ(r, 14);
	KTEST_ASSERT(!strcmp(b, "abcdefg"));
	memset(b, 'Z', sizeof b);
	r = ksnprintf(b, 1, "%d", 12345);
	KTEST_ASSERT_EQ(r, 5);
	KTEST_ASSERT_EQ(b[0], 0);
	KTEST_ASSERT_EQ(b[1], 'Z');
	r = ksnprintf(b, 0, "%d", 12345);   /* size 0: nothing written */
	KTEST_ASSERT_EQ(r, 5);
	KTEST_ASSERT_EQ(b[0], 0);
	KTEST_ASSERT_EQ(b[1], 'Z');
	memset(b, 'Z', sizeof b);
	r = ksnprintf(b, sizeof b, "%s", "1234567");   /* exactly fits */
	KTEST_ASSERT_EQ(r, 7);
	KTEST_ASSERT(!strcmp(b, "1234567"));
	/* kprintf returns the length it formatted. */
	KTEST_ASSERT_EQ(kprintf("kprintf check %d\n", 7), 16);
}

/* ---- the command line -------------------------------------------------- */

KTEST(boot_cmdline)
{
	const char *t = cmdline_str("test");
	KTEST_ASSERT(t != 0);
	/* The running list names this test, or is "all". */
	bool listed = !strcmp(t, "all");
	for (const char *p = t; *p && !listed;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == strlen("boot_cmdline") && !memcmp(p, "boot_cmdline", len))
			listed = true;
		p += len + (comma ? 1 : 0);
	}
	if (!listed)
		ktest_fail("cmdline_str(\"test\") is \"%s\", which does not run boot_cmdline", t);
	/* It came from the boot_info command line. */
	char want[BOOT_CMDLINE_MAX + 8];
	ksnprintf(want, sizeof want, "test=%s", t);
	KTEST_ASSERT(strstr(boot_info.cmdline, want) != 0);
	KTEST_ASSERT_EQ(cmdline_num("hz"), timer_hz);
	long smp = cmdline_num("smp");
	KTEST_ASSERT(smp >= 0 && smp <= MAX_CPUS);
	KTEST_ASSERT(cmdline_str("nosuchkey") == 0);
}

/* ---- spin locks -------------------------------------------------------- */

#define LOCK_ITERS 3000
static struct spinlock test_lock = SPINLOCK_INIT("test");
static volatile uint64_t locked_counter;
static uint64_t lock_per_cpu[MAX_CPUS];
static uint32_t lock_bad_holder;

static void lock_fn(void *arg)
{
	(void)arg;
	unsigned id = cpu_id();
	for (int i = 0; i < LOCK_ITERS; i++) {
		bool on = (i & 1) ? spin_lock_irqsave(&test_lock) : (spin_lock(&test_lock), true);
		if (test_lock.holder_cpu != (int32_t)id || !spin_held_by_me(&test_lock))
			lock_bad_holder++;
		/* A wide read-modify-write window: a second holder would lose updates. */
		uint64_t v = locked_counter;
		cpu_relax();
		cpu_relax();
		locked_counter = v + 1;
		lock_per_cpu[id]++;
		if (i & 1)
			spin_unlock_irqrestore(&test_lock, on);
		else
			spin_unlock(&test_lock);
	}
}

KTEST(boot_spinlock)
{
	unsigned n = online_count();
	/* Single-CPU semantics first. */
	KTEST_ASSERT(!spin_held_by_me(&test_lock));
	KTEST_ASSERT(spin_trylock(&test_lock));
	KTEST_ASSERT(spin_held_by_me(&test_lock));
	KTEST_ASSERT(!spin_trylock(&test_lock));
	spin_unlock(&test_lock);
	KTEST_ASSERT_EQ(test_lock.holder_cpu, -1);
	KTEST_ASSERT(irq_enabled());
	bool on = spin_lock_irqsave(&test_lock);
	KTEST_ASSERT(on && !irq_enabled());
	spin_unlock_irqrestore(&test_lock, on);
	KTEST_ASSERT(irq_enabled());

	locked_counter = 0;
	lock_bad_holder = 0;
	memset(lock_per_cpu, 0, sizeof lock_per_cpu);
	smp_call_all(lock_fn, 0);
	KTEST_ASSERT_EQ(lock_bad_holder, 0);
	for (unsigned i = 0; i < n; i++)
		KTEST_ASSERT_EQ(lock_per_cpu[i], LOCK_ITERS);
	if (locked_counter != (uint64_t)n * LOCK_ITERS)
		ktest_fail("counter %lu after %u CPUs x %d locked increments: updates lost",
			   (unsigned long)locked_counter, n, LOCK_ITERS);
	KTEST_ASSERT(!test_lock.locked);
}
