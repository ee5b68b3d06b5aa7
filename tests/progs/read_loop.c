// SPDX-License-Identifier: MIT
/*
 * read_loop N: N read(fd, buf, 1) calls on /dev/zero, the hot path of a
 * hook; prints "# reads=N" and the time per call on stderr.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000, done = 0;
	struct timespec a, b;
	char c;
	int fd = open("/dev/zero", O_RDONLY);

	if (fd < 0)
		return 1;
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		done += read(fd, &c, 1) == 1;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("# reads=%ld\n", done);
	fprintf(stderr, "%.1f ns per read\n",
		((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) /
		(n ? n : 1));
	return 0;
}
