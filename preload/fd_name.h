/* SPDX-License-Identifier: MIT */
/*
 * What an fd is, as the kernel names it in /proc/self/fd: a path (with
 * " (deleted)" after an unlinked file's), or "pipe:[1234]",
 * "socket:[5678]", "anon_inode:[eventfd]". For a record of an fd that
 * glibc made where no hook saw the open (tmpfile), and for the fds an
 * image starts with; and the inode in a pipe's or socket's name.
 */
#ifndef KEKE_FD_NAME_H
#define KEKE_FD_NAME_H

#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "raw_syscall.h"
#include "runtime/text.h"

/*
 * Reads the name of @fd into @buf (@size bytes, no NUL added) with one
 * readlink: no allocation, no lock, errno left alone. Returns its length,
 * or 0 when @fd is not open or /proc cannot say.
 */
static inline size_t keke_fd_name(int fd, char *buf, size_t size)
{
	char link[32];
	struct keke_text t = keke_text_start(link, sizeof(link));
	long n;

	keke_text_add(&t, "/proc/self/fd/");
	keke_text_add_u64(&t, (unsigned)fd);
	n = keke_raw_syscall(SYS_readlinkat, AT_FDCWD, (long)link, (long)buf,
			     (long)size);
	return n > 0 ? (size_t)n : 0;
}

/* The inode of @fd, by which the kernel names a pipe or socket
 * ("pipe:[N]"), with one fstat; 0 when it cannot say. errno is left
 * alone. */
static inline int64_t keke_fd_inode(int fd)
{
	struct stat st;

	if (keke_raw_syscall(SYS_fstat, fd, (long)&st, 0, 0) < 0)
		return 0;
	return (int64_t)st.st_ino;
}

#endif
