/*
 * lab.c - the reports of a student tree's stubs (kernel/lab.h). lab_todo
 * itself is in arch/x86_64/lab_todo.S: it leaves whatever stack it was
 * called on and calls lab_todo_report here.
 */
#include <stdbool.h>
#include <string.h>
#include "kernel/lab.h"
#include "kernel/ktest.h"
#include "kernel/kprintf.h"
#include "kernel/console.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"

_Noreturn void lab_todo_report(int lab, const char *fn, const char *file);

_Noreturn void lab_todo_report(int lab, const char *fn, const char *file)
{
	console_panic_mode();   /* maybe from an interrupt whose CPU held the console lock */
	lab_soft_flush();
	kprintf("LAB %d TODO: %s (%s) is not written\n", lab, fn, file);
	ktest_fail("LAB %d TODO: %s (%s) is not written", lab, fn, file);
}

/* The soft stubs seen so far, each said once. A goroutine's stack (its
 * split-stack limit is set) is too small for kprintf: there the note waits
 * for lab_soft_flush. */
#define LAB_SOFT_MAX 32
static struct soft_note {
	int lab;
	const char *fn, *file, *fallback;
	int said;
} notes[LAB_SOFT_MAX];
static int nnotes;

static void say(struct soft_note *n)
{
	if (!__atomic_exchange_n(&n->said, 1, __ATOMIC_ACQ_REL))
		kprintf("LAB %d TODO: %s (%s) is not written: %s\n", n->lab, n->fn, n->file, n->fallback);
}

void lab_soft(int lab, const char *fn, const char *file, const char *fallback)
{
	int k = __atomic_load_n(&nnotes, __ATOMIC_ACQUIRE);
	struct soft_note *n = NULL;
	for (int i = 0; i < k && i < LAB_SOFT_MAX; i++)
		if (__atomic_load_n(&notes[i].fn, __ATOMIC_ACQUIRE) == fn)
			n = &notes[i];
	if (!n) {
		int i = __atomic_fetch_add(&nnotes, 1, __ATOMIC_ACQ_REL);
		if (i >= LAB_SOFT_MAX)
			return;
		notes[i] = (struct soft_note){ lab, NULL, file, fallback, 0 };
		__atomic_store_n(&notes[i].fn, fn, __ATOMIC_RELEASE);
		n = &notes[i];
	}
	if (this_cpu()->stack_limit == 0 && irq_enabled())   /* a kernel stack, not an interrupt */
		say(n);
}

void lab_soft_flush(void)
{
	int k = __atomic_load_n(&nnotes, __ATOMIC_ACQUIRE);
	for (int i = 0; i < k && i < LAB_SOFT_MAX; i++)
		if (__atomic_load_n(&notes[i].fn, __ATOMIC_ACQUIRE))
			say(&notes[i]);
}
