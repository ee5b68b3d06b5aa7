// SPDX-License-Identifier: MIT
/*
 * The I/O table of the report: per selected process, the bytes its
 * recorded calls read and wrote (file_access, files and sockets alike)
 * beside the kernel's count of its reads and writes (rchar and wchar of
 * /proc/PID/io, which libkeke.so read as its last image ended), so that
 * what keke did not see shows as a gap.
 *
 * The kernel adds to a process's counters those of each child it reaps;
 * so a process's own are its counters less those of its children that
 * ended before it read its own (a child reaped by another, or after, is
 * not in them; nor is one whose counters are unknown, whose bytes then
 * stay in its parent's). The comparison is like for like: rchar counts
 * the read and write family, and so what stdio reads and writes through
 * it, and sendfile and copy_file_range, but not send/recv, splice or tee;
 * traced_rchar and traced_wchar are the bytes of keke's calls of the
 * kinds it counts. Whole processes are compared: the window and the call
 * and path filters do not apply here.
 */
#include "report/context.h"

#include <stdlib.h>
#include <string.h>

/* What the database says of one process's bytes. */
struct proc_io {
	bool has_kernel;
	int64_t io_ts, rchar, wchar, traced_rchar, traced_wchar;
	struct rp_bytes keke;
};

int rp_io_bytes(struct rp_ctx *c, struct rp_bytes *v)
{
	sqlite3_stmt *st;
	int64_t ix;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT upid, sum(read_bytes),"
			       " sum(write_bytes) FROM " KEKE_DB_FILE_ACCESS
			       " GROUP BY upid", -1, &st, NULL) != SQLITE_OK)
		return 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (!idmap_get(&c->upid_ix,
			       (uint64_t)sqlite3_column_int64(st, 0), &ix))
			continue;
		v[ix].read = sqlite3_column_int64(st, 1);
		v[ix].write = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rp_sql_fail(c, "reading file_access");
	return 1;
}

/* The kernel's and keke's counts of each process into @v (by index in
 * c->procs), keke's through @bytes (room for c->nprocs). Returns 1 when
 * the database has them, 0 when it is older than they are, -1 on error
 * (c->err set). */
static int load_counts(struct rp_ctx *c, struct proc_io *v,
		       struct rp_bytes *bytes)
{
	sqlite3_stmt *st;
	int64_t ix;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT upid, io_ts, io_rchar, io_wchar,"
			       " traced_rchar, traced_wchar FROM "
			       KEKE_DB_PROCESS, -1, &st, NULL) != SQLITE_OK)
		return 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct proc_io *p;

		if (!idmap_get(&c->upid_ix,
			       (uint64_t)sqlite3_column_int64(st, 0), &ix))
			continue;
		p = &v[ix];
		p->has_kernel = sqlite3_column_type(st, 2) == SQLITE_INTEGER &&
				sqlite3_column_type(st, 3) == SQLITE_INTEGER;
		p->io_ts = sqlite3_column_int64(st, 1);
		p->rchar = sqlite3_column_int64(st, 2);
		p->wchar = sqlite3_column_int64(st, 3);
		p->traced_rchar = sqlite3_column_int64(st, 4);
		p->traced_wchar = sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rp_sql_fail(c, "reading processes");
	rc = rp_io_bytes(c, bytes);
	for (size_t i = 0; rc > 0 && i < c->nprocs; i++)
		v[i].keke = bytes[i];
	return rc;
}

/* Takes from each process's counters those of its children that ended
 * before it read them (see the top). */
static void leave_out_children(const struct rp_ctx *c, struct proc_io *v,
			       const struct proc_io *all)
{
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct proc_io *kid = &all[i];
		struct proc_io *p;
		int64_t ix;

		if (!kid->has_kernel || !c->procs[i].parent_upid ||
		    !idmap_get(&c->upid_ix,
			       (uint64_t)c->procs[i].parent_upid, &ix))
			continue;
		p = &v[ix];
		if (!p->has_kernel || kid->io_ts > p->io_ts)
			continue;
		p->rchar -= kid->rchar;
		p->wchar -= kid->wchar;
	}
	for (size_t i = 0; i < c->nprocs; i++) {
		if (v[i].rchar < 0)
			v[i].rchar = 0;
		if (v[i].wchar < 0)
			v[i].wchar = 0;
	}
}

