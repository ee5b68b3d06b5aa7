// SPDX-License-Identifier: MIT
/*
 * keke_otlp_export (otlp.h): one pass over the slices of keke.db in
 * process and time order. Each image opens a resource; its kept slices
 * become spans as they come, under their nearest kept ancestor; the
 * image's own span goes last, once the calls it left out are counted.
 */
#include "export/otlp.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "export/arg_attrs.h"
#include "export/batch.h"
#include "export/db_query.h"
#include "export/images.h"
#include "export/kept.h"
#include "export/links.h"
#include "export/span_ids.h"
#include "export/trace_db.h"
#include "sinks/schema.h"

struct walk {
	const struct keke_otlp_options *o;
	struct keke_otlp_stats *stats;
	struct otlp_db d;
	struct otlp_links links;
	struct otlp_batch batch;
	sqlite3_stmt *args;
	struct otlp_attrs resource;	/* of the open image */
	struct otlp_span image_span;	/* its span, sent last */
	struct otlp_span span;		/* a call's or user span */
	struct idmap kept_of;		/* slice id -> the kept slice it
					 * stands as, in the open image */
	int64_t cur;			/* the open image, or -1 */
	uint64_t left_out;		/* by the open image */
	char *err;
};

/* Unix ns of monotonic @ts. */
static uint64_t unix_ns(const struct walk *w, int64_t ts)
{
	return (uint64_t)(ts + w->d.realtime_offset_ns);
}

/* The resource of image @im, whose args are in @a. */
static void image_resource(struct walk *w, const struct otlp_image *im,
			   const struct otlp_image_args *a)
{
	const struct otlp_process *p = &w->d.procs[im->proc];
	struct otlp_attrs *r = &w->resource;

	otlp_attrs_clear(r);
	otlp_attr_str(r, "service.name", w->o->service_name ?
		      w->o->service_name : w->d.root_name ?
		      w->d.root_name : "keke");
	otlp_attr_str(r, "host.name", p->host);
	otlp_attr_int(r, "process.pid", p->pid);
	if (p->parent >= 0)
		otlp_attr_int(r, "process.parent_pid",
			      w->d.procs[p->parent].pid);
	otlp_attr_str(r, "process.executable.name", im->name);
	if (a->exe[0])
		otlp_attr_str(r, "process.executable.path", a->exe);
	if (a->cmdline[0])
		otlp_attr_str(r, "process.command_line", a->cmdline);
	if (a->has_exit_code)
		otlp_attr_int(r, "process.exit.code", a->exit_code);
}

/* The last image of a process ends as the process row says, when its
 * args do not. */
static void process_end(const struct walk *w, const struct otlp_image *im,
			struct otlp_image_args *a, int64_t *signal)
{
	const struct otlp_process *p = &w->d.procs[im->proc];
	bool last = im == &w->d.images[p->first_image + p->nimages - 1];

	*signal = last ? p->signal : 0;
	if (last && !a->has_exit_code && p->has_exit_code) {
		a->exit_code = p->exit_code;
		a->has_exit_code = true;
	}
}

/* Opens image @i: its resource, and its span but for what its calls tell. */
static int begin_image(struct walk *w, int64_t i)
{
	const struct otlp_image *im = &w->d.images[i];
	struct otlp_span *s = &w->image_span;
	struct otlp_image_args a = { 0 };
	char msg[160];
	int64_t sig;

	w->cur = i;
	w->left_out = 0;
	idmap_free(&w->kept_of);
	idmap_init(&w->kept_of);
	otlp_span_clear(s);
	memcpy(s->span_id, im->span_id, 8);
	if (im->parent_image >= 0) {
		memcpy(s->parent, w->d.images[im->parent_image].span_id, 8);
	} else if (!otlp_id_is_zero(w->d.trace.remote_parent, 8)) {
		memcpy(s->parent, w->d.trace.remote_parent, 8);
		s->remote_parent = true;
	}
	otlp_span_name(s, im->name);
	s->start = unix_ns(w, im->ts);
	s->end = unix_ns(w, im->ts + (im->dur > 0 ? im->dur : 0));
	if (otlp_args_to_span(w->args, im->arg_set_id, "", s, &a) != 0)
		return otlp_db_fail(&w->d, "reading args", w->err);
	process_end(w, im, &a, &sig);
	if (sig || (a.has_exit_code && a.exit_code)) {
		if (!a.status[0])
			snprintf(a.status, sizeof(a.status), sig ?
				 "killed by signal %" PRId64 :
				 "exited %" PRId64, sig ? sig : a.exit_code);
		snprintf(msg, sizeof(msg), "%s", a.status);
		otlp_span_error(s, msg);
	}
	image_resource(w, im, &a);
	otlp_batch_resource(&w->batch, &w->resource);
	w->stats->links += otlp_links_add(&w->links, im->slice_id, s);
	return 0;
}

/* Sends the open image's span. */
static int end_image(struct walk *w)
{
	struct otlp_span *s = &w->image_span;

	otlp_attr_int(&s->attrs, "keke.calls_left_out", (int64_t)w->left_out);
	w->stats->images++;
	w->stats->spans++;
	w->stats->left_out += w->left_out;
	w->cur = -1;
	return otlp_batch_span(&w->batch, &w->d.trace, s, w->err);
}

