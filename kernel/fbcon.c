/*
 * fbcon.c - the framebuffer text console: a drawing core that works on any
 * 32 bpp buffer (host-tested by tests/host/test_fbcon.c) and the kernel
 * console "fb" on the boot framebuffer. Contract and design: kernel/fbcon.h
 * and docs/console.md.
 */
#include "kernel/fbcon.h"

#include <string.h>

enum { ESC_NONE, ESC_START, ESC_CSI };
#define ESC_MAX_LEN 32  /* a longer CSI sequence is abandoned */

static uint32_t fbcon_pack(const struct fbcon *fc, uint32_t rgb)
{
	return ((rgb >> 16) & 0xff) << fc->red_shift |
	       ((rgb >> 8) & 0xff) << fc->green_shift |
	       (rgb & 0xff) << fc->blue_shift;
}

void fbcon_set_colors(struct fbcon *fc, uint32_t fg_rgb, uint32_t bg_rgb)
{
	fc->fg = fbcon_pack(fc, fg_rgb);
	fc->bg = fbcon_pack(fc, bg_rgb);
}

static uint16_t fbcon_glyph_for(const struct font *f, uint32_t cp)
{
	uint16_t g = cp < FONT_MAP_SIZE ? f->map[cp] : FONT_NO_GLYPH;
	if (g == FONT_NO_GLYPH || g >= f->glyph_count)
		g = f->fallback;
	return g < f->glyph_count ? g : 0;
}

/* Draw glyph g in cell (col, row): every pixel of the cell is stored once,
 * none is read. The caller guarantees col < cols and row < rows, and the
 * grid only spans whole cells, so the cell lies inside the buffer. */
static void fbcon_draw(struct fbcon *fc, uint32_t col, uint32_t row, uint16_t g)
{
	const struct font *f = fc->font;
	const uint8_t *bits = f->glyphs + (size_t)g * f->bytes_per_glyph;
	uint8_t *line = fc->pixels + (size_t)row * f->height * fc->pitch +
			(size_t)col * f->width * 4;
	uint32_t fg = fc->fg, bg = fc->bg;

	for (uint32_t y = 0; y < f->height; y++) {
		uint32_t *px = (uint32_t *)line;
		if (f->width == 8) {
			uint32_t b = bits[0];
			for (uint32_t x = 0; x < 8; x++)
				px[x] = (b << x) & 0x80 ? fg : bg;
		} else {
			for (uint32_t x = 0; x < f->width; x++)
				px[x] = bits[x >> 3] & (0x80 >> (x & 7)) ? fg : bg;
		}
		bits += f->bytes_per_row;
		line += fc->pitch;
	}
	fc->cells_drawn++;
}

/* Make cell (col, row) show glyph g, drawing only when it changes. */
static void fbcon_set_cell(struct fbcon *fc, uint32_t col, uint32_t row, uint16_t g)
{
	uint16_t *cell = &fc->grid[(size_t)row * fc->cols + col];
	if (*cell != g) {
		fbcon_draw(fc, col, row, g);
		*cell = g;
	}
}

void fbcon_clear(struct fbcon *fc)
{
	for (uint32_t y = 0; y < fc->height; y++) {
		uint32_t *px = (uint32_t *)(fc->pixels + (size_t)y * fc->pitch);
		for (uint32_t x = 0; x < fc->width; x++)
			px[x] = fc->bg;
	}
	for (size_t i = 0; i < (size_t)fc->cols * fc->rows; i++)
		fc->grid[i] = fc->blank;
	fc->cx = fc->cy = 0;
}

int fbcon_setup(struct fbcon *fc, void *pixels, uint32_t width, uint32_t height,
		uint32_t pitch, uint8_t red_shift, uint8_t green_shift, uint8_t blue_shift,
		const struct font *font, uint16_t *grid, size_t max_cells)
{
	uint32_t cols, rows;

	if (!pixels || !grid || !font || font->glyph_count == 0 || !font->glyphs ||
	    font->width == 0 || font->height == 0 || pitch % 4 || pitch < 4 ||
	    red_shift > 24 || green_shift > 24 || blue_shift > 24)
		return -1;
	if (width > pitch / 4)
		width = pitch / 4;
	cols = width / font->width;
	rows = height / font->height;
	if ((size_t)cols > max_cells)
		cols = (uint32_t)max_cells;
	if (cols && (size_t)rows > max_cells / cols)
		rows = (uint32_t)(max_cells / cols);
	if (cols == 0 || rows == 0)
		return -1;

	memset(fc, 0, sizeof(*fc));
	fc->pixels = pixels;
	fc->width = width;
	fc->height = height;
	fc->pitch = pitch;
	fc->red_shift = red_shift;
	fc->green_shift = green_shift;
	fc->blue_shift = blue_shift;
	fc->font = font;
	fc->cols = cols;
	fc->rows = rows;
	fc->scroll_lines = rows / 4 ? rows / 4 : 1;
	fc->grid = grid;
	fc->blank = fbcon_glyph_for(font, ' ');
	fbcon_set_colors(fc, FBCON_DEFAULT_FG, FBCON_DEFAULT_BG);
	fbcon_clear(fc);
	return 0;
}

