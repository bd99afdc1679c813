/*
 * check.h - the host unit-test harness (one header, no library).
 *
 * Each tests/host/test_*.c is one program: it #includes the .c files it
 * tests (built for the host with -DHOST_TEST, under ASan and UBSan), defines
 * cases with TEST(name) { ... } and ends with CHECK_MAIN(). Each case prints
 * "PASS: file:name" or "FAIL: file:name", after a first line "PLAN: n"
 * with the number of cases; the runner (tests/host.sh) counts those lines
 * and fails a program that reported fewer cases than its plan. A failed CHECK prints the expression and line, marks
 * the case failed and goes on with the next case.
 */
#ifndef SPINDLE_CHECK_H
#define SPINDLE_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct check_case {
	const char *name;
	void (*fn)(int *failed);
};

#define CHECK_MAX_CASES 256
static struct check_case check_cases[CHECK_MAX_CASES];
static int check_ncases;

#define TEST(name)                                                        \
	static void test_##name(int *check_failed);                        \
	__attribute__((constructor)) static void check_reg_##name(void)    \
	{                                                                   \
		if (check_ncases == CHECK_MAX_CASES) {                      \
			fprintf(stderr, "check.h: more than %d cases; "      \
				"raise CHECK_MAX_CASES\n", CHECK_MAX_CASES); \
			exit(2);                                            \
		}                                                           \
		check_cases[check_ncases++] =                               \
			(struct check_case){ #name, test_##name };          \
	}                                                                   \
	static void test_##name(int *check_failed)

#define CHECK(cond)                                                       \
	do {                                                               \
		if (!(cond)) {                                              \
			fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",      \
				__FILE__, __LINE__, #cond);                 \
			*check_failed = 1;                                  \
		}                                                           \
	} while (0)

#define CHECK_EQ(a, b)                                                    \
	do {                                                               \
		long long check_a = (long long)(a), check_b = (long long)(b); \
		if (check_a != check_b) {                                   \
			fprintf(stderr, "  %s:%d: %s == %s failed: %lld != %lld\n", \
				__FILE__, __LINE__, #a, #b, check_a, check_b); \
			*check_failed = 1;                                  \
		}                                                           \
	} while (0)

#define CHECK_MAIN()                                                      \
	int main(void)                                                     \
	{                                                                   \
		int nfail = 0;                                              \
		printf("PLAN: %d\n", check_ncases);                        \
		fflush(stdout);                                             \
		for (int i = 0; i < check_ncases; i++) {                    \
			int failed = 0;                                     \
			check_cases[i].fn(&failed);                         \
			printf("%s: %s:%s\n", failed ? "FAIL" : "PASS",     \
			       __FILE__, check_cases[i].name);              \
			nfail += failed;                                    \
		}                                                           \
		return nfail ? 1 : 0;                                       \
	}

#endif
