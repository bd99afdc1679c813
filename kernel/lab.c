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
 * for lab_soft_flush. A slot is claimed by its fn (lab_soft_slot) and said
 * once ready is set. */
#define LAB_SOFT_MAX 32
static const char *note_fn[LAB_SOFT_MAX];   /* NULL: free */
static struct soft_note {
	int lab;
	const char *fn, *file, *fallback;
	int ready, said;
} notes[LAB_SOFT_MAX];

static void say(struct soft_note *n)
{
	if (__atomic_load_n(&n->ready, __ATOMIC_ACQUIRE) &&
	    !__atomic_exchange_n(&n->said, 1, __ATOMIC_ACQ_REL))
		kprintf("LAB %d TODO: %s (%s) is not written: %s\n", n->lab, n->fn, n->file, n->fallback);
}

/* fn's note, claimed now if it has none; NULL when every slot is taken. */
static struct soft_note *note_of(int lab, const char *fn, const char *file, const char *fallback)
{
	bool claimed;
	int i = lab_soft_slot(note_fn, LAB_SOFT_MAX, fn, &claimed);
	if (i < 0)
		return NULL;
	if (claimed) {
		notes[i] = (struct soft_note){ lab, fn, file, fallback, 0, 0 };
		__atomic_store_n(&notes[i].ready, 1, __ATOMIC_RELEASE);
	}
	return &notes[i];
}

void lab_soft(int lab, const char *fn, const char *file, const char *fallback)
{
	struct soft_note *n = note_of(lab, fn, file, fallback);
	if (n && this_cpu()->stack_limit == 0 && irq_enabled())   /* a kernel stack, not an interrupt */
		say(n);
}

void lab_soft_flush(void)
{
	for (int i = 0; i < LAB_SOFT_MAX; i++)
		say(&notes[i]);
}
