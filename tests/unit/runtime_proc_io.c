// SPDX-License-Identifier: MIT
/*
 * The kernel's I/O counters as libkeke.so reads them at an image's end
 * (preload/runtime/proc_io.h): parsed from /proc/self/io's text whatever
 * it holds, read with errno kept and no fd left open, and simply left out
 * when no fd can be opened.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "runtime/proc_io.h"

static const char text[] =
	"rchar: 123456\n"
	"wchar: 789\n"
	"syscr: 12\n"
	"syscw: 3\n"
	"read_bytes: 4096\n"
	"write_bytes: 0\n"
	"cancelled_write_bytes: 17\n";

Test(proc_io, parses_every_counter)
{
	struct keke_proc_io io;
	static const int64_t want[KEKE_PROC_IO_N] = { 123456, 789, 12, 3,
						      4096, 0, 17 };

	keke_proc_io_parse(text, strlen(text), &io);
	cr_assert_eq(io.have, (1u << KEKE_PROC_IO_N) - 1);
	for (unsigned i = 0; i < KEKE_PROC_IO_N; i++)
		cr_assert_eq(io.v[i], want[i], "counter %u", i);
}

Test(proc_io, skips_what_it_does_not_know)
{
	static const char odd[] = "rchar: 5\n"
				  "future_counter: 9\n"
				  "wchar 6\n"		/* no colon */
				  "syscr: x\n"		/* no digits */
				  "read_bytesX: 1\n"	/* another name */
				  "syscw: 44";		/* cut: no newline */
	struct keke_proc_io io;

	keke_proc_io_parse(odd, strlen(odd), &io);
	cr_assert_eq(io.have, 1u, "only rchar: %#x", io.have);
	cr_assert_eq(io.v[0], 5);
	keke_proc_io_parse(text, 0, &io);
	cr_assert_eq(io.have, 0);
}

/* How many fds this process has open. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	cr_assert(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

Test(proc_io, reads_this_process_leaving_no_trace)
{
	struct keke_proc_io a, b;
	char buf[4096];
	int fds = open_fds(), fd;

	errno = 4242;
	keke_proc_io_read(&a);
	cr_assert_eq(errno, 4242, "errno changed");
	cr_assert_eq(open_fds(), fds, "an fd was left open");
	cr_assert(a.have & 3, "no rchar, wchar: %#x", a.have);
	fd = open("/dev/zero", O_RDONLY);
	cr_assert_eq(read(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
	keke_proc_io_read(&b);
	cr_assert_geq(b.v[0] - a.v[0], (int64_t)sizeof(buf));
	cr_assert_geq(b.v[2] - a.v[2], 1, "syscr counts the read");
}

Test(proc_io, no_fd_left_means_no_counters)
{
	struct rlimit old, none = { 0, 0 };
	struct keke_proc_io io;

	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	none.rlim_max = old.rlim_max;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &none), 0);
	errno = 77;
	keke_proc_io_read(&io);
	setrlimit(RLIMIT_NOFILE, &old);
	cr_assert_eq(io.have, 0);
	cr_assert_eq(errno, 77);
}
