/*
 * lab.h - what the stubs of a student tree call (labs/, docs/labs.md).
 *
 * The project tree is the solution of every lab. `make lab LAB=N`
 * (tools/lab.py) writes a student tree in which the functions and regions
 * that labs/N-name/strip names are replaced by stubs of two kinds:
 *   fatal: lab_todo(n, "fn", "file") prints
 *          "LAB n TODO: fn (file) is not written" and ends the test that
 *          reached it (KTEST FAIL), so a test of unwritten code fails at
 *          once with that line, never by a timeout;
 *   soft:  lab_soft(n, "fn", "file", "what happens instead") warns once per
 *          function and returns; the stub then does the fallback (no
 *          stealing, say), so the lab's other parts still run.
 * lab_todo: any CPU, any context, any stack (it moves to a stack of its
 * own first: a goroutine's 2 KiB would not do). lab_soft: any context; on
 * a goroutine's stack or with interrupts off it only notes the warning,
 * which lab_soft_flush prints (the test runner calls it after each test,
 * and kernel_exit). Both touch integer registers only before they print
 * (kernel/lab.c is built with -mgeneral-regs-only): the timer interrupt's
 * code may call them before it saved the goroutine's SIMD state. sched/ reaches this header through sched/plat.h.
 */
#ifndef KERNEL_LAB_H
#define KERNEL_LAB_H
_Noreturn void lab_todo(int lab, const char *fn, const char *file);
void lab_soft(int lab, const char *fn, const char *file, const char *fallback);
void lab_soft_flush(void);   /* kernel context */

/* For the host versions of lab_soft (arch/host/plat.c, tests/host): claim
 * fn's slot among n (any thread); false when fn was already said. */
static inline _Bool lab_soft_first(const char **said, unsigned n, const char *fn)
{
	for (unsigned i = 0; i < n; i++) {
		const char *cur = __atomic_load_n(&said[i], __ATOMIC_ACQUIRE);
		if (cur == 0 &&
		    __atomic_compare_exchange_n(&said[i], &cur, fn, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			return 1;
		if (cur == fn)
			return 0;
	}
	return 1;   /* no slot left: say it again */
}
#endif
