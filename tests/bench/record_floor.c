// SPDX-License-Identifier: MIT
/*
 * The least a tracer can cost that keeps keke's record-file contract
 * (records in a file mapped shared, so that a SIGKILL loses none, one
 * file per process image): preloaded, every image creates a file in
 * KEKE_DIR, reserves and maps a region of it per thread, writes a record
 * at start and at exit, and read() and write() each append a 32-byte
 * record (two clock reads, the call, fd, count and result). Nothing else:
 * no format a merge could read, no other hooks, no care for signals,
 * vfork or exec. Measured next to libkeke.so, it shows what of keke's
 * cost is the contract itself on this machine.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define REGION_MIN (16u * 1024)
#define REGION_MAX (1024u * 1024)
#define RECORD_SIZE 32u

static struct {
	int fd;			/* the record file, -1 when none yet */
	unsigned generation;	/* bumped in a fork child: regions are stale */
	off_t next;		/* atomic: where the next region starts */
} file = { -1, 1, 0 };

static __thread struct {
	uint8_t *cur, *end, *start;
	unsigned generation;	/* of the file the region is in */
	size_t size;		/* the next region's */
} region;

static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);

static uint64_t now(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return __rdtsc();
#else
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
#endif
}

static void make_file(void)
{
	const char *dir = getenv("KEKE_DIR");
	char path[4096];

	file.fd = -1;
	file.next = 0;
	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/floor-%ld-%llu", dir,
		 (long)syscall(SYS_getpid), (unsigned long long)now());
	file.fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

/* A fork child makes a file of its own when it first records. */
static void after_fork(void)
{
	file.fd = -1;
	file.generation++;
}

/* Maps the calling thread a new region: 16 KiB first, twice as much each
 * time up to 1 MiB (as keke's writer grows its regions). */
static bool new_region(void)
{
	if (region.generation == file.generation && region.start)
		munmap(region.start, (size_t)(region.end - region.start));
	if (region.generation != file.generation) {
		region.generation = file.generation;
		region.size = REGION_MIN;
	}
	region.cur = region.end = region.start = NULL;
	if (file.fd < 0)
		make_file();
	if (file.fd < 0)
		return false;
	size_t size = region.size;
	off_t off = __atomic_fetch_add(&file.next, (off_t)size,
				       __ATOMIC_RELAXED);
	void *p = MAP_FAILED;

	if (fallocate(file.fd, 0, off, (off_t)size) == 0)
		p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 file.fd, off);
	if (p == MAP_FAILED)
		return false;
	madvise(p, size, MADV_POPULATE_WRITE);
	region.start = region.cur = p;
	region.end = region.start + size;
	if (region.size < REGION_MAX)
		region.size *= 2;
	return true;
}

static void record(uint32_t call, uint64_t t0, int fd, size_t count,
		   ssize_t result)
{
	int err = errno;

	if ((region.generation == file.generation &&
	     region.cur + RECORD_SIZE <= region.end) || new_region()) {
		uint8_t *p = region.cur;

		region.cur += RECORD_SIZE;
		uint64_t words[4] = { t0, now() - t0,
				      (uint64_t)call << 32 | (uint32_t)fd,
				      (uint64_t)count << 32 |
				      (uint32_t)result };

		memcpy(p, words, sizeof(words));
	}
	errno = err;
}

static void resolve(void)
{
	real_read = (ssize_t (*)(int, void *, size_t))dlsym(RTLD_NEXT, "read");
	real_write = (ssize_t (*)(int, const void *, size_t))dlsym(RTLD_NEXT,
								    "write");
}

ssize_t read(int fd, void *buf, size_t count)
{
	if (!real_read)
		resolve();
	uint64_t t0 = now();
	ssize_t n = real_read(fd, buf, count);

	record(1, t0, fd, count, n);
	return n;
}

ssize_t write(int fd, const void *buf, size_t count)
{
	if (!real_write)
		resolve();
	uint64_t t0 = now();
	ssize_t n = real_write(fd, buf, count);

	record(2, t0, fd, count, n);
	return n;
}

__attribute__((constructor)) static void start(void)
{
	if (!real_read)
		resolve();
	pthread_atfork(NULL, NULL, after_fork);
	make_file();
	record(0, now(), 0, 0, 0);
}

__attribute__((destructor)) static void stop(void)
{
	record(3, now(), 0, 0, 0);
}
