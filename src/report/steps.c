// SPDX-License-Identifier: MIT
/*
 * The average trace of each executable: what its processes typically do,
 * and when. A step is the nth call of one name in a process (nth up to
 * --steps), or the nth user span of one name; for each, the share of the
 * processes that made it and the percentiles of its offset from the
 * process's start. Steps are listed by median offset, which reads like
 * the trace of a typical process.
 *
 * Only the --top executables with the most processes get one. Each of
 * their processes keeps, per call name, the first few calls by start
 * time, whatever order they come in (16 bytes a call); the offsets go into
 * one group per (executable, name, nth) at the end.
 */
#include "report/context.h"

#include <stdlib.h>
#include <string.h>

#define MAX_STEPS 40		/* steps shown per executable */

/* The first calls of one name in one process. */
struct entry {
	uint32_t proc;
	uint32_t name;
	uint32_t n;			/* kept, up to steps */
};

struct group {
	uint32_t exe, name, nth;
	struct keke_values offs, durs;
};

struct rp_steps {
	bool *chosen;			/* by exe name id: has a trace */
	struct idmap entry_ix;		/* proc << 32 | name -> entry */
	struct entry *entries;
	int64_t *off, *dur;		/* steps per entry */
	size_t n, cap;
};

/* Executables by selected processes, most first, then by name. */
static int cmp_trace(const void *a, const void *b)
{
	const struct keke_report_trace *x = a, *y = b;

	if (x->processes != y->processes)
		return x->processes < y->processes ? 1 : -1;
	return strcmp(x->exe, y->exe);
}

/*
 * Chooses the executables that get an average trace, before the scan so
 * that it keeps the steps of their processes only: the c->top ones with
 * the most selected processes. Their traces go into c->r->traces.
 */
int rp_steps_init(struct rp_ctx *c)
{
	struct keke_report *r = c->r;
	size_t nexe = c->exe_names.n ? c->exe_names.n : 1;
	uint64_t *procs = calloc(nexe, sizeof(*procs));
	struct rp_steps *ss = calloc(1, sizeof(*ss));
	int ret = -1;

	c->steps_st = ss;
	if (!ss || !procs)
		goto out;
	idmap_init(&ss->entry_ix);
	ss->chosen = calloc(nexe, sizeof(*ss->chosen));
	r->traces = calloc(nexe, sizeof(*r->traces));
	if (!ss->chosen || !r->traces)
		goto out;
	for (size_t i = 0; i < c->nprocs; i++)
		procs[c->procs[i].name] += c->procs[i].selected;
	for (size_t e = 0; e < c->exe_names.n; e++) {
		if (!procs[e])
			continue;
		r->traces[r->ntraces].exe = strdup(c->exe_names.str[e]);
		if (!r->traces[r->ntraces].exe)
			goto out;
		r->traces[r->ntraces++].processes = procs[e];
	}
	qsort(r->traces, r->ntraces, sizeof(*r->traces), cmp_trace);
	for (size_t i = c->top; i < r->ntraces; i++)
		free(r->traces[i].exe);
	if (r->ntraces > c->top)
		r->ntraces = c->top;
	for (size_t i = 0; i < r->ntraces; i++) {
		uint32_t id;

		/* Known already: this only finds its id. */
		if (rp_intern(&c->exe_names, r->traces[i].exe,
			      strlen(r->traces[i].exe), &id))
			goto out;
		ss->chosen[id] = true;
	}
	ret = 0;
out:
	free(procs);
	return ret ? rp_oom(c) : 0;
}

/* A new entry for @proc and @name; its index, or -1 out of memory. */
static int64_t new_entry(struct rp_ctx *c, size_t proc, uint32_t name)
{
	struct rp_steps *ss = c->steps_st;
	size_t k = c->steps;

	if (ss->n == ss->cap) {
		size_t cap = ss->cap ? ss->cap * 2 : 256;
		struct entry *e = realloc(ss->entries, cap * sizeof(*e));
		int64_t *off, *dur;

		if (!e)
			return -1;
		ss->entries = e;
		off = realloc(ss->off, cap * k * sizeof(*off));
		if (!off)
			return -1;
		ss->off = off;
		dur = realloc(ss->dur, cap * k * sizeof(*dur));
		if (!dur)
			return -1;
		ss->dur = dur;
		ss->cap = cap;
	}
	ss->entries[ss->n] = (struct entry){ .proc = (uint32_t)proc,
					     .name = name };
	idmap_put(&ss->entry_ix, rp_mix((uint64_t)proc << 32 | name),
		  (int64_t)ss->n);
	return (int64_t)ss->n++;
}

int rp_steps_add(struct rp_ctx *c, const struct rp_slice *s)
{
	struct rp_steps *ss = c->steps_st;
	size_t k = c->steps;
	uint32_t name = s->name_id;
	int64_t ix, off;
	struct entry *e;
	int64_t *offs, *durs;
	size_t at;

	if (s->proc == RP_NONE || s->proc > UINT32_MAX ||
	    !ss->chosen[c->procs[s->proc].name])
		return 0;
	if (!idmap_get(&ss->entry_ix, rp_mix((uint64_t)s->proc << 32 | name),
		       &ix)) {
		ix = new_entry(c, s->proc, name);
		if (ix < 0)
			return rp_oom(c);
	}
	e = &ss->entries[ix];
	offs = ss->off + (size_t)ix * k;
	durs = ss->dur + (size_t)ix * k;
	off = s->ts - c->procs[s->proc].start_ns;
	/* Keep the k earliest, sorted. */
	if (e->n == k && off >= offs[k - 1])
		return 0;
	at = e->n < k ? e->n : k - 1;
	while (at > 0 && offs[at - 1] > off) {
		offs[at] = offs[at - 1];
		durs[at] = durs[at - 1];
		at--;
	}
	offs[at] = off;
	durs[at] = s->dur;
	if (e->n < k)
		e->n++;
	return 0;
}