/* The bytes a row stands for, to order the rows by. */
static int64_t weight(const struct keke_report_io *x)
{
	return x->has_kernel ? x->rchar + x->wchar :
			       x->read_bytes + x->write_bytes;
}

static int cmp_io(const void *a, const void *b)
{
	const struct keke_report_io *x = a, *y = b;

	if (weight(x) != weight(y))
		return weight(x) < weight(y) ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Adds process row @x to the total @t. */
static void add_to_total(struct keke_report_io *t,
			 const struct keke_report_io *x)
{
	t->read_bytes += x->read_bytes;
	t->write_bytes += x->write_bytes;
	if (!x->has_kernel) {
		t->no_kernel++;
		return;
	}
	t->has_kernel = true;
	t->processes++;
	t->rchar += x->rchar;
	t->wchar += x->wchar;
	t->traced_rchar += x->traced_rchar;
	t->traced_wchar += x->traced_wchar;
}

/* The rows of the selected processes from @v into c->r, the most bytes
 * first, c->top of them, and their total. Returns 0 or -1 (c->err). */
static int make_rows(struct rp_ctx *c, const struct proc_io *v)
{
	struct keke_report *r = c->r;
	struct keke_report_io *rows = calloc(c->nprocs ? c->nprocs : 1,
					     sizeof(*rows));
	size_t n = 0;

	if (!rows)
		return rp_oom(c);
	r->io_total.name = strdup("total");
	if (!r->io_total.name) {
		free(rows);
		return rp_oom(c);
	}
	for (size_t i = 0; i < c->nprocs; i++) {
		const struct rp_proc *p = &c->procs[i];

		if (!p->selected)
			continue;
		rows[n] = (struct keke_report_io){
			.pid = p->pid,
			.read_bytes = v[i].keke.read,
			.write_bytes = v[i].keke.write,
			.has_kernel = v[i].has_kernel,
			.rchar = v[i].rchar,
			.wchar = v[i].wchar,
			.traced_rchar = v[i].traced_rchar,
			.traced_wchar = v[i].traced_wchar,
			.processes = 1,
		};
		/* The name last: rows are sorted, then cut, before the
		 * names of those kept are copied. */
		rows[n].name = (char *)c->exe_names.str[p->name];
		add_to_total(&r->io_total, &rows[n]);
		n++;
	}
	qsort(rows, n, sizeof(*rows), cmp_io);
	r->nio = n < c->top ? n : c->top;
	r->io_more = n - r->nio;
	for (size_t i = 0; i < r->nio; i++) {
		rows[i].name = strdup(rows[i].name);
		if (!rows[i].name) {
			r->nio = i;
			r->io = rows;
			return rp_oom(c);
		}
	}
	r->io = rows;
	return 0;
}

int rp_io_finish(struct rp_ctx *c)
{
	size_t n = c->nprocs ? c->nprocs : 1;
	struct proc_io *v = calloc(n, sizeof(*v));
	struct proc_io *all = calloc(n, sizeof(*all));
	struct rp_bytes *bytes = calloc(n, sizeof(*bytes));
	int ret = -1;

	if (!v || !all || !bytes) {
		rp_oom(c);
		goto out;
	}
	ret = load_counts(c, v, bytes);
	if (ret <= 0)
		goto out;
	memcpy(all, v, n * sizeof(*v));
	leave_out_children(c, v, all);
	c->r->has_io = true;
	ret = make_rows(c, v);
out:
	free(v);
	free(all);
	free(bytes);
	return ret < 0 ? -1 : 0;
}
