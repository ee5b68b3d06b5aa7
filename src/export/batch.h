/* SPDX-License-Identifier: MIT */
/*
 * Spans gathered into requests of a bounded size: a span that would take
 * a request past the limit goes into the next one, its resource opened
 * again there; each complete request is handed to the caller's deliver
 * function (otlp.h).
 */
#ifndef KEKE_EXPORT_BATCH_H
#define KEKE_EXPORT_BATCH_H

#include "export/encode.h"
#include "export/otlp.h"

struct otlp_batch {
	struct otlp_enc enc;
	size_t max;			/* 0: no limit */
	keke_otlp_deliver_fn deliver;
	void *ctx;
	const struct otlp_attrs *resource;	/* the current resource */
	bool in_request, in_resource;
	uint64_t requests;		/* delivered */
};

void otlp_batch_init(struct otlp_batch *b, const struct keke_otlp_options *o);

/* Makes @resource (kept by the caller until the next call) the resource
 * of the spans that follow; it is written with the first of them. */
void otlp_batch_resource(struct otlp_batch *b,
			 const struct otlp_attrs *resource);

/* Adds span @s of trace @t. Returns 0, or -1 with @err set when memory
 * ran out or a full request could not be delivered. */
int otlp_batch_span(struct otlp_batch *b, const struct otlp_trace *t,
		    const struct otlp_span *s, char *err);

/* Delivers the last request: also an empty one when nothing was
 * delivered before. Returns 0 or -1 with @err set. */
int otlp_batch_finish(struct otlp_batch *b, char *err);

void otlp_batch_free(struct otlp_batch *b);

#endif
