/*
 * test_fbcon.c - the framebuffer console's drawing core (kernel/fbcon.c) on
 * ordinary memory, with small hand-made fonts.
 *
 * Framebuffers are malloc'd to their exact size (the last scan line ends at
 * width * 4 bytes) so ASan catches any store past the end, and the bytes
 * between width * 4 and pitch are poisoned and checked to stay untouched.
 */
#include "check.h"
#include "kernel/fbcon.c"

#include <stdint.h>

#define POISON 0xdeadbeefu

/* An 8x16 test font: glyph 0 blank, then patterns distinct in every row. */
enum { G_BLANK, G_A, G_B, G_C, G_QUEST, G_EACUTE, G_REPL, TEST_GLYPHS };
static uint8_t test_glyphs8[TEST_GLYPHS * 16];
static struct font test_font8;

/* A 12x10 font (2 bytes per row) to exercise the generic path. */
static uint8_t test_glyphs12[TEST_GLYPHS * 20];
static struct font test_font12;

static void make_font(struct font *f, uint8_t *glyphs, uint32_t w, uint32_t h)
{
	memset(f, 0, sizeof(*f));
	f->width = w;
	f->height = h;
	f->bytes_per_row = (w + 7) / 8;
	f->bytes_per_glyph = h * f->bytes_per_row;
	f->glyph_count = TEST_GLYPHS;
	f->glyphs = glyphs;
	for (int i = 0; i < FONT_MAP_SIZE; i++)
		f->map[i] = FONT_NO_GLYPH;
	f->map[' '] = G_BLANK;
	f->map['A'] = G_A;
	f->map['B'] = G_B;
	f->map['C'] = G_C;
	f->map['?'] = G_QUEST;
	f->map[0xe9] = G_EACUTE;
	f->fallback = G_REPL;
	memset(glyphs, 0, TEST_GLYPHS * f->bytes_per_glyph);
	for (uint32_t g = 1; g < TEST_GLYPHS; g++)
		for (uint32_t i = 0; i < f->bytes_per_glyph; i++)
			glyphs[g * f->bytes_per_glyph + i] = (uint8_t)(g * 37 + i * 11 + 1);
}

__attribute__((constructor)) static void make_fonts(void)
{
	make_font(&test_font8, test_glyphs8, 8, 16);
	make_font(&test_font12, test_glyphs12, 12, 10);
}

struct tfb {
	uint8_t *buf;
	size_t size;
	uint32_t w, h, pitch;
	uint16_t *grid;
	struct fbcon fc;
};

/* A w x h framebuffer with the given pitch and a grid of max_cells cells. */
static int tfb_open(struct tfb *t, uint32_t w, uint32_t h, uint32_t pitch,
		    uint8_t rs, uint8_t gs, uint8_t bs, const struct font *f, size_t max_cells)
{
	t->w = w;
	t->h = h;
	t->pitch = pitch;
	t->size = (size_t)pitch * (h - 1) + (size_t)w * 4;
	t->buf = malloc(t->size);
	t->grid = malloc(max_cells * sizeof(uint16_t));
	for (size_t i = 0; i + 4 <= t->size; i += 4)
		memcpy(t->buf + i, &(uint32_t){ POISON }, 4);
	return fbcon_setup(&t->fc, t->buf, w, h, pitch, rs, gs, bs, f, t->grid, max_cells);
}

static void tfb_close(struct tfb *t)
{
	free(t->buf);
	free(t->grid);
}

static uint32_t px(const struct tfb *t, uint32_t x, uint32_t y)
{
	uint32_t v;
	memcpy(&v, t->buf + (size_t)y * t->pitch + (size_t)x * 4, 4);
	return v;
}

static void put_px(struct tfb *t, uint32_t x, uint32_t y, uint32_t v)
{
	memcpy(t->buf + (size_t)y * t->pitch + (size_t)x * 4, &v, 4);
}

static void wr(struct tfb *t, const char *s)
{
	fbcon_write(&t->fc, s, strlen(s));
}

