/*
 * fbcon.h - the framebuffer text console (see docs/console.md).
 *
 * fbcon_init() is the kernel's entry point: given the boot framebuffer it
 * maps it write-combining and registers a console named "fb" that draws the
 * kernel's output with the built-in PSF font (kernel/font.h). It does
 * nothing, and prints nothing, when there is no framebuffer (phys == 0), its
 * depth is not 32 bpp, or it is too small for one character; the caller
 * logs that. Call it once, on the boot CPU, after vmm_map_mmio works and
 * before other CPUs start (console_register's rule). It needs no heap.
 *
 * The drawing core below works on a struct fbcon that holds a pixel pointer
 * and its geometry only, so host tests render into ordinary memory.
 *
 * Locking: fbcon has no lock of its own. Every fbcon_write on one struct
 * fbcon must be serialised by the caller; the kernel's console write is
 * called by console_write under the console lock with interrupts off. In
 * panic mode (console lock skipped) a racing writer can garble text, but
 * every index is clamped first so drawing never leaves the framebuffer.
 *
 * Performance (QEMU TCG makes framebuffer stores slow): the framebuffer is
 * never read; a shadow grid holds the glyph shown in each cell, a cell is
 * drawn only when its glyph changes, and scrolling happens in batches of a
 * quarter screen (fbcon.scroll_lines) so the screen is redrawn rarely.
 */
#ifndef KERNEL_FBCON_H
#define KERNEL_FBCON_H

#include <stddef.h>
#include <stdint.h>
#include "kernel/boot_info.h"
#include "kernel/font.h"

/* The kernel's grid: 2560x1600 with an 8x16 font fits whole (320x100);
 * larger screens use the top rows only (64 KiB of .bss). */
#define FBCON_MAX_CELLS     32768

#define FBCON_DEFAULT_FG    0xaaaaaau /* 0xRRGGBB, VGA light grey */
#define FBCON_DEFAULT_BG    0x000000u

struct fbcon {
	uint8_t *pixels;           /* 32 bpp, row y at pixels + y * pitch */
	uint32_t width, height;    /* pixels (width clamped to pitch / 4) */
	uint32_t pitch;            /* bytes per scan line, multiple of 4 */
	uint8_t red_shift, green_shift, blue_shift;
	const struct font *font;
	uint32_t cols, rows;       /* whole cells only; partial cells stay blank */
	uint32_t cx, cy;           /* cursor; cx == cols: wrap before next glyph */
	uint32_t scroll_lines;     /* rows scrolled at once: max(1, rows / 4) */
	uint32_t fg, bg;           /* packed pixel values */
	uint16_t blank;            /* glyph of ' ' */
	uint16_t *grid;            /* cols * rows glyph indexes, as drawn */
	uint8_t esc;               /* escape parser state (fbcon.c) */
	uint8_t esc_len;
	uint8_t utf8_need;         /* continuation bytes still expected */
	uint32_t utf8_cp;
	uint64_t cells_drawn;      /* statistics, for tests and benchmarks */
	uint64_t scrolls;
};

/* Set up fc on a 32 bpp buffer and clear all of it to the background.
 * grid must hold max_cells entries; the grid is width / font->width columns
 * by height / font->height rows, with the rows cut to fit max_cells. Returns
 * 0, or -1 (nothing written) when the geometry is unusable: no whole cell,
 * pitch not a multiple of 4 or smaller than 4 bytes, a shift above 24, or a
 * font with no glyphs. */
int fbcon_setup(struct fbcon *fc, void *pixels, uint32_t width, uint32_t height,
		uint32_t pitch, uint8_t red_shift, uint8_t green_shift, uint8_t blue_shift,
		const struct font *font, uint16_t *grid, size_t max_cells);

/* Colours (0xRRGGBB) for cells drawn from now on; call before writing. */
void fbcon_set_colors(struct fbcon *fc, uint32_t fg_rgb, uint32_t bg_rgb);

/* Clear the whole buffer to the background, cursor to the top left. */
void fbcon_clear(struct fbcon *fc);

/* Draw n bytes of UTF-8 text: \n (new line, as CR LF), \r, \t (stops every
 * 8 columns), \b (cursor left, not erasing); other control characters and
 * ESC sequences (ESC [ ... final byte, ESC x) are dropped; long lines wrap.
 * Code points without a glyph show font->fallback. */
void fbcon_write(struct fbcon *fc, const char *s, size_t n);

/* The glyph index shown at (col, row); FONT_NO_GLYPH outside the grid. */
uint16_t fbcon_cell(const struct fbcon *fc, uint32_t col, uint32_t row);

/* Row `row` of the text on screen as UTF-8 in buf (NUL-terminated, trailing
 * blanks dropped, cut to fit size); returns its length. Each glyph reads as
 * the first code point the font maps to it. */
size_t fbcon_text_row(const struct fbcon *fc, uint32_t row, char *buf, size_t size);

/* The kernel console "fb" on the boot framebuffer (see the top comment). */
void fbcon_init(const struct boot_framebuffer *fb);

/* Write the kernel console's text, as it is on screen, through out:
 * "FBDUMP BEGIN <cols> cols <rows> rows", one line per row, "FBDUMP END".
 * Nothing when there is no framebuffer console. For tests and screenshots
 * (fbdump=yes sends it to QEMU's debug console at exit). Any CPU; the
 * caller keeps other console writers out (kernel_exit stops the others). */
#define FBCON_DUMP_LINE 1024
void fbcon_dump_text(void (*out)(const char *s, size_t n));

#endif
