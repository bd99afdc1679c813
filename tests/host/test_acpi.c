/*
 * test_acpi.c - host tests for kernel/acpi.c.
 *
 * Real tables: tests/data/acpi/host-vm (this build machine, a Firecracker
 * VM: HW-reduced FADT, no \_S5), qemu-q35 / qemu-pc (QEMU 7.2 + SeaBIOS,
 * revision-0 RSDP and RSDT) and qemu-q35-ovmf (QEMU 7.2 + OVMF, revision-2
 * RSDP and XSDT), captured by tests/data/acpi/capture.sh. The QEMU captures
 * are placed at their original physical addresses (layout.txt) so the real
 * pointers are followed. Edge cases use tables built here with correct
 * checksums. Every fake-memory region is its own exact-size heap block, so
 * ASan catches any read past what the parser mapped.
 */
#include "kernel/acpi.c"
#include "check.h"

#include <stdarg.h>
#include <stdint.h>

/* ---- fake physical memory -------------------------------------------------- */

#define MAX_REGIONS 64
static struct region { uint64_t phys; size_t len; uint8_t *buf; } regions[MAX_REGIONS];
static int nregions;

static void mem_reset(void)
{
	for (int i = 0; i < nregions; i++)
		free(regions[i].buf);
	nregions = 0;
}

static uint8_t *mem_add(uint64_t phys, const void *data, size_t len)
{
	if (nregions == MAX_REGIONS)
		abort();
	uint8_t *b = malloc(len ? len : 1);
	if (data)
		memcpy(b, data, len);
	else
		memset(b, 0, len);
	regions[nregions++] = (struct region){ phys, len, b };
	return b;
}

static const void *fake_map(uint64_t phys, size_t len)
{
	for (int i = nregions - 1; i >= 0; i--) {
		struct region *r = &regions[i];
		if (phys >= r->phys && phys - r->phys <= r->len && len <= r->len - (phys - r->phys))
			return r->buf + (phys - r->phys);
	}
	return NULL;
}

#define MAX_WARN 64
static char warnings[MAX_WARN][200];
static int nwarn;

static void fake_warn(const char *msg)
{
	if (nwarn < MAX_WARN)
		snprintf(warnings[nwarn], sizeof warnings[0], "%s", msg);
	nwarn++;
}

static bool warned(const char *a, const char *b)
{
	for (int i = 0; i < nwarn && i < MAX_WARN; i++)
		if (strstr(warnings[i], a) && (!b || strstr(warnings[i], b)))
			return true;
	return false;
}

static void reset_all(void)
{
	mem_reset();
	nwarn = 0;
}

static struct acpi_info info;   /* large: keep it off the stack */

static int parse(uint64_t rsdp)
{
	nwarn = 0;
	return acpi_parse(rsdp, fake_map, fake_warn, &info);
}

/* ---- captured tables ----------------------------------------------------------- */

static char *data_path(const char *rel)
{
	static char buf[512];
	const char *f = __FILE__;                  /* .../tests/host/test_acpi.c */
	const char *s = strstr(f, "host/test_acpi.c");
	int n = s ? (int)(s - f) : 0;
	snprintf(buf, sizeof buf, "%.*s%s%s", n, f, s ? "" : "tests/", rel);
	return buf;
}

static uint8_t *load(const char *rel, size_t *len)
{
	FILE *fp = fopen(data_path(rel), "rb");
	if (!fp) {
		fprintf(stderr, "  cannot open %s\n", data_path(rel));
		return NULL;
	}
	static uint8_t tmp[1 << 20];
	*len = fread(tmp, 1, sizeof tmp, fp);
	fclose(fp);
	uint8_t *b = malloc(*len);
	memcpy(b, tmp, *len);
	return b;
}

static uint64_t place_file(const char *rel, uint64_t phys)
{
	size_t n;
	uint8_t *b = load(rel, &n);
	if (!b)
		return 0;
	mem_add(phys, b, n);
	free(b);
	return phys;
}

/* Place a capture at its recorded addresses; returns the RSDP address. */
static uint64_t place_capture(const char *dir)
{
	char rel[128], name[16];
	unsigned long long phys;
	unsigned len;
	uint64_t rsdp = 0;
	snprintf(rel, sizeof rel, "data/acpi/%s/layout.txt", dir);
	FILE *fp = fopen(data_path(rel), "r");
	if (!fp) {
		fprintf(stderr, "  cannot open %s\n", data_path(rel));
		return 0;
	}
	while (fscanf(fp, "%15s %llx %u", name, &phys, &len) == 3) {
		snprintf(rel, sizeof rel, "data/acpi/%s/%s", dir, name);
		place_file(rel, phys);
		if (!strcmp(name, "RSDP"))
			rsdp = phys;
	}
	fclose(fp);
	return rsdp;
}

/* ---- table builder ---------------------------------------------------------------- */

struct tb { uint8_t b[32768]; size_t n; };

