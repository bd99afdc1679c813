/*
 * bench.c - the Linux pthread peer of Spindle's goroutine benchmarks
 * (system "linux-pthread"): the same workloads with kernel threads on the
 * host. Built by tools/bench.sh with gcc -O2 -pthread.
 *
 * Output, one line per result (tools/bench.sh collects them):
 *   BENCH linux-pthread <metric> <median> <unit> <min> <max> <runs>
 *   BENCHINFO linux-pthread <key> <value> <unit>
 *   BENCHSKIP linux-pthread <metric> <why>
 * plus human lines starting with "pthread:". Each measured run lasts about
 * 50 ms (iteration count calibrated first, capped so a run stays bounded);
 * the median of 5 runs is reported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REPS 5
#define TARGET_NS 50000000.0
#define SYS "linux-pthread"

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct result {
	double v[REPS];
	long n;
	int ok;
};

/* Calibrate n so one run lasts about TARGET_NS, then REPS runs, per-op ns. */
static struct result measure(double (*once)(long n), long n, long step, long max)
{
	struct result r = { .ok = 1 };
	double d = once(n);
	for (int i = 0; i < 8 && d >= 0 && d < TARGET_NS * 0.8 && n < max; i++) {
		long m = d > 0 ? (long)(n * TARGET_NS * 1.1 / d) : n * 10;
		if (m > n * 10)
			m = n * 10;
		if (m < n)
			m = n;
		if (m > max)
			m = max;
		n = (m + step - 1) / step * step;
		d = once(n);
	}
	for (int i = 0; i < REPS && d >= 0; i++) {
		d = once(n);
		r.v[i] = d / n;
	}
	if (d < 0)
		r.ok = 0;
	qsort(r.v, REPS, sizeof r.v[0], cmp_d);
	r.n = n;
	return r;
}

static void report(const char *metric, struct result r, const char *how)
{
	if (!r.ok) {
		printf("BENCHSKIP %s %s failed (thread creation or pinning)\n", SYS, metric);
		return;
	}
	double med = r.v[REPS / 2];
	printf("BENCH %s %s %.3f ns %.3f %.3f %d\n", SYS, metric, med, r.v[0], r.v[REPS - 1], REPS);
	printf("pthread: %s = %.3f ns, median of %d runs (min %.3f, max %.3f); %s (%ld per run)\n",
	       metric, med, REPS, r.v[0], r.v[REPS - 1], how, r.n);
}

/* --- CPUs: the first two the process may run on --- */

static int cpu_a = -1, cpu_b = -1;

static void pick_cpus(void)
{
	cpu_set_t set;
	if (sched_getaffinity(0, sizeof set, &set) != 0)
		return;
	for (int i = 0; i < CPU_SETSIZE; i++) {
		if (!CPU_ISSET(i, &set))
			continue;
		if (cpu_a < 0)
			cpu_a = i;
		else if (cpu_b < 0) {
			cpu_b = i;
			break;
		}
	}
}

static int pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* --- spawn_exit_ns: pthread_create + pthread_join --- */

static void *nop_thread(void *arg)
{
	return arg;
}

static double spawn_once(long n)
{
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, NULL, nop_thread, NULL) != 0)
			return -1;
		pthread_join(t, NULL);
	}
	return now_ns() - t0;
}

/* --- switch_ns: two threads on one CPU, semaphore ping-pong --- */

static sem_t sem_a, sem_b;
static long sw_n;
static int pin_b_cpu;

static void *sw_partner(void *arg)
{
	(void)arg;
	if (pin(pin_b_cpu) != 0)
		return (void *)1;
	for (long i = 0; i < sw_n; i++) {
		sem_wait(&sem_b);
		sem_post(&sem_a);
	}
	return NULL;
}

/* n switches = n/2 round trips; main pinned to cpu_a, partner to cpu_a. */
static double switch_once(long n)
{
	pthread_t t;
	sw_n = n / 2;
	pin_b_cpu = cpu_a;
	sem_init(&sem_a, 0, 0);
	sem_init(&sem_b, 0, 0);
	if (pthread_create(&t, NULL, sw_partner, NULL) != 0)
		return -1;
	/* one untimed round trip so both are running and pinned */
	sw_n++;
	sem_post(&sem_b);
	sem_wait(&sem_a);
	double t0 = now_ns();
	for (long i = 0; i < n / 2; i++) {
		sem_post(&sem_b);
		sem_wait(&sem_a);
	}
	double d = now_ns() - t0;
	void *ret;
	pthread_join(t, &ret);
	sem_destroy(&sem_a);
	sem_destroy(&sem_b);
	return ret ? -1 : d;
}

/* --- process_switch_ns: two processes on one CPU, pipe ping-pong --- */

