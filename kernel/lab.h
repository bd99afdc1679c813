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

/* The slot of fn among n names (soft stubs are told apart by their fn
 * string's address): found, or claimed now (compare-and-swap, any thread
 * or CPU, any context), then *claimed says so; -1 when all are taken.
 * kernel/lab.c and the host versions of lab_soft use it to say each stub
 * once. */
static inline int lab_soft_slot(const char **names, int n, const char *fn, _Bool *claimed)
{
	*claimed = 0;
	for (int i = 0; i < n; i++) {
		const char *cur = __atomic_load_n(&names[i], __ATOMIC_ACQUIRE);
		if (cur == 0 &&
		    __atomic_compare_exchange_n(&names[i], &cur, fn, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			*claimed = 1;
			return i;
		}
		if (cur == fn)
			return i;
	}
	return -1;
}

/* For a host lab_soft: whether fn's line is to be printed now (the first
 * time, or always once every slot is taken). */
static inline _Bool lab_soft_first(const char **said, int n, const char *fn)
{
	_Bool claimed;
	return lab_soft_slot(said, n, fn, &claimed) < 0 || claimed;
}
#endif