/* Closes the open image and opens each up to @target. */
static int advance_to(struct walk *w, int64_t target)
{
	while (w->cur != target) {
		int64_t next = w->cur < 0 ? 0 : w->cur + 1;

		if (w->cur >= 0 && end_image(w) != 0)
			return -1;
		if (next >= (int64_t)w->d.nimages)
			return 0;
		if (begin_image(w, next) != 0)
			return -1;
	}
	return 0;
}

/* Columns of the slice walk. */
enum { C_ID, C_TS, C_DUR, C_TRACK, C_CAT, C_NAME, C_PARENT, C_ARGS };

/* The slice of the current row of @st, in the open image. */
static int slice_row(struct walk *w, sqlite3_stmt *st)
{
	int64_t id = sqlite3_column_int64(st, C_ID);
	int64_t ts = sqlite3_column_int64(st, C_TS);
	int64_t dur = sqlite3_column_int64(st, C_DUR);
	const char *cat = (const char *)sqlite3_column_text(st, C_CAT);
	const char *name = (const char *)sqlite3_column_text(st, C_NAME);
	int64_t parent = w->d.images[w->cur].slice_id;
	struct otlp_span *s = &w->span;

	if (sqlite3_column_type(st, C_PARENT) != SQLITE_NULL)
		idmap_get(&w->kept_of,
			  (uint64_t)sqlite3_column_int64(st, C_PARENT),
			  &parent);
	if (!otlp_slice_kept(cat, dur, w->o->min_dur_ns)) {
		idmap_put(&w->kept_of, (uint64_t)id, parent);
		w->left_out++;
		return 0;
	}
	idmap_put(&w->kept_of, (uint64_t)id, id);
	otlp_span_clear(s);
	otlp_span_id_of(&w->d, id, s->span_id);
	otlp_span_id_of(&w->d, parent, s->parent);
	otlp_span_name(s, name && *name ? name : "call");
	s->start = unix_ns(w, ts);
	s->end = unix_ns(w, ts + (dur > 0 ? dur : 0));
	if (otlp_args_to_span(w->args, sqlite3_column_int64(st, C_ARGS),
			      name ? name : "", s, NULL) != 0)
		return otlp_db_fail(&w->d, "reading args", w->err);
	w->stats->links += otlp_links_add(&w->links, id, s);
	w->stats->spans++;
	return otlp_batch_span(&w->batch, &w->d.trace, s, w->err);
}

/* Every slice but the images, by process and time: a parent before its
 * children. */
static int walk_slices(struct walk *w)
{
	sqlite3_stmt *st;
	int64_t proc, image;
	int rc = 0;

	if (sqlite3_prepare_v2(w->d.db, "SELECT s.id, s.ts, s.dur, "
			       "s.track_id, s.category, s.name, s.parent_id, "
			       "s.arg_set_id FROM " KEKE_DB_SLICE " s JOIN "
			       KEKE_DB_THREAD_TRACK " tt ON tt.id = s.track_id"
			       " JOIN " KEKE_DB_THREAD " t USING (utid) ORDER "
			       "BY t.upid, s.ts, s.depth, s.id", -1, &st, NULL)
	    != SQLITE_OK)
		return otlp_db_fail(&w->d, "reading the slices", w->err);
	while (!rc && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, C_ID);

		rc = 0;
		if (idmap_get(&w->d.image_of_slice, (uint64_t)id, &image) ||
		    !idmap_get(&w->d.proc_of_track, (uint64_t)
			       sqlite3_column_int64(st, C_TRACK), &proc))
			continue;
		image = otlp_db_image_at(&w->d, (size_t)proc,
					 sqlite3_column_int64(st, C_TS));
		if (image < 0 || image < w->cur)
			continue;	/* no image to hang it under */
		rc = advance_to(w, image) || slice_row(w, st) ? -1 : 0;
	}
	if (rc != 0 && rc != SQLITE_DONE && rc != -1)
		rc = otlp_db_fail(&w->d, "reading the slices", w->err);
	else if (rc == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(st);
	if (!rc && w->d.nimages)
		rc = advance_to(w, (int64_t)w->d.nimages - 1);
	if (!rc && w->cur >= 0)
		rc = end_image(w);
	return rc;
}

int keke_otlp_export(const struct keke_otlp_options *o,
		     struct keke_otlp_stats *stats, char *err)
{
	struct walk w = { .o = o, .stats = stats, .cur = -1, .err = err };
	int rc = -1;

	*stats = (struct keke_otlp_stats){ 0 };
	idmap_init(&w.kept_of);
	otlp_batch_init(&w.batch, o);
	if (otlp_db_open(&w.d, o->db, err) != 0)
		goto out;
	memcpy(stats->trace_id, w.d.trace.trace_id, 16);
	if (otlp_links_read(&w.links, &w.d, o->min_dur_ns, err) != 0)
		goto out;
	w.args = otlp_args_prepare(w.d.db);
	if (!w.args) {
		otlp_db_fail(&w.d, "reading args", err);
		goto out;
	}
	if (walk_slices(&w) == 0 && otlp_batch_finish(&w.batch, err) == 0)
		rc = 0;
	stats->requests = w.batch.requests;
out:
	sqlite3_finalize(w.args);
	otlp_links_free(&w.links);
	otlp_span_free(&w.span);
	otlp_span_free(&w.image_span);
	otlp_attrs_free(&w.resource);
	idmap_free(&w.kept_of);
	otlp_batch_free(&w.batch);
	otlp_db_close(&w.d);
	return rc;
}
