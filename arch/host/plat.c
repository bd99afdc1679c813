/*
 * plat.c - the host platform: the goroutine runtime (sched/) built into a
 * Linux process, so that its channel, select, sync, timer and run-queue
 * tests run under ThreadSanitizer and AddressSanitizer+UBSan (make test,
 * group hostsched; docs/scheduler.md). It implements sched/plat.h:
 *
 *   CPUs      a pthread per M; each thread's GS base points at its own
 *             struct cpu (arch_prctl), so arch/x86_64/plat_md.h, the
 *             preemption guard and switch.S's %gs offsets work unchanged
 *   switches  arch/x86_64/switch.S itself, built with SPINDLE_HOST: the
 *             four entry points below wrap it to tell the sanitizers about
 *             each stack switch (ThreadSanitizer fibers, AddressSanitizer
 *             start/finish_switch_fiber); every switch frame carries the
 *             context it belongs to (struct switch_frame.plat_ctx)
 *   idle      a futex per CPU, with a 1 ms timeout for the tick
 *   memory    mmap, up to mem= MiB; Ms' semaphores are POSIX ones
 *
 * Not here: preemption (no timer interrupt: a goroutine runs until it
 * blocks or yields), kernel threads and kernel calls, the FPU save area.
 * Kept small on purpose: it exists for the tests that use it.
 */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <dlfcn.h>
#include <linux/futex.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "sched/plat.h"
#include "arch/x86_64/switch_frame.h"
#include "arch/host/host.h"
#include "kernel/panic.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

bool percpu_ready = true;          /* kernel/spinlock.c: cpu_id() is valid */

/* --- configuration: the host's command line ------------------------------ */

static const char *host_cmdline = "";

void host_set_cmdline(const char *line)
{
	host_cmdline = line;
}

long cmdline_num(const char *key)
{
	size_t n = strlen(key);
	for (const char *s = host_cmdline; (s = strstr(s, key)) != NULL; s += n)
		if ((s == host_cmdline || s[-1] == ' ') && s[n] == '=')
			return strtol(s + n + 1, NULL, 0);
	return 0;
}

/* The stubs of a student tree (kernel/lab.h): the same lines as the
 * kernel's, then the test process ends with a failure. */
_Noreturn void lab_todo(int lab, const char *fn, const char *file)
{
	fprintf(stderr, "LAB %d TODO: %s (%s) is not written\n", lab, fn, file);
	_exit(1);
}

void lab_soft(int lab, const char *fn, const char *file, const char *fallback)
{
	static const char *said[32];   /* each stub's line once, from any thread */
	if (lab_soft_first(said, 32, fn))
		fprintf(stderr, "LAB %d TODO: %s (%s) is not written: %s\n", lab, fn, file, fallback);
}

void lab_soft_flush(void)
{
}

/* The event trace (kernel/trace.h) is the kernel's: here every CPU's ring
 * pointer stays NULL, so TRACE never calls this. */
void trace_record(unsigned ev, unsigned p, uint64_t g, uint64_t a, uint64_t b)
{
	(void)ev, (void)p, (void)g, (void)a, (void)b;
}

/* --- contexts: what the sanitizers are told at each switch --------------- */

/* One stack a context runs on: a goroutine's, or an M thread's own (g0). */
struct host_ctx {
	void *tsan_fiber;
	void *asan_fake_stack;     /* saved by start_switch_fiber while away */
	uintptr_t lo;
	size_t size;
};

/* A thread of the host platform: an M, or the main thread (kernel
 * context). Reached through the GS base (me()), never through thread-local
 * variables: a goroutine moves between threads at a switch, and the
 * compiler may keep a TLS address across the call. */
struct plat_thread {
	struct cpu cpu;            /* first: its GS base */
	struct host_ctx g0;        /* the thread's own stack */
	struct host_ctx g0_mcall;  /* the same stack, entered afresh by mcall */
	void *stale_fiber;         /* g0_mcall's last fiber, to destroy */
	unsigned g0_mcalls;        /* mcalls on g0_mcall's fiber */
	struct {                   /* the switch in flight */
		struct host_ctx *to;
		void (*after)(void *);
		void *arg;
	} landing;
	void (*mcall_fn)(struct g *);
	pthread_t tid;
	void (*fn)(void *);
	void *arg;
};

static struct plat_thread *me(void)
{
	return (struct plat_thread *)this_cpu();
}

