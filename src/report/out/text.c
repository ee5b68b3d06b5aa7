// SPDX-License-Identifier: MIT
/*
 * The report as text for a terminal: a heading, then one aligned table
 * per view (calls, bytes, size histograms, executables, resources and
 * the top processes by CPU and peak RSS, the critical path's shares and
 * with --critical-path its segments, paths, I/O per process, process
 * tree, average traces, and with --files the files per executable and
 * per process), each preceded by its title. Every string from
 * the trace (names, paths) is escaped (tty.h), so none of its bytes is
 * obeyed by the terminal.
 */
#include "report/out/fmt.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/tty.h"

#define BAR_WIDTH 40		/* the longest histogram bar */

/* @s escaped. */
static void put(FILE *f, const char *s)
{
	keke_tty_put(f, s, SIZE_MAX);
}

/* @s escaped, then spaces up to @w bytes. */
static void put_pad(FILE *f, const char *s, int w)
{
	for (size_t n = keke_tty_put(f, s, SIZE_MAX); n < (size_t)w; n++)
		fputc(' ', f);
}

/* @s escaped in @w bytes: its end after "..." when it is longer, which
 * tells long paths apart; padded with spaces when shorter. */
static void put_tail(FILE *f, const char *s, int w)
{
	char unit[KEKE_TTY_UNIT_MAX];
	size_t len = keke_tty_len(s), n;

	if (len <= (size_t)w || w < 4) {
		put_pad(f, s, w);
		return;
	}
	while (*s && len > (size_t)w - 3) {
		s += keke_tty_unit(s, unit, &n);
		len -= n;
	}
	fputs("...", f);
	put_pad(f, s, w - 3);
}

/* The heading: database, trace, window, filters, what was selected. */
static void heading(FILE *f, const struct keke_report *r)
{
	char a[RP_FMT_MAX], b[RP_FMT_MAX], d[RP_FMT_MAX];

	fputs("keke report: ", f);
	put(f, r->db);
	fputs("\ntrace ", f);
	put(f, *r->trace_id ? r->trace_id : "-");
	fputs(" on ", f);
	put(f, *r->host ? r->host : "-");
	fprintf(f, ": %s to %s (%s)\n", rp_fmt_time(a, r, r->start_ns),
		rp_fmt_time(b, r, r->end_ns),
		keke_fmt_dur(d, r->end_ns - r->start_ns));
	if (r->cpu_count)
		fprintf(f, "cpus: %" PRId64 "\n", r->cpu_count);
	if (r->since_ns != INT64_MIN || r->until_ns != INT64_MAX)
		fprintf(f, "window: %s to %s\n",
			rp_fmt_bound(a, r, r->since_ns),
			rp_fmt_bound(b, r, r->until_ns));
	if (*r->filters) {
		fputs("filters: ", f);
		put(f, r->filters);
		fputc('\n', f);
	}
	fprintf(f, "selected: %s process%s, %s call%s\n",
		rp_fmt_count(a, r->nprocesses), r->nprocesses == 1 ? "" : "es",
		rp_fmt_count(b, r->ncalls_total),
		r->ncalls_total == 1 ? "" : "s");
}

/* A title made of @before, @name from the trace, and @after,
 * underlined. */
static void title_of(FILE *f, const char *before, const char *name,
		     const char *after)
{
	size_t n = strlen(before) + keke_tty_len(name) + strlen(after);

	fprintf(f, "\n%s", before);
	put(f, name);
	fprintf(f, "%s\n", after);
	while (n--)
		fputc('-', f);
	fputc('\n', f);
}

static void title(FILE *f, const char *t)
{
	title_of(f, t, "", "");
}

/* Width of the longest of @n strings at @s (stride @stride), at least
 * @min. */
static int width_of(const void *base, size_t n, size_t stride, size_t off,
		    int min)
{
	int w = min;

	for (size_t i = 0; i < n; i++) {
		const char *s = *(const char *const *)((const char *)base +
						      i * stride + off);
		size_t len = keke_tty_len(s);

		if (len > (size_t)w)
			w = len > 48 ? 48 : (int)len;
	}
	return w > 48 ? 48 : w;
}

