// SPDX-License-Identifier: MIT
/*
 * The files view of the report (--files): per executable and per process,
 * the files it read, wrote, created and removed, and the paths it looked
 * for that were not there (the dependencies a build system cannot see in
 * what was read), with bytes and times, from the merge's file_access
 * table. Rows of kind "file" are listed (every path, --path narrowing
 * them); sockets, pipes and fds keke could not name are summed apart.
 * Whole processes are shown, as selected by --process, --pid and the
 * window; the call filter does not apply.
 */
#include "report/context.h"

#include <stdlib.h>
#include <string.h>

#define FILE_COLS "upid, path, kind, read_bytes, write_bytes, opened," \
	" opened_write, created, truncated, deleted, probed, probed_missing," \
	" renamed_to, calls, dur_ns, first_ts_ns, last_ts_ns"

/* An executable's files being gathered: their paths interned, in order. */
struct exe_files {
	struct rp_strtab paths;		/* id -> index in files */
	struct keke_report_files *out;
	size_t cap;			/* files allocated */
};

struct files_ctx {
	struct rp_ctx *c;
	struct exe_files *exes;		/* by exe name id */
	size_t *proc_slot;		/* by proc index: in files_by_proc */
	size_t *file_caps;		/* by slot: files allocated */
	sqlite3_stmt *cmdline;		/* by upid */
	size_t procs_cap;
};

/* What the counts of @f say it did (KEKE_ROLE_*): see report.h. */
static unsigned roles_of(const struct keke_report_file *f,
			 uint64_t opened_write, uint64_t truncated,
			 uint64_t probed)
{
	unsigned r = 0;

	if (f->read_bytes > 0 || f->opened > opened_write)
		r |= KEKE_ROLE_READ;
	if (f->write_bytes > 0 || opened_write || truncated)
		r |= KEKE_ROLE_WROTE;
	if (f->created)
		r |= KEKE_ROLE_CREATED;
	if (f->deleted)
		r |= KEKE_ROLE_REMOVED;
	if (f->probed_missing)
		r |= KEKE_ROLE_MISSING;
	if (!r && probed)
		r |= KEKE_ROLE_PROBED;
	return r;
}

/* Counts @roles into the group's numbers of files of each role. */
static void count_roles(struct keke_report_files *g, unsigned roles)
{
	g->nread += !!(roles & KEKE_ROLE_READ);
	g->nwritten += !!(roles & KEKE_ROLE_WROTE);
	g->ncreated += !!(roles & KEKE_ROLE_CREATED);
	g->nremoved += !!(roles & KEKE_ROLE_REMOVED);
	g->nmissing += !!(roles & KEKE_ROLE_MISSING);
}

/* Room for one more file in @g, which holds *@cap. Returns it, or NULL. */
static struct keke_report_file *new_file(struct keke_report_files *g,
					 size_t *cap)
{
	if (g->nfiles == *cap) {
		size_t n = *cap ? *cap * 2 : 16;
		struct keke_report_file *v = realloc(g->files, n * sizeof(*v));

		if (!v)
			return NULL;
		g->files = v;
		*cap = n;
	}
	memset(&g->files[g->nfiles], 0, sizeof(g->files[0]));
	return &g->files[g->nfiles++];
}

/* Column @i of @st as a malloc'd string, NULL for SQL NULL; *@oom when
 * the copy could not be made. */
static char *dup_col(sqlite3_stmt *st, int i, bool *oom)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	char *d;

	if (!s)
		return NULL;
	d = strdup((const char *)s);
	*oom |= !d;
	return d;
}

/* The group of the process @ix (made on its first file). */
static struct keke_report_files *proc_group(struct files_ctx *fc, size_t ix)
{
	struct rp_ctx *c = fc->c;
	struct keke_report *r = c->r;
	const struct rp_proc *p = &c->procs[ix];
	struct keke_report_files *g;
	bool oom = false;

	if (fc->proc_slot[ix] != RP_NONE)
		return &r->files_by_proc[fc->proc_slot[ix]];
	if (r->nfiles_by_proc == fc->procs_cap) {
		size_t n = fc->procs_cap ? fc->procs_cap * 2 : 16;
		struct keke_report_files *v = realloc(r->files_by_proc,
						      n * sizeof(*v));
		size_t *caps;

		if (!v)
			return NULL;
		r->files_by_proc = v;
		caps = realloc(fc->file_caps, n * sizeof(*caps));
		if (!caps)
			return NULL;
		fc->file_caps = caps;
		fc->procs_cap = n;
	}
	fc->file_caps[r->nfiles_by_proc] = 0;
	fc->proc_slot[ix] = r->nfiles_by_proc;
	g = &r->files_by_proc[r->nfiles_by_proc++];
	memset(g, 0, sizeof(*g));
	g->pid = p->pid;
	g->start_ns = p->start_ns;
	g->processes = 1;
	g->name = strdup(c->exe_names.str[p->name]);
	sqlite3_reset(fc->cmdline);
	sqlite3_bind_int64(fc->cmdline, 1, p->upid);
	if (sqlite3_step(fc->cmdline) == SQLITE_ROW)
		g->cmdline = dup_col(fc->cmdline, 0, &oom);
	if (!g->name || oom)
		return NULL;
	return g;
}

