/*
 * psf2c - convert a PSF1 or PSF2 console font into C source for the kernel.
 *
 * Usage: psf2c [-n NAME] [-s LABEL] INPUT OUTPUT
 *   INPUT   an uncompressed .psf file ("-" reads standard input); the build
 *           runs `gzip -dc` on kbd's .psf.gz first (kernel/font.mk)
 *   OUTPUT  the C file to write; it defines `const struct font NAME`
 *           (default font_default, see kernel/font.h)
 *   LABEL   where the font came from, for the generated file's comment
 *
 * The font is validated (magic, version, header and glyph sizes, that the
 * glyphs and the Unicode table fit in the file) and every problem is
 * reported as "psf2c: INPUT: message" with exit status 1 (the partial OUTPUT
 * is removed). When the font has a Unicode table, code points U+0000..U+00FF
 * are mapped to the first glyph that lists them (combining sequences are
 * skipped); without a table the mapping is the identity. A font that lacks a
 * glyph for some printable ASCII character gets a warning, not an error.
 *
 * A host program built with $(HOSTCC); tests/host/test_psf2c.c includes this
 * file with -DHOST_TEST, which leaves out main().
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PSF_MAP_SIZE   256       /* == FONT_MAP_SIZE in kernel/font.h */
#define PSF_NO_GLYPH   0xffff    /* == FONT_NO_GLYPH */
#define PSF_MAX_DIM    64        /* widest/tallest glyph accepted, pixels */
#define PSF_MAX_GLYPHS 65535     /* glyph indexes are uint16_t, 0xffff reserved */
#define PSF_MAX_FILE   (16u << 20)

#define PSF1_MAGIC0    0x36
#define PSF1_MAGIC1    0x04
#define PSF1_MODE512   0x01
#define PSF1_HASTAB    0x02
#define PSF1_HASSEQ    0x04
#define PSF1_SEPARATOR 0xffff
#define PSF1_STARTSEQ  0xfffe

#define PSF2_MAGIC     0x864ab572u
#define PSF2_HAS_UNICODE_TABLE 0x01
#define PSF2_SEPARATOR 0xff
#define PSF2_STARTSEQ  0xfe

struct psf_font {
	int version;               /* 1 or 2 */
	uint32_t width, height, bytes_per_row, bytes_per_glyph, glyph_count;
	int has_table;
	uint16_t fallback;
	uint16_t map[PSF_MAP_SIZE];
	const uint8_t *glyphs;     /* points into the parsed buffer */
};

static int psf_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int psf_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint32_t psf_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Record "code point cp is drawn with glyph g"; the first glyph listed wins. */
static void psf_map_add(struct psf_font *f, uint32_t cp, uint32_t g, uint32_t *replacement)
{
	if (cp < PSF_MAP_SIZE) {
		if (f->map[cp] == PSF_NO_GLYPH)
			f->map[cp] = (uint16_t)g;
	} else if (cp == 0xfffd && *replacement == PSF_NO_GLYPH) {
		*replacement = g;
	}
}

/* PSF1 table: per glyph, little-endian uint16 code points, then optional
 * sequences each introduced by 0xfffe, then 0xffff. */
static int psf1_table(struct psf_font *f, const uint8_t *p, size_t len,
		      uint32_t *replacement, char *err, size_t errlen)
{
	size_t off = 0;
	for (uint32_t g = 0; g < f->glyph_count; g++) {
		int in_seq = 0;
		for (;;) {
			if (off + 2 > len)
				return psf_fail(err, errlen,
					"unicode table truncated at glyph %u of %u", g, f->glyph_count);
			uint32_t v = (uint32_t)p[off] | (uint32_t)p[off + 1] << 8;
			off += 2;
			if (v == PSF1_SEPARATOR)
				break;
			if (v == PSF1_STARTSEQ)
				in_seq = 1;
			else if (!in_seq)
				psf_map_add(f, v, g, replacement);
		}
	}
	return 0;
}

