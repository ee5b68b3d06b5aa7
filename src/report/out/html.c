// SPDX-License-Identifier: MIT
/*
 * The report as one self-contained HTML page: inline CSS, a few lines of
 * inline JavaScript to sort the tables by a click on a heading, no fonts,
 * images or scripts from anywhere, so the page works opened from a
 * download (file://) with no network. The same tables as the text, the
 * size histograms as bars, the process tree as nested lists that fold
 * (<details>), and each average trace as a table whose last column draws
 * the p25..p75 span of every step's offset with a tick at p50; with
 * --files, each executable's and process's files fold under a line that
 * sums them up. The resources and the critical path are tables too;
 * the charts (a timeline of the processes, CPU use over time, call
 * charts) are drawn by the files html.h names.
 */
#include "report/out/fmt.h"
#include "report/out/html.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>


static const char style[] =
	":root{--fg:#1d1f23;--bg:#fff;--mute:#666;--line:#e3e5e8;"
	"--head:#f4f5f7;--bar:#3b7dd8;--span:#9cc0ee;--bad:#c0392b}"
	"@media (prefers-color-scheme:dark){:root{--fg:#e4e6ea;--bg:#16181c;"
	"--mute:#9aa0a8;--line:#2c3036;--head:#1f2329;--bar:#5b9bf0;"
	"--span:#2f5d99;--bad:#ff6b5b}}"
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;"
	"color:var(--fg);background:var(--bg);margin:0 auto;padding:1em 2em;"
	"max-width:1400px}"
	"h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.6em 0"
	" .4em;border-bottom:1px solid var(--line);padding-bottom:.2em}"
	"h3{font-size:1em;margin:1em 0 .3em}"
	"nav a{margin-right:1em}a{color:var(--bar)}"
	"dl.meta{display:grid;grid-template-columns:max-content auto;"
	"gap:.1em 1em;margin:.5em 0}dl.meta dt{color:var(--mute)}"
	"dl.meta dd{margin:0}"
	"table{border-collapse:collapse;margin:.3em 0 1em;font-size:13px}"
	"th,td{padding:.2em .6em;border-bottom:1px solid var(--line);"
	"text-align:left;white-space:nowrap}"
	"th{background:var(--head);position:sticky;top:0}"
	"table.sortable th{cursor:pointer}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	"td.path{white-space:normal;word-break:break-all;max-width:50em}"
	"td.bad{color:var(--bad)}"
	".bar{background:var(--bar);height:.9em;min-width:1px}"
	"td.barcell{width:24em}"
	".lane{position:relative;height:.9em;width:24em}"
	".lane .span{position:absolute;top:0;height:100%;"
	"background:var(--span);min-width:2px}"
	".lane .mid{position:absolute;top:-.15em;height:1.2em;width:2px;"
	"background:var(--fg)}"
	"ul.tree,ul.tree ul{list-style:none;margin:0;padding-left:1.4em}"
	"ul.tree{padding-left:0;font-size:13px}"
	"ul.tree summary{cursor:pointer}"
	"ul.tree li>span.leaf{margin-left:1.1em}"
	".name{font-weight:600}.mute{color:var(--mute)}"
	".hists{display:flex;flex-wrap:wrap;gap:0 2.5em}"
	"footer{margin-top:2em;color:var(--mute);font-size:12px}";

/* Sorts a table by the clicked column: by data-v when the cells have it,
 * else by text; a second click reverses. */
static const char script[] =
	"document.querySelectorAll('table.sortable th').forEach(function(th)"
	"{th.addEventListener('click',function(){"
	"var t=th.closest('table'),b=t.tBodies[0],i=th.cellIndex,"
	"up=th.getAttribute('data-dir')!=='up';"
	"th.setAttribute('data-dir',up?'up':'down');"
	"var rows=Array.prototype.slice.call(b.rows);"
	"rows.sort(function(x,y){var a=x.cells[i],c=y.cells[i],"
	"va=a.getAttribute('data-v'),vc=c.getAttribute('data-v'),"
	"r=(va!==null&&vc!==null)?Number(va)-Number(vc):"
	"a.textContent.localeCompare(c.textContent);return up?r:-r;});"
	"rows.forEach(function(r){b.appendChild(r);});});});";