static struct host_ctx *frame_ctx(uint64_t sp)
{
	return (struct host_ctx *)((const struct switch_frame *)sp)->plat_ctx;
}

/* Just before a switch to `to`; the switched-to side calls land(). */
static void switch_begin(struct host_ctx *to, void (*after)(void *), void *arg)
{
	struct plat_thread *t = me();
	struct host_ctx *from = t->cpu.plat_ctx;
	t->landing.to = to;
	t->landing.after = after;
	t->landing.arg = arg;
#if defined(__SANITIZE_ADDRESS__)
	__sanitizer_start_switch_fiber(&from->asan_fake_stack, (const void *)to->lo, to->size);
#else
	(void)from;
#endif
#if defined(__SANITIZE_THREAD__)
	__tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
}

/* First thing wherever a switch arrives; then the switcher's after(arg). */
static void land(void)
{
	struct plat_thread *t = me();
	struct host_ctx *to = t->landing.to;
	if (!to)
		return;
	t->landing.to = NULL;
	t->cpu.plat_ctx = to;
#if defined(__SANITIZE_ADDRESS__)
	__sanitizer_finish_switch_fiber(to->asan_fake_stack, NULL, NULL);
#endif
	if (t->landing.after)
		t->landing.after(t->landing.arg);
}

static void land_after(void *unused)
{
	(void)unused;
	land();
}

void md_switch_to(uint64_t *save_sp, uint64_t to_sp, uint64_t to_limit, void (*after)(void *),
		  void *arg);
_Noreturn void md_switch_jump(uint64_t to_sp, uint64_t to_limit);
void md_mcall(void (*fn)(struct g *gp));
void md_m_enter(struct m *mp, uint64_t *exit_sp);

void switch_to(uint64_t *save_sp, uint64_t to_sp, uint64_t to_limit, void (*after)(void *),
	       void *arg)
{
	switch_begin(frame_ctx(to_sp), after, arg);
	md_switch_to(save_sp, to_sp, to_limit, land_after, NULL);
	land();   /* resumed by a switch_jump */
}

void switch_jump(uint64_t to_sp, uint64_t to_limit)
{
	switch_begin(frame_ctx(to_sp), NULL, NULL);
	md_switch_jump(to_sp, to_limit);
}

/* mcall starts g0 at the top of its stack again: whatever ran there last
 * was abandoned (g0 leaves through switch_jump), and ThreadSanitizer, which
 * keeps a call stack per fiber, would see it grow by those frames on every
 * mcall until it overflowed (it has room for 64 Ki frames). So every
 * G0_MCALLS_PER_FIBER mcalls g0 gets a fresh fiber (a new fiber costs
 * microseconds: one per mcall tripled the suite's time), and the last one
 * is destroyed once it is no longer current. */
#define G0_MCALLS_PER_FIBER 64
static struct host_ctx *g0_fresh(struct plat_thread *t)
{
	t->g0_mcall.lo = t->g0.lo;
	t->g0_mcall.size = t->g0.size;
#if defined(__SANITIZE_THREAD__)
	if (t->g0_mcall.tsan_fiber && ++t->g0_mcalls % G0_MCALLS_PER_FIBER)
		return &t->g0_mcall;   /* a bounded growth: at most that many rounds of frames */
	t->stale_fiber = t->g0_mcall.tsan_fiber;
	t->g0_mcall.tsan_fiber = __tsan_create_fiber(0);
#endif
	return &t->g0_mcall;
}

static void mcall_on_g0(struct g *gp)
{
	land();
	struct plat_thread *t = me();
#if defined(__SANITIZE_THREAD__)
	if (t->stale_fiber)
		__tsan_destroy_fiber(t->stale_fiber);
	t->stale_fiber = NULL;
#endif
	plat_irq_enable();
	t->mcall_fn(gp);
	abort();
}

void mcall(void (*fn)(struct g *gp))
{
	plat_irq_disable();
	struct plat_thread *t = me();
	t->mcall_fn = fn;
	switch_begin(g0_fresh(t), NULL, NULL);
	md_mcall(mcall_on_g0);
	land();
	plat_irq_enable();
}

void m_enter(struct m *mp, uint64_t *exit_sp)
{
	md_m_enter(mp, exit_sp);
	land();   /* the runtime stopped: switch_jump to exit_sp */
	plat_irq_enable();
}