static void tb_put(struct tb *t, const void *p, size_t n) { memcpy(t->b + t->n, p, n); t->n += n; }
static void tb_u8(struct tb *t, uint8_t v) { t->b[t->n++] = v; }
static void tb_u16(struct tb *t, uint16_t v) { tb_u8(t, v & 0xff); tb_u8(t, v >> 8); }
static void tb_u32(struct tb *t, uint32_t v) { tb_u16(t, v & 0xffff); tb_u16(t, v >> 16); }
static void tb_u64(struct tb *t, uint64_t v) { tb_u32(t, (uint32_t)v); tb_u32(t, v >> 32); }
static void set16(struct tb *t, size_t o, uint16_t v) { t->b[o] = v & 0xff; t->b[o + 1] = v >> 8; }
static void set32(struct tb *t, size_t o, uint32_t v) { set16(t, o, v & 0xffff); set16(t, o + 2, v >> 16); }
static void set64(struct tb *t, size_t o, uint64_t v) { set32(t, o, (uint32_t)v); set32(t, o + 4, v >> 32); }
static void set_gas(struct tb *t, size_t o, uint8_t space, uint8_t width, uint64_t addr)
{
	t->b[o] = space; t->b[o + 1] = width; t->b[o + 2] = 0; t->b[o + 3] = 1;
	set64(t, o + 4, addr);
}

static struct tb *tb_new(const char *sig, uint8_t rev)
{
	struct tb *t = calloc(1, sizeof *t);
	tb_put(t, sig, 4);
	tb_u32(t, 0);                  /* length, set by tb_finish */
	tb_u8(t, rev);
	tb_u8(t, 0);                   /* checksum */
	tb_put(t, "SPNDL SPINDLE ", 14); /* OEM ID (6) + OEM table ID (8) */
	tb_u32(t, 1);
	tb_put(t, "TEST", 4);
	tb_u32(t, 1);
	return t;
}

static void tb_finish(struct tb *t)
{
	set32(t, 4, (uint32_t)t->n);
	t->b[9] = 0;
	t->b[9] = (uint8_t)-sum8(t->b, t->n);
}

/* Place tables at 0x100000 + i * 0x10000, with an XSDT (rev >= 2) and an
 * RSDT, and an RSDP at 0xf0000; tables are finished here. */
static uint64_t build_system(uint8_t rsdp_rev, struct tb **tables, int n)
{
	struct tb *rsdt = tb_new("RSDT", 1), *xsdt = tb_new("XSDT", 1);
	for (int i = 0; i < n; i++) {
		uint64_t p = 0x100000 + (uint64_t)i * 0x10000;
		tb_finish(tables[i]);
		mem_add(p, tables[i]->b, tables[i]->n);
		tb_u32(rsdt, (uint32_t)p);
		tb_u64(xsdt, p);
		free(tables[i]);
	}
	tb_finish(rsdt);
	tb_finish(xsdt);
	mem_add(0x8000, rsdt->b, rsdt->n);
	mem_add(0x9000, xsdt->b, xsdt->n);
	free(rsdt);
	free(xsdt);

	uint8_t r[36] = "RSD PTR ";
	memcpy(r + 9, "SPNDL ", 6);
	r[15] = rsdp_rev;
	r[16] = 0x00; r[17] = 0x80;               /* RSDT 0x8000 */
	if (rsdp_rev >= 2) {
		r[20] = 36;
		r[25] = 0x90;                       /* XSDT 0x9000 */
	} else {
		memset(r + 20, 0xee, 16);           /* garbage past a v1 RSDP */
	}
	r[8] = (uint8_t)-sum8(r, 20);
	if (rsdp_rev >= 2)
		r[32] = (uint8_t)-sum8(r, 36);
	mem_add(0xf0000, r, rsdp_rev >= 2 ? 36 : 20);
	return 0xf0000;
}

static struct tb *madt_new(uint32_t flags)
{
	struct tb *t = tb_new("APIC", 5);
	tb_u32(t, 0xfee00000);
	tb_u32(t, flags);
	return t;
}
static void madt_lapic(struct tb *t, uint8_t uid, uint8_t id, uint32_t flags)
{
	tb_u8(t, 0); tb_u8(t, 8); tb_u8(t, uid); tb_u8(t, id); tb_u32(t, flags);
}
static void madt_x2apic(struct tb *t, uint32_t id, uint32_t uid, uint32_t flags)
{
	tb_u8(t, 9); tb_u8(t, 16); tb_u16(t, 0); tb_u32(t, id); tb_u32(t, flags); tb_u32(t, uid);
}
static void madt_ioapic(struct tb *t, uint8_t id, uint32_t addr, uint32_t gsi)
{
	tb_u8(t, 1); tb_u8(t, 12); tb_u8(t, id); tb_u8(t, 0); tb_u32(t, addr); tb_u32(t, gsi);
}
static void madt_override(struct tb *t, uint8_t src, uint32_t gsi, uint16_t flags)
{
	tb_u8(t, 2); tb_u8(t, 10); tb_u8(t, 0); tb_u8(t, src); tb_u32(t, gsi); tb_u16(t, flags);
}

/* A FADT of the given length with the QEMU q35 legacy fields. */
static struct tb *fadt_new(uint8_t rev, size_t len, uint64_t dsdt)
{
	struct tb *t = tb_new("FACP", rev);
	memset(t->b + t->n, 0, len - t->n);
	t->n = len;
	set32(t, 40, (uint32_t)dsdt);
	set16(t, 46, 9);
	set32(t, 48, 0xb2);
	t->b[52] = 2;
	set32(t, 64, 0x604);
	set32(t, 76, 0x608);
	t->b[91] = 4;
	return t;
}

static struct tb *dsdt_new(const uint8_t *aml, size_t n)
{
	struct tb *t = tb_new("DSDT", 2);
	tb_put(t, aml, n);
	return t;
}

