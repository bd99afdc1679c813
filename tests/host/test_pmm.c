/*
 * test_pmm.c - host tests for kernel/pmm_core.c (contract in kernel/pmm.h).
 *
 * The memory maps look like real ones: a UEFI-style map with the legacy
 * hole, EBDA and ROM area, ACPI tables and NVS, an MMIO window below 4 GiB,
 * RAM above 4 GiB, region edges that are not page-aligned, overlapping
 * entries and a zero-length entry. A reference model computed here,
 * independently of pmm_core, says which pages may be handed out; every page
 * the allocator returns is checked against it. Each bitmap is its own
 * exact-size heap block, so ASan catches any access past its end.
 */
#include "kernel/pmm_core.c"
#include "check.h"

#include <stdint.h>

#define PG 4096ULL
#define MiB (1ULL << 20)
#define GiB (1ULL << 30)

/* ---- the maps ---------------------------------------------------------- */

static const struct boot_mem_region uefi_map[] = {
	{ 0x0, 0x9f000, MEM_USABLE, 0 },                /* conventional memory, page 0 included */
	{ 0x9f000, 0x1000, MEM_RESERVED, 0 },            /* EBDA */
	{ 0xe0000, 0x20000, MEM_RESERVED, 0 },           /* BIOS ROM */
	{ 0x100000, 0x700000, MEM_USABLE, 0 },           /* 1 MiB .. 8 MiB */
	{ 0x800000, 0x8000, MEM_ACPI_NVS, 0 },           /* OVMF's NVS pages */
	{ 0x808000, 0x3000, MEM_USABLE, 0 },             /* a three-page sliver */
	{ 0x80b000, 0x1000, MEM_ACPI_NVS, 0 },
	{ 0x900123, 0x9fff00 - 0x900123, MEM_USABLE, 0 },/* unaligned both ends: pages 0x901..0x9fe */
	{ 0xa00000, 0x600000, MEM_USABLE, 0 },           /* 10 MiB .. 16 MiB ...          */
	{ 0xc00000, 0x600000, MEM_USABLE, 0 },           /* ... overlapped: 12 .. 18 MiB  */
	{ 0x1200000, 0, MEM_USABLE, 0 },                 /* zero length */
	{ 0x1300000, 0x10000, MEM_BAD, 0 },
	{ 0x1400000, 0x6be0000 - 0x1400000, MEM_USABLE, 0 }, /* up to the ACPI tables */
	{ 0x6be0000, 0x20000, MEM_ACPI_RECLAIM, 0 },
	{ 0x6c00000, 0x400000, MEM_LOADER, 0 },
	{ 0x7000000, 0x1000000, MEM_USABLE, 0 },         /* 112 .. 128 MiB */
	{ 0xfec00000, 0x1000, MEM_RESERVED, 0 },         /* IOAPIC */
	{ 0xfee00000, 0x1000, MEM_RESERVED, 0 },         /* LAPIC */
	{ 0xffc00000, 0x400000, MEM_RESERVED, 0 },       /* flash */
	{ 0x100000000ULL, 0x1000000, MEM_USABLE, 0 },    /* 16 MiB above 4 GiB */
	{ 0x101000000ULL, 0x1000000, MEM_RESERVED, 0 },  /* reserved above the top of RAM */
};
#define UEFI_N ((unsigned)(sizeof uefi_map / sizeof uefi_map[0]))

/* Low memory, the kernel image (unaligned end) and a bitmap, as pmm.c does. */
static const struct pmm_range uefi_reserved[] = {
	{ 0, 0x100000 },
	{ 0x200000, 0x3a5123 },
	{ 0x1500800, 0x1502000 },  /* unaligned start */
};
#define UEFI_NR ((unsigned)(sizeof uefi_reserved / sizeof uefi_reserved[0]))

/* ---- reference model --------------------------------------------------- */

/* A page may be handed out iff it is not page 0, lies wholly inside a
 * usable entry, touches no non-usable entry and no reserved range. */
