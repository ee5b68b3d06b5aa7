// SPDX-License-Identifier: MIT
/* Spans gathered into requests of a bounded size (batch.h). */
#include "export/batch.h"

#include <stdio.h>

void otlp_batch_init(struct otlp_batch *b, const struct keke_otlp_options *o)
{
	*b = (struct otlp_batch){
		.max = o->request_max,
		.deliver = o->deliver,
		.ctx = o->ctx,
	};
	b->enc.ops = o->encoding == KEKE_OTLP_PROTOBUF ? &otlp_encoding_pb :
							 &otlp_encoding_json;
}

void otlp_batch_resource(struct otlp_batch *b,
			 const struct otlp_attrs *resource)
{
	if (b->in_resource)
		b->enc.ops->resource_close(&b->enc);
	b->in_resource = false;
	b->resource = resource;
}

/* Completes the request being built and delivers it. */
static int deliver(struct otlp_batch *b, char *err)
{
	struct otlp_enc *e = &b->enc;

	if (!b->in_request)
		e->ops->request_open(e);
	if (b->in_resource)
		e->ops->resource_close(e);
	e->ops->request_close(e);
	b->in_request = b->in_resource = false;
	if (e->failed) {
		snprintf(err, KEKE_OTLP_ERROR_MAX, "out of memory encoding "
			 "the spans");
		return -1;
	}
	if (b->deliver(b->ctx, e->req.p, e->req.len, err) != 0)
		return -1;
	b->requests++;
	return 0;
}

int otlp_batch_span(struct otlp_batch *b, const struct otlp_trace *t,
		    const struct otlp_span *s, char *err)
{
	struct otlp_enc *e = &b->enc;

	e->ops->span(e, t, s);
	if (b->in_request && e->resources && b->max &&
	    e->req.len + e->span.len + e->ops->closing_bytes > b->max &&
	    deliver(b, err) != 0)
		return -1;
	if (!b->in_request) {
		e->ops->request_open(e);
		b->in_request = true;
	}
	if (!b->in_resource) {
		e->ops->resource_open(e, b->resource);
		b->in_resource = true;
	}
	e->ops->put_span(e);
	if (pb_failed(&e->req) || pb_failed(&e->span) || s->failed ||
	    s->attrs.failed || b->resource->failed) {
		snprintf(err, KEKE_OTLP_ERROR_MAX, "out of memory encoding "
			 "the spans");
		return -1;
	}
	return 0;
}

int otlp_batch_finish(struct otlp_batch *b, char *err)
{
	if (!b->in_request && b->requests)
		return 0;
	return deliver(b, err);
}

void otlp_batch_free(struct otlp_batch *b)
{
	pb_free(&b->enc.req);
	pb_free(&b->enc.span);
	keke_jbuf_free(&b->enc.esc);
}
