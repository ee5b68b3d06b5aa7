// SPDX-License-Identifier: MIT
/*
 * Spans in OTLP/JSON (opentelemetry-proto's docs/specification.md, "JSON
 * Protobuf Encoding"): lowerCamelCase keys, trace and span ids in hex,
 * enums as integers, 64-bit integers as decimal strings; one request per
 * line, as the Collector's file exporter writes them (encode.h).
 */
#include "export/encode.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "export/span_ids.h"

static void put(struct otlp_enc *e, struct pb_buf *b, const char *s)
{
	(void)e;
	pb_raw(b, s, strlen(s));
}

/* "@s" with JSON escapes (invalid UTF-8 made U+FFFD). */
static void put_str(struct otlp_enc *e, struct pb_buf *b, const char *s)
{
	e->esc.len = 0;
	if (keke_json_escape(&e->esc, s, strlen(s)) != 0)
		e->failed = true;
	pb_raw(b, "\"", 1);
	pb_raw(b, e->esc.p, e->esc.len);
	pb_raw(b, "\"", 1);
}

static void put_hex(struct pb_buf *b, const uint8_t *id, size_t n)
{
	char hex[2 * 16 + 3];

	hex[0] = '"';
	otlp_hex_format(hex + 1, id, n);
	strcat(hex, "\"");
	pb_raw(b, hex, strlen(hex));
}

/* A 64-bit integer as proto3's JSON mapping writes it: a string. */
static void put_u64(struct pb_buf *b, uint64_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "\"%" PRIu64 "\"", v);
	pb_raw(b, num, strlen(num));
}

static void put_uint(struct pb_buf *b, uint64_t v)
{
	char num[32];

	snprintf(num, sizeof(num), "%" PRIu64, v);
	pb_raw(b, num, strlen(num));
}

static void put_value(struct otlp_enc *e, struct pb_buf *b,
		      const struct otlp_attr *at)
{
	char num[40];

	switch (at->type) {
	case OTLP_STR:
		put(e, b, "{\"stringValue\":");
		put_str(e, b, at->s);
		break;
	case OTLP_INT:
		snprintf(num, sizeof(num), "{\"intValue\":\"%" PRId64 "\"",
			 at->i);
		put(e, b, num);
		break;
	case OTLP_DOUBLE:
		if (isnan(at->d))
			snprintf(num, sizeof(num), "{\"doubleValue\":\"NaN\"");
		else if (isinf(at->d))
			snprintf(num, sizeof(num), "{\"doubleValue\":\"%s\"",
				 at->d > 0 ? "Infinity" : "-Infinity");
		else
			snprintf(num, sizeof(num), "{\"doubleValue\":%.17g",
				 at->d);
		put(e, b, num);
		break;
	case OTLP_BOOL:
		put(e, b, at->i ? "{\"boolValue\":true" : "{\"boolValue\":false");
		break;
	}
	put(e, b, "}");
}

static void put_attrs(struct otlp_enc *e, struct pb_buf *b,
		      const struct otlp_attrs *a)
{
	put(e, b, "\"attributes\":[");
	for (size_t i = 0; i < a->n; i++) {
		put(e, b, i ? ",{\"key\":" : "{\"key\":");
		put_str(e, b, a->v[i].key);
		put(e, b, ",\"value\":");
		put_value(e, b, &a->v[i]);
		put(e, b, "}");
	}
	put(e, b, "]");
}

static void json_request_open(struct otlp_enc *e)
{
	e->req.len = 0;
	e->resources = 0;
	put(e, &e->req, "{\"resourceSpans\":[");
}

static void json_resource_open(struct otlp_enc *e,
			       const struct otlp_attrs *resource)
{
	struct pb_buf *b = &e->req;

	put(e, b, e->resources ? ",{\"resource\":{" : "{\"resource\":{");
	put_attrs(e, b, resource);
	put(e, b, "},\"scopeSpans\":[{\"scope\":{\"name\":\"" OTLP_SCOPE_NAME
	    "\",\"version\":\"" OTLP_SCOPE_VERSION "\"},\"spans\":[");
	e->resources++;
	e->spans = 0;
}

static void json_span(struct otlp_enc *e, const struct otlp_trace *t,
		      const struct otlp_span *s)
{
	struct pb_buf *b = &e->span;

	b->len = 0;
	put(e, b, "{\"traceId\":");
	put_hex(b, t->trace_id, 16);
	put(e, b, ",\"spanId\":");
	put_hex(b, s->span_id, 8);
	if (t->trace_state) {
		put(e, b, ",\"traceState\":");
		put_str(e, b, t->trace_state);
	}
	if (!otlp_id_is_zero(s->parent, 8)) {
		put(e, b, ",\"parentSpanId\":");
		put_hex(b, s->parent, 8);
	}
	put(e, b, ",\"flags\":");
	put_uint(b, t->trace_flags | OTLP_FLAG_HAS_IS_REMOTE |
		 (s->remote_parent ? OTLP_FLAG_IS_REMOTE : 0));
	put(e, b, ",\"name\":");
	put_str(e, b, s->name);
	put(e, b, ",\"kind\":");
	put_uint(b, OTLP_KIND_INTERNAL);
	put(e, b, ",\"startTimeUnixNano\":");
	put_u64(b, s->start);
	put(e, b, ",\"endTimeUnixNano\":");
	put_u64(b, s->end);
	put(e, b, ",");
	put_attrs(e, b, &s->attrs);
	if (s->nlinks) {
		put(e, b, ",\"links\":[");
		for (size_t i = 0; i < s->nlinks; i++) {
			put(e, b, i ? ",{\"traceId\":" : "{\"traceId\":");
			put_hex(b, t->trace_id, 16);
			put(e, b, ",\"spanId\":");
			put_hex(b, s->links[i], 8);
			if (t->trace_state) {
				put(e, b, ",\"traceState\":");
				put_str(e, b, t->trace_state);
			}
			put(e, b, ",\"flags\":");
			put_uint(b, t->trace_flags | OTLP_FLAG_HAS_IS_REMOTE);
			put(e, b, "}");
		}
		put(e, b, "]");
	}
	if (s->error) {
		put(e, b, ",\"status\":{\"message\":");
		put_str(e, b, s->error);
		put(e, b, ",\"code\":2}");
	}
	put(e, b, "}");
}

static void json_put_span(struct otlp_enc *e)
{
	if (e->spans)
		pb_raw(&e->req, ",", 1);
	pb_raw(&e->req, e->span.p, e->span.len);
	e->spans++;
}

static void json_resource_close(struct otlp_enc *e)
{
	put(e, &e->req, "]}]}");
}

static void json_request_close(struct otlp_enc *e)
{
	put(e, &e->req, "]}\n");
	e->failed |= pb_failed(&e->req) || pb_failed(&e->span);
}

const struct otlp_encoding_ops otlp_encoding_json = {
	.request_open = json_request_open,
	.resource_open = json_resource_open,
	.span = json_span,
	.put_span = json_put_span,
	.resource_close = json_resource_close,
	.request_close = json_request_close,
	.closing_bytes = 8,
};
