// SPDX-License-Identifier: MIT
/*
 * The processes of the report: loads the process and thread tables,
 * decides which processes are selected, and makes the per-executable
 * table (with the time since the latest end of a process of each name)
 * and the process tree, where same-name siblings fold into one line
 * ("cc x412") whose children are those of all of them.
 */
#include "report/context.h"

#include <stdlib.h>
#include <string.h>

#define TREE_LINES_MIN 200	/* tree lines shown, at least */
#define TREE_DEPTH_MAX 256	/* deeper lines are counted, not shown */

/* Column @i of @st as a string ("" for NULL). */
static const char *col_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s ? (const char *)s : "";
}

/* Whether process @p is selected by the filters and the window. */
static bool proc_matches(const struct rp_ctx *c, const struct rp_proc *p,
			 const char *name)
{
	const struct keke_report_options *o = c->o;
	int64_t end = p->end_ns > p->start_ns ? p->end_ns : p->start_ns;

	if (o->process && !keke_glob(o->process, name))
		return false;
	if (o->have_pid && p->pid != o->pid)
		return false;
	return p->start_ns < c->r->until_ns && end >= c->r->since_ns;
}

/* Room for one more process in c->procs. Returns 0, or -1 (ENOMEM). */
static int grow_procs(struct rp_ctx *c, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 256;
	struct rp_proc *n;

	if (c->nprocs < *cap)
		return 0;
	n = realloc(c->procs, ncap * sizeof(*n));
	if (!n)
		return -1;
	c->procs = n;
	*cap = ncap;
	return 0;
}

/* The process of @st's row into @p, its name interned. Returns 0, or -1
 * when out of memory. */
static int read_proc(struct rp_ctx *c, sqlite3_stmt *st, struct rp_proc *p)
{
	const char *name = col_text(st, 2);

	memset(p, 0, sizeof(*p));
	p->upid = sqlite3_column_int64(st, 0);
	p->pid = sqlite3_column_int(st, 1);
	if (rp_intern(&c->exe_names, name, strlen(name), &p->name))
		return -1;
	p->start_ns = sqlite3_column_int64(st, 3);
	p->end_ns = sqlite3_column_int64(st, 4);
	p->parent_upid = sqlite3_column_int64(st, 5);
	p->has_exit = sqlite3_column_type(st, 6) != SQLITE_NULL;
	p->exit_code = sqlite3_column_int(st, 6);
	p->signal = sqlite3_column_int(st, 7);
	p->untraced = sqlite3_column_int(st, 8) != 0;
	p->selected = proc_matches(c, p, name);
	return 0;
}

/* The process table into c->procs and c->upid_ix. */
static int load_processes(struct rp_ctx *c)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (sqlite3_prepare_v2(c->db,
			       "SELECT upid, pid, name, start_ts, end_ts,"
			       " parent_upid, exit_code, signal, untraced"
			       " FROM " KEKE_DB_PROCESS " ORDER BY upid",
			       -1, &st, NULL) != SQLITE_OK)
		return rp_sql_fail(c, "reading processes");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct rp_proc *p;

		if (grow_procs(c, &cap) ||
		    read_proc(c, st, &c->procs[c->nprocs])) {
			sqlite3_finalize(st);
			return rp_oom(c);
		}
		p = &c->procs[c->nprocs];
		c->r->nprocesses += p->selected;
		idmap_put(&c->upid_ix, (uint64_t)p->upid, (int64_t)c->nprocs);
		c->nprocs++;
	}
	if (rc != SQLITE_DONE)
		rp_sql_fail(c, "reading processes");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* The thread table into c->utid_ix. */
