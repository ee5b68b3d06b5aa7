// SPDX-License-Identifier: MIT
/*
 * t_exec_near_arg_max CALL ENV [over]: runs itself with an environment as
 * large as the kernel takes with its arguments, or, with "over", one byte
 * larger, which fails with E2BIG. The environment is ENV and variables
 * "V=abc..." that fill it up:
 *	own		none else: an envp of its own making, without
 *			LD_PRELOAD or KEKE_*
 *	inherited	its own environment, which under keke holds keke's
 *			variables; the limit is found for it without them
 *			(KEKE_*, and libkeke.so in LD_PRELOAD), as it is
 *			bare (run it with env -i, so that bare it has none
 *			either; LD_PRELOAD may name other libraries)
 * CALL is how:
 *	execve		execve
 *	execle		execle
 *	posix_spawn	posix_spawn, then waits for the child
 *	vfork		vfork, then execve in the child
 * So whatever an exec hook adds, or leaves of its own, goes over the
 * limit; the call must work, or fail with E2BIG, as it does bare.
 *
 * The stack limit is lowered to 1 MiB first, which makes the kernel's
 * limit on arguments and environment 256 KiB; the limit is then found by
 * probing out of sight of any hook (clone and the raw execve system call).
 * The new image checks that it got the environment built, and nothing of
 * keke's, and says so (and shows its LD_PRELOAD).
 *
 * argv of an image: self, "check" or "probe", the bytes of environment
 * strings it is to get (NULs counted, eight digits).
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define STACK_LIMIT (1L << 20)
#define VAR_BYTES 4096		/* each variable, with its NUL */
#define MAX_FILL (8L << 20)	/* more than the kernel takes */

extern char **environ;

static char *self;
static char **base;		/* ENV */
static size_t nbase;
static char **bare_base;	/* ENV as it is bare, without keke's */
static size_t nbare;
static long bare_bytes;		/* its strings, NULs counted */
static char **env;		/* what an image gets */
static char *arena;		/* MAX_FILL bytes of variables */
static char tail[VAR_BYTES];
static char total_arg[24];
static char *args[4];

/* The byte at @i of every variable that fills: "V=abc...". */
static char pattern(long i)
{
	return i == 0 ? 'V' : i == 1 ? '=' : (char)('a' + (i - 2) % 26);
}

/* Whether @var is one of keke's, or names libkeke.so. */
static bool kekes(const char *var)
{
	return !strncmp(var, "KEKE_", 5) || strstr(var, "libkeke.so");
}

/* The LD_PRELOAD variable @var without libkeke.so, as it is bare (@var
 * itself when it does not name it), or NULL when nothing else is left. */
static char *without_libkeke(char *var)
{
	char *out, *w;
	const char *s = var + 11;

	if (!strstr(var, "libkeke.so"))
		return var;
	out = strdup(var);
	if (!out)
		return NULL;
	w = out + 11;
	while (*s) {
		size_t n = strcspn(s, ": "), seps = strspn(s + n, ": ");
		size_t k = strlen("libkeke.so");

		if (n < k || strncmp(s + n - k, "libkeke.so", k)) {
			memcpy(w, s, n + seps);
			w += n + seps;
		}
		s += n + seps;
	}
	while (w > out + 11 && (w[-1] == ':' || w[-1] == ' '))
		w--;
	*w = '\0';
	if (w == out + 11) {
		free(out);
		return NULL;
	}
	return out;
}

/* Fills bare_base with ENV as it is bare. */
static int find_bare_base(void)
{
	bare_base = calloc(nbase + 1, sizeof(*bare_base));
	if (!bare_base)
		return -1;
	for (size_t i = 0; i < nbase; i++) {
		char *var = base[i];

		if (!strncmp(var, "LD_PRELOAD=", 11))
			var = without_libkeke(var);
		else if (kekes(var))
			var = NULL;
		if (var) {
			bare_base[nbare++] = var;
			bare_bytes += (long)strlen(var) + 1;
		}
	}
	return 0;
}

/*
 * Fills env[] with ENV (as it is bare unless @with_kekes) and @fill bytes
 * of variables, VAR_BYTES each and a shorter last one (a start of the
 * same, "V" or even ""); and args[] for an image in @mode, which is to get
 * ENV as it is bare and the @fill bytes.
 */
static void build(const char *mode, long fill, bool with_kekes)
{
	long total = bare_bytes + fill;
	size_t n = 0;
	char *p = arena;

	if (with_kekes)
		for (size_t i = 0; i < nbase; i++)
			env[n++] = base[i];
	else
		for (size_t i = 0; i < nbare; i++)
			env[n++] = bare_base[i];
	for (; fill >= VAR_BYTES; fill -= VAR_BYTES, p += VAR_BYTES)
		env[n++] = p;
	if (fill) {
		for (long j = 0; j < fill - 1; j++)
			tail[j] = pattern(j);
		tail[fill - 1] = '\0';
		env[n++] = tail;
	}
	env[n] = NULL;
	snprintf(total_arg, sizeof(total_arg), "%08ld", total);
	args[0] = self;
	args[1] = (char *)mode;
	args[2] = total_arg;
	args[3] = NULL;
}

