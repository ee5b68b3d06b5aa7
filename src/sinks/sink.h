/* SPDX-License-Identifier: MIT */
/*
 * Sinks: where the merge sends a run's processes, threads, slices and flows.
 * Every sink implements the same ops; the merge calls them in this order:
 *
 *	open -> metadata* -> machine* -> (slice_begin | slice | counter | mapping
 *	| frame | callsite | file_access)* -> process* -> thread* -> flow*
 *	-> segment* -> metadata* -> finish
 *
 * (a slice's stack, its callsite, and the frames and mappings that
 * callsite uses, are sent before the slice)
 *
 * (slices of one thread arrive in the order they ended, not sorted by ts,
 * but a slice that can hold others is announced by slice_begin before
 * them; processes, threads and flows come after all slices, when they are
 * known completely). On any failure the merge calls abort instead of finish.
 * A sink writes to a temporary file next to its output and renames it into
 * place in finish, so a failed or interrupted merge leaves no half output.
 *
 * Ops return 0, or -1 after which last_error() says why.
 *
 * Times are CLOCK_MONOTONIC nanoseconds of the traced host; with several
 * machines (hosts, or boots of one host), of the first machine, the
 * others' placed on it by their realtime clocks. Pids and tids are as the
 * traces show them: unique among machines (keke_machine, pid_offset).
 * Ids (upid, utid, slice id, flow id, machine id) start at 1; 0 means
 * "none".
 */
#ifndef KEKE_SINK_H
#define KEKE_SINK_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What a process used (getrusage's figures), in the units its names say.
 * fs_*_blocks are 512-byte blocks the file systems read and wrote for it.
 */
struct keke_rusage {
	int64_t cpu_user_ns, cpu_sys_ns;
	int64_t peak_rss_kb;
	int64_t minor_faults, major_faults;
	int64_t vol_ctx_switches, invol_ctx_switches;
	int64_t fs_read_blocks, fs_write_blocks;
};

struct keke_arg;

/*
 * One boot of one host whose processes the trace holds: its times were
 * moved by shift_ns onto the trace's timeline (the first machine's, whose
 * shift is 0), and pid_offset added to its pids and tids.
 */
struct keke_machine {
	int64_t id;
	const char *name;	/* its host name */
	const char *boot_id;	/* as the kernel writes it; NULL: unknown */
	int64_t realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC */
	int64_t uncertainty_ns;	/* how far that offset may be off */
	int64_t shift_ns;
	int pid_offset;
	uint64_t files;		/* record files from it */
};

struct keke_process {
	int64_t upid;
	int pid;
	int pid_offset;		/* its machine's: pid - pid_offset is its
				 * pid on its own machine, as is ppid */
	int64_t machine_id;	/* 0: not told */
	const char *host;	/* its machine's host name, when the trace
				 * has several machines; else NULL */
	int ppid;
	int64_t parent_upid;	/* 0: its parent was not traced */
	const char *name;	/* basename of the last image's executable */
	const char *cmdline;	/* the last image's argv joined by spaces */
	const char *exe;
	const char *cwd;
	int64_t start_ns;
	int64_t end_ns;
	bool has_exit_code;
	int exit_code;
	int signal;		/* killed by this signal, 0 if not (known) */
	bool killed;		/* no exit record: died without exiting */
	bool untraced;		/* seen only from its parent's side */
	uint64_t dropped;	/* events lost (no space in the trace dir) */
	/* The kernel's I/O counters (/proc/PID/io) at the end of its last
	 * image that recorded them, at io_ts: its children's that it reaped
	 * included, as the kernel counts. */
	bool has_io;
	int64_t io_ts;
	int64_t io_rchar, io_wchar, io_syscr, io_syscw;
	int64_t io_read_bytes, io_write_bytes, io_cancelled_write_bytes;
	/* The bytes of its recorded calls of the kinds the kernel counts in
	 * rchar and wchar (record/call_io.h, KEKE_IO_KERNEL_COUNTED). */
	int64_t traced_rchar, traced_wchar;
	/* What it used, from where (NULL: unknown): "exit", its own
	 * figures at the end of its last image; "wait", its parent's wait
	 * for it, which adds those of the children it reaped. */
	const char *rusage_from;
	struct keke_rusage rusage;
	/* Its args (span_id: its last image's span, 16 hex digits), under
	 * arg_set_id, an id no slice has (0 when nargs is 0). */
	int64_t arg_set_id;
	unsigned nargs;
	const struct keke_arg *args;
};