static void calls_table(FILE *f, const struct keke_report *r)
{
	int w = width_of(r->calls, r->ncalls, sizeof(*r->calls),
			 offsetof(struct keke_report_call, name), 4);
	char a[RP_FMT_MAX];

	title(f, "Calls, by total time");
	if (!r->ncalls) {
		fputs("(none)\n", f);
		return;
	}
	fprintf(f, "%-*s %-8s %11s %7s %9s %9s", w, "call", "category",
		"count", "errors", "total", "self");
	for (unsigned p = 0; p < KEKE_NPCT; p++)
		fprintf(f, " %9s", keke_pct_label[p]);
	fprintf(f, " %10s\n", "since last");
	for (size_t i = 0; i < r->ncalls; i++) {
		const struct keke_report_call *k = &r->calls[i];

		put_pad(f, k->name, w);
		fputc(' ', f);
		put_pad(f, k->category, 8);
		fprintf(f, " %11s", rp_fmt_count(a, k->count));
		fprintf(f, " %7" PRIu64, k->errors);
		fprintf(f, " %9s", keke_fmt_dur(a, k->total_ns));
		fprintf(f, " %9s", keke_fmt_dur(a, k->self_ns));
		for (unsigned p = 0; p < KEKE_NPCT; p++)
			fprintf(f, " %9s", keke_fmt_dur(a, k->dur[p]));
		fprintf(f, " %10s\n", keke_fmt_dur(a, k->since_last_ns));
	}
}

static void bytes_table(FILE *f, const struct keke_report *r)
{
	char a[RP_FMT_MAX];
	bool any = false;

	for (size_t i = 0; i < r->ncalls; i++)
		any |= r->calls[i].moves_bytes;
	if (!any)
		return;
	title(f, "Bytes moved (the results of read/write-like calls)");
	fprintf(f, "%-12s %11s %10s", "call", "sized", "bytes");
	for (unsigned p = 0; p < KEKE_NPCT; p++)
		fprintf(f, " %9s", keke_pct_label[p]);
	fputc('\n', f);
	for (size_t i = 0; i < r->ncalls; i++) {
		const struct keke_report_call *k = &r->calls[i];

		if (!k->moves_bytes)
			continue;
		put_pad(f, k->name, 12);
		fprintf(f, " %11s", rp_fmt_count(a, k->sized));
		fprintf(f, " %10s", rp_fmt_bytes(a, k->bytes));
		for (unsigned p = 0; p < KEKE_NPCT; p++)
			fprintf(f, " %9s",
				k->sized ? rp_fmt_bytes(a, k->size[p]) : "-");
		fputc('\n', f);
	}
}

static void histograms(FILE *f, const struct keke_report *r)
{
	char a[RP_FMT_MAX], b[RP_FMT_MAX];
	bool titled = false;

	for (size_t i = 0; i < r->ncalls; i++) {
		const struct keke_report_call *k = &r->calls[i];
		unsigned lo, hi;
		uint64_t max;

		if (!k->moves_bytes || !keke_log2_span(&k->hist, &lo, &hi, &max))
			continue;
		if (!titled)
			title(f, "Sizes (log2 histograms of results)");
		titled = true;
		put(f, k->name);
		fprintf(f, " (%s call%s)\n", rp_fmt_count(a, k->sized),
			k->sized == 1 ? "" : "s");
		for (unsigned j = lo; j <= hi; j++) {
			uint64_t n = k->hist.count[j];
			int bar = (int)((n * BAR_WIDTH + max - 1) / max);

			fprintf(f, "  below %-8s %11s ", rp_fmt_bucket(a, j),
				rp_fmt_count(b, n));
			for (int x = 0; x < bar; x++)
				fputs("#", f);
			fputc('\n', f);
		}
	}
}

/* "0 x410, 1 x2; SIGKILL x1; 3 unknown" into @buf (@size bytes). */
static void statuses(char *buf, size_t size, const struct keke_report_exe *e)
{
	char sig[RP_FMT_MAX];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < e->nexits && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%d \u00d7%" PRIu64,
				      i ? ", " : "", e->exits[i].code,
				      e->exits[i].count);
	for (size_t i = 0; i < e->nsignals && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s \u00d7%" PRIu64,
				      n ? (i ? ", " : "; ") : "",
				      rp_fmt_signal(sig, e->signals[i].code),
				      e->signals[i].count);
	if (e->no_status && n < size)
		n += (size_t)snprintf(buf + n, size - n, "%s%" PRIu64
				      " unknown", n ? "; " : "", e->no_status);
	if (e->untraced && n < size)
		snprintf(buf + n, size - n, "%s%" PRIu64 " untraced",
			 n ? "; " : "", e->untraced);
}

