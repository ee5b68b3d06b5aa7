// SPDX-License-Identifier: MIT
/*
 * `keke report`: statistics over a keke.db for a window of time and a
 * selection of processes and calls, as text, JSON or CSV on stdout (or
 * into a file) and as one self-contained HTML page.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "common/output.h"
#include "report/report.h"

static const char report_usage[] =
	"Usage: keke report [OPTIONS] [DB]\n"
	"\n"
	"Statistics over a trace database (default keke.db): per call, per\n"
	"executable and per path, the process tree and the average trace of\n"
	"each executable.\n"
	"\n"
	"  - per call: count, errors, total and self time, and the duration\n"
	"    percentiles p0 p25 p50 p75 p95 p99 p99.9 p100; for calls that\n"
	"    move bytes (read, write, send, recv...), the bytes their results\n"
	"    count, their percentiles and a log2 histogram of the sizes;\n"
	"  - per executable: runs, total and percentile wall times, exit\n"
	"    codes and signals;\n"
	"  - per path (file path or peer address; an fd is named by the\n"
	"    open, connect or accept that returned it): the top by time and\n"
	"    by bytes;\n"
	"  - the process tree with wall times, same-name siblings folded into\n"
	"    one line (\"cc \u00d7412\");\n"
	"  - per executable, its average trace: the nth call of each name,\n"
	"    the share of processes that made it, and the p25 p50 p75 p99 of\n"
	"    its offset from the process's start.\n"
	"\n"
	"Percentiles are exact, by nearest rank: the pN of n values is the\n"
	"value at rank ceil(N/100 * n), counting from 1.\n"
	"\n"
	"Window (a call counts when it starts inside it, a process when it\n"
	"runs during part of it):\n"
	"      --since TIME     from TIME on\n"
	"      --until TIME     up to TIME, excluded\n"
	"      --now TIME       what \"now\" means below (default: the end of\n"
	"                       the trace, so that a report is the same\n"
	"                       whenever it is made)\n"
	"  TIME is one of:\n"
	"    2026-11-23 10:00[:05]  local time; a 'T' may replace the space\n"
	"                           and a 'Z' or +01:00 follow\n"
	"    10:00[:05]             that time on the day of now\n"
	"    1h, 10m, 30s, 1h30m    that long before now (units: ns us ms s\n"
	"                           m h d w; a bare number is seconds)\n"
	"    midnight, hour, minute the start of now's day, hour or minute\n"
	"    yesterday, prev-hour, prev-minute\n"
	"                           the start of the one before\n"
	"    now, @SECONDS          now; seconds since the epoch\n"
	"\n"
	"Filters (globs as in the shell: * ? [...]):\n"
	"      --process GLOB   processes whose name matches\n"
	"      --pid N          processes with that pid\n"
	"      --call GLOB      calls whose name matches\n"
	"      --path GLOB      calls on a matching path or peer address\n"
	"      --filter KEY=GLOB  the same, KEY being process, pid, call or\n"
	"                       path (--filter 'path=*.o')\n"
	"\n"
	"Output:\n"
	"  -f, --format FMT     text (default), json or csv\n"
	"      --table NAME     csv: only that table, without the table\n"
	"                       column (calls bytes histogram executables\n"
	"                       paths_by_time paths_by_bytes tree steps)\n"
	"  -o, --output FILE    write the report into FILE, not stdout\n"
	"      --html FILE      write a self-contained HTML page (no network\n"
	"                       needed) to FILE; with no --format or\n"
	"                       --output, nothing else is written\n"
	"      --top N          rows of the path tables, executables with an\n"
	"                       average trace (default 20)\n"
	"      --steps N        calls of one name per process in the average\n"
	"                       trace (default 3)\n"
	"      --no-fold        one tree line per process\n"
	"  -h, --help           show this help and exit\n"
	"\n"
	"Exit status: 0 done; 1 failed (no output written); 2 usage error.\n";

enum {
	OPT_SINCE = 256,
	OPT_UNTIL,
	OPT_NOW,
	OPT_PROCESS,
	OPT_PID,
	OPT_CALL,
	OPT_PATH,
	OPT_FILTER,
	OPT_TABLE,
	OPT_HTML,
	OPT_TOP,
	OPT_STEPS,
	OPT_NO_FOLD,
};

enum format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_CSV,
};

static int usage_error(const char *fmt, const char *arg)
{
	return keke_usage_error("report", fmt, arg);
}

/* A number in [@min, @max] from @s into *@v. Returns 0 or -1. */
static int parse_uint(const char *s, long min, long max, long *v)
{
	char *end;

	errno = 0;
	*v = strtol(s, &end, 10);
	if (errno || end == s || *end || *v < min || *v > max)
		return -1;
	return 0;
}

