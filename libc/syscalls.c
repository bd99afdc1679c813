/*
 * syscalls.c - the system calls newlib (built with
 * --disable-newlib-supplied-syscalls) calls, and its per-CPU reentrancy.
 * See libc/libc.h for the rules and docs/libc.md for the design.
 *
 * newlib for x86_64-elf is built with MISSING_SYSCALL_NAMES, so libc.a calls
 * the plain names (write, sbrk, ...); each is also exported with a leading
 * underscore (_write, _sbrk, ...) for code that expects those.
 *
 * The syscalls run on the calling CPU, never block and never yield (libc
 * locks may be held, with interrupts off, while they run). On failure they
 * return -1 and set errno, which newlib's _*_r wrappers copy into the
 * caller's reent.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <reent.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "kernel/console.h"
#include "kernel/kprintf.h"
#include "kernel/mm.h"
#include "kernel/time.h"
#include "libc/libc.h"

/* newlib internal (libc/stdio/local.h): sets up a reent's std streams. */
void __sinit(struct _reent *r);

/* ------------------------------------------------------------------------
 * Reentrancy: one struct _reent per CPU, found through this_cpu().
 */

static struct _reent cpu_reent[MAX_CPUS];
volatile int libc_percpu_ready;

struct _reent *__getreent(void)
{
	if (__builtin_expect(!libc_percpu_ready, 0))
		return _global_impure_ptr;
	struct _reent *r = this_cpu()->libc_reent;
	return __builtin_expect(r != NULL, 1) ? r : _global_impure_ptr;
}

void libc_reent_init(struct _reent *r)
{
	_REENT_INIT_PTR(r);
	/* Create the stdio streams (and their locks) now rather than at the
	 * first printf. stdout becomes line buffered on its first write
	 * (fd 1 is a tty, see _isatty); stderr is unbuffered. */
	__sinit(r);
}

void libc_reent_fini(struct _reent *r)
{
	if (r == _global_impure_ptr || r == __getreent())
		return;
	_reclaim_reent(r); /* flushes and closes r's streams, frees dtoa scratch */
}

void libc_init_cpu(void)
{
	struct cpu *c = this_cpu();
	struct _reent *r;

	if (!libc_percpu_ready) {
		/* The boot CPU: newlib's global reent, already statically
		 * initialised and possibly used by early calls. */
		r = _global_impure_ptr;
		libc_percpu_ready = 1;
		/* libm defaults to fdlibm's _IEEE_ mode, where domain and
		 * range errors leave errno alone although math.h promises
		 * math_errhandling == MATH_ERRNO. POSIX mode sets errno. */
		_LIB_VERSION = _POSIX_;
		__sinit(r);
	} else {
		r = &cpu_reent[c->id];
		libc_reent_init(r);
	}
	c->libc_reent = r;
}

void libc_flush(void)
{
	struct _reent *r = __getreent();
	if (!r->__sdidinit)
		return;
	_fflush_r(r, r->_stdout);
	_fflush_r(r, r->_stderr);
}

/* Export name under _name as well. */
#define UNDERSCORE_ALIAS(name) \
	extern __typeof__(name) _##name __attribute__((alias(#name)))

/* ------------------------------------------------------------------------
 * Memory.
 */

void *sbrk(ptrdiff_t incr)
{
	void *p = heap_sbrk(incr);
	if (p == (void *)-1)
		errno = ENOMEM;
	return p;
}
UNDERSCORE_ALIAS(sbrk);

/* newlib's mallinfo() returns a struct of ints (mallocr.c) while its
 * malloc.h declares size_t fields, so the header's version is unusable on
 * x86-64; call it under another name with the library's layout. */
struct newlib_mallinfo {
	int arena, ordblks, smblks, hblks, hblkhd, usmblks, fsmblks, uordblks, fordblks, keepcost;
};
struct newlib_mallinfo newlib_mallinfo(void) __asm__("mallinfo");

void libc_heap_stats(struct libc_heap_stats *st)
{
	struct newlib_mallinfo mi = newlib_mallinfo();
	st->from_sbrk = (unsigned)mi.arena;
	st->in_use = (unsigned)mi.uordblks;
	st->free = (unsigned)mi.fordblks;
	st->free_chunks = (unsigned)mi.ordblks;
}

/* newlib 3.3 has memalign but not posix_memalign (aligned_alloc needs it). */
int posix_memalign(void **out, size_t align, size_t size)
{
	if (align < sizeof(void *) || (align & (align - 1)) != 0)
		return EINVAL;
	void *p = memalign(align, size);
	if (p == NULL)
		return ENOMEM;
	*out = p;
	return 0;
}

/* ------------------------------------------------------------------------
 * Files: 0 is an empty input, 1 and 2 are the consoles, nothing else.
 */

static bool std_fd(int fd) { return fd >= 0 && fd <= 2; }

_READ_WRITE_RETURN_TYPE write(int fd, const void *buf, size_t n)
{
	if (fd != 1 && fd != 2) {
		errno = EBADF;
		return -1;
	}
	console_write(buf, n);
	return (_READ_WRITE_RETURN_TYPE)n;
}
UNDERSCORE_ALIAS(write);

_READ_WRITE_RETURN_TYPE read(int fd, void *buf, size_t n)
{
	(void)buf;
	(void)n;
	if (fd != 0) {
		errno = EBADF;
		return -1;
	}
	return 0; /* no input: end of file */
}
UNDERSCORE_ALIAS(read);

int open(const char *path, int flags, ...)
{
	(void)path;
	(void)flags;
	errno = ENOENT;
	return -1;
}
UNDERSCORE_ALIAS(open);

