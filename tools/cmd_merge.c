// SPDX-License-Identifier: MIT
/*
 * `keke merge`: turns one or more trace dirs into keke.json and keke.db.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "merge/merge.h"
#include "outputs.h"
#include "sinks/sink.h"
#include "signals.h"

static const char merge_usage[] =
	"Usage: keke merge [OPTIONS] DIR...\n"
	"\n"
	"Merge the record files of one or more trace dirs (made by `keke run\n"
	"--keep` or by a program run with LD_PRELOAD=libkeke.so) into one\n"
	"trace (trace-event JSON, or Perfetto's own format) and one SQLite\n"
	"database.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE  write the trace to FILE (default keke.json); a\n"
	"                     name ending in .pftrace or .perfetto-trace (or\n"
	"                     either with .gz) chooses Perfetto's format\n"
	"      --format FMT   the trace's format: json or perfetto\n"
	"      --db FILE      write the SQLite database to FILE (default keke.db)\n"
	"      --no-json      do not write the trace\n"
	"      --no-db        do not write the SQLite database\n"
	"      --trace-id ID  merge only the files of the run with this trace\n"
	"                     id (KEKE_TRACE_ID); by default, a dir's run is\n"
	"                     the id most of its files carry\n"
	"  -q, --quiet        print no progress and no summary, only "
	"problems\n"
	"  -h, --help         show this help and exit\n"
	"\n"
	"Damaged record files are reported and everything intact is merged.\n"
	"\n"
	"An output is written whole or not at all; when one cannot be\n"
	"written (a full disk), the others still are, and each lost one is\n"
	"named with the reason.\n"
	"\n"
	"Exit status: 0 merged; 1 an output (or all) could not be written;\n"
	"2 usage error; 3 merged, but damage was reported.\n";

struct merge_opts {
	const char *json;	/* NULL: no trace output */
	const struct keke_sink_ops *trace_sink;
	const char *db;		/* NULL: no database */
	uint8_t trace_id[16];	/* --trace-id */
	bool have_trace_id;
	bool quiet;		/* -q: no progress, no summary */
	char **dirs;
	size_t ndirs;
};

/*
 * Parses the options of `keke merge` into @o. Returns -1 when they are
 * good, else the exit status to return (0 after --help, 2 after printing
 * a usage error).
 */
static int parse_args(int argc, char **argv, struct merge_opts *o)
{
	static const struct option longopts[] = {
		KEKE_OUTPUT_LONGOPTS,
		{ "trace-id", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct keke_output_opts out = KEKE_OUTPUT_OPTS_DEFAULT;
	int c, status;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
		if (keke_output_opts_take(&out, c, optarg))
			continue;
		switch (c) {
		case 'T':
			if (keke_trace_id_parse(optarg, o->trace_id) != 0)
				return keke_usage_error("merge", "--trace-id "
							"%s: not 32 hex "
							"digits", optarg);
			o->have_trace_id = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			fputs(merge_usage, stdout);
			return KEKE_EXIT_OK;
		default:
			return keke_option_error("merge", c, argv);
		}
	}
	if (optind >= argc)
		return keke_usage_error("merge", "no trace dir given");
	status = keke_output_opts_settle(&out, "merge");
	if (status)
		return status;
	if (!out.json && !out.db)
		return keke_usage_error("merge", "--no-json and --no-db leave "
					"nothing to write");
	o->json = out.json;
	o->trace_sink = keke_trace_sink(&out);
	o->db = out.db;
	o->dirs = argv + optind;
	o->ndirs = (size_t)(argc - optind);
	return -1;
}

/* Checks that each of the @n @dirs is a directory. Returns 0, or -1 after
 * printing why one is not. */
static int check_dirs(char **dirs, size_t n)
{
	struct stat st;

	for (size_t i = 0; i < n; i++) {
		if (stat(dirs[i], &st) != 0) {
			fprintf(stderr, "keke: %s: %s\n", dirs[i],
				strerror(errno));
			return -1;
		}
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "keke: %s: not a trace dir (not a "
				"directory)\n", dirs[i]);
			return -1;
		}
	}
	return 0;
}

/*
 * Says on stderr what the merge of @o wrote (@stats), each output it lost
 * and the damage it found.
 */
static void print_merged(const struct merge_opts *o,
			 const struct keke_merge_stats *stats)
{
	char outputs[2 * PATH_MAX];

	/* Only what was written: the lost outputs are told below. */
	keke_describe_outputs(outputs, sizeof(outputs),
			      stats->json.written ? o->json : NULL,
			      stats->db.written ? o->db : NULL);
	fprintf(stderr,
		"keke: merged %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64 " %s "
		"from %" PRIu64 " %s into %s\n",
		stats->processes, keke_plural(stats->processes, "process",
					      "processes"),
		stats->threads, keke_plural(stats->threads, "thread",
					    "threads"),
		stats->slices, keke_plural(stats->slices, "event", "events"),
		stats->files, keke_plural(stats->files, "file", "files"),
		outputs);
	keke_print_machines(stats);
	keke_print_lost_outputs(o->json, o->db, stats);
	keke_print_partial(stats);
}

/* The warning that libkeke.so, in bare mode, leaves to the merge: it
 * writes nothing on the program's stderr but its closing message. */
static void warn_bad_traceparent(const struct keke_merge_stats *stats)
{
	if (stats->bad_traceparent[0])
		fprintf(stderr, "keke: TRACEPARENT '%s' of the run's first "
			"process is not a W3C traceparent: it was ignored\n",
			stats->bad_traceparent);
}

int keke_cmd_merge(int argc, char **argv)
{
	static volatile sig_atomic_t interrupted;
	struct merge_opts o = { 0 };
	struct keke_merge_options mo = { 0 };
	struct keke_merge_stats stats = { 0 };
	char err[KEKE_MERGE_ERROR_MAX] = "";
	enum keke_merge_result res;
	int status;

	status = parse_args(argc, argv, &o);
	if (status >= 0)
		return status;
	if (check_dirs(o.dirs, o.ndirs) != 0 ||
	    keke_check_merge_outputs(o.json, o.db) != 0)
		return KEKE_EXIT_FAILURE;

	mo.dirs = (const char *const *)o.dirs;
	mo.ndirs = o.ndirs;
	mo.json_sink = o.trace_sink;
	mo.json_path = o.json;
	mo.db_sink = &keke_sink_sqlite;
	mo.db_path = o.db;
	mo.trace_id = o.have_trace_id ? o.trace_id : NULL;
	mo.progress = isatty(STDERR_FILENO) && !o.quiet;
	mo.cancel = &interrupted;
	keke_catch_interrupts(&interrupted);
	res = keke_merge(&mo, &stats, err);
	if (res == KEKE_MERGE_FAILED) {
		if (keke_print_lost_outputs(o.json, o.db, &stats))
			fputs("keke: merge failed; no output written\n",
			      stderr);
		else
			fprintf(stderr, "keke: merge failed: %s; no output "
				"written\n", err[0] ? err : "unknown error");
		return KEKE_EXIT_FAILURE;
	}
	warn_bad_traceparent(&stats);
	if (o.quiet) {
		keke_print_lost_outputs(o.json, o.db, &stats);
		keke_print_partial(&stats);
	} else {
		print_merged(&o, &stats);
		if (stats.json.written && o.trace_sink == &keke_sink_json)
			keke_advise_big_json(o.json);
	}
	if (res == KEKE_MERGE_INCOMPLETE)
		return KEKE_EXIT_FAILURE;
	return res == KEKE_MERGE_PARTIAL ? KEKE_EXIT_PARTIAL : KEKE_EXIT_OK;
}