/* A new goroutine: the top of its stack keeps its context and its entry. */
struct gstart {
	struct host_ctx ctx;
	void (*fn)(void *);
	void *arg;
} __attribute__((aligned(16)));

static void gstart(void *arg)
{
	struct gstart *s = arg;
	land();
	plat_irq_enable();
	s->fn(s->arg);
}

/* The G's stack is [stack_top - gstack, stack_top); a reused one still
 * holds the last goroutine's context, whose fiber is gone with it. */
static void ctx_new_goroutine(struct host_ctx *c, uintptr_t stack_top)
{
	c->size = (size_t)cmdline_num("gstack") & ~15UL;
	c->lo = stack_top - c->size;
	c->asan_fake_stack = NULL;
#if defined(__SANITIZE_THREAD__)
	if (c->tsan_fiber)
		__tsan_destroy_fiber(c->tsan_fiber);
	c->tsan_fiber = __tsan_create_fiber(0);
#endif
#if defined(__SANITIZE_ADDRESS__)
	/* the last goroutine left through mcall, its frames still poisoned */
	__asan_unpoison_memory_region((void *)c->lo, c->size);
#endif
}

uint64_t md_switch_frame_first(uintptr_t stack_top, void (*start)(void), uint64_t arg0,
			       uint64_t arg1);

uint64_t switch_frame_first(uintptr_t stack_top, void (*start)(void), uint64_t arg0,
			    uint64_t arg1)
{
	if (start != gstart_trampoline)
		panic("host: switch_frame_first for %p: only goroutines start here", (void *)start);
	struct gstart *s = (struct gstart *)(stack_top & ~15UL) - 1;
	ctx_new_goroutine(&s->ctx, stack_top);
	s->fn = (void (*)(void *))arg0;
	s->arg = (void *)arg1;
	uint64_t sp = md_switch_frame_first((uintptr_t)s, start, (uint64_t)gstart, (uint64_t)s);
	((struct switch_frame *)sp)->plat_ctx = (uint64_t)&s->ctx;
	return sp;
}

/* --- CPUs: one pthread per M ---------------------------------------------- */

/* Point this thread's GS base at t; its g0 context is its own stack. */
static void thread_enter(struct plat_thread *t)
{
	struct cpu *c = &t->cpu;
	c->self = c;
	c->online = true;
	c->host_irq_on = true;
	if (syscall(SYS_arch_prctl, ARCH_SET_GS, (unsigned long)c) != 0) {
		perror("host: arch_prctl(ARCH_SET_GS)");
		abort();
	}
	pthread_attr_t a;
	void *lo;
	size_t size;
	if (pthread_getattr_np(pthread_self(), &a) != 0 || pthread_attr_getstack(&a, &lo, &size) != 0)
		abort();
	pthread_attr_destroy(&a);
	t->g0.lo = (uintptr_t)lo;
	t->g0.size = size;
#if defined(__SANITIZE_THREAD__)
	t->g0.tsan_fiber = __tsan_get_current_fiber();
#endif
	c->plat_ctx = &t->g0;
}

void host_main_thread(void)
{
	static struct plat_thread main_thread;
	/* Kernel context, outside the Ms' CPU numbers (a spin lock's debug
	 * bookkeeping is per CPU number). */
	main_thread.cpu.id = PLAT_MAX_CPUS - 1;
	thread_enter(&main_thread);
}

static void *thread_main(void *arg)
{
	struct plat_thread *t = arg;
	thread_enter(t);
	t->fn(t->arg);
	return NULL;
}

unsigned plat_ncpus(void)
{
	long n = cmdline_num("smp");
	return n > 0 && n <= PLAT_MAX_CPUS - 1 ? (unsigned)n : 4;
}

