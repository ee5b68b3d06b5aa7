// SPDX-License-Identifier: MIT
/*
 * keke_report_load: opens the database read-only, reads what it says
 * about the trace (metadata, start and end), turns --now, --since and
 * --until into a window, and runs the parts of the report over it: the
 * processes first, then one pass over the slices feeding the per-call,
 * per-path and average-trace statistics, then the tables, and those made
 * from the process and file_access tables: I/O per process, the resource
 * tables and, with --files, the files view; then the critical path, and
 * last the HTML page's timeline (timeline.c).
 */
#include "report/context.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/call_io.h"
#include "report/timeline.h"
#include "sinks/schema_check.h"

#define DEFAULT_TOP 20
#define DEFAULT_STEPS 3
#define MAX_STEPS_PER_CALL 100
#define CACHE_KIB 65536		/* SQLite page cache */

/* Whether the database has the tables of keke's sink. */
static bool is_keke_db(sqlite3 *db)
{
	return keke_db_has_tables(db, "'" KEKE_DB_PROCESS "', '" KEKE_DB_THREAD
				  "', '" KEKE_DB_SLICE "', '" KEKE_DB_ARGS
				  "', '" KEKE_DB_METADATA "'", 5);
}

/* Opens o->db read-only into c->db, if it is a keke database. */
static int open_db(struct rp_ctx *c)
{
	const char *db = c->o->db;
	char pragmas[128];

	if (access(db, R_OK) != 0)
		return rp_fail(c, "%s: %s", db, strerror(errno));
	if (sqlite3_open_v2(db, &c->db, SQLITE_OPEN_READONLY |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return rp_sql_fail(c, "opening");
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA cache_size=-%d; PRAGMA query_only=1;", CACHE_KIB);
	sqlite3_exec(c->db, pragmas, NULL, NULL, NULL);
	if (!is_keke_db(c->db))
		return rp_fail(c, "%s: not a keke database (no process,"
			       " thread, slice, args and metadata tables)",
			       db);
	return 0;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return strdup(s ? (const char *)s : "");
}

/* The metadata rows and the trace's start and end into c->r. */
static int read_trace(struct rp_ctx *c)
{
	struct keke_report *r = c->r;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(c->db, "SELECT name, int_value, str_value"
			       " FROM " KEKE_DB_METADATA, -1, &st,
			       NULL) != SQLITE_OK)
		return rp_sql_fail(c, "reading metadata");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(st, 0);

		if (!name)
			continue;
		if (!strcmp(name, "trace_id") && !r->trace_id)
			r->trace_id = dup_col(st, 2);
		else if (!strcmp(name, "host") && !r->host)
			r->host = dup_col(st, 2);
		else if (!strcmp(name, "realtime_offset_ns") &&
			 sqlite3_column_type(st, 1) == SQLITE_INTEGER) {
			r->realtime_offset_ns = sqlite3_column_int64(st, 1);
			r->have_wall = true;
		} else if (!strcmp(name, "cpu_count")) {
			r->cpu_count = sqlite3_column_int64(st, 1);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rp_sql_fail(c, "reading metadata");
	if (!r->trace_id)
		r->trace_id = strdup("");
	if (!r->host)
		r->host = strdup("");
	if (!r->trace_id || !r->host)
		return rp_oom(c);

	/* Threads end at their last slice, processes at their last thread. */
	if (sqlite3_prepare_v2(c->db,
			       "SELECT (SELECT min(start_ts) FROM "
			       KEKE_DB_PROCESS "), max((SELECT max(end_ts)"
			       " FROM " KEKE_DB_PROCESS "), (SELECT"
			       " max(end_ts) FROM " KEKE_DB_THREAD "))",
			       -1, &st, NULL) != SQLITE_OK)
		return rp_sql_fail(c, "reading the trace's bounds");
	if (sqlite3_step(st) == SQLITE_ROW) {
		r->start_ns = sqlite3_column_int64(st, 0);
		r->end_ns = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (r->end_ns < r->start_ns)
		r->end_ns = r->start_ns;
	return 0;
}

/* Resolves --now, --since and --until into the window of c->r. */
static int resolve_window(struct rp_ctx *c)
{
	const struct keke_report_options *o = c->o;
	struct keke_report *r = c->r;
	int64_t off = r->realtime_offset_ns, end_wall = r->end_ns + off;
	int64_t now = end_wall, t;

	if (o->now && keke_parse_time(o->now, end_wall, &now) < 0)
		return rp_fail(c, "--now %s: not a time", o->now);
	r->now_ns = now - off;
	r->since_ns = INT64_MIN;
	r->until_ns = INT64_MAX;
	if (o->since) {
		if (keke_parse_time(o->since, now, &t) < 0)
			return rp_fail(c, "--since %s: not a time", o->since);
		r->since_ns = t - off;
	}
	if (o->until) {
		if (keke_parse_time(o->until, now, &t) < 0)
			return rp_fail(c, "--until %s: not a time", o->until);
		r->until_ns = t - off;
	}
	return 0;
}

/* "process=cc pid=12 call=read path=*.o" for the filters given. */
static int describe_filters(struct rp_ctx *c)
{
	const struct keke_report_options *o = c->o;
	char pid[32] = "";
	size_t n;

	if (o->have_pid)
		snprintf(pid, sizeof(pid), "%d", o->pid);
	n = strlen(o->process ? o->process : "") +
	    strlen(o->call ? o->call : "") + strlen(o->path ? o->path : "") +
	    strlen(pid) + 64;
	c->r->filters = malloc(n);
	if (!c->r->filters)
		return rp_oom(c);
	snprintf(c->r->filters, n, "%s%s%s%s%s%s%s%s",
		 o->process ? " process=" : "", o->process ? o->process : "",
		 o->have_pid ? " pid=" : "", pid,
		 o->call ? " call=" : "", o->call ? o->call : "",
		 o->path ? " path=" : "", o->path ? o->path : "");
	if (c->r->filters[0] == ' ')
		memmove(c->r->filters, c->r->filters + 1,
			strlen(c->r->filters));
	return 0;
}

/* The scan's callback: every slice of the selection. */
static int take_slice(struct rp_ctx *c, const struct rp_slice *s)
{
	const struct keke_report_options *o = c->o;
	int64_t path, path_in = -1;

	if (s->image)
		return 0;
	if (rp_calls_nested(c, s))
		return -1;
	if (o->call && !keke_glob(o->call, s->name))
		return 0;
	path = rp_path_of(c, s, RP_PATH);
	if (path != -2 && (s->io & KEKE_IO_COPY))
		path_in = rp_path_of(c, s, RP_PATH_IN);
	if (path == -2 || path_in == -2)
		return -1;
	if (o->path && !(path >= 0 && keke_glob(o->path, rp_path_str(c, path)))
	    && !(path_in >= 0 && keke_glob(o->path, rp_path_str(c, path_in))))
		return 0;
	if (rp_calls_add(c, s) || rp_steps_add(c, s))
		return -1;
	if ((path >= 0 || path_in >= 0) && rp_paths_add(c, s, path, path_in))
		return -1;
	return 0;
}

static void free_ctx(struct rp_ctx *c)
{
	rp_calls_free(c);
	rp_paths_free(c);
	rp_steps_free(c);
	rp_procs_free(c);
	rp_strtab_free(&c->names);
	free(c->kinds);
	sqlite3_close(c->db);
	c->db = NULL;
}

int keke_report_load(const struct keke_report_options *o,
		     struct keke_report *r, char *err)
{
	struct rp_ctx c = {
		.o = o,
		.r = r,
		.err = err,
		.top = o->top ? o->top : DEFAULT_TOP,
		.steps = o->steps ? o->steps : DEFAULT_STEPS,
	};
	int ret = -1;

	memset(r, 0, sizeof(*r));
	err[0] = '\0';
	keke_progress_start(&c.progress, "keke report", o->progress);
	if (c.steps > MAX_STEPS_PER_CALL)
		c.steps = MAX_STEPS_PER_CALL;
	r->db = strdup(o->db);
	if (!r->db) {
		rp_oom(&c);
		goto out;
	}
	if (open_db(&c) || read_trace(&c) || resolve_window(&c) ||
	    describe_filters(&c) || rp_procs_load(&c) || rp_calls_init(&c) ||
	    rp_paths_init(&c) || rp_steps_init(&c))
		goto out;
	if (rp_scan(&c, take_slice))
		goto out;
	keke_progress_update(&c.progress, "computing", 0, 0);
	if (rp_calls_finish(&c) || rp_paths_finish(&c) ||
	    rp_exes_finish(&c) || rp_tree_finish(&c) || rp_steps_finish(&c) ||
	    rp_io_finish(&c) || rp_usage_finish(&c) || rp_files_finish(&c) ||
	    rp_path_finish(&c) || rp_timeline_load(&c))
		goto out;
	ret = 0;
out:
	keke_progress_clear(&c.progress);
	free_ctx(&c);
	if (ret)
		keke_report_free(r);
	return ret;
}

/* Frees the @n groups of files at @g. */
static void free_files(struct keke_report_files *g, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < g[i].nfiles; j++) {
			free(g[i].files[j].path);
			free(g[i].files[j].renamed_to);
		}
		free(g[i].files);
		free(g[i].name);
		free(g[i].cmdline);
	}
	free(g);
}

/* Frees the @n rows at @v of a top processes table. */
static void free_top(struct keke_report_proc_usage *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

/* Frees the resource tables and the critical path of @r. */
static void free_usage_and_path(struct keke_report *r)
{
	for (size_t i = 0; i < r->nusage; i++)
		free(r->usage[i].name);
	free(r->usage);
	free_top(r->top_cpu, r->ntop_cpu);
	free_top(r->top_rss, r->ntop_rss);
	for (size_t i = 0; i < r->nshares; i++)
		free(r->shares[i].name);
	free(r->shares);
	for (size_t i = 0; i < r->nsegments; i++) {
		free(r->segments[i].name);
		free(r->segments[i].state);
		free(r->segments[i].call);
		free(r->segments[i].waiting_name);
	}
	free(r->segments);
}

void keke_report_free(struct keke_report *r)
{
	free(r->db);
	free(r->trace_id);
	free(r->host);
	free(r->filters);
	for (size_t i = 0; i < r->ncalls; i++) {
		free(r->calls[i].name);
		free(r->calls[i].category);
	}
	free(r->calls);
	for (size_t i = 0; i < r->nexes; i++) {
		free(r->exes[i].name);
		free(r->exes[i].exits);
		free(r->exes[i].signals);
	}
	free(r->exes);
	for (size_t i = 0; i < r->npaths_by_time; i++)
		free(r->paths_by_time[i].path);
	free(r->paths_by_time);
	for (size_t i = 0; i < r->npaths_by_bytes; i++)
		free(r->paths_by_bytes[i].path);
	free(r->paths_by_bytes);
	for (size_t i = 0; i < r->ntree; i++)
		free(r->tree[i].name);
	free(r->tree);
	for (size_t i = 0; i < r->ntraces; i++) {
		free(r->traces[i].exe);
		for (size_t j = 0; j < r->traces[i].nsteps; j++)
			free(r->traces[i].steps[j].name);
		free(r->traces[i].steps);
	}
	free(r->traces);
	free(r->io_total.name);
	for (size_t i = 0; i < r->nio; i++)
		free(r->io[i].name);
	free(r->io);
	free_files(r->files_by_exe, r->nfiles_by_exe);
	free_files(r->files_by_proc, r->nfiles_by_proc);
	keke_timeline_free(r->timeline);
	free_usage_and_path(r);
	memset(r, 0, sizeof(*r));
}
