// SPDX-License-Identifier: MIT
/*
 * t_signal_restart: blocking hooked calls interrupted by a signal whose
 * handler itself makes hooked calls (write, open, close), once with
 * SA_RESTART and once without: read on a pipe, waitpid, nanosleep, sleep,
 * poll and select. With SA_RESTART read and waitpid go on and return
 * their result; without it they fail with EINTR; nanosleep, sleep, poll
 * and select are interrupted either way (nanosleep and sleep saying that
 * time was left). Prints each call's result and errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled, handler_bad;

static void on_alarm(int sig)
{
	int saved = errno, fd = open("/dev/null", O_WRONLY);

	(void)sig;
	handled++;
	if (fd < 0 || write(fd, "h", 1) != 1 || close(fd) != 0)
		handler_bad++;
	errno = saved;
}

static void arm(bool restart)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 0 }, { 0, 40000 } };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	handled = 0;
	setitimer(ITIMER_REAL, &it, NULL);
}

/* A child that sleeps @ms, writes a byte to @fd (unless < 0) and exits 4. */
static pid_t late_child(int ms, int fd)
{
	pid_t pid = fork();

	if (pid == 0) {
		struct timespec t = { 0, ms * 1000000L };

		nanosleep(&t, NULL);
		if (fd >= 0 && write(fd, "d", 1) != 1)
			_exit(1);
		_exit(4);
	}
	return pid;
}

static void show(const char *what, bool restart, long rc, int err)
{
	printf("%s %s rc=%ld errno=%s handled=%d\n", what,
	       restart ? "SA_RESTART" : "no-restart", rc,
	       rc < 0 ? strerrorname_np(err) : "0", (int)handled);
}

static void one_round(bool restart)
{
	int p[2], status = 0, err;
	struct timespec ten_s = { 10, 0 }, left = { 0, 0 };
	struct pollfd pfd;
	fd_set rd;
	struct timeval tv = { 10, 0 };
	pid_t child;
	long rc;
	char c;

	if (pipe(p) != 0)
		return;
	/* read: the data comes after the signal */
	child = late_child(150, p[1]);
	arm(restart);
	rc = read(p[0], &c, 1);
	err = errno;
	show("read", restart, rc, err);
	waitpid(child, NULL, 0);
	if (rc < 0 && read(p[0], &c, 1) != 1)
		printf("read lost the byte\n");

	child = late_child(150, -1);
	arm(restart);
	rc = waitpid(child, &status, 0);
	err = errno;
	show("waitpid", restart, rc == child ? 1 : rc, err);
	if (rc < 0)
		waitpid(child, &status, 0);
	printf("child status=%d\n", WEXITSTATUS(status));

	arm(restart);
	rc = nanosleep(&ten_s, &left);
	err = errno;
	show("nanosleep", restart, rc, err);
	printf("nanosleep time_left=%d\n", left.tv_sec > 5);

	arm(restart);
	rc = sleep(10);
	show("sleep", restart, rc > 5 ? 1 : rc, 0);

	pfd.fd = p[0];
	pfd.events = POLLIN;
	arm(restart);
	rc = poll(&pfd, 1, 10000);
	err = errno;
	show("poll", restart, rc, err);

	FD_ZERO(&rd);
	FD_SET(p[0], &rd);
	arm(restart);
	rc = select(p[0] + 1, &rd, NULL, NULL, &tv);
	err = errno;
	show("select", restart, rc, err);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	one_round(true);
	one_round(false);
	printf("handler_bad=%d\n", (int)handler_bad);
	return handler_bad != 0;
}