struct plat_thread *plat_thread_create(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct plat_thread *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->cpu.id = cpu;
	t->fn = fn;
	t->arg = arg;
	if (pthread_create(&t->tid, NULL, thread_main, t) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

void plat_thread_exit(void)
{
	pthread_exit(NULL);
}

void plat_thread_join(struct plat_thread *t)
{
	pthread_join(t->tid, NULL);
	free(t);
}

void plat_thread_yield(void)
{
	sched_yield();
}

bool plat_thread_waiting(void)
{
	return false;   /* no other kernel threads compete for a CPU here */
}

/* A CPU's pending wakeup: set by plat_cpu_wake, consumed by plat_idle (as
 * an IPI stays pending while interrupts are off). */
static struct {
	uint32_t pending;
} __attribute__((aligned(64))) cpu_wake[PLAT_MAX_CPUS];

static long futex(uint32_t *word, int op, uint32_t val, const struct timespec *timeout)
{
	return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

void plat_cpu_wake(unsigned cpu)
{
	if (!__atomic_exchange_n(&cpu_wake[cpu].pending, 1, __ATOMIC_SEQ_CST))
		futex(&cpu_wake[cpu].pending, FUTEX_WAKE_PRIVATE, 1, NULL);
}

void plat_idle(void)
{
	uint32_t *w = &cpu_wake[plat_cpu_id()].pending;
	const struct timespec tick = { 0, 1000000 };
	if (!__atomic_exchange_n(w, 0, __ATOMIC_SEQ_CST)) {
		futex(w, FUTEX_WAIT_PRIVATE, 0, &tick);
		__atomic_store_n(w, 0, __ATOMIC_SEQ_CST);
	}
}

struct plat_sem {
	sem_t sem;
};

struct plat_sem *plat_sem_create(void)
{
	struct plat_sem *s = malloc(sizeof *s);
	if (s)
		sem_init(&s->sem, 0, 0);
	return s;
}

void plat_sem_reset(struct plat_sem *s)
{
	sem_destroy(&s->sem);
	sem_init(&s->sem, 0, 0);
}

void plat_sem_wait(struct plat_sem *s)
{
	while (sem_wait(&s->sem) != 0)
		;
}

void plat_sem_post(struct plat_sem *s)
{
	sem_post(&s->sem);
}

/* --- time and memory ------------------------------------------------------ */

uint64_t plat_nanotime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The TSC against the monotonic clock over 20 ms, once. */
uint64_t plat_cycles_per_sec(void)
{
	static uint64_t hz;
	if (!hz) {
		uint64_t t0 = plat_nanotime(), c0 = plat_cycles();
		while (plat_nanotime() - t0 < 20000000ULL)
			;
		hz = (plat_cycles() - c0) * 1000000000ULL / (plat_nanotime() - t0);
	}
	return hz;
}

static uint64_t pages_used;

void *plat_pages_alloc(size_t npages)
{
	uint64_t limit = (uint64_t)(cmdline_num("mem") > 0 ? cmdline_num("mem") : 1024) << 20;
	uint64_t bytes = npages * PLAT_PAGE_SIZE;
	if (__atomic_add_fetch(&pages_used, bytes, __ATOMIC_RELAXED) > limit) {
		__atomic_sub_fetch(&pages_used, bytes, __ATOMIC_RELAXED);
		return NULL;
	}
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* --- what only preemption uses: never called here ------------------------ */

size_t plat_fpstate_size(void)
{
	return 512;
}

void fpstate_save(void *area)
{
	(void)area;
	panic("host: fpstate_save: there is no preemption on the host platform");
}

void plat_irq_end(void)
{
	panic("host: plat_irq_end: there are no interrupts on the host platform");
}

/* --- console and panic ------------------------------------------------------ */

int kvprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	fputs(buf, stdout);   /* one write per line, as the kernel's consoles get */
	fflush(stdout);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

const char *ksym_lookup(uint64_t addr, uint64_t *off)
{
	Dl_info info;
	if (!dladdr((void *)addr, &info) || !info.dli_sname)
		return NULL;
	*off = addr - (uint64_t)info.dli_saddr;
	return info.dli_sname;
}

/* Frame pointers up the stack rbp is on, 16 frames at most. */
void backtrace_print(uint64_t rip, uint64_t rbp)
{
	for (int i = 0; i < 16 && rip; i++) {
		uint64_t off = 0;
		const char *name = ksym_lookup(rip, &off);
		kprintf("  #%d %#lx %s+%#lx\n", i, (unsigned long)rip, name ? name : "?",
			(unsigned long)off);
		const uint64_t *fp = (const uint64_t *)rbp;
		if (!fp || (rbp & 7) || fp[0] <= rbp || fp[0] - rbp > (1u << 20))
			break;
		rip = fp[1];
		rbp = fp[0];
	}
}

void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char buf[512];
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	kprintf("panic: %s\n", buf);
	backtrace_here();
	abort();
}
