/*
 * test_cmdline.c - host tests for kernel/cmdline.c (contract in
 * kernel/cmdline.h; the keys are the cmdline_keys table there).
 *
 * Every report is captured, so the exact text of each message is checked
 * as well as how many problems cmdline_parse returns.
 */
#include "kernel/cmdline.c"
#include "boot/cmdline_fit.c"
#include "check.h"

#define MAX_MSGS 64
static char msgs[MAX_MSGS][256];
static char last_msg[256];
static int nmsgs;

static void capture(const char *msg)
{
	if (nmsgs < MAX_MSGS)
		snprintf(msgs[nmsgs], sizeof msgs[0], "%s", msg);
	snprintf(last_msg, sizeof last_msg, "%s", msg);
	nmsgs++;
}

static int parse(const char *line)
{
	nmsgs = 0;
	return cmdline_parse(line, capture);
}

static int str_is(const char *got, const char *want)
{
	if (!got || !want)
		return got == want;
	return !strcmp(got, want);
}

#define CHECK_STR(got, want)                                                       \
	do {                                                                        \
		const char *g_ = (got), *w_ = (want);                               \
		if (!str_is(g_, w_)) {                                               \
			fprintf(stderr, "  %s:%d: %s: got \"%s\", want \"%s\"\n",    \
				__FILE__, __LINE__, #got, g_ ? g_ : "(null)",        \
				w_ ? w_ : "(null)");                                 \
			*check_failed = 1;                                           \
		}                                                                    \
	} while (0)

static void check_defaults(int *check_failed)
{
	CHECK_EQ(cmdline_num("smp"), 0);
	CHECK_EQ(cmdline_num("hz"), 100);
	CHECK_EQ(cmdline_num("gstack"), 2048);
	CHECK_EQ(cmdline_num("gomaxprocs"), 0);
	CHECK_EQ(cmdline_num("schedtrace"), 0);
	CHECK_STR(cmdline_str("test"), NULL);
	CHECK_STR(cmdline_str("console"), NULL);
	CHECK_STR(cmdline_str("poweroff"), NULL);
	CHECK_STR(cmdline_str("showcase"), NULL);
	CHECK_STR(cmdline_str("smp"), NULL);
	CHECK_STR(cmdline_str("hz"), NULL);
}

TEST(defaults_empty_and_null)
{
	CHECK_EQ(parse(""), 0);
	CHECK_EQ(nmsgs, 0);
	check_defaults(check_failed);
	CHECK_EQ(parse(NULL), 0);
	CHECK_EQ(nmsgs, 0);
	check_defaults(check_failed);
	CHECK_EQ(parse("   \t \n\r "), 0);
	CHECK_EQ(nmsgs, 0);
	check_defaults(check_failed);
	/* A NULL report callback is allowed. */
	CHECK_EQ(cmdline_parse("bogus smp=x", NULL), 2);
	check_defaults(check_failed);
	/* Unknown keys read as absent / 0. */
	CHECK_STR(cmdline_str("nosuchkey"), NULL);
	CHECK_EQ(cmdline_num("nosuchkey"), 0);
	CHECK_STR(cmdline_str(""), NULL);
}

TEST(numbers)
{
	CHECK_EQ(parse("smp=4"), 0);
	CHECK_EQ(nmsgs, 0);
	CHECK_EQ(cmdline_num("smp"), 4);
	CHECK_STR(cmdline_str("smp"), "4");
	CHECK_EQ(parse("hz=0x3e8"), 0);
	CHECK_EQ(cmdline_num("hz"), 1000);
	CHECK_EQ(parse("hz=0X3E8"), 0);
	CHECK_EQ(cmdline_num("hz"), 1000);
	CHECK_EQ(parse("gstack=8k"), 0);
	CHECK_EQ(cmdline_num("gstack"), 8192);
	CHECK_EQ(parse("gstack=16K"), 0);
	CHECK_EQ(cmdline_num("gstack"), 16384);
	CHECK_EQ(parse("gstack=0x2k"), 0);
	CHECK_EQ(cmdline_num("gstack"), 2048);
	CHECK_EQ(parse("gstack=1024k"), 0);                    /* the maximum, 1 MiB */
	CHECK_EQ(cmdline_num("gstack"), 1 << 20);
	/* Both ends of a range are inside it. */
	CHECK_EQ(parse("smp=1 hz=10 schedtrace=0"), 0);
	CHECK_EQ(cmdline_num("smp"), 1);
	CHECK_EQ(cmdline_num("hz"), 10);
	CHECK_EQ(cmdline_num("schedtrace"), 0);
	CHECK_STR(cmdline_str("schedtrace"), "0");
	CHECK_EQ(parse("smp=256 hz=10000 schedtrace=100000 gomaxprocs=256"), 0);
	CHECK_EQ(cmdline_num("smp"), 256);
	CHECK_EQ(cmdline_num("hz"), 10000);
	CHECK_EQ(cmdline_num("schedtrace"), 100000);
	CHECK_EQ(cmdline_num("gomaxprocs"), 256);
	CHECK_EQ(parse("smp=007"), 0);                         /* leading zeros: decimal */
	CHECK_EQ(cmdline_num("smp"), 7);
}

