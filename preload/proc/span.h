/* SPDX-License-Identifier: MIT */
/*
 * This image's span in W3C trace context terms (span.c): its own span id,
 * the span outside the run that the run's first image continues, and the
 * TRACEPARENT the program gets when the run hands spans down
 * (KEKE_TRACEPARENT=1).
 */
#ifndef KEKE_SPAN_H
#define KEKE_SPAN_H

#include <stdint.h>

#include "runtime/writer.h"

/*
 * Bare mode's first image, as it makes the trace dir: the run's trace id
 * into @cfg (KEKE_TRACE_ID when the user set a valid one, else
 * TRACEPARENT's, else a random one, exported as KEKE_TRACE_ID), and
 * TRACEPARENT's span as @cfg's remote parent when it is of that trace.
 */
void keke_span_bare_root(struct keke_writer_config *cfg);

/*
 * Every image, before its record file is made: its own span id into
 * @cfg; the remote parent that `keke run` hands its command in
 * KEKE_REMOTE_PARENT; whether TRACEPARENT goes to the program, which a
 * bare-mode root decides for its run and exports.
 */
void keke_span_init(struct keke_writer_config *cfg);

/* Once the record file is made: TRACEPARENT names this image's span, for
 * the program, when the run hands spans down. */
void keke_span_export(const struct keke_writer_config *cfg);

/* In a fork child (no malloc, no lock): a span id of its own into @span,
 * which its TRACEPARENT names from now on when keke set that. */
void keke_span_fork_child(uint8_t span[8]);

/* For the image's process start: the TRACESTATE that came with the remote
 * parent, and a TRACEPARENT that a bare-mode root refused as malformed
 * (for the merge to warn of it: libkeke.so says nothing); NULL: none. */
const char *keke_span_trace_state(void);
const char *keke_span_bad_traceparent(void);

#endif
