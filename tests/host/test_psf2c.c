#define _GNU_SOURCE /* popen, open_memstream */
/*
 * test_psf2c.c - the PSF font converter (tools/psf2c.c): parsing and
 * validation of synthetic PSF1/PSF2 files, the generated C, and the real
 * font the kernel is built with (FONT_PSF, passed in by tests/tests.mk;
 * tools/deps.sh installs its package, so a missing font is a failure).
 */
#include "check.h"
#include "tools/psf2c.c"

#ifndef FONT_PSF
#error "build with -DFONT_PSF=\"path\" (tests/tests.mk passes the kernel's font)"
#endif

struct buf {
	uint8_t d[16384];
	size_t n;
};

static void put8(struct buf *b, uint32_t v) { b->d[b->n++] = (uint8_t)v; }
static void put16(struct buf *b, uint32_t v) { put8(b, v & 0xff); put8(b, v >> 8); }
static void put32(struct buf *b, uint32_t v) { put16(b, v & 0xffff); put16(b, v >> 16); }

/* Glyph data where byte i of glyph g is (g * 7 + i) & 0xff. */
static void put_glyphs(struct buf *b, uint32_t count, uint32_t bytes)
{
	for (uint32_t g = 0; g < count; g++)
		for (uint32_t i = 0; i < bytes; i++)
			put8(b, (g * 7 + i) & 0xff);
}

static void psf1(struct buf *b, uint8_t mode, uint8_t height)
{
	b->n = 0;
	put8(b, 0x36);
	put8(b, 0x04);
	put8(b, mode);
	put8(b, height);
	put_glyphs(b, (mode & 1) ? 512 : 256, height);
}

static void psf2(struct buf *b, uint32_t flags, uint32_t count, uint32_t w, uint32_t h)
{
	uint32_t bpg = h * ((w + 7) / 8);
	b->n = 0;
	put32(b, 0x864ab572);
	put32(b, 0);      /* version */
	put32(b, 32);     /* header size */
	put32(b, flags);
	put32(b, count);
	put32(b, bpg);
	put32(b, h);
	put32(b, w);
	put_glyphs(b, count, bpg);
}

static int parse(const struct buf *b, struct psf_font *f, char *err)
{
	return psf_parse(b->d, b->n, f, err, 200);
}

TEST(psf1_no_table_identity)
{
	struct buf b;
	struct psf_font f;
	char err[200] = "";
	psf1(&b, 0, 8);
	CHECK_EQ(parse(&b, &f, err), 0);
	CHECK_EQ(f.version, 1);
	CHECK_EQ(f.width, 8);
	CHECK_EQ(f.height, 8);
	CHECK_EQ(f.bytes_per_row, 1);
	CHECK_EQ(f.bytes_per_glyph, 8);
	CHECK_EQ(f.glyph_count, 256);
	CHECK_EQ(f.has_table, 0);
	CHECK_EQ(f.map['A'], 'A');
	CHECK_EQ(f.map[0xff], 0xff);
	CHECK_EQ(f.fallback, '?');
	CHECK_EQ(psf_missing_ascii(&f), 0);
	/* glyph 'A' (65), byte 3 */
	CHECK_EQ(f.glyphs[65 * 8 + 3], (65 * 7 + 3) & 0xff);
	CHECK(f.glyphs == b.d + 4);
}

TEST(psf1_512_with_table)
{
	struct buf b;
	struct psf_font f;
	char err[200] = "";
	psf1(&b, 0x01 | 0x02, 16);
	CHECK_EQ(b.n, 4 + 512 * 16);
	for (uint32_t g = 0; g < 512; g++) {
		if (g == 5) {
			put16(&b, 'A');
			put16(&b, 0xe9);
		} else if (g == 6) {
			put16(&b, 'A');     /* second glyph for 'A': first one wins */
			put16(&b, 0xfffe);  /* sequence: B + combining acute, ignored */
			put16(&b, 'B');
			put16(&b, 0x0301);
		} else if (g == 300) {
			put16(&b, 0xfffd);
		} else if (g == 301) {
			put16(&b, 'B');
		}
		put16(&b, 0xffff);
	}
	CHECK_EQ(parse(&b, &f, err), 0);
	CHECK_EQ(f.glyph_count, 512);
	CHECK_EQ(f.has_table, 1);
	CHECK_EQ(f.map['A'], 5);
	CHECK_EQ(f.map[0xe9], 5);
	CHECK_EQ(f.map['B'], 301);
	CHECK_EQ(f.map['C'], PSF_NO_GLYPH);
	CHECK_EQ(f.fallback, 300);
	CHECK_EQ(psf_missing_ascii(&f), 0x7e - 0x20 + 1 - 2);
}

