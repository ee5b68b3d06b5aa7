// SPDX-License-Identifier: MIT
/*
 * The per-call table of the report: for each call name, its count,
 * errors, total and self time, duration percentiles and, for the calls
 * that move bytes (record/call_io.h), the bytes they moved, with
 * percentiles and a log2 histogram of the sizes; and the time from the
 * latest end of one of them to now.
 *
 * Durations and sizes are kept (8 bytes each) until the end, where each
 * name's are sorted once for exact percentiles.
 *
 * Self time is the total less the time of the slices nested directly in
 * the calls. A nested slice adds its time to its parent's entry in a map;
 * a call takes its entry when it comes after its nested slices, and the
 * entries of the parents that came first (user spans get their id when
 * they begin, and a seek goes in start order) are settled at the end by
 * looking the parents up: one lookup per parent, not per slice.
 */
#include "report/context.h"

#include <stdlib.h>
#include <string.h>

#include "record/call_io.h"

#define CONSUMED INT64_MIN	/* a parent whose nested time was used */

struct call_stat {
	char *category;
	uint64_t count, errors, sized;
	int64_t total_ns, nested_ns, bytes;
	int64_t last_end_ns;
	bool moves_bytes;
	struct keke_values durs;
	struct keke_values sizes;
	struct keke_log2_hist hist;
	struct keke_log2_hist dur_hist;
};

struct rp_calls {
	struct call_stat *stat;		/* by name id (rp_ctx.names) */
	size_t cap;
	struct idmap nested;		/* parent id -> nested time */
};

int rp_name(struct rp_ctx *c, const char *name, size_t len, uint32_t *id)
{
	size_t n = c->names.n;

	if (rp_intern(&c->names, name, len, id))
		return rp_oom(c);
	if (c->names.n == n)
		return 0;
	if (*id >= c->kinds_cap) {
		size_t cap = c->kinds_cap ? c->kinds_cap * 2 : 64;
		uint8_t *k = realloc(c->kinds, cap);

		if (!k)
			return rp_oom(c);
		c->kinds = k;
		c->kinds_cap = cap;
	}
	c->kinds[*id] = (uint8_t)keke_call_io_named(c->names.str[*id]);
	return 0;
}

int rp_calls_init(struct rp_ctx *c)
{
	c->calls = calloc(1, sizeof(*c->calls));
	if (!c->calls)
		return rp_oom(c);
	idmap_init(&c->calls->nested);
	return 0;
}

/* The stats of name @id, growing the array to hold it. */
static struct call_stat *stat_of(struct rp_calls *cs, uint32_t id)
{
	if (id >= cs->cap) {
		struct call_stat *v = rp_grow_zeroed(cs->stat, &cs->cap, id,
						     sizeof(*v), 64);

		if (!v)
			return NULL;
		cs->stat = v;
	}
	return &cs->stat[id];
}

int rp_calls_nested(struct rp_ctx *c, const struct rp_slice *s)
{
	struct rp_calls *cs = c->calls;
	int64_t sum = 0;

	/* A depth-1 slice on a main thread sits in the process's image
	 * slice, which is not a call. */
	if (!s->parent_id || s->depth < 1 || (s->depth == 1 && s->main_thread))
		return 0;
	if (idmap_get(&cs->nested, (uint64_t)s->parent_id, &sum) &&
	    sum == CONSUMED)
		return 0;
	idmap_put(&cs->nested, (uint64_t)s->parent_id, sum + s->dur);
	return 0;
}

int rp_calls_add(struct rp_ctx *c, const struct rp_slice *s)
{
	struct rp_calls *cs = c->calls;
	struct call_stat *st;
	int64_t nested, bytes;

	st = stat_of(cs, s->name_id);
	if (!st)
		return rp_oom(c);
	if (!st->category) {
		st->category = strdup(s->category);
		if (!st->category)
			return rp_oom(c);
		st->moves_bytes = keke_io_moves(s->io);
	}
	if (!st->count || s->ts + s->dur > st->last_end_ns)
		st->last_end_ns = s->ts + s->dur;
	st->count++;
	st->errors += s->a.failed;
	st->total_ns += s->dur;
	keke_log2_add(&st->dur_hist, s->dur);
	if (keke_values_add(&st->durs, s->dur))
		return rp_oom(c);
	if (idmap_get(&cs->nested, (uint64_t)s->id, &nested) &&
	    nested != CONSUMED) {
		st->nested_ns += nested;
		idmap_put(&cs->nested, (uint64_t)s->id, CONSUMED);
	}
	bytes = rp_slice_bytes(s);
	if (bytes >= 0) {
		st->sized++;
		st->bytes += bytes;
		keke_log2_add(&st->hist, bytes);
		if (keke_values_add(&st->sizes, bytes))
			return rp_oom(c);
	}
	return 0;
}