TEST(out_of_range)
{
	CHECK_EQ(parse("smp=0"), 1);
	CHECK_EQ(cmdline_num("smp"), 0);
	CHECK_STR(cmdline_str("smp"), NULL);
	CHECK_EQ(nmsgs, 1);
	CHECK_STR(msgs[0], "cmdline: 'smp=0': out of range (expected 1..256), using the default");
	CHECK_EQ(parse("smp=257"), 1);
	CHECK_EQ(cmdline_num("smp"), 0);
	CHECK_STR(msgs[0], "cmdline: 'smp=257': out of range (expected 1..256), using the default");
	CHECK_EQ(parse("hz=9"), 1);
	CHECK_EQ(cmdline_num("hz"), 100);
	CHECK_STR(msgs[0], "cmdline: 'hz=9': out of range (expected 10..10000), using the default");
	CHECK_EQ(parse("hz=10001"), 1);
	CHECK_EQ(cmdline_num("hz"), 100);
	CHECK_EQ(parse("gstack=1535"), 1);
	CHECK_EQ(cmdline_num("gstack"), 2048);
	CHECK_STR(msgs[0], "cmdline: 'gstack=1535': out of range (expected 1536..1048576), using the default");
	CHECK_EQ(parse("gstack=1536"), 0);
	CHECK_EQ(parse("gstack=1025k"), 1);
	CHECK_EQ(cmdline_num("gstack"), 2048);
	/* Huge values are rejected, never wrapped into range. */
	CHECK_EQ(parse("smp=99999999999999999999999999"), 1);
	CHECK_EQ(cmdline_num("smp"), 0);
	CHECK_EQ(parse("smp=0x10000000000000001"), 1);       /* 2^64 + 1 */
	CHECK_EQ(cmdline_num("smp"), 0);
	CHECK_EQ(parse("hz=18446744073709551716"), 1);        /* 2^64 + 100 */
	CHECK_EQ(cmdline_num("hz"), 100);
	CHECK_EQ(parse("smp=9223372036854775808"), 1);        /* 2^63 */
	CHECK_EQ(cmdline_num("smp"), 0);
	CHECK_EQ(parse("hz=99999999999999999k"), 1);
	CHECK_EQ(cmdline_num("hz"), 100);
}

TEST(not_a_number)
{
	CHECK_EQ(parse("smp=abc"), 1);
	CHECK_EQ(nmsgs, 1);
	CHECK_STR(msgs[0], "cmdline: 'smp=abc': not a number (expected 1..256), using the default");
	CHECK_EQ(cmdline_num("smp"), 0);
	CHECK_STR(cmdline_str("smp"), NULL);
	static const char *bad[] = {
		"smp=", "smp=-1", "smp=+2", "smp=4x", "smp=0x", "smp=k", "smp=4kk", "smp=4k4",
		"smp=1.5", "smp=0xg", "smp= ", "smp=4 k",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int n = parse(bad[i]);
		if (!strcmp(bad[i], "smp=4 k")) {
			/* two words: smp=4 is fine, "k" is not key=value */
			CHECK_EQ(n, 1);
			CHECK_EQ(cmdline_num("smp"), 4);
			continue;
		}
		if (!strcmp(bad[i], "smp= ")) {
			CHECK_EQ(n, 1);
			CHECK_STR(msgs[0], "cmdline: 'smp=': not a number (expected 1..256), using the default");
			continue;
		}
		if (n != 1 || cmdline_num("smp") != 0)
			fprintf(stderr, "  accepted \"%s\"\n", bad[i]);
		CHECK_EQ(n, 1);
		CHECK_EQ(cmdline_num("smp"), 0);
	}
	CHECK_EQ(parse("smp=-1"), 1);
	CHECK_STR(msgs[0], "cmdline: 'smp=-1': not a number (expected 1..256), using the default");
}

