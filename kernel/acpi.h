/*
 * acpi.h - ACPI table parsing: RSDP, RSDT/XSDT, MADT, FADT, HPET, MCFG and
 * the \_S5 sleep type from the DSDT (see docs/acpi.md).
 *
 * acpi_parse is pure: it reads memory only through the map callback and
 * reports problems only through the warn callback, so the host unit test
 * (tests/host/test_acpi.c) runs it on captured tables. Nothing here
 * allocates, takes a lock or writes anything but *out.
 *
 * Kernel: acpi_init fills the global `acpi` once, on the boot CPU, before
 * the other CPUs start; afterwards `acpi` is read-only and any CPU may read
 * it without a lock. acpi_power_off and acpi_reset (arch/x86_64/acpi_power.c)
 * may be called from any CPU, any context; they return only on failure.
 */
#ifndef KERNEL_ACPI_H
#define KERNEL_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ACPI_MAX_CPUS       1024
#define ACPI_MAX_IOAPICS    8
#define ACPI_MAX_OVERRIDES  16
#define ACPI_MAX_NMIS       16
#define ACPI_MAX_MCFG       4
#define ACPI_MAX_TABLE_LEN  (16u << 20)   /* larger "tables" are treated as corrupt */

/* Generic Address Structure address spaces (ACPI 6.5, 5.2.3.2). */
#define ACPI_GAS_MEMORY     0
#define ACPI_GAS_IO         1
#define ACPI_GAS_PCI_CONFIG 2

/* FADT flags (ACPI 6.5, table 5.10). */
#define ACPI_FADT_TMR_VAL_EXT     (1u << 8)
#define ACPI_FADT_RESET_REG_SUP   (1u << 10)
#define ACPI_FADT_HW_REDUCED      (1u << 20)

/* FADT IAPC_BOOT_ARCH flags. */
#define ACPI_BOOT_LEGACY_DEVICES  (1u << 0)
#define ACPI_BOOT_8042            (1u << 1)
#define ACPI_BOOT_NO_VGA          (1u << 2)
#define ACPI_BOOT_NO_MSI          (1u << 3)
#define ACPI_BOOT_NO_ASPM         (1u << 4)
#define ACPI_BOOT_NO_CMOS_RTC     (1u << 5)

/* MPS INTI flags in an interrupt source override / NMI entry. */
#define ACPI_IRQ_POLARITY_MASK    0x3   /* 0 bus default, 1 active high, 3 active low */
#define ACPI_IRQ_TRIGGER_MASK     0xc   /* 0 bus default, 4 edge, 0xc level */

/* One usable processor: MADT entries with neither Enabled nor Online
 * Capable set are not stored (they can never run). */
struct acpi_cpu {
	uint32_t apic_id;      /* local APIC / x2APIC ID */
	uint32_t uid;          /* ACPI processor UID */
	bool enabled;          /* may be started now */
	bool online_capable;   /* disabled now, may be hot-added later */
	bool x2apic;           /* from a Processor Local x2APIC entry (type 9) */
};

struct acpi_ioapic {
	uint32_t id;
	uint64_t phys;         /* MMIO base */
	uint32_t gsi_base;     /* first global system interrupt it serves */
};

struct acpi_irq_override {
	uint8_t bus, source;   /* bus 0 = ISA; source = ISA IRQ */
	uint32_t gsi;
	uint16_t flags;        /* ACPI_IRQ_POLARITY_MASK / ACPI_IRQ_TRIGGER_MASK */
};

struct acpi_lapic_nmi {
	uint32_t uid;          /* processor UID; 0xff (type 4) / 0xffffffff (type 10) = all */
	uint16_t flags;        /* MPS INTI flags */
	uint8_t lint;          /* LINT0 or LINT1 */
};

/* Generic Address Structure. space_id: ACPI_GAS_*; access_size 1..4 =
 * byte..qword, 0 = undefined. */
struct acpi_gas {
	uint8_t space_id, bit_width, bit_offset, access_size;
	uint64_t address;
};

struct acpi_mcfg {
	uint64_t ecam_phys;    /* ECAM base for bus 0 of this segment */
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

struct acpi_info {
	/* RSDP and root table */
	char oem_id[7];            /* RSDP OEM ID, trailing spaces removed */
	uint8_t revision;          /* RSDP revision: 0 = ACPI 1.0, 2 = 2.0+ */
	bool xsdt;                 /* the tables came from the XSDT (else RSDT) */
	uint64_t rsdp_phys, root_phys;