uint16_t fbcon_cell(const struct fbcon *fc, uint32_t col, uint32_t row)
{
	if (col >= fc->cols || row >= fc->rows)
		return FONT_NO_GLYPH;
	return fc->grid[(size_t)row * fc->cols + col];
}

/* Move the text up by scroll_lines rows (the top ones are lost) and blank
 * the bottom ones (the cursor is the caller's business). The grid is what the screen shows, so row r's new glyphs
 * are row r + n's, compared against row r's before it is overwritten: only
 * cells whose glyph changes are drawn. Rows are done top to bottom, so rows
 * below r still hold their old glyphs when they are read. */
static void fbcon_scroll(struct fbcon *fc)
{
	uint32_t n = fc->scroll_lines < fc->rows ? fc->scroll_lines : fc->rows;

	for (uint32_t r = 0; r < fc->rows; r++) {
		const uint16_t *src = r + n < fc->rows ? &fc->grid[(size_t)(r + n) * fc->cols] : NULL;
		for (uint32_t c = 0; c < fc->cols; c++)
			fbcon_set_cell(fc, c, r, src ? src[c] : fc->blank);
	}
	fc->scrolls++;
}

/* To column 0 of the next row; from the last row, scroll first and land on
 * the first of the blank rows that scrolled in. */
static void fbcon_newline(struct fbcon *fc)
{
	fc->cx = 0;
	if (fc->cy + 1 < fc->rows) {
		fc->cy++;
	} else {
		fbcon_scroll(fc);
		fc->cy = fc->rows - (fc->scroll_lines < fc->rows ? fc->scroll_lines : fc->rows);
	}
}

static void fbcon_put_glyph(struct fbcon *fc, uint16_t g)
{
	if (fc->cx >= fc->cols)
		fbcon_newline(fc);
	fbcon_set_cell(fc, fc->cx, fc->cy, g);
	fc->cx++;
}

static void fbcon_control(struct fbcon *fc, uint8_t c)
{
	switch (c) {
	case '\n':
		fbcon_newline(fc);
		break;
	case '\r':
		fc->cx = 0;
		break;
	case '\t':
		if (fc->cx >= fc->cols)
			fbcon_newline(fc);
		fc->cx = (fc->cx / 8 + 1) * 8;
		if (fc->cx > fc->cols)
			fc->cx = fc->cols;
		break;
	case '\b':
		if (fc->cx >= fc->cols)
			fc->cx = fc->cols - 1;
		else if (fc->cx > 0)
			fc->cx--;
		break;
	case 0x1b:
		fc->esc = ESC_START;
		fc->esc_len = 0;
		break;
	default:
		break; /* BEL, NUL, DEL and the rest: not drawn */
	}
}

/* One byte of input. Returns with the byte consumed; a byte that ends a
 * malformed UTF-8 sequence or an escape sequence early is processed again
 * on its own. */
static void fbcon_byte(struct fbcon *fc, uint8_t c)
{
	if (fc->esc == ESC_START) {
		/* ESC [ starts a CSI sequence; ESC <any other> is a 2-byte escape. */
		fc->esc = c == '[' ? ESC_CSI : (c == 0x1b ? ESC_START : ESC_NONE);
		return;
	}
	if (fc->esc == ESC_CSI) {
		if (c >= 0x20 && c <= 0x3f && ++fc->esc_len < ESC_MAX_LEN)
			return;                 /* parameter/intermediate byte */
		fc->esc = ESC_NONE;
		if (c >= 0x40 && c <= 0x7e)
			return;                 /* final byte: sequence dropped */
		if (c >= 0x20 && c < 0x80)
			return;                 /* overlong sequence: give up on it */
		/* a control or non-ASCII byte aborts it and is handled below */
	}

	if (fc->utf8_need) {
		if ((c & 0xc0) == 0x80) {
			fc->utf8_cp = fc->utf8_cp << 6 | (c & 0x3f);
			if (--fc->utf8_need == 0)
				fbcon_put_glyph(fc, fbcon_glyph_for(fc->font, fc->utf8_cp));
			return;
		}
		fc->utf8_need = 0;              /* truncated sequence */
		fbcon_put_glyph(fc, fc->font->fallback < fc->font->glyph_count ? fc->font->fallback : 0);
	}

	if (c < 0x20 || c == 0x7f) {
		fbcon_control(fc, c);
	} else if (c < 0x80) {
		fbcon_put_glyph(fc, fbcon_glyph_for(fc->font, c));
	} else if ((c & 0xe0) == 0xc0) {
		fc->utf8_cp = c & 0x1f;
		fc->utf8_need = 1;
	} else if ((c & 0xf0) == 0xe0) {
		fc->utf8_cp = c & 0x0f;
		fc->utf8_need = 2;
	} else if ((c & 0xf8) == 0xf0) {
		fc->utf8_cp = c & 0x07;
		fc->utf8_need = 3;
	} else {
		/* stray continuation byte or invalid lead byte */
		fbcon_put_glyph(fc, fbcon_glyph_for(fc->font, 0xfffd));
	}
}

