/* SPDX-License-Identifier: MIT */
/*
 * The subcommands of `keke`. Each takes the arguments from its own name on
 * (argv[0] is "run", "merge", ...) and returns the process exit status
 * (cli.h). tools/keke.c lists them in its command table.
 */
#ifndef KEKE_CMD_H
#define KEKE_CMD_H

int keke_cmd_run(int argc, char **argv);
int keke_cmd_merge(int argc, char **argv);
int keke_cmd_report(int argc, char **argv);
int keke_cmd_export(int argc, char **argv);

#endif
