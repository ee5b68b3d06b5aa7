/* SPDX-License-Identifier: MIT */
/*
 * The subcommands of `keke`. Each takes the arguments from its own name on
 * (argv[0] is "run", "merge", ...) and returns the process exit status.
 * tools/keke.c lists them in its command table.
 */
#ifndef KEKE_CMD_H
#include <signal.h>

#define KEKE_CMD_H

/* Exit statuses shared by the subcommands. */
enum {
	KEKE_EXIT_OK = 0,
	KEKE_EXIT_FAILURE = 1,
	KEKE_EXIT_USAGE = 2,
	KEKE_EXIT_PARTIAL = 3,		/* outputs written, damage reported */
};

int keke_cmd_run(int argc, char **argv);
int keke_cmd_merge(int argc, char **argv);
int keke_cmd_report(int argc, char **argv);

/*
 * Checks before any work that @path can be written as an output with
 * @flags (output.h): a file that can be replaced in its directory, or a
 * device or FIFO that can be written in place. @what names the option in
 * the message ("JSON output"). Returns 0, or -1 after printing why on
 * stderr.
 */
int keke_check_output(const char *what, const char *path, unsigned flags);

/*
 * From now on SIGINT, SIGTERM and SIGHUP set *@flag instead of killing
 * keke, so a merge under way can stop and remove its temporaries; and
 * SIGPIPE is ignored, so an output whose reader went away (a FIFO) fails
 * with EPIPE and is reported, while the other outputs are still written.
 */
void keke_catch_interrupts(volatile sig_atomic_t *flag);

/* The option getopt_long just refused, as the user wrote it (@buf: 3
 * bytes for a short option). */
const char *keke_bad_option(char **argv, char *buf);

/* Prints "keke CMD: " @fmt (with @arg) and the --help hint on stderr;
 * returns the usage exit status. */
int keke_usage_error(const char *cmd, const char *fmt, const char *arg);

/* What SIGXFSZ did before keke ignored it (keke.c): for the command. */
extern struct sigaction keke_original_sigxfsz;

/* "keke.json and keke.db", "keke.json" or "keke.db" into @buf. */
void keke_describe_outputs(char *buf, unsigned size, const char *json,
			   const char *db);

struct keke_merge_stats;

/*
 * After a merge into @json and @db (NULL: not asked for), says on stderr
 * which output failed on its own, and why. Returns how many did.
 */
unsigned keke_print_lost_outputs(const char *json, const char *db,
				 const struct keke_merge_stats *stats);

#endif
