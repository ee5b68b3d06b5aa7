// SPDX-License-Identifier: MIT
/*
 * The timeline's data: the selected processes (already loaded by procs.c)
 * put in tree order, with their command lines and resource figures read
 * from the process table, the critical path from its table, and the
 * run's cpu_count from the metadata. Which of those the database has is
 * asked once, from its schema, so that a database of an older keke still
 * gives a timeline, without the figures.
 */
#include "report/timeline.h"

#include <stdlib.h>
#include <string.h>

#include "report/context.h"

#define NO_ROW SIZE_MAX

/* Which of the newer columns, table and metadata the database has
 * (load.c read the metadata). */
static void read_schema(struct rp_ctx *c, struct keke_timeline *t)
{
	int64_t n = c->r->cpu_count;

	t->has_rusage = rp_has_column(c, KEKE_DB_PROCESS, "rusage_from");
	t->has_path = rp_has_column(c, KEKE_DB_CRITICAL_PATH, "waiting_upid");
	t->cpu_count = n > 0 && n < 1 << 20 ? (int)n : 0;
}

/*
 * The selected processes of @c in tree order into @order (their indices
 * in c->procs; returns how many), with each one's depth in @depth (by
 * index in c->procs). Siblings, and roots, go by start time. Returns 0
 * with *@n set, or -1 when out of memory.
 */
static int tree_order(struct rp_ctx *c, size_t *order, unsigned *depth,
		      size_t *n)
{
	size_t np = c->nprocs ? c->nprocs : 1, nsel = 0, top = 0;
	size_t *by_start = malloc(np * sizeof(size_t));
	size_t *first = malloc(np * sizeof(size_t));	/* first child */
	size_t *last = malloc(np * sizeof(size_t));	/* last child */
	size_t *next = malloc(np * sizeof(size_t));	/* next sibling */
	size_t *stack = malloc(np * sizeof(size_t));
	int ret = -1;

	*n = 0;
	if (!by_start || !first || !last || !next || !stack)
		goto out;
	for (size_t i = 0; i < c->nprocs; i++) {
		first[i] = last[i] = next[i] = NO_ROW;
		if (c->procs[i].selected)
			by_start[nsel++] = i;
	}
	rp_sort_by_start(c, by_start, nsel);
	/* Children linked in start order; roots pushed so that the earliest
	 * is on top. */
	for (size_t k = 0; k < nsel; k++) {
		size_t i = by_start[k], p = rp_selected_parent(c, i);

		if (p == NO_ROW)
			continue;
		if (last[p] == NO_ROW)
			first[p] = i;
		else
			next[last[p]] = i;
		last[p] = i;
	}
	for (size_t k = nsel; k-- > 0;) {
		if (rp_selected_parent(c, by_start[k]) != NO_ROW)
			continue;
		depth[by_start[k]] = 0;
		stack[top++] = by_start[k];
	}
	/* Depth first; a process is pushed once, by its one parent. */
	while (top) {
		size_t i = stack[--top], kids = 0;

		order[(*n)++] = i;
		for (size_t k = first[i]; k != NO_ROW; k = next[k])
			kids++;
		top += kids;
		for (size_t k = first[i], at = top; k != NO_ROW; k = next[k]) {
			stack[--at] = k;
			depth[k] = depth[i] + 1;
		}
	}
	ret = 0;
out:
	free(by_start);
	free(first);
	free(last);
	free(next);
	free(stack);
	return ret;
}

/* The index in t->exes of the executable @name, added when new. */
static size_t exe_of(struct keke_timeline *t, size_t *exe_ix, uint32_t name,
		     const char *str)
{
	if (exe_ix[name] == NO_ROW) {
		t->exes[t->nexes].name = strdup(str);
		if (!t->exes[t->nexes].name)
			return NO_ROW;
		exe_ix[name] = t->nexes++;
	}
	t->exes[exe_ix[name]].processes++;
	return exe_ix[name];
}

/* The rows of t in tree order, @row_of each process index set. */
static int make_rows(struct rp_ctx *c, struct keke_timeline *t,
		     size_t *row_of)
{
	size_t np = c->nprocs ? c->nprocs : 1;
	size_t *order = malloc(np * sizeof(*order));
	unsigned *depth = malloc(np * sizeof(*depth));
	size_t *exe_ix = malloc((c->exe_names.n + 1) * sizeof(*exe_ix));
	int ret = -1;

	t->procs = calloc(np, sizeof(*t->procs));
	t->exes = calloc(c->exe_names.n + 1, sizeof(*t->exes));
	if (!order || !depth || !exe_ix || !t->procs || !t->exes ||
	    tree_order(c, order, depth, &t->nprocs))
		goto out;
	for (size_t i = 0; i < c->nprocs; i++)
		row_of[i] = NO_ROW;
	for (size_t i = 0; i < c->exe_names.n; i++)
		exe_ix[i] = NO_ROW;
	t->start_ns = INT64_MAX;
	t->end_ns = INT64_MIN;
	for (size_t k = 0; k < t->nprocs; k++) {
		const struct rp_proc *p = &c->procs[order[k]];
		struct keke_timeline_proc *x = &t->procs[k];

		row_of[order[k]] = k;
		x->pid = p->pid;
		x->depth = depth[order[k]];
		x->start_ns = p->start_ns;
		x->end_ns = p->end_ns > p->start_ns ? p->end_ns : p->start_ns;
		x->has_exit = p->has_exit;
		x->exit_code = p->exit_code;
		x->signal = p->signal;
		x->exe = exe_of(t, exe_ix, p->name,
				c->exe_names.str[p->name]);
		if (x->exe == NO_ROW)
			goto out;
		if (x->start_ns < t->start_ns)
			t->start_ns = x->start_ns;
		if (x->end_ns > t->end_ns)
			t->end_ns = x->end_ns;
	}
	ret = 0;
out:
	free(order);
	free(depth);
	free(exe_ix);
	return ret;
}