/* Pixels of cell (col, row) that differ from glyph g drawn in fg on bg. */
static int cell_mismatches(const struct tfb *t, uint32_t col, uint32_t row, uint16_t g,
			   uint32_t fg, uint32_t bg)
{
	const struct font *f = t->fc.font;
	int bad = 0;
	for (uint32_t y = 0; y < f->height; y++)
		for (uint32_t x = 0; x < f->width; x++) {
			const uint8_t *bits = f->glyphs + g * f->bytes_per_glyph + y * f->bytes_per_row;
			uint32_t want = bits[x / 8] & (0x80 >> (x % 8)) ? fg : bg;
			bad += px(t, col * f->width + x, row * f->height + y) != want;
		}
	return bad;
}

/* Bytes between width * 4 and pitch on each scan line still poisoned? */
static int padding_intact(const struct tfb *t)
{
	for (uint32_t y = 0; y + 1 < t->h; y++)
		for (uint32_t off = t->w * 4; off + 4 <= t->pitch; off += 4) {
			uint32_t v;
			memcpy(&v, t->buf + (size_t)y * t->pitch + off, 4);
			if (v != POISON)
				return 0;
		}
	return 1;
}

TEST(draw_A_exact_pixels_bgrx)
{
	struct tfb t;
	CHECK_EQ(tfb_open(&t, 80, 64, 80 * 4, 16, 8, 0, &test_font8, 1000), 0);
	fbcon_set_colors(&t.fc, 0x123456, 0x0a0b0c);
	wr(&t, "A");
	CHECK_EQ(fbcon_cell(&t.fc, 0, 0), G_A);
	CHECK_EQ(cell_mismatches(&t, 0, 0, G_A, 0x00123456, 0x000a0b0c), 0);
	/* The glyph has both set and clear pixels, so both colours were checked. */
	CHECK_EQ(px(&t, 7, 0), (test_glyphs8[G_A * 16] & 1) ? 0x00123456u : 0x000a0b0cu);
	CHECK_EQ(t.fc.cx, 1);
	CHECK_EQ(t.fc.cy, 0);
	CHECK_EQ(t.fc.cells_drawn, 1);
	tfb_close(&t);
}

TEST(draw_A_channel_order_rgbx)
{
	struct tfb t;
	CHECK_EQ(tfb_open(&t, 80, 64, 80 * 4, 0, 8, 16, &test_font8, 1000), 0);
	fbcon_set_colors(&t.fc, 0x123456, 0x000000);
	wr(&t, "A");
	CHECK_EQ(cell_mismatches(&t, 0, 0, G_A, 0x00563412, 0), 0);
	/* the default colours: light grey on black */
	fbcon_set_colors(&t.fc, FBCON_DEFAULT_FG, FBCON_DEFAULT_BG);
	wr(&t, "B");
	CHECK_EQ(cell_mismatches(&t, 1, 0, G_B, 0x00aaaaaa, 0), 0);
	tfb_close(&t);
}

TEST(setup_clears_everything_to_background)
{
	struct tfb t;
	CHECK_EQ(tfb_open(&t, 21, 19, 21 * 4, 16, 8, 0, &test_font8, 1000), 0);
	int bad = 0;
	for (uint32_t y = 0; y < t.h; y++)
		for (uint32_t x = 0; x < t.w; x++)
			bad += px(&t, x, y) != 0;
	CHECK_EQ(bad, 0);
	CHECK_EQ(t.fc.cols, 2);
	CHECK_EQ(t.fc.rows, 1);
	CHECK_EQ(fbcon_cell(&t.fc, 0, 0), G_BLANK);
	CHECK_EQ(fbcon_cell(&t.fc, 2, 0), FONT_NO_GLYPH);
	tfb_close(&t);
}

