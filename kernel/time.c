/*
 * time.c - TSC frequency and time since boot (contract in time.h).
 *
 * The TSC is calibrated once against a reference clock whose frequency is
 * known exactly: the HPET (period in femtoseconds in its capabilities
 * register), else the ACPI PM timer (3.579545 MHz), else CPUID leaf 0x15.
 * Boot CPU, once, after acpi_init and vmm_init.
 */
#include "kernel/time.h"
#include "kernel/acpi.h"
#include "kernel/mm.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"
#include "arch/x86_64/cpu.h"

#define HPET_GCAP_ID          0x000  /* General Capabilities and ID */
#define HPET_GEN_CONF         0x010
#define HPET_MAIN_COUNTER     0x0f0
#define HPET_GEN_CONF_ENABLE  (1ULL << 0)
#define HPET_FS_PER_S         1000000000000000ULL
#define PM_TIMER_HZ           3579545ULL
#define PM_TIMER_MASK_24      0xffffffULL
#define PM_TIMER_MASK_32      0xffffffffULL
#define CALIBRATE_MS          20

uint64_t tsc_hz;
uint64_t tsc_at_boot;

static volatile uint64_t *hpet;

static uint64_t hpet_read(unsigned reg) { return hpet[reg / 8]; }

/* Measure TSC ticks over CALIBRATE_MS of a reference counter. */
static uint64_t calibrate_hpet(void)
{
	hpet = vmm_map_mmio(acpi.hpet_phys, PAGE_SIZE, VMM_CACHE_UC);
	uint64_t period_fs = hpet_read(HPET_GCAP_ID) >> 32;
	if (period_fs == 0 || period_fs > 100000000ULL) /* spec: at most 100 ns */
		return 0;
	hpet[HPET_GEN_CONF / 8] = hpet_read(HPET_GEN_CONF) | HPET_GEN_CONF_ENABLE;
	uint64_t want = CALIBRATE_MS * 1000000000000ULL / period_fs;
	uint64_t h0 = hpet_read(HPET_MAIN_COUNTER), t0 = rdtsc(), h1;
	do
		h1 = hpet_read(HPET_MAIN_COUNTER);
	while (h1 - h0 < want);
	uint64_t t1 = rdtsc();
	return (uint64_t)((unsigned __int128)(t1 - t0) * HPET_FS_PER_S / ((h1 - h0) * period_fs));
}

static uint64_t calibrate_pm_timer(void)
{
	uint64_t mask = acpi.pm_timer_32bit ? PM_TIMER_MASK_32 : PM_TIMER_MASK_24;
	uint64_t want = PM_TIMER_HZ * CALIBRATE_MS / 1000, elapsed = 0;
	uint64_t last = inl(acpi.pm_timer_port) & mask, t0 = rdtsc();
	while (elapsed < want) {
		uint64_t now = inl(acpi.pm_timer_port) & mask;
		elapsed += (now - last) & mask;
		last = now;
	}
	return (uint64_t)((unsigned __int128)(rdtsc() - t0) * PM_TIMER_HZ / elapsed);
}

static uint64_t tsc_from_cpuid(void)
{
	if (cpuid(0, 0).eax < 0x15)
		return 0;
	struct cpuid_regs r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax;
}

void time_init(void)
{
	const char *src = "HPET";
	uint64_t hz = 0;
	if (acpi.has_hpet)
		hz = calibrate_hpet();
	if (!hz && acpi.pm_timer_port) {
		src = "ACPI PM timer";
		hz = calibrate_pm_timer();
	}
	if (!hz) {
		src = "CPUID 0x15";
		hz = tsc_from_cpuid();
	}
	if (!hz)
		panic("time: no HPET, no ACPI PM timer and no CPUID 0x15: cannot calibrate the TSC");
	tsc_hz = hz;
	kprintf("time: TSC %lu.%03lu MHz (calibrated against the %s)\n",
		(unsigned long)(hz / 1000000), (unsigned long)(hz / 1000 % 1000), src);
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	/* 128-bit product: ticks can be large and tsc_hz is ~1e9. */
	return (uint64_t)((unsigned __int128)ticks * 1000000000ULL / tsc_hz);
}

uint64_t time_ns(void)
{
	return tsc_hz ? tsc_to_ns(rdtsc() - tsc_at_boot) : 0;
}

void udelay(uint64_t us)
{
	uint64_t end = rdtsc() + us * tsc_hz / 1000000;
	while ((int64_t)(rdtsc() - end) < 0)
		cpu_relax();
}
