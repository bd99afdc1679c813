/*
 * init.c - the init of the Linux guest that runs the benchmark peers on the
 * same QEMU as Spindle (tools/guest-peers.sh, docs/benchmarks.md). Built
 * static; the initramfs holds it as /init with /gobench, /pthreadbench,
 * /dev/console and /dev/null. It mounts /proc (the peers read it), runs
 * each peer with the guest's CPU count, prints a line before and after each
 * and powers the guest off, so QEMU exits when the peers are done.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/wait.h>
#include <unistd.h>

static void run(const char *name, char *const argv[])
{
	printf("GUEST %s begin\n", name);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		printf("GUEST %s: cannot run %s\n", name, argv[0]);
		_exit(127);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		printf("GUEST %s: fork or wait failed\n", name);
	printf("GUEST %s end status %d\n", name, WIFEXITED(status) ? WEXITSTATUS(status) : 128);
	fflush(stdout);
}

int main(void)
{
	char cpus[16];
	if (mount("proc", "/proc", "proc", 0, NULL) != 0)
		printf("GUEST init: cannot mount /proc\n");
	snprintf(cpus, sizeof cpus, "%ld", sysconf(_SC_NPROCESSORS_ONLN));
	char *go_argv[] = { "/gobench", "-procs", cpus, NULL };
	char *pthread_argv[] = { "/pthreadbench", cpus, NULL };
	run("go", go_argv);
	run("pthread", pthread_argv);
	printf("GUEST done\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