static int load_threads(struct rp_ctx *c)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db,
			       "SELECT utid, upid, is_main_thread FROM "
			       KEKE_DB_THREAD,
			       -1, &st, NULL) != SQLITE_OK)
		return rp_sql_fail(c, "reading threads");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t ix;

		if (!idmap_get(&c->upid_ix,
			       (uint64_t)sqlite3_column_int64(st, 1), &ix))
			continue;
		idmap_put(&c->utid_ix, (uint64_t)sqlite3_column_int64(st, 0),
			  ix << 1 | (sqlite3_column_int(st, 2) != 0));
	}
	if (rc != SQLITE_DONE)
		rp_sql_fail(c, "reading threads");
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int rp_procs_load(struct rp_ctx *c)
{
	idmap_init(&c->upid_ix);
	idmap_init(&c->utid_ix);
	if (load_processes(c))
		return -1;
	return load_threads(c);
}

bool rp_proc_selected(const struct rp_ctx *c, size_t proc)
{
	if (proc == RP_NONE)
		return !c->o->process && !c->o->have_pid;
	return c->procs[proc].selected;
}

/* Counts @code in @codes (most frequent first once sorted). */
static int count_code(struct keke_report_code **codes, size_t *n, int code)
{
	struct keke_report_code *v;

	for (size_t i = 0; i < *n; i++) {
		if ((*codes)[i].code == code) {
			(*codes)[i].count++;
			return 0;
		}
	}
	v = realloc(*codes, (*n + 1) * sizeof(*v));
	if (!v)
		return -1;
	v[*n] = (struct keke_report_code){ .code = code, .count = 1 };
	*codes = v;
	(*n)++;
	return 0;
}

static int cmp_code(const void *a, const void *b)
{
	const struct keke_report_code *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return (x->code > y->code) - (x->code < y->code);
}

static int cmp_exe(const void *a, const void *b)
{
	const struct keke_report_exe *x = a, *y = b;

	if (x->total_ns != y->total_ns)
		return x->total_ns < y->total_ns ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int64_t wall_of(const struct rp_proc *p)
{
	return p->end_ns > p->start_ns ? p->end_ns - p->start_ns : 0;
}

/* Counts process @p, of wall time also added to @walls, in @e. Returns 0,
 * or -1 when out of memory. */
static int count_proc(struct keke_report_exe *e, const struct rp_proc *p,
		      struct keke_values *walls)
{
	int64_t end = p->start_ns + wall_of(p);

	if (!e->processes || end > e->last_end_ns)
		e->last_end_ns = end;
	e->processes++;
	e->total_ns += wall_of(p);
	if (keke_values_add(walls, wall_of(p)))
		return -1;
	if (p->untraced)
		e->untraced++;
	if (p->signal)
		return count_code(&e->signals, &e->nsignals, p->signal);
	if (p->has_exit)
		return count_code(&e->exits, &e->nexits, p->exit_code);
	e->no_status++;
	return 0;
}

/* The wall time percentiles of each executable from @walls, and their
 * exit codes and signals most frequent first. */
static int sort_exes(struct keke_report *r, struct keke_values *walls)
{
	for (size_t i = 0; i < r->nexes; i++) {
		struct keke_report_exe *e = &r->exes[i];

		if (keke_values_pct(&walls[i], e->wall))
			return -1;
		e->since_last_ns = r->now_ns - e->last_end_ns;
		if (e->nexits)
			qsort(e->exits, e->nexits, sizeof(*e->exits),
			      cmp_code);
		if (e->nsignals)
			qsort(e->signals, e->nsignals, sizeof(*e->signals),
			      cmp_code);
	}
	qsort(r->exes, r->nexes, sizeof(*r->exes), cmp_exe);
	return 0;
}

int rp_exes_finish(struct rp_ctx *c)
{
	size_t nnames = c->exe_names.n;
	struct keke_report *r = c->r;
	struct keke_values *walls = calloc(nnames ? nnames : 1,
					   sizeof(*walls));
	size_t *slot = malloc((nnames ? nnames : 1) * sizeof(*slot));
	int ret = -1;

	if (!walls || !slot)
		goto out;
	r->exes = calloc(nnames ? nnames : 1, sizeof(*r->exes));
	if (!r->exes)
		goto out;
	for (size_t i = 0; i < nnames; i++)
		slot[i] = RP_NONE;
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct rp_proc *p = &c->procs[i];

		if (!p->selected)
			continue;
		if (slot[p->name] == RP_NONE) {
			slot[p->name] = r->nexes++;
			r->exes[slot[p->name]].name =
				strdup(c->exe_names.str[p->name]);
			if (!r->exes[slot[p->name]].name)
				goto out;
		}
		if (count_proc(&r->exes[slot[p->name]], p,
			       &walls[slot[p->name]]))
			goto out;
	}
	ret = sort_exes(r, walls);
out:
	if (walls)
		for (size_t i = 0; i < nnames; i++)
			keke_values_free(&walls[i]);
	free(walls);
	free(slot);
	return ret ? rp_oom(c) : 0;
}