/* The child: pinned to cpu, it answers each byte on rd with one on wr. */
static void ps_child(int cpu, int rd, int wr)
{
	char b;
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		_exit(1);
	while (read(rd, &b, 1) == 1)
		if (write(wr, &b, 1) != 1)
			_exit(1);
	_exit(0);
}

/* n switches = n/2 round trips between this process (pinned to cpu_a) and
 * a forked child pinned to cpu_a: each round trip blocks in read() twice,
 * so each switch is a Linux process switch (address space included). */
static double process_switch_once(long n)
{
	int to[2], from[2];
	char b = 'x';
	if (pipe(to) != 0)
		return -1;
	if (pipe(from) != 0) {
		close(to[0]);
		close(to[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		ps_child(cpu_a, to[0], from[1]);
	}
	close(to[0]);
	close(from[1]);
	double d = -1;
	/* one untimed round trip so the child is running and pinned */
	if (pid > 0 && write(to[1], &b, 1) == 1 && read(from[0], &b, 1) == 1) {
		double t0 = now_ns();
		long i = 0;
		for (; i < n / 2; i++)
			if (write(to[1], &b, 1) != 1 || read(from[0], &b, 1) != 1)
				break;
		d = i == n / 2 ? now_ns() - t0 : -1;
	}
	close(to[1]);
	close(from[0]);
	int st = 1;
	if (pid > 0)
		waitpid(pid, &st, 0);
	return st == 0 ? d : -1;
}

/* --- chan_rtt_*_ns: a mutex+condvar channel (one slot), ping-pong --- */

struct mchan {
	pthread_mutex_t mu;
	pthread_cond_t can_recv, can_send;
	int full;
	long val;
};

static void mchan_init(struct mchan *c)
{
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->can_recv, NULL);
	pthread_cond_init(&c->can_send, NULL);
	c->full = 0;
}

static void mchan_send(struct mchan *c, long v)
{
	pthread_mutex_lock(&c->mu);
	while (c->full)
		pthread_cond_wait(&c->can_send, &c->mu);
	c->val = v;
	c->full = 1;
	pthread_cond_signal(&c->can_recv);
	pthread_mutex_unlock(&c->mu);
}

static long mchan_recv(struct mchan *c)
{
	pthread_mutex_lock(&c->mu);
	while (!c->full)
		pthread_cond_wait(&c->can_recv, &c->mu);
	long v = c->val;
	c->full = 0;
	pthread_cond_signal(&c->can_send);
	pthread_mutex_unlock(&c->mu);
	return v;
}

static struct mchan ping_c, pong_c;
static long rtt_n;

static void *ponger(void *arg)
{
	(void)arg;
	if (pin(pin_b_cpu) != 0)
		return (void *)1;
	for (long i = 0; i < rtt_n; i++)
		mchan_send(&pong_c, mchan_recv(&ping_c));
	return NULL;
}

static double rtt_once(long n)
{
	pthread_t t;
	rtt_n = n + 1;
	mchan_init(&ping_c);
	mchan_init(&pong_c);
	if (pthread_create(&t, NULL, ponger, NULL) != 0)
		return -1;
	long v = 0;
	mchan_send(&ping_c, v);          /* untimed warm-up round trip */
	v = mchan_recv(&pong_c);
	double t0 = now_ns();
	for (long i = 0; i < n; i++) {
		mchan_send(&ping_c, v);
		v = mchan_recv(&pong_c);
	}
	double d = now_ns() - t0;
	void *ret;
	pthread_join(t, &ret);
	return ret ? -1 : d;
}

/* --- bytes_per_task: parked threads, RSS and address space --- */

#define PARKED 1000
static pthread_mutex_t park_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t park_cv = PTHREAD_COND_INITIALIZER;
static int park_release, park_started;

static void *parker(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&park_mu);
	park_started++;
	pthread_cond_broadcast(&park_cv);
	while (!park_release)
		pthread_cond_wait(&park_cv, &park_mu);
	pthread_mutex_unlock(&park_mu);
	return NULL;
}

/* statm: size and resident, in bytes. */
static int statm(double *vsz, double *rss)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long a, b;
	if (!f)
		return -1;
	int ok = fscanf(f, "%ld %ld", &a, &b) == 2;
	fclose(f);
	long pg = sysconf(_SC_PAGESIZE);
	*vsz = (double)a * pg;
	*rss = (double)b * pg;
	return ok ? 0 : -1;
}

/* MemAvailable from /proc/meminfo in bytes (system-wide, noisy). */
static double mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	double kb = -1;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

