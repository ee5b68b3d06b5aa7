/* SPDX-License-Identifier: MIT */
/*
 * The report: statistics over a keke.db for a window of time and a
 * selection of processes and calls, computed once into a struct
 * keke_report and then written as text, JSON, CSV or one HTML page.
 *
 * What is selected:
 *   - a process when it runs during part of the window and matches
 *     --process (a glob on its name) and --pid;
 *   - a call (any slice but the ones that span a process image) when it
 *     starts inside the window, belongs to a selected process, and matches
 *     --call (a glob on its name) and --path (a glob on the file path or
 *     peer address it worked on).
 *
 * Percentiles are exact, by nearest rank (stats.h). The database is read
 * in one pass over its slices and args, in id order; memory grows with
 * the processes, the distinct names and paths, and the 8 bytes per
 * selected call that exact percentiles need, never with whole rows.
 */
#ifndef KEKE_REPORT_H
#define KEKE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "report/stats.h"

#define KEKE_REPORT_ERROR_MAX 1024

struct keke_report_options {
	const char *db;			/* the database to read */
	const char *since;		/* window start, as given (stats.h) */
	const char *until;		/* window end, as given */
	const char *now;		/* "now" for the above; NULL: the
					 * trace's end */
	const char *process;		/* glob on process names */
	const char *call;		/* glob on call names */
	const char *path;		/* glob on paths and peer addresses */
	bool have_pid;
	int pid;
	unsigned top;			/* rows of the path tables,
					 * executables in the average
					 * trace; 0: 20 */
	unsigned steps;			/* occurrences of one call per
					 * process in the average trace;
					 * 0: 3 */
	bool no_fold;			/* one tree line per process */
	bool files;			/* the files each executable and
					 * process worked on (--files) */
	bool critical_path;		/* the critical path's segments
					 * (--critical-path) */
	bool progress;			/* show progress on stderr */
};

/* Statistics of one call name. */
struct keke_report_call {
	char *name;
	char *category;
	uint64_t count;
	uint64_t errors;		/* calls that failed (have an errno) */
	int64_t total_ns;
	int64_t self_ns;		/* total less that of nested calls */
	int64_t dur[KEKE_NPCT];		/* duration percentiles */
	bool moves_bytes;		/* a read/write-like call: */
	uint64_t sized;			/* calls with a result >= 0 */
	int64_t bytes;			/* the sum of those results */
	int64_t size[KEKE_NPCT];	/* their percentiles (if sized) */
	struct keke_log2_hist hist;	/* and their log2 histogram */
	struct keke_log2_hist dur_hist;	/* log2 histogram of durations */
	int64_t last_end_ns;		/* the latest end of one of them */
	int64_t since_last_ns;		/* now less that */
};

/* How often an exit code (or a signal) ended the processes of one name. */
struct keke_report_code {
	int code;
	uint64_t count;
};

/* Statistics of one executable (processes by name). */
struct keke_report_exe {
	char *name;
	uint64_t processes;
	int64_t total_ns;		/* wall time, summed */
	int64_t wall[KEKE_NPCT];	/* wall time percentiles */
	struct keke_report_code *exits;	/* most frequent first */
	size_t nexits;
	struct keke_report_code *signals;
	size_t nsignals;
	uint64_t no_status;		/* exit status unknown */
	uint64_t untraced;		/* ran without the preload */
	int64_t last_end_ns;		/* the latest end of one of them */
	int64_t since_last_ns;		/* now less that */
};

/*
 * What the processes of one executable used (the process table's
 * getrusage figures, each process's own: the merge took off a figure
 * from a parent's wait those of the children it reaped). A peak RSS from
 * a wait is the largest of it and those children's.
 */
struct keke_report_usage {
	char *name;
	uint64_t processes;		/* runs */
	uint64_t unknown;		/* of them, whose usage is unknown */
	int64_t cpu_ns;			/* user + system, summed over the
					 * known ones */
	int64_t cpu[KEKE_NPCT];		/* its percentiles over them */
	int64_t rss[KEKE_NPCT];		/* peak RSS percentiles, bytes */
	int64_t read_bytes;		/* keke's calls, from files and
					 * sockets (file_access) */
	int64_t write_bytes;		/* and to them */
};

/* What one process used, for the top processes by CPU and by RSS. */
struct keke_report_proc_usage {
	char *name;
	int pid;
	int64_t cpu_ns;			/* own, as above */
	int64_t rss_bytes;		/* peak RSS */
	bool from_wait;			/* the figures are its parent's
					 * wait's */
};

/* One segment of the critical path, clipped to the window. */
struct keke_report_segment {
	int64_t start_ns;		/* from the trace's start */
	int64_t dur_ns;
	char *name;			/* the process the path is in */
	int pid;
	char *state;			/* running, sleeping, blocked,
					 * waiting */
	char *call;			/* sleeping, blocked: the call */
	char *waiting_name;		/* waiting: the child, if known */
	int waiting_pid;
};

