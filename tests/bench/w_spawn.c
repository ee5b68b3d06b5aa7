// SPDX-License-Identifier: MIT
/*
 * W3, the per-process cost: `w_spawn fork|spawn N` runs /bin/true N times
 * in sequence, either with fork + execv + waitpid or with posix_spawn +
 * waitpid. Exits 1 when a child cannot be started or does not exit 0.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Starts /bin/true once; returns its pid or -1. */
static pid_t start_true(int use_spawn)
{
	char *argv[] = { "true", NULL };
	pid_t pid;

	if (use_spawn)
		return posix_spawn(&pid, "/bin/true", NULL, NULL, argv,
				   environ) ? -1 : pid;
	pid = fork();
	if (pid == 0) {
		execv("/bin/true", argv);
		_exit(127);
	}
	return pid;
}

int main(int argc, char **argv)
{
	int use_spawn = argc > 1 && !strcmp(argv[1], "spawn");
	long n = argc > 2 ? atol(argv[2]) : 2000;
	int status;

	for (long i = 0; i < n; i++) {
		pid_t pid = start_true(use_spawn);

		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			fprintf(stderr, "w_spawn: child %ld failed\n", i);
			return 1;
		}
	}
	return 0;
}
