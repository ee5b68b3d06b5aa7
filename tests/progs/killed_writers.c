// SPDX-License-Identifier: MIT
/*
 * killed_writers THREADS MS: THREADS threads each write() to /dev/null
 * 1 byte, then 2, then 3, and so on, as fast as they can, until the
 * process kills itself with SIGKILL, MS milliseconds after every thread
 * wrote its first. Every thread has filled and copied its chunk of the
 * record file many times by then, and is killed wherever it is in that:
 * its trace must hold the writes of 1 to n bytes, each once, for some n.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define MOST (1 << 20)

static char bytes[MOST];
static int fd;
static int writing;	/* atomic: threads past their first write */

static void *work(void *arg)
{
	(void)arg;
	for (size_t n = 1; n < MOST; n++) {
		if (write(fd, bytes, n) < 0)
			return NULL;
		if (n == 1)
			__atomic_add_fetch(&writing, 1, __ATOMIC_RELEASE);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 4;
	long ms = argc > 2 ? atol(argv[2]) : 200;
	struct timespec wait = { ms / 1000, ms % 1000 * 1000000 };
	struct timespec poll = { 0, 1000000 };
	pthread_t t;

	fd = open("/dev/null", O_WRONLY);
	if (fd < 0)
		return 1;
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&t, NULL, work, NULL) != 0)
			return 1;
	while (__atomic_load_n(&writing, __ATOMIC_ACQUIRE) < nthreads)
		nanosleep(&poll, NULL);
	nanosleep(&wait, NULL);
	kill(getpid(), SIGKILL);
	return 1;
}