int close(int fd)
{
	if (std_fd(fd))
		return 0;
	errno = EBADF;
	return -1;
}
UNDERSCORE_ALIAS(close);

off_t lseek(int fd, off_t off, int whence)
{
	(void)off;
	(void)whence;
	errno = std_fd(fd) ? ESPIPE : EBADF;
	return -1;
}
UNDERSCORE_ALIAS(lseek);

int fstat(int fd, struct stat *st)
{
	if (!std_fd(fd)) {
		errno = EBADF;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFCHR | 0620;  /* a tty: stdout becomes line buffered */
	st->st_blksize = BUFSIZ;
	return 0;
}
UNDERSCORE_ALIAS(fstat);

int stat(const char *restrict path, struct stat *restrict st)
{
	(void)path;
	(void)st;
	errno = ENOENT;
	return -1;
}
UNDERSCORE_ALIAS(stat);

int isatty(int fd)
{
	if (std_fd(fd))
		return 1;
	errno = EBADF;
	return 0;
}
UNDERSCORE_ALIAS(isatty);

int link(const char *old, const char *new)
{
	(void)old;
	(void)new;
	errno = ENOENT;
	return -1;
}
UNDERSCORE_ALIAS(link);

int unlink(const char *path)
{
	(void)path;
	errno = ENOENT;
	return -1;
}
UNDERSCORE_ALIAS(unlink);

int mkdir(const char *path, mode_t mode)
{
	(void)path;
	(void)mode;
	errno = EROFS;
	return -1;
}
UNDERSCORE_ALIAS(mkdir);

int fcntl(int fd, int cmd, ...)
{
	(void)cmd;
	errno = std_fd(fd) ? ENOSYS : EBADF;
	return -1;
}
UNDERSCORE_ALIAS(fcntl);

/* ------------------------------------------------------------------------
 * Processes: there is one, pid 1, and no signals other than termination.
 */

void _exit(int status)
{
	char buf[32];
	libc_flush(); /* exit() flushed the boot CPU's streams, not this CPU's */
	int n = ksnprintf(buf, sizeof(buf), "exit(%d)\n", status);
	console_write(buf, (size_t)n);
	kernel_exit(status);
}

pid_t getpid(void)
{
	return 1;
}
UNDERSCORE_ALIAS(getpid);

int kill(pid_t pid, int sig)
{
	if (sig < 0 || sig >= NSIG) {
		errno = EINVAL;
		return -1;
	}
	if (pid != 1) {
		errno = ESRCH;
		return -1;
	}
	if (sig == 0)
		return 0;
	/* What raise() with SIG_DFL and abort() end in: terminate, with the
	 * shell's status convention. */
	char buf[48];
	int n = ksnprintf(buf, sizeof(buf), "killed by signal %d\n", sig);
	console_write(buf, (size_t)n);
	_exit(128 + sig);
}
UNDERSCORE_ALIAS(kill);

int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	(void)how;
	(void)set;
	if (old)
		*old = 0;
	return 0;
}

pid_t fork(void)
{
	errno = ENOSYS;
	return -1;
}
UNDERSCORE_ALIAS(fork);

int execve(const char *path, char *const argv[], char *const envp[])
{
	(void)path;
	(void)argv;
	(void)envp;
	errno = ENOSYS;
	return -1;
}
UNDERSCORE_ALIAS(execve);

pid_t wait(int *status)
{
	(void)status;
	errno = ECHILD;
	return -1;
}
UNDERSCORE_ALIAS(wait);

/* ------------------------------------------------------------------------
 * Time: from boot (there is no wall clock yet).
 */

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	uint64_t ns = time_ns();
	if (tv) {
		tv->tv_sec = (time_t)(ns / 1000000000u);
		tv->tv_usec = (suseconds_t)((ns % 1000000000u) / 1000u);
	}
	if (tz) {
		struct timezone *z = tz;
		z->tz_minuteswest = 0;
		z->tz_dsttime = 0;
	}
	return 0;
}
UNDERSCORE_ALIAS(gettimeofday);

/* clock() is tms_utime + tms_stime + ... in CLOCKS_PER_SEC units: all the
 * time since boot counts as user time of the one process. */
clock_t times(struct tms *t)
{
	clock_t ticks = (clock_t)(time_ns() / (1000000000u / CLOCKS_PER_SEC));
	if (t) {
		t->tms_utime = ticks;
		t->tms_stime = 0;
		t->tms_cutime = 0;
		t->tms_cstime = 0;
	}
	return ticks;
}
UNDERSCORE_ALIAS(times);

/* ------------------------------------------------------------------------
 * Randomness for arc4random: RDRAND when the CPU has it, else the TSC mixed
 * through splitmix64 (not cryptographic; there is no entropy source yet).
 */

static bool rdrand64(uint64_t *v)
{
	for (int i = 0; i < 10; i++)
		if (cpu_rdrand64(v))
			return true;
	return false;
}

int getentropy(void *buf, size_t n)
{
	static int have_rdrand = -1;
	unsigned char *p = buf;
	if (n > 256) {
		errno = EIO;
		return -1;
	}
	if (have_rdrand < 0)
		have_rdrand = (cpuid(1, 0).ecx >> 30) & 1;
	while (n > 0) {
		uint64_t v;
		if (!have_rdrand || !rdrand64(&v)) {
			v = rdtsc() + 0x9e3779b97f4a7c15ull * (uint64_t)(uintptr_t)p;
			v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
			v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
			v ^= v >> 31;
		}
		size_t k = n < 8 ? n : 8;
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
	return 0;
}
