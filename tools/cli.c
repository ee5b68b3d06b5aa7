// SPDX-License-Identifier: MIT
/*
 * The conventions of keke's command line that every subcommand keeps.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int keke_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "keke %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'keke %s --help'.\n", cmd);
	return KEKE_EXIT_USAGE;
}

int keke_option_error(const char *cmd, int c, char **argv)
{
	const char *opt = argv[optind - 1];
	char letter[3];

	/* A short option may stand inside a group ("-qz"): name it alone. */
	if (optopt > 0 && optopt < 128 && strncmp(opt, "--", 2)) {
		snprintf(letter, sizeof(letter), "-%c", optopt);
		opt = letter;
	}
	if (c == ':')
		return keke_usage_error(cmd, "option %s needs a value", opt);
	return keke_usage_error(cmd, "unknown option %s", opt);
}

const char *keke_plural(uint64_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}