static enum keke_rusage_from rusage_from(sqlite3_stmt *st, int col)
{
	const char *s = (const char *)sqlite3_column_text(st, col);

	if (s && !strcmp(s, "exit"))
		return KEKE_RUSAGE_EXIT;
	if (s && !strcmp(s, "wait"))
		return KEKE_RUSAGE_WAIT;
	return KEKE_RUSAGE_UNKNOWN;
}

/* The command lines and, when the database has them, the resource
 * figures of the rows. */
static int read_figures(struct rp_ctx *c, struct keke_timeline *t,
			const size_t *row_of)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, t->has_rusage ?
			       "SELECT upid, cmdline, cpu_user_ns, cpu_sys_ns,"
			       " peak_rss_kb, rusage_from FROM "
			       KEKE_DB_PROCESS :
			       "SELECT upid, cmdline FROM " KEKE_DB_PROCESS,
			       -1, &st, NULL) != SQLITE_OK)
		return rp_sql_fail(c, "reading processes");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *cmd = sqlite3_column_text(st, 1);
		struct keke_timeline_proc *x;
		int64_t ix;

		if (!idmap_get(&c->upid_ix, (uint64_t)sqlite3_column_int64(st,
				0), &ix) || row_of[ix] == NO_ROW)
			continue;
		x = &t->procs[row_of[ix]];
		x->cmdline = strdup(cmd ? (const char *)cmd : "");
		if (!x->cmdline) {
			sqlite3_finalize(st);
			return rp_oom(c);
		}
		if (!t->has_rusage)
			continue;
		x->from = rusage_from(st, 5);
		if (x->from == KEKE_RUSAGE_UNKNOWN)
			continue;
		x->cpu_user_ns = sqlite3_column_int64(st, 2);
		x->cpu_sys_ns = sqlite3_column_int64(st, 3);
		x->peak_rss_kb = sqlite3_column_int64(st, 4);
		t->nrusage++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rp_sql_fail(c, "reading processes");
	return 0;
}

/* The critical path's segments, each on its row if selected. */
static int read_path(struct rp_ctx *c, struct keke_timeline *t,
		     const size_t *row_of)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT ts, dur, upid, state, call FROM "
			       KEKE_DB_CRITICAL_PATH " ORDER BY ts, id",
			       -1, &st, NULL) != SQLITE_OK)
		return rp_sql_fail(c, "reading the critical path");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *state = sqlite3_column_text(st, 3);
		const unsigned char *call = sqlite3_column_text(st, 4);
		struct keke_timeline_seg *g;
		int64_t ix;

		if (t->npath == cap) {
			g = rp_grow_zeroed(t->path, &cap, cap, sizeof(*g), 64);
			if (!g)
				break;
			t->path = g;
		}
		g = &t->path[t->npath++];
		g->ts_ns = sqlite3_column_int64(st, 0);
		g->dur_ns = sqlite3_column_int64(st, 1);
		g->proc = NO_ROW;
		if (idmap_get(&c->upid_ix, (uint64_t)sqlite3_column_int64(st,
				2), &ix) && row_of[ix] != NO_ROW) {
			g->proc = row_of[ix];
			t->procs[g->proc].on_path = true;
		}
		g->state = strdup(state ? (const char *)state : "");
		g->call = call ? strdup((const char *)call) : NULL;
		if (!g->state || (call && !g->call))
			break;
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW)
		return rp_oom(c);
	if (rc != SQLITE_DONE)
		return rp_sql_fail(c, "reading the critical path");
	return 0;
}

/* The span of the charts: the rows', cut to the window. */
static void clip_span(const struct rp_ctx *c, struct keke_timeline *t)
{
	if (!t->nprocs) {
		t->start_ns = t->end_ns = c->r->start_ns;
		return;
	}
	if (t->start_ns < c->r->since_ns)
		t->start_ns = c->r->since_ns;
	if (t->end_ns > c->r->until_ns)
		t->end_ns = c->r->until_ns;
	if (t->end_ns < t->start_ns)
		t->end_ns = t->start_ns;
}

int rp_timeline_load(struct rp_ctx *c)
{
	struct keke_timeline *t = calloc(1, sizeof(*t));
	size_t *row_of = malloc((c->nprocs ? c->nprocs : 1) *
				sizeof(*row_of));
	int ret = -1;

	c->r->timeline = t;
	if (!t || !row_of || make_rows(c, t, row_of)) {
		rp_oom(c);
		goto out;
	}
	read_schema(c, t);
	if (read_figures(c, t, row_of) ||
	    (t->has_path && read_path(c, t, row_of)))
		goto out;
	clip_span(c, t);
	rp_timeline_cpu(t);
	ret = 0;
out:
	free(row_of);
	return ret;
}

void keke_timeline_free(struct keke_timeline *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nprocs; i++)
		free(t->procs[i].cmdline);
	for (size_t i = 0; i < t->nexes; i++)
		free(t->exes[i].name);
	for (size_t i = 0; i < t->npath; i++) {
		free(t->path[i].state);
		free(t->path[i].call);
	}
	free(t->procs);
	free(t->exes);
	free(t->path);
	free(t);
}
