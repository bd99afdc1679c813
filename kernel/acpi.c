/*
 * acpi.c - ACPI table parsing (see kernel/acpi.h, docs/acpi.md).
 *
 * Everything is read through the map callback with bounds-checked,
 * byte-wise little-endian loads (tables are packed and often unaligned),
 * so a corrupt table can make the parser skip data but never read outside
 * what it mapped. No libc: the same file builds freestanding and on the host.
 */
#include "kernel/acpi.h"

#ifndef HOST_TEST
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#endif

#define HDR_LEN 36    /* System Description Table Header */

/* ---- little helpers ---------------------------------------------------- */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static bool sig_eq(const uint8_t *p, const char *sig, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)sig[i])
			return false;
	return true;
}

/* A tiny formatter for warnings: %s (string), %4 (4-byte signature from a
 * uint8_t pointer), %x (uint64_t, 0x-prefixed hex), %u (unsigned). */
struct fmtbuf { char *p; size_t n, i; };

static void put(struct fmtbuf *b, char c)
{
	if (b->i + 1 < b->n)
		b->p[b->i++] = c;
}
static void puts_(struct fmtbuf *b, const char *s) { while (*s) put(b, *s++); }
static void putnum(struct fmtbuf *b, uint64_t v, unsigned base)
{
	char t[24];
	int n = 0;
	do {
		t[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (base == 16)
		puts_(b, "0x");
	while (n)
		put(b, t[--n]);
}

static void vfmt(struct fmtbuf *b, const char *f, __builtin_va_list ap)
{
	for (; *f; f++) {
		if (*f != '%') {
			put(b, *f);
			continue;
		}
		switch (*++f) {
		case 's': puts_(b, __builtin_va_arg(ap, const char *)); break;
		case 'x': putnum(b, __builtin_va_arg(ap, uint64_t), 16); break;
		case 'u': putnum(b, __builtin_va_arg(ap, unsigned), 10); break;
		case '4': {
			const uint8_t *s = __builtin_va_arg(ap, const uint8_t *);
			for (int i = 0; i < 4; i++)
				put(b, s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?');
			break;
		}
		case '\0': f--; break;
		default: put(b, *f); break;
		}
	}
	if (b->n)
		b->p[b->i] = '\0';
}

static void fmt(char *buf, size_t size, const char *f, ...)
{
	struct fmtbuf b = { buf, size, 0 };
	__builtin_va_list ap;
	__builtin_va_start(ap, f);
	vfmt(&b, f, ap);
	__builtin_va_end(ap);
}

struct ctx {
	acpi_map_fn map;
	acpi_warn_fn warn;
	struct acpi_info *out;
};

static void warn(struct ctx *c, const char *f, ...)
{
	char msg[160];
	struct fmtbuf b = { msg, sizeof msg, 0 };
	__builtin_va_list ap;
	__builtin_va_start(ap, f);
	vfmt(&b, f, ap);
	__builtin_va_end(ap);
	c->out->nwarnings++;
	if (c->warn)
		c->warn(msg);
}

static const uint8_t *map(struct ctx *c, uint64_t phys, size_t len)
{
	if (phys == 0 || len == 0 || phys + len < phys)
		return NULL;
	return c->map(phys, len);
}

/* Map and validate one table: header, signature (when sig != NULL),
 * length within [min_len, ACPI_MAX_TABLE_LEN], checksum. Returns the table
 * (valid for *len bytes) or NULL after one warning. */
static const uint8_t *get_table(struct ctx *c, uint64_t phys, const char *sig,
				uint32_t min_len, uint32_t *len)
{
	const uint8_t *h = map(c, phys, HDR_LEN);
	if (!h) {
		warn(c, "table at %x: cannot map, skipped", phys);
		return NULL;
	}
	if (sig && !sig_eq(h, sig, 4)) {
		warn(c, "table at %x: signature %4, expected %s, skipped", phys, h, sig);
		return NULL;
	}
	uint32_t n = rd32(h + 4);
	if (n < min_len || n < HDR_LEN || n > ACPI_MAX_TABLE_LEN) {
		warn(c, "%4 at %x: bad length %u, skipped", h, phys, n);
		return NULL;
	}
	const uint8_t *t = map(c, phys, n);
	if (!t) {
		warn(c, "%4 at %x: cannot map %u bytes, skipped", h, phys, n);
		return NULL;
	}
	if (sum8(t, n) != 0) {
		warn(c, "%4 at %x: bad checksum, skipped", t, phys);
		return NULL;
	}
	*len = n;
	return t;
}

static void gas(struct acpi_gas *g, const uint8_t *p)
{
	g->space_id = p[0];
	g->bit_width = p[1];
	g->bit_offset = p[2];
	g->access_size = p[3];
	g->address = rd64(p + 4);
}

/* ---- MADT ---------------------------------------------------------------- */

static void add_cpu(struct ctx *c, uint32_t apic_id, uint32_t uid, uint32_t flags, bool x2apic)
{
	struct acpi_info *a = c->out;
	bool enabled = flags & 1, online_capable = !enabled && (flags & 2);
	if (!enabled && !online_capable)
		return;                         /* unusable: firmware placeholder */
	for (unsigned i = 0; i < a->ncpus; i++) {
		if (a->cpu[i].apic_id == apic_id) {
			warn(c, "MADT: duplicate APIC ID %u ignored", apic_id);
			return;
		}
	}
	if (a->ncpus == ACPI_MAX_CPUS) {
		a->ncpus_dropped++;     /* said once, with the count, by parse_madt */
		return;
	}
	a->cpu[a->ncpus++] = (struct acpi_cpu){
		.apic_id = apic_id, .uid = uid, .enabled = enabled,
		.online_capable = online_capable, .x2apic = x2apic,
	};
	if (enabled)
		a->ncpus_enabled++;
}

static void add_nmi(struct ctx *c, uint32_t uid, uint16_t flags, uint8_t lint)
{
	struct acpi_info *a = c->out;
	if (a->nnmis == ACPI_MAX_NMIS) {
		warn(c, "MADT: more than %u LAPIC NMI entries, the rest ignored", ACPI_MAX_NMIS);
		return;
	}
	a->nmi[a->nnmis++] = (struct acpi_lapic_nmi){ .uid = uid, .flags = flags, .lint = lint };
}

/* An I/O APIC entry (type 1); a full table is warned about once (*warned). */
static void add_ioapic(struct ctx *c, const uint8_t *e, bool *warned)
{
	struct acpi_info *a = c->out;
	if (a->nioapics == ACPI_MAX_IOAPICS) {
		if (!*warned)
			warn(c, "MADT: more than %u I/O APICs, the rest ignored", ACPI_MAX_IOAPICS);
		*warned = true;
		return;
	}
	a->ioapic[a->nioapics++] = (struct acpi_ioapic){
		.id = e[2], .phys = rd32(e + 4), .gsi_base = rd32(e + 8),
	};
}

/* An Interrupt Source Override entry (type 2); *warned as for add_ioapic. */
static void add_override(struct ctx *c, const uint8_t *e, bool *warned)
{
	struct acpi_info *a = c->out;
	if (a->noverrides == ACPI_MAX_OVERRIDES) {
		if (!*warned)
			warn(c, "MADT: more than %u interrupt overrides, the rest ignored",
			     ACPI_MAX_OVERRIDES);
		*warned = true;
		return;
	}
	a->override[a->noverrides++] = (struct acpi_irq_override){
		.bus = e[2], .source = e[3], .gsi = rd32(e + 4), .flags = rd16(e + 8),
	};
}

/* The "table full" warnings, said once per MADT. */
struct madt_warned { bool ioapic, ovr; };

/* One MADT entry e, at least as long as its type needs (parse_madt). */
static void madt_entry(struct ctx *c, const uint8_t *e, struct madt_warned *w)
{
	switch (e[0]) {
	case 0:         /* Processor Local APIC */
		if (e[3] == 0xff)       /* not a valid xAPIC ID: x2APIC entry follows */
			break;
		add_cpu(c, e[3], e[2], rd32(e + 4), false);
		break;
	case 1:         /* I/O APIC */
		add_ioapic(c, e, &w->ioapic);
		break;
	case 2:         /* Interrupt Source Override */
		add_override(c, e, &w->ovr);
		break;
	case 4:         /* Local APIC NMI */
		add_nmi(c, e[2] == 0xff ? 0xffffffffu : e[2], rd16(e + 3), e[5]);
		break;
	case 5:         /* Local APIC Address Override */
		c->out->lapic_phys = rd64(e + 4);
		break;
	case 9:         /* Processor Local x2APIC */
		if (rd32(e + 4) == 0xffffffffu)
			break;
		add_cpu(c, rd32(e + 4), rd32(e + 12), rd32(e + 8), true);
		break;
	case 10:        /* Local x2APIC NMI */
		add_nmi(c, rd32(e + 4), rd16(e + 2), e[8]);
		break;
	default:        /* 3 NMI source, 6+ SAPIC/GIC/...: not used on x86-64 PCs */
		break;
	}
}

static void parse_madt(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct acpi_info *a = c->out;
	static const uint8_t min_len[] = { [0] = 8, [1] = 12, [2] = 10, [4] = 6, [5] = 12, [9] = 16, [10] = 12 };
	struct madt_warned w = { false, false };

	a->has_madt = true;
	a->lapic_phys = rd32(t + 36);
	a->has_8259 = rd32(t + 40) & 1;
	for (uint32_t off = 44; off < len;) {
		if (len - off < 2) {
			warn(c, "MADT: %u stray bytes at offset %u", len - off, off);
			break;
		}
		const uint8_t *e = t + off;
		uint8_t type = e[0], elen = e[1];
		if (elen < 2 || elen > len - off) {
			warn(c, "MADT: entry type %u at offset %u has length %u, walk stopped", type, off, elen);
			break;
		}
		off += elen;
		if (type < sizeof min_len && min_len[type] && elen < min_len[type]) {
			warn(c, "MADT: entry type %u too short (%u bytes), skipped", type, elen);
			continue;
		}
		madt_entry(c, e, &w);
	}
	if (a->ncpus_dropped)
		warn(c, "MADT: %u usable CPUs, only the first %u kept (ACPI_MAX_CPUS); %u are never started",
		     a->ncpus + a->ncpus_dropped, ACPI_MAX_CPUS, a->ncpus_dropped);
}

/* ---- FADT and \_S5 ---------------------------------------------------------- */

/* A legacy 32-bit port field, or the X_ GAS version when the table is long
 * enough and it is a non-zero I/O-space address (X_ takes precedence). */
static uint32_t fadt_port(const uint8_t *t, uint32_t len, uint32_t off32, uint32_t offx)
{
	if (offx + 12 <= len && t[offx] == ACPI_GAS_IO) {
		uint64_t x = rd64(t + offx + 4);
		if (x && x <= 0xffff)
			return (uint32_t)x;
	}
	return rd32(t + off32);
}

/* Decode one package element that should be a small integer: ByteConst
 * (0x0A b), WordConst (0x0B), DWordConst (0x0C), ZeroOp, OneOp, or a bare
 * byte 2..0x09 as some old scanners accept. Returns -1 for anything else. */
static int s5_elem(const uint8_t *p, const uint8_t *end, const uint8_t **next)
{
	if (p >= end)
		return -1;
	uint32_t v;
	switch (*p) {
	case 0x0a: if (end - p < 2) return -1; v = p[1]; *next = p + 2; break;
	case 0x0b: if (end - p < 3) return -1; v = rd16(p + 1); *next = p + 3; break;
	case 0x0c: if (end - p < 5) return -1; v = rd32(p + 1); *next = p + 5; break;
	default:
		if (*p >= 0x0a)
			return -1;
		v = *p;                 /* ZeroOp 0x00, OneOp 0x01, bare bytes */
		*next = p + 1;
		break;
	}
	return v > 7 ? -1 : (int)v;
}

/* Find Name(\_S5, Package() { typa, typb, ... }) in the AML byte stream. */
static void parse_s5(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct acpi_info *a = c->out;
	const uint8_t *end = t + len;
	for (const uint8_t *p = t + HDR_LEN; end - p >= 8; p++) {
		if (!sig_eq(p, "_S5_", 4) || p[4] != 0x12)
			continue;
		/* preceded by NameOp (0x08), possibly with the root prefix '\' */
		if (!(p[-1] == 0x08 || (p[-1] == '\\' && p[-2] == 0x08)))
			continue;
		const uint8_t *q = p + 5;               /* PkgLength */
		unsigned extra = *q >> 6;
		q += 1 + extra;
		if (end - q < 2)
			break;
		unsigned nelem = *q++;
		const uint8_t *next = q;
		int ta = nelem >= 1 ? s5_elem(q, end, &next) : -1;
		int tb = nelem >= 2 && ta >= 0 ? s5_elem(next, end, &next) : -1;
		if (ta < 0 || (nelem >= 2 && tb < 0)) {
			warn(c, "DSDT: \\_S5 package at offset %u not understood", (unsigned)(p - t));
			return;
		}
		if (nelem == 1)                          /* ACPI 1.0 style: both in one */
			tb = ta;
		a->s5_valid = true;
		a->s5_typa = (uint8_t)ta;
		a->s5_typb = (uint8_t)tb;
		return;
	}
}

static void parse_fadt(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct acpi_info *a = c->out;
	a->has_fadt = true;
	a->fadt_revision = t[8];
	a->fadt_flags = rd32(t + 112);
	a->hw_reduced = len >= 116 && (a->fadt_flags & ACPI_FADT_HW_REDUCED);
	a->sci_irq = rd16(t + 46);
	a->smi_cmd = rd32(t + 48);
	a->acpi_enable = t[52];
	if (!a->hw_reduced) {
		a->pm1a_cnt_port = fadt_port(t, len, 64, 172);
		a->pm1b_cnt_port = fadt_port(t, len, 68, 184);
		if (t[91] >= 4)                         /* PM_TMR_LEN: 0 = no PM timer */
			a->pm_timer_port = fadt_port(t, len, 76, 208);
		a->pm_timer_32bit = a->fadt_flags & ACPI_FADT_TMR_VAL_EXT;
	}
	/* IAPC_BOOT_ARCH appeared in ACPI 2.0 (FADT revision 3); revision 1
	 * tables have a reserved byte there. */
	if (a->fadt_revision >= 2)
		a->iapc_boot_arch = rd16(t + 109);
	if (len >= 129) {
		gas(&a->reset_reg, t + 116);
		a->reset_value = t[128];
		a->reset_supported = (a->fadt_flags & ACPI_FADT_RESET_REG_SUP) &&
			a->reset_reg.address != 0 && a->reset_reg.space_id <= ACPI_GAS_PCI_CONFIG;
	}
	if (len >= 256) {
		gas(&a->sleep_ctl, t + 244);
		a->has_sleep_ctl = a->sleep_ctl.address != 0 &&
			a->sleep_ctl.space_id <= ACPI_GAS_IO;
	}
	uint64_t dsdt = len >= 148 ? rd64(t + 140) : 0;
	a->dsdt_phys = dsdt ? dsdt : rd32(t + 40);

	uint32_t dlen;
	const uint8_t *d = a->dsdt_phys ? get_table(c, a->dsdt_phys, "DSDT", HDR_LEN, &dlen) : NULL;
	if (d)
		parse_s5(c, d, dlen);
}

/* ---- HPET, MCFG --------------------------------------------------------------- */

static void parse_hpet(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct acpi_info *a = c->out;
	(void)len;
	struct acpi_gas g;
	gas(&g, t + 40);
	if (g.space_id != ACPI_GAS_MEMORY || g.address == 0) {
		warn(c, "HPET: base address %x in space %u not usable", g.address, g.space_id);
		return;
	}
	a->has_hpet = true;
	a->hpet_block_id = rd32(t + 36);
	a->hpet_phys = g.address;
	a->hpet_min_tick = rd16(t + 53);
}

static void parse_mcfg(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct acpi_info *a = c->out;
	for (uint32_t off = 44; off + 16 <= len; off += 16) {
		if (a->nmcfg == ACPI_MAX_MCFG) {
			warn(c, "MCFG: more than %u segments, the rest ignored", ACPI_MAX_MCFG);
			return;
		}
		a->mcfg[a->nmcfg++] = (struct acpi_mcfg){
			.ecam_phys = rd64(t + off), .segment = rd16(t + off + 8),
			.bus_start = t[off + 10], .bus_end = t[off + 11],
		};
	}
}

/* ---- RSDP and root table -------------------------------------------------------- */

static const struct {
	char sig[5];
	uint32_t min_len;
	void (*parse)(struct ctx *, const uint8_t *, uint32_t);
} parsers[] = {
	{ "APIC", 44, parse_madt },
	{ "FACP", 116, parse_fadt },
	{ "HPET", 56, parse_hpet },
	{ "MCFG", 44, parse_mcfg },
};

/* Validate the RSDP at phys; *ext is set when its extended part is usable. */
static const uint8_t *get_rsdp(struct ctx *c, uint64_t phys, bool *ext)
{
	const uint8_t *r = map(c, phys, 20);
	if (!r) {
		warn(c, "RSDP at %x: cannot map", phys);
		return NULL;
	}
	if (!sig_eq(r, "RSD PTR ", 8)) {
		warn(c, "RSDP at %x: bad signature", phys);
		return NULL;
	}
	if (sum8(r, 20) != 0) {
		warn(c, "RSDP at %x: bad checksum", phys);
		return NULL;
	}
	*ext = false;
	if (r[15] >= 2) {
		const uint8_t *r2 = map(c, phys, 36);
		uint32_t n = r2 ? rd32(r2 + 20) : 0;
		if (!r2 || n < 36 || n > 4096)
			warn(c, "RSDP at %x: bad length %u, using the RSDT", phys, n);
		else if (!(r2 = map(c, phys, n)) || sum8(r2, n) != 0)
			warn(c, "RSDP at %x: bad extended checksum, using the RSDT", phys);
		else {
			*ext = true;
			r = r2;
		}
	}
	return r;
}

/* The root table r points to: the XSDT when r's extended part is usable
 * and the XSDT is valid, else the RSDT. NULL when neither is; *root_phys is
 * the address of the one chosen, *is_x whether it is the XSDT. */
static const uint8_t *get_root(struct ctx *c, const uint8_t *r, bool ext, uint32_t *rlen,
			       bool *is_x, uint64_t *root_phys)
{
	uint64_t rsdt = rd32(r + 16), xsdt = ext ? rd64(r + 24) : 0;
	const uint8_t *root = NULL;
	*is_x = false;
	if (xsdt) {
		root = get_table(c, xsdt, "XSDT", HDR_LEN, rlen);
		*is_x = root != NULL;
		if (!root && rsdt)
			warn(c, "falling back to the RSDT");
	}
	if (!root && rsdt)
		root = get_table(c, rsdt, "RSDT", HDR_LEN, rlen);
	if (!root && !rsdt && !xsdt)
		warn(c, "RSDP has no RSDT or XSDT");
	*root_phys = *is_x ? xsdt : rsdt;
	return root;
}

/* The RSDP's OEM ID, printable, trailing spaces dropped. */
static void copy_oem_id(char *oem_id, const uint8_t *r)
{
	int n = 0;
	for (int i = 0; i < 6; i++) {
		uint8_t ch = r[9 + i];
		oem_id[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		if (ch != ' ')
			n = i + 1;
	}
	oem_id[n] = '\0';
}

/* The table at p, listed in the root table: handed to its parser when
 * there is one for its signature, the first of each signature only
 * (seen[k]: parsers[k] has had its table). */
static void dispatch_table(struct ctx *c, uint64_t p, bool *seen)
{
	const uint8_t *h = map(c, p, HDR_LEN);
	if (!h) {
		warn(c, "table at %x: cannot map, skipped", p);
		return;
	}
	for (unsigned k = 0; k < sizeof parsers / sizeof parsers[0]; k++) {
		if (!sig_eq(h, parsers[k].sig, 4))
			continue;
		if (seen[k]) {
			warn(c, "second %s at %x ignored", parsers[k].sig, p);
			return;
		}
		uint32_t tlen;
		const uint8_t *t = get_table(c, p, parsers[k].sig, parsers[k].min_len, &tlen);
		if (t) {
			seen[k] = true;
			parsers[k].parse(c, t, tlen);
		}
		return;
	}
}

/* Every table the root table (XSDT: 8-byte entries, RSDT: 4) lists. */
static void walk_root(struct ctx *c, const uint8_t *root, uint32_t rlen, bool is_x)
{
	bool seen[sizeof parsers / sizeof parsers[0]] = { 0 };
	unsigned esz = is_x ? 8 : 4;
	for (uint32_t off = HDR_LEN; off + esz <= rlen; off += esz) {
		uint64_t p = is_x ? rd64(root + off) : rd32(root + off);
		if (p == 0)
			continue;
		dispatch_table(c, p, seen);
	}
}

int acpi_parse(uint64_t rsdp_phys, acpi_map_fn mapfn, acpi_warn_fn warnfn, struct acpi_info *out)
{
	struct ctx c = { mapfn, warnfn, out };
	*out = (struct acpi_info){ 0 };

	if (rsdp_phys == 0) {
		warn(&c, "no RSDP");
		return -1;
	}
	bool ext;
	const uint8_t *r = get_rsdp(&c, rsdp_phys, &ext);
	if (!r)
		return -1;

	uint8_t rev = r[15];
	uint32_t rlen = 0;
	bool is_x;
	uint64_t root_phys;
	const uint8_t *root = get_root(&c, r, ext, &rlen, &is_x, &root_phys);
	if (!root) {
		unsigned nw = out->nwarnings;
		*out = (struct acpi_info){ .nwarnings = nw };
		return -1;
	}

	out->revision = rev;
	out->xsdt = is_x;
	out->rsdp_phys = rsdp_phys;
	out->root_phys = root_phys;
	copy_oem_id(out->oem_id, r);

	walk_root(&c, root, rlen, is_x);
	if (!out->has_madt)
		warn(&c, "no MADT: one CPU, no I/O APIC");
	return 0;
}

uint64_t acpi_find_rsdp(acpi_map_fn mapfn)
{
	uint64_t ranges[2][2] = { { 0, 0 }, { 0xe0000, 0x100000 } };
	const uint8_t *bda = mapfn(0x40e, 2);
	if (bda) {
		uint64_t ebda = (uint64_t)rd16(bda) << 4;
		if (ebda >= 0x80000 && ebda < 0xa0000) {
			ranges[0][0] = ebda;
			ranges[0][1] = ebda + 1024;
		}
	}
	for (int r = 0; r < 2; r++) {
		if (ranges[r][0] == 0)
			continue;
		const uint8_t *m = mapfn(ranges[r][0], ranges[r][1] - ranges[r][0]);
		if (!m)
			continue;
		for (uint64_t off = 0; off + 20 <= ranges[r][1] - ranges[r][0]; off += 16)
			if (sig_eq(m + off, "RSD PTR ", 8) && sum8(m + off, 20) == 0)
				return ranges[r][0] + off;
	}
	return 0;
}

void acpi_summary(const struct acpi_info *a, char *buf, size_t size)
{
	struct fmtbuf b = { buf, size, 0 };
	char t[64];
	fmt(t, sizeof t, "OEM %s, rev %u, %s, ", a->oem_id[0] ? a->oem_id : "?",
	    a->revision, a->xsdt ? "XSDT" : "RSDT");
	puts_(&b, t);
	fmt(t, sizeof t, "%u CPU%s (%u enabled), %u IOAPIC%s", a->ncpus, a->ncpus == 1 ? "" : "s",
	    a->ncpus_enabled, a->nioapics, a->nioapics == 1 ? "" : "s");
	puts_(&b, t);
	if (a->has_hpet) {
		fmt(t, sizeof t, ", HPET at %x", a->hpet_phys);
		puts_(&b, t);
	}
	if (a->pm_timer_port) {
		fmt(t, sizeof t, ", PM timer port %x%s", (uint64_t)a->pm_timer_port,
		    a->pm_timer_32bit ? " (32-bit)" : "");
		puts_(&b, t);
	}
	if (a->hw_reduced)
		puts_(&b, ", HW-reduced");
	if (a->s5_valid) {
		fmt(t, sizeof t, ", S5 %u/%u", a->s5_typa, a->s5_typb);
		puts_(&b, t);
	}
	if (a->reset_supported)
		puts_(&b, ", reset reg");
	if (size)
		buf[b.i] = '\0';
}

/* ---- kernel glue ------------------------------------------------------------------ */

#ifndef HOST_TEST
struct acpi_info acpi;

/* The direct map covers [0, 4 GiB) and every memory-map region, which is
 * where firmware puts ACPI tables. */
static const void *kmap(uint64_t phys, size_t len)
{
	(void)len;
	return phys_to_virt(phys);
}

static void kwarn(const char *msg)
{
	kprintf("acpi: %s\n", msg);
}

int acpi_init(uint64_t rsdp_phys)
{
	if (rsdp_phys == 0)
		rsdp_phys = acpi_find_rsdp(kmap);
	int r = acpi_parse(rsdp_phys, kmap, kwarn, &acpi);
	if (r < 0) {
		kprintf("acpi: no usable tables\n");
		return r;
	}
	char line[200];
	acpi_summary(&acpi, line, sizeof line);
	kprintf("acpi: %s\n", line);
	return 0;
}
#endif
