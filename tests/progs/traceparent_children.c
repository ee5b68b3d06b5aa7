// SPDX-License-Identifier: MIT
/*
 * traceparent_children [own]: starts itself as "show HOW" in each way a
 * program starts another, one at a time: system() (through sh), env -i,
 * execle with an environment of its own, and posix_spawn; and shows its
 * own first, as "root", and a fork child's, which execs nothing. Each "show" prints a line
 *	HOW PID TRACEPARENT TRACESTATE BAGGAGE
 * with "-" for a variable that is unset. With "own", it sets the three
 * variables itself first, and hands them to env -i and execle too: its
 * children must get them byte for byte, unless keke hands spans down.
 * `traceparent_children show HOW` shows alone.
 */
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define OWN_PARENT "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
#define OWN_STATE "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"
#define OWN_BAGGAGE "userId=alice,serverNode=DF%2028,isProduction=false"

static const char *or_dash(const char *name)
{
	const char *v = getenv(name);

	return v ? v : "-";
}

static int show(const char *how)
{
	printf("%s %d %s %s %s\n", how, (int)getpid(), or_dash("TRACEPARENT"),
	       or_dash("TRACESTATE"), or_dash("BAGGAGE"));
	return fflush(stdout) ? 1 : 0;
}

static void wait_for(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0) {
		fprintf(stderr, "a child failed\n");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	const char *self = argv[0];
	char *show_argv[] = { argv[0], "show", "posix_spawn", NULL };
	char *own_env[] = { "TRACEPARENT=" OWN_PARENT, "TRACESTATE=" OWN_STATE,
			    "BAGGAGE=" OWN_BAGGAGE, "FOO=1", NULL };
	char *bare_env[] = { "FOO=1", NULL };
	bool own = argc > 1 && !strcmp(argv[1], "own");
	char cmd[4096];
	pid_t pid;

	if (argc > 2 && !strcmp(argv[1], "show"))
		return show(argv[2]);
	if (own && (setenv("TRACEPARENT", OWN_PARENT, 1) ||
		    setenv("TRACESTATE", OWN_STATE, 1) ||
		    setenv("BAGGAGE", OWN_BAGGAGE, 1)))
		return 1;
	if (show("root"))
		return 1;
	pid = fork();
	if (pid == 0)
		_exit(show("fork"));
	wait_for(pid);
	snprintf(cmd, sizeof(cmd), "'%s' show sh", self);
	if (system(cmd) != 0)
		return 1;

	pid = fork();
	if (pid == 0) {
		if (own)
			execl("/usr/bin/env", "env", "-i", own_env[0],
			      own_env[1], own_env[2], self, "show", "env-i",
			      (char *)NULL);
		else
			execl("/usr/bin/env", "env", "-i", self, "show",
			      "env-i", (char *)NULL);
		_exit(127);
	}
	wait_for(pid);

	pid = fork();
	if (pid == 0) {
		execle(self, self, "show", "execle", (char *)NULL,
		       own ? own_env : bare_env);
		_exit(127);
	}
	wait_for(pid);

	if (posix_spawn(&pid, self, NULL, NULL, show_argv, environ) != 0)
		return 1;
	wait_for(pid);
	return 0;
}