TEST(newline_and_carriage_return)
{
	struct tfb t;
	CHECK_EQ(tfb_open(&t, 80, 64, 80 * 4, 16, 8, 0, &test_font8, 1000), 0);
	wr(&t, "AB\nC");
	CHECK_EQ(fbcon_cell(&t.fc, 0, 0), G_A);
	CHECK_EQ(fbcon_cell(&t.fc, 1, 0), G_B);
	CHECK_EQ(fbcon_cell(&t.fc, 0, 1), G_C);
	CHECK_EQ(cell_mismatches(&t, 0, 1, G_C, 0x00aaaaaa, 0), 0);
	CHECK_EQ(t.fc.cx, 1);
	CHECK_EQ(t.fc.cy, 1);
	wr(&t, "\rB");
	CHECK_EQ(fbcon_cell(&t.fc, 0, 1), G_B);
	CHECK_EQ(t.fc.cy, 1);
	tfb_close(&t);
}

TEST(wrap_at_last_column)
{
	struct tfb t;
	/* 4 columns, 4 rows */
	CHECK_EQ(tfb_open(&t, 32, 64, 32 * 4, 16, 8, 0, &test_font8, 1000), 0);
	CHECK_EQ(t.fc.cols, 4);
	wr(&t, "AAAAB");
	CHECK_EQ(fbcon_cell(&t.fc, 3, 0), G_A);
	CHECK_EQ(fbcon_cell(&t.fc, 0, 1), G_B);
	CHECK_EQ(cell_mismatches(&t, 0, 1, G_B, 0x00aaaaaa, 0), 0);
	/* A line that exactly fills the row and then \n: no blank line. */
	wr(&t, "\rCCCC\nA");
	CHECK_EQ(fbcon_cell(&t.fc, 3, 1), G_C);
	CHECK_EQ(fbcon_cell(&t.fc, 0, 2), G_A);
	CHECK_EQ(fbcon_cell(&t.fc, 0, 3), G_BLANK);
	tfb_close(&t);
}

TEST(scroll_one_line_moves_grid_up)
{
	struct tfb t;
	/* 4 rows: scroll_lines = 1 */
	CHECK_EQ(tfb_open(&t, 32, 64, 32 * 4, 16, 8, 0, &test_font8, 1000), 0);
	CHECK_EQ(t.fc.rows, 4);
	CHECK_EQ(t.fc.scroll_lines, 1);
	wr(&t, "A\nBB\nCCC\n?");
	CHECK_EQ(t.fc.scrolls, 0);
	wr(&t, "\nA");
	CHECK_EQ(t.fc.scrolls, 1);
	/* The line that was row 1 ("BB") is now row 0, drawn in pixels too. */
	CHECK_EQ(fbcon_cell(&t.fc, 0, 0), G_B);
	CHECK_EQ(fbcon_cell(&t.fc, 1, 0), G_B);
	CHECK_EQ(fbcon_cell(&t.fc, 2, 0), G_BLANK);
	CHECK_EQ(cell_mismatches(&t, 0, 0, G_B, 0x00aaaaaa, 0), 0);
	CHECK_EQ(cell_mismatches(&t, 1, 0, G_B, 0x00aaaaaa, 0), 0);
	CHECK_EQ(cell_mismatches(&t, 2, 0, G_BLANK, 0x00aaaaaa, 0), 0);
	CHECK_EQ(fbcon_cell(&t.fc, 2, 1), G_C);
	CHECK_EQ(fbcon_cell(&t.fc, 0, 2), G_QUEST);
	CHECK_EQ(fbcon_cell(&t.fc, 1, 2), G_BLANK);
	CHECK_EQ(cell_mismatches(&t, 1, 2, G_BLANK, 0x00aaaaaa, 0), 0);
	CHECK_EQ(fbcon_cell(&t.fc, 0, 3), G_A);
	CHECK_EQ(cell_mismatches(&t, 0, 3, G_A, 0x00aaaaaa, 0), 0);
	CHECK_EQ(t.fc.cy, 3);
	tfb_close(&t);
}

