/* SPDX-License-Identifier: MIT */
/*
 * What the programs that print their calls share (file_calls, fd_calls,
 * meta_calls, net_calls): each call is made with RUN, then printed as
 * "name key=value ...", which end() finishes with " result=R errno=E"
 * (0 on success). The test compares those lines with what keke recorded.
 */
#ifndef KEKE_CALL_LINES_H
#define KEKE_CALL_LINES_H

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *dir;	/* where the calls make their files (argv[1]) */
static int err;		/* errno right after the last call */

/* Makes @call, keeping the errno it left before anything else runs. */
#define RUN(var, call)			\
	do {				\
		var = (call);		\
		err = errno;		\
	} while (0)

/* DIR/name in a rotating static buffer (writable: a template for
 * mkstemp is one). */
__attribute__((unused)) static char *at(const char *name)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

/* Adds " @key=N", N the inode of @fd (a pipe's or socket's, by which the
 * kernel names it), when @fd is open; fstat is made as a system call, so
 * that keke does not record it. */
__attribute__((unused)) static void print_inode(const char *key, int fd)
{
	struct stat st;

	if (fd >= 0 && syscall(SYS_fstat, fd, &st) == 0)
		printf(" %s=%llu", key, (unsigned long long)st.st_ino);
}

/* Ends a line with the result and the errno seen (0 on success). */
static void end(long long result, int e)
{
	printf(" result=%lld errno=%d\n", result, result < 0 ? e : 0);
}

#endif
