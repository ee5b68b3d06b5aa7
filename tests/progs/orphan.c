// SPDX-License-Identifier: MIT
/*
 * A grandchild orphaned and reparented: the child forks a grandchild and
 * exits at once; the grandchild outlives it by 200 ms, then exits 3.
 * The program itself waits only for the child.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
	pid_t child = fork();

	if (child == 0) {
		if (fork() == 0) {
			struct timespec t = { 0, 200000000 };

			nanosleep(&t, NULL);
			_exit(3);
		}
		_exit(0);
	}
	waitpid(child, NULL, 0);
	printf("child reaped\n");
	return 0;
}