/* The tree being built: children of each process, selected ones only. */
struct tree {
	struct rp_ctx *c;
	size_t *first;			/* children of process i: */
	size_t *count;			/* kids[first[i] .. + count[i]] */
	size_t *kids;
	size_t max_lines;
	size_t cap;
};

size_t rp_selected_parent(const struct rp_ctx *c, size_t i)
{
	int64_t up = c->procs[i].parent_upid, ix;

	/* Bounded, in case parents make a cycle. */
	for (size_t steps = 0; up && steps < c->nprocs; steps++) {
		if (!idmap_get(&c->upid_ix, (uint64_t)up, &ix))
			return RP_NONE;
		if (c->procs[ix].selected)
			return (size_t)ix;
		up = c->procs[ix].parent_upid;
	}
	return RP_NONE;
}

/* Orders process indices by start time, then upid. */
static int cmp_start(const void *a, const void *b, void *ctx)
{
	const struct rp_ctx *c = ctx;
	const struct rp_proc *x = &c->procs[*(const size_t *)a];
	const struct rp_proc *y = &c->procs[*(const size_t *)b];

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return (x->upid > y->upid) - (x->upid < y->upid);
}

void rp_sort_by_start(struct rp_ctx *c, size_t *v, size_t n)
{
	qsort_r(v, n, sizeof(*v), cmp_start, c);
}

/* Appends one line for the @n processes at @members. */
static int add_line(struct tree *t, const size_t *members, size_t n,
		    unsigned depth)
{
	struct keke_report *r = t->c->r;
	struct keke_report_node *l;
	const struct rp_proc *first = &t->c->procs[members[0]];
	struct keke_values walls = { 0 };
	int64_t pct[KEKE_NPCT];

	if (r->ntree == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct keke_report_node *v = realloc(r->tree,
						     cap * sizeof(*v));

		if (!v)
			return -1;
		r->tree = v;
		t->cap = cap;
	}
	l = &r->tree[r->ntree];
	memset(l, 0, sizeof(*l));
	l->name = strdup(t->c->exe_names.str[first->name]);
	if (!l->name)
		return -1;
	r->ntree++;
	l->depth = depth;
	l->count = n;
	l->pid = first->pid;
	l->start_ns = first->start_ns;
	for (size_t i = 0; i < n; i++) {
		const struct rp_proc *p = &t->c->procs[members[i]];

		l->total_ns += wall_of(p);
		if (keke_values_add(&walls, wall_of(p)))
			return -1;
		if (p->signal || (p->has_exit && p->exit_code))
			l->failed++;
	}
	if (keke_values_pct(&walls, pct)) {
		keke_values_free(&walls);
		return -1;
	}
	keke_values_free(&walls);
	l->p50_ns = pct[KEKE_P50];
	l->max_ns = pct[KEKE_P100];
	if (n == 1) {
		l->has_status = first->has_exit || first->signal;
		l->exit_code = first->exit_code;
		l->signal = first->signal;
	}
	return 0;
}

/*
 * Emits the @n sibling processes at @sibs (sorted by start), folding
 * those of one name together unless told not to, and below each line the
 * children of its processes, recursively.
 */
