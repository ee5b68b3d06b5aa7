// SPDX-License-Identifier: MIT
/*
 * t_threads_write_fork THREADS WRITES FORKERS FORKS: THREADS threads each
 * write() one byte to /dev/null WRITES times while FORKERS other threads
 * each fork FORKS children (a child writes once and exits with its index)
 * and reap them. A fork copies only the forking thread, in the middle of
 * everyone else's writes: no write may be lost, doubled or written into
 * a child's trace, and no child may hang or crash.
 *
 * Prints what is the same in every run; lines starting with "~" (thread
 * ids) differ from run to run.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct worker {
	pthread_t thread;
	long count;		/* writes, or forks */
	long done;
	int tid;
	int fd;
};

static pthread_barrier_t start;

static void *writer(void *arg)
{
	struct worker *w = arg;

	w->tid = (int)syscall(SYS_gettid);
	pthread_barrier_wait(&start);
	for (long i = 0; i < w->count; i++)
		if (write(w->fd, "x", 1) == 1)
			w->done++;
	return NULL;
}

static void *forker(void *arg)
{
	struct worker *w = arg;

	w->tid = (int)syscall(SYS_gettid);
	pthread_barrier_wait(&start);
	for (long i = 0; i < w->count; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			if (write(w->fd, "c", 1) != 1)
				_exit(100);
			_exit((int)(i % 50));
		}
		if (pid > 0 && waitpid(pid, &status, 0) == pid &&
		    WIFEXITED(status) && WEXITSTATUS(status) == i % 50)
			w->done++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nwriters = argc > 1 ? atoi(argv[1]) : 64;
	long writes = argc > 2 ? atol(argv[2]) : 2000;
	int nforkers = argc > 3 ? atoi(argv[3]) : 4;
	long forks = argc > 4 ? atol(argv[4]) : 10;
	int n = nwriters + nforkers;
	struct worker *w = calloc((size_t)n, sizeof(*w));
	int fd = open("/dev/null", O_WRONLY);
	long wrote = 0, forked = 0;

	if (!w || fd < 0)
		return 1;
	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (int i = 0; i < n; i++) {
		w[i].count = i < nwriters ? writes : forks;
		w[i].fd = fd;
		if (pthread_create(&w[i].thread, NULL,
				   i < nwriters ? writer : forker, &w[i]) != 0)
			return 1;
	}
	for (int i = 0; i < n; i++)
		pthread_join(w[i].thread, NULL);
	for (int i = 0; i < n; i++) {
		if (i < nwriters)
			wrote += w[i].done;
		else
			forked += w[i].done;
		printf("~ %s %d done=%ld\n", i < nwriters ? "writer" : "forker",
		       w[i].tid, w[i].done);
	}
	printf("writes=%ld of %ld\n", wrote, writes * nwriters);
	printf("children=%ld of %ld\n", forked, forks * nforkers);
	free(w);
	return wrote == writes * nwriters && forked == forks * nforkers ? 0 : 1;
}
