/* SPDX-License-Identifier: MIT */
/*
 * The flow table as span links: a flow from slice A to slice B becomes a
 * link, on B's span, to A's span; a slice that was left out stands for
 * its nearest kept ancestor (or its image) at either end.
 */
#ifndef KEKE_EXPORT_LINKS_H
#define KEKE_EXPORT_LINKS_H

#include "export/trace_db.h"

struct otlp_flow_link {
	int64_t in;		/* the kept slice the flow ends in */
	uint8_t out[8];		/* the span it came from */
};

struct otlp_links {
	struct otlp_flow_link *v;	/* by in */
	size_t n;
};

/* Reads the flows of @d, with calls under @min_dur ns left out. Returns
 * 0, or -1 with @err set. */
int otlp_links_read(struct otlp_links *l, const struct otlp_db *d,
		    uint64_t min_dur, char *err);

/* Adds to @s the links of the flows that end in kept slice @slice_id;
 * returns how many. */
size_t otlp_links_add(const struct otlp_links *l, int64_t slice_id,
		      struct otlp_span *s);

void otlp_links_free(struct otlp_links *l);

#endif