TEST(psf2_with_utf8_table)
{
	struct buf b;
	struct psf_font f;
	char err[200] = "";
	psf2(&b, 1, 4, 10, 12);
	/* glyph 0: space; 1: 'A'; 2: U+00E9 and a sequence; 3: U+263A, '?' */
	put8(&b, ' '); put8(&b, 0xff);
	put8(&b, 'A'); put8(&b, 0xff);
	put8(&b, 0xc3); put8(&b, 0xa9); put8(&b, 0xfe); put8(&b, 'e'); put8(&b, 0xcc); put8(&b, 0x81); put8(&b, 0xff);
	put8(&b, 0xe2); put8(&b, 0x98); put8(&b, 0xba); put8(&b, '?'); put8(&b, 0xff);
	CHECK_EQ(parse(&b, &f, err), 0);
	CHECK_EQ(f.version, 2);
	CHECK_EQ(f.width, 10);
	CHECK_EQ(f.height, 12);
	CHECK_EQ(f.bytes_per_row, 2);
	CHECK_EQ(f.bytes_per_glyph, 24);
	CHECK_EQ(f.glyph_count, 4);
	CHECK_EQ(f.map[' '], 0);
	CHECK_EQ(f.map['A'], 1);
	CHECK_EQ(f.map[0xe9], 2);
	CHECK_EQ(f.map['e'], PSF_NO_GLYPH);  /* only inside a sequence */
	CHECK_EQ(f.map['?'], 3);
	CHECK_EQ(f.fallback, 3);
	CHECK_EQ(f.glyphs[1 * 24 + 5], (1 * 7 + 5) & 0xff);
	CHECK(f.glyphs == b.d + 32);
}

TEST(psf2_no_table_identity_limited_by_count)
{
	struct buf b;
	struct psf_font f;
	char err[200] = "";
	psf2(&b, 0, 4, 8, 8);
	CHECK_EQ(parse(&b, &f, err), 0);
	CHECK_EQ(f.map[3], 3);
	CHECK_EQ(f.map[4], PSF_NO_GLYPH);
	CHECK_EQ(f.fallback, 0);
	/* a larger header (headersize 40) is skipped */
	struct buf c;
	psf2(&c, 0, 4, 8, 8);
	memmove(c.d + 40, c.d + 32, c.n - 32);
	memset(c.d + 32, 0, 8);
	c.d[8] = 40;
	c.n += 8;
	CHECK_EQ(parse(&c, &f, err), 0);
	CHECK(f.glyphs == c.d + 40);
}

/* Each malformed input is rejected with a message naming the problem. */
static int rejects(struct buf *b, const char *want)
{
	struct psf_font f;
	char err[200] = "";
	int rc = parse(b, &f, err);
	if (rc != -1 || !strstr(err, want)) {
		fprintf(stderr, "  rc %d, message \"%s\", wanted \"%s\"\n", rc, err, want);
		return 0;
	}
	return 1;
}

TEST(rejects_bad_input)
{
	struct buf b;

	b.n = 0;
	CHECK(rejects(&b, "not a PSF font"));
	b.n = 0; put8(&b, 0x1f); put8(&b, 0x8b); put8(&b, 8);
	CHECK(rejects(&b, "run gzip -dc"));
	b.n = 0; put32(&b, 0x12345678);
	CHECK(rejects(&b, "bad magic 78 56"));

	psf1(&b, 0, 16);
	b.n = 3;
	CHECK(rejects(&b, "PSF1 header truncated"));
	psf1(&b, 0, 16);
	b.n -= 1;
	CHECK(rejects(&b, "glyph data truncated"));
	psf1(&b, 0, 0);
	CHECK(rejects(&b, "unsupported glyph height 0"));
	psf1(&b, 0x08, 16);
	CHECK(rejects(&b, "unknown PSF1 mode bits"));
	psf1(&b, 0x02, 8);   /* has a table, but none follows */
	CHECK(rejects(&b, "unicode table truncated at glyph 0"));
	psf1(&b, 0x02, 8);
	for (int g = 0; g < 255; g++)
		put16(&b, 0xffff);
	put16(&b, 'A');      /* last glyph's entry never terminated */
	CHECK(rejects(&b, "unicode table truncated at glyph 255"));

	psf2(&b, 0, 4, 8, 8);
	b.n = 31;
	CHECK(rejects(&b, "PSF2 header truncated"));
	psf2(&b, 0, 4, 8, 8);
	b.d[4] = 1;
	CHECK(rejects(&b, "unsupported PSF2 version 1"));
	psf2(&b, 0, 4, 8, 8);
	b.d[8] = 16;
	CHECK(rejects(&b, "bad PSF2 header size 16"));
	psf2(&b, 0, 4, 8, 8);
	b.d[9] = 0x10;       /* header size 4128 > file */
	CHECK(rejects(&b, "bad PSF2 header size"));
	psf2(&b, 0, 4, 8, 8);
	b.d[20] = 9;         /* charsize 9 for 8x8 */
	CHECK(rejects(&b, "does not match 8x8"));
	psf2(&b, 0, 4, 0, 8);
	CHECK(rejects(&b, "unsupported glyph size 0x8"));
	psf2(&b, 0, 4, 65, 8);
	CHECK(rejects(&b, "unsupported glyph size 65x8"));
	psf2(&b, 0, 0, 8, 8);
	CHECK(rejects(&b, "bad glyph count 0"));
	psf2(&b, 0, 4, 8, 8);
	b.d[18] = 1;         /* count 65540 */
	CHECK(rejects(&b, "bad glyph count"));
	psf2(&b, 0, 4, 8, 8);
	b.d[16] = 5;         /* 5 glyphs, data for 4 */
	CHECK(rejects(&b, "glyph data truncated: 5 glyphs need 40 bytes, 32 present"));
	psf2(&b, 1, 2, 8, 8);
	put8(&b, 'A'); put8(&b, 0xff);
	put8(&b, 0xc3); put8(&b, 'x'); put8(&b, 0xff);
	CHECK(rejects(&b, "malformed UTF-8 in unicode table at glyph 1"));
	psf2(&b, 1, 2, 8, 8);
	put8(&b, 'A'); put8(&b, 0xff);
	put8(&b, 'B');
	CHECK(rejects(&b, "unicode table truncated at glyph 1"));
}

