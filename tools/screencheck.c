/*
 * screencheck - does a screenshot show exactly the text the kernel's
 * framebuffer console says it shows?
 *
 * Usage: screencheck SHOT.ppm FBDUMP.txt
 *   SHOT.ppm    a QEMU `screendump` (binary PPM, P6, 8 bits per channel)
 *   FBDUMP.txt  what the kernel wrote to the debug console with fbdump=yes:
 *               "FBDUMP BEGIN <cols> cols <rows> rows", the rows, "FBDUMP END"
 *
 * It draws the dumped rows with the kernel's own drawing core (kernel/fbcon.c)
 * and font (the generated build/k/font.c) into a buffer the size of the
 * screenshot, in the console's default colours, and compares every pixel.
 * Prints "screencheck: W x H, C x R cells, N cells differ" and exits 0 only
 * when none differs, so the picture and the text buffer are the same screen.
 * A host program (tools/screenshot.mk builds it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/fbcon.h"

static uint8_t *read_ppm(const char *path, uint32_t *w, uint32_t *h)
{
	FILE *f = fopen(path, "rb");
	unsigned max;
	if (!f || fscanf(f, "P6 %u %u %u", w, h, &max) != 3 || max != 255 || fgetc(f) == EOF) {
		fprintf(stderr, "screencheck: %s: not a binary 8-bit PPM\n", path);
		exit(2);
	}
	size_t n = (size_t)*w * *h * 3;
	uint8_t *px = malloc(n);
	if (!px || fread(px, 1, n, f) != n) {
		fprintf(stderr, "screencheck: %s: short pixel data\n", path);
		exit(2);
	}
	fclose(f);
	return px;
}

/* The rows between the BEGIN and END lines, joined with newlines. */
static char *read_dump(const char *path, uint32_t *cols, uint32_t *rows, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char line[FBCON_DUMP_LINE + 2];
	size_t cap = 1 << 16, n = 0;
	char *text = malloc(cap);
	int state = 0;
	while (f && text && fgets(line, sizeof line, f)) {
		if (state == 0 && sscanf(line, "FBDUMP BEGIN %u cols %u rows", cols, rows) == 2) {
			state = 1;
		} else if (state == 1 && !strcmp(line, "FBDUMP END\n")) {
			state = 2;
			break;
		} else if (state == 1) {
			size_t l = strlen(line);
			if (n + l + 1 > cap && !(text = realloc(text, cap *= 2)))
				break;
			memcpy(text + n, line, l);
			n += l;
		}
	}
	if (state != 2) {
		fprintf(stderr, "screencheck: %s: no complete FBDUMP BEGIN ... END\n", path);
		exit(2);
	}
	fclose(f);
	if (n && text[n - 1] == '\n')
		n--;   /* the last row ends the screen: no newline (no scroll) */
	*len = n;
	return text;
}

int main(int argc, char **argv)
{
	uint32_t w, h, cols = 0, rows = 0;
	size_t len;
	if (argc != 3) {
		fprintf(stderr, "usage: screencheck SHOT.ppm FBDUMP.txt\n");
		return 2;
	}
	uint8_t *shot = read_ppm(argv[1], &w, &h);
	char *text = read_dump(argv[2], &cols, &rows, &len);
	uint8_t *buf = calloc((size_t)w * h, 4);
	uint16_t *grid = calloc(FBCON_MAX_CELLS, sizeof *grid);
	struct fbcon fc;
	if (!buf || !grid || fbcon_setup(&fc, buf, w, h, w * 4, 16, 8, 0, &font_default, grid,
					 FBCON_MAX_CELLS) < 0) {
		fprintf(stderr, "screencheck: cannot set up a %ux%u console\n", w, h);
		return 2;
	}
	if (fc.cols != cols || fc.rows != rows) {
		printf("screencheck: the dump is %ux%u cells, a %ux%u screen has %ux%u\n", cols, rows,
		       w, h, fc.cols, fc.rows);
		return 1;
	}
	fbcon_write(&fc, text, len);
	unsigned bad = 0;
	for (uint32_t r = 0; r < rows; r++)
		for (uint32_t c = 0; c < cols; c++) {
			int differs = 0;
			for (uint32_t y = r * fc.font->height; y < (r + 1) * fc.font->height; y++)
				for (uint32_t x = c * fc.font->width; x < (c + 1) * fc.font->width; x++) {
					uint32_t v;
					memcpy(&v, buf + ((size_t)y * w + x) * 4, 4);
					const uint8_t *s = shot + ((size_t)y * w + x) * 3;
					differs |= s[0] != (v >> 16 & 0xff) || s[1] != (v >> 8 & 0xff) ||
						   s[2] != (v & 0xff);
				}
			bad += differs;
		}
	printf("screencheck: %ux%u, %ux%u cells, %u cells differ\n", w, h, cols, rows, bad);
	return bad ? 1 : 0;
}
