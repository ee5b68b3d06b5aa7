// SPDX-License-Identifier: MIT
/*
 * t_daemon MARKER MS: daemonizes as daemons do (fork, setsid, fork again,
 * stdio to /dev/null) and exits 4 at once; the daemon outlives it by MS
 * milliseconds, then writes its pid to MARKER and exits. keke run must
 * not wait for it past --wait, and must exit as the program did.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long ms = argc > 2 ? atol(argv[2]) : 1500;
	pid_t child;

	if (argc < 2)
		return 2;
	child = fork();
	if (child == 0) {
		setsid();
		if (fork() == 0) {
			struct timespec t = { ms / 1000, ms % 1000 * 1000000 };
			int fd = open("/dev/null", O_RDWR);
			FILE *f;

			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
			nanosleep(&t, NULL);
			f = fopen(argv[1], "w");
			if (f) {
				fprintf(f, "%d\n", (int)getpid());
				fclose(f);
			}
			_exit(0);
		}
		_exit(0);
	}
	waitpid(child, NULL, 0);
	printf("daemon started\n");
	return 4;
}