static int model_ok(const struct boot_mem_region *m, unsigned n, const struct pmm_range *r,
		    unsigned nr, uint64_t pg)
{
	uint64_t b = pg * PG, e = b + PG;
	int inside = 0;
	if (pg == 0)
		return 0;
	for (unsigned i = 0; i < n; i++) {
		uint64_t mb = m[i].base, me = m[i].base + m[i].length;
		if (m[i].type == MEM_USABLE && mb <= b && e <= me)
			inside = 1;
		if (m[i].type != MEM_USABLE && b < me && mb < e)
			return 0;
	}
	for (unsigned i = 0; i < nr; i++)
		if (b < r[i].end && r[i].base < e)
			return 0;
	return inside;
}

/* Pages the model allows, counting page 0 as the allocator cannot give it out. */
static uint64_t model_count(const struct boot_mem_region *m, unsigned n, const struct pmm_range *r,
			    unsigned nr, uint64_t npages)
{
	uint64_t c = 0;
	for (uint64_t pg = 0; pg < npages; pg++)
		c += (uint64_t)model_ok(m, n, r, nr, pg);
	return c;
}

struct setup {
	struct pmm_core p;
	uint8_t *bitmap;
	size_t bytes;
};

static void setup(struct setup *s, const struct boot_mem_region *m, unsigned n,
		  const struct pmm_range *r, unsigned nr)
{
	s->bytes = pmm_core_bitmap_bytes(m, n);
	s->bitmap = malloc(s->bytes ? s->bytes : 1);
	pmm_core_init(&s->p, s->bitmap, m, n, r, nr);
}

static void teardown(struct setup *s) { free(s->bitmap); }

/* ---- tests ------------------------------------------------------------- */

TEST(bitmap_bytes)
{
	/* Top of usable RAM is 4 GiB + 16 MiB: 0x101000 pages, one bit each. */
	CHECK_EQ(pmm_core_bitmap_bytes(uefi_map, UEFI_N), 0x101000 / 8);
	/* Reserved entries above the top of RAM do not count. */
	CHECK_EQ(pmm_core_bitmap_bytes(uefi_map, UEFI_N - 1), 0x101000 / 8);
	/* Only the low part: top 128 MiB. */
	CHECK_EQ(pmm_core_bitmap_bytes(uefi_map, 16), (128 * MiB / PG) / 8);
	/* Unaligned top rounds up to a whole page, pages round up to a byte. */
	struct boot_mem_region one = { 0x900123, 0x9fff00 - 0x900123, MEM_USABLE, 0 };
	CHECK_EQ(pmm_core_bitmap_bytes(&one, 1), (0xa00 + 7) / 8);
	struct boot_mem_region odd = { 0x1000, 9 * PG, MEM_USABLE, 0 }; /* 10 pages */
	CHECK_EQ(pmm_core_bitmap_bytes(&odd, 1), 2);
	/* Nothing usable: no bitmap. */
	struct boot_mem_region res = { 0x100000, 0x100000, MEM_RESERVED, 0 };
	CHECK_EQ(pmm_core_bitmap_bytes(&res, 1), 0);
	CHECK_EQ(pmm_core_bitmap_bytes(uefi_map, 0), 0);
}

TEST(free_count_matches_map)
{
	struct setup s;
	setup(&s, uefi_map, UEFI_N, uefi_reserved, UEFI_NR);
	/* By hand: usable pages minus the reserved ranges.
	 *   [0, 0x9f000)         0x9f pages, all inside the low reservation
	 *   [1, 8 MiB)           0x700 pages, minus 0x100..0x1ff (none: starts at 0x100)
	 *                        minus kernel 0x200..0x3a5 (0x1a6 pages)
	 *   0x808..0x80a         3
	 *   0x901..0x9fe         0xfe
	 *   10 .. 18 MiB         0x800 (overlap counted once)
	 *   20 MiB .. 0x6be0000  0x57e0, minus bitmap pages 0x1500, 0x1501 (2)
	 *   112 .. 128 MiB       0x1000
	 *   4 GiB .. +16 MiB     0x1000 */
	uint64_t want = (0x700 - 0x1a6) + 3 + 0xfe + 0x800 + (0x57e0 - 2) + 0x1000 + 0x1000;
	CHECK_EQ(s.p.nfree, want);
	CHECK_EQ(s.p.ntotal, want);
	CHECK_EQ(s.p.npages, 0x101000);
	CHECK_EQ(model_count(uefi_map, UEFI_N, uefi_reserved, UEFI_NR, s.p.npages), want);
	teardown(&s);
}

