// SPDX-License-Identifier: MIT
/*
 * What the machine charges for the things every traced process does once:
 * `floor DIR` prints, in microseconds, a system call, the first touch of a
 * page, creating (then removing) a small file in DIR, and filling a page
 * of a file in DIR mapped shared and populated ahead (as keke's records
 * are written). A tracer that writes a file per process pays the third
 * and a handful of the second in every process, whatever its code does,
 * and the last for every 4 KiB of records.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 2000

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

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

	size_t size = (size_t)ROUNDS * 4096;
	int fd;

	snprintf(path, sizeof(path), "%s/floor-mapped", dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || fallocate(fd, 0, 0, (off_t)size) != 0)
		return 1;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	unlink(path);
	if (p == MAP_FAILED)
		return 1;
	t = now_us();
	madvise(p, size, MADV_POPULATE_WRITE);
	for (int i = 0; i < ROUNDS; i++)
		memset(p + (size_t)i * 4096, 1, 4096);
	printf("mapped_page_us %.2f\n", (now_us() - t) / ROUNDS);
	return 0;
}
