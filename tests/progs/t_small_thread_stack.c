// SPDX-License-Identifier: MIT
/*
 * t_small_thread_stack [STACK_BYTES [STEPS]]: a thread with a small stack
 * (default PTHREAD_STACK_MIN, 16 KiB, as programs with many threads or a
 * runtime's worker threads use) makes hooked calls, the STEPS named
 * (default all of them, in this order): "calls" open, write, close,
 * stat; "spawn" posix_spawn; "fork" fork, the child exits; "forkexec"
 * fork and exec; "exec" an exec of this program in place ("again").
 * Hooks must fit in what is left of such a stack.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char *self;
static char size_arg[24];
static const char *steps = "calls,spawn,fork,forkexec,exec";

static int step(const char *name)
{
	size_t n = strlen(name);

	for (const char *p = steps; (p = strstr(p, name)); p += n)
		if ((p == steps || p[-1] == ',') && (!p[n] || p[n] == ','))
			return 1;
	return 0;
}

static int code_of(pid_t pid)
{
	int status;

	if (pid <= 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) :
				   128 + WTERMSIG(status);
}

static void *work(void *arg)
{
	char *sh_argv[] = { "sh", "-c", "exit 6", NULL };
	char *again[] = { self, size_arg, "again", NULL };
	struct stat st;
	pid_t pid;
	int fd;

	(void)arg;
	if (step("calls")) {
		fd = open("/dev/null", O_WRONLY);
		printf("calls ok=%d\n", fd >= 0 && write(fd, "s", 1) == 1 &&
		       close(fd) == 0 && stat("/dev/null", &st) == 0);
		fflush(stdout);
	}
	if (step("spawn")) {
		printf("posix_spawn rc=%d", posix_spawn(&pid, "/bin/sh", NULL,
							 NULL, sh_argv,
							 environ));
		printf(" exit=%d\n", code_of(pid));
		fflush(stdout);
	}
	if (step("fork")) {
		pid = fork();
		if (pid == 0)
			_exit(5);
		printf("fork child exit=%d\n", code_of(pid));
		fflush(stdout);
	}
	if (step("forkexec")) {
		pid = fork();
		if (pid == 0) {
			execv("/bin/sh", sh_argv);
			_exit(127);
		}
		printf("fork+exec child exit=%d\n", code_of(pid));
		fflush(stdout);
	}
	if (step("exec")) {
		execv(self, again);
		_exit(127);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	size_t size = argc > 1 ? strtoul(argv[1], NULL, 0) : PTHREAD_STACK_MIN;
	pthread_attr_t attr;
	pthread_t t;

	if (argc > 2 && !strcmp(argv[2], "again")) {
		printf("exec'd again from the small thread\n");
		return 0;
	}
	self = argv[0];
	if (argc > 2)
		steps = argv[2];
	snprintf(size_arg, sizeof(size_arg), "%zu", size);
	pthread_attr_init(&attr);
	if (pthread_attr_setstacksize(&attr, size) != 0 ||
	    pthread_create(&t, &attr, work, NULL) != 0)
		return 1;
	pthread_join(t, NULL);
	return step("exec");
}
