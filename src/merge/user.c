// SPDX-License-Identifier: MIT
/*
 * The records of the annotation API (keke.h): spans are begun and ended
 * by separate records, so each thread keeps a stack of open spans; calls
 * recorded while a span is open become its children; arguments attach to
 * the innermost open span; instants, counters and flows are placed on the
 * thread at that moment. Memory grows with the nesting depth, never with
 * the number of events.
 */
#include "merge/user.h"

#include <stdlib.h>
#include <string.h>

#define SPAN_DEPTH_MAX 256	/* deeper begins are ignored, with their ends */

struct span {
	int64_t id;
	int64_t ts_ns;
	char *name;
	char *category;
	struct keke_arg args[KEKE_MAX_FIELDS];
	unsigned nargs;
	bool flow_end;		/* a flow starts or ends at it */
};

/* A copy of the string field @key of @rec, or of @fallback when it has
 * none or an empty one. */
static char *copy_name(const struct keke_record *rec, unsigned key,
		       const char *fallback)
{
	const struct keke_field *f = keke_record_str(rec, key);

	if (f && f->len)
		return merge_memdup(f->s, f->len);
	return merge_memdup(fallback, strlen(fallback));
}

void merge_place(struct merge *m, const struct image *im,
		 const struct thr *t, struct keke_slice *s)
{
	bool main_thread = t->tid == m->procs[im->proc].pid;
	int base = main_thread ? 1 : 0;

	s->depth = base + (int)t->nspans;
	if (t->nspans)
		s->parent_id = t->spans[t->nspans - 1].id;
	else
		s->parent_id = main_thread ? im->slice_id : 0;
}

/* The pid of @im's process as the traces show it. */
static int shown_pid(const struct merge *m, const struct image *im)
{
	const struct proc *p = &m->procs[im->proc];

	return merge_shown_pid(p->pid_base, p->pid);
}

static void free_span(struct span *sp)
{
	for (unsigned i = 0; i < sp->nargs; i++) {
		free((char *)sp->args[i].key);
		free((char *)sp->args[i].s);
	}
	free(sp->name);
	free(sp->category);
}

/* Opens a span on @t at @ts and announces it to the sinks (sink.h). */
static int begin_span(struct merge *m, const struct image *im, struct thr *t,
		      const struct keke_record *rec, int64_t ts)
{
	struct span *sp;

	if (t->nspans == SPAN_DEPTH_MAX) {
		t->lost_spans++;
		return 0;
	}
	if (t->nspans == t->spans_cap) {
		t->spans_cap = t->spans_cap ? t->spans_cap * 2 : 8;
		t->spans = merge_grow(t->spans, t->spans_cap, sizeof(*sp));
	}
	sp = &t->spans[t->nspans++];
	*sp = (struct span){
		.id = m->next_slice_id++,
		.ts_ns = ts,
		.name = copy_name(rec, KEKE_KEY_NAME, "span"),
		.category = copy_name(rec, KEKE_KEY_CAT, "user"),
	};
	struct keke_slice s = {
		.id = sp->id,
		.utid = t->utid,
		.pid = shown_pid(m, im),
		.tid = merge_shown_pid(t->pid_base, t->tid),
		.ts_ns = ts,
		.category = sp->category,
		.name = sp->name,
	};
	t->nspans--;	/* placed as the thread was before it */
	merge_place(m, im, t, &s);
	t->nspans++;
	return EACH_SINK(m, slice_begin, &s);
}

/* Ends the innermost open span of @t at @ts and sends it. */
static int end_span(struct merge *m, const struct image *im, struct thr *t,
		    int64_t ts)
{
	struct span sp;
	int rc;

	if (t->lost_spans) {
		t->lost_spans--;
		return 0;
	}
	if (!t->nspans)
		return 0;	/* an end without a begin: nothing to end */
	sp = t->spans[--t->nspans];
	struct keke_slice s = {
		.id = sp.id,
		.utid = t->utid,
		.pid = shown_pid(m, im),
		.tid = merge_shown_pid(t->pid_base, t->tid),
		.ts_ns = sp.ts_ns,
		.dur_ns = ts > sp.ts_ns ? ts - sp.ts_ns : 0,
		.category = sp.category,
		.name = sp.name,
		.nargs = sp.nargs,
		.args = sp.args,
		.flow_end = sp.flow_end,
	};
	merge_place(m, im, t, &s);
	rc = merge_send_slice(m, &s);
	free_span(&sp);
	return rc;
}

static void add_arg(struct thr *t, const struct keke_record *rec)
{
	const struct keke_field *key = keke_record_str(rec, KEKE_KEY_NAME);
	const struct keke_field *value = keke_record_field(rec,
							   KEKE_KEY_VALUE);
	struct span *sp;

	if (!t->nspans || !key || !value)
		return;
	sp = &t->spans[t->nspans - 1];
	if (sp->nargs == KEKE_MAX_FIELDS)
		return;
	sp->args[sp->nargs++] = (struct keke_arg){
		.key = copy_name(rec, KEKE_KEY_NAME, "arg"),
		.is_str = value->is_str,
		.i = value->i,
		.s = value->is_str ? merge_memdup(value->s, value->len) : NULL,
		.len = value->len,
	};
}

