// SPDX-License-Identifier: MIT
/*
 * t_busy_process EVENTS THREADS FORKS [wait]: makes many events of every
 * kind keke records, so its record files keep growing: EVENTS writes to
 * /dev/null; with "wait", it then blocks reading a line from stdin (while
 * the trace dir is taken away, filled or made unwritable); then THREADS
 * threads write EVENTS / THREADS times each, and FORKS children write 100
 * times and exit with their index. Whatever happens to keke's files, it
 * must print the same and exit 0.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int devnull;

static void *writes(void *arg)
{
	long *n = arg, done = 0;

	for (long i = 0; i < *n; i++)
		done += write(devnull, "t", 1) == 1;
	*n = done;
	return NULL;
}

int main(int argc, char **argv)
{
	long events = argc > 1 ? atol(argv[1]) : 100000;
	int nthreads = argc > 2 ? atoi(argv[2]) : 4;
	int forks = argc > 3 ? atoi(argv[3]) : 4;
	int wait_stdin = argc > 4 && !strcmp(argv[4], "wait");
	pthread_t *t = calloc((size_t)nthreads, sizeof(*t));
	long *counts = calloc((size_t)nthreads, sizeof(*counts));
	long done = 0, thread_done = 0;
	int codes = 0, status;
	char line[64];

	devnull = open("/dev/null", O_WRONLY);
	if (devnull < 0 || !t || !counts)
		return 1;
	for (long i = 0; i < events; i++)
		done += write(devnull, "m", 1) == 1;
	printf("phase 1 writes=%ld\n", done);
	fflush(stdout);
	if (wait_stdin) {
		ssize_t n = read(0, line, sizeof(line));

		printf("read from stdin=%zd\n", n);
	}
	for (int i = 0; i < nthreads; i++) {
		counts[i] = events / nthreads;
		if (pthread_create(&t[i], NULL, writes, &counts[i]) != 0)
			return 1;
	}
	for (int i = 0; i < nthreads; i++) {
		pthread_join(t[i], NULL);
		thread_done += counts[i];
	}
	printf("threads=%d writes=%ld\n", nthreads, thread_done);
	fflush(stdout);
	for (int i = 0; i < forks; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			long c = 100;

			writes(&c);
			_exit(c == 100 ? i : 99);
		}
		if (pid > 0 && waitpid(pid, &status, 0) == pid &&
		    WIFEXITED(status))
			codes += WEXITSTATUS(status);
	}
	printf("children=%d exit codes sum=%d\n", forks, codes);
	return 0;
}