TEST(unknown_key_and_malformed_words)
{
	CHECK_EQ(parse("bogus=1"), 1);
	CHECK_EQ(nmsgs, 1);
	CHECK_STR(msgs[0], "cmdline: 'bogus=1': unknown key, ignored");
	CHECK_EQ(parse("quiet"), 1);
	CHECK_STR(msgs[0], "cmdline: 'quiet': not key=value, ignored");
	CHECK_EQ(parse("=5"), 1);
	CHECK_STR(msgs[0], "cmdline: '=5': unknown key, ignored");
	/* A key is matched whole: prefixes and extensions are unknown. */
	CHECK_EQ(parse("sm=2 smpx=2 SMP=2 hz"), 4);
	CHECK_STR(msgs[0], "cmdline: 'sm=2': unknown key, ignored");
	CHECK_STR(msgs[1], "cmdline: 'smpx=2': unknown key, ignored");
	CHECK_STR(msgs[2], "cmdline: 'SMP=2': unknown key, ignored");
	CHECK_STR(msgs[3], "cmdline: 'hz': not key=value, ignored");
	CHECK_EQ(cmdline_num("smp"), 0);
	CHECK_EQ(cmdline_num("hz"), 100);
	/* The value may itself hold '='. */
	CHECK_EQ(parse("test=a=b"), 0);
	CHECK_STR(cmdline_str("test"), "a=b");
}

TEST(bools)
{
	static const char *yes[] = { "yes", "on", "1", "true" };
	static const char *no[] = { "no", "off", "0", "false" };
	char line[64];
	for (int i = 0; i < 4; i++) {
		snprintf(line, sizeof line, "poweroff=%s showcase=%s", yes[i], no[i]);
		CHECK_EQ(parse(line), 0);
		CHECK_STR(cmdline_str("poweroff"), "yes");
		CHECK_STR(cmdline_str("showcase"), "no");
		snprintf(line, sizeof line, "poweroff=%s showcase=%s", no[i], yes[i]);
		CHECK_EQ(parse(line), 0);
		CHECK_STR(cmdline_str("poweroff"), "no");
		CHECK_STR(cmdline_str("showcase"), "yes");
	}
	CHECK_EQ(parse("poweroff=maybe"), 1);
	CHECK_STR(cmdline_str("poweroff"), NULL);
	CHECK_STR(msgs[0], "cmdline: 'poweroff=maybe': not yes or no (expected yes or no), using the default");
	CHECK_EQ(parse("poweroff= showcase=YES poweroff=ye"), 4);   /* 3 bad values, 1 repeat */
	CHECK_STR(cmdline_str("poweroff"), NULL);
	CHECK_STR(cmdline_str("showcase"), NULL);
	CHECK_STR(msgs[0], "cmdline: 'poweroff=': not yes or no (expected yes or no), using the default");
}

TEST(strings_with_choices)
{
	static const char *ok[] = { "serial", "fb", "both" };
	char line[64];
	for (int i = 0; i < 3; i++) {
		snprintf(line, sizeof line, "console=%s", ok[i]);
		CHECK_EQ(parse(line), 0);
		CHECK_STR(cmdline_str("console"), ok[i]);
	}
	static const char *bad[] = { "vga", "", "serial|fb", "seria", "serials", "f", "b", "|", "Serial" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(line, sizeof line, "console=%s", bad[i]);
		CHECK_EQ(parse(line), 1);
		if (cmdline_str("console"))
			fprintf(stderr, "  accepted \"%s\"\n", line);
		CHECK_STR(cmdline_str("console"), NULL);
	}
	CHECK_EQ(parse("console=vga"), 1);
	CHECK_STR(msgs[0], "cmdline: 'console=vga': not one of the choices (expected serial|fb|both), using the default");
	/* A free-form string takes anything, including nothing. */
	CHECK_EQ(parse("test=all"), 0);
	CHECK_STR(cmdline_str("test"), "all");
	CHECK_EQ(parse("test=boot_smp_call_all,boot_kprintf"), 0);
	CHECK_STR(cmdline_str("test"), "boot_smp_call_all,boot_kprintf");
	CHECK_EQ(parse("test="), 0);
	CHECK_STR(cmdline_str("test"), "");
}

