// SPDX-License-Identifier: MIT
/*
 * Reading /proc/self/io at the end of a process image (proc_io.h): one
 * open, one read, one close, all raw system calls, into a buffer on the
 * stack. The fd lives only between the open and the close, with
 * O_CLOEXEC, so a fork or exec on another thread meanwhile does not
 * carry it.
 */
#include "runtime/proc_io.h"

#include <fcntl.h>
#include <sys/syscall.h>

#include "raw_syscall.h"
#include "record/once.h"
#include "runtime/text.h"

/* The counters' names as the kernel writes them, in key order. A table
 * of arrays, not of pointers: nothing here for the loader to relocate. */
static const char names[KEKE_PROC_IO_N][24] = {
	"rchar", "wchar", "syscr", "syscw", "read_bytes", "write_bytes",
	"cancelled_write_bytes",
};

/* Which counter the @n bytes at @name are, or -1. */
static KEKE_ONCE int counter_of(const char *name, size_t n)
{
	for (int i = 0; i < KEKE_PROC_IO_N; i++)
		if (n < sizeof(names[i]) && !names[i][n] &&
		    keke_same_bytes(names[i], name, n))
			return i;
	return -1;
}

KEKE_ONCE void keke_proc_io_parse(const char *text, size_t len,
				  struct keke_proc_io *io)
{
	const char *p = text, *end = text + len;

	io->have = 0;
	while (p < end) {
		const char *name = p;
		int64_t v = 0;
		bool digits = false;
		int i;

		while (p < end && *p != ':' && *p != '\n')
			p++;
		i = p < end && *p == ':' ? counter_of(name, (size_t)(p - name))
					 : -1;
		if (p < end && *p == ':')
			p++;
		while (p < end && *p == ' ')
			p++;
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			digits = true;
			if (v <= (INT64_MAX - 9) / 10)
				v = v * 10 + (*p - '0');
		}
		/* A value cut by the end of the text is not taken. */
		if (i >= 0 && digits && p < end && *p == '\n') {
			io->v[i] = v;
			io->have |= 1u << i;
		}
		while (p < end && *p != '\n')
			p++;
		p++;
	}
}

KEKE_ONCE void keke_proc_io_read(struct keke_proc_io *io)
{
	char buf[512];
	long fd, n;

	io->have = 0;
	fd = keke_raw_syscall(SYS_openat, AT_FDCWD, (long)"/proc/self/io",
			      O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return;
	n = keke_raw_syscall(SYS_read, fd, (long)buf, sizeof(buf), 0);
	keke_raw_syscall(SYS_close, fd, 0, 0, 0);
	if (n > 0)
		keke_proc_io_parse(buf, (size_t)n, io);
}
