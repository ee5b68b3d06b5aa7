// SPDX-License-Identifier: MIT
/*
 * The page's timeline: a Gantt chart of the selected processes, one row
 * each in tree order, the bars coloured by executable (a legend names
 * the colours), the critical path drawn in red over the bars it goes
 * through, and hover details on every bar. Past FOLD_ABOVE processes a
 * row per process no longer reads, so each executable gets one row, its
 * processes' spans merged.
 */
#include "report/out/fmt.h"
#include "report/out/html.h"
#include "report/timeline.h"

#include <inttypes.h>
#include <stdlib.h>

#define FOLD_ABOVE 400		/* more processes: a row per executable */
#define ROW_H 18		/* a row's height */
#define BAR_H 12		/* a bar's */
#define AXIS_H 22		/* room for the tick labels */
#define INDENT 9		/* per level of the tree */
#define INDENT_MAX 12		/* levels indented */
#define LABEL_MAX 30		/* bytes of a name in a label */
#define LEGEND_MAX 30		/* executables named in the legend */

/* The y of row @row's top. */
static double row_y(size_t row)
{
	return AXIS_H + (double)row * ROW_H;
}

/* A bar from @from to @to on the row at @y: at least a pixel wide. */
static void bar_rect(FILE *f, const struct rp_axis *a, int64_t from,
		     int64_t to, double y, double h)
{
	double x0 = rp_axis_x(a, from), x1 = rp_axis_x(a, to);

	fprintf(f, " x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"",
		x0, y, x1 - x0 < 1 ? 1 : x1 - x0, h);
}

/* How process @x ended, for its hover text. */
static const char *end_text(char *buf, const struct keke_timeline_proc *x)
{
	char sig[RP_FMT_MAX];

	if (x->signal)
		snprintf(buf, RP_FMT_MAX, "killed by %s",
			 rp_fmt_signal(sig, x->signal));
	else if (x->has_exit)
		snprintf(buf, RP_FMT_MAX, "exit %d", x->exit_code);
	else
		snprintf(buf, RP_FMT_MAX, "exit status unknown");
	return buf;
}

/* The hover text of process @x's bar. */
static void proc_title(FILE *f, const struct keke_timeline *t,
		       const struct keke_timeline_proc *x)
{
	char a[RP_FMT_MAX], b[RP_FMT_MAX], c[RP_FMT_MAX];

	fputs("<title>", f);
	rp_html_esc(f, t->exes[x->exe].name);
	fprintf(f, " [%d] ", x->pid);
	rp_html_esc(f, x->cmdline ? x->cmdline : "");
	fprintf(f, "\nwall %s, from +%s", keke_fmt_dur(a, x->end_ns -
						       x->start_ns),
		keke_fmt_dur(b, x->start_ns - t->start_ns));
	if (x->from == KEKE_RUSAGE_UNKNOWN) {
		fputs("\nCPU, peak RSS: unknown", f);
	} else {
		fprintf(f, "\nCPU %s (user %s + sys %s)",
			keke_fmt_dur(a, x->cpu_user_ns + x->cpu_sys_ns),
			keke_fmt_dur(b, x->cpu_user_ns),
			keke_fmt_dur(c, x->cpu_sys_ns));
		fprintf(f, "\npeak RSS %s", rp_fmt_bytes(a, x->peak_rss_kb *
							 1024));
		if (x->from == KEKE_RUSAGE_WAIT)
			fputs("\n(from its parent's wait: the peak RSS may "
			      "be a child's)", f);
	}
	fprintf(f, "\n%s%s</title>", end_text(a, x),
		x->on_path ? "\non the critical path" : "");
}

/* The start of a row: its hover band and its label, the process @pid of
 * @exe indented @depth levels, or (@pid < 0) @count processes of it. */
static void row_start(FILE *f, size_t row, const char *exe, uint64_t count,
		      int pid, unsigned depth)
{
	char n[RP_FMT_MAX];
	double y = row_y(row);

	fprintf(f, "<g class=\"tl-row\"><rect class=\"rowbg\" x=\"0\" "
		"y=\"%.1f\" width=\"%d\" height=\"%d\"/><text x=\"%d\" "
		"y=\"%.1f\">", y, RP_CHART_W, ROW_H,
		4 + INDENT * (depth < INDENT_MAX ? (int)depth : INDENT_MAX),
		y + ROW_H - 5);
	rp_html_esc_cut(f, exe, LABEL_MAX);
	if (pid >= 0)
		fprintf(f, " <tspan class=\"tick\">[%d]</tspan>", pid);
	else
		fprintf(f, " <tspan class=\"tick\">\u00d7%s</tspan>",
			rp_fmt_count(n, count));
	fputs("</text>", f);
}

