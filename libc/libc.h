/*
 * libc.h - the glue between newlib and the kernel (see docs/libc.md).
 *
 * newlib (libc.a, libm.a) is linked into the kernel: printf, malloc, string
 * and math functions may be called from kernel context on any CPU once that
 * CPU has called libc_init_cpu.
 *
 * Reentrancy. newlib is built with __DYNAMIC_REENT__: every piece of libc
 * state (errno, stdin/stdout/stderr, strtok, rand, dtoa scratch) lives in a
 * struct _reent reached through __getreent(), which returns
 * this_cpu()->libc_reent. Each CPU has its own (errno is per CPU, stdout is a
 * per-CPU FILE). The first CPU to call libc_init_cpu (the boot CPU) uses
 * newlib's global reent (_global_impure_ptr), which is statically
 * initialised, so calls made before libc_init_cpu on the boot CPU work too;
 * they must still come after GS base (percpu) is set up.
 * A scheduler may give each thread its own reent by pointing
 * this_cpu()->libc_reent at it while the thread runs (libc_reent_init /
 * libc_reent_fini below), with preemption off while it switches.
 *
 * Locking rules (newlib's retargetable locks, libc/locks.c):
 *  - every libc lock is a spin lock; holding one disables interrupts on the
 *    holding CPU (the interrupt state is saved when the CPU takes its first
 *    libc lock and restored when it releases its last one);
 *  - recursive locks are owned by a CPU (owner cpu id + depth), so nothing
 *    may switch the CPU to another thread while a libc lock is held: there
 *    is no preemption because interrupts are off, and the syscalls below
 *    never block or yield. Keep it that way: a syscall that blocks would
 *    deadlock or break recursion ownership;
 *  - libc must not be called from interrupt or exception handlers or NMI
 *    (use kprintf): the per-CPU reent (dtoa scratch, errno, stdout buffer) is
 *    not protected against an interrupt on the same CPU.
 *
 * Syscalls (libc/syscalls.c): fd 1 and 2 write to the consoles
 * (console_write, one call per stdio flush so a line from one CPU is never
 * split by another's), fd 0 reads EOF, there is no file system (open fails
 * with ENOENT), sbrk grows the kernel heap (heap_sbrk), gettimeofday and
 * times count from boot (time_ns), exit prints "exit(N)" and calls
 * kernel_exit.
 */
#ifndef LIBC_LIBC_H
#define LIBC_LIBC_H

struct _reent;

/* Set up this CPU's libc state (struct _reent, its stdio streams and their
 * locks). Call once per CPU during its bring-up, after percpu (GS base) is
 * set and before the CPU runs any other libc code: the boot CPU first,
 * before any other CPU starts. Interrupts may be on or off. */
void libc_init_cpu(void);

/* Initialise / tear down a struct _reent for a thread that wants its own
 * libc state (see above). libc_reent_fini flushes and closes its stdio
 * streams and frees what libc allocated for it; call it on a CPU where r is
 * not the current reent. */
void libc_reent_init(struct _reent *r);
void libc_reent_fini(struct _reent *r);

/* Flush the calling CPU's stdout and stderr. */
void libc_flush(void);

/* malloc's view of the heap (use this, not mallinfo(): newlib's malloc.h
 * declares struct mallinfo with size_t fields but the library fills ints). */
struct libc_heap_stats {
	unsigned long from_sbrk;    /* bytes obtained through sbrk */
	unsigned long in_use;       /* bytes in allocated chunks (with overhead) */
	unsigned long free;         /* bytes in free chunks and the top chunk */
	unsigned long free_chunks;
};
void libc_heap_stats(struct libc_heap_stats *st);

/* Number of dynamic libc locks (one per open FILE) in use; for tests. */
unsigned libc_locks_in_use(void);

/* Implemented by the kernel (kernel/): stop the machine with the given exit
 * status (QEMU: isa-debug-exit; hardware: power off or halt). Called by
 * _exit() (exit(), abort(), a failed assert()) after "exit(N)" is printed. */
_Noreturn void kernel_exit(int status);

#endif
