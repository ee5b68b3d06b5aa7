// SPDX-License-Identifier: MIT
/*
 * t_thread_exit_exec [THREADS [BUSY]]: the main thread leaves with
 * pthread_exit while THREADS threads (16) write to /dev/null and exit one
 * after another, BUSY more (64) try to open an 8 KiB path without end
 * (long records), and one more thread execs this program again: the
 * kernel ends every other thread, wherever it is (in the middle of a
 * hooked call, or of keke's recording of one), and makes the exec'ing
 * thread the new image's only one. The new image (argv[1] == "image2",
 * argv[2] the old pid) says whether it kept the pid and exits 3.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_barrier_t go;
static int devnull;
static char *self;
static char pid_arg[24];

static void *exiter(void *arg)
{
	long n = (long)arg;

	pthread_barrier_wait(&go);
	for (long i = 0; i < 200 * n; i++)
		if (write(devnull, "x", 1) != 1)
			break;
	pthread_exit(NULL);
}

static void *busy(void *arg)
{
	static char path[8192];

	(void)arg;
	memset(path, 'p', sizeof(path) - 1);
	pthread_barrier_wait(&go);
	for (;;)
		if (open(path, O_RDONLY) >= 0)
			break;
	return NULL;
}

static void *execer(void *arg)
{
	char *argv[] = { self, "image2", pid_arg, NULL };
	struct timespec t = { 0, 5000000 };

	(void)arg;
	pthread_barrier_wait(&go);
	/* While the others are at it. */
	nanosleep(&t, NULL);
	execv(self, argv);
	perror("execv");
	_exit(1);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 16;
	int nbusy = argc > 2 ? atoi(argv[2]) : 64;
	pthread_t t;

	if (argc > 2 && !strcmp(argv[1], "image2")) {
		printf("image2 same_pid=%d threads_left=%s\n",
		       atoi(argv[2]) == (int)getpid(), "none");
		return 3;
	}
	self = argv[0];
	snprintf(pid_arg, sizeof(pid_arg), "%d", (int)getpid());
	devnull = open("/dev/null", O_WRONLY);
	printf("image1\n");
	fflush(stdout);
	pthread_barrier_init(&go, NULL, (unsigned)(n + nbusy) + 1);
	for (long i = 0; i < n; i++)
		if (pthread_create(&t, NULL, exiter, (void *)i) != 0)
			return 1;
	for (int i = 0; i < nbusy; i++)
		if (pthread_create(&t, NULL, busy, NULL) != 0)
			return 1;
	if (pthread_create(&t, NULL, execer, NULL) != 0)
		return 1;
	pthread_exit(NULL);
}
