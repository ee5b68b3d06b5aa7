// SPDX-License-Identifier: MIT
/*
 * t_pid_reuse: two children with the same pid in one run. Meant to run as
 * the first process of a new pid namespace (unshare -pf --mount-proc),
 * where writing /proc/sys/kernel/ns_last_pid chooses the next pid: child
 * A exits 11, then child B is made to get A's pid and exits 22. Exits 77
 * when the pid cannot be chosen.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t child(int code)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(code);
	if (pid < 0 || waitpid(pid, &status, 0) != pid ||
	    WEXITSTATUS(status) != code)
		return -1;
	return pid;
}

int main(void)
{
	pid_t a = child(11), b;
	FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");

	if (a < 0 || !f || fprintf(f, "%d", (int)a - 1) < 0 || fclose(f)) {
		printf("cannot choose a pid\n");
		return 77;
	}
	b = child(22);
	printf("same pid=%d\n", a == b);
	return a == b ? 0 : 77;
}
