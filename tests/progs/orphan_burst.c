// SPDX-License-Identifier: MIT
/*
 * orphan_burst N READY GO: makes N orphans that exit at once (each child
 * forks a grandchild and exits; the grandchild exits too), waits until
 * every one has exited, creates the file READY, and goes on running until
 * the file GO exists (a minute at most). Meanwhile, whoever adopts the
 * orphans of its run shows whether they stay zombies.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const struct timespec tick = { 0, 10000000 };
	int n, fds[2], fd;
	char c;

	if (argc != 4) {
		fprintf(stderr, "usage: orphan_burst N READY GO\n");
		return 2;
	}
	n = atoi(argv[1]);
	if (pipe(fds) != 0) {
		perror("pipe");
		return 1;
	}
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("fork");
			return 1;
		}
		if (pid == 0) {
			/* Child and grandchild both hold the pipe's write
			 * end until they exit. */
			close(fds[0]);
			fork();
			_exit(0);
		}
		if (waitpid(pid, NULL, 0) != pid) {
			perror("waitpid");
			return 1;
		}
	}
	close(fds[1]);
	/* End of file: every orphan has exited. */
	while (read(fds[0], &c, 1) > 0)
		;
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(argv[2]);
		return 1;
	}
	close(fd);
	for (int i = 0; i < 6000 && access(argv[3], F_OK) != 0; i++)
		nanosleep(&tick, NULL);
	return 0;
}
