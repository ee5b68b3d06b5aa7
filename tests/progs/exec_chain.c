// SPDX-License-Identifier: MIT
/*
 * fork -> exec -> exec: `exec_chain N` forks a child that execs itself with
 * N-1, which execs itself with N-2, ... down to 0, which exits 5. The
 * parent waits and prints the child's status. One child process, N+1
 * images, each linked to the one before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static void exec_self(const char *self, int n)
{
	char arg[16];

	snprintf(arg, sizeof(arg), "%d", n);
	execl(self, "exec_chain", "child", arg, (char *)NULL);
	perror("execl");
	_exit(127);
}

int main(int argc, char **argv)
{
	int status;
	pid_t pid;

	if (argc == 3) {	/* a link of the chain */
		int n = atoi(argv[2]);

		if (n == 0)
			return 5;
		exec_self("/proc/self/exe", n - 1);
	}
	pid = fork();
	if (pid == 0)
		exec_self("/proc/self/exe", argc > 1 ? atoi(argv[1]) : 2);
	waitpid(pid, &status, 0);
	printf("child exited %d\n", WEXITSTATUS(status));
	return 0;
}