/* ---- captured: this machine (Firecracker) ------------------------------------------ */

TEST(host_vm_firecracker)
{
	reset_all();
	struct tb *x = tb_new("XSDT", 1);
	tb_u64(x, 0x100000);
	tb_u64(x, 0x101000);
	tb_u64(x, 0x102000);
	tb_finish(x);
	mem_add(0x9000, x->b, x->n);
	free(x);
	CHECK(place_file("data/acpi/host-vm/APIC", 0x100000));
	CHECK(place_file("data/acpi/host-vm/FACP", 0x101000));
	CHECK(place_file("data/acpi/host-vm/MCFG", 0x102000));
	CHECK(place_file("data/acpi/host-vm/DSDT", 0x9fd44));   /* FADT's X_DSDT */
	uint8_t r[36] = "RSD PTR ";
	memcpy(r + 9, "FIRECK", 6);
	r[15] = 2; r[20] = 36; r[25] = 0x90;
	r[8] = (uint8_t)-sum8(r, 20);
	r[32] = (uint8_t)-sum8(r, 36);
	mem_add(0xe0000, r, 36);

	CHECK_EQ(parse(0xe0000), 0);
	CHECK_EQ(info.nwarnings, 0);
	CHECK(!strcmp(info.oem_id, "FIRECK"));
	CHECK(info.xsdt);
	/* MADT: two enabled xAPIC CPUs, one IOAPIC, no 8259, no overrides */
	CHECK(info.has_madt);
	CHECK_EQ(info.lapic_phys, 0xfee00000);
	CHECK(!info.has_8259);
	CHECK_EQ(info.ncpus, 2);
	CHECK_EQ(info.ncpus_enabled, 2);
	CHECK_EQ(info.cpu[0].apic_id, 0);
	CHECK_EQ(info.cpu[1].apic_id, 1);
	CHECK_EQ(info.cpu[1].uid, 1);
	CHECK(info.cpu[1].enabled && !info.cpu[1].x2apic);
	CHECK_EQ(info.nioapics, 1);
	CHECK_EQ(info.ioapic[0].phys, 0xfec00000);
	CHECK_EQ(info.ioapic[0].gsi_base, 0);
	CHECK_EQ(info.noverrides, 0);
	/* FADT revision 6, HW-reduced: no PM timer, no PM1, no reset register */
	CHECK(info.has_fadt);
	CHECK_EQ(info.fadt_revision, 6);
	CHECK(info.hw_reduced);
	CHECK_EQ(info.fadt_flags, 0x00100030);
	CHECK_EQ(info.pm_timer_port, 0);
	CHECK_EQ(info.pm1a_cnt_port, 0);
	CHECK(!info.reset_supported);
	CHECK(!info.has_sleep_ctl);
	CHECK_EQ(info.iapc_boot_arch, ACPI_BOOT_NO_VGA);
	CHECK_EQ(info.dsdt_phys, 0x9fd44);
	CHECK(!info.s5_valid);            /* Firecracker's DSDT has no \_S5 */
	CHECK(!info.has_hpet);
	CHECK_EQ(info.nmcfg, 1);
	CHECK_EQ(info.mcfg[0].ecam_phys, 0xeec00000);
	CHECK_EQ(info.mcfg[0].bus_end, 0);
	reset_all();
}

/* ---- captured: QEMU 7.2 --------------------------------------------------------------- */

static void check_qemu_madt(int *check_failed, uint8_t acpi_enable)
{
	CHECK(info.has_madt);
	CHECK_EQ(info.lapic_phys, 0xfee00000);
	CHECK(info.has_8259);
	CHECK_EQ(info.ncpus, 4);
	CHECK_EQ(info.ncpus_enabled, 4);
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ(info.cpu[i].apic_id, i);
		CHECK_EQ(info.cpu[i].uid, i);
		CHECK(info.cpu[i].enabled && !info.cpu[i].online_capable);
	}
	CHECK_EQ(info.nioapics, 1);
	CHECK_EQ(info.ioapic[0].id, 0);
	CHECK_EQ(info.ioapic[0].phys, 0xfec00000);
	/* ISA IRQ 0 -> GSI 2; 5, 9, 10, 11 level, active high (flags 0xd) */
	CHECK_EQ(info.noverrides, 5);
	CHECK_EQ(info.override[0].source, 0);
	CHECK_EQ(info.override[0].gsi, 2);
	CHECK_EQ(info.override[0].flags, 0);
	CHECK_EQ(info.override[1].source, 5);
	CHECK_EQ(info.override[1].flags, 0xd);
	CHECK_EQ(info.override[4].source, 11);
	CHECK_EQ(info.override[4].gsi, 11);
	CHECK_EQ(info.nnmis, 1);
	CHECK_EQ(info.nmi[0].uid, 0xffffffffu);
	CHECK_EQ(info.nmi[0].lint, 1);
	CHECK(info.has_hpet);
	CHECK_EQ(info.hpet_phys, 0xfed00000);
	CHECK_EQ(info.hpet_block_id, 0x8086a201);
	CHECK(info.has_fadt);
	CHECK_EQ(info.pm_timer_port, 0x608);
	CHECK(!info.pm_timer_32bit);
	CHECK_EQ(info.pm1a_cnt_port, 0x604);
	CHECK_EQ(info.pm1b_cnt_port, 0);
	CHECK_EQ(info.sci_irq, 9);
	CHECK_EQ(info.smi_cmd, 0xb2);
	CHECK_EQ(info.acpi_enable, acpi_enable);
	CHECK(!info.hw_reduced);
	/* QEMU: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero }) */
	CHECK(info.s5_valid);
	CHECK_EQ(info.s5_typa, 0);
	CHECK_EQ(info.s5_typb, 0);
}