/* In a clone sharing our memory: exec the probe, or exit 99. */
static int probe(void *unused)
{
	(void)unused;
	syscall(SYS_execve, self, args, env);
	syscall(SYS_exit, 99);
	return 99;
}

/* Whether the kernel execs a probe with @fill bytes to fill. */
static bool fits(long fill)
{
	static char stack[65536] __attribute__((aligned(16)));
	int status;
	pid_t pid;

	build("probe", fill, false);
	pid = clone(probe, stack + sizeof(stack), CLONE_VM | CLONE_VFORK |
		    SIGCHLD, NULL);
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The most bytes to fill that fit, or -1. */
static long find_limit(void)
{
	long lo = 0, hi = MAX_FILL;

	if (!fits(lo) || fits(hi))
		return -1;
	while (hi - lo > 1) {
		long mid = lo + (hi - lo) / 2;

		if (fits(mid))
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The new image: whether it got the environment built, and none of
 * keke's variables. */
static int check(const char *total_s)
{
	long total = atol(total_s), got = 0;
	bool filled = true, clean = true;

	for (char **e = environ; *e; e++) {
		size_t n = strlen(*e);

		got += (long)n + 1;
		clean &= !kekes(*e);
		if (!strncmp(*e, "LD_PRELOAD=", 11))
			printf("new image: %s\n", *e);
		if (n < 2 || !strncmp(*e, "V=", 2))
			for (size_t j = 0; j < n; j++)
				filled &= (*e)[j] == pattern((long)j);
	}
	if (!clean)
		printf("new image: keke's variables\n");
	else if (!filled || got != total)
		printf("new image: another environment (%ld bytes, not %ld)\n",
		       got, total);
	else
		printf("new image: the environment as built\n");
	return 0;
}

/* Makes the call @call with args[] and env[]; says what came of it. */
static int run(const char *call)
{
	pid_t pid;
	int status, rc;

	fflush(stdout);
	if (!strcmp(call, "execve")) {
		execve(self, args, env);
	} else if (!strcmp(call, "execle")) {
		execle(self, args[0], args[1], args[2], (char *)NULL, env);
	} else if (!strcmp(call, "posix_spawn")) {
		rc = posix_spawn(&pid, self, NULL, NULL, args, env);
		if (rc) {
			printf("posix_spawn: %s\n", strerror(rc));
			return 0;
		}
		if (waitpid(pid, &status, 0) != pid)
			return 1;
		printf("child: exit %d\n", WEXITSTATUS(status));
		return 0;
	} else if (!strcmp(call, "vfork")) {
		pid = vfork();
		if (pid == 0) {
			execve(self, args, env);
			_exit(errno == E2BIG ? 7 : 8);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid)
			return 1;
		printf("child: exit %d\n", WEXITSTATUS(status));
		return 0;
	} else {
		fprintf(stderr, "unknown call %s\n", call);
		return 2;
	}
	printf("%s: %s\n", call, strerror(errno));
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit stack;
	long limit;

	if (argc > 1 && !strcmp(argv[1], "probe"))
		return 0;
	if (argc > 2 && !strcmp(argv[1], "check"))
		return check(argv[2]);
	if (argc < 3 || (strcmp(argv[2], "own") &&
			 strcmp(argv[2], "inherited"))) {
		fprintf(stderr, "usage: t_exec_near_arg_max CALL own|inherited "
			"[over]\n");
		return 2;
	}
	self = argv[0];
	if (!strcmp(argv[2], "inherited")) {
		base = environ;
		while (base[nbase])
			nbase++;
	}
	if (getrlimit(RLIMIT_STACK, &stack) == 0 &&
	    (stack.rlim_max == RLIM_INFINITY ||
	     stack.rlim_max >= (rlim_t)STACK_LIMIT)) {
		stack.rlim_cur = STACK_LIMIT;
		setrlimit(RLIMIT_STACK, &stack);
	}
	env = malloc((nbase + (size_t)(MAX_FILL / VAR_BYTES) + 2) *
		     sizeof(*env));
	arena = malloc((size_t)MAX_FILL);
	if (!env || !arena || find_bare_base())
		return 1;
	/* Variables of VAR_BYTES, each ending in a NUL. */
	for (long i = 0; i < MAX_FILL; i++)
		arena[i] = (i + 1) % VAR_BYTES ? pattern(i % VAR_BYTES) : '\0';
	limit = find_limit();
	if (limit < 0) {
		printf("cannot find the limit\n");
		return 1;
	}
	if (argc > 3 && !strcmp(argv[3], "over"))
		limit++;
	build("check", limit, true);
	return run(argv[1]);
}
