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

#include "cli.h"
#include "cmd.h"
#include "common/output.h"
#include "outputs.h"
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
	"  - per executable, what its processes used: CPU time (user +\n"
	"    system, total, p50 p95 p99), peak RSS (p50 p99 max) and the\n"
	"    bytes its calls read and wrote; the top processes by CPU time\n"
	"    and by peak RSS (processes whose usage is unknown are counted\n"
	"    apart);\n"
	"  - the critical path, the chain of processes and waits the root's\n"
	"    wall time depended on: each executable's share of it;\n"
	"  - per call and per executable, the time since its latest end,\n"
	"    up to now (--now);\n"
	"  - per path (file path or peer address; an fd is named by the\n"
	"    merge, \"<fd N>\" when it could not be): the top by time and by\n"
	"    bytes;\n"
	"  - the process tree with wall times, same-name siblings folded into\n"
	"    one line (\"cc \u00d7412\");\n"
	"  - per executable, its average trace: the nth call of each name,\n"
	"    the share of processes that made it, and the p25 p50 p75 p99 of\n"
	"    its offset from the process's start;\n"
	"  - per process, the bytes its calls read and wrote beside the\n"
	"    kernel's count of them (rchar, wchar of /proc/PID/io), and the\n"
	"    share keke saw;\n"
	"  - with --files, per executable and per process: the files it\n"
	"    read, wrote, created and removed, and the paths it looked for\n"
	"    that were not there, with bytes and times.\n"
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
	"The resources and the I/O per process count whole processes: the\n"
	"window and the process filters choose them, --call and --path do\n"
	"not apply. The window clips the critical path, whose time is then\n"
	"what is left of it; --process and --pid keep the segments and the\n"
	"shares of the processes they select, still shares of the whole\n"
	"path.\n"
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
	"                       resources processes_by_cpu processes_by_rss\n"
	"                       critical_path_shares critical_path\n"
	"                       paths_by_time paths_by_bytes io tree steps\n"
	"                       files_by_executable files_by_process)\n"
	"  -o, --output FILE    write the report into FILE, not stdout\n"
	"      --html FILE      write a self-contained HTML page (no network\n"
	"                       needed) to FILE; with no --format or\n"
	"                       --output, nothing else is written\n"
	"      --top N          rows of the path tables, executables with an\n"
	"                       average trace (default 20)\n"
	"      --steps N        calls of one name per process in the average\n"
	"                       trace (default 3)\n"
	"      --no-fold        one tree line per process\n"
	"      --files          add the files each executable and process\n"
	"                       read, wrote, created, removed and looked for\n"
	"                       in vain (--path narrows them)\n"
	"      --critical-path  add the critical path's segments: start,\n"
	"                       duration, process, state, and the call it\n"
	"                       is in or the child it waits on\n"
	"  -q, --quiet          show no progress on a terminal\n"
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
	OPT_FILES,
	OPT_CRITICAL_PATH,
};

enum format {
	FORMAT_TEXT,
	FORMAT_JSON,
	FORMAT_CSV,
	FORMAT_HTML,
};

/* What the command line of `keke report` asks for. */
struct report_args {
	struct keke_report_options o;
	enum format format;	/* of stdout or --output */
	bool set_format;	/* --format was given */
	const char *table;	/* --table, or NULL */
	const char *output;	/* --output, or NULL: stdout */
	const char *html;	/* --html, or NULL */
	bool quiet;		/* -q: no progress */
};

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
 * The value @arg of the option @opt: a number from 1 to @max into *@v.
 * Returns 0, or the usage exit status after printing why not.
 */