/*
 * Takes --filter KEY=GLOB into @o: KEY is process, pid, call or path.
 * Returns 0, or -1 when @arg is none of these.
 */
static int parse_filter(char *arg, struct keke_report_options *o)
{
	char *eq = strchr(arg, '=');
	long v;

	if (!eq)
		return -1;
	*eq = '\0';
	if (!strcmp(arg, "process"))
		o->process = eq + 1;
	else if (!strcmp(arg, "call"))
		o->call = eq + 1;
	else if (!strcmp(arg, "path"))
		o->path = eq + 1;
	else if (!strcmp(arg, "pid") && !parse_uint(eq + 1, 0, INT_MAX, &v)) {
		o->have_pid = true;
		o->pid = (int)v;
	} else {
		*eq = '=';
		return -1;
	}
	return 0;
}

/* Writes the report in @format (or HTML when @html) into the output
 * @path (output.h: a temporary renamed into place when complete, or a
 * device or FIFO in place). */
static int write_file(const char *path, const struct keke_report *r,
		      enum format format, const char *table, bool html)
{
	struct keke_output out;
	char err[PATH_MAX + 256];
	FILE *f;
	int ret = -1;

	if (keke_output_open(&out, path, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "keke: %s\n", err);
		return -1;
	}
	f = fdopen(out.fd, "w");
	if (!f) {
		fprintf(stderr, "keke: %s: %s\n", path, strerror(errno));
		keke_output_discard(&out);
		return -1;
	}
	if (html)
		ret = keke_report_html(f, r);
	else if (format == FORMAT_JSON)
		ret = keke_report_json(f, r);
	else if (format == FORMAT_CSV)
		ret = keke_report_csv(f, r, table);
	else
		ret = keke_report_text(f, r);
	out.fd = -1;		/* fclose closes it */
	if (fclose(f) != 0)
		ret = -1;
	if (ret != 0) {
		fprintf(stderr, "keke: cannot write %s: %s\n", path,
			strerror(errno));
		keke_output_discard(&out);
		return -1;
	}
	if (keke_output_close(&out, err, sizeof(err)) < 0) {
		fprintf(stderr, "keke: %s\n", err);
		return -1;
	}
	return 0;
}

