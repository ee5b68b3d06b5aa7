// SPDX-License-Identifier: MIT
/*
 * The files keke writes, as its subcommands name them, check them before
 * any work and tell what became of them.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "common/fmt_dur.h"
#include "common/output.h"
#include "merge/merge.h"
#include "outputs.h"
#include "sinks/sink.h"

bool keke_output_opts_take(struct keke_output_opts *o, int c,
			   const char *arg)
{
	switch (c) {
	case 'o':
		o->json = arg;
		o->named_json = true;
		return true;
	case 'd':
		o->db = arg;
		o->named_db = true;
		return true;
	case 'J':
		o->no_json = true;
		return true;
	case 'D':
		o->no_db = true;
		return true;
	case 'F':
		o->format = arg;
		return true;
	}
	return false;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

bool keke_is_perfetto_name(const char *path)
{
	return ends_with(path, ".pftrace") ||
	       ends_with(path, ".perfetto-trace") ||
	       ends_with(path, ".pftrace.gz") ||
	       ends_with(path, ".perfetto-trace.gz");
}

const struct keke_sink_ops *keke_trace_sink(const struct keke_output_opts *o)
{
	return o->perfetto ? &keke_sink_perfetto : &keke_sink_json;
}

int keke_output_opts_settle(struct keke_output_opts *o, const char *cmd)
{
	if ((o->named_json && o->no_json) || (o->named_db && o->no_db))
		return keke_usage_error(cmd, "an output is both named and "
					"refused");
	if (o->format && strcmp(o->format, "json") &&
	    strcmp(o->format, "perfetto"))
		return keke_usage_error(cmd, "--format %s: not json or "
					"perfetto", o->format);
	o->perfetto = o->format ? !strcmp(o->format, "perfetto") :
		      keke_is_perfetto_name(o->json);
	if (o->perfetto && !o->named_json)
		o->json = "keke.pftrace";
	if (o->no_json)
		o->json = NULL;
	if (o->no_db)
		o->db = NULL;
	return 0;
}

int keke_check_output(const char *what, const char *path, unsigned flags)
{
	char err[PATH_MAX + 256];

	if (keke_output_check(path, flags, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "keke: %s %s\n", what, err);
	return -1;
}

int keke_check_merge_outputs(const char *json, const char *db)
{
	if (json && keke_check_output("trace output", json, 0) != 0)
		return -1;
	if (db && keke_check_output("database", db, KEKE_OUTPUT_REGULAR) != 0)
		return -1;
	return 0;
}

void keke_describe_outputs(char *buf, unsigned size, const char *json,
			   const char *db)
{
	if (json && db)
		snprintf(buf, size, "%s and %s", json, db);
	else
		snprintf(buf, size, "%s", json ? json : db ? db : "nothing");
}

unsigned keke_print_lost_outputs(const char *json, const char *db,
				 const struct keke_merge_stats *stats)
{
	unsigned lost = 0;

	if (json && !stats->json.written && stats->json.err[0]) {
		fprintf(stderr, "keke: JSON output %s NOT written: %s\n", json,
			stats->json.err);
		lost++;
	}
	if (db && !stats->db.written && stats->db.err[0]) {
		fprintf(stderr, "keke: database %s NOT written: %s\n", db,
			stats->db.err);
		lost++;
	}
	return lost;
}

void keke_print_machines(const struct keke_merge_stats *stats)
{
	char dur[KEKE_FMT_DUR_MAX];

	if (stats->trace_ids > 1)
		fprintf(stderr, "keke: warning: the dirs hold %" PRIu64
			" different trace ids, merged into one trace\n",
			stats->trace_ids);
	if (stats->machines > 1)
		fprintf(stderr, "keke: %" PRIu64 " machines (hosts or boots) "
			"placed on one timeline by their realtime clocks; "
			"clock uncertainty +-%s, if those clocks agree\n",
			stats->machines,
			keke_fmt_dur(dur, stats->clock_uncertainty_ns));
}

/* Past this, chrome://tracing and DevTools fail to load a JSON trace, and
 * speedscope long before; Perfetto's UI follows near 1 GB. */
#define BIG_JSON_BYTES (256 << 20)

void keke_advise_big_json(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= BIG_JSON_BYTES)
		return;
	fprintf(stderr, "keke: %s is %lld MB: too big for chrome://tracing, "
		"Chrome DevTools and speedscope, and near Perfetto UI's limit "
		"(1 GB); Perfetto's own format opens at any size: -o "
		"trace.pftrace\n", path, (long long)(st.st_size >> 20));
}

void keke_print_partial(const struct keke_merge_stats *stats)
{
	if (stats->damaged)
		fprintf(stderr, "keke: merge is partial: %" PRIu64 " %s, see "
			"above\n", stats->damaged,
			keke_plural(stats->damaged, "damaged place",
				    "damaged places"));
}