/* The executable of process @ix, its group made on its first row; NULL
 * when out of memory. */
static struct exe_files *exe_of(struct files_ctx *fc, size_t ix)
{
	struct rp_ctx *c = fc->c;
	struct exe_files *e = &fc->exes[c->procs[ix].name];

	if (!e->out) {
		e->out = calloc(1, sizeof(*e->out));
		if (!e->out)
			return NULL;
		e->out->name = strdup(c->exe_names.str[c->procs[ix].name]);
		if (!e->out->name)
			return NULL;
	}
	return e;
}

/* Adds the file @f of process @ix to its executable's group. Returns 0,
 * or -1 when out of memory. */
static int add_to_exe(struct files_ctx *fc, size_t ix,
		      const struct keke_report_file *f)
{
	struct exe_files *e = exe_of(fc, ix);
	struct keke_report_file *t;
	size_t before;
	uint32_t id;

	if (!e)
		return -1;
	before = e->paths.n;
	if (rp_intern(&e->paths, f->path, strlen(f->path), &id))
		return -1;
	if (e->paths.n != before) {
		t = new_file(e->out, &e->cap);
		if (!t)
			return -1;
		t->path = strdup(f->path);
		if (!t->path)
			return -1;
		t->first_ns = f->first_ns;
		t->last_ns = f->last_ns;
	}
	t = &e->out->files[id];
	t->roles |= f->roles;
	t->read_bytes += f->read_bytes;
	t->write_bytes += f->write_bytes;
	t->opened += f->opened;
	t->created += f->created;
	t->deleted += f->deleted;
	t->probed_missing += f->probed_missing;
	t->calls += f->calls;
	t->processes++;
	t->time_ns += f->time_ns;
	if (f->first_ns < t->first_ns)
		t->first_ns = f->first_ns;
	if (f->last_ns > t->last_ns)
		t->last_ns = f->last_ns;
	if (f->renamed_to) {
		free(t->renamed_to);
		t->renamed_to = strdup(f->renamed_to);
		if (!t->renamed_to)
			return -1;
	}
	return 0;
}

/* Takes the file_access row of @st, of process @ix. Returns 0, or -1
 * when out of memory. */
static int take_row(struct files_ctx *fc, sqlite3_stmt *st, size_t ix)
{
	const char *kind = (const char *)sqlite3_column_text(st, 2);
	const char *path = (const char *)sqlite3_column_text(st, 1);
	int64_t start = fc->c->procs[ix].start_ns;
	struct keke_report_files *g = proc_group(fc, ix);
	struct keke_report_file *f;
	bool oom = false;

	if (!g)
		return -1;
	if (!kind || strcmp(kind, "file")) {
		struct exe_files *e = exe_of(fc, ix);

		if (!e)
			return -1;
		g->other_read_bytes += sqlite3_column_int64(st, 3);
		g->other_write_bytes += sqlite3_column_int64(st, 4);
		e->out->other_read_bytes += sqlite3_column_int64(st, 3);
		e->out->other_write_bytes += sqlite3_column_int64(st, 4);
		return 0;
	}
	f = new_file(g, &fc->file_caps[fc->proc_slot[ix]]);
	if (!f)
		return -1;
	f->path = strdup(path ? path : "");
	f->read_bytes = sqlite3_column_int64(st, 3);
	f->write_bytes = sqlite3_column_int64(st, 4);
	f->opened = (uint64_t)sqlite3_column_int64(st, 5);
	f->created = (uint64_t)sqlite3_column_int64(st, 7);
	f->deleted = (uint64_t)sqlite3_column_int64(st, 9);
	f->probed_missing = (uint64_t)sqlite3_column_int64(st, 11);
	f->renamed_to = dup_col(st, 12, &oom);
	f->calls = (uint64_t)sqlite3_column_int64(st, 13);
	f->processes = 1;
	f->time_ns = sqlite3_column_int64(st, 14);
	f->first_ns = sqlite3_column_int64(st, 15) - start;
	f->last_ns = sqlite3_column_int64(st, 16) - start;
	f->roles = roles_of(f, (uint64_t)sqlite3_column_int64(st, 6),
			    (uint64_t)sqlite3_column_int64(st, 8),
			    (uint64_t)sqlite3_column_int64(st, 10));
	if (!f->path || oom)
		return -1;
	count_roles(g, f->roles);
	return add_to_exe(fc, ix, f);
}

/* Whether the row of @st is of a selected process (its index in *@ix)
 * and, when --path is given, of a path it matches. */
