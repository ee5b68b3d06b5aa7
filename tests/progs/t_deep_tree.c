// SPDX-License-Identifier: MIT
/*
 * t_deep_tree DEPTH: a chain of DEPTH + 1 processes, each forking the
 * next and waiting for it; the last exits 0 and each other one exits with
 * its child's code plus one, so the first prints DEPTH. Each level also
 * writes once to /dev/null.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int level(int left)
{
	int fd = open("/dev/null", O_WRONLY), status;
	pid_t pid;

	if (fd < 0 || write(fd, "l", 1) != 1)
		return 200;
	close(fd);
	if (!left)
		return 0;
	pid = fork();
	if (pid == 0)
		_exit(level(left - 1));
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 201;
	return WEXITSTATUS(status) + 1;
}

int main(int argc, char **argv)
{
	int depth = argc > 1 ? atoi(argv[1]) : 50;
	int got = level(depth);

	printf("depth=%d returned=%d\n", depth, got);
	return got == depth ? 0 : 1;
}