static void exes_table(FILE *f, const struct keke_report *r)
{
	int w = width_of(r->exes, r->nexes, sizeof(*r->exes),
			 offsetof(struct keke_report_exe, name), 10);
	char a[RP_FMT_MAX], st[256];

	title(f, "Executables, by total wall time");
	if (!r->nexes) {
		fputs("(none)\n", f);
		return;
	}
	fprintf(f, "%-*s %9s %9s %9s %9s %9s %10s  %s\n", w, "executable",
		"runs", "total", "p50", "p95", "max", "since last",
		"exit codes");
	for (size_t i = 0; i < r->nexes; i++) {
		const struct keke_report_exe *e = &r->exes[i];

		statuses(st, sizeof(st), e);
		put_pad(f, e->name, w);
		fprintf(f, " %9s", rp_fmt_count(a, e->processes));
		fprintf(f, " %9s", keke_fmt_dur(a, e->total_ns));
		fprintf(f, " %9s", keke_fmt_dur(a, e->wall[KEKE_P50]));
		fprintf(f, " %9s", keke_fmt_dur(a, e->wall[KEKE_P95]));
		fprintf(f, " %9s", keke_fmt_dur(a, e->wall[KEKE_P100]));
		fprintf(f, " %10s  %s\n", keke_fmt_dur(a, e->since_last_ns),
			st);
	}
}

/* A duration, or "-" when it is not known (!@known). */
static const char *dur_or_dash(char *buf, bool known, int64_t ns)
{
	return known ? keke_fmt_dur(buf, ns) : "-";
}

/* A size, or "-" when it is not known (!@known). */
static const char *bytes_or_dash(char *buf, bool known, int64_t n)
{
	return known ? rp_fmt_bytes(buf, n) : "-";
}

static void usage_table(FILE *f, const struct keke_report *r)
{
	int w = width_of(r->usage, r->nusage, sizeof(*r->usage),
			 offsetof(struct keke_report_usage, name), 10);
	char a[RP_FMT_MAX];

	title(f, "Resources per executable, by CPU time (user + system)");
	if (!r->nusage) {
		fputs("(none)\n", f);
		return;
	}
	fprintf(f, "%-*s %7s %7s %9s %9s %9s %9s %9s %9s %9s %10s %10s\n", w,
		"executable", "runs", "unknown", "cpu", "p50", "p95", "p99",
		"rss p50", "p99", "max", "read", "written");
	for (size_t i = 0; i < r->nusage; i++) {
		const struct keke_report_usage *u = &r->usage[i];
		bool known = u->processes > u->unknown;

		put_pad(f, u->name, w);
		fprintf(f, " %7s", rp_fmt_count(a, u->processes));
		fprintf(f, " %7s", rp_fmt_count(a, u->unknown));
		fprintf(f, " %9s", dur_or_dash(a, known, u->cpu_ns));
		fprintf(f, " %9s", dur_or_dash(a, known, u->cpu[KEKE_P50]));
		fprintf(f, " %9s", dur_or_dash(a, known, u->cpu[KEKE_P95]));
		fprintf(f, " %9s", dur_or_dash(a, known, u->cpu[KEKE_P99]));
		fprintf(f, " %9s", bytes_or_dash(a, known, u->rss[KEKE_P50]));
		fprintf(f, " %9s", bytes_or_dash(a, known, u->rss[KEKE_P99]));
		fprintf(f, " %9s", bytes_or_dash(a, known, u->rss[KEKE_P100]));
		fprintf(f, " %10s", rp_fmt_bytes(a, u->read_bytes));
		fprintf(f, " %10s\n", rp_fmt_bytes(a, u->write_bytes));
	}
	fputs("cpu: each process's own; the percentiles are over the processes"
	      " of known usage.\nrss: peak resident set size. read, written: "
	      "keke's calls, files and sockets.\n", f);
	if (r->usage_unknown)
		fprintf(f, "%s of the processes left no usage (killed, "
			"untraced, or written by an older keke).\n",
			rp_fmt_count(a, r->usage_unknown));
}

/* The top processes @v (@n of them), by @what. */
static void top_table(FILE *f, const char *what,
		      const struct keke_report_proc_usage *v, size_t n)
{
	int w = width_of(v, n, sizeof(*v),
			 offsetof(struct keke_report_proc_usage, name), 8);
	char a[RP_FMT_MAX], t[64];

	snprintf(t, sizeof(t), "Top processes by %s", what);
	title(f, t);
	if (!n) {
		fputs("(none of known usage)\n", f);
		return;
	}
	fprintf(f, "%-*s %8s %9s %9s  %s\n", w, "process", "pid", "cpu",
		"peak rss", "from");
	for (size_t i = 0; i < n; i++) {
		put_pad(f, v[i].name, w);
		fprintf(f, " %8d", v[i].pid);
		fprintf(f, " %9s", keke_fmt_dur(a, v[i].cpu_ns));
		fprintf(f, " %9s  %s\n", rp_fmt_bytes(a, v[i].rss_bytes),
			v[i].from_wait ? "wait" : "exit");
	}
}

