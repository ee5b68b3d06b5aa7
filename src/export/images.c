// SPDX-License-Identifier: MIT
/* The process images of keke.db, their span ids and parents (images.h). */
#include "export/images.h"

#include <stdlib.h>
#include <string.h>

#include "export/db_query.h"
#include "export/span_ids.h"
#include "sinks/schema.h"

/* Which process each thread track belongs to. */
static int read_tracks(struct otlp_db *d, struct idmap *proc_of_upid,
		       char *err)
{
	sqlite3_stmt *st;
	int64_t proc;

	if (sqlite3_prepare_v2(d->db, "SELECT tt.id, t.upid FROM "
			       KEKE_DB_THREAD_TRACK " tt JOIN " KEKE_DB_THREAD
			       " t USING (utid)", -1, &st, NULL) != SQLITE_OK)
		return otlp_db_fail(d, "reading the threads", err);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (idmap_get(proc_of_upid,
			      (uint64_t)sqlite3_column_int64(st, 1), &proc))
			idmap_put(&d->proc_of_track,
				  (uint64_t)sqlite3_column_int64(st, 0), proc);
	sqlite3_finalize(st);
	return 0;
}

/* The span_id arg of the arg set @arg_set_id into @id, if it has one
 * of 16 hex digits. Returns whether it had. */
static bool span_id_arg(sqlite3_stmt *st, int64_t arg_set_id, uint8_t id[8])
{
	bool found = false;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, arg_set_id);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *hex = sqlite3_column_text(st, 0);

		found = hex && otlp_hex_parse((const char *)hex, id, 8) == 0 &&
			!otlp_id_is_zero(id, 8);
	}
	return found;
}

/* A process row's span_id arg, on newer databases whose process table
 * has arg sets, goes to its last image when that has none of its own. */
