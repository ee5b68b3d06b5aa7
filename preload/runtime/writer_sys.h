/* SPDX-License-Identifier: MIT */
/*
 * The system calls the writer makes, as a table of function pointers.
 * The defaults are raw syscalls (never a hook, never the program's wrapper);
 * tests replace entries to inject failures (ENOSPC, EMFILE, ...).
 */
#ifndef KEKE_WRITER_SYS_H
#define KEKE_WRITER_SYS_H

#include <sys/stat.h>
#include <sys/types.h>

struct keke_writer_sys {
	int (*open)(const char *path, int flags, int mode);
	int (*close)(int fd);
	ssize_t (*read)(int fd, void *buf, size_t n);
	int (*fstat)(int fd, struct stat *st);
	int (*fallocate)(int fd, int mode, off_t off, off_t len);
	ssize_t (*pwrite)(int fd, const void *buf, size_t n, off_t off);
	void *(*mmap)(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off);
	int (*munmap)(void *addr, size_t len);
};

extern struct keke_writer_sys keke_writer_sys;

/* Puts back the default table (after a test changed it). */
void keke_writer_sys_reset(void);

#endif