TEST(qemu_q35_seabios)
{
	reset_all();
	uint64_t rsdp = place_capture("qemu-q35");
	CHECK_EQ(rsdp, 0xf59e0);
	CHECK_EQ(parse(rsdp), 0);
	CHECK_EQ(info.nwarnings, 0);
	CHECK(!strcmp(info.oem_id, "BOCHS"));
	CHECK_EQ(info.revision, 0);
	CHECK(!info.xsdt);
	CHECK_EQ(info.root_phys, 0x7fe2353);
	check_qemu_madt(check_failed, 2);
	CHECK_EQ(info.fadt_revision, 3);
	CHECK_EQ(info.dsdt_phys, 0x7fe0040);
	CHECK(info.reset_supported);
	CHECK_EQ(info.reset_reg.space_id, ACPI_GAS_IO);
	CHECK_EQ(info.reset_reg.address, 0xcf9);
	CHECK_EQ(info.reset_reg.bit_width, 8);
	CHECK_EQ(info.reset_value, 0x0f);
	CHECK_EQ(info.iapc_boot_arch, ACPI_BOOT_8042);
	CHECK_EQ(info.nmcfg, 1);
	CHECK_EQ(info.mcfg[0].ecam_phys, 0xb0000000);
	CHECK_EQ(info.mcfg[0].bus_start, 0);
	CHECK_EQ(info.mcfg[0].bus_end, 255);

	char line[200];
	acpi_summary(&info, line, sizeof line);
	const char *want = "OEM BOCHS, rev 0, RSDT, 4 CPUs (4 enabled), 1 IOAPIC, "
			   "HPET at 0xfed00000, PM timer port 0x608, S5 0/0, reset reg";
	CHECK(!strcmp(line, want));
	if (strcmp(line, want))
		fprintf(stderr, "  got: %s\n", line);
	reset_all();
}

TEST(qemu_pc_seabios)
{
	reset_all();
	uint64_t rsdp = place_capture("qemu-pc");
	CHECK_EQ(parse(rsdp), 0);
	CHECK_EQ(info.nwarnings, 0);
	check_qemu_madt(check_failed, 0xf1);
	/* FADT revision 1, 116 bytes: no reset register, no boot flags */
	CHECK_EQ(info.fadt_revision, 1);
	CHECK(!info.reset_supported);
	CHECK_EQ(info.iapc_boot_arch, 0);
	CHECK_EQ(info.nmcfg, 0);
	reset_all();
}

TEST(qemu_q35_ovmf)
{
	reset_all();
	uint64_t rsdp = place_capture("qemu-q35-ovmf");
	CHECK(rsdp != 0);
	CHECK_EQ(parse(rsdp), 0);
	CHECK_EQ(info.nwarnings, 0);
	CHECK_EQ(info.revision, 2);
	CHECK(info.xsdt);
	check_qemu_madt(check_failed, 2);
	CHECK(info.reset_supported);
	CHECK_EQ(info.reset_reg.address, 0xcf9);
	CHECK_EQ(info.nmcfg, 1);
	reset_all();
}

TEST(find_rsdp_legacy_areas)
{
	reset_all();
	size_t n;
	uint8_t *r = load("data/acpi/qemu-q35/RSDP", &n);
	CHECK(r && n == 20);
	if (!r)
		return;
	uint8_t *bios = mem_add(0xe0000, NULL, 0x20000);
	memcpy(bios + 0x1000, "RSD PTR ", 8);       /* decoy: checksum wrong */
	bios[0x1008] = 1;
	memcpy(bios + (0xf59e0 - 0xe0000), r, 20);
	CHECK_EQ(acpi_find_rsdp(fake_map), 0xf59e0);

	/* an RSDP in the EBDA (BDA word 0x40e = segment) wins */
	uint8_t bda[2] = { 0xc0, 0x9f };            /* 0x9fc0 -> 0x9fc00 */
	mem_add(0x40e, bda, 2);
	uint8_t *ebda = mem_add(0x9fc00, NULL, 1024);
	memcpy(ebda + 0x40, r, 20);
	CHECK_EQ(acpi_find_rsdp(fake_map), 0x9fc40);
	ebda[0x41] ^= 1;                              /* breaks the checksum */
	CHECK_EQ(acpi_find_rsdp(fake_map), 0xf59e0);
	free(r);
	reset_all();
	CHECK_EQ(acpi_find_rsdp(fake_map), 0);
}

/* ---- built tables: edge cases ------------------------------------------------------------- */

