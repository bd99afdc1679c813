/*
 * showcase.h - the goroutines-vs-kernel-threads showcase (showcase/showcase.c
 * runs it after boot; docs/showcase.md says what each row measures). Shared
 * by showcase/showcase.c, showcase/showcase_g.c (the goroutine side, built with
 * -fsplit-stack) and kernel/tests/showcase_tests.c.
 */
#ifndef KERNEL_SHOWCASE_H
#define KERNEL_SHOWCASE_H

#include <stddef.h>
#include <stdint.h>

/* One field of a control block: its name, offset, size and alignment, all
 * taken from the real struct (SHOWCASE_FIELD), so a renamed or removed
 * field stops the build. */
struct showcase_field {
	const char *name;
	uint16_t off, size, align;
};
#define SHOWCASE_FIELD(type, f)                                                \
	{ #f, (uint16_t)offsetof(struct type, f),                              \
	  (uint16_t)sizeof(((struct type *)0)->f),                             \
	  (uint16_t)_Alignof(__typeof__(((struct type *)0)->f)) }

struct showcase_struct {
	const char *label;           /* "G", "TCB", "PCB" */
	const char *ctype;           /* "struct g" */
	size_t size, align;          /* sizeof, _Alignof */
	const struct showcase_field *fields;
	unsigned nfields;
};
#define SHOWCASE_NSTRUCTS 3
extern const struct showcase_struct showcase_structs[SHOWCASE_NSTRUCTS];

/* Bytes of s that no listed field covers and that are not padding the
 * compiler had to put there (0 when the list is complete, as far as can be
 * seen from outside: a new field hidden in old padding is not seen). */
size_t showcase_unlisted_bytes(const struct showcase_struct *s);

/* The fixed unit of work of the scaling row: a pure computation on x. */
uint64_t showcase_job(uint64_t x);

/* Goroutine side (showcase/showcase_g.c). Kernel context, boot CPU; each runs
 * a go_main and returns NULL or why it measured nothing. */
/* With a one-P runtime: one goroutine blocks in go_kernel_call for about
 * block_ns while another counts its turns; *ran: turns taken meanwhile;
 * *handoffs: Ps handed to a spare M in that runtime. */
const char *showcase_g_blocked(uint64_t block_ns, uint64_t *ran, uint64_t *blocked_ns,
			       uint64_t *handoffs);
/* jobs showcase_job calls spread over one worker goroutine per P; *ns:
 * from the first spawn to the last worker done; *procs: Ps of the runtime. */
const char *showcase_g_scale(uint64_t jobs, uint64_t *ns, unsigned *procs);

#endif
