// SPDX-License-Identifier: MIT
/*
 * W4, scaling across threads: `w_threads T N` starts T threads that each
 * write 16 bytes to /dev/null N times (one fd per thread), then joins them.
 * Exits 1 when a thread cannot start or a write fails.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static long per_thread;

/* One thread's loop; returns non-NULL when a call failed. */
static void *writer(void *arg)
{
	static const char buf[16] = "0123456789abcde";
	int fd = open("/dev/null", O_WRONLY);

	if (fd < 0)
		return (void *)1;
	for (long i = 0; i < per_thread; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			return (void *)1;
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	int threads = argc > 1 ? atoi(argv[1]) : 8;
	pthread_t t[256];
	int failed = 0;

	per_thread = argc > 2 ? atol(argv[2]) : 200000;
	if (threads < 1 || threads > 256) {
		fprintf(stderr, "w_threads: 1 to 256 threads\n");
		return 2;
	}
	for (int i = 0; i < threads; i++)
		if (pthread_create(&t[i], NULL, writer, NULL) != 0) {
			fprintf(stderr, "w_threads: pthread_create failed\n");
			return 1;
		}
	for (int i = 0; i < threads; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		failed |= ret != NULL;
	}
	if (failed)
		fprintf(stderr, "w_threads: a write failed\n");
	return failed;
}
