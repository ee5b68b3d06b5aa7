// SPDX-License-Identifier: MIT
/*
 * The suite's stopwatch: `launch OUT [VAR=VALUE]... -- CMD [ARGS...]` runs
 * CMD with the given variables added to its environment and writes to OUT
 * one line: wall seconds, user + system CPU seconds, peak RSS in KiB (the
 * largest process of CMD's tree, as GNU time's %M), exit code (128 + N when
 * killed by signal N). The variables are set in the child only, so this
 * process is never traced itself, and it is small, so its own pages do not
 * count in the peak RSS the way a fork of the driving script's would.
 * Exits 0 once OUT is written, 1 when CMD could not be started.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	int status, cmd = 2, code;
	double t0, t1;
	pid_t pid;
	FILE *out;

	while (cmd < argc && strcmp(argv[cmd], "--"))
		cmd++;
	if (argc < 3 || cmd + 1 >= argc) {
		fprintf(stderr, "usage: launch OUT [VAR=VALUE]... -- CMD...\n");
		return 2;
	}
	t0 = now();
	pid = fork();
	if (pid < 0) {
		perror("launch: fork");
		return 1;
	}
	if (pid == 0) {
		for (int i = 2; i < cmd; i++)
			putenv(argv[i]);
		execvp(argv[cmd + 1], argv + cmd + 1);
		perror(argv[cmd + 1]);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("launch: wait4");
		return 1;
	}
	t1 = now();
	code = WIFEXITED(status) ? WEXITSTATUS(status) :
	       128 + WTERMSIG(status);
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 1;
	}
	fprintf(out, "%.6f %.6f %ld %d\n", t1 - t0,
		(double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		(double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
		ru.ru_maxrss, code);
	return fclose(out) ? 1 : 0;
}
