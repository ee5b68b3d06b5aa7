// SPDX-License-Identifier: MIT
/*
 * `keke export`: a keke.db, or trace dirs merged first into a temporary
 * database, as OpenTelemetry spans to an OTLP file or endpoint.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "merge/merge.h"
#include "otlp_env.h"
#include "otlp_send.h"
#include "record/duration.h"
#include "sinks/sink.h"

static const char export_usage[] =
	"Usage: keke export [OPTIONS] [keke.db | DIR...]\n"
	"\n"
	"Send a run to OpenTelemetry: each process image becomes a span\n"
	"(its resource says host, pid, parent pid, executable, command line\n"
	"and exit code), with its calls, its user spans (keke.h) and their\n"
	"arguments as child spans, failed calls as errors and flows as\n"
	"links. Reads a keke.db (default), or trace dirs, which are merged\n"
	"first.\n"
	"\n"
	"Options:\n"
	"      --otlp FILE    write OTLP/JSON to FILE, one request per line as\n"
	"                     the Collector's file exporter writes it; a name\n"
	"                     ending in .pb or .binpb writes binary protobuf;\n"
	"                     with .gz, gzip-compressed\n"
	"      --otlp-endpoint URL\n"
	"                     send OTLP/HTTP (protobuf, gzip) to URL, e.g.\n"
	"                     http://localhost:4318/v1/traces (default: from\n"
	"                     OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else\n"
	"                     OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces)\n"
	"      --min-dur D    leave out calls shorter than D (default 1ms;\n"
	"                     they are counted in keke.calls_left_out)\n"
	"  -q, --quiet        print only problems\n"
	"  -h, --help         show this help and exit\n"
	"\n"
	"Environment: OTEL_SERVICE_NAME (default: the first command's name);\n"
	"OTEL_EXPORTER_OTLP_HEADERS, OTEL_EXPORTER_OTLP_TRACES_HEADERS:\n"
	"key=value,... headers to send (URL-encoded).\n"
	"\n"
	"Busy answers (429, 502, 503, 504) are retried as the endpoint asks\n"
	"(Retry-After), for a minute at most.\n"
	"\n"
	"Exit status: 0 exported; 1 an output could not be written or sent;\n"
	"2 usage error; 3 exported, but the trace dirs had damage.\n";

struct export_opts {
	struct keke_otlp_target target;
	char endpoint[4096];
	char **inputs;
	size_t ninputs;
};

/*
 * Parses the options of `keke export` into @o. Returns -1 when they are
 * good, else the exit status to return.
 */
static int parse_args(int argc, char **argv, struct export_opts *o)
{
	static const struct option longopts[] = {
		{ "otlp", required_argument, NULL, 'f' },
		{ "otlp-endpoint", required_argument, NULL, 'e' },
		{ "min-dur", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char *default_db[] = { "keke.db" };
	int c;

	o->target.min_dur_ns = KEKE_OTLP_MIN_DUR_NS;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->target.file = optarg;
			break;
		case 'e':
			if (!*optarg)
				return keke_usage_error("export", "--otlp-"
							"endpoint needs a URL");
			o->target.endpoint = optarg;
			break;
		case 'm':
			if (keke_parse_duration(optarg, KEKE_NS_PER_US,
						&o->target.min_dur_ns) != 0)
				return keke_usage_error("export", "--min-dur "
							"needs a duration such "
							"as 10us or 1ms, not "
							"'%s'", optarg);
			break;
		case 'q':
			o->target.quiet = true;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return KEKE_EXIT_OK;
		default:
			return keke_option_error("export", c, argv);
		}
	}
	if (!o->target.file && !o->target.endpoint &&
	    keke_otlp_env_endpoint(o->endpoint, sizeof(o->endpoint)) == 0)
		o->target.endpoint = o->endpoint;
	if (!o->target.file && !o->target.endpoint)
		return keke_usage_error("export", "nowhere to export to: give "
					"--otlp FILE or --otlp-endpoint URL "
					"(or set OTEL_EXPORTER_OTLP_ENDPOINT)");
	o->inputs = optind < argc ? argv + optind : default_db;
	o->ninputs = optind < argc ? (size_t)(argc - optind) : 1;
	return -1;
}

/* Whether @path is a directory; -1 after saying why it cannot be read. */
static int is_dir(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "keke: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return S_ISDIR(st.st_mode);
}

/*
 * Merges the trace dirs of @o into a database in a new temporary
 * directory, whose name goes into @tmpdir (PATH_MAX) and the database's
 * into @db. Returns the merge's exit status: 0, 3 (damage reported), or
 * 1 after saying why nothing was merged.
 */
static int merge_dirs(const struct export_opts *o, char *tmpdir, char *db)
{
	const char *tmp = getenv("TMPDIR");
	struct keke_merge_options mo = { 0 };
	struct keke_merge_stats stats = { 0 };
	char err[KEKE_MERGE_ERROR_MAX] = "";
	enum keke_merge_result res;

	snprintf(tmpdir, PATH_MAX, "%s/keke-export-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpdir)) {
		fprintf(stderr, "keke: cannot make a directory for the merge "
			"in %s: %s\n", tmp && *tmp ? tmp : "/tmp",
			strerror(errno));
		tmpdir[0] = '\0';
		return KEKE_EXIT_FAILURE;
	}
	snprintf(db, PATH_MAX, "%s/keke.db", tmpdir);
	mo.dirs = (const char *const *)o->inputs;
	mo.ndirs = o->ninputs;
	mo.db_sink = &keke_sink_sqlite;
	mo.db_path = db;
	mo.progress = isatty(STDERR_FILENO) && !o->target.quiet;
	res = keke_merge(&mo, &stats, err);
	if (res == KEKE_MERGE_OK || res == KEKE_MERGE_PARTIAL)
		return res == KEKE_MERGE_OK ? KEKE_EXIT_OK : KEKE_EXIT_PARTIAL;
	fprintf(stderr, "keke: merge failed: %s\n",
		stats.db.err[0] ? stats.db.err : err[0] ? err :
		"unknown error");
	return KEKE_EXIT_FAILURE;
}

/* Removes the temporary database and its directory. */
static void remove_merged(const char *tmpdir, const char *db)
{
	if (!tmpdir[0])
		return;
	unlink(db);
	rmdir(tmpdir);
}

int keke_cmd_export(int argc, char **argv)
{
	struct export_opts o = { 0 };
	char tmpdir[PATH_MAX] = "", db[PATH_MAX];
	int status, dir;

	status = parse_args(argc, argv, &o);
	if (status >= 0)
		return status;
	dir = is_dir(o.inputs[0]);
	if (dir < 0)
		return KEKE_EXIT_FAILURE;
	if (!dir && o.ninputs > 1)
		return keke_usage_error("export", "one database, or trace "
					"dirs");
	if (dir) {
		status = merge_dirs(&o, tmpdir, db);
		if (status == KEKE_EXIT_FAILURE) {
			remove_merged(tmpdir, db);
			return status;
		}
	} else {
		snprintf(db, sizeof(db), "%s", o.inputs[0]);
		status = KEKE_EXIT_OK;
	}
	if (keke_otlp_send(db, &o.target) != 0)
		status = KEKE_EXIT_FAILURE;
	remove_merged(tmpdir, db);
	return status;
}