struct keke_thread {
	int64_t utid;
	int tid;
	int pid_offset;		/* its machine's: tid - pid_offset is its
				 * tid on its own machine */
	int64_t machine_id;	/* 0: not told */
	int64_t upid;
	int pid;
	const char *name;
	int64_t start_ns;
	int64_t end_ns;
	bool is_main_thread;
};

struct keke_arg {
	const char *key;
	bool is_str;
	int64_t i;
	const char *s;		/* bytes, not NUL terminated, any value */
	size_t len;
	/* The integer as a person reads it ("O_WRONLY|O_CREAT", "exited
	 * 3"), display_len bytes of text; NULL when the number is how it
	 * reads best. */
	const char *display;
	size_t display_len;
};

struct keke_slice {
	int64_t id;
	int64_t utid;		/* also its thread_track id */
	int pid;
	int tid;
	int64_t ts_ns;
	int64_t dur_ns;
	const char *category;
	const char *name;
	int depth;
	int64_t parent_id;	/* 0: none */
	bool instant;		/* a point in time: dur_ns is 0 */
	bool flow_end;		/* a flow sent later may start or end here */
	int64_t stack_id;	/* its innermost callsite, 0: no stack */
	const char *stack;	/* the stack as text, one frame a line */
	unsigned nargs;
	const struct keke_arg *args;
};

/* A value of a process's counter, from ts_ns on. */
struct keke_counter {
	int64_t track_id;	/* one per process and name, from 1 */
	bool new_track;		/* the first value of that track */
	int64_t upid;
	int64_t utid;		/* the thread that set it */
	int pid;
	int tid;		/* the thread that set it */
	const char *name;
	int64_t ts_ns;
	int64_t value;
};

struct keke_flow {
	int64_t id;
	int64_t slice_out;
	int64_t slice_in;
	/* Where both ends are, for sinks that place flows by thread/time. */
	int out_pid, out_tid;
	int64_t out_ts_ns;
	int in_pid, in_tid;
	int64_t in_ts_ns;
	const char *category;
	const char *name;
};

/*
 * What one process did to one file (or socket, pipe, unnamed fd), summed
 * over its calls by the merge (merge/access.c). Counts are of calls that
 * succeeded unless said otherwise.
 */
struct keke_file_access {
	int64_t upid;
	const char *path;	/* as the calls named it; "<fd N>": an fd
				 * keke could not name */
	const char *kind;	/* "file", "socket", "pipe", "fd" (unnamed)
				 * or "other" */
	int64_t read_bytes;	/* read from it (and copied out of it) */
	int64_t write_bytes;	/* written to it (and copied into it) */
	uint64_t reads, writes;	/* calls that moved those bytes */
	uint64_t opened;	/* opens of it (exec and dlopen too) */
	uint64_t opened_write;	/* of those, with write access */
	uint64_t created;	/* calls that surely made it (merge/access.c) */
	uint64_t truncated;	/* opens with O_TRUNC, truncate calls */
	uint64_t deleted;	/* unlinked, removed or renamed away */
	uint64_t probed;	/* stat, access, readlink... that found it */
	uint64_t probed_missing; /* calls that failed with ENOENT on it */
	const char *renamed_to;	/* the last name it was renamed to, or NULL */
	const char *renamed_from; /* the last name renamed onto it, or NULL */
	uint64_t calls;		/* all calls on it, failed ones too */
	int64_t dur_ns;		/* their time */
	int64_t first_ts_ns, last_ts_ns; /* the first call's start, the
					 * last one's end */
};

/*
 * One step of the run's critical path (merge/critical_path.c): the chain of
 * processes and waits that its wall time depended on. Segments follow each
 * other in time, from the root's start to its end.
 */
