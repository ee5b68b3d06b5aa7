// SPDX-License-Identifier: MIT
/*
 * proc_stacks [threaded]: known call chains for the stacks of the process
 * family. Each function makes one or two calls of it (fork, vfork, wait,
 * posix_spawn, system, popen, pclose, kill, and exec in a fork child) and
 * prints "# <slice> <function> <line>" for each, the line being that of
 * the call; "# child <pid>" names the fork child that execs. Built with
 * -g and without inlining. With "threaded", a thread runs all along, so
 * the fork child's exec is made by the child of a threaded parent.
 */
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Prints where a call was made: on @line, or on this one. */
#define AT(slice, line) printf("# %s %s %d\n", slice, __func__, line)
#define HERE(slice) AT(slice, __LINE__)

__attribute__((noinline)) static void forks(void)
{
	pid_t pid = fork(); int line = __LINE__;

	if (pid == 0)
		_exit(0);
	AT("fork", line);
	waitpid(pid, NULL, 0); HERE("wait");
}

__attribute__((noinline)) static void vforks(void)
{
	pid_t pid = vfork(); int line = __LINE__;

	if (pid == 0)
		_exit(0);
	AT("fork", line);
	waitpid(pid, NULL, 0); HERE("wait");
}

__attribute__((noinline)) static void spawns(void)
{
	char *argv[] = { "true", NULL }, *prog = "/bin/true";
	pid_t pid;

	posix_spawn(&pid, prog, NULL, NULL, argv, environ); HERE("spawn");
	waitpid(pid, NULL, 0); HERE("wait");
}

__attribute__((noinline)) static void shells(void)
{
	FILE *f;

	system("true"); HERE("system");
	f = popen("true", "r"); HERE("popen");
	if (f) {
		pclose(f); HERE("pclose");
	}
}

__attribute__((noinline)) static void signals(void)
{
	kill(getpid(), 0); HERE("kill");
}

/* The fork child's exec: prints its line before, since it never returns. */
__attribute__((noinline)) static void execs(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		AT("exec", __LINE__ + 2);
		fflush(stdout);
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	printf("# child %d\n", (int)pid);
	waitpid(pid, NULL, 0); HERE("wait");
}

static void *idle(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "threaded")) {
		if (pthread_create(&t, NULL, idle, NULL))
			return 1;
		execs();
		return 0;
	}
	forks();
	vforks();
	spawns();
	shells();
	signals();
	execs();
	return 0;
}
