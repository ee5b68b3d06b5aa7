// SPDX-License-Identifier: MIT
/*
 * t_fd_exhaust [LIMIT]: closes every fd but 0-2, lowers RLIMIT_NOFILE to
 * LIMIT (default 16) and opens /dev/null until open fails; prints how
 * many it got and the errno (EMFILE). With no fd left it goes on making
 * calls: writes, a failing dup, a new thread that writes, a fork whose
 * child writes; then it closes one fd and opens it again. keke may need
 * an fd for itself here and cannot have one: the program must get
 * exactly the same results.
 *
 * t_fd_exhaust LIMIT race: the same, then with exactly one fd free, one
 * thread opens and closes it 5000 times while 32 new threads write;
 * prints, as a "~" line, how many of those opens failed (none without
 * keke: nobody else takes an fd; under keke a starting thread opens its
 * record file for a moment, which can take that fd).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int last;
static volatile int stop;

static void *open_close_loop(void *arg)
{
	long *failed = arg;

	for (int i = 0; i < 5000; i++) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0)
			(*failed)++;
		else
			close(fd);
	}
	stop = 1;
	return NULL;
}

/* Writes until the loop is over (to an fd still open: @last is not). */
static void *write_until_stop(void *arg)
{
	(void)arg;
	while (!stop)
		if (write(last - 1, "w", 1) != 1)
			break;
	return NULL;
}

/* One fd free: does anyone but the program take it? */
static void race(void)
{
	pthread_t loop, t[32];
	long failed = 0;

	pthread_create(&loop, NULL, open_close_loop, &failed);
	for (int i = 0; i < 32; i++)
		pthread_create(&t[i], NULL, write_until_stop, NULL);
	pthread_join(loop, NULL);
	for (int i = 0; i < 32; i++)
		pthread_join(t[i], NULL);
	printf("~ with one fd free: failed opens=%ld\n", failed);
	printf("thread writes done\n");
}

static void *thread_writes(void *arg)
{
	long *ok = arg;

	for (int i = 0; i < 1000; i++)
		*ok += write(last, "t", 1) == 1;
	return NULL;
}

int main(int argc, char **argv)
{
	struct rlimit rl = { 16, 16 };
	int count = 0, err = 0, fd, status;
	long writes = 0, thread_ok = 0;
	pthread_t t;
	pid_t child;

	if (argc > 1)
		rl.rlim_cur = rl.rlim_max = strtoul(argv[1], NULL, 0);
	closefrom(3);
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1;
	for (;;) {
		fd = open("/dev/null", O_WRONLY);
		if (fd < 0) {
			err = errno;
			break;
		}
		last = fd;
		count++;
	}
	printf("opened=%d last=%d then errno=%s\n", count, last,
	       strerrorname_np(err));
	for (int i = 0; i < 100000; i++)
		writes += write(last, "x", 1) == 1;
	printf("writes=%ld\n", writes);
	errno = 0;
	fd = dup(last);
	printf("dup=%d errno=%s\n", fd, strerrorname_np(errno));
	printf("pthread_create=%d\n",
	       pthread_create(&t, NULL, thread_writes, &thread_ok));
	pthread_join(t, NULL);
	printf("thread writes=%ld\n", thread_ok);
	fflush(stdout);
	child = fork();
	if (child == 0)
		_exit(write(last, "c", 1) == 1 ? 3 : 4);
	waitpid(child, &status, 0);
	printf("child exit=%d\n", WEXITSTATUS(status));
	close(last);
	fd = open("/dev/null", O_RDONLY);
	printf("reopen=%d\n", fd);
	fd = open("/dev/null", O_RDONLY);
	printf("one more=%d errno=%s\n", fd, strerrorname_np(errno));
	if (argc > 2 && !strcmp(argv[2], "race")) {
		close(last);
		race();
	}
	return 0;
}
