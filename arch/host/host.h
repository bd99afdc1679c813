/*
 * host.h - what the host platform (arch/host/plat.c) offers its test
 * runner (arch/host/ktest_main.c) beyond sched/plat.h.
 */
#ifndef ARCH_HOST_HOST_H
#define ARCH_HOST_HOST_H

/* key=N words the runtime and the tests read with cmdline_num; the host's
 * own: smp= (Ms, default 4) and mem= (MiB for goroutines, default 1024). */
void host_set_cmdline(const char *line);
/* The main thread becomes kernel context: a struct cpu of its own (GS
 * base), numbered apart from the Ms'. First thing in main. */
void host_main_thread(void);

#endif
