// SPDX-License-Identifier: MIT
/*
 * The report as CSV (RFC 4180) for scripts and spreadsheets: each table
 * after its header row, every row prefixed by the table's name, or one
 * table alone without that column. Times are integer nanoseconds, sizes
 * integer bytes; an unknown number is an empty cell. The files tables
 * are written with --files only, the critical_path table with
 * --critical-path; a file's roles are separated by spaces, its first_ns
 * and last_ns count from its process's start, a segment's start_ns from
 * the trace's start.
 */
#include "report/out/fmt.h"
#include "report/report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const tables[] = {
	"calls", "bytes", "histogram", "executables", "resources",
	"processes_by_cpu", "processes_by_rss", "critical_path_shares",
	"critical_path", "paths_by_time", "paths_by_bytes", "io", "tree",
	"steps", "files_by_executable", "files_by_process", NULL,
};

struct csv {
	FILE *f;
	const char *only;		/* the one table written, or NULL */
	const char *table;		/* of the current row */
	bool first;			/* no cell in the row yet */
};

bool keke_report_csv_table(const char *table)
{
	for (const char *const *t = tables; *t; t++)
		if (!strcmp(*t, table))
			return true;
	return false;
}

static void cell(struct csv *w, const char *s)
{
	if (!w->first)
		fputc(',', w->f);
	w->first = false;
	if (!strpbrk(s, ",\"\r\n") && s[0] != ' ' &&
	    (!*s || s[strlen(s) - 1] != ' ')) {
		fputs(s, w->f);
		return;
	}
	fputc('"', w->f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', w->f);
		fputc(*s, w->f);
	}
	fputc('"', w->f);
}

static void cell_i(struct csv *w, int64_t v)
{
	char b[32];

	snprintf(b, sizeof(b), "%" PRId64, v);
	cell(w, b);
}

static void cell_u(struct csv *w, uint64_t v)
{
	char b[32];

	snprintf(b, sizeof(b), "%" PRIu64, v);
	cell(w, b);
}

/* Starts a row of @table: false when that table is not written. */
static bool row(struct csv *w, const char *table)
{
	if (w->only && strcmp(w->only, table))
		return false;
	w->table = table;
	w->first = true;
	if (!w->only)
		cell(w, table);
	return true;
}

static void end(struct csv *w)
{
	fputs("\r\n", w->f);
}

/* The header of @table: "table" (when all are written) and @cols, which
 * is comma-separated; "PCT_x" stands for p0_x ... p100_x. */
static void header(struct csv *w, const char *table, const char *cols)
{
	char col[64];

	if (w->only && strcmp(w->only, table))
		return;
	w->first = true;
	if (!w->only)
		cell(w, "table");
	while (*cols) {
		size_t n = strcspn(cols, ",");

		snprintf(col, sizeof(col), "%.*s", (int)n, cols);
		if (!strncmp(col, "PCT_", 4)) {
			for (unsigned p = 0; p < KEKE_NPCT; p++) {
				char c[80];

				snprintf(c, sizeof(c), "%s_%s",
					 keke_pct_label[p], col + 4);
				cell(w, c);
			}
		} else {
			cell(w, col);
		}
		cols += n + (cols[n] == ',');
	}
	end(w);
}

static void pcts(struct csv *w, const int64_t v[KEKE_NPCT])
{
	for (unsigned p = 0; p < KEKE_NPCT; p++)
		cell_i(w, v[p]);
}

static void calls(struct csv *w, const struct keke_report *r)
{
	header(w, "calls", "name,category,count,errors,total_ns,self_ns,"
	       "PCT_ns,since_last_ns");
	for (size_t i = 0; i < r->ncalls; i++) {
		const struct keke_report_call *k = &r->calls[i];

		if (!row(w, "calls"))
			break;
		cell(w, k->name);
		cell(w, k->category);
		cell_u(w, k->count);
		cell_u(w, k->errors);
		cell_i(w, k->total_ns);
		cell_i(w, k->self_ns);
		pcts(w, k->dur);
		cell_i(w, k->since_last_ns);
		end(w);
	}
	header(w, "bytes", "name,sized,bytes,PCT_bytes");
	for (size_t i = 0; i < r->ncalls; i++) {
		const struct keke_report_call *k = &r->calls[i];

		if (!k->moves_bytes)
			continue;
		if (!row(w, "bytes"))
			break;
		cell(w, k->name);
		cell_u(w, k->sized);
		cell_i(w, k->bytes);
		pcts(w, k->size);
		end(w);
	}
	header(w, "histogram", "name,below_bytes,count");
	for (size_t i = 0; i < r->ncalls; i++) {
		const struct keke_report_call *k = &r->calls[i];

		for (unsigned b = 0; b < KEKE_LOG2_BUCKETS; b++) {
			uint64_t lo, hi;

			if (!k->hist.count[b])
				continue;
			if (!row(w, "histogram"))
				return;
			keke_log2_range(b, &lo, &hi);
			cell(w, k->name);
			if (b == 64)
				cell(w, "18446744073709551616");
			else
				cell_u(w, hi);
			cell_u(w, k->hist.count[b]);
			end(w);
		}
	}
}