int keke_cmd_report(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "since", required_argument, NULL, OPT_SINCE },
		{ "until", required_argument, NULL, OPT_UNTIL },
		{ "now", required_argument, NULL, OPT_NOW },
		{ "process", required_argument, NULL, OPT_PROCESS },
		{ "pid", required_argument, NULL, OPT_PID },
		{ "call", required_argument, NULL, OPT_CALL },
		{ "path", required_argument, NULL, OPT_PATH },
		{ "filter", required_argument, NULL, OPT_FILTER },
		{ "format", required_argument, NULL, 'f' },
		{ "table", required_argument, NULL, OPT_TABLE },
		{ "output", required_argument, NULL, 'o' },
		{ "html", required_argument, NULL, OPT_HTML },
		{ "top", required_argument, NULL, OPT_TOP },
		{ "steps", required_argument, NULL, OPT_STEPS },
		{ "no-fold", no_argument, NULL, OPT_NO_FOLD },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct keke_report_options o = { .db = "keke.db" };
	struct keke_report r;
	enum format format = FORMAT_TEXT;
	bool set_format = false;
	const char *output = NULL, *html = NULL, *table = NULL;
	char err[KEKE_REPORT_ERROR_MAX], opt[3];
	long v;
	int c, ret = KEKE_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_SINCE:
			o.since = optarg;
			break;
		case OPT_UNTIL:
			o.until = optarg;
			break;
		case OPT_NOW:
			o.now = optarg;
			break;
		case OPT_PROCESS:
			o.process = optarg;
			break;
		case OPT_PID:
			if (parse_uint(optarg, 0, INT_MAX, &v))
				return usage_error("--pid %s: not a pid",
						   optarg);
			o.have_pid = true;
			o.pid = (int)v;
			break;
		case OPT_CALL:
			o.call = optarg;
			break;
		case OPT_PATH:
			o.path = optarg;
			break;
		case OPT_FILTER:
			if (parse_filter(optarg, &o))
				return usage_error("--filter %s: not process=,"
						   " pid=, call= or path=GLOB",
						   optarg);
			break;
		case 'f':
			if (!strcmp(optarg, "text"))
				format = FORMAT_TEXT;
			else if (!strcmp(optarg, "json"))
				format = FORMAT_JSON;
			else if (!strcmp(optarg, "csv"))
				format = FORMAT_CSV;
			else
				return usage_error("--format %s: not text, json"
						   " or csv", optarg);
			set_format = true;
			break;
		case OPT_TABLE:
			if (!keke_report_csv_table(optarg))
				return usage_error("--table %s: no such table",
						   optarg);
			table = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		case OPT_HTML:
			html = optarg;
			break;
		case OPT_TOP:
			if (parse_uint(optarg, 1, 1000000, &v))
				return usage_error("--top %s: not a number from"
						   " 1 to 1000000", optarg);
			o.top = (unsigned)v;
			break;
		case OPT_STEPS:
			if (parse_uint(optarg, 1, 100, &v))
				return usage_error("--steps %s: not a number"
						   " from 1 to 100", optarg);
			o.steps = (unsigned)v;
			break;
		case OPT_NO_FOLD:
			o.no_fold = true;
			break;
		case 'h':
			fputs(report_usage, stdout);
			return KEKE_EXIT_OK;
		case ':':
			return usage_error("option %s needs a value",
					   keke_bad_option(argv, opt));
		default:
			return usage_error("unknown option %s",
					   keke_bad_option(argv, opt));
		}
	}
	if (optind < argc)
		o.db = argv[optind++];
	if (optind < argc)
		return usage_error("unexpected argument %s", argv[optind]);
	if (table && (format != FORMAT_CSV))
		return usage_error("%s", "--table goes with --format csv");
	if ((output && keke_check_output("report", output, 0) != 0) ||
	    (html && keke_check_output("HTML report", html, 0) != 0))
		return KEKE_EXIT_FAILURE;

	o.progress = isatty(STDERR_FILENO);
	if (keke_report_load(&o, &r, err) != 0) {
		fprintf(stderr, "keke: report failed: %s\n", err);
		return KEKE_EXIT_FAILURE;
	}
	if (html && write_file(html, &r, format, table, true) != 0)
		ret = KEKE_EXIT_FAILURE;
	if (ret == KEKE_EXIT_OK && output) {
		if (write_file(output, &r, format, table, false) != 0)
			ret = KEKE_EXIT_FAILURE;
	} else if (ret == KEKE_EXIT_OK && (!html || set_format)) {
		int rc = format == FORMAT_JSON ? keke_report_json(stdout, &r) :
			 format == FORMAT_CSV ? keke_report_csv(stdout, &r,
								table) :
			 keke_report_text(stdout, &r);

		if (rc != 0) {
			fprintf(stderr, "keke: writing the report: %s\n",
				strerror(errno));
			ret = KEKE_EXIT_FAILURE;
		}
	}
	if (ret == KEKE_EXIT_OK && html && !getenv("KEKE_QUIET"))
		fprintf(stderr, "keke: wrote the HTML report to %s\n", html);
	keke_report_free(&r);
	return ret;
}