/* Decode one UTF-8 code point at p[*off]; -1 when malformed. */
static int psf_utf8(const uint8_t *p, size_t len, size_t *off, uint32_t *cp)
{
	uint8_t c = p[(*off)++];
	int more;
	uint32_t v;
	if (c < 0x80) { *cp = c; return 0; }
	else if ((c & 0xe0) == 0xc0) { v = c & 0x1f; more = 1; }
	else if ((c & 0xf0) == 0xe0) { v = c & 0x0f; more = 2; }
	else if ((c & 0xf8) == 0xf0) { v = c & 0x07; more = 3; }
	else return -1;
	while (more--) {
		if (*off >= len || (p[*off] & 0xc0) != 0x80)
			return -1;
		v = v << 6 | (p[(*off)++] & 0x3f);
	}
	*cp = v;
	return 0;
}

/* PSF2 table: per glyph, UTF-8 code points, then optional sequences each
 * introduced by 0xfe, then 0xff. */
static int psf2_table(struct psf_font *f, const uint8_t *p, size_t len,
		      uint32_t *replacement, char *err, size_t errlen)
{
	size_t off = 0;
	for (uint32_t g = 0; g < f->glyph_count; g++) {
		int in_seq = 0;
		for (;;) {
			if (off >= len)
				return psf_fail(err, errlen,
					"unicode table truncated at glyph %u of %u", g, f->glyph_count);
			if (p[off] == PSF2_SEPARATOR) {
				off++;
				break;
			}
			if (p[off] == PSF2_STARTSEQ) {
				off++;
				in_seq = 1;
				continue;
			}
			uint32_t cp;
			size_t at = off;
			if (psf_utf8(p, len, &off, &cp) < 0)
				return psf_fail(err, errlen,
					"malformed UTF-8 in unicode table at glyph %u (table offset %zu)", g, at);
			if (!in_seq)
				psf_map_add(f, cp, g, replacement);
		}
	}
	return 0;
}

/* The PSF2 header of buf[0..len) (magic already seen) into *f; *hdr is its
 * size. Returns 0, or -1 with a message in err. */
static int psf2_header(const uint8_t *buf, size_t len, struct psf_font *f, size_t *hdr,
		       char *err, size_t errlen)
{
	if (len < 32)
		return psf_fail(err, errlen, "PSF2 header truncated (%zu of 32 bytes)", len);
	uint32_t version = psf_le32(buf + 4), headersize = psf_le32(buf + 8);
	uint32_t flags = psf_le32(buf + 12);
	f->version = 2;
	f->glyph_count = psf_le32(buf + 16);
	f->bytes_per_glyph = psf_le32(buf + 20);
	f->height = psf_le32(buf + 24);
	f->width = psf_le32(buf + 28);
	if (version != 0)
		return psf_fail(err, errlen, "unsupported PSF2 version %u (only 0 is known)", version);
	if (headersize < 32 || headersize > len)
		return psf_fail(err, errlen, "bad PSF2 header size %u (file is %zu bytes)",
				headersize, len);
	if (f->width == 0 || f->width > PSF_MAX_DIM || f->height == 0 || f->height > PSF_MAX_DIM)
		return psf_fail(err, errlen, "unsupported glyph size %ux%u (1..%d pixels each way)",
				f->width, f->height, PSF_MAX_DIM);
	f->bytes_per_row = (f->width + 7) / 8;
	if (f->bytes_per_glyph != f->height * f->bytes_per_row)
		return psf_fail(err, errlen, "glyph size %u bytes does not match %ux%u (expected %u)",
				f->bytes_per_glyph, f->width, f->height,
				f->height * f->bytes_per_row);
	f->has_table = (flags & PSF2_HAS_UNICODE_TABLE) != 0;
	*hdr = headersize;
	return 0;
}

/* The PSF1 header (magic already seen), as psf2_header. */
static int psf1_header(const uint8_t *buf, size_t len, struct psf_font *f, size_t *hdr,
		       char *err, size_t errlen)
{
	if (len < 4)
		return psf_fail(err, errlen, "PSF1 header truncated (%zu of 4 bytes)", len);
	uint8_t mode = buf[2];
	f->version = 1;
	f->width = 8;
	f->bytes_per_row = 1;
	f->height = buf[3];
	f->bytes_per_glyph = f->height;
	f->glyph_count = (mode & PSF1_MODE512) ? 512 : 256;
	f->has_table = (mode & (PSF1_HASTAB | PSF1_HASSEQ)) != 0;
	if (mode & ~(PSF1_MODE512 | PSF1_HASTAB | PSF1_HASSEQ))
		return psf_fail(err, errlen, "unknown PSF1 mode bits 0x%02x", mode);
	if (f->height == 0 || f->height > PSF_MAX_DIM)
		return psf_fail(err, errlen, "unsupported glyph height %u (1..%d pixels)",
				f->height, PSF_MAX_DIM);
	*hdr = 4;
	return 0;
}