/* The time the critical path spent in the processes of one executable. */
struct keke_report_share {
	char *name;
	int64_t ns;
	uint64_t segments;
};

/* Statistics of one file path or peer address. */
struct keke_report_path {
	char *path;
	uint64_t calls;
	uint64_t errors;
	int64_t time_ns;
	int64_t bytes_in;		/* read or received */
	int64_t bytes_out;		/* written or sent */
};

/*
 * What one process read and wrote, as keke's calls account for it and as
 * the kernel counted it (/proc/PID/io); or the sum of these over the
 * selected processes.
 */
struct keke_report_io {
	char *name;			/* the process's, or "total" */
	int pid;			/* 0 for the total */
	int64_t read_bytes;		/* keke: read by its calls, from files
					 * and sockets (file_access) */
	int64_t write_bytes;		/* and written */
	bool has_kernel;		/* the kernel's counters are known */
	int64_t rchar, wchar;		/* the kernel's, less those of the
					 * children it reaped */
	int64_t traced_rchar;		/* the bytes of keke's calls that
					 * rchar counts too (read family,
					 * stdio, copies; not recv) */
	int64_t traced_wchar;		/* and that wchar counts */
	uint64_t processes;		/* the total: how many it sums */
	uint64_t no_kernel;		/* the total: selected processes
					 * whose counters are unknown */
};

/* What a process (or an executable's processes) did to a file. */
enum keke_report_role {
	KEKE_ROLE_READ = 1,		/* read, or opened to read */
	KEKE_ROLE_WROTE = 2,		/* written, or opened to write */
	KEKE_ROLE_CREATED = 4,
	KEKE_ROLE_REMOVED = 8,		/* unlinked or renamed away */
	KEKE_ROLE_MISSING = 16,		/* looked for and not there */
	KEKE_ROLE_PROBED = 32,		/* only looked at (stat...) */
};

/* One file of the files view: file_access's row of one process, or the
 * rows of one path summed over an executable's processes. */
struct keke_report_file {
	char *path;
	unsigned roles;			/* KEKE_ROLE_* */
	int64_t read_bytes, write_bytes;
	uint64_t opened, created, deleted, probed_missing, calls;
	char *renamed_to;		/* where it went last, or NULL */
	uint64_t processes;		/* that worked on it */
	int64_t time_ns;		/* in calls on it */
	int64_t first_ns, last_ns;	/* from the process's start: its
					 * first call's start, last one's
					 * end (earliest and latest) */
};

/* The files of one executable, or of one process. */
struct keke_report_files {
	char *name;			/* the executable, or process name */
	int pid;			/* the process's; 0: an executable */
	char *cmdline;			/* the process's; NULL otherwise */
	int64_t start_ns;		/* the process's start; 0 otherwise */
	uint64_t processes;		/* with rows in file_access */
	struct keke_report_file *files;	/* by path */
	size_t nfiles;
	uint64_t nread, nwritten, ncreated, nremoved, nmissing; /* files */
	int64_t other_read_bytes;	/* from sockets, pipes, unnamed fds */
	int64_t other_write_bytes;
};

/* One line of the process tree: one process, or same-name siblings
 * folded together (count > 1) along with their subtrees. */
struct keke_report_node {
	char *name;
	unsigned depth;			/* 0 for a root */
	uint64_t count;			/* processes in this line */
	int pid;			/* the first one's */
	int64_t start_ns;		/* the first one's start */
	int64_t total_ns;		/* wall time, summed */
	int64_t p50_ns;			/* median wall time */
	int64_t max_ns;			/* longest wall time */
	uint64_t failed;		/* exit code != 0, or killed */
	bool has_status;		/* count == 1: it exited with */
	int exit_code;			/* this code, or */
	int signal;			/* was killed by this signal */
};

/* One step of an average trace: the nth call of that name in a process. */
struct keke_report_step {
	char *name;
	unsigned nth;			/* 1: its first call */
	uint64_t processes;		/* that made it */
	int64_t offset[KEKE_NPCT];	/* from the process's start */
	int64_t dur_p50;
};

/* The average trace of one executable. */
struct keke_report_trace {
	char *exe;
	uint64_t processes;
	struct keke_report_step *steps;	/* by median offset */
	size_t nsteps;
	size_t more;			/* steps not shown */
};

struct keke_timeline;			/* report/timeline.h */

struct keke_report {
	/* The trace. */
	char *db;
	char *trace_id;
	char *host;
	bool have_wall;			/* realtime_offset_ns is known */
	int64_t realtime_offset_ns;	/* wall = monotonic + this */
	int64_t start_ns, end_ns;	/* the trace's, monotonic */

