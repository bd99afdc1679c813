/*
 * pic.c - the legacy 8259 PICs: remapped away from the exception vectors
 * and masked, since all interrupts come through the LAPIC (and IOAPIC).
 * Boot CPU, once, interrupts off.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/pic.h"
#include "arch/x86_64/trap.h"

#define PIC1_CMD   0x20
#define PIC1_DATA  0x21
#define PIC2_CMD   0xa0
#define PIC2_DATA  0xa1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086  0x01
#define PIC_CASCADE_IRQ 2
#define PIC_MASK_ALL 0xff

void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, VEC_PIC_BASE);
	outb(PIC2_DATA, VEC_PIC_BASE + 8);
	outb(PIC1_DATA, 1 << PIC_CASCADE_IRQ);
	outb(PIC2_DATA, PIC_CASCADE_IRQ);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, PIC_MASK_ALL);
	outb(PIC2_DATA, PIC_MASK_ALL);
}
