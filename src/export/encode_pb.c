// SPDX-License-Identifier: MIT
/*
 * Spans in binary protobuf: the messages and field numbers of
 * opentelemetry-proto's collector/trace/v1/trace_service.proto,
 * trace/v1/trace.proto, resource/v1 and common/v1 (encode.h).
 */
#include "export/encode.h"
#include "export/span_ids.h"

#include <string.h>

/* ExportTraceServiceRequest */
#define REQ_RESOURCE_SPANS 1
/* ResourceSpans */
#define RS_RESOURCE 1
#define RS_SCOPE_SPANS 2
/* Resource */
#define RESOURCE_ATTRIBUTES 1
/* ScopeSpans */
#define SS_SCOPE 1
#define SS_SPANS 2
/* InstrumentationScope */
#define SCOPE_NAME 1
#define SCOPE_VERSION 2
/* Span */
#define SPAN_TRACE_ID 1
#define SPAN_SPAN_ID 2
#define SPAN_TRACE_STATE 3
#define SPAN_PARENT_SPAN_ID 4
#define SPAN_NAME 5
#define SPAN_KIND 6
#define SPAN_START 7
#define SPAN_END 8
#define SPAN_ATTRIBUTES 9
#define SPAN_LINKS 13
#define SPAN_STATUS 15
#define SPAN_FLAGS 16
/* Span.Link */
#define LINK_TRACE_ID 1
#define LINK_SPAN_ID 2
#define LINK_TRACE_STATE 3
#define LINK_FLAGS 6
/* Status */
#define STATUS_MESSAGE 2
#define STATUS_CODE 3
/* KeyValue and AnyValue */
#define KV_KEY 1
#define KV_VALUE 2
#define ANY_STRING 1
#define ANY_BOOL 2
#define ANY_INT 3
#define ANY_DOUBLE 4

static void put_attrs(struct pb_buf *b, unsigned field,
		      const struct otlp_attrs *a)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct otlp_attr *at = &a->v[i];
		size_t kv = pb_begin(b, field), v;

		pb_text(b, KV_KEY, at->key, strlen(at->key));
		v = pb_begin(b, KV_VALUE);
		switch (at->type) {
		case OTLP_STR:
			pb_text(b, ANY_STRING, at->s, strlen(at->s));
			break;
		case OTLP_INT:
			pb_int(b, ANY_INT, at->i);
			break;
		case OTLP_DOUBLE:
			pb_double(b, ANY_DOUBLE, at->d);
			break;
		case OTLP_BOOL:
			pb_uint(b, ANY_BOOL, at->i ? 1 : 0);
			break;
		}
		pb_end(b, v);
		pb_end(b, kv);
	}
}

static void pb_request_open(struct otlp_enc *e)
{
	e->req.len = 0;
	e->resources = 0;
}

static void pb_resource_open(struct otlp_enc *e,
			     const struct otlp_attrs *resource)
{
	struct pb_buf *b = &e->req;
	size_t r, scope;

	e->resource_at = pb_begin(b, REQ_RESOURCE_SPANS);
	r = pb_begin(b, RS_RESOURCE);
	put_attrs(b, RESOURCE_ATTRIBUTES, resource);
	pb_end(b, r);
	e->scope_at = pb_begin(b, RS_SCOPE_SPANS);
	scope = pb_begin(b, SS_SCOPE);
	pb_str(b, SCOPE_NAME, OTLP_SCOPE_NAME);
	pb_str(b, SCOPE_VERSION, OTLP_SCOPE_VERSION);
	pb_end(b, scope);
	e->resources++;
	e->spans = 0;
}

/* W3C flags and whether the parent is remote, as Span.flags holds them. */
static uint32_t span_flags(const struct otlp_trace *t,
			   const struct otlp_span *s)
{
	return t->trace_flags | OTLP_FLAG_HAS_IS_REMOTE |
	       (s->remote_parent ? OTLP_FLAG_IS_REMOTE : 0);
}

static void pb_span(struct otlp_enc *e, const struct otlp_trace *t,
		    const struct otlp_span *s)
{
	struct pb_buf *b = &e->span;
	size_t span, m;

	b->len = 0;
	span = pb_begin(b, SS_SPANS);
	pb_bytes(b, SPAN_TRACE_ID, t->trace_id, 16);
	pb_bytes(b, SPAN_SPAN_ID, s->span_id, 8);
	if (t->trace_state)
		pb_text(b, SPAN_TRACE_STATE, t->trace_state,
			strlen(t->trace_state));
	if (!otlp_id_is_zero(s->parent, 8))
		pb_bytes(b, SPAN_PARENT_SPAN_ID, s->parent, 8);
	pb_text(b, SPAN_NAME, s->name, strlen(s->name));
	pb_uint(b, SPAN_KIND, OTLP_KIND_INTERNAL);
	pb_fixed64(b, SPAN_START, s->start);
	pb_fixed64(b, SPAN_END, s->end);
	put_attrs(b, SPAN_ATTRIBUTES, &s->attrs);
	for (size_t i = 0; i < s->nlinks; i++) {
		m = pb_begin(b, SPAN_LINKS);
		pb_bytes(b, LINK_TRACE_ID, t->trace_id, 16);
		pb_bytes(b, LINK_SPAN_ID, s->links[i], 8);
		if (t->trace_state)
			pb_text(b, LINK_TRACE_STATE, t->trace_state,
				strlen(t->trace_state));
		pb_fixed32(b, LINK_FLAGS, t->trace_flags |
			   OTLP_FLAG_HAS_IS_REMOTE);
		pb_end(b, m);
	}
	if (s->error) {
		m = pb_begin(b, SPAN_STATUS);
		pb_text(b, STATUS_MESSAGE, s->error, strlen(s->error));
		pb_uint(b, STATUS_CODE, OTLP_STATUS_ERROR);
		pb_end(b, m);
	}
	pb_fixed32(b, SPAN_FLAGS, span_flags(t, s));
	pb_end(b, span);
}

static void pb_put_span(struct otlp_enc *e)
{
	pb_raw(&e->req, e->span.p, e->span.len);
	e->spans++;
}

static void pb_resource_close(struct otlp_enc *e)
{
	pb_end(&e->req, e->scope_at);
	pb_end(&e->req, e->resource_at);
}

static void pb_request_close(struct otlp_enc *e)
{
	e->failed |= pb_failed(&e->req) || pb_failed(&e->span);
}

const struct otlp_encoding_ops otlp_encoding_pb = {
	.request_open = pb_request_open,
	.resource_open = pb_resource_open,
	.span = pb_span,
	.put_span = pb_put_span,
	.resource_close = pb_resource_close,
	.request_close = pb_request_close,
	/* Two lengths that may grow from one byte to five. */
	.closing_bytes = 8,
};
