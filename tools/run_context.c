// SPDX-License-Identifier: MIT
/*
 * `keke run`'s trace id and W3C trace context (run_context.h). The
 * variables it hands to libkeke.so are described in preload/proc/span.c.
 */
#include "run_context.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "record/trace_context.h"

/* The user's KEKE_TRACE_ID into @hex when it is valid (32 hex digits,
 * not all zero); false when unset, or after a warning when not valid. */
static bool users_trace_id(char hex[33])
{
	const char *id = getenv("KEKE_TRACE_ID");
	uint8_t bytes[16];

	if (!id)
		return false;
	if (!keke_hex_parse(id, 16, KEKE_HEX_WHOLE | KEKE_HEX_ANY_CASE,
			    bytes) || keke_id_is_zero(bytes, 16)) {
		fprintf(stderr, "keke: KEKE_TRACE_ID '%s' is not 32 hex "
			"digits (not all zero): ignored\n", id);
		return false;
	}
	memcpy(hex, id, 33);
	return true;
}

/* TRACEPARENT into @tp when it is valid; false when unset or empty, or
 * after a warning when malformed. */
static bool incoming_parent(struct keke_traceparent *tp)
{
	const char *value = getenv("TRACEPARENT");

	if (!value || !*value)
		return false;
	if (!keke_traceparent_parse(value, tp)) {
		fprintf(stderr, "keke: TRACEPARENT '%s' is not a W3C "
			"traceparent (00-<32 hex>-<16 hex>-<2 hex>): "
			"ignored\n", value);
		return false;
	}
	return true;
}

/* 16 random bytes as 32 hex digits into @hex. Returns 0, or -1 after
 * printing why. */
static int make_trace_id(char hex[33])
{
	uint8_t id[16];

	if (getrandom(id, sizeof(id), 0) != (ssize_t)sizeof(id)) {
		fprintf(stderr, "keke: cannot make a trace id: %s\n",
			strerror(errno));
		return -1;
	}
	if (keke_id_is_zero(id, 16))
		id[15] = 1;
	keke_hex_format(id, 16, hex);
	return 0;
}

int keke_run_context(int out, struct run_context *ctx)
{
	const char *want = getenv("KEKE_TRACEPARENT");
	struct keke_traceparent tp;
	char tp_trace[33] = "";
	bool parent;

	*ctx = (struct run_context){ .out = false };
	parent = incoming_parent(&tp);
	if (parent)
		keke_hex_format(tp.trace_id, 16, tp_trace);
	if (!users_trace_id(ctx->trace_id)) {
		if (parent)
			memcpy(ctx->trace_id, tp_trace, sizeof(tp_trace));
		else if (make_trace_id(ctx->trace_id) != 0)
			return -1;
	}
	/* A span of another trace is no parent. */
	if (parent && strcasecmp(ctx->trace_id, tp_trace) != 0) {
		fprintf(stderr, "keke: TRACEPARENT is of trace %s, "
			"KEKE_TRACE_ID of %s: the run keeps KEKE_TRACE_ID, "
			"without a parent span\n", tp_trace, ctx->trace_id);
	} else if (parent) {
		ctx->has_parent = true;
		keke_hex_format(tp.span_id, 8, ctx->parent_span);
		keke_hex_format(&tp.flags, 1, ctx->flags);
	}
	if (out >= 0)
		ctx->out = out;
	else if (want)
		ctx->out = !strcmp(want, "1");
	else
		ctx->out = parent;
	return 0;
}

int keke_run_context_export(const struct run_context *ctx)
{
	if (setenv("KEKE_TRACE_ID", ctx->trace_id, 1) != 0 ||
	    setenv("KEKE_TRACEPARENT", ctx->out ? "1" : "0", 1) != 0)
		return -1;
	if (!ctx->has_parent)
		return unsetenv("KEKE_REMOTE_PARENT") != 0 ||
		       unsetenv("KEKE_TRACE_FLAGS") != 0 ? -1 : 0;
	if (setenv("KEKE_REMOTE_PARENT", ctx->parent_span, 1) != 0 ||
	    setenv("KEKE_TRACE_FLAGS", ctx->flags, 1) != 0)
		return -1;
	return 0;
}