TEST(scroll_batches_quarter_screen)
{
	struct tfb t;
	/* 8 rows: scroll by 2 */
	CHECK_EQ(tfb_open(&t, 32, 128, 32 * 4, 16, 8, 0, &test_font8, 1000), 0);
	CHECK_EQ(t.fc.rows, 8);
	CHECK_EQ(t.fc.scroll_lines, 2);
	for (int i = 0; i < 8; i++)
		wr(&t, i % 2 ? "B\n" : "A\n");
	/* the 8th newline scrolled: rows 0..5 = old rows 2..7, cursor row 6 */
	CHECK_EQ(t.fc.scrolls, 1);
	CHECK_EQ(t.fc.cy, 6);
	CHECK_EQ(t.fc.cx, 0);
	for (int r = 0; r < 6; r++) {
		CHECK_EQ(fbcon_cell(&t.fc, 0, r), r % 2 ? G_B : G_A);
		CHECK_EQ(cell_mismatches(&t, 0, r, r % 2 ? G_B : G_A, 0x00aaaaaa, 0), 0);
	}
	CHECK_EQ(fbcon_cell(&t.fc, 0, 6), G_BLANK);
	CHECK_EQ(fbcon_cell(&t.fc, 0, 7), G_BLANK);
	CHECK_EQ(cell_mismatches(&t, 0, 7, G_BLANK, 0x00aaaaaa, 0), 0);
	/* the next line needs no scroll */
	wr(&t, "C\n");
	CHECK_EQ(t.fc.scrolls, 1);
	CHECK_EQ(fbcon_cell(&t.fc, 0, 6), G_C);
	tfb_close(&t);
}

TEST(scroll_draws_only_changed_cells)
{
	struct tfb t;
	CHECK_EQ(tfb_open(&t, 32, 64, 32 * 4, 16, 8, 0, &test_font8, 1000), 0);
	wr(&t, "AB\nAC\nA\nA");
	/* Poison cell (0,0) and the blank cell (3,0): after the scroll they
	 * show the same glyph as before, so they must not be drawn again. */
	put_px(&t, 0, 0, POISON);
	put_px(&t, 3 * 8, 0, POISON);
	uint64_t before = t.fc.cells_drawn;
	wr(&t, "\n");
	CHECK_EQ(t.fc.scrolls, 1);
	CHECK_EQ(px(&t, 0, 0), POISON);
	CHECK_EQ(px(&t, 3 * 8, 0), POISON);
	/* changed: (1,0) B->C, (1,1) C->blank, (0,3) A->blank */
	CHECK_EQ(t.fc.cells_drawn - before, 3);
	CHECK_EQ(fbcon_cell(&t.fc, 1, 0), G_C);
	CHECK_EQ(cell_mismatches(&t, 1, 0, G_C, 0x00aaaaaa, 0), 0);
	/* Rewriting a cell with the glyph it already shows draws nothing. */
	before = t.fc.cells_drawn;
	wr(&t, "\r");
	t.fc.cy = 0;
	wr(&t, "AC");
	CHECK_EQ(t.fc.cells_drawn, before);
	tfb_close(&t);
}

TEST(backspace)
{
	struct tfb t;
	CHECK_EQ(tfb_open(&t, 32, 64, 32 * 4, 16, 8, 0, &test_font8, 1000), 0);
	wr(&t, "AB\bC");
	CHECK_EQ(fbcon_cell(&t.fc, 0, 0), G_A);
	CHECK_EQ(fbcon_cell(&t.fc, 1, 0), G_C);
	CHECK_EQ(t.fc.cx, 2);
	/* at column 0 it stays */
	wr(&t, "\r\b\bB");
	CHECK_EQ(fbcon_cell(&t.fc, 0, 0), G_B);
	/* "\b \b" erases the last character of a full row, without wrapping */
	wr(&t, "\n\rAAAA\b \b");
	CHECK_EQ(fbcon_cell(&t.fc, 3, 1), G_BLANK);
	CHECK_EQ(cell_mismatches(&t, 3, 1, G_BLANK, 0x00aaaaaa, 0), 0);
	CHECK_EQ(t.fc.cy, 1);
	CHECK_EQ(t.fc.cx, 3);
	tfb_close(&t);
}

