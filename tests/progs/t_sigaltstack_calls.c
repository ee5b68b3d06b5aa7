// SPDX-License-Identifier: MIT
/*
 * t_sigaltstack_calls [STACK_BYTES]: signal handlers that run on an
 * alternate signal stack of STACK_BYTES (default 16 KiB, what crash
 * handlers commonly use; a PROT_NONE guard page below it turns an
 * overflow into SIGSEGV) make hooked calls: write, open, close, stat;
 * then fork, the child writing and exiting; then, as a crash reporter
 * does, fork and exec a program from the handler; last, a handler execs
 * this program again in place ("again"). Hooks that run there must fit
 * in that stack, in the parent and in the child.
 * Prints what each handler saw.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t on_alt, calls_ok, child_code, exec_code;
static char *again_argv[5];

static int is_on_alt_stack(void)
{
	stack_t ss;

	return sigaltstack(NULL, &ss) == 0 && (ss.ss_flags & SS_ONSTACK);
}

static void on_usr1(int sig)
{
	int saved = errno, fd, status;
	struct stat st;
	pid_t pid;

	(void)sig;
	on_alt = is_on_alt_stack();
	fd = open("/dev/null", O_WRONLY);
	calls_ok = fd >= 0 && write(fd, "a", 1) == 1 && close(fd) == 0 &&
		   stat("/dev/null", &st) == 0;
	pid = fork();
	if (pid == 0) {
		fd = open("/dev/null", O_WRONLY);
		_exit(fd >= 0 && write(fd, "c", 1) == 1 ? 5 : 1);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		child_code = WIFEXITED(status) ? WEXITSTATUS(status) :
						 128 + WTERMSIG(status);
	errno = saved;
}

static void on_usr2(int sig)
{
	int saved = errno, status;
	pid_t pid;

	(void)sig;
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", "exit 6", (char *)NULL);
		_exit(127);
	}
	if (pid > 0 && waitpid(pid, &status, 0) == pid)
		exec_code = WIFEXITED(status) ? WEXITSTATUS(status) :
						128 + WTERMSIG(status);
	errno = saved;
}

static void on_winch(int sig)
{
	(void)sig;
	execv(again_argv[0], again_argv);
	_exit(127);
}

int main(int argc, char **argv)
{
	size_t size = argc > 1 ? strtoul(argv[1], NULL, 0) : 16384;
	char size_arg[24];
	long page = sysconf(_SC_PAGESIZE);
	struct sigaction sa;
	stack_t ss;
	char *mem;

	if (argc > 3 && !strcmp(argv[2], "again")) {
		printf("exec'd again from a handler\n");
		return strcmp(argv[3], "ok") ? 1 : 0;
	}
	size = (size + (size_t)page - 1) & ~((size_t)page - 1);
	mem = mmap(NULL, size + (size_t)page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || mprotect(mem, (size_t)page, PROT_NONE) != 0)
		return 1;
	ss.ss_sp = mem + page;
	ss.ss_size = size;
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL) != 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_usr2;
	sigaction(SIGUSR2, &sa, NULL);

	raise(SIGUSR1);
	printf("usr1 on_alt_stack=%d calls_ok=%d child_exit=%d\n",
	       (int)on_alt, (int)calls_ok, (int)child_code);
	raise(SIGUSR2);
	printf("usr2 exec_child_exit=%d\n", (int)exec_code);
	fflush(stdout);
	snprintf(size_arg, sizeof(size_arg), "%zu", size);
	again_argv[0] = argv[0];
	again_argv[1] = size_arg;
	again_argv[2] = "again";
	again_argv[3] = on_alt && calls_ok && child_code == 5 &&
			exec_code == 6 ? "ok" : "failed";
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	raise(SIGWINCH);
	return 1;
}