/* The page's escaper, shared with the charts (html_esc.c). */
static void (*const esc)(FILE *f, const char *s) = rp_html_esc;

static void td_text(FILE *f, const char *cls, const char *s)
{
	fprintf(f, "<td%s%s%s>", cls ? " class=\"" : "", cls ? cls : "",
		cls ? "\"" : "");
	esc(f, s);
	fputs("</td>", f);
}

static void td_dur(FILE *f, int64_t ns)
{
	char b[RP_FMT_MAX];

	fprintf(f, "<td class=\"n\" data-v=\"%" PRId64 "\">%s</td>", ns,
		keke_fmt_dur(b, ns));
}

static void td_bytes(FILE *f, int64_t n)
{
	char b[RP_FMT_MAX];

	fprintf(f, "<td class=\"n\" data-v=\"%" PRId64 "\">%s</td>", n,
		rp_fmt_bytes(b, n));
}

static void td_count(FILE *f, uint64_t n, bool bad)
{
	char b[RP_FMT_MAX];

	fprintf(f, "<td class=\"n%s\" data-v=\"%" PRIu64 "\">%s</td>",
		bad && n ? " bad" : "", n, rp_fmt_count(b, n));
}

/* A table's start and its headings; "#" before a heading marks a number
 * column. */
static void table_head(FILE *f, const char *id, const char *const *cols,
		       size_t n, bool pcts, const char *pct_suffix)
{
	fprintf(f, "<table class=\"sortable\"%s%s%s><thead><tr>",
		id ? " id=\"" : "", id ? id : "", id ? "\"" : "");
	for (size_t i = 0; i < n; i++) {
		bool num = cols[i][0] == '#';

		fprintf(f, "<th%s>", num ? " class=\"n\"" : "");
		esc(f, cols[i] + num);
		fputs("</th>", f);
	}
	for (unsigned p = 0; pcts && p < KEKE_NPCT; p++)
		fprintf(f, "<th class=\"n\">%s%s</th>", keke_pct_label[p],
			pct_suffix);
	fputs("</tr></thead><tbody>\n", f);
}

static void heading(FILE *f, const struct keke_report *r)
{
	char a[RP_FMT_MAX], b[RP_FMT_MAX];

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head>"
	      "<meta charset=\"utf-8\"><meta name=\"viewport\" "
	      "content=\"width=device-width,initial-scale=1\">"
	      "<title>keke report: ", f);
	esc(f, r->db);
	fprintf(f, "</title><style>%s%s</style></head><body>\n", style,
		rp_chart_style);
	fputs("<h1>keke report</h1>\n<dl class=\"meta\"><dt>database</dt><dd>",
	      f);
	esc(f, r->db);
	fputs("</dd><dt>trace</dt><dd>", f);
	esc(f, *r->trace_id ? r->trace_id : "-");
	fputs("</dd><dt>host</dt><dd>", f);
	esc(f, *r->host ? r->host : "-");
	fprintf(f, "</dd><dt>time</dt><dd>%s to ",
		rp_fmt_time(a, r, r->start_ns));
	fprintf(f, "%s (%s)</dd>", rp_fmt_time(a, r, r->end_ns),
		keke_fmt_dur(b, r->end_ns - r->start_ns));
	if (r->since_ns != INT64_MIN || r->until_ns != INT64_MAX) {
		fprintf(f, "<dt>window</dt><dd>%s to ",
			rp_fmt_bound(a, r, r->since_ns));
		fprintf(f, "%s</dd>", rp_fmt_bound(a, r, r->until_ns));
	}
	if (*r->filters) {
		fputs("<dt>filters</dt><dd>", f);
		esc(f, r->filters);
		fputs("</dd>", f);
	}
	if (r->cpu_count)
		fprintf(f, "<dt>cpus</dt><dd>%" PRId64 "</dd>", r->cpu_count);
	fprintf(f, "<dt>selected</dt><dd>%s process%s, ",
		rp_fmt_count(a, r->nprocesses), r->nprocesses == 1 ? "" : "es");
	fprintf(f, "%s call%s</dd></dl>\n", rp_fmt_count(a, r->ncalls_total),
		r->ncalls_total == 1 ? "" : "s");
	fputs("<nav><a href=\"#timeline\">Timeline</a><a href=\"#cpu\">CPU"
	      "</a><a href=\"#calls\">Calls</a><a href=\"#call-charts\">"
	      "Call charts</a><a href=\"#bytes\">Bytes</a>"
	      "<a href=\"#executables\">Executables</a>", f);
	if (r->has_usage)
		fputs("<a href=\"#resources\">Resources</a>", f);
	if (r->has_path)
		fputs("<a href=\"#critical-path\">Critical path</a>", f);
	fputs("<a href=\"#paths\">Paths</a>", f);
	if (r->has_io)
		fputs("<a href=\"#io\">I/O</a>", f);
	fputs("<a href=\"#tree\">Process tree</a><a href=\"#traces\">"
	      "Average traces</a>", f);
	if (r->files)
		fputs("<a href=\"#files\">Files</a>", f);
	fputs("</nav>\n", f);
}