/* Whether the slice @id (a parent of nested slices that came after it)
 * is a selected call; its stats into *@st if so. */
static int parent_call(struct rp_ctx *c, sqlite3_stmt *q, int64_t id,
		       struct call_stat **st)
{
	struct rp_calls *cs = c->calls;
	int64_t ts, v;
	size_t proc = RP_NONE;
	bool main_thread = false;
	const char *name, *cat;
	int rc;

	*st = NULL;
	sqlite3_reset(q);
	sqlite3_bind_int64(q, 1, id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return rp_sql_fail(c, "reading slices");
	ts = sqlite3_column_int64(q, 0);
	if (idmap_get(&c->utid_ix, (uint64_t)sqlite3_column_int64(q, 1), &v)) {
		proc = (size_t)(v >> 1);
		main_thread = v & 1;
	}
	name = (const char *)sqlite3_column_text(q, 2);
	cat = (const char *)sqlite3_column_text(q, 3);
	if (!name || ts < c->r->since_ns || ts >= c->r->until_ns ||
	    !rp_proc_selected(c, proc))
		return 0;
	if (sqlite3_column_int(q, 4) == 0 && main_thread && cat &&
	    !strcmp(cat, "process"))
		return 0;
	/* Selected by --path too, as far as its name was. */
	for (size_t i = 0; i < c->names.n && i < cs->cap; i++) {
		if (!strcmp(c->names.str[i], name) && cs->stat[i].count) {
			*st = &cs->stat[i];
			break;
		}
	}
	return 0;
}

/* Adds the nested time of parents that came before their nested slices. */
static int settle_nested(struct rp_ctx *c)
{
	struct rp_calls *cs = c->calls;
	sqlite3_stmt *q;
	int ret = 0;

	if (!cs->nested.len)
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT ts, track_id, name, category,"
			       " depth FROM " KEKE_DB_SLICE " WHERE id = ?1",
			       -1, &q, NULL) != SQLITE_OK)
		return rp_sql_fail(c, "reading slices");
	for (size_t i = 0; i < cs->nested.cap && !ret; i++) {
		struct call_stat *st;
		int64_t sum = cs->nested.values[i];

		if (!cs->nested.keys[i] || sum == CONSUMED)
			continue;
		ret = parent_call(c, q, (int64_t)(cs->nested.keys[i] - 1), &st);
		if (!ret && st)
			st->nested_ns += sum;
	}
	sqlite3_finalize(q);
	return ret;
}

static int cmp_call(const void *a, const void *b)
{
	const struct keke_report_call *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns < y->total_ns ? 1 : -1;
	return strcmp(x->name, y->name);
}

int rp_calls_finish(struct rp_ctx *c)
{
	struct rp_calls *cs = c->calls;
	struct keke_report *r = c->r;

	if (settle_nested(c))
		return -1;
	r->calls = calloc(c->names.n ? c->names.n : 1, sizeof(*r->calls));
	if (!r->calls)
		return rp_oom(c);
	for (size_t id = 0; id < c->names.n && id < cs->cap; id++) {
		struct call_stat *st = &cs->stat[id];
		struct keke_report_call *k = &r->calls[r->ncalls];

		if (!st->count)
			continue;
		k->name = strdup(c->names.str[id]);
		k->category = strdup(st->category);
		r->ncalls++;
		if (!k->name || !k->category)
			return rp_oom(c);
		k->count = st->count;
		k->errors = st->errors;
		k->total_ns = st->total_ns;
		k->self_ns = st->total_ns - st->nested_ns;
		k->last_end_ns = st->last_end_ns;
		k->since_last_ns = r->now_ns - st->last_end_ns;
		if (keke_values_pct(&st->durs, k->dur))
			return rp_oom(c);
		keke_values_free(&st->durs);
		k->moves_bytes = st->moves_bytes;
		k->sized = st->sized;
		k->bytes = st->bytes;
		k->hist = st->hist;
		k->dur_hist = st->dur_hist;
		if (keke_values_pct(&st->sizes, k->size))
			return rp_oom(c);
		keke_values_free(&st->sizes);
		r->ncalls_total += st->count;
	}
	qsort(r->calls, r->ncalls, sizeof(*r->calls), cmp_call);
	return 0;
}

void rp_calls_free(struct rp_ctx *c)
{
	struct rp_calls *cs = c->calls;

	if (!cs)
		return;
	for (size_t i = 0; i < cs->cap; i++) {
		free(cs->stat[i].category);
		keke_values_free(&cs->stat[i].durs);
		keke_values_free(&cs->stat[i].sizes);
	}
	free(cs->stat);
	idmap_free(&cs->nested);
	free(cs);
	c->calls = NULL;
}