static int parse_count(const char *opt, const char *arg, long max,
		       unsigned *v)
{
	long n;

	if (parse_uint(arg, 1, max, &n))
		return keke_usage_error("report", "%s %s: not a number from 1 "
					"to %ld", opt, arg, max);
	*v = (unsigned)n;
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

/* --format @arg into *@format. Returns 0, or -1 for no format of ours. */
static int parse_format(const char *arg, enum format *format)
{
	if (!strcmp(arg, "text"))
		*format = FORMAT_TEXT;
	else if (!strcmp(arg, "json"))
		*format = FORMAT_JSON;
	else if (!strcmp(arg, "csv"))
		*format = FORMAT_CSV;
	else
		return -1;
	return 0;
}

/*
 * Takes the option @c with its value @arg into @o when it chooses the
 * window or the processes and calls counted. Returns 0 when taken, the
 * usage exit status after printing why @arg is refused, or -1 when @c is
 * not one of these options.
 */
static int take_selection(int c, char *arg, struct keke_report_options *o)
{
	long v;

	switch (c) {
	case OPT_SINCE:
		o->since = arg;
		return 0;
	case OPT_UNTIL:
		o->until = arg;
		return 0;
	case OPT_NOW:
		o->now = arg;
		return 0;
	case OPT_PROCESS:
		o->process = arg;
		return 0;
	case OPT_PID:
		if (parse_uint(arg, 0, INT_MAX, &v))
			return keke_usage_error("report", "--pid %s: not a "
						"pid", arg);
		o->have_pid = true;
		o->pid = (int)v;
		return 0;
	case OPT_CALL:
		o->call = arg;
		return 0;
	case OPT_PATH:
		o->path = arg;
		return 0;
	case OPT_FILTER:
		if (parse_filter(arg, o))
			return keke_usage_error("report", "--filter %s: not "
						"process=, pid=, call= or "
						"path=GLOB", arg);
		return 0;
	}
	return -1;
}

/*
 * Takes the option @c with its value @arg into @a when it chooses what
 * the report shows, how and where. Returns as take_selection() does.
 */
static int take_form(int c, char *arg, struct report_args *a)
{
	switch (c) {
	case 'f':
		if (parse_format(arg, &a->format))
			return keke_usage_error("report", "--format %s: not "
						"text, json or csv", arg);
		a->set_format = true;
		return 0;
	case OPT_TABLE:
		if (!keke_report_csv_table(arg))
			return keke_usage_error("report", "--table %s: no such "
						"table", arg);
		a->table = arg;
		return 0;
	case 'o':
		a->output = arg;
		return 0;
	case OPT_HTML:
		a->html = arg;
		return 0;
	case OPT_TOP:
		return parse_count("--top", arg, 1000000, &a->o.top);
	case OPT_STEPS:
		return parse_count("--steps", arg, 100, &a->o.steps);
	case OPT_NO_FOLD:
		a->o.no_fold = true;
		return 0;
	case OPT_FILES:
		a->o.files = true;
		return 0;
	case OPT_CRITICAL_PATH:
		a->o.critical_path = true;
		return 0;
	}
	return -1;
}

/*
 * Parses the options of `keke report` into @a. Returns -1 when they are
 * good, else the exit status to return (0 after --help, 2 after printing
 * a usage error).
 */
static int parse_args(int argc, char **argv, struct report_args *a)
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
		{ "files", no_argument, NULL, OPT_FILES },
		{ "critical-path", no_argument, NULL, OPT_CRITICAL_PATH },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, taken;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":f:o:qh", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(report_usage, stdout);
			return KEKE_EXIT_OK;
		}
		if (c == 'q') {
			a->quiet = true;
			continue;
		}
		taken = take_selection(c, optarg, &a->o);
		if (taken < 0)
			taken = take_form(c, optarg, a);
		if (taken < 0)
			return keke_option_error("report", c, argv);
		if (taken > 0)
			return taken;
	}
	if (optind < argc)
		a->o.db = argv[optind++];
	if (optind < argc)
		return keke_usage_error("report", "unexpected argument %s",
					argv[optind]);
	if (a->table && a->format != FORMAT_CSV)
		return keke_usage_error("report", "--table goes with --format "
					"csv");
	return -1;
}

/* Writes the report @r to @f in @format (@table: the only CSV table, or
 * NULL). Returns 0, or -1 when writing failed (errno set). */
static int write_report(FILE *f, const struct keke_report *r,
			enum format format, const char *table)
{
	switch (format) {
	case FORMAT_JSON:
		return keke_report_json(f, r);
	case FORMAT_CSV:
		return keke_report_csv(f, r, table);
	case FORMAT_HTML:
		return keke_report_html(f, r);
	case FORMAT_TEXT:
		break;
	}
	return keke_report_text(f, r);
}

/* Writes the report in @format into the output @path (output.h: a
 * temporary renamed into place when complete, or a device or FIFO in
 * place). Returns 0, or -1 after printing why. */
static int write_file(const char *path, const struct keke_report *r,
		      enum format format, const char *table)
{
	struct keke_output out;
	char err[PATH_MAX + 256];
	FILE *f;
	int ret;

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
	ret = write_report(f, r, format, table);
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

/*
 * Writes the report @r where @a asks: the HTML page first, then the
 * report into --output, or onto stdout unless only the page was asked
 * for. Stops at the first that fails. Returns the exit status.
 */
static int write_outputs(const struct report_args *a,
			 const struct keke_report *r)
{
	if (a->html && write_file(a->html, r, FORMAT_HTML, NULL) != 0)
		return KEKE_EXIT_FAILURE;
	if (a->output) {
		if (write_file(a->output, r, a->format, a->table) != 0)
			return KEKE_EXIT_FAILURE;
	} else if (!a->html || a->set_format) {
		if (write_report(stdout, r, a->format, a->table) != 0) {
			fprintf(stderr, "keke: writing the report: %s\n",
				strerror(errno));
			return KEKE_EXIT_FAILURE;
		}
	}
	if (a->html && !getenv("KEKE_QUIET"))
		fprintf(stderr, "keke: wrote the HTML report to %s\n",
			a->html);
	return KEKE_EXIT_OK;
}

int keke_cmd_report(int argc, char **argv)
{
	struct report_args a = { .o.db = "keke.db" };
	struct keke_report r;
	char err[KEKE_REPORT_ERROR_MAX];
	int status;

	status = parse_args(argc, argv, &a);
	if (status >= 0)
		return status;
	if ((a.output && keke_check_output("report", a.output, 0) != 0) ||
	    (a.html && keke_check_output("HTML report", a.html, 0) != 0))
		return KEKE_EXIT_FAILURE;

	a.o.progress = isatty(STDERR_FILENO) && !a.quiet;
	if (keke_report_load(&a.o, &r, err) != 0) {
		fprintf(stderr, "keke: report failed: %s\n", err);
		return KEKE_EXIT_FAILURE;
	}
	status = write_outputs(&a, &r);
	keke_report_free(&r);
	return status;
}