static void usage(FILE *f, const struct keke_report *r)
{
	if (!r->has_usage)
		return;
	usage_table(f, r);
	top_table(f, "CPU time", r->top_cpu, r->ntop_cpu);
	top_table(f, "peak RSS", r->top_rss, r->ntop_rss);
}

static void path_shares(FILE *f, const struct keke_report *r)
{
	int w = width_of(r->shares, r->nshares, sizeof(*r->shares),
			 offsetof(struct keke_report_share, name), 10);
	char a[RP_FMT_MAX], t[128];

	if (!r->has_path)
		return;
	snprintf(t, sizeof(t), "Critical path (%s), by executable",
		 keke_fmt_dur(a, r->path_ns));
	title(f, t);
	if (!r->nshares) {
		fputs("(none)\n", f);
		return;
	}
	fprintf(f, "%-*s %6s %9s %9s\n", w, "executable", "share", "time",
		"segments");
	for (size_t i = 0; i < r->nshares; i++) {
		const struct keke_report_share *s = &r->shares[i];

		put_pad(f, s->name, w);
		fprintf(f, " %6s", rp_fmt_share(a, (uint64_t)s->ns,
						(uint64_t)r->path_ns));
		fprintf(f, " %9s", keke_fmt_dur(a, s->ns));
		fprintf(f, " %9s\n", rp_fmt_count(a, s->segments));
	}
}

static void path_segments(FILE *f, const struct keke_report *r)
{
	char a[RP_FMT_MAX];

	if (!r->has_path || !r->critical_path)
		return;
	title(f, "Critical path segments (start from the trace's start)");
	fprintf(f, "%10s %9s  %-9s %s\n", "start", "dur", "state",
		"process [pid]: call, or child waited on");
	for (size_t i = 0; i < r->nsegments; i++) {
		const struct keke_report_segment *g = &r->segments[i];

		fprintf(f, "%10s", keke_fmt_dur(a, g->start_ns));
		fprintf(f, " %9s  ", keke_fmt_dur(a, g->dur_ns));
		put_pad(f, g->state, 9);
		fputc(' ', f);
		put(f, g->name);
		fprintf(f, " [%d]", g->pid);
		if (g->call) {
			fputs(": ", f);
			put(f, g->call);
		} else if (g->waiting_name) {
			fputs(": ", f);
			put(f, g->waiting_name);
			fprintf(f, " [%d]", g->waiting_pid);
		}
		fputc('\n', f);
	}
}

static void paths_table(FILE *f, const struct keke_report *r,
			const char *what, const struct keke_report_path *p,
			size_t n)
{
	int w = width_of(p, n, sizeof(*p),
			 offsetof(struct keke_report_path, path), 4);
	char a[RP_FMT_MAX], t[128];

	snprintf(t, sizeof(t), "Paths, by %s (top %zu of %zu)", what, n,
		 r->npaths);
	title(f, t);
	if (!n) {
		fputs(r->npaths ? "(none moved bytes)\n" : "(none)\n", f);
		return;
	}
	fprintf(f, "%-*s %11s %7s %9s %10s %10s\n", w, "path", "calls",
		"errors", "time", "read", "written");
	for (size_t i = 0; i < n; i++) {
		put_tail(f, p[i].path, w);
		fprintf(f, " %11s", rp_fmt_count(a, p[i].calls));
		fprintf(f, " %7" PRIu64, p[i].errors);
		fprintf(f, " %9s", keke_fmt_dur(a, p[i].time_ns));
		fprintf(f, " %10s", rp_fmt_bytes(a, p[i].bytes_in));
		fprintf(f, " %10s\n", rp_fmt_bytes(a, p[i].bytes_out));
	}
}