/* An instant slice on @t at @ts; its id in *id when not NULL. */
static int instant(struct merge *m, const struct image *im, struct thr *t,
		   int64_t ts, const char *name, const char *category,
		   int64_t *id)
{
	struct keke_slice s = {
		.id = m->next_slice_id++,
		.utid = t->utid,
		.pid = shown_pid(m, im),
		.tid = merge_shown_pid(t->pid_base, t->tid),
		.ts_ns = ts,
		.category = category,
		.name = name,
		.instant = true,
		.flow_end = id != NULL,
	};

	merge_place(m, im, t, &s);
	if (id)
		*id = s.id;
	return merge_send_slice(m, &s);
}

static int named_instant(struct merge *m, const struct image *im,
			 struct thr *t, const struct keke_record *rec,
			 int64_t ts)
{
	char *name = copy_name(rec, KEKE_KEY_NAME, "instant");
	char *cat = copy_name(rec, KEKE_KEY_CAT, "user");
	int rc = instant(m, im, t, ts, name, cat, NULL);

	free(name);
	free(cat);
	return rc;
}

/* FNV-1a of a counter's process and name: the key of its track. */
static uint64_t counter_key(int64_t upid, const char *name, size_t len)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)upid;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 1099511628211ull;
	return h;
}

static int counter(struct merge *m, const struct image *im, struct thr *t,
		   const struct keke_record *rec, int64_t ts)
{
	const struct keke_field *name = keke_record_str(rec, KEKE_KEY_NAME);
	const struct keke_field *value = keke_record_field(rec,
							   KEKE_KEY_VALUE);
	const struct proc *p = &m->procs[im->proc];
	char *text;
	int64_t track;
	bool new_track = false;
	int rc;

	if (!name || !value || value->is_str)
		return 0;
	uint64_t key = counter_key(p->upid, name->s, name->len);
	if (!idmap_get(&m->counter_tracks, key, &track)) {
		track = ++m->ncounter_tracks;
		idmap_put(&m->counter_tracks, key, track);
		new_track = true;
	}
	text = copy_name(rec, KEKE_KEY_NAME, "counter");
	struct keke_counter c = {
		.track_id = track,
		.new_track = new_track,
		.upid = p->upid,
		.utid = t->utid,
		.pid = merge_shown_pid(p->pid_base, p->pid),
		.tid = merge_shown_pid(t->pid_base, t->tid),
		.name = text,
		.ts_ns = ts,
		.value = value->i,
	};
	rc = EACH_SINK(m, counter, &c);
	free(text);
	return rc;
}

/* A flow end at the innermost open span, or at an instant made for it. */
static int flow_end(struct merge *m, const struct image *im, struct thr *t,
		    const struct keke_record *rec, int64_t ts)
{
	const struct keke_field *out = keke_record_field(rec,
							 KEKE_KEY_FLOW_OUT);
	const struct keke_field *in = keke_record_field(rec, KEKE_KEY_FLOW_IN);
	const struct keke_field *f = out ? out : in;
	struct flow_end end = { 0, shown_pid(m, im),
				merge_shown_pid(t->pid_base, t->tid), ts };
	/* Viewers bind a flow only to slices of its category: user flows
	 * join spans of the default category. */
	const char *category = "user";
	struct flow *fl;

	if (!f || f->is_str || !f->i)
		return 0;
	if (t->nspans) {
		struct span *sp = &t->spans[t->nspans - 1];

		end.slice = sp->id;
		end.ts_ns = sp->ts_ns;
		sp->flow_end = true;
	} else if (instant(m, im, t, ts, out ? "flow out" : "flow in",
			   category, &end.slice)) {
		return -1;
	}
	fl = merge_flow(m, (uint64_t)f->i);
	if (out) {
		fl->out = end;
		fl->out_proc = im->proc;
		fl->category = category;
	} else {
		fl->in = end;
	}
	return 0;
}

int merge_user_record(struct merge *m, struct image *im, struct thr *t,
		      const struct keke_record *rec, int64_t ts)
{
	switch (rec->type) {
	case KEKE_REC_SPAN_BEGIN:
		return begin_span(m, im, t, rec, ts);
	case KEKE_REC_SPAN_END:
		return end_span(m, im, t, ts);
	case KEKE_REC_ARG:
		add_arg(t, rec);
		return 0;
	case KEKE_REC_INSTANT:
		return named_instant(m, im, t, rec, ts);
	case KEKE_REC_COUNTER:
		return counter(m, im, t, rec, ts);
	case KEKE_REC_FLOW:
		return flow_end(m, im, t, rec, ts);
	}
	return 0;
}

void merge_free_spans(struct thr *t)
{
	while (t->nspans)
		free_span(&t->spans[--t->nspans]);
	free(t->spans);
	t->spans = NULL;
	t->spans_cap = 0;
}

int merge_close_spans(struct merge *m, struct image *im)
{
	for (size_t i = 0; i < im->threads.cap; i++) {
		struct thr *t;

		if (!im->threads.keys[i])
			continue;
		t = &m->thrs[im->threads.values[i]];
		t->lost_spans = 0;
		while (t->nspans)
			if (end_span(m, im, t, im->end_ns))
				return -1;
	}
	return 0;
}
