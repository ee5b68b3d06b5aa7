/* SPDX-License-Identifier: MIT */
/*
 * The files keke writes, as its subcommands name them, check them before
 * any work and tell what became of them: the merge's two outputs (the
 * JSON trace and the database) of `keke run` and `keke merge`, and the
 * report's.
 */
#ifndef KEKE_OUTPUTS_H
#define KEKE_OUTPUTS_H

#include <getopt.h>
#include <stdbool.h>

struct keke_merge_stats;
struct keke_sink_ops;

/* The options that name the merge's outputs, as given. */
struct keke_output_opts {
	const char *json;	/* -o, --output FILE: the trace, JSON or
				 * Perfetto's; default keke.json */
	const char *format;	/* --format: "json", "perfetto" or NULL */
	bool perfetto;		/* settled: the trace is Perfetto's format */
	const char *db;		/* --db FILE; default keke.db */
	bool named_json;	/* -o or --output was given */
	bool named_db;		/* --db was given */
	bool no_json;		/* --no-json */
	bool no_db;		/* --no-db */
};

#define KEKE_OUTPUT_OPTS_DEFAULT { .json = "keke.json", .db = "keke.db" }

/* Their entries in getopt_long()'s table; "o:" goes in its short ones. */
#define KEKE_OUTPUT_LONGOPTS \
	{ "output", required_argument, NULL, 'o' }, \
	{ "db", required_argument, NULL, 'd' }, \
	{ "no-json", no_argument, NULL, 'J' }, \
	{ "no-db", no_argument, NULL, 'D' }, \
	{ "format", required_argument, NULL, 'F' }

/*
 * Takes the option getopt_long() returned as @c, with its value @arg,
 * into @o when it is one of KEKE_OUTPUT_LONGOPTS. Returns whether it was.
 */
bool keke_output_opts_take(struct keke_output_opts *o, int c,
			   const char *arg);

/*
 * After the options of the command @cmd: refuses an output both named and
 * refused, and sets the refused ones to NULL; settles the trace's format,
 * from --format or else the name (.pftrace or .perfetto-trace, either
 * with .gz, is Perfetto's), and names a Perfetto trace keke.pftrace when
 * -o did not. Returns 0, or the usage exit status after printing why.
 * Whether nothing is left to write is the command's to judge.
 */
int keke_output_opts_settle(struct keke_output_opts *o, const char *cmd);

/*
 * Checks before any work that @path can be written as an output with
 * @flags (output.h): a file that can be replaced in its directory, or a
 * device or FIFO that can be written in place. @what names the option in
 * the message ("JSON output"). Returns 0, or -1 after printing why on
 * stderr.
 */
int keke_check_output(const char *what, const char *path, unsigned flags);

/*
 * keke_check_output() for the merge's outputs @json and @db (NULL: not
 * written); the database must be a regular file. Returns 0, or -1 after
 * printing why.
 */
int keke_check_merge_outputs(const char *json, const char *db);

/* Whether @path names a Perfetto trace: .pftrace or .perfetto-trace,
 * either with .gz. */
bool keke_is_perfetto_name(const char *path);

/* The sink of the trace the options name (settled). */
const struct keke_sink_ops *keke_trace_sink(const struct keke_output_opts *o);

/* "keke.json and keke.db", "keke.json" or "keke.db" into @buf. */
void keke_describe_outputs(char *buf, unsigned size, const char *json,
			   const char *db);

/*
 * After a merge into @json and @db (NULL: not asked for), says on stderr
 * which output failed on its own, and why. Returns how many did.
 */
unsigned keke_print_lost_outputs(const char *json, const char *db,
				 const struct keke_merge_stats *stats);

/* After a merge of several runs or machines (@stats): warns of runs of
 * different trace ids, and says how far apart the machines' clocks may
 * be placed, on one line each. */
void keke_print_machines(const struct keke_merge_stats *stats);

/*
 * After a merge that wrote the JSON trace @path: when it is past what
 * chrome://tracing, Chrome DevTools and speedscope load (about 256 MB),
 * says so on stderr and names Perfetto's format, which loads at any size.
 */
void keke_advise_big_json(const char *path);

/* After a merge that reported damage in @stats: says on stderr that the
 * outputs are partial. */
void keke_print_partial(const struct keke_merge_stats *stats);

#endif
