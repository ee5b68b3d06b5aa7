/* SPDX-License-Identifier: MIT */
/*
 * The merge: reads every record file of one or more trace dirs and sends
 * the run's processes, threads, slices and flows to the sinks its caller
 * gives it (sinks/sink.h).
 *
 * Files are read one at a time in (pid, start) order, so memory grows with
 * the number of processes and threads, never with the number of events
 * (but for the fd-changing calls of one image of several threads, which
 * the merge sorts by time to name each call's fds).
 * Damage (a truncated, torn, corrupt or foreign file) is reported once per
 * place through on_damage and everything intact is still merged.
 */
#ifndef KEKE_MERGE_H
#define KEKE_MERGE_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>

struct keke_sink_ops;

struct keke_merge_options {
	const char *const *dirs;
	size_t ndirs;
	/* The trace (keke_sink_json) and the database (keke_sink_sqlite),
	 * each written by its sink to its path; a NULL path: not written. */
	const struct keke_sink_ops *json_sink;
	const char *json_path;
	const struct keke_sink_ops *db_sink;
	const char *db_path;
	/* Called once per damaged place; NULL prints to stderr. */
	void (*on_damage)(void *ctx, const char *message);
	void *ctx;
	/* Show progress on stderr when the merge takes over a second. */
	bool progress;
	/* The wait status of the run's first process, when the caller
	 * started it (keke run): it gives the exit code or signal of a root
	 * that died without an exit record. */
	bool have_root_status;
	int root_pid;
	int root_status;
	/* When the first process wrote nothing (a static program): what it
	 * ran and when, CLOCK_MONOTONIC, to show it untraced. */
	const char *root_exe;
	int64_t root_start_ns, root_end_ns;
	/* The CPUs the first process could use, when the caller started it
	 * (0: unknown; a bare-mode root records them itself). */
	int cpu_count;
	/* The run's trace id (record.h), when the caller knows it (keke
	 * run made it): a file of any other is left out. NULL: each dir's
	 * run is the trace id most of its files carry. */
	const uint8_t *trace_id;
	/* Set (by a signal handler) to stop the merge: it then fails with
	 * "interrupted" and leaves no output. NULL: never. */
	volatile sig_atomic_t *cancel;
};

#define KEKE_MERGE_ERROR_MAX 1024
#define KEKE_BAD_TRACEPARENT_MAX 96

/* What became of one output of a merge. */
struct keke_merge_output {
	bool written;			/* complete, in place */
	char err[KEKE_MERGE_ERROR_MAX];	/* why not, when it failed on its
					 * own (its path first or named) */
};

/* The "untraced" arg of a process that ran without libkeke.so for a
 * reason the merge cannot tell (a static, setuid or 32-bit program). */
#define KEKE_UNTRACED_NOTE "libkeke.so could not be loaded into it"

struct keke_merge_stats {
	uint64_t files;
	uint64_t processes;
	uint64_t threads;
	uint64_t slices;
	uint64_t flows;
	uint64_t damaged;		/* damage reports */
	uint64_t dropped;		/* events the writers lost */
	uint64_t killed;		/* processes without an exit record */
	uint64_t untraced;		/* seen only from their parent's side */
	uint64_t unrecorded;		/* of those: had libkeke.so, and
					 * left no record file */
	int unrecorded_errno;		/* why the first that left a note of
					 * it could not write one, or 0 */
	/* A TRACEPARENT that a bare-mode run's first process refused as
	 * malformed (cut to fit), or "": for the caller to warn of. */
	char bad_traceparent[KEKE_BAD_TRACEPARENT_MAX];
	uint64_t machines;		/* hosts, or boots of one host */
	int64_t clock_uncertainty_ns;	/* with several machines: how far
					 * apart their clocks may be placed
					 * (merge/machines.c) */
	uint64_t trace_ids;		/* distinct trace ids merged */
	/* The outputs asked for: each is written whole or not at all. */
	struct keke_merge_output json, db;
};

enum keke_merge_result {
	KEKE_MERGE_FAILED = -1,		/* no output written; see err */
	KEKE_MERGE_OK = 0,
	KEKE_MERGE_PARTIAL = 1,		/* outputs written, damage reported */
	KEKE_MERGE_INCOMPLETE = 2,	/* some outputs written, others not
					 * (stats->json, stats->db say
					 * which, and why); damage may have
					 * been reported too */
};

/*
 * Merges o->dirs into o->json_path and/or o->db_path. An output that
 * cannot be created fails the merge before any work; one that fails
 * later (a full disk) is given up while the others are still written.
 * On KEKE_MERGE_FAILED @err (KEKE_MERGE_ERROR_MAX bytes) says why, no
 * output exists, and an output that failed on its own says so in
 * stats->json or stats->db.
 */
enum keke_merge_result keke_merge(const struct keke_merge_options *o,
				  struct keke_merge_stats *stats, char *err);

/* Reads 32 hex digits (as KEKE_TRACE_ID holds a trace id) into @id.
 * Returns 0, or -1 when @hex is anything else. */
int keke_trace_id_parse(const char *hex, uint8_t id[16]);

#endif