	/* The selection (monotonic ns; INT64_MIN / INT64_MAX: open). */
	int64_t now_ns;
	int64_t since_ns, until_ns;
	char *filters;			/* "process=cc call=read" or "" */

	uint64_t nprocesses;		/* selected */
	uint64_t ncalls_total;		/* selected calls */
	uint64_t slices_read;		/* rows of slice read */

	struct keke_report_call *calls;	/* longest total time first */
	size_t ncalls;
	struct keke_report_exe *exes;	/* by total wall time */
	size_t nexes;
	struct keke_report_path *paths_by_time;
	size_t npaths_by_time;
	struct keke_report_path *paths_by_bytes;
	size_t npaths_by_bytes;
	size_t npaths;			/* distinct paths seen */
	struct keke_report_node *tree;	/* in depth-first order */
	size_t ntree;
	size_t tree_more;		/* lines not shown */
	struct keke_report_trace *traces; /* most processes first */
	size_t ntraces;

	/* I/O per process, keke's and the kernel's (the database has the
	 * kernel's counters when has_io). */
	bool has_io;
	struct keke_report_io io_total;
	struct keke_report_io *io;	/* most bytes first */
	size_t nio;
	size_t io_more;			/* processes not shown */

	/* Resources (the database has the process table's usage columns
	 * when has_usage): per executable, most CPU first; the top
	 * processes by CPU and by peak RSS; cpu_count when known, else 0. */
	bool has_usage;
	int64_t cpu_count;
	uint64_t usage_unknown;		/* selected processes whose usage is
					 * unknown */
	struct keke_report_usage *usage;
	size_t nusage;
	struct keke_report_proc_usage *top_cpu;
	size_t ntop_cpu;
	struct keke_report_proc_usage *top_rss;
	size_t ntop_rss;

	/* The critical path (when the database has one, has_path): its
	 * time in the window, each executable's share of it (largest
	 * first), and with --critical-path its segments. */
	bool has_path;
	bool critical_path;		/* --critical-path */
	int64_t path_ns;
	struct keke_report_share *shares;
	size_t nshares;
	struct keke_report_segment *segments;
	size_t nsegments;

	/* --files: per executable (by name), per process (by start). */
	bool files;
	struct keke_report_files *files_by_exe;
	size_t nfiles_by_exe;
	struct keke_report_files *files_by_proc;
	size_t nfiles_by_proc;

	/* The HTML page's timeline and CPU chart. */
	struct keke_timeline *timeline;
};

/*
 * Reads @o->db and computes the report into @r. Returns 0, or -1 with
 * @err (KEKE_REPORT_ERROR_MAX bytes) saying why; @r is then empty. A
 * window or filter that selects nothing is not an error.
 */
int keke_report_load(const struct keke_report_options *o,
		     struct keke_report *r, char *err);

/* Frees what keke_report_load put into @r and empties it. */
void keke_report_free(struct keke_report *r);

/*
 * Writers: each writes the whole report to @f and returns 0, or -1 when
 * writing failed (errno set).
 */
int keke_report_text(FILE *f, const struct keke_report *r);
int keke_report_json(FILE *f, const struct keke_report *r);
/* CSV: every row starts with its table's name ("calls", "bytes",
 * "histogram", "executables", "paths_by_time", "paths_by_bytes", "io",
 * "tree", "steps", "resources", "processes_by_cpu", "processes_by_rss",
 * "critical_path_shares", with --critical-path "critical_path", and with
 * --files "files_by_executable" and "files_by_process"), each table after
 * a header row; @table names the only table to write (its rows without
 * the table column), or NULL for all. */
int keke_report_csv(FILE *f, const struct keke_report *r, const char *table);

/* Whether @table is one of the CSV table names above. */
bool keke_report_csv_table(const char *table);
int keke_report_html(FILE *f, const struct keke_report *r);

/*
 * For `keke run`'s summary (summary.c). Both read the database at
 * @db_path and do nothing when it cannot be read.
 */

/* Writes to @f the five executables of longest total wall time, one line
 * each ("      2.92 s     34x  bash", the name escaped for a terminal),
 * after a header line; nothing when there are none. Then, when the
 * database has them, one line with the three executables of the largest
 * share of the critical path ("cc1 62%, ld 18%, make 9%") and one with
 * the three of the most CPU time. */
void keke_report_top_processes(FILE *f, const char *db_path);

/* Calls @fn once for each distinct program that ran untraced inside the
 * run, other than @skip_exe and those that were traced but could not
 * write their record file: @exe its path, @why the merge's note on it
 * (the "untraced" arg) or NULL. */
void keke_report_untraced(const char *db_path, const char *skip_exe,
			  void (*fn)(void *arg, const char *exe,
				     const char *why),
			  void *arg);

#endif
