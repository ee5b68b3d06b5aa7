/* SPDX-License-Identifier: MIT */
/*
 * What an fd is, as the kernel names it in /proc/self/fd: a path (with
 * " (deleted)" after an unlinked file's), or "pipe:[1234]",
 * "socket:[5678]", "anon_inode:[eventfd]". For a record of an fd that
 * glibc made where no hook saw the open (tmpfile), and for the fds a root
 * process starts with.
 */
#ifndef KEKE_FD_NAME_H
#define KEKE_FD_NAME_H

#include <fcntl.h>
#include <stddef.h>
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

#endif