TEST(madt_x2apic_disabled_online_capable)
{
	reset_all();
	struct tb *m = madt_new(0);
	madt_lapic(m, 0, 0, 1);              /* enabled */
	madt_lapic(m, 1, 1, 0);              /* unusable: not stored */
	madt_lapic(m, 2, 2, 2);              /* online capable */
	madt_lapic(m, 3, 0xff, 1);           /* 0xff: not a valid xAPIC ID */
	madt_x2apic(m, 300, 7, 1);
	madt_x2apic(m, 0xffffffff, 8, 1);    /* placeholder */
	madt_x2apic(m, 0, 9, 1);             /* duplicate of CPU 0 */
	madt_ioapic(m, 4, 0xfec01000, 24);
	tb_u8(m, 5); tb_u8(m, 12); tb_u16(m, 0); tb_u64(m, 0x1fee00000ULL);  /* LAPIC override */
	tb_u8(m, 10); tb_u8(m, 12); tb_u16(m, 5); tb_u32(m, 300); tb_u8(m, 1); tb_u8(m, 0); tb_u16(m, 0);
	tb_u8(m, 0x7f); tb_u8(m, 4); tb_u16(m, 0);   /* unknown type: skipped */
	madt_lapic(m, 10, 10, 1);            /* after the unknown entry */
	uint64_t rsdp = build_system(2, &m, 1);
	CHECK_EQ(parse(rsdp), 0);
	CHECK_EQ(info.ncpus, 4);
	CHECK_EQ(info.ncpus_enabled, 3);
	CHECK_EQ(info.cpu[0].apic_id, 0);
	CHECK_EQ(info.cpu[1].apic_id, 2);
	CHECK(!info.cpu[1].enabled && info.cpu[1].online_capable);
	CHECK_EQ(info.cpu[2].apic_id, 300);
	CHECK_EQ(info.cpu[2].uid, 7);
	CHECK(info.cpu[2].x2apic && info.cpu[2].enabled);
	CHECK_EQ(info.cpu[3].apic_id, 10);
	CHECK(warned("duplicate APIC ID 0", NULL));
	CHECK_EQ(info.lapic_phys, 0x1fee00000ULL);
	CHECK(!info.has_8259);
	CHECK_EQ(info.ioapic[0].id, 4);
	CHECK_EQ(info.ioapic[0].gsi_base, 24);
	CHECK_EQ(info.nnmis, 1);
	CHECK_EQ(info.nmi[0].uid, 300);
	CHECK_EQ(info.nmi[0].flags, 5);
	CHECK_EQ(info.nmi[0].lint, 1);
	CHECK(info.xsdt);
	CHECK(warned("no FADT", NULL) == false);
	reset_all();
}

TEST(madt_64_cpus)
{
	reset_all();
	struct tb *m = madt_new(1);
	for (int i = 0; i < 64; i++)
		madt_lapic(m, (uint8_t)i, (uint8_t)(i * 2), 1);
	uint64_t rsdp = build_system(0, &m, 1);
	CHECK_EQ(parse(rsdp), 0);
	CHECK_EQ(info.nwarnings, 0);
	CHECK_EQ(info.ncpus, 64);
	CHECK_EQ(info.cpu[63].apic_id, 126);
	CHECK_EQ(info.cpu[63].uid, 63);
	CHECK(!info.xsdt);
	reset_all();
}

TEST(madt_too_many_cpus_one_warning)
{
	reset_all();
	struct tb *m = madt_new(1);
	for (uint32_t i = 0; i < ACPI_MAX_CPUS + 44; i++)
		madt_x2apic(m, i, i, 1);
	for (int i = 0; i < 10; i++)
		madt_ioapic(m, (uint8_t)i, 0xfec00000 + i * 0x1000, i * 24);
	for (int i = 0; i < 20; i++)
		madt_override(m, (uint8_t)i, (uint32_t)i, 0);
	uint64_t rsdp = build_system(2, &m, 1);
	CHECK_EQ(parse(rsdp), 0);
	CHECK_EQ(info.ncpus, ACPI_MAX_CPUS);
	CHECK_EQ(info.ncpus_dropped, 44);
	CHECK_EQ(info.cpu[ACPI_MAX_CPUS - 1].apic_id, ACPI_MAX_CPUS - 1);
	CHECK_EQ(info.nioapics, ACPI_MAX_IOAPICS);
	CHECK_EQ(info.noverrides, ACPI_MAX_OVERRIDES);
	CHECK(warned("1068 usable CPUs, only the first 1024 kept", NULL));
	CHECK(warned("I/O APICs", NULL));
	CHECK(warned("interrupt overrides", NULL));
	CHECK_EQ(nwarn, 3);        /* one each, however many were dropped */
	reset_all();
}

TEST(madt_truncated_entries)
{
	reset_all();
	/* zero length: the walk stops, earlier entries kept */
	struct tb *m = madt_new(1);
	madt_lapic(m, 0, 0, 1);
	tb_u8(m, 0); tb_u8(m, 0);
	madt_lapic(m, 1, 1, 1);
	uint64_t rsdp = build_system(0, &m, 1);
	CHECK_EQ(parse(rsdp), 0);
	CHECK_EQ(info.ncpus, 1);
	CHECK(warned("MADT", "walk stopped"));
	reset_all();

	/* length running past the table end */
	m = madt_new(1);
	madt_lapic(m, 0, 0, 1);
	madt_lapic(m, 1, 1, 1);
	tb_u8(m, 1); tb_u8(m, 12); tb_u16(m, 0);     /* IOAPIC claiming 12, 4 left */
	rsdp = build_system(0, &m, 1);
	CHECK_EQ(parse(rsdp), 0);
	CHECK_EQ(info.ncpus, 2);
	CHECK_EQ(info.nioapics, 0);
	CHECK(warned("type 1", "walk stopped"));
	reset_all();

	/* an entry shorter than its type needs: skipped, the walk goes on */
	m = madt_new(1);
	tb_u8(m, 1); tb_u8(m, 4); tb_u16(m, 0);
	madt_lapic(m, 0, 5, 1);
	tb_u8(m, 9);                                 /* one stray byte at the end */
	rsdp = build_system(0, &m, 1);
	CHECK_EQ(parse(rsdp), 0);
	CHECK_EQ(info.ncpus, 1);
	CHECK_EQ(info.cpu[0].apic_id, 5);
	CHECK(warned("too short", NULL));
	CHECK(warned("stray", NULL));
	reset_all();
}

