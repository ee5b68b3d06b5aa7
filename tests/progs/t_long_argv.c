// SPDX-License-Identifier: MIT
/*
 * t_long_argv [EXECS]: execs itself with the longest argument list the
 * kernel takes with its environment, EXECS times in a row (default 1),
 * so that anything an exec hook adds to the environment goes over the
 * limit. The limit is found by probing out of sight of any hook (clone,
 * the raw execve system call, and an environment of the same size that
 * preloads nothing), again in each image since its environment may
 * differ by a few bytes. Every exec must succeed as it does bare; each
 * new image checks that it got every byte, and the last says so.
 *
 * argv of an image: self, "check" or "probe", the total bytes of argv
 * (NULs counted), execs left (two digits), then pieces of "abc...".
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define ARG_BYTES 4096		/* each argument, with its NUL */
#define MIN_TOTAL (1L << 16)
#define MAX_TOTAL (16L << 20)	/* more than any kernel takes */

extern char **environ;

static char *self;
static char **probe_env;
static char *arena;		/* MAX_TOTAL bytes of pieces */
static char tail[ARG_BYTES];
static char **big;		/* room for the longest argv */

/* Fills big[] for @total bytes of argument strings: self, @mode, the
 * total, @left execs, then ARG_BYTES pieces and a shorter last one.
 * Returns argc, or -1 when @total is too small. */
static int build(const char *mode, char *total_buf, char *left_buf,
		 long total, int left_execs)
{
	long left;
	int argc = 0;

	big[argc++] = self;
	big[argc++] = (char *)mode;
	snprintf(total_buf, 24, "%ld", total);
	big[argc++] = total_buf;
	snprintf(left_buf, 4, "%02d", left_execs % 100);
	big[argc++] = left_buf;
	left = total - (long)(strlen(self) + strlen(mode) +
			      strlen(total_buf) + strlen(left_buf) + 4);
	if (left < 2)
		return -1;
	for (char *p = arena; left >= ARG_BYTES; p += ARG_BYTES) {
		big[argc++] = p;
		left -= ARG_BYTES;
	}
	if (left) {
		for (long j = 0; j < left - 1; j++)
			tail[j] = 'a' + (char)(j % 26);
		tail[left - 1] = '\0';
		big[argc++] = tail;
	}
	big[argc] = NULL;
	return argc;
}

/* In a clone sharing our memory: exec the probe, or exit 99. */
static int probe(void *unused)
{
	syscall(SYS_execve, self, big, probe_env);
	syscall(SYS_exit, 99);
	return 99;
}

/* Whether the kernel execs @total bytes of arguments. */
static int fits(long total)
{
	static char stack[65536] __attribute__((aligned(16)));
	char buf[24], left[4];
	int status;
	pid_t pid;

	/* "check" and "probe" have the same length. */
	if (build("probe", buf, left, total, 0) < 0)
		return 0;
	pid = clone(probe, stack + sizeof(stack), CLONE_VM | CLONE_VFORK |
		    SIGCHLD, NULL);
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The largest total that fits, searched near @guess when it is > 0. */
static long find_limit(long guess)
{
	long lo = MIN_TOTAL, hi = MAX_TOTAL;

	if (guess > 0 && fits(guess - 512) && !fits(guess + 512)) {
		lo = guess - 512;
		hi = guess + 512;
	} else if (!fits(lo) || fits(hi)) {
		return -1;
	}
	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;

		if (fits(mid))
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* Whether this image got its arguments as built. */
static int intact(int argc, char **argv)
{
	long total = atol(argv[2]), got = 0;
	int ok = 1;

	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		got += (long)n + 1;
		if (i >= 4)
			for (size_t j = 0; j < n; j++)
				ok &= argv[i][j] == 'a' + (char)(j % 26);
	}
	return ok && got == total;
}

/* An environment like ours with LD_PRELOAD renamed: the same size. */
static char **without_preload(void)
{
	size_t n = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 1, sizeof(*env));
	for (size_t i = 0; env && i < n; i++) {
		env[i] = environ[i];
		if (!strncmp(environ[i], "LD_PRELOAD=", 11)) {
			env[i] = strdup(environ[i]);
			if (!env[i])
				return NULL;
			env[i][0] = 'X';
		}
	}
	return env;
}

int main(int argc, char **argv)
{
	char total_buf[24], left_buf[4];
	long limit, guess = 0;
	int left = argc > 1 ? atoi(argv[1]) : 1;

	if (argc > 1 && !strcmp(argv[1], "probe"))
		return 0;
	if (argc > 4 && !strcmp(argv[1], "check")) {
		if (!intact(argc, argv)) {
			printf("new image: arguments damaged\n");
			return 1;
		}
		left = atoi(argv[3]);
		guess = atol(argv[2]);
		if (!left) {
			printf("last image: all arguments intact\n");
			return 0;
		}
	}
	self = argv[0];
	probe_env = without_preload();
	big = malloc((size_t)(MAX_TOTAL / ARG_BYTES + 8) * sizeof(*big));
	arena = malloc((size_t)MAX_TOTAL);
	if (!probe_env || !big || !arena)
		return 1;
	/* Pieces of "abc...", each ending in a NUL (at every ARG_BYTES). */
	for (long i = 0; i < MAX_TOTAL; i++)
		arena[i] = (i + 1) % ARG_BYTES ?
			   'a' + (char)(i % ARG_BYTES % 26) : '\0';
	limit = find_limit(guess);
	if (limit < 0) {
		printf("cannot find the limit\n");
		return 1;
	}
	fflush(stdout);
	build("check", total_buf, left_buf, limit, left - 1);
	execv(self, big);
	perror("execv at the limit");
	return 1;
}