static void calls(FILE *f, const struct keke_report *r)
{
	static const char *const cols[] = {
		"call", "category", "#count", "#errors", "#total", "#self",
		"#since last",
	};

	fputs("<h2 id=\"calls\">Calls, by total time</h2>\n", f);
	if (!r->ncalls) {
		fputs("<p class=\"mute\">No calls selected.</p>\n", f);
		return;
	}
	table_head(f, "calls-table", cols, 7, true, "");
	for (size_t i = 0; i < r->ncalls; i++) {
		const struct keke_report_call *k = &r->calls[i];

		fputs("<tr>", f);
		td_text(f, "name", k->name);
		td_text(f, NULL, k->category);
		td_count(f, k->count, false);
		td_count(f, k->errors, true);
		td_dur(f, k->total_ns);
		td_dur(f, k->self_ns);
		td_dur(f, k->since_last_ns);
		for (unsigned p = 0; p < KEKE_NPCT; p++)
			td_dur(f, k->dur[p]);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

/* @v as a percentage of @scale. */
static double pos(int64_t v, int64_t scale)
{
	return 100.0 * (double)v / (double)scale;
}

/* The histogram of the sizes of call @k's results. */
static void size_hist(FILE *f, const struct keke_report_call *k)
{
	char a[RP_FMT_MAX], b[RP_FMT_MAX];
	unsigned lo = 0, hi = 0;
	uint64_t max;

	keke_log2_span(&k->hist, &lo, &hi, &max);
	fputs("<div><h3>", f);
	esc(f, k->name);
	fprintf(f, " <span class=\"mute\">sizes, %s calls</span></h3>"
		"<table class=\"hist\"><thead><tr><th>below</th>"
		"<th class=\"n\">calls</th><th></th></tr></thead>"
		"<tbody>\n", rp_fmt_count(a, k->sized));
	for (unsigned j = lo; j <= hi; j++) {
		uint64_t n = k->hist.count[j];

		fprintf(f, "<tr><td>%s</td><td class=\"n\">%s</td>"
			"<td class=\"barcell\">", rp_fmt_bucket(a, j),
			rp_fmt_count(b, n));
		if (n)
			fprintf(f, "<div class=\"bar\" style=\"width:"
				"%.2f%%\"></div>", pos((int64_t)n,
						      (int64_t)max));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></div>\n", f);
}

static void bytes(FILE *f, const struct keke_report *r)
{
	static const char *const cols[] = { "call", "#sized", "#bytes" };
	bool any = false;

	fputs("<h2 id=\"bytes\">Bytes moved</h2>\n", f);
	for (size_t i = 0; i < r->ncalls; i++)
		any |= r->calls[i].moves_bytes && r->calls[i].sized;
	if (!any) {
		fputs("<p class=\"mute\">No read/write-like calls with a"
		      " result.</p>\n", f);
		return;
	}
	fputs("<p class=\"mute\">The results of read/write-like calls that"
	      " did not fail.</p>\n", f);
	table_head(f, "bytes-table", cols, 3, true, "");
	for (size_t i = 0; i < r->ncalls; i++) {
		const struct keke_report_call *k = &r->calls[i];

		if (!k->moves_bytes || !k->sized)
			continue;
		fputs("<tr>", f);
		td_text(f, "name", k->name);
		td_count(f, k->sized, false);
		td_bytes(f, k->bytes);
		for (unsigned p = 0; p < KEKE_NPCT; p++)
			td_bytes(f, k->size[p]);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n<div class=\"hists\">\n", f);
	for (size_t i = 0; i < r->ncalls; i++)
		if (r->calls[i].moves_bytes && r->calls[i].sized)
			size_hist(f, &r->calls[i]);
	fputs("</div>\n", f);
}

static void exes(FILE *f, const struct keke_report *r)
{
	static const char *const cols[] = {
		"executable", "#runs", "#total", "#p50", "#p95", "#max",
		"#since last", "exit codes",
	};
	char s[RP_FMT_MAX];

	fputs("<h2 id=\"executables\">Executables, by total wall time</h2>\n",
	      f);
	if (!r->nexes) {
		fputs("<p class=\"mute\">No processes selected.</p>\n", f);
		return;
	}
	table_head(f, "exes-table", cols, 8, false, "");
	for (size_t i = 0; i < r->nexes; i++) {
		const struct keke_report_exe *e = &r->exes[i];

		fputs("<tr>", f);
		td_text(f, "name", e->name);
		td_count(f, e->processes, false);
		td_dur(f, e->total_ns);
		td_dur(f, e->wall[KEKE_P50]);
		td_dur(f, e->wall[KEKE_P95]);
		td_dur(f, e->wall[KEKE_P100]);
		td_dur(f, e->since_last_ns);
		fputs("<td>", f);
		for (size_t j = 0; j < e->nexits; j++)
			fprintf(f, "%s<span%s>%d \u00d7%" PRIu64 "</span>",
				j ? ", " : "", e->exits[j].code ?
				" class=\"bad\"" : "", e->exits[j].code,
				e->exits[j].count);
		for (size_t j = 0; j < e->nsignals; j++)
			fprintf(f, "%s<span class=\"bad\">%s \u00d7%" PRIu64
				"</span>", e->nexits || j ? ", " : "",
				rp_fmt_signal(s, e->signals[j].code),
				e->signals[j].count);
		if (e->no_status)
			fprintf(f, "%s%" PRIu64 " unknown",
				e->nexits || e->nsignals ? ", " : "",
				e->no_status);
		if (e->untraced)
			fprintf(f, ", %" PRIu64 " untraced", e->untraced);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

/* A duration, or a dash when it is not known (!@known). */
static void td_dur_known(FILE *f, bool known, int64_t ns)
{
	if (known)
		td_dur(f, ns);
	else
		fputs("<td class=\"n\">-</td>", f);
}

/* A size, or a dash when it is not known (!@known). */
static void td_bytes_known(FILE *f, bool known, int64_t n)
{
	if (known)
		td_bytes(f, n);
	else
		fputs("<td class=\"n\">-</td>", f);
}

/* The top processes @v (@n of them) by @what, in table @id. */
static void top_table(FILE *f, const char *id, const char *what,
		      const struct keke_report_proc_usage *v, size_t n)
{
	static const char *const cols[] = {
		"process", "#pid", "#cpu", "#peak rss", "from",
	};

	fprintf(f, "<h3>Top processes by %s</h3>\n", what);
	if (!n) {
		fputs("<p class=\"mute\">None of known usage.</p>\n", f);
		return;
	}
	table_head(f, id, cols, 5, false, "");
	for (size_t i = 0; i < n; i++) {
		fputs("<tr>", f);
		td_text(f, "name", v[i].name);
		fprintf(f, "<td class=\"n\">%d</td>", v[i].pid);
		td_dur(f, v[i].cpu_ns);
		td_bytes(f, v[i].rss_bytes);
		td_text(f, NULL, v[i].from_wait ? "wait" : "exit");
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

static void usage(FILE *f, const struct keke_report *r)
{
	static const char *const cols[] = {
		"executable", "#runs", "#unknown", "#cpu", "#cpu p50",
		"#cpu p95", "#cpu p99", "#rss p50", "#rss p99", "#rss max",
		"#read", "#written",
	};

	if (!r->has_usage)
		return;
	fputs("<h2 id=\"resources\">Resources</h2>\n<p class=\"mute\">CPU "
	      "time (user + system, each process's own; percentiles over the "
	      "processes of known usage), peak resident set size, and the "
	      "bytes keke's calls read and wrote, files and sockets.", f);
	if (r->usage_unknown)
		fprintf(f, " %" PRIu64 " of the processes left no usage.",
			r->usage_unknown);
	fputs("</p>\n", f);
	if (!r->nusage) {
		fputs("<p class=\"mute\">No processes selected.</p>\n", f);
		return;
	}
	table_head(f, "resources-table", cols, 12, false, "");
	for (size_t i = 0; i < r->nusage; i++) {
		const struct keke_report_usage *u = &r->usage[i];
		bool known = u->processes > u->unknown;

		fputs("<tr>", f);
		td_text(f, "name", u->name);
		td_count(f, u->processes, false);
		td_count(f, u->unknown, false);
		td_dur_known(f, known, u->cpu_ns);
		td_dur_known(f, known, u->cpu[KEKE_P50]);
		td_dur_known(f, known, u->cpu[KEKE_P95]);
		td_dur_known(f, known, u->cpu[KEKE_P99]);
		td_bytes_known(f, known, u->rss[KEKE_P50]);
		td_bytes_known(f, known, u->rss[KEKE_P99]);
		td_bytes_known(f, known, u->rss[KEKE_P100]);
		td_bytes(f, u->read_bytes);
		td_bytes(f, u->write_bytes);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	top_table(f, "top-cpu-table", "CPU time", r->top_cpu, r->ntop_cpu);
	top_table(f, "top-rss-table", "peak RSS", r->top_rss, r->ntop_rss);
}

/* The segments of the critical path (--critical-path). */
static void segments(FILE *f, const struct keke_report *r)
{
	static const char *const cols[] = {
		"#start", "#dur", "process", "#pid", "state",
		"call, or child waited on",
	};

	fputs("<h3>Segments <span class=\"mute\">(start from the trace's "
	      "start)</span></h3>\n", f);
	table_head(f, "path-segments-table", cols, 6, false, "");
	for (size_t i = 0; i < r->nsegments; i++) {
		const struct keke_report_segment *g = &r->segments[i];

		fputs("<tr>", f);
		td_dur(f, g->start_ns);
		td_dur(f, g->dur_ns);
		td_text(f, "name", g->name);
		fprintf(f, "<td class=\"n\">%d</td>", g->pid);
		td_text(f, NULL, g->state);
		fputs("<td>", f);
		if (g->call) {
			esc(f, g->call);
		} else if (g->waiting_name) {
			esc(f, g->waiting_name);
			fprintf(f, " [%d]", g->waiting_pid);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

static void critical_path(FILE *f, const struct keke_report *r)
{
	static const char *const cols[] = {
		"executable", "#share", "#time", "#segments",
	};
	char a[RP_FMT_MAX];

	if (!r->has_path)
		return;
	fprintf(f, "<h2 id=\"critical-path\">Critical path</h2>\n<p class="
		"\"mute\">The chain of processes and waits the root's wall "
		"time depended on: %s, each executable's share of it.</p>\n",
		keke_fmt_dur(a, r->path_ns));
	if (!r->nshares) {
		fputs("<p class=\"mute\">None in the selection.</p>\n", f);
	} else {
		table_head(f, "path-shares-table", cols, 4, false, "");
		for (size_t i = 0; i < r->nshares; i++) {
			const struct keke_report_share *s = &r->shares[i];

			fputs("<tr>", f);
			td_text(f, "name", s->name);
			rp_fmt_share(a, (uint64_t)s->ns, (uint64_t)r->path_ns);
			fprintf(f, "<td class=\"n\" data-v=\"%" PRId64 "\">"
				"%s</td>", s->ns, a);
			td_dur(f, s->ns);
			td_count(f, s->segments, false);
			fputs("</tr>\n", f);
		}
		fputs("</tbody></table>\n", f);
	}
	if (r->critical_path)
		segments(f, r);
}

static void paths_table(FILE *f, const char *id, const char *what,
			const struct keke_report_path *p, size_t n,
			size_t total)
{
	static const char *const cols[] = {
		"path", "#calls", "#errors", "#time", "#read", "#written",
	};

	fprintf(f, "<h3>By %s <span class=\"mute\">(top %zu of %zu)</span>"
		"</h3>\n", what, n, total);
	if (!n) {
		fputs("<p class=\"mute\">None.</p>\n", f);
		return;
	}
	table_head(f, id, cols, 6, false, "");
	for (size_t i = 0; i < n; i++) {
		fputs("<tr>", f);
		td_text(f, "path", p[i].path);
		td_count(f, p[i].calls, false);
		td_count(f, p[i].errors, true);
		td_dur(f, p[i].time_ns);
		td_bytes(f, p[i].bytes_in);
		td_bytes(f, p[i].bytes_out);
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

/* The kernel's count @kernel and the share of it keke's @traced is, or
 * dashes when the kernel's count is unknown (!@has). */
static void td_kernel(FILE *f, bool has, int64_t kernel, int64_t traced)
{
	char a[RP_FMT_MAX];

	if (!has) {
		fputs("<td class=\"n\">-</td><td class=\"n\">-</td>", f);
		return;
	}
	td_bytes(f, kernel);
	fprintf(f, "<td class=\"n\">%s</td>", rp_fmt_seen(a, traced, kernel));
}

/* One row of the I/O table: @x, named @name and @pid (0: none). */
static void io_row(FILE *f, const struct keke_report_io *x, const char *name,
		   int pid)
{
	fputs("<tr>", f);
	td_text(f, "name", name);
	if (pid)
		fprintf(f, "<td class=\"n\">%d</td>", pid);
	else
		fputs("<td></td>", f);
	td_bytes(f, x->read_bytes);
	td_kernel(f, x->has_kernel, x->rchar, x->traced_rchar);
	td_bytes(f, x->write_bytes);
	td_kernel(f, x->has_kernel, x->wchar, x->traced_wchar);
	fputs("</tr>\n", f);
}

static void io(FILE *f, const struct keke_report *r)
{
	static const char *const cols[] = {
		"process", "#pid", "#read", "#rchar", "#seen", "#written",
		"#wchar", "#seen",
	};

	if (!r->has_io)
		return;
	fputs("<h2 id=\"io\">I/O per process</h2>\n<p class=\"mute\">read, "
	      "written: the bytes of the calls keke recorded, from and to "
	      "files and sockets. rchar, wchar: the kernel's count "
	      "(/proc/PID/io), less that of the children each process "
	      "reaped. seen: the share of it that keke's calls of the kinds "
	      "it counts account for (the read and write family, stdio, "
	      "sendfile, copy_file_range; not send, recv, splice).</p>\n", f);
	if (!r->nio) {
		fputs("<p class=\"mute\">No processes selected.</p>\n", f);
		return;
	}
	table_head(f, "io-table", cols, 8, false, "");
	io_row(f, &r->io_total, "total", 0);
	for (size_t i = 0; i < r->nio; i++)
		io_row(f, &r->io[i], r->io[i].name, r->io[i].pid);
	fputs("</tbody></table>\n", f);
	if (r->io_more)
		fprintf(f, "<p class=\"mute\">\u2026 and %zu more processes."
			"</p>\n", r->io_more);
}

/* The files of group @g, folded under a line that sums them up. */
static void files_of(FILE *f, const struct keke_report_files *g)
{
	static const char *const exe_cols[] = {
		"what", "#read", "#written", "#procs", "#time", "path",
	};
	static const char *const proc_cols[] = {
		"what", "#read", "#written", "#opens", "#time", "#first",
		"#last", "path",
	};
	char a[RP_FMT_MAX], b[RP_FMT_MAX];
	bool proc = g->pid != 0;

	fputs("<details><summary><span class=\"name\">", f);
	esc(f, g->name);
	fputs("</span>", f);
	if (proc) {
		fprintf(f, " <span class=\"mute\">[%d] ", g->pid);
		esc(f, g->cmdline ? g->cmdline : "");
		fputs("</span>", f);
	} else {
		fprintf(f, " <span class=\"mute\">%s process%s</span>",
			rp_fmt_count(a, g->processes),
			g->processes == 1 ? "" : "es");
	}
	fprintf(f, ": %" PRIu64 " read, %" PRIu64 " written, %" PRIu64
		" created, %" PRIu64 " removed, %" PRIu64 " missing",
		g->nread, g->nwritten, g->ncreated, g->nremoved, g->nmissing);
	if (g->other_read_bytes || g->other_write_bytes)
		fprintf(f, "; sockets, pipes, unnamed fds: %s read, %s written",
			rp_fmt_bytes(a, g->other_read_bytes),
			rp_fmt_bytes(b, g->other_write_bytes));
	fputs("</summary>\n", f);
	table_head(f, NULL, proc ? proc_cols : exe_cols, proc ? 8 : 6, false,
		   "");
	for (size_t i = 0; i < g->nfiles; i++) {
		const struct keke_report_file *x = &g->files[i];

		fputs("<tr>", f);
		td_text(f, NULL, rp_fmt_roles(a, x->roles, ","));
		td_bytes(f, x->read_bytes);
		td_bytes(f, x->write_bytes);
		td_count(f, proc ? x->opened : x->processes, false);
		td_dur(f, x->time_ns);
		if (proc) {
			td_dur(f, x->first_ns);
			td_dur(f, x->last_ns);
		}
		fputs("<td class=\"path\">", f);
		esc(f, x->path);
		if (x->renamed_to) {
			fputs(" \u2192 ", f);
			esc(f, x->renamed_to);
		}
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></details>\n", f);
}

static void files(FILE *f, const struct keke_report *r)
{
	if (!r->files)
		return;
	fputs("<h2 id=\"files\">Files</h2>\n<p class=\"mute\">What each "
	      "executable and process read, wrote, created and removed, and "
	      "the paths it looked for that were not there; a process's times "
	      "count from its start.</p>\n<h3>Per executable</h3>\n", f);
	if (!r->nfiles_by_exe)
		fputs("<p class=\"mute\">None.</p>\n", f);
	for (size_t i = 0; i < r->nfiles_by_exe; i++)
		files_of(f, &r->files_by_exe[i]);
	fputs("<h3>Per process</h3>\n", f);
	if (!r->nfiles_by_proc)
		fputs("<p class=\"mute\">None.</p>\n", f);
	for (size_t i = 0; i < r->nfiles_by_proc; i++)
		files_of(f, &r->files_by_proc[i]);
}

/* One tree line's text. */
static void node_text(FILE *f, const struct keke_report_node *l)
{
	char a[RP_FMT_MAX], b[RP_FMT_MAX], c[RP_FMT_MAX];

	fputs("<span class=\"name\">", f);
	esc(f, l->name);
	if (l->count == 1) {
		fprintf(f, "</span> <span class=\"mute\">[%d]</span> %s",
			l->pid, keke_fmt_dur(a, l->total_ns));
		if (l->signal)
			fprintf(f, " <span class=\"bad\">killed by %s</span>",
				rp_fmt_signal(b, l->signal));
		else if (l->has_status)
			fprintf(f, " <span class=\"%s\">exit %d</span>",
				l->exit_code ? "bad" : "mute", l->exit_code);
		return;
	}
	fprintf(f, " \u00d7%" PRIu64 "</span> total %s, p50 %s, max %s",
		l->count, keke_fmt_dur(a, l->total_ns),
		keke_fmt_dur(b, l->p50_ns), keke_fmt_dur(c, l->max_ns));
	if (l->failed)
		fprintf(f, ", <span class=\"bad\">%" PRIu64 " failed</span>",
			l->failed);
}

static void tree(FILE *f, const struct keke_report *r)
{
	unsigned open = 0;	/* <ul> levels open below the top one */

	fputs("<h2 id=\"tree\">Process tree</h2>\n<p class=\"mute\">Wall times;"
	      " siblings of one name are folded into one line.</p>\n", f);
	if (!r->ntree) {
		fputs("<p class=\"mute\">No processes selected.</p>\n", f);
		return;
	}
	fputs("<ul class=\"tree\">\n", f);
	for (size_t i = 0; i < r->ntree; i++) {
		const struct keke_report_node *l = &r->tree[i];
		bool kids = i + 1 < r->ntree && r->tree[i + 1].depth > l->depth;

		while (open > l->depth) {
			fputs("</ul></details></li>\n", f);
			open--;
		}
		if (kids) {
			fputs("<li><details open><summary>", f);
			node_text(f, l);
			fputs("</summary><ul>\n", f);
			open++;
		} else {
			fputs("<li><span class=\"leaf\">", f);
			node_text(f, l);
			fputs("</span></li>\n", f);
		}
	}
	while (open-- > 0)
		fputs("</ul></details></li>\n", f);
	fputs("</ul>\n", f);
	if (r->tree_more)
		fprintf(f, "<p class=\"mute\">\u2026 and %zu more processes."
			"</p>\n", r->tree_more);
}

static void traces(FILE *f, const struct keke_report *r)
{
	static const char *const cols[] = {
		"step", "#nth", "#in", "#p25", "#p50", "#p75", "#p99",
		"#dur p50", "offset: p25\u2013p75, p50",
	};
	char a[RP_FMT_MAX];

	fputs("<h2 id=\"traces\">Average traces</h2>\n<p class=\"mute\">The "
	      "nth call of each name in the processes of one executable: the "
	      "share of processes that made it and the percentiles of its "
	      "offset from the process's start.</p>\n", f);
	if (!r->ntraces)
		fputs("<p class=\"mute\">No processes selected.</p>\n", f);
	for (size_t i = 0; i < r->ntraces; i++) {
		const struct keke_report_trace *t = &r->traces[i];
		int64_t scale = 1;

		fputs("<h3>", f);
		esc(f, t->exe);
		fprintf(f, " <span class=\"mute\">%s process%s</span></h3>\n",
			rp_fmt_count(a, t->processes),
			t->processes == 1 ? "" : "es");
		if (!t->nsteps) {
			fputs("<p class=\"mute\">No calls.</p>\n", f);
			continue;
		}
		for (size_t j = 0; j < t->nsteps; j++)
			if (t->steps[j].offset[KEKE_P99] > scale)
				scale = t->steps[j].offset[KEKE_P99];
		table_head(f, NULL, cols, 9, false, "");
		for (size_t j = 0; j < t->nsteps; j++) {
			const struct keke_report_step *s = &t->steps[j];
			double lo = pos(s->offset[KEKE_P25], scale);
			double hi = pos(s->offset[KEKE_P75], scale);
			double mid = pos(s->offset[KEKE_P50], scale);

			fputs("<tr>", f);
			td_text(f, "name", s->name);
			fprintf(f, "<td class=\"n\">%u</td>", s->nth);
			fprintf(f, "<td class=\"n\" data-v=\"%" PRIu64 "\">%s"
				"</td>", s->processes,
				rp_fmt_share(a, s->processes, t->processes));
			td_dur(f, s->offset[KEKE_P25]);
			td_dur(f, s->offset[KEKE_P50]);
			td_dur(f, s->offset[KEKE_P75]);
			td_dur(f, s->offset[KEKE_P99]);
			td_dur(f, s->dur_p50);
			fprintf(f, "<td><div class=\"lane\"><div class=\"span\""
				" style=\"left:%.2f%%;width:%.2f%%\"></div>"
				"<div class=\"mid\" style=\"left:%.2f%%\">"
				"</div></div></td></tr>\n", lo, hi - lo, mid);
		}
		fputs("</tbody></table>\n", f);
		if (t->more)
			fprintf(f, "<p class=\"mute\">\u2026 and %zu rarer "
				"steps.</p>\n", t->more);
	}
}

int keke_report_html(FILE *f, const struct keke_report *r)
{
	heading(f, r);
	rp_html_timeline(f, r);
	rp_html_cpu(f, r);
	calls(f, r);
	rp_html_call_charts(f, r);
	bytes(f, r);
	exes(f, r);
	usage(f, r);
	critical_path(f, r);
	fputs("<h2 id=\"paths\">Paths</h2>\n<p class=\"mute\">File paths and "
	      "peer addresses; an fd the merge could not name is "
	      "&lt;fd N&gt;.</p>\n", f);
	paths_table(f, "paths-time", "time", r->paths_by_time,
		    r->npaths_by_time, r->npaths);
	paths_table(f, "paths-bytes", "bytes", r->paths_by_bytes,
		    r->npaths_by_bytes, r->npaths);
	io(f, r);
	tree(f, r);
	traces(f, r);
	files(f, r);
	fputs("<footer>Made by keke report. Percentiles are exact, by nearest "
	      "rank: the pN of n values is the value at rank ceil(N/100 "
	      "\u00d7 n).</footer>\n", f);
	fprintf(f, "<script>%s%s</script>\n</body></html>\n", script,
		rp_chart_script);
	fflush(f);
	return ferror(f) ? -1 : 0;
}