TEST(whitespace)
{
	CHECK_EQ(parse("  smp=2\t\thz=250 \n console=serial\r\n  test=x  \t"), 0);
	CHECK_EQ(nmsgs, 0);
	CHECK_EQ(cmdline_num("smp"), 2);
	CHECK_EQ(cmdline_num("hz"), 250);
	CHECK_STR(cmdline_str("console"), "serial");
	CHECK_STR(cmdline_str("test"), "x");
	/* A tab or newline ends a word just like a space. */
	CHECK_EQ(parse("smp=abc\tbogus"), 2);
	CHECK_STR(msgs[0], "cmdline: 'smp=abc': not a number (expected 1..256), using the default");
	CHECK_STR(msgs[1], "cmdline: 'bogus': not key=value, ignored");
}

TEST(later_overrides_earlier)
{
	/* A repeated key is said (a likely mistake), and the later one wins. */
	CHECK_EQ(parse("smp=2 smp=3"), 1);
	CHECK_EQ(cmdline_num("smp"), 3);
	CHECK_STR(msgs[0], "cmdline: 'smp=3': smp= given again, this later one is used");
	CHECK_EQ(parse("console=fb console=serial test=a test=b"), 2);
	CHECK_STR(cmdline_str("console"), "serial");
	CHECK_STR(cmdline_str("test"), "b");
	/* A bad later value drops the key back to its default. */
	CHECK_EQ(parse("hz=250 hz=abc"), 2);
	CHECK_EQ(cmdline_num("hz"), 100);
	CHECK_STR(cmdline_str("hz"), NULL);
	CHECK_EQ(parse("hz=abc hz=250"), 2);
	CHECK_EQ(cmdline_num("hz"), 250);
}

TEST(parse_resets_state)
{
	CHECK_EQ(parse("smp=8 hz=1000 console=fb test=all poweroff=no"), 0);
	CHECK_EQ(cmdline_num("smp"), 8);
	CHECK_EQ(parse("gstack=4096"), 0);
	CHECK_EQ(cmdline_num("gstack"), 4096);
	CHECK_EQ(cmdline_num("smp"), 0);
	CHECK_EQ(cmdline_num("hz"), 100);
	CHECK_STR(cmdline_str("console"), NULL);
	CHECK_STR(cmdline_str("test"), NULL);
	CHECK_STR(cmdline_str("poweroff"), NULL);
	CHECK_EQ(parse(""), 0);
	check_defaults(check_failed);
}

TEST(problem_count)
{
	CHECK_EQ(parse("smp=abc bogus=1 word hz=5 console=vga poweroff=x smp=4 test=ok"), 7);
	CHECK_EQ(nmsgs, 7);
	CHECK_STR(msgs[6], "cmdline: 'smp=4': smp= given again, this later one is used");
	CHECK_STR(msgs[0], "cmdline: 'smp=abc': not a number (expected 1..256), using the default");
	CHECK_STR(msgs[1], "cmdline: 'bogus=1': unknown key, ignored");
	CHECK_STR(msgs[2], "cmdline: 'word': not key=value, ignored");
	CHECK_STR(msgs[3], "cmdline: 'hz=5': out of range (expected 10..10000), using the default");
	CHECK_STR(msgs[4], "cmdline: 'console=vga': not one of the choices (expected serial|fb|both), using the default");
	CHECK_STR(msgs[5], "cmdline: 'poweroff=x': not yes or no (expected yes or no), using the default");
	CHECK_EQ(cmdline_num("smp"), 4);
	CHECK_STR(cmdline_str("test"), "ok");
}