TEST(bad_table_checksum_skipped_others_kept)
{
	reset_all();
	struct tb *t[2];
	t[0] = madt_new(1);
	madt_lapic(t[0], 0, 0, 1);
	t[1] = fadt_new(3, 244, 0);
	uint64_t rsdp = build_system(2, t, 2);
	regions[0].buf[44 + 3] ^= 0x40;              /* corrupt the placed MADT */
	CHECK_EQ(parse(rsdp), 0);
	CHECK(!info.has_madt);
	CHECK_EQ(info.ncpus, 0);
	CHECK(warned("APIC at 0x100000", "checksum"));
	CHECK(warned("no MADT", NULL));
	CHECK(info.has_fadt);
	CHECK_EQ(info.pm_timer_port, 0x608);
	reset_all();
}

TEST(bad_length_and_unmapped_tables)
{
	reset_all();
	struct tb *t[3];
	t[0] = madt_new(1);
	t[1] = tb_new("HPET", 1);                     /* 36 bytes: too short for HPET */
	t[2] = fadt_new(3, 244, 0x7777000);           /* DSDT not in memory */
	uint64_t rsdp = build_system(2, t, 3);
	CHECK_EQ(parse(rsdp), 0);
	CHECK(warned("HPET", "bad length 36"));
	CHECK(!info.has_hpet);
	CHECK(warned("0x7777000", "cannot map"));
	CHECK(info.has_fadt && !info.s5_valid);
	CHECK(info.has_madt);
	reset_all();
}

TEST(rsdp_failures)
{
	reset_all();
	CHECK_EQ(parse(0), -1);
	CHECK_EQ(parse(0x1234), -1);                  /* nothing mapped */
	CHECK(warned("cannot map", NULL));

	struct tb *m = madt_new(1);
	uint64_t rsdp = build_system(0, &m, 1);
	uint8_t *r = regions[nregions - 1].buf;
	r[10] ^= 1;
	CHECK_EQ(parse(rsdp), -1);
	CHECK(warned("RSDP", "bad checksum"));
	CHECK_EQ(info.ncpus, 0);
	r[10] ^= 1;
	r[0] = 'X';
	CHECK_EQ(parse(rsdp), -1);
	CHECK(warned("bad signature", NULL));
	r[0] = 'R';
	CHECK_EQ(parse(rsdp), 0);

	/* root table corrupt and no alternative: fatal */
	regions[nregions - 3].buf[37] ^= 1;           /* the RSDT */
	CHECK_EQ(parse(rsdp), -1);
	CHECK(warned("RSDT", "checksum"));
	reset_all();
}

TEST(rsdp_v2_fallbacks_to_rsdt)
{
	reset_all();
	struct tb *m = madt_new(1);
	madt_lapic(m, 0, 3, 1);
	uint64_t rsdp = build_system(2, &m, 1);
	uint8_t *r = regions[nregions - 1].buf;
	CHECK_EQ(parse(rsdp), 0);
	CHECK(info.xsdt);
	CHECK_EQ(info.root_phys, 0x9000);

	r[33] = 1;                                    /* extended checksum now wrong */
	CHECK_EQ(parse(rsdp), 0);
	CHECK(warned("extended checksum", NULL));
	CHECK(!info.xsdt);
	CHECK_EQ(info.root_phys, 0x8000);
	CHECK_EQ(info.cpu[0].apic_id, 3);
	r[33] = 0;

	regions[nregions - 2].buf[0] = 'Y';           /* XSDT signature broken */
	CHECK_EQ(parse(rsdp), 0);
	CHECK(warned("signature YSDT", NULL));
	CHECK(warned("falling back", NULL));
	CHECK(!info.xsdt);
	CHECK_EQ(info.ncpus, 1);
	reset_all();
}

