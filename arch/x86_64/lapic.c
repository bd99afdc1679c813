/*
 * lapic.c - local APIC access (contract in lapic.h).
 * Register offsets and ICR fields: SDM Vol. 3A, 11.4 and 11.6; x2APIC MSR
 * numbers are 0x800 + (xAPIC offset >> 4) (SDM 11.12.1.2).
 */
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "kernel/acpi.h"
#include "kernel/mm.h"
#include "kernel/time.h"
#include "kernel/kprintf.h"

#define LAPIC_ID        0x020
#define LAPIC_TPR       0x080
#define LAPIC_EOI       0x0b0
#define LAPIC_SVR       0x0f0
#define LAPIC_ESR       0x280
#define LAPIC_ICR_LO    0x300
#define LAPIC_ICR_HI    0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_ICR 0x380
#define LAPIC_TIMER_CCR 0x390
#define LAPIC_TIMER_DCR 0x3e0

#define APIC_BASE_ENABLE   (1ULL << 11)
#define APIC_BASE_X2APIC   (1ULL << 10)
#define SVR_APIC_ENABLE    (1u << 8)
#define LVT_MASKED         (1u << 16)
#define LVT_TIMER_PERIODIC (1u << 17)
#define ICR_DELIVERY_FIXED 0x000
#define ICR_DELIVERY_NMI   0x400
#define ICR_DELIVERY_INIT  0x500
#define ICR_DELIVERY_SIPI  0x600
#define ICR_LEVEL_ASSERT   (1u << 14)
#define ICR_SEND_PENDING   (1u << 12)
#define TIMER_DIVIDE_BY_16 0x3
#define CPUID_1_ECX_X2APIC (1u << 21)
#define X2APIC_MSR_BASE    0x800
#define LAPIC_CALIBRATE_MS 10

bool lapic_x2apic;
uint32_t lapic_timer_hz;
static volatile uint32_t *lapic_mmio;

static uint32_t lapic_read(uint32_t reg)
{
	if (lapic_x2apic)
		return (uint32_t)rdmsr(X2APIC_MSR_BASE + (reg >> 4));
	return lapic_mmio[reg / 4];
}

static void lapic_write(uint32_t reg, uint32_t v)
{
	if (lapic_x2apic)
		wrmsr(X2APIC_MSR_BASE + (reg >> 4), v);
	else
		lapic_mmio[reg / 4] = v;
}

void lapic_init_cpu(void)
{
	uint64_t base = rdmsr(IA32_APIC_BASE);
	if (cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC) {
		lapic_x2apic = true;
		wrmsr(IA32_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	} else {
		if (!lapic_mmio) {
			uint64_t phys = acpi.lapic_phys ? acpi.lapic_phys : (base & ~0xfffULL);
			lapic_mmio = vmm_map_mmio(phys, PAGE_SIZE, VMM_CACHE_UC);
		}
		wrmsr(IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	}
	lapic_write(LAPIC_TPR, 0);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, SVR_APIC_ENABLE | VEC_SPURIOUS);
	lapic_eoi();
}

uint32_t lapic_id(void)
{
	uint32_t id = lapic_read(LAPIC_ID);
	return lapic_x2apic ? id : id >> 24;
}

void lapic_eoi(void)
{
	lapic_write(LAPIC_EOI, 0);
}

bool lapic_icr_busy(void)
{
	return !lapic_x2apic && (lapic_read(LAPIC_ICR_LO) & ICR_SEND_PENDING);
}

static void lapic_send(uint32_t apic_id, uint32_t low)
{
	bool on = irq_save();
	if (lapic_x2apic) {
		wrmsr(X2APIC_MSR_BASE + (LAPIC_ICR_LO >> 4), ((uint64_t)apic_id << 32) | low);
	} else {
		while (lapic_icr_busy())
			cpu_relax();
		lapic_write(LAPIC_ICR_HI, apic_id << 24);
		lapic_write(LAPIC_ICR_LO, low);
	}
	irq_restore(on);
}

void lapic_send_ipi(uint32_t apic_id, uint8_t vector)
{
	lapic_send(apic_id, ICR_DELIVERY_FIXED | ICR_LEVEL_ASSERT | vector);
}

void lapic_send_nmi(uint32_t apic_id)
{
	lapic_send(apic_id, ICR_DELIVERY_NMI | ICR_LEVEL_ASSERT);
}

void lapic_send_init(uint32_t apic_id)
{
	lapic_send(apic_id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_sipi(uint32_t apic_id, uint8_t page)
{
	lapic_send(apic_id, ICR_DELIVERY_SIPI | ICR_LEVEL_ASSERT | page);
}

void lapic_timer_calibrate(void)
{
	lapic_write(LAPIC_TIMER_DCR, TIMER_DIVIDE_BY_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_ICR, 0xffffffff);
	uint64_t t0 = time_ns();
	while (time_ns() - t0 < LAPIC_CALIBRATE_MS * 1000000ULL)
		cpu_relax();
	uint32_t elapsed = 0xffffffff - lapic_read(LAPIC_TIMER_CCR);
	uint64_t ns = time_ns() - t0;
	lapic_write(LAPIC_TIMER_ICR, 0);
	lapic_timer_hz = (uint32_t)((uint64_t)elapsed * 1000000000ULL / ns);
	kprintf("lapic: %s mode, timer %u kHz (calibrated over %u ms)\n",
		lapic_x2apic ? "x2APIC" : "xAPIC", lapic_timer_hz / 1000, LAPIC_CALIBRATE_MS);
}

void lapic_timer_start(unsigned hz)
{
	uint32_t count = lapic_timer_hz / hz;
	lapic_write(LAPIC_TIMER_DCR, TIMER_DIVIDE_BY_16);
	lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_PERIODIC | VEC_TIMER);
	lapic_write(LAPIC_TIMER_ICR, count ? count : 1);
}

/* Writing the initial count restarts the countdown; in periodic mode the
 * new count also becomes the period (the next tick sets it again). */
void lapic_timer_next_period(unsigned hz, unsigned percent)
{
	uint64_t count = (uint64_t)(lapic_timer_hz / hz) * percent / 100;
	lapic_write(LAPIC_TIMER_ICR, count ? (uint32_t)count : 1);
}

void lapic_timer_stop(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED);
	lapic_write(LAPIC_TIMER_ICR, 0);
}
