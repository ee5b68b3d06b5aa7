/* SPDX-License-Identifier: MIT */
/*
 * What the programs that print the calls they make share (file_calls.c,
 * meta_calls.c): each call is made with RUN, on paths in the directory
 * the program was given, and printed as "name key=value ..." ended by
 * end() with its result and the errno it left.
 */
#ifndef KEKE_PRINTED_CALLS_H
#define KEKE_PRINTED_CALLS_H

#include <errno.h>
#include <stdio.h>

static const char *dir;	/* where the calls are made */
static int err;		/* errno right after the last call */

/* Makes @call, keeping the errno it left before anything else runs. */
#define RUN(var, call)			\
	do {				\
		var = (call);		\
		err = errno;		\
	} while (0)

/* DIR/name in a rotating static buffer. */
static const char *at(const char *name)
{
	static char bufs[4][4096];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

/* Ends a line with the result and the errno seen (0 on success). */
static void end(long long result, int e)
{
	printf(" result=%lld errno=%d\n", result, result < 0 ? e : 0);
}

#endif
