/* SPDX-License-Identifier: MIT */
/*
 * One OpenTelemetry span as the export builds it, before it is encoded:
 * ids, name, times, attributes, links and status. Strings are
 * owned copies, so rows of the database can be let go at once.
 */
#ifndef KEKE_EXPORT_SPAN_H
#define KEKE_EXPORT_SPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum otlp_value_type {
	OTLP_STR,
	OTLP_INT,
	OTLP_DOUBLE,
	OTLP_BOOL,
};

struct otlp_attr {
	char *key;
	enum otlp_value_type type;
	char *s;
	int64_t i;		/* OTLP_INT, OTLP_BOOL */
	double d;
};

/* A list of attributes with unique keys (a later one replaces). */
struct otlp_attrs {
	struct otlp_attr *v;
	size_t n, cap;
	bool failed;		/* out of memory: the list is incomplete */
};

void otlp_attr_str(struct otlp_attrs *a, const char *key, const char *s);
void otlp_attr_int(struct otlp_attrs *a, const char *key, int64_t i);
void otlp_attr_double(struct otlp_attrs *a, const char *key, double d);
void otlp_attr_bool(struct otlp_attrs *a, const char *key, bool b);
/* The attribute called @key, or NULL. */
const struct otlp_attr *otlp_attr_find(const struct otlp_attrs *a,
				       const char *key);
/* Empties @a (keeping its memory for the next span). */
void otlp_attrs_clear(struct otlp_attrs *a);
void otlp_attrs_free(struct otlp_attrs *a);

/* The trace every span belongs to. */
struct otlp_trace {
	uint8_t trace_id[16];
	char *trace_state;	/* W3C tracestate, or NULL */
	uint8_t trace_flags;	/* W3C flags: 1, sampled */
	uint8_t remote_parent[8];	/* the root's parent outside the
					 * trace file, or zeros */
};

/* Span flags: the parent is known to be local or remote (trace.proto). */
#define OTLP_FLAG_HAS_IS_REMOTE 0x100u
#define OTLP_FLAG_IS_REMOTE 0x200u

/* SpanKind INTERNAL and Status codes of trace.proto. */
#define OTLP_KIND_INTERNAL 1
#define OTLP_STATUS_ERROR 2

struct otlp_span {
	uint8_t span_id[8];
	uint8_t parent[8];	/* zeros: a root */
	bool remote_parent;
	char *name;
	uint64_t start, end;	/* Unix ns */
	struct otlp_attrs attrs;
	uint8_t (*links)[8];	/* span ids in the same trace */
	size_t nlinks, links_cap;
	char *error;		/* status ERROR with this message, or NULL */
	bool failed;		/* out of memory */
};

void otlp_span_name(struct otlp_span *s, const char *name);
void otlp_span_error(struct otlp_span *s, const char *message);
/* Adds a link to span @id, unless it is there or is the parent. */
void otlp_span_link(struct otlp_span *s, const uint8_t id[8]);
/* Empties @s for the next span, keeping its memory. */
void otlp_span_clear(struct otlp_span *s);
void otlp_span_free(struct otlp_span *s);

#endif
