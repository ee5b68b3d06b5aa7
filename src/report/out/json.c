// SPDX-License-Identifier: MIT
/*
 * The report as one JSON object for scripts. Times and durations are
 * integer nanoseconds (monotonic, as in the database; "realtime_offset_ns"
 * turns them into wall time), sizes integer bytes, percentiles objects
 * keyed "p0" ... "p100"; a histogram lists its non-empty buckets, bucket
 * k counting the sizes below 2^k ("below_log2": k). Open window ends are
 * null, as are "io" for a database without the kernel's counters,
 * "resources" for one without the usage columns and "critical_path" for
 * one without a critical path; "files" is there with --files, the
 * critical path's "segments" with --critical-path. A file's first_ns and
 * last_ns count from its process's start, a segment's start_ns from the
 * trace's start; a cpu_count of 0 is unknown.
 */
#include "common/json_escape.h"
#include "report/out/fmt.h"
#include "report/report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* @s as a JSON string literal. */
static void str(FILE *f, const char *s)
{
	struct keke_jbuf b = { 0 };

	if (keke_json_escape(&b, s, strlen(s)) == 0) {
		fputc('"', f);
		if (b.len)
			fwrite(b.p, 1, b.len, f);
		fputc('"', f);
	} else {
		fputs("\"\"", f);
	}
	keke_jbuf_free(&b);
}

static void pcts(FILE *f, const char *key, const int64_t v[KEKE_NPCT])
{
	fprintf(f, ",\"%s\":{", key);
	for (unsigned p = 0; p < KEKE_NPCT; p++)
		fprintf(f, "%s\"%s\":%" PRId64, p ? "," : "", keke_pct_label[p],
			v[p]);
	fputc('}', f);
}

static void bound(FILE *f, const char *key, int64_t v, int64_t open)
{
	if (v == open)
		fprintf(f, ",\"%s\":null", key);
	else
		fprintf(f, ",\"%s\":%" PRId64, key, v);
}

static void heading(FILE *f, const struct keke_report *r)
{
	fputs("{\"db\":", f);
	str(f, r->db);
	fputs(",\"trace\":{\"id\":", f);
	str(f, r->trace_id);
	fputs(",\"host\":", f);
	str(f, r->host);
	fprintf(f, ",\"start_ns\":%" PRId64 ",\"end_ns\":%" PRId64,
		r->start_ns, r->end_ns);
	if (r->have_wall)
		fprintf(f, ",\"realtime_offset_ns\":%" PRId64,
			r->realtime_offset_ns);
	else
		fputs(",\"realtime_offset_ns\":null", f);
	fprintf(f, "},\"window\":{\"now_ns\":%" PRId64, r->now_ns);
	bound(f, "since_ns", r->since_ns, INT64_MIN);
	bound(f, "until_ns", r->until_ns, INT64_MAX);
	fputs("},\"filters\":", f);
	str(f, r->filters);
	fprintf(f, ",\"processes\":%" PRIu64 ",\"calls_selected\":%" PRIu64
		",\"cpu_count\":%" PRId64, r->nprocesses, r->ncalls_total,
		r->cpu_count);
}

/* The non-empty buckets of @h. */
static void hist(FILE *f, const struct keke_log2_hist *h)
{
	for (unsigned b = 0, n = 0; b < KEKE_LOG2_BUCKETS; b++) {
		if (!h->count[b])
			continue;
		fprintf(f, "%s{\"below_log2\":%u,\"count\":%" PRIu64 "}",
			n++ ? "," : "", b, h->count[b]);
	}
}

/* Starts the @i-th object of an array on a line of its own: @head (its
 * first member's key) and the string @value. */
static void item(FILE *f, size_t i, const char *head, const char *value)
{
	fputs(i ? ",\n" : "\n", f);
	fputs(head, f);
	str(f, value);
}

