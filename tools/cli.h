/* SPDX-License-Identifier: MIT */
/*
 * The conventions of keke's command line that every subcommand keeps:
 * exit statuses, usage errors and their --help hint, counted nouns.
 */
#ifndef KEKE_CLI_H
#define KEKE_CLI_H

#include <stdint.h>

/* Exit statuses shared by the subcommands. */
enum {
	KEKE_EXIT_OK = 0,
	KEKE_EXIT_FAILURE = 1,
	KEKE_EXIT_USAGE = 2,
	KEKE_EXIT_PARTIAL = 3,		/* outputs written, damage reported */
};

/*
 * Prints "keke @cmd: ", @fmt with its arguments, and the hint to read
 * 'keke @cmd --help' on stderr. Returns the usage exit status.
 */
__attribute__((format(printf, 2, 3)))
int keke_usage_error(const char *cmd, const char *fmt, ...);

/*
 * The usage error of an option getopt_long() has just refused with @c
 * (':' for a missing value, anything else for an unknown option), named
 * as the user wrote it in @argv. Returns the usage exit status.
 */
int keke_option_error(const char *cmd, int c, char **argv);

/* @one when @n is 1, else @many: "1 process", "2 processes". */
const char *keke_plural(uint64_t n, const char *one, const char *many);

#endif
