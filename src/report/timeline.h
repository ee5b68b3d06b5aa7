/* SPDX-License-Identifier: MIT */
/*
 * What the HTML page's timeline and CPU chart draw: the selected
 * processes in tree order (a parent before its children, siblings by
 * start) with what each used, the run's critical path, the CPUs the run
 * had, and the CPUs it kept busy over time.
 *
 * A database from a keke older than these figures has no resource
 * columns, no critical_path table and no cpu_count: has_rusage and
 * has_path are false then, and cpu_count is 0.
 */
#ifndef KEKE_REPORT_TIMELINE_H
#define KEKE_REPORT_TIMELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Buckets of the CPU chart. */
#define KEKE_TIMELINE_BUCKETS 400

/* Where a process's resource figures come from (process.rusage_from). */
enum keke_rusage_from {
	KEKE_RUSAGE_UNKNOWN,
	KEKE_RUSAGE_EXIT,	/* its own, at its exit */
	KEKE_RUSAGE_WAIT,	/* its parent's wait (peak RSS: the
				 * largest of it and its reaped
				 * children's) */
};

/* One process, one row of the timeline. */
struct keke_timeline_proc {
	char *cmdline;
	int pid;
	size_t exe;			/* in keke_timeline.exes */
	unsigned depth;			/* 0: no selected parent */
	int64_t start_ns, end_ns;
	bool has_exit;
	int exit_code;
	int signal;			/* 0: none */
	enum keke_rusage_from from;	/* the figures below are known
					 * unless KEKE_RUSAGE_UNKNOWN */
	int64_t cpu_user_ns, cpu_sys_ns, peak_rss_kb;
	bool on_path;			/* the critical path goes through it */
};

/* An executable: the processes of one name. */
struct keke_timeline_exe {
	char *name;
	uint64_t processes;
};

/* One segment of the critical path. */
struct keke_timeline_seg {
	int64_t ts_ns, dur_ns;
	size_t proc;			/* its row, or SIZE_MAX: a process
					 * not selected */
	char *state;			/* "running", "sleeping", "blocked",
					 * "waiting" */
	char *call;			/* sleeping, blocked: the call */
};

struct keke_timeline {
	int64_t start_ns, end_ns;	/* what the charts span */
	struct keke_timeline_proc *procs; /* in tree order */
	size_t nprocs;
	struct keke_timeline_exe *exes;	/* in order of their first row */
	size_t nexes;

	bool has_rusage;		/* the database has the columns */
	uint64_t nrusage;		/* processes whose figures are known */
	bool has_path;			/* the database has the table */
	struct keke_timeline_seg *path;	/* in time order */
	size_t npath;
	int cpu_count;			/* 0: unknown */

	/* CPUs busy in each of KEKE_TIMELINE_BUCKETS equal parts of the
	 * span: each process's own CPU time spread evenly over its life
	 * (when nrusage). */
	double busy[KEKE_TIMELINE_BUCKETS];
};

struct rp_ctx;

/* Reads the timeline of the selected processes into c->r->timeline.
 * Returns 0, or -1 (c->err set). */
int rp_timeline_load(struct rp_ctx *c);

/* cpu_use.c: fills @t->busy from its processes. */
void rp_timeline_cpu(struct keke_timeline *t);

/* Frees @t (NULL is fine). */
void keke_timeline_free(struct keke_timeline *t);

#endif
