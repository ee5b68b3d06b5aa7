// SPDX-License-Identifier: MIT
/*
 * t_file_size_limit PATH BYTES EVENTS [ignore]: meant to run under a small
 * RLIMIT_FSIZE (ulimit -f). Writes BYTES to PATH in 1 KiB writes, then
 * EVENTS writes to /dev/null, and forks a child that does as many. keke's
 * own files must never make the kernel send SIGXFSZ: the program is
 * killed by it (exit 153) only when BYTES itself goes over the limit, and
 * with "ignore" (SIGXFSZ ignored) sees EFBIG instead, as without keke.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static long events_to_devnull(long n)
{
	int fd = open("/dev/null", O_WRONLY);
	long done = 0;

	for (long i = 0; i < n; i++)
		done += write(fd, "x", 1) == 1;
	close(fd);
	return done;
}

int main(int argc, char **argv)
{
	char buf[1024];
	long bytes, events, written = 0;
	int fd, err = 0, status;
	pid_t child;

	if (argc < 4)
		return 2;
	bytes = atol(argv[2]);
	events = atol(argv[3]);
	if (argc > 4 && !strcmp(argv[4], "ignore"))
		signal(SIGXFSZ, SIG_IGN);
	memset(buf, 'f', sizeof(buf));
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 1;
	while (written < bytes) {
		long n = bytes - written > 1024 ? 1024 : bytes - written;
		ssize_t got = write(fd, buf, (size_t)n);

		if (got < 0) {
			err = errno;
			break;
		}
		written += got;
	}
	close(fd);
	printf("wrote=%ld errno=%s\n", written,
	       err ? strerrorname_np(err) : "0");
	fflush(stdout);
	printf("events=%ld\n", events_to_devnull(events));
	fflush(stdout);
	child = fork();
	if (child == 0)
		_exit(events_to_devnull(events) == events ? 0 : 1);
	waitpid(child, &status, 0);
	printf("child status=%d\n", status);
	return 0;
}
