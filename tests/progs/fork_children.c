// SPDX-License-Identifier: MIT
/*
 * Forks N children (argv[1], default 3); child i exits with status i + 1.
 * The parent reaps them in order, prints each status, and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	pid_t pids[64];

	if (n < 0 || n > 64)
		return 2;
	for (int i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0) {
			perror("fork");
			return 1;
		}
		if (pids[i] == 0)
			exit(i + 1);
	}
	for (int i = 0; i < n; i++) {
		int status;

		if (waitpid(pids[i], &status, 0) < 0) {
			perror("waitpid");
			return 1;
		}
		printf("child exited %d\n", WEXITSTATUS(status));
	}
	return 0;
}
