// SPDX-License-Identifier: MIT
/*
 * t_die_by_signal HOW: makes 100 writes to /dev/null and forks a child
 * that exits 7, prints a line, then dies mid-run with another thread
 * still running:
 *	kill		SIGKILL to itself (exit 137)
 *	segv		a NULL write, no handler (139)
 *	segv_handler	a NULL write; the program's own SIGSEGV handler
 *			writes a line with write(2), restores SIG_DFL and
 *			returns, so the fault repeats and kills (139)
 *	abort		abort() (134)
 * No exit record is ever written: what was recorded before must all be
 * in the trace, and the process marked killed by that signal.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void on_segv(int sig)
{
	static const char msg[] = "own SIGSEGV handler ran\n";

	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	signal(sig, SIG_DFL);
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "kill";
	int fd = open("/dev/null", O_WRONLY), writes = 0, status;
	volatile int *volatile nowhere = NULL;
	pthread_t t;
	pid_t child;

	if (fd < 0 || pthread_create(&t, NULL, idle, NULL) != 0)
		return 1;
	for (int i = 0; i < 100; i++)
		writes += write(fd, "x", 1) == 1;
	child = fork();
	if (child == 0)
		_exit(7);
	waitpid(child, &status, 0);
	printf("writes=%d child=%d dying by %s\n", writes,
	       WEXITSTATUS(status), how);
	fflush(stdout);
	if (!strcmp(how, "kill")) {
		kill(getpid(), SIGKILL);
	} else if (!strcmp(how, "segv")) {
		*nowhere = 1;
	} else if (!strcmp(how, "segv_handler")) {
		signal(SIGSEGV, on_segv);
		*nowhere = 1;
	} else if (!strcmp(how, "abort")) {
		abort();
	}
	printf("still alive\n");
	return 1;
}