/* Allocate every page one at a time; each must be allowed by the model and
 * new; then the allocator is empty and says so. */
TEST(alloc_everything_one_page_at_a_time)
{
	struct setup s;
	setup(&s, uefi_map, UEFI_N, uefi_reserved, UEFI_NR);
	uint64_t total = s.p.nfree, got = 0, bad = 0, dup = 0;
	uint8_t *seen = calloc(s.p.npages, 1);
	for (;;) {
		uint64_t a = pmm_core_alloc(&s.p, 1);
		if (!a)
			break;
		uint64_t pg = a / PG;
		if (a % PG || pg >= s.p.npages || !model_ok(uefi_map, UEFI_N, uefi_reserved, UEFI_NR, pg)) {
			if (bad++ < 5)
				fprintf(stderr, "  bad page 0x%llx\n", (unsigned long long)a);
			continue;
		}
		if (seen[pg]++)
			dup++;
		got++;
		CHECK_EQ(s.p.nfree, total - got);
		if (got > total + 10)
			break;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(dup, 0);
	CHECK_EQ(got, total);
	CHECK_EQ(s.p.nfree, 0);
	CHECK_EQ(pmm_core_alloc(&s.p, 1), 0);
	CHECK_EQ(pmm_core_alloc(&s.p, 2), 0);
	CHECK_EQ(s.p.nfree, 0);
	/* Free it all again: the count returns, and it can all be had again. */
	for (uint64_t pg = 0; pg < s.p.npages; pg++)
		if (seen[pg])
			CHECK_EQ(pmm_core_free(&s.p, pg * PG, 1), 0);
	CHECK_EQ(s.p.nfree, total);
	uint64_t again = 0;
	while (pmm_core_alloc(&s.p, 1))
		again++;
	CHECK_EQ(again, total);
	free(seen);
	teardown(&s);
}

TEST(contiguous_allocations)
{
	struct setup s;
	setup(&s, uefi_map, UEFI_N, uefi_reserved, UEFI_NR);
	uint64_t total = s.p.nfree;
	uint8_t *mine = calloc(s.p.npages, 1);
	static const size_t sizes[] = { 2, 3, 16, 7, 64, 1, 255, 512, 3, 4096 };
	uint64_t used = 0;
	for (int round = 0; round < 4; round++) {
		for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
			size_t n = sizes[k];
			uint64_t a = pmm_core_alloc(&s.p, n);
			CHECK(a != 0);
			if (!a)
				continue;
			CHECK_EQ(a % PG, 0);
			for (uint64_t pg = a / PG; pg < a / PG + n; pg++) {
				CHECK(model_ok(uefi_map, UEFI_N, uefi_reserved, UEFI_NR, pg));
				CHECK(!mine[pg]);
				mine[pg] = 1;
			}
			used += n;
			CHECK_EQ(s.p.nfree, total - used);
		}
	}
	/* The largest run is 0x57e0 - 2 pages split by the bitmap at 0x1500:
	 * 0x1400..0x14ff is 256 pages, 0x1502..0x6bdf is 0x56de. Asking for more
	 * than any run holds fails and changes nothing. */
	uint64_t before = s.p.nfree;
	CHECK_EQ(pmm_core_alloc(&s.p, 0x6000), 0);
	CHECK_EQ(pmm_core_alloc(&s.p, total + 1), 0);
	CHECK_EQ(pmm_core_alloc(&s.p, 0), 0);
	CHECK_EQ(s.p.nfree, before);
	free(mine);
	teardown(&s);
}

