/*
 * time.c - TSC frequency and time since boot (contract in time.h).
 *
 * The TSC is calibrated once against a reference counter whose frequency is
 * known exactly: the HPET (period in femtoseconds in its capabilities
 * register), else the ACPI PM timer (3.579545 MHz), with several bracketed
 * windows (kernel/tsc_calib.h: a vCPU stall between two reads cannot fool
 * it). The other counter, CPUID leaf 0x15/0x16 and the hypervisor's TSC
 * leaf (0x40000010), where present, are cross-checks: one line says how
 * many windows agreed, their spread, and any source that disagrees.
 * Without a counter, CPUID's figure is used. Boot CPU, once, after
 * acpi_init and vmm_init. Built with -mgeneral-regs-only (Makefile): the
 * preemption paths call time_ns while the SIMD registers still hold the
 * interrupted code's values.
 */
#include "kernel/time.h"
#include "kernel/acpi.h"
#include "kernel/mm.h"
#include "kernel/kprintf.h"
#include "kernel/panic.h"
#include "kernel/tsc_calib.h"
#include "arch/x86_64/cpu.h"

#define HPET_GCAP_ID          0x000  /* General Capabilities and ID */
#define HPET_GCAP_COUNT_64    (1ULL << 13)
#define HPET_GEN_CONF         0x010
#define HPET_MAIN_COUNTER     0x0f0
#define HPET_GEN_CONF_ENABLE  (1ULL << 0)
#define HPET_FS_PER_S         1000000000000000ULL
#define PM_TIMER_HZ           3579545ULL
#define PM_TIMER_MASK_24      0xffffffULL
#define PM_TIMER_MASK_32      0xffffffffULL
#define CPUID_TSC_LEAF        0x15   /* TSC/crystal ratio and crystal Hz */
#define CPUID_FREQ_LEAF       0x16   /* base frequency in MHz */
#define CPUID_HV_BASE         0x40000000
#define CPUID_HV_TIMING       0x40000010 /* EAX: TSC kHz (KVM, VMware, ...) */
#define CALIB_WINDOWS         7
#define CALIB_WINDOW_US       10000
#define CHECK_WINDOWS         3
#define MAX_READS             100000000ULL  /* a counter that does not move */
#define DISAGREE_PPM          10000         /* 1%: a cross-check that disagrees */

uint64_t tsc_hz;
uint64_t tsc_at_boot;

static volatile uint64_t *hpet;

static uint64_t hpet_read(unsigned reg) { return hpet[reg / 8]; }
static uint64_t read_hpet(void *ctx) { (void)ctx; return hpet_read(HPET_MAIN_COUNTER); }
static uint64_t read_pm(void *ctx) { (void)ctx; return acpi_pm_timer_read(); }
static uint64_t read_tsc(void *ctx) { (void)ctx; return rdtsc(); }

/* The HPET as a reference clock, or false when it is unusable. */
static bool hpet_clock(struct tsc_clock *c)
{
	if (!acpi.has_hpet)
		return false;
	hpet = vmm_map_mmio(acpi.hpet_phys, PAGE_SIZE, VMM_CACHE_UC);
	uint64_t cap = hpet_read(HPET_GCAP_ID), period_fs = cap >> 32;
	if (period_fs == 0 || period_fs > 100000000ULL) /* spec: at most 100 ns */
		return false;
	hpet[HPET_GEN_CONF / 8] = hpet_read(HPET_GEN_CONF) | HPET_GEN_CONF_ENABLE;
	*c = (struct tsc_clock){ "HPET", read_hpet, read_tsc, 0, HPET_FS_PER_S / period_fs,
				 cap & HPET_GCAP_COUNT_64 ? UINT64_MAX : 0xffffffffULL, MAX_READS };
	return true;
}

static bool pm_clock(struct tsc_clock *c)
{
	if (!acpi.pm_timer_port)
		return false;
	*c = (struct tsc_clock){ "ACPI PM timer", read_pm, read_tsc, 0, PM_TIMER_HZ,
				 acpi.pm_timer_32bit ? PM_TIMER_MASK_32 : PM_TIMER_MASK_24, MAX_READS };
	return true;
}

/* What CPUID says the TSC runs at, or 0: leaf 0x15 (crystal * ratio), the
 * hypervisor's timing leaf, leaf 0x16 (base MHz, often the TSC rate). */
