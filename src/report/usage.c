// SPDX-License-Identifier: MIT
/*
 * The resource tables of the report: per executable, its runs, CPU time
 * (user + system, summed and its percentiles over the processes), peak
 * RSS percentiles and the bytes keke's calls read and wrote; and the top
 * processes by CPU time and by peak RSS. The figures are the process
 * table's getrusage columns, each process's own CPU time as
 * RP_USAGE_SQL (context.h) makes it; a process whose figures are unknown
 * is counted as such, never as zero. Whole processes are counted: the
 * window and --process/--pid choose them, --call and --path do not
 * apply. A database older than these columns has no resource tables.
 */
#include "report/context.h"

#include <stdlib.h>
#include <string.h>

#define KIB 1024

/* What one process used, as the database says. */
struct proc_usage {
	bool known;
	bool from_wait;
	int64_t cpu_ns, rss_bytes;
};

/* The usage of each process into @v (by index in c->procs). */
static int load_usage(struct rp_ctx *c, struct proc_usage *v)
{
	sqlite3_stmt *st;
	int64_t ix;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT upid, rusage_from, rss_kb,"
			       " cpu_ns FROM (" RP_USAGE_SQL ")", -1, &st,
			       NULL) != SQLITE_OK)
		return rp_sql_fail(c, "reading the processes' usage");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const unsigned char *from = sqlite3_column_text(st, 1);
		struct proc_usage *u;

		if (!from || !idmap_get(&c->upid_ix,
					(uint64_t)sqlite3_column_int64(st, 0),
					&ix))
			continue;
		u = &v[ix];
		u->known = true;
		u->from_wait = !strcmp((const char *)from, "wait");
		u->rss_bytes = sqlite3_column_int64(st, 2) * KIB;
		u->cpu_ns = sqlite3_column_int64(st, 3);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rp_sql_fail(c, "reading the processes' usage");
	return 0;
}

static int cmp_usage(const void *a, const void *b)
{
	const struct keke_report_usage *x = a, *y = b;

	if (x->cpu_ns != y->cpu_ns)
		return x->cpu_ns < y->cpu_ns ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* Per executable: the selected processes of each name, most CPU first. */
static int make_exes(struct rp_ctx *c, const struct proc_usage *v,
		     const struct rp_bytes *bytes)
{
	size_t nnames = c->exe_names.n ? c->exe_names.n : 1;
	struct keke_report *r = c->r;
	struct keke_values *cpu = calloc(nnames, sizeof(*cpu));
	struct keke_values *rss = calloc(nnames, sizeof(*rss));
	size_t *slot = malloc(nnames * sizeof(*slot));
	int ret = -1;

	r->usage = calloc(nnames, sizeof(*r->usage));
	if (!cpu || !rss || !slot || !r->usage)
		goto out;
	for (size_t i = 0; i < nnames; i++)
		slot[i] = RP_NONE;
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct rp_proc *p = &c->procs[i];
		struct keke_report_usage *e;
		size_t k;

		if (!p->selected)
			continue;
		if (slot[p->name] == RP_NONE) {
			slot[p->name] = r->nusage++;
			r->usage[slot[p->name]].name =
				strdup(c->exe_names.str[p->name]);
			if (!r->usage[slot[p->name]].name)
				goto out;
		}
		k = slot[p->name];
		e = &r->usage[k];
		e->processes++;
		e->read_bytes += bytes[i].read;
		e->write_bytes += bytes[i].write;
		if (!v[i].known) {
			e->unknown++;
			r->usage_unknown++;
			continue;
		}
		e->cpu_ns += v[i].cpu_ns;
		if (keke_values_add(&cpu[k], v[i].cpu_ns) ||
		    keke_values_add(&rss[k], v[i].rss_bytes))
			goto out;
	}
	for (size_t k = 0; k < r->nusage; k++)
		if (keke_values_pct(&cpu[k], r->usage[k].cpu) ||
		    keke_values_pct(&rss[k], r->usage[k].rss))
			goto out;
	if (r->nusage > 1)
		qsort(r->usage, r->nusage, sizeof(*r->usage), cmp_usage);
	ret = 0;
out:
	for (size_t i = 0; i < nnames; i++) {
		if (cpu)
			keke_values_free(&cpu[i]);
		if (rss)
			keke_values_free(&rss[i]);
	}
	free(cpu);
	free(rss);
	free(slot);
	return ret ? rp_oom(c) : 0;
}

static int cmp_cpu(const void *a, const void *b)
{
	const struct keke_report_proc_usage *x = a, *y = b;

	if (x->cpu_ns != y->cpu_ns)
		return x->cpu_ns < y->cpu_ns ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

static int cmp_rss(const void *a, const void *b)
{
	const struct keke_report_proc_usage *x = a, *y = b;

	if (x->rss_bytes != y->rss_bytes)
		return x->rss_bytes < y->rss_bytes ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/*
 * The c->top selected processes of known usage first by @cmp into *@top
 * and *@n. Returns 0, or -1 when out of memory (c->err set).
 */
static int make_top(struct rp_ctx *c, const struct proc_usage *v,
		    int (*cmp)(const void *, const void *),
		    struct keke_report_proc_usage **top, size_t *n)
{
	struct keke_report_proc_usage *rows;
	size_t m = 0;

	rows = calloc(c->nprocs ? c->nprocs : 1, sizeof(*rows));
	if (!rows)
		return rp_oom(c);
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct rp_proc *p = &c->procs[i];

		if (!p->selected || !v[i].known)
			continue;
		/* The name is copied once the rows are cut. */
		rows[m++] = (struct keke_report_proc_usage){
			.name = (char *)c->exe_names.str[p->name],
			.pid = p->pid,
			.cpu_ns = v[i].cpu_ns,
			.rss_bytes = v[i].rss_bytes,
			.from_wait = v[i].from_wait,
		};
	}
	qsort(rows, m, sizeof(*rows), cmp);
	*top = rows;
	*n = 0;
	for (size_t i = 0; i < m && i < c->top; i++, (*n)++) {
		rows[i].name = strdup(rows[i].name);
		if (!rows[i].name)
			return rp_oom(c);
	}
	return 0;
}

int rp_usage_finish(struct rp_ctx *c)
{
	size_t n = c->nprocs ? c->nprocs : 1;
	struct proc_usage *v;
	struct rp_bytes *bytes;
	int ret = -1;

	if (!rp_has_column(c, KEKE_DB_PROCESS, "rusage_from"))
		return 0;
	c->r->has_usage = true;
	v = calloc(n, sizeof(*v));
	bytes = calloc(n, sizeof(*bytes));
	if (!v || !bytes) {
		rp_oom(c);
		goto out;
	}
	if (load_usage(c, v) || rp_io_bytes(c, bytes) < 0 ||
	    make_exes(c, v, bytes) ||
	    make_top(c, v, cmp_cpu, &c->r->top_cpu, &c->r->ntop_cpu) ||
	    make_top(c, v, cmp_rss, &c->r->top_rss, &c->r->ntop_rss))
		goto out;
	ret = 0;
out:
	free(v);
	free(bytes);
	return ret;
}