TEST(tab_stops)
{
	struct tfb t;
	/* 20 columns */
	CHECK_EQ(tfb_open(&t, 160, 64, 160 * 4, 16, 8, 0, &test_font8, 1000), 0);
	CHECK_EQ(t.fc.cols, 20);
	wr(&t, "\tA");
	CHECK_EQ(fbcon_cell(&t.fc, 8, 0), G_A);
	wr(&t, "\rAAA\tB");
	CHECK_EQ(fbcon_cell(&t.fc, 8, 0), G_B);
	wr(&t, "\rA\t\tC");
	CHECK_EQ(fbcon_cell(&t.fc, 16, 0), G_C);
	/* tabs do not erase what they skip */
	CHECK_EQ(fbcon_cell(&t.fc, 1, 0), G_A);
	/* a tab past the last stop goes to the end; the next glyph wraps */
	wr(&t, "\tB");
	CHECK_EQ(fbcon_cell(&t.fc, 0, 1), G_B);
	CHECK_EQ(t.fc.cy, 1);
	/* a tab from the end wraps too, then moves to the first stop */
	wr(&t, "\rAAAAAAAAAAAAAAAAAA\t\tC");
	CHECK_EQ(fbcon_cell(&t.fc, 8, 2), G_C);
	/* at exactly column 7 -> 8 */
	wr(&t, "\rAAAAAAA\tB");
	CHECK_EQ(fbcon_cell(&t.fc, 8, 2), G_B);
	tfb_close(&t);
}

TEST(escape_sequences_not_drawn)
{
	struct tfb t;
	CHECK_EQ(tfb_open(&t, 160, 64, 160 * 4, 16, 8, 0, &test_font8, 1000), 0);
	wr(&t, "\x1b[1;31mA\x1b[0mB\x1b[2K\x1b" "cC");
	CHECK_EQ(fbcon_cell(&t.fc, 0, 0), G_A);
	CHECK_EQ(fbcon_cell(&t.fc, 1, 0), G_B);
	CHECK_EQ(fbcon_cell(&t.fc, 2, 0), G_C);
	CHECK_EQ(fbcon_cell(&t.fc, 3, 0), G_BLANK);
	CHECK_EQ(t.fc.cells_drawn, 3);
	/* a sequence split across two writes */
	wr(&t, "\x1b[3");
	wr(&t, "2mA");
	CHECK_EQ(fbcon_cell(&t.fc, 3, 0), G_A);
	CHECK_EQ(fbcon_cell(&t.fc, 4, 0), G_BLANK);
	/* a control byte aborts a sequence and still acts */
	wr(&t, "\x1b[31\nB");
	CHECK_EQ(fbcon_cell(&t.fc, 0, 1), G_B);
	CHECK_EQ(t.fc.cells_drawn, 5);
	/* other control characters are dropped */
	wr(&t, "\a\x01\x7f" "C");
	CHECK_EQ(fbcon_cell(&t.fc, 1, 1), G_C);
	tfb_close(&t);
}

TEST(utf8_and_fallback)
{
	struct tfb t;
	CHECK_EQ(tfb_open(&t, 160, 64, 160 * 4, 16, 8, 0, &test_font8, 1000), 0);
	wr(&t, "\xc3\xa9");          /* U+00E9 */
	CHECK_EQ(fbcon_cell(&t.fc, 0, 0), G_EACUTE);
	wr(&t, "\xe2\x82\xac");      /* U+20AC: no glyph */
	CHECK_EQ(fbcon_cell(&t.fc, 1, 0), G_REPL);
	wr(&t, "\xff");              /* invalid byte */
	CHECK_EQ(fbcon_cell(&t.fc, 2, 0), G_REPL);
	wr(&t, "\xc3" "A");          /* truncated sequence, then A */
	CHECK_EQ(fbcon_cell(&t.fc, 3, 0), G_REPL);
	CHECK_EQ(fbcon_cell(&t.fc, 4, 0), G_A);
	wr(&t, "D");                 /* ASCII without a glyph */
	CHECK_EQ(fbcon_cell(&t.fc, 5, 0), G_REPL);
	CHECK_EQ(t.fc.cx, 6);
	tfb_close(&t);
}

