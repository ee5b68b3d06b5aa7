// SPDX-License-Identifier: MIT
/*
 * t_cancel_blocked_read THREADS: THREADS threads block in read() on
 * empty pipes (a hooked call and a cancellation point) and are cancelled
 * there with pthread_cancel; each runs its cleanup handler and joins as
 * PTHREAD_CANCELED. Then the program goes on: new threads (which may get
 * the cancelled threads' cached stacks and TLS) read from the pipes that
 * now hold data, and the main thread keeps making calls. A hook must not
 * leave anything half done behind a cancelled call (a busy flag, an fd).
 * Starts with closefrom(3), so that its fd numbers are its own.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct blocked {
	pthread_t thread;
	int fd;
	int cleaned;
	long got;
};

static void cleanup(void *arg)
{
	((struct blocked *)arg)->cleaned = 1;
}

static void *block_in_read(void *arg)
{
	struct blocked *b = arg;
	char c;

	pthread_cleanup_push(cleanup, b);
	b->got = read(b->fd, &c, 1);
	pthread_cleanup_pop(0);
	return NULL;
}

static void *read_one(void *arg)
{
	struct blocked *b = arg;
	char c;

	b->got = read(b->fd, &c, 1);
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 8;
	struct blocked *b = calloc((size_t)n, sizeof(*b));
	int (*pipes)[2] = calloc((size_t)n, sizeof(*pipes));
	struct timespec pause = { 0, 50000000 };
	int canceled = 0, cleaned = 0, unreturned = 0, reread = 0;
	int devnull;

	if (!b || !pipes)
		return 1;
	closefrom(3);
	for (int i = 0; i < n; i++)
		if (pipe(pipes[i]) != 0)
			return 1;
	for (int i = 0; i < n; i++) {
		b[i].fd = pipes[i][0];
		b[i].got = -2;
		if (pthread_create(&b[i].thread, NULL, block_in_read, &b[i]))
			return 1;
	}
	/* Let them all reach the read. */
	nanosleep(&pause, NULL);
	for (int i = 0; i < n; i++) {
		void *res;

		pthread_cancel(b[i].thread);
		pthread_join(b[i].thread, &res);
		canceled += res == PTHREAD_CANCELED;
		cleaned += b[i].cleaned;
		unreturned += b[i].got == -2;
	}
	printf("canceled=%d cleaned=%d unreturned=%d\n", canceled, cleaned,
	       unreturned);
	for (int i = 0; i < n; i++) {
		if (write(pipes[i][1], "d", 1) != 1)
			return 1;
		b[i].got = -2;
		if (pthread_create(&b[i].thread, NULL, read_one, &b[i]))
			return 1;
	}
	for (int i = 0; i < n; i++) {
		pthread_join(b[i].thread, NULL);
		reread += b[i].got == 1;
	}
	printf("reread=%d\n", reread);
	devnull = open("/dev/null", O_WRONLY);
	printf("next fd=%d write=%zd\n", devnull, write(devnull, "z", 1));
	for (int i = 0; i < n; i++) {
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
	close(devnull);
	free(b);
	free(pipes);
	return canceled == n && cleaned == n && reread == n ? 0 : 1;
}