static void bytes_bench(void)
{
	pthread_attr_t attr;
	size_t stack = 0;
	pthread_attr_init(&attr);
	if (pthread_getattr_default_np(&attr) == 0)
		pthread_attr_getstacksize(&attr, &stack);
	pthread_attr_destroy(&attr);

	static pthread_t th[PARKED];
	double vsz0, rss0, vsz1, rss1;
	double avail0 = mem_available();
	if (statm(&vsz0, &rss0) != 0) {
		printf("BENCHSKIP %s bytes_per_task /proc/self/statm unreadable\n", SYS);
		return;
	}
	int n = 0;
	for (; n < PARKED; n++)
		if (pthread_create(&th[n], NULL, parker, NULL) != 0)
			break;
	pthread_mutex_lock(&park_mu);
	while (park_started < n)
		pthread_cond_wait(&park_cv, &park_mu);
	pthread_mutex_unlock(&park_mu);
	statm(&vsz1, &rss1);
	double avail1 = mem_available();
	pthread_mutex_lock(&park_mu);
	park_release = 1;
	pthread_cond_broadcast(&park_cv);
	pthread_mutex_unlock(&park_mu);
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	if (n == 0) {
		printf("BENCHSKIP %s bytes_per_task no thread could be created\n", SYS);
		return;
	}
	double rss = (rss1 - rss0) / n, vsz = (vsz1 - vsz0) / n;
	double sys = avail0 > 0 && avail1 > 0 ? (avail0 - avail1) / n : -1;
	printf("BENCH %s bytes_per_task %.3f bytes %.3f %.3f 1\n", SYS, rss, rss, rss);
	printf("pthread: bytes_per_task = %.3f bytes (RSS delta over %d threads parked on a "
	       "condition variable: user-space pages only; each also reserves %.0f bytes of "
	       "address space (default stack %zu) and kernel memory not in RSS: "
	       "system MemAvailable dropped by %.0f bytes per thread)\n",
	       rss, n, vsz, stack, sys);
	printf("BENCHINFO %s default_stack_size %zu.000 bytes\n", SYS, stack);
	printf("BENCHINFO %s bytes_per_task_virtual %.3f bytes\n", SYS, vsz);
	if (sys > 0)
		printf("BENCHINFO %s bytes_per_task_memavailable %.3f bytes\n", SYS, sys);
	if (rss > 0) {
		double per_gib = (double)(1 << 30) / rss;
		printf("BENCH %s max_tasks_per_gib %.3f tasks/GiB %.3f %.3f 1\n", SYS, per_gib, per_gib,
		       per_gib);
		printf("pthread: max_tasks_per_gib = %.3f tasks/GiB (derived: 2^30 / RSS bytes_per_task; "
		       "kernel stacks and the thread limit not counted)\n", (double)(1 << 30) / rss);
	}
}

/* argv[1], optional: the most CPUs to use (1: no cross-core run). */
int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pick_cpus();
	if (argc > 1 && atoi(argv[1]) < 2)
		cpu_b = -1;
	printf("BENCHINFO %s cpus %ld.000 cpus\n", SYS, sysconf(_SC_NPROCESSORS_ONLN));
	printf("pthread: CPUs used for pinning: %d and %d\n", cpu_a, cpu_b);
	bytes_bench();
	report("spawn_exit_ns", measure(spawn_once, 100, 10, 2000000),
	       "per thread: pthread_create then pthread_join, one at a time, not pinned");
	if (cpu_a < 0 || pin(cpu_a) != 0) {
		printf("BENCHSKIP %s switch_ns cannot pin threads to a CPU\n", SYS);
		printf("BENCHSKIP %s process_switch_ns cannot pin threads to a CPU\n", SYS);
		printf("BENCHSKIP %s chan_rtt_same_core_ns cannot pin threads to a CPU\n", SYS);
	} else {
		/* the main thread stays pinned to cpu_a from here on */
		report("switch_ns", measure(switch_once, 1000, 2, 1L << 32),
		       "per switch: two threads pinned to one CPU ping-pong through two "
		       "semaphores, elapsed / (2 x round trips)");
		report("process_switch_ns", measure(process_switch_once, 1000, 2, 1L << 32),
		       "per switch: two processes pinned to one CPU ping-pong a byte through two "
		       "pipes, elapsed / (2 x round trips)");
		pin_b_cpu = cpu_a;
		report("chan_rtt_same_core_ns", measure(rtt_once, 1000, 1, 1L << 32),
		       "per round trip: a one-slot mutex+condvar channel each way, both threads "
		       "pinned to one CPU");
	}
	if (cpu_b < 0) {
		printf("BENCHSKIP %s chan_rtt_cross_core_ns needs 2 CPUs\n", SYS);
	} else {
		pin_b_cpu = cpu_b;
		if (cpu_a < 0 || pin(cpu_a) != 0)
			printf("BENCHSKIP %s chan_rtt_cross_core_ns pinning failed\n", SYS);
		else
			report("chan_rtt_cross_core_ns", measure(rtt_once, 1000, 1, 1L << 32),
			       "per round trip: a one-slot mutex+condvar channel each way, threads "
			       "pinned to two CPUs");
	}
	printf("BENCHDONE %s\n", SYS);
	return 0;
}