static uint64_t tsc_from_cpuid(const char **what)
{
	uint32_t max = cpuid(0, 0).eax;
	if (max >= CPUID_TSC_LEAF) {
		struct cpuid_regs r = cpuid(CPUID_TSC_LEAF, 0);
		if (r.eax && r.ebx && r.ecx) {
			*what = "CPUID 0x15";
			return (uint64_t)r.ecx * r.ebx / r.eax;
		}
	}
	if ((cpuid(1, 0).ecx & (1u << 31)) && cpuid(CPUID_HV_BASE, 0).eax >= CPUID_HV_TIMING) {
		uint32_t khz = cpuid(CPUID_HV_TIMING, 0).eax;
		if (khz) {
			*what = "the hypervisor's CPUID 0x40000010";
			return (uint64_t)khz * 1000;
		}
	}
	if (max >= CPUID_FREQ_LEAF && (cpuid(CPUID_FREQ_LEAF, 0).eax & 0xffff)) {
		*what = "CPUID 0x16";
		return (uint64_t)(cpuid(CPUID_FREQ_LEAF, 0).eax & 0xffff) * 1000000;
	}
	return 0;
}

static uint64_t diff_ppm(uint64_t a, uint64_t b)
{
	uint64_t d = a > b ? a - b : b - a;
	return (uint64_t)((unsigned __int128)d * 1000000 / b);
}

static void mhz(char *buf, size_t size, uint64_t hz)
{
	ksnprintf(buf, size, "%lu.%03lu MHz", (unsigned long)(hz / 1000000),
		  (unsigned long)(hz / 1000 % 1000));
}

/* One line per source that disagrees with the calibration by over 1%. */
static void cross_check(const struct tsc_clock *other, uint64_t hz)
{
	char a[32], b[32];
	struct tsc_estimate e;
	const char *what = NULL;
	if (other && tsc_calibrate(other, CHECK_WINDOWS, CALIB_WINDOW_US, &e) == 0 &&
	    diff_ppm(e.hz, hz) > DISAGREE_PPM) {
		mhz(a, sizeof a, hz), mhz(b, sizeof b, e.hz);
		kprintf("time: the %s says the TSC runs at %s, not %s: a clock is wrong\n",
			other->name, b, a);
	}
	uint64_t c = tsc_from_cpuid(&what);
	if (c && diff_ppm(c, hz) > DISAGREE_PPM) {
		mhz(a, sizeof a, hz), mhz(b, sizeof b, c);
		kprintf("time: %s says the TSC runs at %s, measured %s (kept)\n", what, b, a);
	}
}

void time_init(void)
{
	struct tsc_clock clk[2];
	unsigned n = 0;
	struct tsc_estimate e = { 0, 0, 0, 0, 0 };
	if (hpet_clock(&clk[n]))
		n++;
	if (pm_clock(&clk[n]))
		n++;
	for (unsigned i = 0; i < n; i++) {
		if (tsc_calibrate(&clk[i], CALIB_WINDOWS, CALIB_WINDOW_US, &e) < 0) {
			kprintf("time: the %s does not count; not used\n", clk[i].name);
			continue;
		}
		tsc_hz = e.hz;
		uint64_t ppm = tsc_spread_ppm(&e);
		char f[32];
		mhz(f, sizeof f, e.hz);
		kprintf("time: TSC %s against the %s: %u of %u %u-ms windows agree, spread %lu.%04lu%%\n",
			f, clk[i].name, e.used, e.windows, CALIB_WINDOW_US / 1000,
			(unsigned long)(ppm / 10000), (unsigned long)(ppm % 10000));
		cross_check(i + 1 < n ? &clk[i + 1] : NULL, e.hz);
		return;
	}
	const char *what = NULL;
	tsc_hz = tsc_from_cpuid(&what);
	if (!tsc_hz)
		panic("time: no HPET, no ACPI PM timer and no CPUID TSC leaf: cannot calibrate the TSC");
	char f[32];
	mhz(f, sizeof f, tsc_hz);
	kprintf("time: TSC %s from %s (no reference counter to measure it against)\n", f, what);
}

uint64_t tsc_to_ns(uint64_t ticks)
{
	/* 128-bit product: ticks can be large and tsc_hz is ~1e9. */
	return (uint64_t)((unsigned __int128)ticks * 1000000000ULL / tsc_hz);
}

uint64_t ns_to_tsc(uint64_t ns)
{
	return (uint64_t)((unsigned __int128)ns * tsc_hz / 1000000000ULL);
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