/* A row per process. Returns 0. */
static int proc_rows(FILE *f, const struct keke_timeline *t,
		      const struct rp_axis *a)
{
	for (size_t k = 0; k < t->nprocs; k++) {
		const struct keke_timeline_proc *x = &t->procs[k];
		const char *exe = t->exes[x->exe].name;

		row_start(f, k, exe, 1, x->pid, x->depth);
		fprintf(f, "<rect class=\"tl-bar%s\" fill=\"%s\"",
			x->on_path ? " onpath" : "", rp_exe_colour(exe));
		bar_rect(f, a, x->start_ns, x->end_ns,
			 row_y(k) + (ROW_H - BAR_H) / 2.0, BAR_H);
		fputs(">", f);
		proc_title(f, t, x);
		fputs("</rect></g>\n", f);
	}
	return 0;
}

/* What the folded row of one executable sums up. */
struct exe_sum {
	int64_t wall_ns, cpu_ns, peak_rss_kb;
	uint64_t with_cpu, failed;
};

/* One process of a folded row, for sorting by executable and start. */
struct span {
	size_t exe;
	int64_t from, to;
};

static int cmp_span(const void *a, const void *b)
{
	const struct span *x = a, *y = b;

	if (x->exe != y->exe)
		return x->exe < y->exe ? -1 : 1;
	return (x->from > y->from) - (x->from < y->from);
}

/* The hover text of executable @e's folded row. */
static void exe_title(FILE *f, const struct keke_timeline_exe *e,
		      const struct exe_sum *s)
{
	char a[RP_FMT_MAX], b[RP_FMT_MAX];

	fputs("<title>", f);
	rp_html_esc(f, e->name);
	fprintf(f, ": %s processes\nwall time summed %s",
		rp_fmt_count(a, e->processes), keke_fmt_dur(b, s->wall_ns));
	if (s->with_cpu)
		fprintf(f, "\nCPU summed %s (of %s processes with figures), "
			"peak RSS at most %s", keke_fmt_dur(a, s->cpu_ns),
			rp_fmt_count(b, s->with_cpu),
			rp_fmt_bytes(a, s->peak_rss_kb * 1024));
	else
		fputs("\nCPU, peak RSS: unknown", f);
	fprintf(f, "\n%s failed</title>", rp_fmt_count(a, s->failed));
}

/* A row per executable, its processes' spans merged where they overlap
 * or lie closer than half a pixel. Returns 0, or -1 out of memory. */
static int exe_rows(FILE *f, const struct keke_timeline *t,
		    const struct rp_axis *a)
{
	struct span *v = malloc((t->nprocs ? t->nprocs : 1) * sizeof(*v));
	struct exe_sum *sum = calloc(t->nexes ? t->nexes : 1, sizeof(*sum));
	int64_t gap = a->span / (int64_t)((RP_PLOT_X1 - RP_PLOT_X0) * 2);
	if (!v || !sum) {
		free(v);
		free(sum);
		return -1;
	}
	for (size_t k = 0; k < t->nprocs; k++) {
		const struct keke_timeline_proc *x = &t->procs[k];
		struct exe_sum *s = &sum[x->exe];

		v[k] = (struct span){ x->exe, x->start_ns, x->end_ns };
		s->wall_ns += x->end_ns - x->start_ns;
		s->failed += x->signal || (x->has_exit && x->exit_code);
		if (x->from == KEKE_RUSAGE_UNKNOWN)
			continue;
		s->with_cpu++;
		s->cpu_ns += x->cpu_user_ns + x->cpu_sys_ns;
		if (x->peak_rss_kb > s->peak_rss_kb)
			s->peak_rss_kb = x->peak_rss_kb;
	}
	qsort(v, t->nprocs, sizeof(*v), cmp_span);
	for (size_t k = 0; k < t->nprocs;) {
		size_t exe = v[k].exe;

		row_start(f, exe, t->exes[exe].name, t->exes[exe].processes,
			  -1, 0);
		exe_title(f, &t->exes[exe], &sum[exe]);
		while (k < t->nprocs && v[k].exe == exe) {
			int64_t from = v[k].from, to = v[k].to;

			for (k++; k < t->nprocs && v[k].exe == exe &&
				  v[k].from <= to + gap; k++)
				if (v[k].to > to)
					to = v[k].to;
			fprintf(f, "<rect class=\"tl-bar\" fill=\"%s\"",
				rp_exe_colour(t->exes[exe].name));
			bar_rect(f, a, from, to, row_y(exe) +
				 (ROW_H - BAR_H) / 2.0, BAR_H);
			fputs("/>", f);
		}
		fputs("</g>\n", f);
	}
	free(v);
	free(sum);
	return 0;
}