TEST(writes_c_source)
{
	struct buf b;
	struct psf_font f;
	char err[200] = "", *text = NULL;
	size_t len = 0;
	psf2(&b, 0, 3, 12, 2);
	CHECK_EQ(parse(&b, &f, err), 0);
	FILE *out = open_memstream(&text, &len);
	CHECK(out != NULL);
	if (!out)
		return;
	CHECK_EQ(psf_write_c(out, &f, "font_test", "synthetic"), 0);
	fclose(out);
	CHECK(strstr(text, "from synthetic") != NULL);
	CHECK(strstr(text, "#include \"kernel/font.h\"") != NULL);
	CHECK(strstr(text, "static const uint8_t font_test_glyphs[12] = {") != NULL);
	CHECK(strstr(text, "const struct font font_test = {") != NULL);
	CHECK(strstr(text, ".width = 12,") != NULL);
	CHECK(strstr(text, ".height = 2,") != NULL);
	CHECK(strstr(text, ".bytes_per_row = 2,") != NULL);
	CHECK(strstr(text, ".bytes_per_glyph = 4,") != NULL);
	CHECK(strstr(text, ".glyph_count = 3,") != NULL);
	CHECK(strstr(text, ".glyphs = font_test_glyphs,") != NULL);
	/* glyph 2 is 0x0e 0x0f 0x10 0x11 */
	CHECK(strstr(text, "/* 2 */ 0x0e, 0x0f, 0x10, 0x11,") != NULL);
	/* identity map: 0..2, then none */
	CHECK(strstr(text, "0x0000, 0x0001, 0x0002, 0xffff,") != NULL);
	free(text);
}

TEST(real_console_font)
{
	FILE *p = fopen(FONT_PSF, "rb");
	CHECK(p != NULL);
	if (!p) {
		fprintf(stderr, "  %s: not found (tools/deps.sh installs it)\n", FONT_PSF);
		return;
	}
	fclose(p);
	p = popen("gzip -dc " FONT_PSF, "r");
	CHECK(p != NULL);
	if (!p)
		return;
	size_t len = 0;
	uint8_t *data = psf_read_all(p, &len);
	CHECK_EQ(pclose(p), 0);
	CHECK(data != NULL);
	if (!data)
		return;
	struct psf_font f;
	char err[200] = "";
	CHECK_EQ(psf_parse(data, len, &f, err, sizeof(err)), 0);
	if (err[0])
		fprintf(stderr, "  %s\n", err);
	CHECK_EQ(f.width, 8);
	CHECK_EQ(f.height, 16);
	CHECK(f.glyph_count == 256 || f.glyph_count == 512);
	CHECK_EQ(psf_missing_ascii(&f), 0);
	CHECK(f.map[' '] != PSF_NO_GLYPH);
	/* the space glyph is blank and 'A' is not */
	int space_bits = 0, a_bits = 0;
	for (uint32_t i = 0; i < 16; i++) {
		space_bits += f.glyphs[f.map[' '] * 16 + i] != 0;
		a_bits += f.glyphs[f.map['A'] * 16 + i] != 0;
	}
	CHECK_EQ(space_bits, 0);
	CHECK(a_bits > 4);
	free(data);
}

CHECK_MAIN()
