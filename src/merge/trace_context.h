/* SPDX-License-Identifier: MIT */
/*
 * The run's W3C trace context (trace_context.c): the span outside the run
 * that its first image continued, as the metadata tells it.
 */
#ifndef KEKE_MERGE_TRACE_CONTEXT_H
#define KEKE_MERGE_TRACE_CONTEXT_H

#include "merge/model.h"

/*
 * Finds the file of the image that continued a span from outside the run
 * (record.h, remote_parent_span_id): the earliest of the trace of @first,
 * the run's earliest file. Sends its metadata remote_parent_span_id (16
 * hex digits) and trace_flags. Returns 0 or -1 (m->err set).
 */
int merge_context_begin(struct merge *m, const struct file_info *first);

/* What the process start @rec of @im tells of the trace context: the
 * TRACESTATE of the image that continued the span, and a TRACEPARENT a
 * bare-mode root refused (stats->bad_traceparent). */
void merge_context_process_start(struct merge *m, const struct image *im,
				 const struct keke_record *rec);

/* Sends the metadata trace_state, when one was told. Returns 0 or -1
 * (m->err set). */
int merge_context_end(struct merge *m);

#endif
