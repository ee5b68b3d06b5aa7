// SPDX-License-Identifier: MIT
/*
 * The least a tracer can cost that keeps keke's record-file contract
 * (records in a file mapped shared, so that a SIGKILL loses none, one
 * file per process image): preloaded, every image creates a file in
 * KEKE_DIR, reserves and maps a 16 KiB region of it per thread (copied
 * further into the file with pwrite when full, and started again), writes
 * a record at start and at exit, and read(), write(), open(), close(),
 * stat() and unlink() each append a 32-byte record (two clock reads, the
 * call, an fd or a path's address, a count and the result: no path's
 * bytes, which makes it a floor for W2 too). Nothing else: no format a
 * merge could read, no other hooks, no care for signals, vfork or exec.
 * Measured next to libkeke.so, it shows what of keke's cost is the
 * contract itself on this machine.
 *
 * With KEKE_FLOOR_BUFFER=1 it keeps no file: each thread writes its
 * records round and round a 64 KiB buffer of its own, which loses them
 * all. What is left is the least any tracer that times each call pays:
 * the forwarding, two clock reads and a 32-byte store.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define REGION_SIZE (16u * 1024)
#define RECORD_SIZE 32u
#define BUFFER_SIZE (64u * 1024)

static struct {
	bool in_buffer;		/* KEKE_FLOOR_BUFFER: no file at all */
	int fd;			/* the record file, -1 when none yet */
	unsigned generation;	/* bumped in a fork child: regions are stale */
	off_t next;		/* atomic: where the next region starts */
} file = { false, -1, 1, 0 };

static __thread struct {
	uint8_t *cur, *end, *start;
	unsigned generation;	/* of the file the region is in */
} region;

/* Mapped on a thread's first record, not a __thread array: ld.so zeroes
 * a module's whole TLS block in every image at start, which would charge
 * each process 16 first touches of a page that a tracer need not pay. */
static __thread uint8_t *buffer;

static ssize_t (*real_read)(int, void *, size_t);
static ssize_t (*real_write)(int, const void *, size_t);
static int (*real_open)(const char *, int, ...);
static int (*real_close)(int);
static int (*real_stat)(const char *, struct stat *);
static int (*real_unlink)(const char *);

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
	/* Not open(), which is hooked here. */
	file.fd = (int)syscall(SYS_openat, AT_FDCWD, path,
			       O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

/* A fork child makes a file of its own when it first records. */
static void after_fork(void)
{
	file.fd = -1;
	file.generation++;
}

/*
 * Gives the calling thread room for more records. Each thread writes into
 * one region of the file, mapped (as keke's writer does with its chunks):
 * when it is full, its records are copied further into the file with
 * pwrite and the region is started again, so that the thread's records
 * always go to the same few pages.
 */
static bool new_region(void)
{
	if (file.in_buffer) {
		if (!buffer) {
			void *p = mmap(NULL, BUFFER_SIZE, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				return false;
			buffer = p;
		}
		region.generation = file.generation;
		region.start = region.cur = buffer;
		region.end = buffer + BUFFER_SIZE;
		return true;
	}
	if (region.generation == file.generation && region.start) {
		size_t used = (size_t)(region.cur - region.start);
		off_t off = __atomic_fetch_add(&file.next, (off_t)REGION_SIZE,
					       __ATOMIC_RELAXED);

		if (fallocate(file.fd, 0, off, (off_t)REGION_SIZE) != 0 ||
		    pwrite(file.fd, region.start, used, off) != (ssize_t)used)
			return false;
		memset(region.start, 0, used);
		region.cur = region.start;
		return true;
	}
	region.generation = file.generation;
	region.cur = region.end = region.start = NULL;
	if (file.fd < 0)
		make_file();
	if (file.fd < 0)
		return false;
	off_t off = __atomic_fetch_add(&file.next, (off_t)REGION_SIZE,
				       __ATOMIC_RELAXED);
	void *p = MAP_FAILED;

	if (fallocate(file.fd, 0, off, (off_t)REGION_SIZE) == 0)
		p = mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
			 file.fd, off);
	if (p == MAP_FAILED)
		return false;
	madvise(p, REGION_SIZE, MADV_POPULATE_WRITE);
	region.start = region.cur = p;
	region.end = region.start + REGION_SIZE;
	return true;
}

static void record(uint32_t call, uint64_t t0, uint64_t what, size_t count,
		   ssize_t result)
{
	int err = errno;

	if ((region.generation == file.generation &&
	     region.cur + RECORD_SIZE <= region.end) || new_region()) {
		uint8_t *p = region.cur;

		region.cur += RECORD_SIZE;
		uint64_t words[4] = { t0, now() - t0,
				      (uint64_t)call << 48 ^ what,
				      (uint64_t)count << 32 |
				      (uint32_t)result };

		memcpy(p, words, sizeof(words));
	}
	errno = err;
}

static void resolve(void)
{
	real_read = dlsym(RTLD_NEXT, "read");
	real_write = dlsym(RTLD_NEXT, "write");
	real_open = dlsym(RTLD_NEXT, "open");
	real_close = dlsym(RTLD_NEXT, "close");
	real_stat = dlsym(RTLD_NEXT, "stat");
	real_unlink = dlsym(RTLD_NEXT, "unlink");
}

/* Times @call (an expression of the real function), records it as
 * @id with @what and @count, and returns its result. */
#define FLOOR_HOOK(id, what, count, call)			\
	do {							\
		if (!real_unlink)				\
			resolve();				\
		uint64_t t0 = now();				\
		__typeof__(call) rv = call;			\
								\
		record(id, t0, (uint64_t)(what), count, rv);	\
		return rv;					\
	} while (0)

ssize_t read(int fd, void *buf, size_t count)
{
	FLOOR_HOOK(1, fd, count, real_read(fd, buf, count));
}

ssize_t write(int fd, const void *buf, size_t count)
{
	FLOOR_HOOK(2, fd, count, real_write(fd, buf, count));
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	FLOOR_HOOK(4, (uintptr_t)path, (size_t)flags,
		   real_open(path, flags, mode));
}

int close(int fd)
{
	FLOOR_HOOK(5, fd, 0, real_close(fd));
}

int stat(const char *path, struct stat *st)
{
	FLOOR_HOOK(6, (uintptr_t)path, 0, real_stat(path, st));
}

int unlink(const char *path)
{
	FLOOR_HOOK(7, (uintptr_t)path, 0, real_unlink(path));
}

__attribute__((constructor)) static void start(void)
{
	if (!real_read)
		resolve();
	pthread_atfork(NULL, NULL, after_fork);
	file.in_buffer = getenv("KEKE_FLOOR_BUFFER") != NULL;
	if (!file.in_buffer)
		make_file();
	record(0, now(), 0, 0, 0);
}

__attribute__((destructor)) static void stop(void)
{
	record(3, now(), 0, 0, 0);
}