TEST(fadt_fields_x_precedence_reset_hw_reduced)
{
	reset_all();
	/* ACPI 6 FADT: X_ blocks override the legacy ones, 32-bit timer,
	 * memory-space reset register, X_DSDT over DSDT. */
	static const uint8_t aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				       0x0a, 0x05, 0x0a, 0x06, 0x00, 0x00 };
	struct tb *t[3];
	t[0] = fadt_new(6, 276, 0x300000);            /* DSDT field: wrong one */
	set32(t[0], 112, ACPI_FADT_TMR_VAL_EXT | ACPI_FADT_RESET_REG_SUP);
	set16(t[0], 109, ACPI_BOOT_8042 | ACPI_BOOT_NO_MSI);
	set_gas(t[0], 116, ACPI_GAS_MEMORY, 8, 0xfed80001);
	t[0]->b[128] = 0x77;
	set64(t[0], 140, 0x120000);                   /* X_DSDT: the real one */
	set_gas(t[0], 172, ACPI_GAS_IO, 16, 0x1004);  /* X_PM1a_CNT */
	set_gas(t[0], 184, ACPI_GAS_MEMORY, 16, 0xfe000000);  /* not I/O: ignored */
	set32(t[0], 68, 0x2004);                      /* legacy PM1b used instead */
	set_gas(t[0], 208, ACPI_GAS_IO, 32, 0x1008);  /* X_PM_TMR */
	t[1] = madt_new(1);
	t[2] = dsdt_new(aml, sizeof aml);
	struct tb *bogus = dsdt_new((const uint8_t *)"\x08_S5_\x12\x04\x02\x01\x01", 9);
	tb_finish(bogus);
	mem_add(0x300000, bogus->b, bogus->n);
	free(bogus);
	uint64_t rsdp = build_system(2, t, 3);
	CHECK_EQ(parse(rsdp), 0);
	CHECK_EQ(info.nwarnings, 0);
	CHECK_EQ(info.dsdt_phys, 0x120000);
	CHECK_EQ(info.pm1a_cnt_port, 0x1004);
	CHECK_EQ(info.pm1b_cnt_port, 0x2004);
	CHECK_EQ(info.pm_timer_port, 0x1008);
	CHECK(info.pm_timer_32bit);
	CHECK(info.reset_supported);
	CHECK_EQ(info.reset_reg.space_id, ACPI_GAS_MEMORY);
	CHECK_EQ(info.reset_reg.address, 0xfed80001);
	CHECK_EQ(info.reset_value, 0x77);
	CHECK_EQ(info.iapc_boot_arch, ACPI_BOOT_8042 | ACPI_BOOT_NO_MSI);
	CHECK(info.s5_valid);
	CHECK_EQ(info.s5_typa, 5);
	CHECK_EQ(info.s5_typb, 6);
	reset_all();

	/* PM_TMR_LEN 0: no timer; RESET_REG_SUP clear: no reset */
	t[0] = fadt_new(4, 244, 0);
	t[0]->b[91] = 0;
	set_gas(t[0], 116, ACPI_GAS_IO, 8, 0xcf9);
	rsdp = build_system(2, t, 1);
	CHECK_EQ(parse(rsdp), 0);
	CHECK_EQ(info.pm_timer_port, 0);
	CHECK(!info.reset_supported);
	CHECK_EQ(info.reset_reg.address, 0xcf9);
	reset_all();

	/* HW-reduced with a sleep control register */
	t[0] = fadt_new(6, 276, 0);
	set32(t[0], 112, ACPI_FADT_HW_REDUCED);
	set_gas(t[0], 244, ACPI_GAS_IO, 8, 0x3c0);
	rsdp = build_system(2, t, 1);
	CHECK_EQ(parse(rsdp), 0);
	CHECK(info.hw_reduced);
	CHECK_EQ(info.pm1a_cnt_port, 0);
	CHECK_EQ(info.pm_timer_port, 0);
	CHECK(info.has_sleep_ctl);
	CHECK_EQ(info.sleep_ctl.address, 0x3c0);
	reset_all();
}

/* Parse a DSDT with the given AML; returns s5_valid, sets *a, *b. */
static bool s5_of(const uint8_t *aml, size_t n, uint8_t *a, uint8_t *b)
{
	reset_all();
	struct tb *t[2] = { fadt_new(3, 244, 0x110000), dsdt_new(aml, n) };
	parse(build_system(2, t, 2));
	*a = info.s5_typa;
	*b = info.s5_typb;
	bool v = info.s5_valid;
	mem_reset();
	return v;
}