/* "0:410 1:2" */
static void codes(struct csv *w, const struct keke_report_code *c, size_t n)
{
	char buf[512];
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && len < sizeof(buf); i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len,
					"%s%d:%" PRIu64, i ? " " : "",
					c[i].code, c[i].count);
	cell(w, buf);
}

static void exes(struct csv *w, const struct keke_report *r)
{
	header(w, "executables", "name,processes,total_ns,PCT_wall_ns,"
	       "exit_codes,signals,no_status,untraced,since_last_ns");
	for (size_t i = 0; i < r->nexes; i++) {
		const struct keke_report_exe *e = &r->exes[i];

		if (!row(w, "executables"))
			break;
		cell(w, e->name);
		cell_u(w, e->processes);
		cell_i(w, e->total_ns);
		pcts(w, e->wall);
		codes(w, e->exits, e->nexits);
		codes(w, e->signals, e->nsignals);
		cell_u(w, e->no_status);
		cell_u(w, e->untraced);
		cell_i(w, e->since_last_ns);
		end(w);
	}
}

/* The percentiles @v, or empty cells when none is known (!@known). */
static void pcts_known(struct csv *w, bool known, const int64_t v[KEKE_NPCT])
{
	for (unsigned p = 0; p < KEKE_NPCT; p++)
		if (known)
			cell_i(w, v[p]);
		else
			cell(w, "");
}

/* The top processes @v (@n of them) in @table. */
static void top(struct csv *w, const char *table,
		const struct keke_report_proc_usage *v, size_t n)
{
	header(w, table, "name,pid,cpu_ns,rss_bytes,from");
	for (size_t i = 0; i < n; i++) {
		if (!row(w, table))
			break;
		cell(w, v[i].name);
		cell_i(w, v[i].pid);
		cell_i(w, v[i].cpu_ns);
		cell_i(w, v[i].rss_bytes);
		cell(w, v[i].from_wait ? "wait" : "exit");
		end(w);
	}
}

static void usage(struct csv *w, const struct keke_report *r)
{
	header(w, "resources", "name,processes,unknown,cpu_ns,PCT_cpu_ns,"
	       "PCT_rss_bytes,read_bytes,write_bytes");
	for (size_t i = 0; i < r->nusage; i++) {
		const struct keke_report_usage *u = &r->usage[i];
		bool known = u->processes > u->unknown;

		if (!row(w, "resources"))
			break;
		cell(w, u->name);
		cell_u(w, u->processes);
		cell_u(w, u->unknown);
		if (known)
			cell_i(w, u->cpu_ns);
		else
			cell(w, "");
		pcts_known(w, known, u->cpu);
		pcts_known(w, known, u->rss);
		cell_i(w, u->read_bytes);
		cell_i(w, u->write_bytes);
		end(w);
	}
	top(w, "processes_by_cpu", r->top_cpu, r->ntop_cpu);
	top(w, "processes_by_rss", r->top_rss, r->ntop_rss);
}

static void critical_path(struct csv *w, const struct keke_report *r)
{
	header(w, "critical_path_shares", "name,ns,path_ns,segments");
	for (size_t i = 0; i < r->nshares; i++) {
		if (!row(w, "critical_path_shares"))
			break;
		cell(w, r->shares[i].name);
		cell_i(w, r->shares[i].ns);
		cell_i(w, r->path_ns);
		cell_u(w, r->shares[i].segments);
		end(w);
	}
	if (!r->critical_path)
		return;
	header(w, "critical_path", "start_ns,dur_ns,name,pid,state,call,"
	       "waiting,waiting_pid");
	for (size_t i = 0; i < r->nsegments; i++) {
		const struct keke_report_segment *g = &r->segments[i];

		if (!row(w, "critical_path"))
			break;
		cell_i(w, g->start_ns);
		cell_i(w, g->dur_ns);
		cell(w, g->name);
		cell_i(w, g->pid);
		cell(w, g->state);
		cell(w, g->call ? g->call : "");
		cell(w, g->waiting_name ? g->waiting_name : "");
		if (g->waiting_name)
			cell_i(w, g->waiting_pid);
		else
			cell(w, "");
		end(w);
	}
}

static void paths(struct csv *w, const char *table,
		  const struct keke_report_path *p, size_t n)
{
	header(w, table, "path,calls,errors,time_ns,bytes_in,bytes_out");
	for (size_t i = 0; i < n; i++) {
		if (!row(w, table))
			break;
		cell(w, p[i].path);
		cell_u(w, p[i].calls);
		cell_u(w, p[i].errors);
		cell_i(w, p[i].time_ns);
		cell_i(w, p[i].bytes_in);
		cell_i(w, p[i].bytes_out);
		end(w);
	}
}