/* A run may not span a hole: three pages at 0x808000 sit between NVS pages. */
TEST(contiguous_never_spans_a_hole)
{
	static const struct boot_mem_region m[] = {
		{ 0x1000, 0x3000, MEM_USABLE, 0 },      /* pages 1..3 */
		{ 0x4000, 0x1000, MEM_RESERVED, 0 },
		{ 0x5000, 0x2000, MEM_USABLE, 0 },      /* pages 5..6 */
		{ 0x8000, 0x4000, MEM_USABLE, 0 },      /* pages 8..11 (7 missing) */
	};
	struct setup s;
	setup(&s, m, 4, 0, 0);
	CHECK_EQ(s.p.nfree, 9);
	CHECK_EQ(pmm_core_alloc(&s.p, 5), 0);
	CHECK_EQ(pmm_core_alloc(&s.p, 4), 0x8000);
	CHECK_EQ(pmm_core_alloc(&s.p, 3), 0x1000);
	CHECK_EQ(pmm_core_alloc(&s.p, 3), 0);
	CHECK_EQ(pmm_core_alloc(&s.p, 2), 0x5000);
	CHECK_EQ(s.p.nfree, 0);
	CHECK_EQ(pmm_core_alloc(&s.p, 1), 0);
	teardown(&s);
}

TEST(free_and_realloc)
{
	struct setup s;
	setup(&s, uefi_map, UEFI_N, uefi_reserved, UEFI_NR);
	uint64_t total = s.p.nfree;
	uint64_t a = pmm_core_alloc(&s.p, 8);
	uint64_t b = pmm_core_alloc(&s.p, 1);
	CHECK(a && b);
	CHECK(b < a || b >= a + 8 * PG);
	CHECK_EQ(s.p.nfree, total - 9);
	CHECK_EQ(pmm_core_free(&s.p, a, 8), 0);
	CHECK_EQ(s.p.nfree, total - 1);
	/* The freed run can be had again (in full: nothing else is free
	 * there that it could be confused with). */
	uint64_t seen_a = 0;
	for (int i = 0; i < 100000 && s.p.nfree; i++) {
		uint64_t c = pmm_core_alloc(&s.p, 8);
		if (!c)
			break;
		CHECK(c != b);
		if (c == a)
			seen_a = 1;
	}
	CHECK(seen_a);
	CHECK_EQ(pmm_core_free(&s.p, b, 1), 0);
	teardown(&s);
}

TEST(double_free_changes_nothing)
{
	struct setup s;
	setup(&s, uefi_map, UEFI_N, uefi_reserved, UEFI_NR);
	uint64_t total = s.p.nfree;
	uint64_t a = pmm_core_alloc(&s.p, 4);
	CHECK(a != 0);
	CHECK_EQ(pmm_core_free(&s.p, a + PG, 1), 0);        /* free the 2nd page */
	uint64_t nfree = s.p.nfree;
	uint8_t *copy = malloc(s.bytes);
	memcpy(copy, s.bitmap, s.bytes);
	CHECK_EQ(pmm_core_free(&s.p, a + PG, 1), -1);        /* plain double free */
	CHECK_EQ(pmm_core_free(&s.p, a, 4), -1);             /* one page of four already free */
	CHECK_EQ(pmm_core_free(&s.p, a + 3 * PG, 2), -1);    /* runs into a free page */
	CHECK_EQ(pmm_core_free(&s.p, a + 17, 1), -1);        /* not page-aligned */
	CHECK_EQ(pmm_core_free(&s.p, s.p.npages * PG, 1), -1); /* past the end */
	CHECK_EQ(pmm_core_free(&s.p, (s.p.npages - 1) * PG, 2), -1);
	CHECK_EQ(s.p.nfree, nfree);
	CHECK(!memcmp(copy, s.bitmap, s.bytes));
	/* The rest frees fine. */
	CHECK_EQ(pmm_core_free(&s.p, a, 1), 0);
	CHECK_EQ(pmm_core_free(&s.p, a + 2 * PG, 2), 0);
	CHECK_EQ(s.p.nfree, total);
	free(copy);
	teardown(&s);
}

