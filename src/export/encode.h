/* SPDX-License-Identifier: MIT */
/*
 * Encoding spans into ExportTraceServiceRequest messages, in protobuf
 * (encode_pb.c) or OTLP/JSON (encode_json.c), through one ops table: a
 * request holds resources (ResourceSpans with one ScopeSpans, scope
 * "keke"), each holding spans. A span is encoded on its own first, so
 * that its size is known before it joins the request (batch.c).
 */
#ifndef KEKE_EXPORT_ENCODE_H
#define KEKE_EXPORT_ENCODE_H

#include "common/json_escape.h"
#include "common/protobuf.h"
#include "export/span.h"

struct otlp_enc;

struct otlp_encoding_ops {
	/* Starts a new request in e->req (emptied first). */
	void (*request_open)(struct otlp_enc *e);
	/* Opens a resource with the attributes @resource in the request. */
	void (*resource_open)(struct otlp_enc *e,
			      const struct otlp_attrs *resource);
	/* Encodes span @s of trace @t alone into e->span (emptied first). */
	void (*span)(struct otlp_enc *e, const struct otlp_trace *t,
		     const struct otlp_span *s);
	/* Appends e->span to the open resource. */
	void (*put_span)(struct otlp_enc *e);
	void (*resource_close)(struct otlp_enc *e);
	/* Completes the request in e->req (for JSON, one line). */
	void (*request_close)(struct otlp_enc *e);
	/* Bytes that closing a resource and the request may add. */
	size_t closing_bytes;
};

extern const struct otlp_encoding_ops otlp_encoding_pb;
extern const struct otlp_encoding_ops otlp_encoding_json;

/* The encoder's state (batch.c owns one). */
struct otlp_enc {
	const struct otlp_encoding_ops *ops;
	struct pb_buf req;		/* the request being built */
	struct pb_buf span;		/* one span */
	size_t resource_at, scope_at;	/* protobuf: open messages */
	size_t resources, spans;	/* in the request, the resource */
	struct keke_jbuf esc;		/* JSON: escaping room */
	bool failed;			/* out of memory */
};

/* The name and version of the scope every span is in. */
#define OTLP_SCOPE_NAME "keke"
#define OTLP_SCOPE_VERSION "0.1.0"


#endif
