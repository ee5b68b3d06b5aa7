/* SPDX-License-Identifier: MIT */
/*
 * The trace id and W3C trace context of a `keke run` (run_context.c): what
 * it takes from its environment, and what it hands its command.
 */
#ifndef KEKE_RUN_CONTEXT_H
#define KEKE_RUN_CONTEXT_H

#include <stdbool.h>

struct run_context {
	char trace_id[33];	/* the run's, as KEKE_TRACE_ID gives it */
	bool has_parent;	/* the run continues a span from outside */
	char parent_span[17];	/* its span id */
	char flags[3];		/* its trace flags */
	bool out;		/* each image's program gets TRACEPARENT */
};

/*
 * Settles the run's context into @ctx: the trace id is KEKE_TRACE_ID when
 * the user set a valid one, else TRACEPARENT's, else a random one; the
 * parent is TRACEPARENT's span when it is of that trace. @out is 1 for
 * --traceparent, 0 for --no-traceparent, -1 for neither: then as
 * KEKE_TRACEPARENT says, else on when TRACEPARENT is valid. A malformed
 * TRACEPARENT or KEKE_TRACE_ID is ignored, with one warning on stderr.
 * Returns 0, or -1 after printing why no trace id could be made.
 */
int keke_run_context(int out, struct run_context *ctx);

/* Puts @ctx into the environment of the command (KEKE_TRACE_ID,
 * KEKE_TRACEPARENT, and the parent span for its first image). Returns 0,
 * or -1 with errno set. */
int keke_run_context_export(const struct run_context *ctx);

#endif