static void process_span_ids(struct otlp_db *d, sqlite3_stmt *arg,
			     bool *has_own, struct idmap *proc_of_upid)
{
	sqlite3_stmt *st;
	int64_t proc;
	uint8_t id[8];

	if (!otlp_db_has_column(d->db, KEKE_DB_PROCESS, "arg_set_id") ||
	    sqlite3_prepare_v2(d->db, "SELECT upid, arg_set_id FROM "
			       KEKE_DB_PROCESS " WHERE arg_set_id IS NOT NULL",
			       -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const struct otlp_process *p;
		size_t last;

		if (!idmap_get(proc_of_upid,
			       (uint64_t)sqlite3_column_int64(st, 0), &proc))
			continue;
		p = &d->procs[proc];
		last = p->first_image + p->nimages - 1;
		if (p->nimages && !has_own[last] &&
		    span_id_arg(arg, sqlite3_column_int64(st, 1), id)) {
			memcpy(d->images[last].span_id, id, 8);
			has_own[last] = true;
		}
	}
	sqlite3_finalize(st);
}

/* Derives the span id of each image that has none, or one that an
 * earlier image has too (span ids are unique in a trace). */
static void unique_span_ids(struct otlp_db *d, const bool *has_own)
{
	struct idmap seen;
	uint64_t id;
	int64_t v;

	idmap_init(&seen);
	for (size_t i = 0; i < d->nimages; i++) {
		struct otlp_image *im = &d->images[i];

		memcpy(&id, im->span_id, 8);
		if (!has_own[i] || idmap_get(&seen, id, &v))
			otlp_derive_span_id(d->trace.trace_id, im->slice_id,
					    im->span_id);
		memcpy(&id, im->span_id, 8);
		idmap_put(&seen, id, 1);
	}
	idmap_free(&seen);
}

/* Each image's span id. */
static int read_span_ids(struct otlp_db *d, struct idmap *proc_of_upid,
			 char *err)
{
	sqlite3_stmt *st;
	bool *has_own = calloc(d->nimages + 1, sizeof(*has_own));

	if (!has_own)
		return otlp_db_fail(d, "out of memory", err);
	if (sqlite3_prepare_v2(d->db, "SELECT string_value FROM "
			       KEKE_DB_ARGS " WHERE arg_set_id = ? AND key = "
			       "'span_id'", -1, &st, NULL) != SQLITE_OK) {
		free(has_own);
		return otlp_db_fail(d, "reading the span ids", err);
	}
	for (size_t i = 0; i < d->nimages; i++) {
		struct otlp_image *im = &d->images[i];

		has_own[i] = span_id_arg(st, im->arg_set_id, im->span_id);
	}
	process_span_ids(d, st, has_own, proc_of_upid);
	unique_span_ids(d, has_own);
	sqlite3_finalize(st);
	free(has_own);
	return 0;
}

/* Adds the image of the current row of @st. */
static int add_image(struct otlp_db *d, sqlite3_stmt *st, size_t *cap,
		     size_t proc)
{
	const unsigned char *name = sqlite3_column_text(st, 3);
	struct otlp_image *im;

	if (d->nimages == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		void *p = realloc(d->images, c * sizeof(*d->images));

		if (!p)
			return -1;
		d->images = p;
		*cap = c;
	}
	im = &d->images[d->nimages];
	*im = (struct otlp_image){
		.slice_id = sqlite3_column_int64(st, 0),
		.ts = sqlite3_column_int64(st, 1),
		.dur = sqlite3_column_int64(st, 2),
		.arg_set_id = sqlite3_column_int64(st, 4),
		.proc = proc,
		.name = strdup(name && *name ? (const char *)name : "process"),
		.parent_image = -1,
	};
	if (!im->name)
		return -1;
	if (!d->procs[proc].nimages)
		d->procs[proc].first_image = d->nimages;
	d->procs[proc].nimages++;
	idmap_put(&d->image_of_slice, (uint64_t)im->slice_id,
		  (int64_t)d->nimages);
	d->nimages++;
	return 0;
}

int64_t otlp_db_image_at(const struct otlp_db *d, size_t proc, int64_t ts)
{
	const struct otlp_process *p = &d->procs[proc];
	size_t lo = 0, hi = p->nimages;

	if (!p->nimages)
		return -1;
	/* The first image that began after @ts, by bisection. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (d->images[p->first_image + mid].ts <= ts)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int64_t)(p->first_image + (lo ? lo - 1 : 0));
}

/* The image each process hangs under, and the first root's name. */
static void link_parents(struct otlp_db *d)
{
	for (size_t i = 0; i < d->nprocs; i++) {
		const struct otlp_process *p = &d->procs[i];
		int64_t parent = p->parent, under = -1;
		int hops = 0;

		if (!p->nimages)
			continue;
		/* A parent without images of its own hands over to its
		 * parent. */
		while (parent >= 0 && under < 0 && hops++ < 1000) {
			under = otlp_db_image_at(d, (size_t)parent,
						 d->images[p->first_image].ts);
			parent = d->procs[parent].parent;
		}
		for (size_t k = 0; k < p->nimages; k++)
			d->images[p->first_image + k].parent_image = under;
		if (under < 0 && !d->root_name)
			d->root_name = d->images[p->first_image].name;
	}
}

int otlp_read_images(struct otlp_db *d, char *err)
{
	struct idmap proc_of_upid;
	sqlite3_stmt *st = NULL;
	size_t cap = 0;
	int64_t proc;
	int rc = -1;

	idmap_init(&proc_of_upid);
	for (size_t i = 0; i < d->nprocs; i++)
		idmap_put(&proc_of_upid, (uint64_t)d->procs[i].upid,
			  (int64_t)i);
	if (read_tracks(d, &proc_of_upid, err))
		goto out;
	if (sqlite3_prepare_v2(d->db, "SELECT s.id, s.ts, s.dur, s.name, "
			       "s.arg_set_id, t.upid FROM " KEKE_DB_SLICE
			       " s JOIN " KEKE_DB_THREAD_TRACK " tt ON tt.id ="
			       " s.track_id JOIN " KEKE_DB_THREAD " t USING "
			       "(utid) WHERE s.depth = 0 AND s.category = "
			       "'process' ORDER BY t.upid, s.ts, s.id", -1, &st,
			       NULL) != SQLITE_OK) {
		otlp_db_fail(d, "reading the processes' images", err);
		goto out;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (!idmap_get(&proc_of_upid,
			       (uint64_t)sqlite3_column_int64(st, 5), &proc))
			continue;
		if (add_image(d, st, &cap, (size_t)proc) != 0) {
			otlp_db_fail(d, "out of memory", err);
			goto out;
		}
	}
	if (read_span_ids(d, &proc_of_upid, err))
		goto out;
	link_parents(d);
	rc = 0;
out:
	sqlite3_finalize(st);
	idmap_free(&proc_of_upid);
	return rc;
}

void otlp_span_id_of(const struct otlp_db *d, int64_t slice_id,
		     uint8_t span_id[8])
{
	int64_t image;

	if (idmap_get(&d->image_of_slice, (uint64_t)slice_id, &image))
		memcpy(span_id, d->images[image].span_id, 8);
	else
		otlp_derive_span_id(d->trace.trace_id, slice_id, span_id);
}