static bool wanted(const struct rp_ctx *c, sqlite3_stmt *st, size_t *ix)
{
	const char *path = (const char *)sqlite3_column_text(st, 1);
	int64_t v;

	if (!idmap_get(&c->upid_ix, (uint64_t)sqlite3_column_int64(st, 0),
		       &v) || !c->procs[v].selected)
		return false;
	*ix = (size_t)v;
	return !c->o->path || (path && keke_glob(c->o->path, path));
}

/* Reads file_access into the groups. Returns 0 or -1 (c->err set). */
static int read_rows(struct files_ctx *fc)
{
	struct rp_ctx *c = fc->c;
	sqlite3_stmt *st;
	size_t ix;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT " FILE_COLS " FROM "
			       KEKE_DB_FILE_ACCESS " ORDER BY upid, path", -1,
			       &st, NULL) != SQLITE_OK)
		return rp_fail(c, "%s: --files: no file_access table (the "
			       "database was made by an older keke)", c->o->db);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (wanted(c, st, &ix) && take_row(fc, st, ix)) {
			sqlite3_finalize(st);
			return rp_oom(c);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rp_sql_fail(c, "reading file_access");
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	const struct keke_report_file *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static int cmp_exe(const void *a, const void *b)
{
	const struct keke_report_files *x = a, *y = b;

	return strcmp(x->name, y->name);
}

/* The executables' groups into c->r, by name, each's files by path. */
static int take_exes(struct files_ctx *fc)
{
	struct rp_ctx *c = fc->c;
	struct keke_report *r = c->r;
	size_t n = c->exe_names.n;

	r->files_by_exe = calloc(n ? n : 1, sizeof(*r->files_by_exe));
	if (!r->files_by_exe)
		return rp_oom(c);
	for (size_t i = 0; i < n; i++) {
		struct keke_report_files *g = fc->exes[i].out;

		if (!g)
			continue;
		for (size_t j = 0; j < g->nfiles; j++)
			count_roles(g, g->files[j].roles);
		if (g->nfiles > 1)	/* files is NULL when empty */
			qsort(g->files, g->nfiles, sizeof(*g->files),
			      cmp_file);
		r->files_by_exe[r->nfiles_by_exe++] = *g;
		free(g);
		fc->exes[i].out = NULL;
	}
	qsort(r->files_by_exe, r->nfiles_by_exe, sizeof(*r->files_by_exe),
	      cmp_exe);
	return 0;
}

/* How many processes of each executable had files: from the process
 * groups. */
static void count_exe_processes(struct rp_ctx *c, struct files_ctx *fc)
{
	for (size_t i = 0; i < c->nprocs; i++)
		if (fc->proc_slot[i] != RP_NONE && fc->exes[c->procs[i].name].out)
			fc->exes[c->procs[i].name].out->processes++;
}

static int cmp_proc(const void *a, const void *b)
{
	const struct keke_report_files *x = a, *y = b;

	if (x->start_ns != y->start_ns)
		return x->start_ns < y->start_ns ? -1 : 1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

int rp_files_finish(struct rp_ctx *c)
{
	struct files_ctx fc = { .c = c };
	int ret = -1;

	if (!c->o->files)
		return 0;
	c->r->files = true;
	fc.exes = calloc(c->exe_names.n ? c->exe_names.n : 1,
			 sizeof(*fc.exes));
	fc.proc_slot = malloc((c->nprocs ? c->nprocs : 1) *
			      sizeof(*fc.proc_slot));
	if (!fc.exes || !fc.proc_slot) {
		rp_oom(c);
		goto out;
	}
	for (size_t i = 0; i < c->nprocs; i++)
		fc.proc_slot[i] = RP_NONE;
	if (sqlite3_prepare_v2(c->db, "SELECT cmdline FROM " KEKE_DB_PROCESS
			       " WHERE upid = ?1", -1, &fc.cmdline,
			       NULL) != SQLITE_OK) {
		rp_sql_fail(c, "reading processes");
		goto out;
	}
	if (read_rows(&fc))
		goto out;
	count_exe_processes(c, &fc);
	if (c->r->nfiles_by_proc > 1)
		qsort(c->r->files_by_proc, c->r->nfiles_by_proc,
		      sizeof(*c->r->files_by_proc), cmp_proc);
	ret = take_exes(&fc);
out:
	sqlite3_finalize(fc.cmdline);
	for (size_t i = 0; fc.exes && i < c->exe_names.n; i++) {
		struct keke_report_files *g = fc.exes[i].out;

		rp_strtab_free(&fc.exes[i].paths);
		if (!g)
			continue;
		for (size_t j = 0; j < g->nfiles; j++) {
			free(g->files[j].path);
			free(g->files[j].renamed_to);
		}
		free(g->files);
		free(g->name);
		free(g);
	}
	free(fc.exes);
	free(fc.proc_slot);
	free(fc.file_caps);
	return ret;
}
