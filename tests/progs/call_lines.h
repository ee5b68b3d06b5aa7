/* SPDX-License-Identifier: MIT */
/*
 * What the programs that print their calls share (file_calls, fd_calls,
 * meta_calls): each call is made with RUN, then printed as
 * "name key=value ...", which end() finishes with " result=R errno=E"
 * (0 on success). The test compares those lines with what keke recorded.
 */
#ifndef KEKE_CALL_LINES_H
#define KEKE_CALL_LINES_H

#include <errno.h>
#include <stdio.h>

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
static char *at(const char *name)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

/* Ends a line with the result and the errno seen (0 on success). */
static void end(long long result, int e)
{
	printf(" result=%lld errno=%d\n", result, result < 0 ? e : 0);
}

#endif
