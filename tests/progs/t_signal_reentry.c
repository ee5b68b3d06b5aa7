// SPDX-License-Identifier: MIT
/*
 * t_signal_reentry ITERATIONS: an interval timer (ITIMER_REAL, every
 * 200 us) interrupts a loop of write/open/close; its SIGALRM handler
 * itself calls write and open/close, so the same hooked functions are
 * re-entered on the same thread, often in the middle of a hook and of
 * keke's own recording. The handler saves errno; the main loop checks
 * every result and errno it gets.
 *
 * The main loop writes to one /dev/null fd (3, after closefrom(3)) and
 * the handler to another (4), so a trace tells their calls apart. Prints
 * the counts that do not depend on timing; "~" lines (how often the
 * handler ran) do.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int handler_fd;
static volatile sig_atomic_t handled, handler_writes, handler_bad;

static void on_alarm(int sig)
{
	int saved = errno, fd;

	(void)sig;
	handled++;
	if (write(handler_fd, "h", 1) == 1)
		handler_writes++;
	else
		handler_bad++;
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || close(fd) != 0)
		handler_bad++;
	errno = saved;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 20000;
	struct sigaction sa;
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	long writes = 0, opens = 0, bad = 0, errno_kept = 0;
	int fd;

	closefrom(3);
	fd = open("/dev/null", O_WRONLY);
	handler_fd = open("/dev/null", O_WRONLY);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (fd < 0 || handler_fd < 0 || sigaction(SIGALRM, &sa, NULL) != 0 ||
	    setitimer(ITIMER_REAL, &it, NULL) != 0)
		return 1;
	for (long i = 0; i < n; i++) {
		int g;

		if (write(fd, "m", 1) == 1)
			writes++;
		else
			bad++;
		g = open("/dev/null", O_RDONLY);
		if (g >= 0) {
			opens++;
			close(g);
		} else {
			bad++;
		}
		/* A failing call: its errno must survive any handler. */
		errno = 0;
		if (open("/nonexistent/t_signal_reentry", O_RDONLY) < 0 &&
		    errno == ENOENT)
			errno_kept++;
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("main writes=%ld opens=%ld bad=%ld errno_kept=%ld of %ld\n",
	       writes, opens, bad, errno_kept, n);
	printf("handler ran=%d bad=%d\n", handled > 0, (int)handler_bad);
	printf("~ handler_calls=%d handler_writes=%d\n", (int)handled,
	       (int)handler_writes);
	printf("fds main=%d handler=%d\n", fd, handler_fd);
	return bad || handler_bad || errno_kept != n;
}
