// SPDX-License-Identifier: MIT
/*
 * The `keke` command: finds the subcommand in one table and runs it. The
 * same table prints the help.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd.h"
#include "signals.h"

#ifndef KEKE_VERSION
#define KEKE_VERSION "0.1.0"
#endif

struct keke_command {
	const char *name;
	int (*fn)(int argc, char **argv);	/* runs it (cmd.h) */
	const char *summary;			/* its line in the help */
};

static const struct keke_command commands[] = {
	{ "run", keke_cmd_run,
	  "trace a command and every process it starts" },
	{ "merge", keke_cmd_merge,
	  "turn trace dirs into keke.json and keke.db" },
	{ "report", keke_cmd_report,
	  "statistics over a keke.db: calls, executables, paths" },
	{ "export", keke_cmd_export,
	  "send a run to OpenTelemetry (OTLP file or endpoint)" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The general help, with a line per command, to @f. */
static void print_usage(FILE *f)
{
	fputs("Usage: keke COMMAND [ARGS...]\n"
	      "       keke run [OPTIONS] -- CMD [ARGS...]\n"
	      "\n"
	      "keke traces a program and every process it starts, and writes\n"
	      "what they did as a Perfetto/Chrome trace (keke.json) and an\n"
	      "SQLite database (keke.db).\n"
	      "\n"
	      "Commands:\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-8s %s\n", commands[i].name,
			commands[i].summary);
	fputs("  help     show the help of a command\n"
	      "\n"
	      "Options:\n"
	      "  -h, --help     show this help\n"
	      "  --version      show the version\n"
	      "\n"
	      "'keke COMMAND --help' describes each command.\n", f);
}

/* The command called @name, or NULL. */
static const struct keke_command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Says on stderr that @name is no command; returns the usage status. */
static int unknown_command(const char *name)
{
	fprintf(stderr, "keke: '%s' is not a keke command; see 'keke --help'\n",
		name);
	return KEKE_EXIT_USAGE;
}

/* `keke help [COMMAND]`: the general help, or COMMAND --help. */
static int help(int argc, char **argv)
{
	const struct keke_command *cmd;
	char help_opt[] = "--help";
	char *args[3];

	if (argc < 2) {
		print_usage(stdout);
		return KEKE_EXIT_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	args[0] = argv[1];
	args[1] = help_opt;
	args[2] = NULL;
	return cmd->fn(2, args);
}

int main(int argc, char **argv)
{
	const struct keke_command *cmd;

	keke_ignore_sigxfsz();
	if (argc < 2) {
		print_usage(stderr);
		return KEKE_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return help(1, argv);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("keke %s\n", KEKE_VERSION);
		return KEKE_EXIT_OK;
	}
	if (!strcmp(argv[1], "help"))
		return help(argc - 1, argv + 1);
	if (argv[1][0] == '-') {
		fprintf(stderr, "keke: unknown option %s; see 'keke --help'\n",
			argv[1]);
		return KEKE_EXIT_USAGE;
	}
	cmd = find_command(argv[1]);
	if (!cmd)
		return unknown_command(argv[1]);
	return cmd->fn(argc - 1, argv + 1);
}