/* A usable page 0 is never returned; and since it can never be handed out,
 * it is not counted as free either (or nfree would never reach 0). */
TEST(page_zero_never_returned)
{
	static const struct boot_mem_region m[] = { { 0, 4 * PG, MEM_USABLE, 0 } };
	struct setup s;
	setup(&s, m, 1, 0, 0);
	uint64_t got[4] = { 0 };
	int n = 0;
	for (uint64_t a; n < 4 && (a = pmm_core_alloc(&s.p, 1)); n++)
		got[n] = a;
	CHECK_EQ(n, 3);
	for (int i = 0; i < n; i++)
		CHECK(got[i] != 0);
	CHECK_EQ(pmm_core_alloc(&s.p, 1), 0);
	teardown(&s);
}

TEST(page_zero_not_counted_free)
{
	static const struct boot_mem_region m[] = { { 0, 4 * PG, MEM_USABLE, 0 } };
	struct setup s;
	setup(&s, m, 1, 0, 0);
	CHECK_EQ(s.p.nfree, 3);
	CHECK_EQ(s.p.ntotal, 3);
	while (pmm_core_alloc(&s.p, 1))
		;
	CHECK_EQ(s.p.nfree, 0);
	teardown(&s);
}

TEST(hint_wraps_around)
{
	static const struct boot_mem_region m[] = { { 0x1000, 8 * PG, MEM_USABLE, 0 } }; /* pages 1..8 */
	struct setup s;
	setup(&s, m, 1, 0, 0);
	uint64_t a[8];
	for (int i = 0; i < 8; i++)
		a[i] = pmm_core_alloc(&s.p, 1);
	for (int i = 0; i < 8; i++)
		CHECK_EQ(a[i], (uint64_t)(i + 1) * PG);
	/* Free pages 2,3 (below the hint at the end) and 6; a two-page run is
	 * found by wrapping. */
	CHECK_EQ(pmm_core_free(&s.p, 2 * PG, 2), 0);
	CHECK_EQ(pmm_core_free(&s.p, 6 * PG, 1), 0);
	CHECK_EQ(pmm_core_alloc(&s.p, 2), 2 * PG);
	CHECK_EQ(pmm_core_alloc(&s.p, 2), 0);
	CHECK_EQ(pmm_core_alloc(&s.p, 1), 6 * PG);
	CHECK_EQ(s.p.nfree, 0);
	/* A run straddling the hint is found. */
	CHECK_EQ(pmm_core_free(&s.p, 3 * PG, 4), 0);   /* 3..6 free, hint at 7 */
	CHECK_EQ(pmm_core_alloc(&s.p, 1), 3 * PG);     /* hint now 4 */
	CHECK_EQ(pmm_core_free(&s.p, 3 * PG, 1), 0);   /* 3..6 free, hint at 4 */
	CHECK_EQ(pmm_core_alloc(&s.p, 4), 3 * PG);
	teardown(&s);
}