static int emit(struct tree *t, size_t *sibs, size_t n, unsigned depth)
{
	struct rp_ctx *c = t->c;
	bool *done = calloc(n ? n : 1, sizeof(*done));
	size_t *members = malloc((n ? n : 1) * sizeof(*members));
	int ret = -1;

	if (!done || !members)
		goto out;
	for (size_t i = 0; i < n; i++) {
		size_t m = 0, nkids = 0, *kids = NULL;

		if (done[i])
			continue;
		members[m++] = sibs[i];
		done[i] = true;
		for (size_t j = i + 1; j < n && !c->o->no_fold; j++) {
			if (!done[j] && c->procs[sibs[j]].name ==
						c->procs[sibs[i]].name) {
				members[m++] = sibs[j];
				done[j] = true;
			}
		}
		/* What is cut here is counted as not shown at the end. */
		if (c->r->ntree >= t->max_lines || depth >= TREE_DEPTH_MAX)
			continue;
		if (add_line(t, members, m, depth))
			goto out;
		for (size_t k = 0; k < m; k++)
			nkids += t->count[members[k]];
		if (!nkids)
			continue;
		kids = malloc(nkids * sizeof(*kids));
		if (!kids)
			goto out;
		nkids = 0;
		for (size_t k = 0; k < m; k++) {
			memcpy(kids + nkids, t->kids + t->first[members[k]],
			       t->count[members[k]] * sizeof(*kids));
			nkids += t->count[members[k]];
		}
		rp_sort_by_start(c, kids, nkids);
		if (emit(t, kids, nkids, depth + 1)) {
			free(kids);
			goto out;
		}
		free(kids);
	}
	ret = 0;
out:
	free(done);
	free(members);
	return ret;
}

int rp_tree_finish(struct rp_ctx *c)
{
	size_t n = c->nprocs ? c->nprocs : 1;
	struct tree t = { .c = c };
	size_t *parent = malloc(n * sizeof(*parent));
	size_t *roots = malloc(n * sizeof(*roots));
	size_t nroots = 0;
	int ret = -1;

	t.first = calloc(n, sizeof(*t.first));
	t.count = calloc(n, sizeof(*t.count));
	t.kids = malloc(n * sizeof(*t.kids));
	t.max_lines = c->top * 10 > TREE_LINES_MIN ? c->top * 10
						  : TREE_LINES_MIN;
	if (!parent || !roots || !t.first || !t.count || !t.kids)
		goto oom;
	for (size_t i = 0; i < c->nprocs; i++) {
		parent[i] = RP_NONE;
		if (!c->procs[i].selected)
			continue;
		parent[i] = rp_selected_parent(c, i);
		if (parent[i] == RP_NONE)
			roots[nroots++] = i;
		else
			t.count[parent[i]]++;
	}
	for (size_t i = 0, pos = 0; i < c->nprocs; i++) {
		t.first[i] = pos;
		pos += t.count[i];
		t.count[i] = 0;
	}
	for (size_t i = 0; i < c->nprocs; i++) {
		size_t p = parent[i];

		if (p != RP_NONE)
			t.kids[t.first[p] + t.count[p]++] = i;
	}
	for (size_t i = 0; i < c->nprocs; i++)
		rp_sort_by_start(c, t.kids + t.first[i], t.count[i]);
	rp_sort_by_start(c, roots, nroots);
	if (emit(&t, roots, nroots, 0))
		goto oom;
	c->r->tree_more = c->r->nprocesses;
	for (size_t i = 0; i < c->r->ntree; i++)
		c->r->tree_more -= c->r->tree[i].count;
	ret = 0;
	goto out;
oom:
	rp_oom(c);
out:
	free(parent);
	free(roots);
	free(t.first);
	free(t.count);
	free(t.kids);
	return ret;
}

void rp_procs_free(struct rp_ctx *c)
{
	free(c->procs);
	c->procs = NULL;
	c->nprocs = 0;
	idmap_free(&c->upid_ix);
	idmap_free(&c->utid_ix);
	rp_strtab_free(&c->exe_names);
}