TEST(long_lines)
{
	/* One huge value: far more than the value store holds. */
	size_t n = 100000;
	char *line = malloc(n + 1);
	memcpy(line, "test=", 5);
	memset(line + 5, 'a', n - 5);
	line[n] = 0;
	CHECK_EQ(parse(line), 1);
	CHECK_STR(cmdline_str("test"), NULL);
	CHECK_EQ(nmsgs, 1);
	CHECK(strlen(msgs[0]) < 200);
	CHECK(!strncmp(msgs[0], "cmdline: 'test=aaaa", 19));

	/* A huge unknown word and a huge word without '=' are reported, cut short. */
	memset(line, 'b', n);
	line[n] = 0;
	CHECK_EQ(parse(line), 1);
	CHECK(!strncmp(msgs[0], "cmdline: 'bbbb", 14));
	line[10] = '=';
	CHECK_EQ(parse(line), 1);

	/* Many small values: they fill the store, then each further one is a
	 * problem, and nothing overflows. */
	size_t len = 0;
	for (int i = 0; i < 3000 && len + 32 < n; i++)
		len += (size_t)snprintf(line + len, n - len, "test=%04d ", i);
	int probs = parse(line);
	CHECK(probs > 0);
	CHECK(probs <= 2 * 3000);   /* each word at most a repeat and too long */
	CHECK_STR(last_msg + strlen(last_msg) - strlen("command line too long, using the default"),
		  "command line too long, using the default");

	/* A maximal boot_info command line parses fully: nothing but repeats. */
	len = 0;
	int words = 0;
	while (len + 16 < BOOT_CMDLINE_MAX - 1) {
		len += (size_t)snprintf(line + len, BOOT_CMDLINE_MAX - len, "smp=%d ", (int)(len % 64) + 1);
		words++;
	}
	CHECK_EQ(parse(line), words - 1);
	free(line);
}

/* "command line too long, using the default" must mean it: the key is back
 * at its default, as for every other rejected value (see later_overrides_earlier). */
TEST(too_long_uses_default)
{
	static char line[16384];
	size_t len = 0;
	for (int i = 0; i < 1000; i++)
		len += (size_t)snprintf(line + len, sizeof line - len, "test=%04d ", i);
	len += (size_t)snprintf(line + len, sizeof line - len, "hz=0x1f4");
	int probs = parse(line);
	CHECK(probs > 0);
	CHECK_EQ(nmsgs, probs);
	CHECK_STR(last_msg, "cmdline: 'hz=0x1f4': command line too long (expected 10..10000), using the default");
	CHECK_EQ(cmdline_num("hz"), 100);
	CHECK_STR(cmdline_str("hz"), NULL);
	CHECK_STR(cmdline_str("test"), NULL);
}

/* boot/cmdline_fit.c: what the loaders keep of a line too long for
 * boot_info, never a word cut in two. */
/* A bad word too long to quote is cut, and its reason still shows. */
TEST(long_bad_word_keeps_its_reason)
{
	char line[300];
	memset(line, 'x', sizeof line - 1);
	line[sizeof line - 1] = 0;
	memcpy(line, "hz=", 3);
	CHECK_EQ(parse(line), 1);
	CHECK(strstr(msgs[0], "...': not a number (expected 10..10000), using the default") != NULL);
	CHECK(strlen(msgs[0]) < 160);
}

TEST(fit_keeps_whole_words)
{
	const char *l = "smp=2 test=all hz=1000";
	CHECK_EQ(cmdline_fit(l, strlen(l), 100), strlen(l));       /* fits */
	CHECK_EQ(cmdline_fit(l, strlen(l), strlen(l)), strlen(l));
	CHECK_EQ(cmdline_fit(l, strlen(l), strlen(l) - 1), 14);    /* "hz=1000" goes whole */
	CHECK_EQ(cmdline_fit(l, strlen(l), 19), 14);               /* not "hz=10" */
	CHECK_EQ(cmdline_fit(l, strlen(l), 14), 14);               /* cut at the space */
	CHECK_EQ(cmdline_fit(l, strlen(l), 13), 5);
	CHECK_EQ(cmdline_fit(l, strlen(l), 4), 0);                 /* first word too long */
	const char *s = "a  b\t\tc";
	CHECK_EQ(cmdline_fit(s, strlen(s), 6), 4);                 /* "a  b": no trailing blanks */
	CHECK_EQ(cmdline_fit(s, strlen(s), 3), 1);                 /* "a" */
	CHECK_EQ(cmdline_fit(s, strlen(s), 0), 0);
}

CHECK_MAIN()
