// SPDX-License-Identifier: MIT
/*
 * What the machine charges for the things every traced process does once:
 * `floor DIR` prints, in microseconds, a system call, the first touch of a
 * page, and creating (then removing) a small file in DIR. A tracer that
 * writes a file per process pays the last one and a handful of the second
 * in every process, whatever its code does.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 2000

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : ".";
	char path[4096];
	double t;
	char *p;

	t = now_us();
	for (int i = 0; i < ROUNDS; i++)
		syscall(SYS_getppid);
	printf("syscall_us %.2f\n", (now_us() - t) / ROUNDS);

	p = mmap(NULL, (size_t)ROUNDS * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 1;
	t = now_us();
	for (int i = 0; i < ROUNDS; i++)
		p[(size_t)i * 4096] = 1;
	printf("page_touch_us %.2f\n", (now_us() - t) / ROUNDS);

	t = now_us();
	for (int i = 0; i < ROUNDS; i++) {
		snprintf(path, sizeof(path), "%s/floor-%d", dir, i);
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);

		if (fd < 0 || write(fd, "x", 1) != 1)
			return 1;
		close(fd);
	}
	printf("file_create_us %.2f\n", (now_us() - t) / ROUNDS);
	for (int i = 0; i < ROUNDS; i++) {
		snprintf(path, sizeof(path), "%s/floor-%d", dir, i);
		unlink(path);
	}
	return 0;
}
