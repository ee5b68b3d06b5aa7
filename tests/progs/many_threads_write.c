// SPDX-License-Identifier: MIT
/*
 * many_threads_write THREADS WRITES: THREADS threads each write() one byte
 * to /dev/null WRITES times, all at once, and count the writes that
 * succeeded; prints "# thread TID writes=N" for each. Every write must be
 * recorded on its own thread, none lost, none doubled.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

struct worker {
	pthread_t thread;
	long writes;
	long done;
	int tid;
	int fd;
};

static void *work(void *arg)
{
	struct worker *w = arg;

	w->tid = (int)syscall(SYS_gettid);
	for (long i = 0; i < w->writes; i++)
		if (write(w->fd, "x", 1) == 1)
			w->done++;
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 64;
	long writes = argc > 2 ? atol(argv[2]) : 100000;
	struct worker *w = calloc((size_t)nthreads, sizeof(*w));
	int fd = open("/dev/null", O_WRONLY);

	if (!w || fd < 0)
		return 1;
	for (int i = 0; i < nthreads; i++) {
		w[i].writes = writes;
		w[i].fd = fd;
		if (pthread_create(&w[i].thread, NULL, work, &w[i]) != 0)
			return 1;
	}
	for (int i = 0; i < nthreads; i++)
		pthread_join(w[i].thread, NULL);
	for (int i = 0; i < nthreads; i++)
		printf("# thread %d writes=%ld\n", w[i].tid, w[i].done);
	free(w);
	return 0;
}
