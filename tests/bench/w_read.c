// SPDX-License-Identifier: MIT
/*
 * W1, the per-call cost: `w_read N` reads one byte from /dev/zero N times
 * with read(2), each call its own syscall. Exits 1 when a read fails.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	char c;
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0) {
		perror("w_read: /dev/zero");
		return 1;
	}
	for (long i = 0; i < n; i++) {
		if (read(fd, &c, 1) != 1) {
			perror("w_read: read");
			return 1;
		}
	}
	close(fd);
	return 0;
}
