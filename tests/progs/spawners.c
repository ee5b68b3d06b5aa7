// SPDX-License-Identifier: MIT
/*
 * Every way a program starts another, each waited for and its status
 * printed: vfork+exec, posix_spawn, posix_spawnp, system(), popen() for
 * reading and for writing, execle with an empty environment, and an exec
 * of a path that does not exist (which fails and changes nothing).
 * `spawners EXIT_STATUS_PROG` (the exit_status test program).
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void report(const char *what, int status)
{
	printf("%s: exit %d\n", what, WIFEXITED(status) ?
	       WEXITSTATUS(status) : 128 + WTERMSIG(status));
	/* Children must not inherit unwritten output. */
	fflush(stdout);
}

static void reap(const char *what, pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		perror(what);
		exit(1);
	}
	report(what, status);
}

int main(int argc, char **argv)
{
	const char *prog = argc > 1 ? argv[1] : "/bin/true";
	char *child_argv[] = { "exit_status", "11", "exit", NULL };
	char *true_argv[] = { "true", NULL };
	char line[64];
	pid_t pid;
	FILE *f;

	pid = vfork();
	if (pid == 0) {
		execv(prog, child_argv);
		_exit(127);
	}
	reap("vfork", pid);

	if (posix_spawn(&pid, prog, NULL, NULL, child_argv, environ) != 0)
		return 1;
	reap("posix_spawn", pid);
	if (posix_spawnp(&pid, "true", NULL, NULL, true_argv, environ) != 0)
		return 1;
	reap("posix_spawnp", pid);

	report("system", system("exit 4"));

	f = popen("echo from-popen", "r");
	if (!f || !fgets(line, sizeof(line), f))
		return 1;
	printf("popen read: %s", line);
	fflush(stdout);
	report("pclose r", pclose(f));
	f = popen("cat > /dev/null; exit 6", "w");
	if (!f)
		return 1;
	fputs("data\n", f);
	report("pclose w", pclose(f));

	pid = fork();
	if (pid == 0) {
		execle(prog, "exit_status", "12", "exit", (char *)NULL,
		       (char *[]){ NULL });
		_exit(127);
	}
	reap("execle empty env", pid);

	pid = fork();
	if (pid == 0) {
		execl("/nonexistent/program", "nope", (char *)NULL);
		printf("exec failed: %s\n", strerror(errno));
		fflush(stdout);
		_exit(9);
	}
	reap("exec missing", pid);
	return 0;
}
