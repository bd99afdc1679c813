/*
 * test_kprintf.c - kernel/kprintf.c on the host: formats, and what reaches
 * the consoles (a stand-in console_write_to records it).
 */
#include "check.h"
#include "kernel/kprintf.c"

static char out[4096];
static size_t out_len;
static unsigned out_kinds;

void console_write_to(unsigned kinds, const char *s, size_t n)
{
	memcpy(out + out_len, s, n);
	out_len += n;
	out[out_len] = 0;
	out_kinds = kinds;
}

static void reset(void)
{
	out_len = 0;
	out[0] = 0;
}

TEST(formats)
{
	char b[64];
	CHECK_EQ(ksnprintf(b, sizeof b, "%d %u %x %5s|%-3d|%lu", -3, 7u, 255u, "ab", 4, 1UL << 40), 31);
	CHECK(!strcmp(b, "-3 7 ff    ab|4  |1099511627776"));
	CHECK_EQ(ksnprintf(b, 4, "%s", "abcdef"), 6);   /* returns what it would write */
	CHECK(!strcmp(b, "abc"));
}

TEST(short_line_whole)
{
	reset();
	CHECK_EQ(kprintf("hello %s\n", "there"), 12);
	CHECK(!strcmp(out, "hello there\n"));
	CHECK_EQ(out_kinds, CONSOLE_ALL);
	reset();
	kprintf_to(CONSOLE_SERIAL, "machine %d\n", 1);
	CHECK(!strcmp(out, "machine 1\n"));
	CHECK_EQ(out_kinds, CONSOLE_SERIAL);
}

/* A message over the buffer is cut, says so, and keeps its newline: the
 * next message starts on a line of its own. */
TEST(long_line_cut_keeps_newline)
{
	char big[1000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	reset();
	CHECK_EQ(kprintf("long: %s\n", big), 6 + 999 + 1);
	kprintf("next\n");
	CHECK_EQ(out_len, KPRINTF_BUF - 1 + 5);
	CHECK(!memcmp(out + KPRINTF_BUF - 1 - 4, "...\n", 4));
	CHECK(!strcmp(out + KPRINTF_BUF - 1, "next\n"));
	/* Without a newline in the format, none is added. */
	reset();
	kprintf("%s", big);
	CHECK_EQ(out_len, KPRINTF_BUF - 1);
	CHECK(!memcmp(out + KPRINTF_BUF - 1 - 3, "...", 3));
	CHECK(out[out_len - 1] == '.');
}

CHECK_MAIN()