TEST(find_range)
{
	/* pmm.c's use: a bitmap-sized range above 1 MiB avoiding the kernel. */
	uint64_t len = pmm_core_bitmap_bytes(uefi_map, UEFI_N); /* 0x20200 bytes, 33 pages */
	uint64_t at = pmm_core_find_range(uefi_map, UEFI_N, len, 0x100000, uefi_reserved, 2);
	CHECK_EQ(at, 0x100000);
	/* Starting just below the kernel: pushed past its unaligned end. */
	at = pmm_core_find_range(uefi_map, UEFI_N, len, 0x1f0000, uefi_reserved, 2);
	CHECK_EQ(at, 0x3a6000);
	CHECK_EQ(at % PG, 0);
	/* Every page of the result is usable and unreserved. */
	for (uint64_t a = at; a < at + len; a += PG)
		CHECK(model_ok(uefi_map, UEFI_N, uefi_reserved, 2, a / PG));

	/* Length rounds up to pages: 3 pages fit in the 0x808000 sliver, 4 do not. */
	static const struct pmm_range upto_8m[] = { { 0, 0x800000 } };
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, 3 * PG, 0, upto_8m, 1), 0x808000);
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, 3 * PG - 100, 0, upto_8m, 1), 0x808000);
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, 3 * PG + 1, 0, upto_8m, 1), 0x901000);
	/* An unaligned region gives only its whole pages. */
	static const struct pmm_range upto_9m[] = { { 0, 0x900000 } };
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, 0xfe * PG, 0, upto_9m, 1), 0x901000);
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, 0xff * PG, 0, upto_9m, 1), 0xa00000);
	/* min is respected, also inside a region and above 4 GiB. */
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, PG, 0x7800000, 0, 0), 0x7800000);
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, PG, 0x80000000ULL, 0, 0), 0x100000000ULL);
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, 16 * MiB, 0x80000000ULL, 0, 0), 0x100000000ULL);
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, 16 * MiB + 1, 0x80000000ULL, 0, 0), 0);
	/* A reservation in the middle of the only big-enough region pushes the
	 * result past it; one covering all of it means none. */
	static const struct pmm_range mid[] = { { 0, 0x100001000ULL } };
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, PG, 0, mid, 1), 0x100001000ULL);
	static const struct pmm_range all[] = { { 0, 8 * GiB } };
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, PG, 0, all, 1), 0);
	/* Nothing large enough anywhere. */
	CHECK_EQ(pmm_core_find_range(uefi_map, UEFI_N, 128 * MiB, 0, 0, 0), 0);
	/* Zero-length and non-usable regions are never chosen. */
	static const struct boot_mem_region m2[] = {
		{ 0x100000, 0, MEM_USABLE, 0 },
		{ 0x200000, 0x100000, MEM_ACPI_RECLAIM, 0 },
		{ 0x300000, 0x100000, MEM_USABLE, 0 },
	};
	CHECK_EQ(pmm_core_find_range(m2, 3, PG, 0, 0, 0), 0x300000);
}

/* The contract promises a page-aligned result, whatever min is. */
TEST(find_range_unaligned_min)
{
	uint64_t at = pmm_core_find_range(uefi_map, UEFI_N, PG, 0x7800001, 0, 0);
	CHECK_EQ(at % PG, 0);
	CHECK(at >= 0x7800001);
	CHECK_EQ(at, 0x7801000);
}

/* Random alloc/free traffic against a shadow of who owns what. */
TEST(random_traffic)
{
	struct setup s;
	setup(&s, uefi_map, UEFI_N, uefi_reserved, UEFI_NR);
	uint64_t total = s.p.nfree;
	uint8_t *owned = calloc(s.p.npages, 1);
	struct { uint64_t a; size_t n; } live[512];
	int nlive = 0;
	uint32_t rng = 12345;
	for (int step = 0; step < 20000; step++) {
		rng = rng * 1103515245u + 12345u;
		int r = (int)(rng >> 16);
		if (nlive < 512 && (r & 1)) {
			size_t n = 1 + (size_t)((r >> 1) % ((r & 2) ? 3 : 40));
			uint64_t a = pmm_core_alloc(&s.p, n);
			if (!a)
				continue;
			for (uint64_t pg = a / PG; pg < a / PG + n; pg++) {
				CHECK(!owned[pg]);
				CHECK(model_ok(uefi_map, UEFI_N, uefi_reserved, UEFI_NR, pg));
				owned[pg] = 1;
			}
			live[nlive].a = a;
			live[nlive++].n = n;
		} else if (nlive) {
			int k = (r >> 1) % nlive;
			CHECK_EQ(pmm_core_free(&s.p, live[k].a, live[k].n), 0);
			for (uint64_t pg = live[k].a / PG; pg < live[k].a / PG + live[k].n; pg++)
				owned[pg] = 0;
			live[k] = live[--nlive];
		}
	}
	while (nlive) {
		nlive--;
		CHECK_EQ(pmm_core_free(&s.p, live[nlive].a, live[nlive].n), 0);
	}
	CHECK_EQ(s.p.nfree, total);
	free(owned);
	teardown(&s);
}

CHECK_MAIN()