TEST(s5_scan_variants)
{
	uint8_t a, b;
	/* root prefix, ByteConst */
	static const uint8_t root[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x07, 0x0a, 0x03, 0, 0 };
	CHECK(s5_of(root, sizeof root, &a, &b));
	CHECK_EQ(a, 7);
	CHECK_EQ(b, 3);
	/* OneOp, ZeroOp */
	static const uint8_t ops[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x01, 0x00 };
	CHECK(s5_of(ops, sizeof ops, &a, &b));
	CHECK_EQ(a, 1);
	CHECK_EQ(b, 0);
	/* bare bytes and a two-byte PkgLength; a decoy reference first
	 * (not after NameOp) and a decoy name that is not a package */
	static const uint8_t bare[] = { 0x70, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x02, 0x02,
					0x08, '_', 'S', '5', '_', 0x0a, 0x01,
					0x08, '_', 'S', '5', '_', 0x12, 0x45, 0x00, 0x02, 0x05, 0x04 };
	CHECK(s5_of(bare, sizeof bare, &a, &b));
	CHECK_EQ(a, 5);
	CHECK_EQ(b, 4);
	/* WordConst */
	static const uint8_t word[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x02, 0x0b, 0x06, 0x00, 0x0b, 0x02, 0x00 };
	CHECK(s5_of(word, sizeof word, &a, &b));
	CHECK_EQ(a, 6);
	CHECK_EQ(b, 2);
	/* one element (ACPI 1.0 style): both from it */
	static const uint8_t one[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
	CHECK(s5_of(one, sizeof one, &a, &b));
	CHECK_EQ(a, 5);
	CHECK_EQ(b, 5);
	/* value out of range (> 7) and a method call: not understood */
	static const uint8_t big[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0a, 0x09, 0x0a, 0x00 };
	CHECK(!s5_of(big, sizeof big, &a, &b));
	static const uint8_t meth[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 'F', 'O', 'O', '_' };
	CHECK(!s5_of(meth, sizeof meth, &a, &b));
	/* truncated right after PackageOp at the end of the table: no overread */
	static const uint8_t trunc[] = { 0x00, 0x08, '_', 'S', '5', '_', 0x12, 0x41 };
	CHECK(!s5_of(trunc, sizeof trunc, &a, &b));
	/* absent */
	static const uint8_t none[] = { 0x08, '_', 'S', '4', '_', 0x12, 0x04, 0x01, 0x0a, 0x05 };
	CHECK(!s5_of(none, sizeof none, &a, &b));
}

TEST(hpet_mcfg_duplicates)
{
	reset_all();
	struct tb *t[5];
	t[0] = tb_new("HPET", 1);
	tb_u32(t[0], 0x8086a701);
	tb_u8(t[0], 0); tb_u8(t[0], 64); tb_u8(t[0], 0); tb_u8(t[0], 0);
	tb_u64(t[0], 0xfed00000);
	tb_u8(t[0], 0);
	tb_u16(t[0], 0x80);
	tb_u8(t[0], 0);
	t[1] = tb_new("HPET", 1);                    /* a second one: ignored */
	memset(t[1]->b + t[1]->n, 0, 20);
	t[1]->n += 20;
	t[2] = tb_new("MCFG", 1);
	tb_u64(t[2], 0);
	for (int i = 0; i < 5; i++) {
		tb_u64(t[2], 0xe0000000ULL + ((uint64_t)i << 28));
		tb_u16(t[2], (uint16_t)i);
		tb_u8(t[2], 0);
		tb_u8(t[2], 0x7f);
		tb_u32(t[2], 0);
	}
	t[3] = madt_new(1);
	t[4] = tb_new("SSDT", 1);                    /* unknown: ignored silently */
	uint64_t rsdp = build_system(2, t, 5);
	CHECK_EQ(parse(rsdp), 0);
	CHECK(info.has_hpet);
	CHECK_EQ(info.hpet_phys, 0xfed00000);
	CHECK_EQ(info.hpet_min_tick, 0x80);
	CHECK_EQ(info.hpet_block_id, 0x8086a701);
	CHECK(warned("second HPET", NULL));
	CHECK_EQ(info.nmcfg, ACPI_MAX_MCFG);
	CHECK_EQ(info.mcfg[3].ecam_phys, 0x110000000ULL);
	CHECK_EQ(info.mcfg[3].segment, 3);
	CHECK_EQ(info.mcfg[3].bus_end, 0x7f);
	CHECK(warned("MCFG", "more than 4"));
	CHECK_EQ(nwarn, 2);
	reset_all();

	/* HPET in I/O space: unusable */
	t[0] = tb_new("HPET", 1);
	tb_u32(t[0], 0);
	tb_u8(t[0], 1); tb_u8(t[0], 64); tb_u8(t[0], 0); tb_u8(t[0], 0);
	tb_u64(t[0], 0x500);
	tb_u32(t[0], 0);
	rsdp = build_system(2, t, 1);
	CHECK_EQ(parse(rsdp), 0);
	CHECK(!info.has_hpet);
	CHECK(warned("HPET", "not usable"));
	reset_all();
}

/* Random corruption (checksums fixed up so the parser reads the garbage)
 * of the QEMU tables: under ASan this fails on any out-of-bounds read. */
TEST(fuzz_corrupted_qemu_tables)
{
	uint32_t seed = 12345;
	int ok = 0;
	for (int iter = 0; iter < 3000; iter++) {
		reset_all();
		uint64_t rsdp = place_capture("qemu-q35");
		/* regions: RSDP RSDT FACP APIC HPET MCFG WAET FACS DSDT */
		int victim = 1 + iter % 8;
		struct region *r = &regions[victim];
		int flips = 1 + iter % 5;
		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245 + 12345;
			size_t off = (seed >> 8) % r->len;
			seed = seed * 1103515245 + 12345;
			r->buf[off] = (uint8_t)(seed >> 16);
		}
		if (victim != 7 && r->len >= 36) {      /* not the FACS */
			r->buf[9] = 0;
			r->buf[9] = (uint8_t)-sum8(r->buf, r->len);
		}
		if (parse(rsdp) == 0)
			ok++;
		CHECK(info.ncpus <= ACPI_MAX_CPUS);
		CHECK(info.nioapics <= ACPI_MAX_IOAPICS);
		CHECK(info.s5_typa <= 7 && info.s5_typb <= 7);
	}
	CHECK(ok > 0);
	reset_all();
}

TEST(summary_format)
{
	struct acpi_info a = { .oem_id = "ALASKA", .revision = 2, .xsdt = true, .ncpus = 1,
			       .ncpus_enabled = 1, .nioapics = 2, .hw_reduced = true };
	char line[200];
	acpi_summary(&a, line, sizeof line);
	CHECK(!strcmp(line, "OEM ALASKA, rev 2, XSDT, 1 CPU (1 enabled), 2 IOAPICs, HW-reduced"));
	char tiny[8];
	acpi_summary(&a, tiny, sizeof tiny);
	CHECK(!strcmp(tiny, "OEM ALA"));
}

CHECK_MAIN()
