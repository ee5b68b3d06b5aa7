// SPDX-License-Identifier: MIT
/*
 * Forks N children (argv[1], default 3); child i exits with status i + 1.
 * The parent reaps them, prints each status, and exits 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;

	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0)
			exit(i + 1);
	}
	for (int i = 0; i < n; i++) {
		int status;
		pid_t pid = wait(&status);

		if (pid < 0) {
			perror("wait");
			return 1;
		}
		printf("child exited %d\n", WEXITSTATUS(status));
	}
	return 0;
}