	/* MADT */
	bool has_madt;
	uint64_t lapic_phys;       /* after any LAPIC Address Override */
	bool has_8259;             /* PCAT_COMPAT: dual 8259 present, mask it */
	unsigned ncpus;            /* entries in cpu[] */
	unsigned ncpus_enabled;    /* of those, with enabled set */
	unsigned ncpus_dropped;    /* usable CPUs beyond ACPI_MAX_CPUS, not stored */
	struct acpi_cpu cpu[ACPI_MAX_CPUS];
	unsigned nioapics;
	struct acpi_ioapic ioapic[ACPI_MAX_IOAPICS];
	unsigned noverrides;
	struct acpi_irq_override override[ACPI_MAX_OVERRIDES];
	unsigned nnmis;
	struct acpi_lapic_nmi nmi[ACPI_MAX_NMIS];

	/* FADT */
	bool has_fadt;
	uint8_t fadt_revision;
	uint32_t fadt_flags;       /* ACPI_FADT_* */
	bool hw_reduced;           /* HW_REDUCED_ACPI: no PM1/PM timer hardware */
	uint16_t sci_irq;
	uint32_t smi_cmd;          /* port to write acpi_enable to, 0 = none */
	uint8_t acpi_enable;
	uint32_t pm_timer_port;    /* 0 = no PM timer (or not in I/O space) */
	bool pm_timer_32bit;       /* TMR_VAL_EXT: 32-bit counter, else 24-bit */
	uint32_t pm1a_cnt_port, pm1b_cnt_port;   /* 0 = absent */
	bool has_sleep_ctl;        /* HW-reduced sleep control register (FADT 5+) */
	struct acpi_gas sleep_ctl;
	bool reset_supported;      /* RESET_REG_SUP set and reset_reg usable */
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t iapc_boot_arch;   /* ACPI_BOOT_*; 0 when the FADT is too old */
	uint64_t dsdt_phys;

	/* \_S5 from the DSDT (a byte scan, not an AML interpreter) */
	bool s5_valid;
	uint8_t s5_typa, s5_typb;  /* SLP_TYPa / SLP_TYPb, 3 bits each */

	/* HPET (first one) */
	bool has_hpet;
	uint64_t hpet_phys;
	uint32_t hpet_block_id;    /* event timer block ID (vendor, comparators) */
	uint16_t hpet_min_tick;    /* minimum clock ticks in periodic mode */

	/* MCFG: PCI Express ECAM regions */
	unsigned nmcfg;
	struct acpi_mcfg mcfg[ACPI_MAX_MCFG];

	unsigned nwarnings;        /* how many times warn was called */
};

/* Return readable memory for [phys, phys+len), or NULL when that range
 * cannot be read (the table is then skipped with a warning). */
typedef const void *(*acpi_map_fn)(uint64_t phys, size_t len);
/* One warning, one line, no trailing newline. May be NULL. */
typedef void (*acpi_warn_fn)(const char *msg);

/* Parse everything reachable from the RSDP at rsdp_phys into *out (which
 * is cleared first). Returns 0 on success, -1 when there is no usable RSDP
 * or root table (then *out holds nothing but zeros and nwarnings). A table
 * with a bad signature, length or checksum is skipped with a warning. */
int acpi_parse(uint64_t rsdp_phys, acpi_map_fn map, acpi_warn_fn warn, struct acpi_info *out);

/* Look for the RSDP where legacy BIOSes put it: the first KiB of the EBDA,
 * then 0xE0000-0xFFFFF, on 16-byte boundaries with a valid checksum.
 * Returns its physical address, 0 when not found. */
uint64_t acpi_find_rsdp(acpi_map_fn map);

/* Format the one-line summary (no "acpi: " prefix, no newline) into buf. */
void acpi_summary(const struct acpi_info *a, char *buf, size_t size);

#ifndef HOST_TEST
extern struct acpi_info acpi;
/* Boot CPU, once. rsdp_phys = boot_info's rsdp_phys; 0 = search the legacy
 * BIOS areas. Prints the summary line; returns acpi_parse's result. */
int acpi_init(uint64_t rsdp_phys);
/* S5 soft-off via PM1a/PM1b control (or the HW-reduced sleep control
 * register). Returns only if the machine is still running. */
void acpi_power_off(void);
/* The ACPI PM timer's counter (acpi.pm_timer_port must be set). Any context. */
uint32_t acpi_pm_timer_read(void);
/* Reset via the FADT reset register, then the keyboard controller.
 * Returns only if the machine is still running. */
void acpi_reset(void);
#endif

#endif
