// SPDX-License-Identifier: MIT
#include "runtime/writer_sys.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "record/once.h"

static KEKE_ONCE int sys_open(const char *path, int flags, int mode)
{
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

static KEKE_ONCE int sys_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

static KEKE_ONCE ssize_t sys_read(int fd, void *buf, size_t n)
{
	return syscall(SYS_read, fd, buf, n);
}

static KEKE_ONCE int sys_fstat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

static KEKE_ONCE int sys_fallocate(int fd, int mode, off_t off, off_t len)
{
	return (int)syscall(SYS_fallocate, fd, mode, off, len);
}

static KEKE_ONCE ssize_t sys_pwrite(int fd, const void *buf, size_t n,
				    off_t off)
{
	return syscall(SYS_pwrite64, fd, buf, n, off);
}

static KEKE_ONCE void *sys_mmap(void *addr, size_t len, int prot, int flags,
				int fd, off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static KEKE_ONCE int sys_munmap(void *addr, size_t len)
{
	return (int)syscall(SYS_munmap, addr, len);
}

#define DEFAULTS                                                             \
	{                                                                    \
		.open = sys_open, .close = sys_close, .read = sys_read,      \
		.fstat = sys_fstat, .fallocate = sys_fallocate,              \
		.pwrite = sys_pwrite,                                        \
		.mmap = sys_mmap, .munmap = sys_munmap,                      \
	}

struct keke_writer_sys keke_writer_sys = DEFAULTS;

void keke_writer_sys_reset(void)
{
	keke_writer_sys = (struct keke_writer_sys)DEFAULTS;
}