/* The critical path over the rows (@folded: a row per executable). */
static void path_marks(FILE *f, const struct keke_timeline *t,
		       const struct rp_axis *a, bool folded)
{
	char d[RP_FMT_MAX];

	fputs("<g class=\"critical-path\">", f);
	for (size_t i = 0; i < t->npath; i++) {
		const struct keke_timeline_seg *g = &t->path[i];
		const struct keke_timeline_proc *x;
		size_t row;

		if (g->proc == SIZE_MAX)
			continue;
		x = &t->procs[g->proc];
		row = folded ? x->exe : g->proc;
		fputs("<rect class=\"cp cp-", f);
		rp_html_esc(f, g->state);
		fputs("\"", f);
		bar_rect(f, a, g->ts_ns, g->ts_ns + g->dur_ns,
			 row_y(row) + ROW_H / 2.0 - 2, 4);
		fputs("><title>critical path: ", f);
		rp_html_esc(f, g->state);
		if (g->call) {
			fputs(" in ", f);
			rp_html_esc(f, g->call);
		}
		fputs(", ", f);
		rp_html_esc(f, t->exes[x->exe].name);
		fprintf(f, " [%d], %s</title></rect>", x->pid,
			keke_fmt_dur(d, g->dur_ns));
	}
	fputs("</g>\n", f);
}

/* The colours' names, and the critical path's mark. */
static void legend(FILE *f, const struct keke_timeline *t)
{
	size_t n = t->nexes < LEGEND_MAX ? t->nexes : LEGEND_MAX;

	fputs("<div class=\"legend\">", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "<span><i style=\"background:%s\"></i>",
			rp_exe_colour(t->exes[i].name));
		rp_html_esc(f, t->exes[i].name);
		fputs("</span>", f);
	}
	if (t->nexes > n)
		fprintf(f, "<span class=\"mute\">\u2026 and %zu more</span>",
			t->nexes - n);
	if (t->npath)
		fputs("<span><i class=\"cpmark\"></i>critical path (solid: "
		      "running; pale: sleeping or blocked in a call; palest: "
		      "waiting)</span>", f);
	fputs("</div>\n", f);
}

/* What the page says about the critical path, when it has none. */
static void path_note(FILE *f, const struct keke_timeline *t)
{
	if (!t->has_path)
		fputs("<p class=\"mute\">Critical path: absent (this database"
		      " is from a keke that did not record it).</p>\n", f);
	else if (!t->npath)
		fputs("<p class=\"mute\">Critical path: none recorded.</p>\n",
		      f);
}

void rp_html_timeline(FILE *f, const struct keke_report *r)
{
	const struct keke_timeline *t = r->timeline;
	bool folded = t && t->nprocs > FOLD_ABOVE;
	size_t rows = folded ? t->nexes : t ? t->nprocs : 0;
	double bottom = row_y(rows);
	struct rp_axis a;
	char n[RP_FMT_MAX];

	fputs("<h2 id=\"timeline\">Timeline</h2>\n", f);
	if (!rows) {
		fputs("<p class=\"mute\">No processes selected.</p>\n", f);
		return;
	}
	if (folded)
		fprintf(f, "<p class=\"mute fold-note\">%s processes, more than"
			" %d: one row per executable, its processes' spans "
			"merged; hover a row for its totals.</p>\n",
			rp_fmt_count(n, t->nprocs), FOLD_ABOVE);
	else
		fputs("<p class=\"mute\">One row per process, a parent above "
		      "its children; hover a bar for its command line, times,"
		      " CPU, memory and exit status.</p>\n", f);
	legend(f, t);
	path_note(f, t);
	rp_axis_init(&a, t->start_ns, t->end_ns);
	fprintf(f, "<svg class=\"chart timeline\" viewBox=\"0 0 %d %.0f\" "
		"role=\"img\" aria-label=\"timeline\">\n", RP_CHART_W,
		bottom + AXIS_H);
	rp_axis_draw(f, &a, AXIS_H, bottom, 1);
	fputs("<g class=\"rows\">\n", f);
	if (folded ? exe_rows(f, t, &a) : proc_rows(f, t, &a))
		fputs("<text x=\"4\" y=\"40\">out of memory</text>", f);
	fputs("</g>\n", f);
	path_marks(f, t, &a, folded);
	if (rows > 30)
		rp_axis_draw(f, &a, bottom, bottom, 0);
	fputs("</svg>\n", f);
}
