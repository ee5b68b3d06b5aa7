// SPDX-License-Identifier: MIT
/*
 * t_fd_numbers: the fd numbers a program gets are its own business, and
 * must be those it gets without keke. Prints
 *  - after closefrom(3) and close_range(3, ~0U, 0), as daemons start, and
 *    dup2 of /dev/null over stdin, close(0) and reopening it: every fd
 *    that open, openat, creat, pipe, pipe2, socket, socketpair, dup, dup3,
 *    fcntl(F_DUPFD), eventfd, epoll_create1, memfd_create, fopen, opendir
 *    and accept return, the lowest free number each time;
 *  - the fds a forked child and a new thread get;
 *  - with "race": the same while 200 other threads start and write, and
 *    as "~" line the highest fd that a thread which opens and closes one
 *    fd in a loop ever got meanwhile (without keke always the same; under
 *    keke, a starting thread opens its record file for a moment, so the
 *    loop may get a number or two higher).
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Prints the fds open now, but the one used to list them and those from
 * 1000 up: keke holds its record file at one fd just below 1024, out of
 * the way of the numbers a program gets (that fd shows in /proc/self/fd;
 * close, dup2, closefrom and close_range on it are kept from harming it).
 */
static void print_open_fds(const char *when)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	printf("%s:", when);
	if (!d) {
		printf(" ?\n");
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || atoi(e->d_name) == dirfd(d) ||
		    atoi(e->d_name) >= 1000)
			continue;
		printf(" %s", e->d_name);
	}
	closedir(d);
	printf("\n");
}

static void *thread_open(void *arg)
{
	int *fd = arg;

	*fd = open("/dev/null", O_RDONLY);
	return NULL;
}

static volatile int stop;

static void *open_close_loop(void *arg)
{
	int *max = arg;

	while (!stop) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd > *max)
			*max = fd;
		close(fd);
	}
	return NULL;
}

static void *write_once(void *arg)
{
	if (write(*(int *)arg, "w", 1) != 1)
		return arg;
	return NULL;
}

int main(int argc, char **argv)
{
	int fds[32], n = 0, p[2], sp[2], fd, devnull, tfd = -1, max = -1;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	pthread_t t, many[200];
	FILE *f;
	DIR *d;
	pid_t child;

	closefrom(3);
	close_range(3, ~0U, 0);
	devnull = open("/dev/null", O_RDONLY);
	printf("devnull=%d dup2=%d\n", devnull, dup2(devnull, 0));
	close(devnull);
	close(0);
	printf("reopened stdin=%d\n", open("/dev/null", O_RDONLY));

	fds[n++] = open("/dev/null", O_WRONLY);
	fds[n++] = openat(AT_FDCWD, "/dev/null", O_RDONLY);
	fds[n++] = creat("t_fd_numbers.tmp", 0600);
	unlink("t_fd_numbers.tmp");
	if (pipe(p) == 0) {
		fds[n++] = p[0];
		fds[n++] = p[1];
	}
	if (pipe2(p, O_CLOEXEC) == 0) {
		fds[n++] = p[0];
		fds[n++] = p[1];
	}
	fds[n++] = socket(AF_INET, SOCK_STREAM, 0);
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0) {
		fds[n++] = sp[0];
		fds[n++] = sp[1];
	}
	fds[n++] = dup(fds[0]);
	fds[n++] = dup3(fds[0], 40, O_CLOEXEC);
	fds[n++] = fcntl(fds[0], F_DUPFD, 30);
	fds[n++] = eventfd(0, 0);
	fds[n++] = epoll_create1(0);
	fds[n++] = memfd_create("t_fd_numbers", 0);
	f = fopen("/dev/null", "r");
	fds[n++] = f ? fileno(f) : -1;
	d = opendir("/");
	fds[n++] = d ? dirfd(d) : -1;
	/* A listening unix socket in the abstract namespace, and accept. */
	snprintf(addr.sun_path + 1, sizeof(addr.sun_path) - 1,
		 "t_fd_numbers-%d", (int)getpid());
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	fds[n++] = fd;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
	    listen(fd, 1) == 0) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);

		fds[n++] = c;
		if (connect(c, (struct sockaddr *)&addr, sizeof(addr)) == 0)
			fds[n++] = accept(fd, NULL, NULL);
	}
	printf("fds:");
	for (int i = 0; i < n; i++)
		printf(" %d", fds[i]);
	printf("\n");

	/* Holes are filled lowest first. */
	close(fds[1]);
	close(fds[4]);
	printf("refill: %d %d %d\n", open("/dev/null", O_RDONLY),
	       open("/dev/null", O_RDONLY), open("/dev/null", O_RDONLY));
	fflush(stdout);

	child = fork();
	if (child == 0) {
		print_open_fds("in a child");
		printf("child open=%d\n", open("/dev/null", O_RDONLY));
		fflush(stdout);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	pthread_create(&t, NULL, thread_open, &tfd);
	pthread_join(t, NULL);
	printf("thread open=%d\n", tfd);
	if (argc < 2 || strcmp(argv[1], "race"))
		goto out;

	pthread_create(&t, NULL, open_close_loop, &max);
	for (int i = 0; i < 200; i++)
		pthread_create(&many[i], NULL, write_once, &fds[0]);
	for (int i = 0; i < 200; i++)
		pthread_join(many[i], NULL);
	stop = 1;
	pthread_join(t, NULL);
	printf("~ highest fd of the open/close loop=%d\n", max);
out:
	print_open_fds("at end");
	return 0;
}
