// SPDX-License-Identifier: MIT
/*
 * signal_interrupts: a read() blocked on an empty pipe is interrupted by
 * SIGALRM (alarm(1), a handler without SA_RESTART) whose handler itself
 * calls write(); then the program's own SIGSEGV handler recovers from a
 * fault with siglongjmp. Prints the calls as file_calls does, in the
 * order they started (the handler's write starts inside the read).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int devnull;
static volatile sig_atomic_t handler_rc = -2, handler_errno;
static sigjmp_buf recover;

static void on_alarm(int sig)
{
	int saved = errno;

	(void)sig;
	handler_rc = (int)write(devnull, "x", 1);
	handler_errno = errno;
	errno = saved;
}

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(recover, 1);
}

int main(void)
{
	struct sigaction sa;
	char c;
	int p[2], rc, err;

	devnull = open("/dev/null", O_WRONLY);
	err = errno;
	printf("open path=/dev/null flags=%d result=%d errno=%d\n", O_WRONLY,
	       devnull, devnull < 0 ? err : 0);
	if (pipe(p) != 0)
		return 1;
	printf("pipe fd=%d fd2=%d result=0 errno=0\n", p[0], p[1]);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(1);
	rc = (int)read(p[0], &c, 1);
	err = errno;
	printf("read fd=%d count=1 result=%d errno=%d\n", p[0], rc,
	       rc < 0 ? err : 0);
	printf("write fd=%d count=1 result=%d errno=%d\n", devnull,
	       (int)handler_rc, handler_rc < 0 ? (int)handler_errno : 0);
	printf("# read_errno=%d\n", err);

	sa.sa_handler = on_segv;
	sigaction(SIGSEGV, &sa, NULL);
	if (!sigsetjmp(recover, 1))
		*(volatile int *)0 = 1;
	printf("# segv_handled=1\n");

	rc = (int)write(devnull, "y", 1);
	err = errno;
	printf("write fd=%d count=1 result=%d errno=%d\n", devnull, rc,
	       rc < 0 ? err : 0);
	return 0;
}
