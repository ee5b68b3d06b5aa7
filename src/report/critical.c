// SPDX-License-Identifier: MIT
/*
 * The critical path in the report: the chain of processes and waits that
 * the root process's wall time depended on (the critical_path table, in
 * time order), as each executable's share of it, largest first, and with
 * --critical-path as its segments.
 *
 * The window clips the segments, and the path's time is what is left of
 * it; --process and --pid keep the segments of the processes they
 * select, and the shares of their executables, which stay shares of the
 * whole path in the window; --call and --path do not apply. A share is
 * the time the path is in the processes of that executable, whatever
 * they do then (run, sleep, block in a call, or wait on a child the path
 * cannot follow). A database without the table, or with an empty one,
 * has no critical path.
 */
#include "report/context.h"

#include <stdlib.h>
#include <string.h>

/* The time each executable (by name id) holds the path, and how many
 * segments. */
struct share_acc {
	int64_t ns;
	uint64_t segments;
};

/* The process of row @upid: its index in c->procs, or RP_NONE. */
static size_t proc_of(const struct rp_ctx *c, int64_t upid)
{
	int64_t ix;

	if (!upid || !idmap_get(&c->upid_ix, (uint64_t)upid, &ix))
		return RP_NONE;
	return (size_t)ix;
}

/* A copy of column @i of @st, or NULL (also for an empty one); *@oom set
 * when out of memory. */
static char *dup_text(sqlite3_stmt *st, int i, bool *oom)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	char *d;

	if (!s || !*s)
		return NULL;
	d = strdup((const char *)s);
	*oom |= !d;
	return d;
}

/* Appends the segment of @st's row, clipped to [@lo, @hi), in process
 * @proc, to c->r->segments (of *@cap). Returns 0, or -1 (out of memory). */
static int add_segment(struct rp_ctx *c, sqlite3_stmt *st, size_t proc,
		       int64_t lo, int64_t hi, size_t *cap)
{
	struct keke_report *r = c->r;
	struct keke_report_segment *g;
	size_t kid = proc_of(c, sqlite3_column_int64(st, 5));
	bool oom = false;

	if (r->nsegments == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;

		g = realloc(r->segments, ncap * sizeof(*g));
		if (!g)
			return -1;
		r->segments = g;
		*cap = ncap;
	}
	g = &r->segments[r->nsegments++];
	memset(g, 0, sizeof(*g));
	g->start_ns = lo - r->start_ns;
	g->dur_ns = hi - lo;
	g->name = strdup(proc == RP_NONE ? "?" :
			 c->exe_names.str[c->procs[proc].name]);
	g->pid = proc == RP_NONE ? 0 : c->procs[proc].pid;
	g->state = strdup((const char *)(sqlite3_column_text(st, 3) ?
					 sqlite3_column_text(st, 3) :
					 (const unsigned char *)"?"));
	g->call = dup_text(st, 4, &oom);
	if (kid != RP_NONE) {
		g->waiting_name = strdup(c->exe_names.str[c->procs[kid].name]);
		g->waiting_pid = c->procs[kid].pid;
		oom |= !g->waiting_name;
	}
	return oom || !g->name || !g->state ? -1 : 0;
}

static int cmp_share(const void *a, const void *b)
{
	const struct keke_report_share *x = a, *y = b;

	if (x->ns != y->ns)
		return x->ns < y->ns ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* The executables of @acc (by name id) that hold part of the path into
 * c->r->shares, largest first. */
static int make_shares(struct rp_ctx *c, const struct share_acc *acc)
{
	struct keke_report *r = c->r;

	r->shares = calloc(c->exe_names.n ? c->exe_names.n : 1,
			   sizeof(*r->shares));
	if (!r->shares)
		return -1;
	for (size_t i = 0; i < c->exe_names.n; i++) {
		struct keke_report_share *s = &r->shares[r->nshares];

		if (!acc[i].segments)
			continue;
		s->name = strdup(c->exe_names.str[i]);
		if (!s->name)
			return -1;
		s->ns = acc[i].ns;
		s->segments = acc[i].segments;
		r->nshares++;
	}
	if (r->nshares > 1)
		qsort(r->shares, r->nshares, sizeof(*r->shares), cmp_share);
	return 0;
}

/* Reads the path through @st: its time in the window, the time of each
 * executable into @acc, and with --critical-path the segments. */
static int read_path(struct rp_ctx *c, sqlite3_stmt *st,
		     struct share_acc *acc)
{
	struct keke_report *r = c->r;
	size_t cap = 0;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t ts = sqlite3_column_int64(st, 0);
		int64_t end = ts + sqlite3_column_int64(st, 1);
		int64_t lo = ts > r->since_ns ? ts : r->since_ns;
		int64_t hi = end < r->until_ns ? end : r->until_ns;
		size_t proc = proc_of(c, sqlite3_column_int64(st, 2));

		r->has_path = true;
		/* Outside the window; an instant counts at its start. */
		if (hi < lo || (hi == lo && (end > ts || lo >= r->until_ns)))
			continue;
		r->path_ns += hi - lo;
		if (!rp_proc_selected(c, proc))
			continue;
		if (proc != RP_NONE) {
			acc[c->procs[proc].name].ns += hi - lo;
			acc[c->procs[proc].name].segments++;
		}
		if (r->critical_path && add_segment(c, st, proc, lo, hi, &cap))
			return rp_oom(c);
	}
	if (rc != SQLITE_DONE)
		return rp_sql_fail(c, "reading the critical path");
	return 0;
}

int rp_path_finish(struct rp_ctx *c)
{
	struct share_acc *acc;
	sqlite3_stmt *st;
	int ret = -1;

	c->r->critical_path = c->o->critical_path;
	if (!rp_has_column(c, KEKE_DB_CRITICAL_PATH, "waiting_upid"))
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT ts, dur, upid, state, call,"
			       " waiting_upid FROM " KEKE_DB_CRITICAL_PATH
			       " ORDER BY id", -1, &st, NULL) != SQLITE_OK)
		return rp_sql_fail(c, "reading the critical path");
	acc = calloc(c->exe_names.n ? c->exe_names.n : 1, sizeof(*acc));
	if (!acc) {
		rp_oom(c);
		goto out;
	}
	if (read_path(c, st, acc))
		goto out;
	if (make_shares(c, acc)) {
		rp_oom(c);
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(st);
	free(acc);
	return ret;
}