static void calls(FILE *f, const struct keke_report *r)
{
	fputs(",\n\"calls\":[", f);
	for (size_t i = 0; i < r->ncalls; i++) {
		const struct keke_report_call *k = &r->calls[i];

		item(f, i, "{\"name\":", k->name);
		fputs(",\"category\":", f);
		str(f, k->category);
		fprintf(f, ",\"count\":%" PRIu64 ",\"errors\":%" PRIu64
			",\"total_ns\":%" PRId64 ",\"self_ns\":%" PRId64
			",\"last_end_ns\":%" PRId64 ",\"since_last_ns\":%"
			PRId64, k->count, k->errors, k->total_ns, k->self_ns,
			k->last_end_ns, k->since_last_ns);
		pcts(f, "dur_ns", k->dur);
		if (k->moves_bytes) {
			fprintf(f, ",\"bytes\":{\"sized\":%" PRIu64
				",\"total\":%" PRId64, k->sized, k->bytes);
			if (k->sized)
				pcts(f, "size", k->size);
			fputs(",\"histogram\":[", f);
			hist(f, &k->hist);
			fputs("]}", f);
		}
		fputc('}', f);
	}
	fputs("]", f);
}

static void codes(FILE *f, const char *key,
		  const struct keke_report_code *c, size_t n)
{
	fprintf(f, ",\"%s\":[", key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s{\"code\":%d,\"count\":%" PRIu64 "}",
			i ? "," : "", c[i].code, c[i].count);
	fputc(']', f);
}

static void exes(FILE *f, const struct keke_report *r)
{
	fputs(",\n\"executables\":[", f);
	for (size_t i = 0; i < r->nexes; i++) {
		const struct keke_report_exe *e = &r->exes[i];

		item(f, i, "{\"name\":", e->name);
		fprintf(f, ",\"processes\":%" PRIu64 ",\"total_ns\":%" PRId64
			",\"last_end_ns\":%" PRId64 ",\"since_last_ns\":%"
			PRId64, e->processes, e->total_ns, e->last_end_ns,
			e->since_last_ns);
		pcts(f, "wall_ns", e->wall);
		codes(f, "exit_codes", e->exits, e->nexits);
		codes(f, "signals", e->signals, e->nsignals);
		fprintf(f, ",\"no_status\":%" PRIu64 ",\"untraced\":%" PRIu64
			"}", e->no_status, e->untraced);
	}
	fputs("]", f);
}

static void paths(FILE *f, const char *key, const struct keke_report_path *p,
		  size_t n)
{
	fprintf(f, ",\n\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		item(f, i, "{\"path\":", p[i].path);
		fprintf(f, ",\"calls\":%" PRIu64 ",\"errors\":%" PRIu64
			",\"time_ns\":%" PRId64 ",\"bytes_in\":%" PRId64
			",\"bytes_out\":%" PRId64 "}", p[i].calls, p[i].errors,
			p[i].time_ns, p[i].bytes_in, p[i].bytes_out);
	}
	fputs("]", f);
}

/* The top processes @v (@n of them) as the array @key. */
static void top(FILE *f, const char *key,
		const struct keke_report_proc_usage *v, size_t n)
{
	fprintf(f, "],\n\"%s\":[", key);
	for (size_t i = 0; i < n; i++) {
		item(f, i, "{\"name\":", v[i].name);
		fprintf(f, ",\"pid\":%d,\"cpu_ns\":%" PRId64 ",\"rss_bytes\":"
			"%" PRId64 ",\"from\":\"%s\"}", v[i].pid, v[i].cpu_ns,
			v[i].rss_bytes, v[i].from_wait ? "wait" : "exit");
	}
}

static void usage(FILE *f, const struct keke_report *r)
{
	if (!r->has_usage) {
		fputs(",\n\"resources\":null", f);
		return;
	}
	fprintf(f, ",\n\"resources\":{\"unknown\":%" PRIu64
		",\"executables\":[", r->usage_unknown);
	for (size_t i = 0; i < r->nusage; i++) {
		const struct keke_report_usage *u = &r->usage[i];

		item(f, i, "{\"name\":", u->name);
		fprintf(f, ",\"processes\":%" PRIu64 ",\"unknown\":%" PRIu64
			",\"cpu_ns\":%" PRId64, u->processes, u->unknown,
			u->cpu_ns);
		if (u->processes > u->unknown) {
			pcts(f, "cpu_pct_ns", u->cpu);
			pcts(f, "rss_pct_bytes", u->rss);
		}
		fprintf(f, ",\"read_bytes\":%" PRId64 ",\"write_bytes\":%"
			PRId64 "}", u->read_bytes, u->write_bytes);
	}
	top(f, "by_cpu", r->top_cpu, r->ntop_cpu);
	top(f, "by_rss", r->top_rss, r->ntop_rss);
	fputs("]}", f);
}

static void segments(FILE *f, const struct keke_report *r)
{
	fputs("],\n\"segments\":[", f);
	for (size_t i = 0; i < r->nsegments; i++) {
		const struct keke_report_segment *g = &r->segments[i];

		fprintf(f, "%s{\"start_ns\":%" PRId64 ",\"dur_ns\":%" PRId64
			",\"name\":", i ? ",\n" : "\n", g->start_ns,
			g->dur_ns);
		str(f, g->name);
		fprintf(f, ",\"pid\":%d,\"state\":", g->pid);
		str(f, g->state);
		if (g->call) {
			fputs(",\"call\":", f);
			str(f, g->call);
		}
		if (g->waiting_name) {
			fputs(",\"waiting\":", f);
			str(f, g->waiting_name);
			fprintf(f, ",\"waiting_pid\":%d", g->waiting_pid);
		}
		fputc('}', f);
	}
}

static void critical_path(FILE *f, const struct keke_report *r)
{
	if (!r->has_path) {
		fputs(",\n\"critical_path\":null", f);
		return;
	}
	fprintf(f, ",\n\"critical_path\":{\"ns\":%" PRId64 ",\"shares\":[",
		r->path_ns);
	for (size_t i = 0; i < r->nshares; i++) {
		item(f, i, "{\"name\":", r->shares[i].name);
		fprintf(f, ",\"ns\":%" PRId64 ",\"segments\":%" PRIu64 "}",
			r->shares[i].ns, r->shares[i].segments);
	}
	if (r->critical_path)
		segments(f, r);
	fputs("]}", f);
}

/* The members of an I/O row @x after its name. */
static void io_members(FILE *f, const struct keke_report_io *x)
{
	fprintf(f, ",\"read_bytes\":%" PRId64 ",\"write_bytes\":%" PRId64,
		x->read_bytes, x->write_bytes);
	if (x->has_kernel)
		fprintf(f, ",\"rchar\":%" PRId64 ",\"wchar\":%" PRId64
			",\"traced_rchar\":%" PRId64 ",\"traced_wchar\":%"
			PRId64, x->rchar, x->wchar, x->traced_rchar,
			x->traced_wchar);
	else
		fputs(",\"rchar\":null,\"wchar\":null", f);
}

static void io(FILE *f, const struct keke_report *r)
{
	const struct keke_report_io *t = &r->io_total;

	if (!r->has_io) {
		fputs(",\n\"io\":null", f);
		return;
	}
	fputs(",\n\"io\":{\"total\":{\"processes\":", f);
	fprintf(f, "%" PRIu64 ",\"no_kernel\":%" PRIu64, t->processes,
		t->no_kernel);
	io_members(f, t);
	fprintf(f, "},\"more\":%zu,\"processes\":[", r->io_more);
	for (size_t i = 0; i < r->nio; i++) {
		item(f, i, "{\"name\":", r->io[i].name);
		fprintf(f, ",\"pid\":%d", r->io[i].pid);
		io_members(f, &r->io[i]);
		fputc('}', f);
	}
	fputs("]}", f);
}

/* The files of group @g (the @i-th of its array). */
static void files_of(FILE *f, size_t i, const struct keke_report_files *g)
{
	item(f, i, "{\"name\":", g->name);
	if (g->pid) {
		fprintf(f, ",\"pid\":%d,\"start_ns\":%" PRId64
			",\"cmdline\":", g->pid, g->start_ns);
		str(f, g->cmdline ? g->cmdline : "");
	}
	fprintf(f, ",\"processes\":%" PRIu64 ",\"read\":%" PRIu64
		",\"written\":%" PRIu64 ",\"created\":%" PRIu64
		",\"removed\":%" PRIu64 ",\"missing\":%" PRIu64
		",\"other_read_bytes\":%" PRId64
		",\"other_write_bytes\":%" PRId64 ",\"files\":[",
		g->processes, g->nread, g->nwritten, g->ncreated, g->nremoved,
		g->nmissing, g->other_read_bytes, g->other_write_bytes);
	for (size_t j = 0; j < g->nfiles; j++) {
		const struct keke_report_file *x = &g->files[j];
		unsigned n = 0;

		item(f, j, " {\"path\":", x->path);
		fputs(",\"roles\":[", f);
		for (unsigned bit = 1; bit <= KEKE_ROLE_PROBED; bit <<= 1)
			if (x->roles & bit)
				fprintf(f, "%s\"%s\"", n++ ? "," : "",
					rp_role_name(bit));
		fprintf(f, "],\"read_bytes\":%" PRId64 ",\"write_bytes\":%"
			PRId64 ",\"opened\":%" PRIu64 ",\"created\":%" PRIu64
			",\"deleted\":%" PRIu64 ",\"probed_missing\":%" PRIu64
			",\"calls\":%" PRIu64 ",\"processes\":%" PRIu64
			",\"time_ns\":%" PRId64 ",\"first_ns\":%" PRId64
			",\"last_ns\":%" PRId64, x->read_bytes, x->write_bytes,
			x->opened, x->created, x->deleted, x->probed_missing,
			x->calls, x->processes, x->time_ns, x->first_ns,
			x->last_ns);
		if (x->renamed_to) {
			fputs(",\"renamed_to\":", f);
			str(f, x->renamed_to);
		}
		fputc('}', f);
	}
	fputs("]}", f);
}

static void files(FILE *f, const struct keke_report *r)
{
	if (!r->files)
		return;
	fputs(",\n\"files\":{\"executables\":[", f);
	for (size_t i = 0; i < r->nfiles_by_exe; i++)
		files_of(f, i, &r->files_by_exe[i]);
	fputs("],\n\"processes\":[", f);
	for (size_t i = 0; i < r->nfiles_by_proc; i++)
		files_of(f, i, &r->files_by_proc[i]);
	fputs("]}", f);
}

static void tree(FILE *f, const struct keke_report *r)
{
	fprintf(f, ",\n\"paths_total\":%zu,\n\"tree_more\":%zu,\n\"tree\":[",
		r->npaths, r->tree_more);
	for (size_t i = 0; i < r->ntree; i++) {
		const struct keke_report_node *l = &r->tree[i];

		item(f, i, "{\"name\":", l->name);
		fprintf(f, ",\"depth\":%u,\"count\":%" PRIu64 ",\"pid\":%d"
			",\"start_ns\":%" PRId64 ",\"total_ns\":%" PRId64
			",\"p50_ns\":%" PRId64 ",\"max_ns\":%" PRId64
			",\"failed\":%" PRIu64, l->depth, l->count, l->pid,
			l->start_ns, l->total_ns, l->p50_ns, l->max_ns,
			l->failed);
		if (l->count == 1 && l->signal)
			fprintf(f, ",\"signal\":%d", l->signal);
		else if (l->count == 1 && l->has_status)
			fprintf(f, ",\"exit_code\":%d", l->exit_code);
		fputc('}', f);
	}
	fputs("]", f);
}

static void traces(FILE *f, const struct keke_report *r)
{
	fputs(",\n\"average_traces\":[", f);
	for (size_t i = 0; i < r->ntraces; i++) {
		const struct keke_report_trace *t = &r->traces[i];

		item(f, i, "{\"executable\":", t->exe);
		fprintf(f, ",\"processes\":%" PRIu64 ",\"more_steps\":%zu"
			",\"steps\":[", t->processes, t->more);
		for (size_t j = 0; j < t->nsteps; j++) {
			const struct keke_report_step *s = &t->steps[j];

			item(f, j, " {\"name\":", s->name);
			fprintf(f, ",\"nth\":%u,\"processes\":%" PRIu64,
				s->nth, s->processes);
			pcts(f, "offset_ns", s->offset);
			fprintf(f, ",\"dur_p50_ns\":%" PRId64 "}", s->dur_p50);
		}
		fputs("]}", f);
	}
	fputs("]", f);
}

int keke_report_json(FILE *f, const struct keke_report *r)
{
	heading(f, r);
	calls(f, r);
	exes(f, r);
	usage(f, r);
	critical_path(f, r);
	paths(f, "paths_by_time", r->paths_by_time, r->npaths_by_time);
	paths(f, "paths_by_bytes", r->paths_by_bytes, r->npaths_by_bytes);
	io(f, r);
	tree(f, r);
	traces(f, r);
	files(f, r);
	fputs("}\n", f);
	fflush(f);
	return ferror(f) ? -1 : 0;
}