TEST(odd_geometry_clipped)
{
	struct tfb t;
	/* 29x39 pixels, pitch 35 pixels: 3x2 whole cells, margins of 5 and 7 */
	CHECK_EQ(tfb_open(&t, 29, 39, 35 * 4, 16, 8, 0, &test_font8, 1000), 0);
	CHECK_EQ(t.fc.cols, 3);
	CHECK_EQ(t.fc.rows, 2);
	CHECK_EQ(t.fc.scroll_lines, 1);
	for (int i = 0; i < 50; i++)
		wr(&t, "AB\tC\nABCABCABC\b\b?\n\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 ");
	CHECK(padding_intact(&t));
	/* the margins were cleared once and never drawn into */
	int bad = 0;
	for (uint32_t y = 0; y < t.h; y++)
		for (uint32_t x = 0; x < t.w; x++)
			if (x >= 24 || y >= 32)
				bad += px(&t, x, y) != 0;
	CHECK_EQ(bad, 0);
	CHECK(t.fc.cx <= t.fc.cols);
	CHECK(t.fc.cy < t.fc.rows);
	tfb_close(&t);
}

TEST(pitch_smaller_than_width_clamps)
{
	struct tfb t;
	/* claimed width 64 but pitch only 20 pixels: 2 columns */
	t.w = 20;
	t.h = 16;
	t.pitch = 80;
	t.size = 80 * 16;
	t.buf = malloc(t.size);
	t.grid = malloc(100 * sizeof(uint16_t));
	CHECK_EQ(fbcon_setup(&t.fc, t.buf, 64, 16, 80, 16, 8, 0, &test_font8, t.grid, 100), 0);
	CHECK_EQ(t.fc.cols, 2);
	wr(&t, "ABCABC");
	CHECK_EQ(fbcon_cell(&t.fc, 1, 0), G_C);
	tfb_close(&t);
}

TEST(grid_capped_by_max_cells)
{
	struct tfb t;
	/* 10 cols x 8 rows would need 80 cells; only 25 given -> 2 rows */
	CHECK_EQ(tfb_open(&t, 80, 128, 80 * 4, 16, 8, 0, &test_font8, 25), 0);
	CHECK_EQ(t.fc.cols, 10);
	CHECK_EQ(t.fc.rows, 2);
	for (int i = 0; i < 20; i++)
		wr(&t, "ABCABCABCABC\n");
	CHECK(t.fc.cy < 2);
	tfb_close(&t);
}

TEST(setup_rejects_unusable)
{
	struct fbcon fc;
	uint16_t grid[16];
	uint32_t buf[64 * 32];
	struct font empty = test_font8;
	empty.glyph_count = 0;
	CHECK_EQ(fbcon_setup(&fc, buf, 7, 32, 64 * 4, 16, 8, 0, &test_font8, grid, 16), -1);
	CHECK_EQ(fbcon_setup(&fc, buf, 64, 15, 64 * 4, 16, 8, 0, &test_font8, grid, 16), -1);
	CHECK_EQ(fbcon_setup(&fc, buf, 64, 32, 64 * 4 - 2, 16, 8, 0, &test_font8, grid, 16), -1);
	CHECK_EQ(fbcon_setup(&fc, buf, 64, 32, 64 * 4, 25, 8, 0, &test_font8, grid, 16), -1);
	CHECK_EQ(fbcon_setup(&fc, buf, 64, 32, 64 * 4, 16, 8, 0, &empty, grid, 16), -1);
	CHECK_EQ(fbcon_setup(&fc, buf, 64, 32, 64 * 4, 16, 8, 0, &test_font8, grid, 0), -1);
	CHECK_EQ(fbcon_setup(&fc, buf, 64, 32, 64 * 4, 16, 8, 0, &test_font8, grid, 16), 0);
	CHECK_EQ(fc.cols, 8);
	CHECK_EQ(fc.rows, 2);
}