void fbcon_write(struct fbcon *fc, const char *s, size_t n)
{
	if (!fc->cols || !fc->rows)
		return;
	/* Clamp the cursor: under panic mode writers may race (fbcon.h). */
	if (fc->cy >= fc->rows)
		fc->cy = fc->rows - 1;
	if (fc->cx > fc->cols)
		fc->cx = fc->cols;
	for (size_t i = 0; i < n; i++)
		fbcon_byte(fc, (uint8_t)s[i]);
}

/* The code point a glyph stands for: the first one the font maps to it. */
static uint32_t fbcon_cp_of(const struct font *f, uint16_t g)
{
	for (uint32_t cp = 0; cp < FONT_MAP_SIZE; cp++)
		if (f->map[cp] == g)
			return cp;
	return '?';
}

size_t fbcon_text_row(const struct fbcon *fc, uint32_t row, char *buf, size_t size)
{
	size_t len = 0, keep = 0;
	if (size == 0)
		return 0;
	for (uint32_t col = 0; row < fc->rows && col < fc->cols; col++) {
		uint16_t g = fc->grid[(size_t)row * fc->cols + col];
		uint32_t cp = g == fc->blank ? ' ' : fbcon_cp_of(fc->font, g);
		if (cp < 0x20)
			cp = '?';
		size_t need = cp < 0x80 ? 1 : 2;        /* FONT_MAP_SIZE: cp < 0x100 */
		if (len + need >= size)
			break;
		if (need == 1) {
			buf[len++] = (char)cp;
		} else {
			buf[len++] = (char)(0xc0 | cp >> 6);
			buf[len++] = (char)(0x80 | (cp & 0x3f));
		}
		if (cp != ' ')
			keep = len;
	}
	buf[keep] = 0;
	return keep;
}

#ifndef HOST_TEST
#include <stdbool.h>
#include "kernel/console.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "arch/x86_64/cpu.h"

static struct fbcon fbcon_kernel;
static uint16_t fbcon_kernel_grid[FBCON_MAX_CELLS];
static bool fbcon_registered;

/* Called by console_write with the console lock held, interrupts off. */
static void fbcon_console_write(struct console *c, const char *s, size_t n)
{
	(void)c;
	fbcon_write(&fbcon_kernel, s, n);
	/* Push the write-combining buffers out so the text is visible now. */
	store_fence();
}

/* Called by console_new_page with the console lock held, interrupts off. */
static void fbcon_console_new_page(struct console *c)
{
	(void)c;
	fbcon_clear(&fbcon_kernel);
	store_fence();
}

static struct console fbcon_console = {
	.name = "fb",
	.kind = CONSOLE_SCREEN,
	.write = fbcon_console_write,
	.new_page = fbcon_console_new_page,
};

void fbcon_init(const struct boot_framebuffer *fb)
{
	void *va;

	if (fbcon_registered || !fb || fb->phys == 0 || fb->bpp != 32 ||
	    fb->width == 0 || fb->height == 0 || fb->pitch < 4 ||
	    fb->width < font_default.width || fb->height < font_default.height)
		return;
	va = vmm_map_mmio(fb->phys, (size_t)fb->pitch * fb->height, VMM_CACHE_WC);
	if (!va)
		return;
	if (fbcon_setup(&fbcon_kernel, va, fb->width, fb->height, fb->pitch,
			fb->red_shift, fb->green_shift, fb->blue_shift, &font_default,
			fbcon_kernel_grid, FBCON_MAX_CELLS) < 0)
		return;
	fbcon_registered = true;
	console_register(&fbcon_console);
}

void fbcon_dump_text(void (*out)(const char *s, size_t n))
{
	char line[FBCON_DUMP_LINE];
	if (!fbcon_registered)
		return;
	int n = ksnprintf(line, sizeof line, "FBDUMP BEGIN %u cols %u rows\n",
			  fbcon_kernel.cols, fbcon_kernel.rows);
	out(line, (size_t)n);
	for (uint32_t row = 0; row < fbcon_kernel.rows; row++) {
		size_t len = fbcon_text_row(&fbcon_kernel, row, line, sizeof line - 1);
		line[len++] = '\n';
		out(line, len);
	}
	out("FBDUMP END\n", 11);
}
#endif