static int cmp_step(const void *a, const void *b)
{
	const struct keke_report_step *x = a, *y = b;
	int n;

	if (x->offset[KEKE_P50] != y->offset[KEKE_P50])
		return x->offset[KEKE_P50] < y->offset[KEKE_P50] ? -1 : 1;
	n = strcmp(x->name, y->name);
	if (n)
		return n;
	return (x->nth > y->nth) - (x->nth < y->nth);
}

static int cmp_step_share(const void *a, const void *b)
{
	const struct keke_report_step *x = a, *y = b;

	if (x->processes != y->processes)
		return x->processes < y->processes ? 1 : -1;
	return cmp_step(a, b);
}

/* Makes the steps of trace @t from the groups of executable @exe. */
static int make_steps(struct rp_ctx *c, struct keke_report_trace *t,
		      struct group *groups, size_t ngroups, uint32_t exe)
{
	size_t n = 0;

	for (size_t i = 0; i < ngroups; i++)
		n += groups[i].exe == exe;
	t->steps = calloc(n ? n : 1, sizeof(*t->steps));
	if (!t->steps)
		return -1;
	for (size_t i = 0; i < ngroups; i++) {
		struct group *g = &groups[i];
		struct keke_report_step *st;
		int64_t pct[KEKE_NPCT];

		if (g->exe != exe)
			continue;
		st = &t->steps[t->nsteps++];
		st->name = strdup(c->names.str[g->name]);
		if (!st->name)
			return -1;
		st->nth = g->nth + 1;
		st->processes = g->offs.n;
		if (keke_values_pct(&g->offs, st->offset) ||
		    keke_values_pct(&g->durs, pct))
			return -1;
		st->dur_p50 = pct[KEKE_P50];
	}
	if (t->nsteps > MAX_STEPS) {
		qsort(t->steps, t->nsteps, sizeof(*t->steps), cmp_step_share);
		for (size_t i = MAX_STEPS; i < t->nsteps; i++)
			free(t->steps[i].name);
		t->more = t->nsteps - MAX_STEPS;
		t->nsteps = MAX_STEPS;
	}
	qsort(t->steps, t->nsteps, sizeof(*t->steps), cmp_step);
	return 0;
}

/* The groups of the steps: one per (executable, name, nth). */
struct groups {
	struct group *v;
	size_t n, cap;
	struct idmap ix;		/* key -> index in v */
};

/* The group of @exe, @name and @nth, added when new; NULL when out of
 * memory. */
static struct group *group_of(struct rp_ctx *c, struct groups *gs,
			      uint32_t exe, uint32_t name, uint32_t nth)
{
	uint64_t key = ((uint64_t)exe * c->names.n + name) * c->steps + nth;
	int64_t gi;

	key = rp_mix(key);
	if (idmap_get(&gs->ix, key, &gi))
		return &gs->v[gi];
	if (gs->n == gs->cap) {
		size_t cap = gs->cap ? gs->cap * 2 : 64;
		struct group *v = realloc(gs->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		gs->v = v;
		gs->cap = cap;
	}
	gs->v[gs->n] = (struct group){ .exe = exe, .name = name, .nth = nth };
	idmap_put(&gs->ix, key, (int64_t)gs->n);
	return &gs->v[gs->n++];
}

/* Puts the offset and duration of each kept call into its group. */
static int group_steps(struct rp_ctx *c, struct groups *gs)
{
	struct rp_steps *ss = c->steps_st;
	size_t k = c->steps;

	for (size_t i = 0; i < ss->n; i++) {
		const struct entry *e = &ss->entries[i];
		uint32_t exe = c->procs[e->proc].name;

		for (uint32_t j = 0; j < e->n; j++) {
			struct group *g = group_of(c, gs, exe, e->name, j);
			size_t at = i * k + j;

			if (!g || keke_values_add(&g->offs, ss->off[at]) ||
			    keke_values_add(&g->durs, ss->dur[at]))
				return -1;
		}
	}
	return 0;
}

int rp_steps_finish(struct rp_ctx *c)
{
	struct keke_report *r = c->r;
	struct groups gs = { 0 };
	int ret = 0;

	idmap_init(&gs.ix);
	ret = group_steps(c, &gs);
	for (size_t i = 0; i < r->ntraces && !ret; i++) {
		uint32_t id;

		ret = rp_intern(&c->exe_names, r->traces[i].exe,
				strlen(r->traces[i].exe), &id) ||
		      make_steps(c, &r->traces[i], gs.v, gs.n, id);
	}
	for (size_t i = 0; i < gs.n; i++) {
		keke_values_free(&gs.v[i].offs);
		keke_values_free(&gs.v[i].durs);
	}
	free(gs.v);
	idmap_free(&gs.ix);
	return ret ? rp_oom(c) : 0;
}

void rp_steps_free(struct rp_ctx *c)
{
	struct rp_steps *ss = c->steps_st;

	if (!ss)
		return;
	idmap_free(&ss->entry_ix);
	free(ss->chosen);
	free(ss->entries);
	free(ss->off);
	free(ss->dur);
	free(ss);
	c->steps_st = NULL;
}