/* Either header, told apart by the magic, as psf2_header. */
static int psf_header(const uint8_t *buf, size_t len, struct psf_font *f, size_t *hdr,
		      char *err, size_t errlen)
{
	if (len >= 4 && psf_le32(buf) == PSF2_MAGIC)
		return psf2_header(buf, len, f, hdr, err, errlen);
	if (len >= 2 && buf[0] == PSF1_MAGIC0 && buf[1] == PSF1_MAGIC1)
		return psf1_header(buf, len, f, hdr, err, errlen);
	return psf_fail(err, errlen, "not a PSF font (bad magic %02x %02x; want 36 04 or 72 b5 4a 86)%s",
			len > 0 ? buf[0] : 0, len > 1 ? buf[1] : 0,
			len >= 2 && buf[0] == 0x1f && buf[1] == 0x8b ? "; gzip data, run gzip -dc first" : "");
}

/* f->map from the Unicode table (when the font has one) or the identity,
 * then f->fallback: the glyph of U+FFFD, else that of '?', else glyph 0. */
static int psf_map(struct psf_font *f, const uint8_t *table, size_t table_len,
		   char *err, size_t errlen)
{
	uint32_t replacement = PSF_NO_GLYPH;
	int rc;

	if (f->has_table) {
		rc = f->version == 1 ? psf1_table(f, table, table_len, &replacement, err, errlen)
				     : psf2_table(f, table, table_len, &replacement, err, errlen);
		if (rc < 0)
			return rc;
	} else {
		for (uint32_t i = 0; i < PSF_MAP_SIZE && i < f->glyph_count; i++)
			f->map[i] = (uint16_t)i;
	}

	if (replacement != PSF_NO_GLYPH)
		f->fallback = (uint16_t)replacement;
	else if (f->map['?'] != PSF_NO_GLYPH)
		f->fallback = f->map['?'];
	else
		f->fallback = 0;
	return 0;
}

/* Parse and validate a PSF1/PSF2 font held in buf[0..len). On success fills
 * *f (f->glyphs points into buf) and returns 0; otherwise writes a message
 * to err and returns -1. */
static int psf_parse(const uint8_t *buf, size_t len, struct psf_font *f,
		     char *err, size_t errlen)
{
	uint64_t glyph_bytes;
	size_t hdr;

	memset(f, 0, sizeof(*f));
	for (int i = 0; i < PSF_MAP_SIZE; i++)
		f->map[i] = PSF_NO_GLYPH;

	if (psf_header(buf, len, f, &hdr, err, errlen) < 0)
		return -1;
	buf += hdr;
	len -= hdr;

	if (f->glyph_count == 0 || f->glyph_count > PSF_MAX_GLYPHS)
		return psf_fail(err, errlen, "bad glyph count %u (1..%d)", f->glyph_count, PSF_MAX_GLYPHS);
	glyph_bytes = (uint64_t)f->glyph_count * f->bytes_per_glyph;
	if (glyph_bytes > len)
		return psf_fail(err, errlen, "glyph data truncated: %u glyphs need %llu bytes, %zu present",
				f->glyph_count, (unsigned long long)glyph_bytes, len);
	f->glyphs = buf;
	return psf_map(f, buf + glyph_bytes, len - (size_t)glyph_bytes, err, errlen);
}

/* Printable ASCII characters the font has no glyph for (0 = all present). */
static int psf_missing_ascii(const struct psf_font *f)
{
	int n = 0;
	for (int c = 0x20; c <= 0x7e; c++)
		n += f->map[c] == PSF_NO_GLYPH;
	return n;
}

/* Write the font as C source defining `const struct font <name>`. Returns 0,
 * or -1 when writing failed. */