/* One line of the I/O table: @x, named @name and @pid (0: none). */
static void io_line(FILE *f, const struct keke_report_io *x,
		    const char *name, int pid, int w)
{
	char a[RP_FMT_MAX];

	put_pad(f, name, w);
	if (pid)
		fprintf(f, " %8d", pid);
	else
		fprintf(f, " %8s", "");
	fprintf(f, " %10s", rp_fmt_bytes(a, x->read_bytes));
	fprintf(f, " %10s", x->has_kernel ? rp_fmt_bytes(a, x->rchar) : "-");
	fprintf(f, " %5s", x->has_kernel ?
		rp_fmt_seen(a, x->traced_rchar, x->rchar) : "-");
	fprintf(f, " %10s", rp_fmt_bytes(a, x->write_bytes));
	fprintf(f, " %10s", x->has_kernel ? rp_fmt_bytes(a, x->wchar) : "-");
	fprintf(f, " %5s\n", x->has_kernel ?
		rp_fmt_seen(a, x->traced_wchar, x->wchar) : "-");
}

static void io_table(FILE *f, const struct keke_report *r)
{
	int w = width_of(r->io, r->nio, sizeof(*r->io),
			 offsetof(struct keke_report_io, name), 8);
	const struct keke_report_io *t = &r->io_total;
	char name[64], a[RP_FMT_MAX];

	if (!r->has_io)
		return;
	title(f, "I/O per process: keke's calls and the kernel's count");
	if (!r->nio) {
		fputs("(none)\n", f);
		return;
	}
	fprintf(f, "%-*s %8s %10s %10s %5s %10s %10s %5s\n", w, "process",
		"pid", "read", "rchar", "seen", "written", "wchar", "seen");
	snprintf(name, sizeof(name), "total (%s)",
		 rp_fmt_count(a, t->processes + t->no_kernel));
	io_line(f, t, name, 0, w);
	for (size_t i = 0; i < r->nio; i++)
		io_line(f, &r->io[i], r->io[i].name, r->io[i].pid, w);
	if (r->io_more)
		fprintf(f, "... and %zu more processes\n", r->io_more);
	fputs("read, written: the bytes of the calls keke recorded, from and "
	      "to files and sockets.\nrchar, wchar: the kernel's count "
	      "(/proc/PID/io), less that of the children each process\n"
	      "reaped. seen: the share of it that keke's calls of the kinds "
	      "it counts account for\n(the read and write family, stdio, "
	      "sendfile, copy_file_range; not send, recv, splice).\n", f);
	if (t->no_kernel)
		fprintf(f, "%s of the processes left no kernel count (killed, "
			"untraced, or no /proc).\n",
			rp_fmt_count(a, t->no_kernel));
}

/* The files of group @g: a heading, then one line per file. */
static void files_of(FILE *f, const struct keke_report_files *g)
{
	bool proc = g->pid != 0;
	char a[RP_FMT_MAX], b[RP_FMT_MAX];

	fputc('\n', f);
	put(f, g->name);
	if (proc) {
		fprintf(f, " [%d]", g->pid);
		if (g->cmdline && *g->cmdline) {
			fputs(" ", f);
			put(f, g->cmdline);
		}
	} else {
		fprintf(f, " (%s process%s)", rp_fmt_count(a, g->processes),
			g->processes == 1 ? "" : "es");
	}
	fprintf(f, ": %" PRIu64 " read, %" PRIu64 " written, %" PRIu64
		" created, %" PRIu64 " removed, %" PRIu64 " missing\n",
		g->nread, g->nwritten, g->ncreated, g->nremoved, g->nmissing);
	if (g->nfiles) {
		fprintf(f, "  %-20s %10s %10s %6s %9s", "what", "read",
			"written", proc ? "opens" : "procs", "time");
		if (proc)
			fprintf(f, " %9s %9s", "first", "last");
		fputs("  path\n", f);
	}
	for (size_t i = 0; i < g->nfiles; i++) {
		const struct keke_report_file *x = &g->files[i];

		fprintf(f, "  %-20s", rp_fmt_roles(a, x->roles, ","));
		fprintf(f, " %10s", rp_fmt_bytes(a, x->read_bytes));
		fprintf(f, " %10s", rp_fmt_bytes(a, x->write_bytes));
		fprintf(f, " %6s", rp_fmt_count(a, proc ? x->opened :
						  x->processes));
		fprintf(f, " %9s", keke_fmt_dur(a, x->time_ns));
		if (proc)
			fprintf(f, " %9s %9s", keke_fmt_dur(a, x->first_ns),
				keke_fmt_dur(b, x->last_ns));
		fputs("  ", f);
		put(f, x->path);
		if (x->renamed_to) {
			fputs(" -> ", f);
			put(f, x->renamed_to);
		}
		fputc('\n', f);
	}
	if (g->other_read_bytes || g->other_write_bytes)
		fprintf(f, "  (sockets, pipes, unnamed fds: %s read, %s "
			"written)\n", rp_fmt_bytes(a, g->other_read_bytes),
			rp_fmt_bytes(b, g->other_write_bytes));
}