/* One row of the io table: @x, named @name and @pid (0 for the total). */
static void io_row(struct csv *w, const struct keke_report_io *x,
		   const char *name, int pid)
{
	if (!row(w, "io"))
		return;
	cell(w, name);
	if (pid)
		cell_i(w, pid);
	else
		cell(w, "");
	cell_i(w, x->read_bytes);
	cell_i(w, x->write_bytes);
	if (x->has_kernel) {
		cell_i(w, x->rchar);
		cell_i(w, x->wchar);
		cell_i(w, x->traced_rchar);
		cell_i(w, x->traced_wchar);
	} else {
		for (int i = 0; i < 4; i++)
			cell(w, "");
	}
	end(w);
}

static void io(struct csv *w, const struct keke_report *r)
{
	header(w, "io", "process,pid,read_bytes,write_bytes,rchar,wchar,"
	       "traced_rchar,traced_wchar");
	if (!r->has_io)
		return;
	io_row(w, &r->io_total, "total", 0);
	for (size_t i = 0; i < r->nio; i++)
		io_row(w, &r->io[i], r->io[i].name, r->io[i].pid);
}

/* The rows of the files of the groups @g (@n of them) in @table. */
static void files(struct csv *w, const char *table,
		  const struct keke_report_files *g, size_t n)
{
	char buf[RP_FMT_MAX];

	header(w, table, "name,pid,path,roles,read_bytes,write_bytes,opened,"
	       "created,deleted,probed_missing,calls,processes,time_ns,"
	       "first_ns,last_ns,renamed_to");
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < g[i].nfiles; j++) {
			const struct keke_report_file *x = &g[i].files[j];

			if (!row(w, table))
				return;
			cell(w, g[i].name);
			if (g[i].pid)
				cell_i(w, g[i].pid);
			else
				cell(w, "");
			cell(w, x->path);
			cell(w, rp_fmt_roles(buf, x->roles, " "));
			cell_i(w, x->read_bytes);
			cell_i(w, x->write_bytes);
			cell_u(w, x->opened);
			cell_u(w, x->created);
			cell_u(w, x->deleted);
			cell_u(w, x->probed_missing);
			cell_u(w, x->calls);
			cell_u(w, x->processes);
			cell_i(w, x->time_ns);
			cell_i(w, x->first_ns);
			cell_i(w, x->last_ns);
			cell(w, x->renamed_to ? x->renamed_to : "");
			end(w);
		}
	}
}

static void tree(struct csv *w, const struct keke_report *r)
{
	header(w, "tree", "depth,name,count,pid,start_ns,total_ns,p50_ns,"
	       "max_ns,failed,exit_code,signal");
	for (size_t i = 0; i < r->ntree; i++) {
		const struct keke_report_node *l = &r->tree[i];

		if (!row(w, "tree"))
			break;
		cell_u(w, l->depth);
		cell(w, l->name);
		cell_u(w, l->count);
		cell_i(w, l->pid);
		cell_i(w, l->start_ns);
		cell_i(w, l->total_ns);
		cell_i(w, l->p50_ns);
		cell_i(w, l->max_ns);
		cell_u(w, l->failed);
		if (l->count == 1 && l->has_status && !l->signal)
			cell_i(w, l->exit_code);
		else
			cell(w, "");
		if (l->count == 1 && l->signal)
			cell_i(w, l->signal);
		else
			cell(w, "");
		end(w);
	}
}

static void steps(struct csv *w, const struct keke_report *r)
{
	header(w, "steps", "executable,processes,name,nth,in_processes,"
	       "PCT_offset_ns,dur_p50_ns");
	for (size_t i = 0; i < r->ntraces; i++) {
		const struct keke_report_trace *t = &r->traces[i];

		for (size_t j = 0; j < t->nsteps; j++) {
			const struct keke_report_step *s = &t->steps[j];

			if (!row(w, "steps"))
				return;
			cell(w, t->exe);
			cell_u(w, t->processes);
			cell(w, s->name);
			cell_u(w, s->nth);
			cell_u(w, s->processes);
			pcts(w, s->offset);
			cell_i(w, s->dur_p50);
			end(w);
		}
	}
}

int keke_report_csv(FILE *f, const struct keke_report *r, const char *table)
{
	struct csv w = { .f = f, .only = table };

	calls(&w, r);
	exes(&w, r);
	usage(&w, r);
	critical_path(&w, r);
	paths(&w, "paths_by_time", r->paths_by_time, r->npaths_by_time);
	paths(&w, "paths_by_bytes", r->paths_by_bytes, r->npaths_by_bytes);
	io(&w, r);
	tree(&w, r);
	steps(&w, r);
	if (r->files) {
		files(&w, "files_by_executable", r->files_by_exe,
		      r->nfiles_by_exe);
		files(&w, "files_by_process", r->files_by_proc,
		      r->nfiles_by_proc);
	}
	fflush(f);
	return ferror(f) ? -1 : 0;
}