TEST(wide_font_12x10)
{
	struct tfb t;
	CHECK_EQ(tfb_open(&t, 12 * 5 + 3, 10 * 3 + 1, (12 * 5 + 3) * 4, 0, 8, 16, &test_font12, 1000), 0);
	CHECK_EQ(t.fc.cols, 5);
	CHECK_EQ(t.fc.rows, 3);
	fbcon_set_colors(&t.fc, 0xff0000, 0x0000ff);
	wr(&t, "AAAAAB");
	CHECK_EQ(cell_mismatches(&t, 4, 0, G_A, 0x000000ff, 0x00ff0000), 0);
	CHECK_EQ(cell_mismatches(&t, 0, 1, G_B, 0x000000ff, 0x00ff0000), 0);
	for (int i = 0; i < 10; i++)
		wr(&t, "ABC\xc3\xa9\tA\n");
	CHECK(padding_intact(&t));
	tfb_close(&t);
}

TEST(random_bytes_stay_in_bounds)
{
	struct tfb t;
	CHECK_EQ(tfb_open(&t, 8 * 7 + 3, 16 * 5 + 9, (8 * 7 + 3) * 4 + 8, 16, 8, 0, &test_font8, 1000), 0);
	uint32_t seed = 12345;
	char chunk[97];
	for (int i = 0; i < 2000; i++) {
		for (size_t j = 0; j < sizeof(chunk); j++) {
			seed = seed * 1103515245u + 12345u;
			uint8_t b = (uint8_t)(seed >> 16);
			/* bias towards text and the control characters handled */
			chunk[j] = (b & 0x80) ? "AB C\n\t\b\x1b[m?\r"[b % 13] : (char)b;
		}
		fbcon_write(&t.fc, chunk, sizeof(chunk));
	}
	CHECK(padding_intact(&t));
	CHECK(t.fc.cx <= t.fc.cols);
	CHECK(t.fc.cy < t.fc.rows);
	int bad = 0;
	for (uint32_t r = 0; r < t.fc.rows; r++)
		for (uint32_t c = 0; c < t.fc.cols; c++) {
			uint16_t g = fbcon_cell(&t.fc, c, r);
			bad += g >= TEST_GLYPHS;
			bad += cell_mismatches(&t, c, r, g, 0x00aaaaaa, 0) != 0;
		}
	CHECK_EQ(bad, 0);
	tfb_close(&t);
}

CHECK_MAIN()

TEST(text_row_reads_back_what_is_shown)
{
	struct tfb t;
	char buf[64];
	CHECK_EQ(tfb_open(&t, 80, 64, 80 * 4, 16, 8, 0, &test_font8, 1000), 0);
	wr(&t, "AB C\n\xc3\xa9" "A  \nZ");
	CHECK_EQ(fbcon_text_row(&t.fc, 0, buf, sizeof buf), 4);
	CHECK(!strcmp(buf, "AB C"));
	CHECK_EQ(fbcon_text_row(&t.fc, 1, buf, sizeof buf), 3);  /* e-acute is 2 bytes */
	CHECK(!strcmp(buf, "\xc3\xa9" "A"));
	/* Z has no glyph: the fallback shows, which no code point maps to */
	CHECK_EQ(fbcon_text_row(&t.fc, 2, buf, sizeof buf), 1);
	CHECK(!strcmp(buf, "?"));
	CHECK_EQ(fbcon_text_row(&t.fc, 3, buf, sizeof buf), 0);
	CHECK_EQ(fbcon_text_row(&t.fc, 99, buf, sizeof buf), 0);
	CHECK_EQ(fbcon_text_row(&t.fc, 0, buf, 3), 2);           /* cut to fit */
	CHECK(!strcmp(buf, "AB"));
	tfb_close(&t);
}
