/*
 * lapic.h - the local APIC, in x2APIC mode when the CPU has it, else xAPIC.
 *
 * lapic_init_cpu: every CPU, once, interrupts off (the boot CPU first, after
 * acpi_init and vmm_init). The rest may be called on any CPU with the LAPIC
 * initialised; lapic_send_* may be called with interrupts on or off.
 */
#ifndef ARCH_X86_64_LAPIC_H
#define ARCH_X86_64_LAPIC_H

#include <stdint.h>
#include <stdbool.h>

extern bool lapic_x2apic;      /* x2APIC mode in use */
extern uint32_t lapic_timer_hz;   /* LAPIC timer input clock after divide, ticks per second */

void lapic_init_cpu(void);
uint32_t lapic_id(void);
void lapic_eoi(void);
void lapic_send_ipi(uint32_t apic_id, uint8_t vector);
void lapic_send_nmi(uint32_t apic_id);
void lapic_send_init(uint32_t apic_id);
void lapic_send_sipi(uint32_t apic_id, uint8_t page);
bool lapic_icr_busy(void);
/* Calibrate the timer against time_ns (boot CPU, once, after time_init). */
void lapic_timer_calibrate(void);
/* Start the periodic timer on this CPU: hz interrupts per second on VEC_TIMER. */
void lapic_timer_start(unsigned hz);
void lapic_timer_stop(void);
/* From this CPU's timer interrupt: the next period only, percent (1..)
 * of the one lapic_timer_start(hz) set (schedfuzz's tick jitter). */
void lapic_timer_next_period(unsigned hz, unsigned percent);

#endif