static void files(FILE *f, const struct keke_report *r)
{
	if (!r->files)
		return;
	title(f, "Files per executable");
	if (!r->nfiles_by_exe)
		fputs("(none)\n", f);
	for (size_t i = 0; i < r->nfiles_by_exe; i++)
		files_of(f, &r->files_by_exe[i]);
	title(f, "Files per process (times from its start)");
	if (!r->nfiles_by_proc)
		fputs("(none)\n", f);
	for (size_t i = 0; i < r->nfiles_by_proc; i++)
		files_of(f, &r->files_by_proc[i]);
}

static void tree(FILE *f, const struct keke_report *r)
{
	char a[RP_FMT_MAX], b[RP_FMT_MAX], c[RP_FMT_MAX];

	title(f, "Process tree (wall times)");
	if (!r->ntree)
		fputs("(none)\n", f);
	for (size_t i = 0; i < r->ntree; i++) {
		const struct keke_report_node *l = &r->tree[i];

		fprintf(f, "%*s", (int)l->depth * 2, "");
		put(f, l->name);
		if (l->count == 1) {
			fprintf(f, " [%d] %s", l->pid,
				keke_fmt_dur(a, l->total_ns));
			if (l->signal)
				fprintf(f, " killed by %s",
					rp_fmt_signal(b, l->signal));
			else if (l->has_status)
				fprintf(f, " exit %d", l->exit_code);
			fputc('\n', f);
			continue;
		}
		fprintf(f, " \u00d7%" PRIu64 " total %s, p50 %s, max %s",
			l->count, keke_fmt_dur(a, l->total_ns),
			keke_fmt_dur(b, l->p50_ns), keke_fmt_dur(c, l->max_ns));
		if (l->failed)
			fprintf(f, ", %" PRIu64 " failed", l->failed);
		fputc('\n', f);
	}
	if (r->tree_more)
		fprintf(f, "... and %zu more processes\n", r->tree_more);
}

static void traces(FILE *f, const struct keke_report *r)
{
	static const unsigned shown[] = { KEKE_P25, KEKE_P50, KEKE_P75,
					  KEKE_P99 };
	char a[RP_FMT_MAX], t[256];

	for (size_t i = 0; i < r->ntraces; i++) {
		const struct keke_report_trace *tr = &r->traces[i];
		int w = width_of(tr->steps, tr->nsteps, sizeof(*tr->steps),
				 offsetof(struct keke_report_step, name), 4);

		snprintf(t, sizeof(t), " (%" PRIu64 " process%s; offsets "
			 "from the process's start)", tr->processes,
			 tr->processes == 1 ? "" : "es");
		title_of(f, "Average trace of ", tr->exe, t);
		if (!tr->nsteps) {
			fputs("(no calls)\n", f);
			continue;
		}
		fprintf(f, "%-*s %4s %6s %9s %9s %9s %9s %9s\n", w, "step",
			"nth", "in", "p25", "p50", "p75", "p99", "dur p50");
		for (size_t j = 0; j < tr->nsteps; j++) {
			const struct keke_report_step *s = &tr->steps[j];

			put_pad(f, s->name, w);
			fprintf(f, " %4u %6s", s->nth,
				rp_fmt_share(a, s->processes, tr->processes));
			for (size_t p = 0; p < 4; p++)
				fprintf(f, " %9s",
					keke_fmt_dur(a, s->offset[shown[p]]));
			fprintf(f, " %9s\n", keke_fmt_dur(a, s->dur_p50));
		}
		if (tr->more)
			fprintf(f, "... and %zu rarer steps\n", tr->more);
	}
}

int keke_report_text(FILE *f, const struct keke_report *r)
{
	heading(f, r);
	calls_table(f, r);
	bytes_table(f, r);
	histograms(f, r);
	exes_table(f, r);
	usage(f, r);
	path_shares(f, r);
	path_segments(f, r);
	paths_table(f, r, "time", r->paths_by_time, r->npaths_by_time);
	paths_table(f, r, "bytes", r->paths_by_bytes, r->npaths_by_bytes);
	io_table(f, r);
	tree(f, r);
	traces(f, r);
	files(f, r);
	fflush(f);
	return ferror(f) ? -1 : 0;
}
