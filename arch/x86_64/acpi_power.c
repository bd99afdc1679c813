/*
 * acpi_power.c - power off (S5) and reset using what acpi_init parsed.
 *
 * Both functions may be called from any CPU in any context (panic
 * included); they disable interrupts, try each method in turn, print one
 * line per method that did not work, and return only if the machine is
 * still running. Also the ACPI PM timer's read (kernel/time.c). Port I/O,
 * so x86 and here; not for host tests.
 */
#ifndef HOST_TEST
#include "kernel/acpi.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "arch/x86_64/cpu.h"

#define PM1_SCI_EN      (1u << 0)
#define PM1_SLP_TYP     (7u << 10)
#define PM1_SLP_EN      (1u << 13)
#define SLEEP_CTL_SLP_EN  (1u << 5)   /* HW-reduced sleep control register */
#define SLEEP_CTL_TYP_SHIFT 2
#define PORT_POST_CODE       0x80   /* POST diagnostic port: an access takes ~1 us */
#define PCI_CONFIG_ADDRESS   0xcf8  /* configuration mechanism #1 */
#define PCI_CONFIG_DATA      0xcfc
#define PCI_CONFIG_ENABLE    0x80000000u
#define I8042_STATUS         0x64   /* 8042 keyboard controller: status / command */
#define I8042_STATUS_IBF     (1u << 1)  /* input buffer full: not ready for a command */
#define I8042_CMD_RESET      0xfe   /* pulse the CPU reset line */

uint32_t acpi_pm_timer_read(void)
{
	return inl((uint16_t)acpi.pm_timer_port);
}

/* About us microseconds: each port 0x80 access takes ~1 us on PC hardware;
 * independent of time_init, so usable from early panics. */
static void io_delay_us(unsigned us)
{
	while (us--)
		inb(PORT_POST_CODE);
}

/* Write v to a GAS register of up to 64 bits (only what reset and sleep
 * control need: I/O and memory space, byte-wide values). */
static void gas_write8(const struct acpi_gas *g, uint8_t v)
{
	switch (g->space_id) {
	case ACPI_GAS_IO:
		outb((uint16_t)g->address, v);
		break;
	case ACPI_GAS_MEMORY: {
		uint64_t page = g->address & ~(PAGE_SIZE - 1);
		volatile uint8_t *m = vmm_map_mmio(page, PAGE_SIZE, VMM_CACHE_UC);
		m[g->address - page] = v;
		break;
	}
	case ACPI_GAS_PCI_CONFIG: {
		/* bus 0; address = device << 32 | function << 16 | offset */
		uint32_t dev = (g->address >> 32) & 0x1f, fn = (g->address >> 16) & 7;
		uint32_t off = g->address & 0xff;
		outl(PCI_CONFIG_ADDRESS, PCI_CONFIG_ENABLE | dev << 11 | fn << 8 | (off & 0xfc));
		outb((uint16_t)(PCI_CONFIG_DATA + (off & 3)), v);
		break;
	}
	}
}

/* Legacy (non-HW-reduced) firmware may still be in SMM-owned legacy mode;
 * SLP_EN is only honoured once SCI_EN is set. */
static void acpi_enable_mode(void)
{
	if (!acpi.pm1a_cnt_port || (inw((uint16_t)acpi.pm1a_cnt_port) & PM1_SCI_EN))
		return;
	if (!acpi.smi_cmd || !acpi.acpi_enable)
		return;
	outb((uint16_t)acpi.smi_cmd, acpi.acpi_enable);
	for (int i = 0; i < 3000 && !(inw((uint16_t)acpi.pm1a_cnt_port) & PM1_SCI_EN); i++)
		io_delay_us(1000);
}

static void pm1_write_sleep(uint32_t port, uint8_t typ)
{
	if (!port)
		return;
	uint16_t v = inw((uint16_t)port) & ~(PM1_SLP_TYP | PM1_SLP_EN);
	v |= (uint16_t)((typ & 7) << 10);
	outw((uint16_t)port, v);                 /* SLP_TYP first, as ACPICA does, */
	outw((uint16_t)port, v | PM1_SLP_EN);    /* then SLP_EN */
}

void acpi_power_off(void)
{
	bool on = irq_save();
	if (!acpi.has_fadt) {
		kprintf("acpi: power off: no FADT\n");
	} else if (!acpi.s5_valid) {
		kprintf("acpi: power off: no \\_S5 in the DSDT\n");
	} else if (acpi.hw_reduced) {
		if (!acpi.has_sleep_ctl) {
			kprintf("acpi: power off: HW-reduced and no sleep control register\n");
		} else {
			gas_write8(&acpi.sleep_ctl, (uint8_t)((acpi.s5_typa & 7) << SLEEP_CTL_TYP_SHIFT |
							      SLEEP_CTL_SLP_EN));
			io_delay_us(100000);
			kprintf("acpi: power off: sleep control register write did not power off\n");
		}
	} else if (!acpi.pm1a_cnt_port) {
		kprintf("acpi: power off: no PM1a control block\n");
	} else {
		acpi_enable_mode();
		pm1_write_sleep(acpi.pm1a_cnt_port, acpi.s5_typa);
		pm1_write_sleep(acpi.pm1b_cnt_port, acpi.s5_typb);
		io_delay_us(100000);
		kprintf("acpi: power off: S5 via PM1 control port 0x%x did not power off\n",
			acpi.pm1a_cnt_port);
	}
	irq_restore(on);
}

void acpi_reset(void)
{
	bool on = irq_save();
	if (acpi.reset_supported) {
		gas_write8(&acpi.reset_reg, acpi.reset_value);
		io_delay_us(100000);
		kprintf("acpi: reset: FADT reset register (space %u, 0x%lx) did not reset, trying the keyboard controller\n",
			acpi.reset_reg.space_id, (unsigned long)acpi.reset_reg.address);
	} else {
		kprintf("acpi: reset: no FADT reset register, trying the keyboard controller\n");
	}

	/* 8042: wait for its input buffer to drain, then pulse the reset line. */
	for (int i = 0; i < 100000 && (inb(I8042_STATUS) & I8042_STATUS_IBF); i++)
		io_delay_us(1);
	outb(I8042_STATUS, I8042_CMD_RESET);
	io_delay_us(100000);
	kprintf("acpi: reset: keyboard controller reset did not reset\n");
	irq_restore(on);
}
#endif