struct keke_segment {
	int64_t id;		/* from 1, in time order */
	int64_t ts_ns, dur_ns;
	int64_t upid;		/* the process the path is in */
	int pid;
	const char *name;	/* that process's name */
	const char *state;	/* "running", "sleeping", "blocked" (in a
				 * call) or "waiting" (on a child the path
				 * cannot follow) */
	const char *call;	/* sleeping, blocked: the call; else NULL */
	int64_t waiting_upid;	/* waiting: the child's row, 0: none */
	int waiting_pid;	/* waiting: the child's pid */
};

/* A loaded file that stack frames point into. */
struct keke_mapping {
	int64_t id;
	const char *name;	/* its path */
	const char *build_id;	/* hex, "" when unknown */
	int64_t start, end;	/* where it was loaded */
	int64_t load_bias;
};

/* A return address in a mapping, symbolized. */
struct keke_frame {
	int64_t id;
	int64_t mapping;
	int64_t rel_pc;		/* from the mapping's load bias */
	const char *name;	/* the function, NULL when unknown */
	const char *source_file;	/* NULL without debug info */
	int line;
};

/* A frame in a call chain: depth 0 is the outermost. */
struct keke_callsite {
	int64_t id;
	int depth;
	int64_t parent_id;	/* 0 at depth 0 */
	int64_t frame_id;
};

struct keke_sink_ops {
	const char *name;
	/* Starts writing @path (through a temporary). NULL + @err on error. */
	void *(*open)(const char *path, char *err);
	/* A fact about the whole trace, such as "trace_id" or "host". */
	int (*metadata)(void *sink, const char *key, const char *str,
			int64_t value);
	/* Optional: one machine of the trace, all before any slice. */
	int (*machine)(void *sink, const struct keke_machine *mc);
	/* Optional: a slice that will hold the thread's next ones begins;
	 * dur_ns, args and stack are not known yet. The slice itself
	 * follows, with the same id, once it ended. */
	int (*slice_begin)(void *sink, const struct keke_slice *s);
	int (*slice)(void *sink, const struct keke_slice *s);
	int (*counter)(void *sink, const struct keke_counter *c);
	int (*mapping)(void *sink, const struct keke_mapping *m);
	int (*frame)(void *sink, const struct keke_frame *f);
	int (*callsite)(void *sink, const struct keke_callsite *c);
	int (*process)(void *sink, const struct keke_process *p);
	int (*thread)(void *sink, const struct keke_thread *t);
	int (*flow)(void *sink, const struct keke_flow *f);
	/* Optional (NULL: the sink has no place for it), sent once a
	 * process's calls are all read. */
	int (*file_access)(void *sink, const struct keke_file_access *a);
	/* Optional, sent after the flows: the critical path in order. */
	int (*segment)(void *sink, const struct keke_segment *s);
	/* Completes the output and renames it into place; frees the sink.
	 * Returns 0, or -1 + @err (the temporary is removed then). */
	int (*finish)(void *sink, char *err);
	/* Removes the temporary and frees the sink. */
	void (*abort)(void *sink);
	/* Optional, for a finish that takes long: once *@flag is non-zero,
	 * finish gives up and fails saying "interrupted". */
	void (*cancel_on)(void *sink, volatile sig_atomic_t *flag);
	/* What the last failing op (returning -1) failed on. */
	const char *(*last_error)(void *sink);
};

extern const struct keke_sink_ops keke_sink_json;
extern const struct keke_sink_ops keke_sink_sqlite;
extern const struct keke_sink_ops keke_sink_perfetto;

#define KEKE_SINK_ERROR_MAX 512

/* The pid a trace writes for a missing one (0 or negative): above any pid
 * Linux hands out (PID_MAX_LIMIT is 2^22), so it names no real process. */
#define KEKE_NO_PID 2147483647
/* The critical path's track: a pid no process has. */
#define KEKE_CRITICAL_PATH_PID 2147483646
/* What sets the pids of one machine apart from the next one's in the
 * traces: the nth machine's (from 0) get n times this added, more than
 * any pid Linux hands out, and readable in decimal. */
#define KEKE_MACHINE_PID_STRIDE 10000000

#endif