static int psf_write_c(FILE *out, const struct psf_font *f, const char *name, const char *source)
{
	fprintf(out, "/* Generated by tools/psf2c from %s: do not edit. */\n", source);
	fprintf(out, "/* PSF%d, %ux%u, %u glyphs, %s unicode table. */\n", f->version,
		f->width, f->height, f->glyph_count, f->has_table ? "with a" : "no");
	fprintf(out, "#include \"kernel/font.h\"\n\n");
	fprintf(out, "static const uint8_t %s_glyphs[%u] = {\n", name,
		f->glyph_count * f->bytes_per_glyph);
	for (uint32_t g = 0; g < f->glyph_count; g++) {
		const uint8_t *p = f->glyphs + (size_t)g * f->bytes_per_glyph;
		fprintf(out, "\t/* %u */", g);
		for (uint32_t i = 0; i < f->bytes_per_glyph; i++)
			fprintf(out, "%s0x%02x,", (i % 16 == 0 && i) ? "\n\t\t" : " ", p[i]);
		fprintf(out, "\n");
	}
	fprintf(out, "};\n\n");
	fprintf(out, "const struct font %s = {\n", name);
	fprintf(out, "\t.width = %u,\n\t.height = %u,\n\t.bytes_per_row = %u,\n",
		f->width, f->height, f->bytes_per_row);
	fprintf(out, "\t.bytes_per_glyph = %u,\n\t.glyph_count = %u,\n\t.fallback = %u,\n",
		f->bytes_per_glyph, f->glyph_count, f->fallback);
	fprintf(out, "\t.map = {");
	for (int i = 0; i < PSF_MAP_SIZE; i++)
		fprintf(out, "%s0x%04x,", i % 8 ? " " : "\n\t\t", f->map[i]);
	fprintf(out, "\n\t},\n\t.glyphs = %s_glyphs,\n};\n", name);
	fflush(out);
	return ferror(out) ? -1 : 0;
}

/* Read a whole stream (at most PSF_MAX_FILE bytes) into a malloc'd buffer. */
static uint8_t *psf_read_all(FILE *in, size_t *len)
{
	size_t cap = 8192, n = 0;
	uint8_t *buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap >= PSF_MAX_FILE) {
				free(buf);
				errno = EFBIG;
				return NULL;
			}
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, in);
		n += got;
		if (got == 0) {
			if (ferror(in)) {
				free(buf);
				return NULL;
			}
			break;
		}
	}
	*len = n;
	return buf;
}

#ifndef HOST_TEST
static int usage(void)
{
	fprintf(stderr, "usage: psf2c [-n NAME] [-s LABEL] INPUT.psf OUTPUT.c   (INPUT - = stdin)\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *name = "font_default", *label = NULL, *in_path, *out_path;
	struct psf_font font;
	char err[256];
	size_t len;
	FILE *in, *out;
	uint8_t *buf;
	int i = 1;

	while (i + 1 < argc && argv[i][0] == '-' && argv[i][1] && !argv[i][2]) {
		if (argv[i][1] == 'n')
			name = argv[i + 1];
		else if (argv[i][1] == 's')
			label = argv[i + 1];
		else
			return usage();
		i += 2;
	}
	if (argc - i != 2)
		return usage();
	in_path = argv[i];
	out_path = argv[i + 1];

	in = strcmp(in_path, "-") == 0 ? stdin : fopen(in_path, "rb");
	if (!in) {
		fprintf(stderr, "psf2c: %s: %s\n", in_path, strerror(errno));
		return 1;
	}
	buf = psf_read_all(in, &len);
	if (!buf) {
		fprintf(stderr, "psf2c: %s: read failed: %s\n", in_path, strerror(errno));
		return 1;
	}
	if (in != stdin)
		fclose(in);
	if (psf_parse(buf, len, &font, err, sizeof(err)) < 0) {
		fprintf(stderr, "psf2c: %s: %s\n", in_path, err);
		return 1;
	}
	if (psf_missing_ascii(&font))
		fprintf(stderr, "psf2c: %s: warning: no glyph for %d printable ASCII characters\n",
			in_path, psf_missing_ascii(&font));

	out = fopen(out_path, "w");
	if (!out) {
		fprintf(stderr, "psf2c: %s: %s\n", out_path, strerror(errno));
		return 1;
	}
	if (psf_write_c(out, &font, name, label ? label : in_path) < 0 || fclose(out) != 0) {
		fprintf(stderr, "psf2c: %s: write failed: %s\n", out_path, strerror(errno));
		remove(out_path);
		return 1;
	}
	free(buf);
	return 0;
}
#endif
