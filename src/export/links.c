// SPDX-License-Identifier: MIT
/* The flow table as span links (links.h). */
#include "export/links.h"

#include <stdlib.h>

#include "export/db_query.h"
#include "export/images.h"
#include "export/kept.h"
#include "sinks/schema.h"

/* Deeper nesting than this is a damaged database. */
#define MAX_DEPTH 100000

/* The kept slice that slice @id stands as: itself, its nearest kept
 * ancestor, or its image; -1 when there is none. */
static int64_t kept_slice(const struct otlp_db *d, sqlite3_stmt *st,
			  int64_t id, uint64_t min_dur)
{
	int64_t image, proc;

	for (int hops = 0; hops < MAX_DEPTH; hops++) {
		const char *category;
		bool kept, top;
		int64_t ts;

		if (idmap_get(&d->image_of_slice, (uint64_t)id, &image))
			return id;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		if (sqlite3_step(st) != SQLITE_ROW)
			return -1;
		category = (const char *)sqlite3_column_text(st, 2);
		kept = otlp_slice_kept(category, sqlite3_column_int64(st, 1),
				       min_dur);
		if (kept)
			return id;
		top = sqlite3_column_type(st, 0) == SQLITE_NULL;
		if (!top) {
			id = sqlite3_column_int64(st, 0);
			continue;
		}
		ts = sqlite3_column_int64(st, 4);
		if (!idmap_get(&d->proc_of_track,
			       (uint64_t)sqlite3_column_int64(st, 3), &proc))
			return -1;
		image = otlp_db_image_at(d, (size_t)proc, ts);
		return image < 0 ? -1 : d->images[image].slice_id;
	}
	return -1;
}

static int by_in(const void *a, const void *b)
{
	const struct otlp_flow_link *x = a, *y = b;

	return (x->in > y->in) - (x->in < y->in);
}

int otlp_links_read(struct otlp_links *l, const struct otlp_db *d,
		    uint64_t min_dur, char *err)
{
	sqlite3_stmt *flows = NULL, *slice = NULL;
	size_t cap = 0;
	int rc = -1;

	*l = (struct otlp_links){ 0 };
	if (sqlite3_prepare_v2(d->db, "SELECT slice_out, slice_in FROM "
			       KEKE_DB_FLOW " WHERE slice_out IS NOT NULL AND "
			       "slice_in IS NOT NULL", -1, &flows, NULL) !=
	    SQLITE_OK ||
	    sqlite3_prepare_v2(d->db, "SELECT parent_id, dur, category, "
			       "track_id, ts FROM " KEKE_DB_SLICE
			       " WHERE id = ?", -1, &slice, NULL) != SQLITE_OK) {
		otlp_db_fail(d, "reading the flows", err);
		goto out;
	}
	while (sqlite3_step(flows) == SQLITE_ROW) {
		int64_t out = kept_slice(d, slice, sqlite3_column_int64(flows,
					 0), min_dur);
		int64_t in = kept_slice(d, slice, sqlite3_column_int64(flows,
					1), min_dur);

		if (out < 0 || in < 0 || out == in)
			continue;
		if (l->n == cap) {
			size_t c = cap ? cap * 2 : 64;
			void *p = realloc(l->v, c * sizeof(*l->v));

			if (!p) {
				otlp_db_fail(d, "out of memory", err);
				goto out;
			}
			l->v = p;
			cap = c;
		}
		l->v[l->n].in = in;
		otlp_span_id_of(d, out, l->v[l->n].out);
		l->n++;
	}
	if (l->n)
		qsort(l->v, l->n, sizeof(*l->v), by_in);
	rc = 0;
out:
	sqlite3_finalize(flows);
	sqlite3_finalize(slice);
	return rc;
}

size_t otlp_links_add(const struct otlp_links *l, int64_t slice_id,
		      struct otlp_span *s)
{
	size_t lo = 0, hi = l->n, before = s->nlinks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (l->v[mid].in < slice_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < l->n && l->v[lo].in == slice_id; lo++)
		otlp_span_link(s, l->v[lo].out);
	return s->nlinks - before;
}

void otlp_links_free(struct otlp_links *l)
{
	free(l->v);
	*l = (struct otlp_links){ 0 };
}
