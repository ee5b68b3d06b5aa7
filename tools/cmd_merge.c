// SPDX-License-Identifier: MIT
/*
 * `keke merge`: turns one or more trace dirs into keke.json and keke.db,
 * and the output checks that `keke run` shares with it.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "merge/merge.h"
#include "common/output.h"

static const char merge_usage[] =
	"Usage: keke merge [OPTIONS] DIR...\n"
	"\n"
	"Merge the record files of one or more trace dirs (made by `keke run\n"
	"--keep` or by a program run with LD_PRELOAD=libkeke.so) into one\n"
	"trace-event JSON file and one SQLite database.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE  write the JSON trace to FILE (default keke.json)\n"
	"      --db FILE      write the SQLite database to FILE (default keke.db)\n"
	"      --no-json      do not write the JSON trace\n"
	"      --no-db        do not write the SQLite database\n"
	"      --trace-id ID  merge only the files of the run with this trace\n"
	"                     id (KEKE_TRACE_ID); by default, a dir's run is\n"
	"                     the id most of its files carry\n"
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

int keke_check_output(const char *what, const char *path, unsigned flags)
{
	char err[PATH_MAX + 256];

	if (keke_output_check(path, flags, err, sizeof(err)) == 0)
		return 0;
	fprintf(stderr, "keke: %s %s\n", what, err);
	return -1;
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

static const char *plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static int usage_error(const char *fmt, const char *arg)
{
	return keke_usage_error("merge", fmt, arg);
}

static volatile sig_atomic_t *interrupt_flag;

static void on_interrupt(int sig)
{
	(void)sig;
	*interrupt_flag = 1;
}

void keke_catch_interrupts(volatile sig_atomic_t *flag)
{
	struct sigaction sa = { .sa_handler = on_interrupt };
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };

	interrupt_flag = flag;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sigaction(SIGPIPE, &ignore, NULL);
}

int keke_cmd_merge(int argc, char **argv)
{
	static volatile sig_atomic_t interrupted;
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "db", required_argument, NULL, 'd' },
		{ "no-json", no_argument, NULL, 'J' },
		{ "no-db", no_argument, NULL, 'D' },
		{ "trace-id", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct keke_merge_options o = { 0 };
	struct keke_merge_stats stats = { 0 };
	const char *json = "keke.json", *db = "keke.db";
	uint8_t trace_id[16];
	bool no_json = false, no_db = false, set_json = false, set_db = false;
	char err[KEKE_MERGE_ERROR_MAX], outputs[2 * PATH_MAX], opt[3];
	enum keke_merge_result res;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			json = optarg;
			set_json = true;
			break;
		case 'd':
			db = optarg;
			set_db = true;
			break;
		case 'J':
			no_json = true;
			break;
		case 'D':
			no_db = true;
			break;
		case 'T':
			if (keke_trace_id_parse(optarg, trace_id) != 0)
				return usage_error("--trace-id %s: not 32 hex "
						   "digits", optarg);
			o.trace_id = trace_id;
			break;
		case 'h':
			fputs(merge_usage, stdout);
			return KEKE_EXIT_OK;
		case ':':
			return usage_error("option %s needs a value",
					   keke_bad_option(argv, opt));
		default:
			return usage_error("unknown option %s",
					   keke_bad_option(argv, opt));
		}
	}
	if (optind >= argc)
		return usage_error("%s", "no trace dir given");
	if ((set_json && no_json) || (set_db && no_db))
		return usage_error("%s", "an output is both named and refused");
	if (no_json && no_db)
		return usage_error("%s", "--no-json and --no-db leave nothing "
				   "to write");
	if (no_json)
		json = NULL;
	if (no_db)
		db = NULL;

	for (int i = optind; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "keke: %s: %s\n", argv[i],
				strerror(errno));
			return KEKE_EXIT_FAILURE;
		}
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, "keke: %s: not a trace dir (not a "
				"directory)\n", argv[i]);
			return KEKE_EXIT_FAILURE;
		}
	}
	if ((json && keke_check_output("JSON output", json, 0) != 0) ||
	    (db && keke_check_output("database", db,
				     KEKE_OUTPUT_REGULAR) != 0))
		return KEKE_EXIT_FAILURE;

	o.dirs = (const char *const *)(argv + optind);
	o.ndirs = (size_t)(argc - optind);
	o.json_path = json;
	o.db_path = db;
	o.progress = isatty(STDERR_FILENO);
	o.cancel = &interrupted;
	keke_catch_interrupts(&interrupted);
	err[0] = '\0';
	res = keke_merge(&o, &stats, err);
	if (res == KEKE_MERGE_FAILED) {
		if (keke_print_lost_outputs(json, db, &stats))
			fputs("keke: merge failed; no output written\n",
			      stderr);
		else
			fprintf(stderr, "keke: merge failed: %s; no output "
				"written\n", err[0] ? err : "unknown error");
		return KEKE_EXIT_FAILURE;
	}
	/* Only what was written: the lost outputs are told below. */
	keke_describe_outputs(outputs, sizeof(outputs),
			      stats.json.written ? json : NULL,
			      stats.db.written ? db : NULL);
	fprintf(stderr,
		"keke: merged %" PRIu64 " %s, %" PRIu64 " %s, %" PRIu64 " %s "
		"from %" PRIu64 " %s into %s\n",
		stats.processes, plural(stats.processes, "process",
					"processes"),
		stats.threads, plural(stats.threads, "thread", "threads"),
		stats.slices, plural(stats.slices, "event", "events"),
		stats.files, plural(stats.files, "file", "files"), outputs);
	keke_print_lost_outputs(json, db, &stats);
	if (stats.damaged)
		fprintf(stderr, "keke: merge is partial: %" PRIu64 " %s, see "
			"above\n", stats.damaged,
			plural(stats.damaged, "damaged place",
			       "damaged places"));
	if (res == KEKE_MERGE_INCOMPLETE)
		return KEKE_EXIT_FAILURE;
	return res == KEKE_MERGE_PARTIAL ? KEKE_EXIT_PARTIAL : KEKE_EXIT_OK;
}
