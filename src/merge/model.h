/* SPDX-License-Identifier: MIT */
/*
 * The merge's model of a run, which all its parts share: the record files,
 * the processes, threads and flows found in them so far, the outputs being
 * written, and the helpers that grow and look them up (model.c). The parts
 * (files.c, clocks.c, image.c, calls.c, fds.c and its fd_*.c, access.c,
 * kernel_io.c, stacks.c, user.c, tree.c) work on it; merge.c drives them.
 */
#ifndef KEKE_MERGE_MODEL_H
#define KEKE_MERGE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/idmap.h"
#include "merge/merge.h"
#include "merge/usage.h"
#include "record/reader.h"
#include "record/record.h"
#include "sinks/sink.h"

struct file_info {
	char *path;		/* the dir's path, '/', name: for messages */
	const char *name;	/* in path: opened relative to the dir's fd */
	size_t dir;
	struct keke_file_header hdr;
	double ns_per_tick;
	uint64_t size;		/* bytes, for the merge's progress */
	size_t machine;		/* index in merge.machines (machines.c) */
	int64_t shift_ns;	/* its machine's: added to its CLOCK_MONOTONIC
				 * ns to place them on the trace's timeline */
};

/*
 * The files of one boot of one host (one host name and boot id; files
 * without a boot id, of older versions, by host name alone): one
 * CLOCK_MONOTONIC, and one pid namespace as far as keke can tell.
 */
struct machine {
	int64_t id;		/* from 1: the reference machine, then by
				 * their first files' realtime */
	char host[KEKE_HOST_MAX];
	uint8_t boot_id[16];	/* zeros: unknown */
	int64_t realtime_offset_ns;	/* CLOCK_REALTIME - CLOCK_MONOTONIC,
					 * the median of its files' */
	int64_t uncertainty_ns;	/* how far that offset may be off: the
				 * spread of its files' offsets, and the
				 * gap between the two clock reads */
	int64_t shift_ns;	/* its offset less the reference's */
	int pid_base;		/* added to its pids and tids in the traces */
	size_t nfiles;
	uint64_t first_realtime_ns;	/* of its earliest file */
};

struct proc {
	int64_t upid;
	size_t dir;
	int pid, ppid;
	int pid_base;		/* its machine's (struct machine) */
	char *name, *cmdline, *exe, *cwd;
	int64_t start_ns, end_ns;
	bool has_exit_code;
	int exit_code;
	int signal;
	bool last_image_exited;	/* its last image wrote an exit record */
	bool exited_by_wait;	/* a wait saw it exit (its record was lost) */
	bool untraced;		/* its last image ran untraced (exec'd into
				 * a program ld.so would not preload into) */
	uint64_t last_exec_flow; /* of its last image's successful exec */
	uint64_t first_flow_in;	/* that led to its first image */
	int64_t first_slice;	/* its first image's slice */
	int64_t parent_upid;	/* known from a flow, else 0 */
	uint64_t dropped;
	/* kernel_io.c: the kernel's I/O counters (keys.def, RCHAR and the
	 * six after it) at the last image end that told them, at io_ts */
	bool has_io;
	int64_t io_ts, io[7];
	int64_t traced_rchar, traced_wchar;	/* access.c */
	/* usage.c: the figures of its latest image that told them; whether
	 * its last image told them at its exit; what its row shows */
	struct usage own_usage, usage;
	bool usage_at_exit;
	const char *usage_from;	/* "exit", "wait" or NULL: unknown */
	char span_id[17];	/* its last image's span (16 hex), or "" */
	struct fd_table *fds;	/* while its files are read (fds.c) */
};

struct span;

struct thr {
	int64_t utid;
	int tid;
	int pid_base;		/* its process's */
	size_t proc;		/* index in merge.procs */
	char *name;
	int64_t start_ns, end_ns;
	struct span *spans;	/* user spans open in the current image */
	unsigned nspans, spans_cap;
	unsigned lost_spans;	/* begun past the depth cap: ends ignored */
};

struct flow_end {
	int64_t slice;
	int pid, tid;		/* as the traces show them (merge_shown_pid) */
	int64_t ts_ns;
};

/* A link between slices; for process links, what the source started. */
struct flow {
	uint64_t id;
	struct flow_end out, in;
	const char *category;
	unsigned call;		/* the source slice's call id */
	size_t out_proc;	/* index in merge.procs of the source */
	int child_pid;		/* fork, spawn: the child; exec: the pid */
	bool vfork;		/* a vfork: its child shared its memory */
	bool no_room;		/* its child ran without keke's variables,
				 * for want of room (KEKE_RECF_UNTRACED) */
	char *path;		/* exec, spawn: the program */
	char *argv;		/* and its arguments, NUL separated */
	size_t argv_len;
	int64_t out_end_ns;	/* end of the source slice */
};

/* A child reaped by a wait call. */
struct reaped {
	size_t dir;
	int pid;
	int status;
	int64_t ts_ns;		/* when the wait returned */
	struct usage usage;	/* what the child used, as wait4 told */
};

/* A fork child that exec'd before recording anything, and so made no
 * file, told of by the image it exec'd into (record.h, prelude_flow_in).
 * Its slices wait for merge_tree, which knows its parent by then. */
struct prelude {
	size_t proc;
	int64_t image_slice, exec_slice;	/* their ids */
	uint64_t exec_flow;
	int64_t start_ns, exec_ns, end_ns;	/* end: the new image starts */
	char *path;		/* the program exec'd */
	char *argv;		/* its arguments, NUL separated */
	size_t argv_len;
	bool sent;		/* its slices went to the sinks */
};

/* A note a process image left in place of the record file it could not
 * make (record.h, KEKE_NOTE_SUFFIX). */
struct note {
	size_t dir;
	int pid, ppid;		/* ppid 0: not told */
	uint64_t stamp;		/* CLOCK_MONOTONIC ns it tried at */
	int err;		/* what stopped it */
	char name[17];		/* comm; "" when not told */
	bool used;		/* told on an image already */
};

/* A system() or popen() slice: the shell it started has no flow of its
 * own and gets linked to it. */
struct shell_call {
	size_t proc;
	struct flow_end at;
};

struct merge {
	const struct keke_merge_options *o;
	struct keke_merge_stats *stats;
	char *err;
	/* the outputs: the sinks still writing, and what became of each */
	const struct keke_sink_ops *ops[2];
	void *sinks[2];
	struct keke_merge_output *outs[2];
	size_t nsinks;
	size_t nopened;		/* sinks opened, dropped ones included */
	/* the run */
	int *dirfds;			/* of o->dirs, held while merging */
	struct file_info *files;
	size_t nfiles;
	struct machine *machines;	/* machines.c */
	size_t nmachines;
	size_t *dir_machine;		/* of each dir: its earliest file's */
	struct proc *procs;
	size_t nprocs;
	struct thr *thrs;
	size_t nthrs;
	struct idmap thr_index;		/* upid << 32 | tid -> thr index */
	struct flow *flows;
	size_t nflows;
	struct idmap flow_index;	/* flow id -> flow index */
	struct reaped *reaped;
	size_t nreaped;
	struct note *notes;
	size_t nnotes;
	struct shell_call *shells;
	size_t nshells;
	struct prelude *preludes;
	size_t npreludes;
	struct idmap counter_tracks;	/* hash of upid, name -> track id */
	int64_t ncounter_tracks;
	struct stack_tables *stacks;	/* stacks.c; NULL until used */
	struct access_table *access;	/* access.c: of the process being
					 * read; NULL until used */
	struct fd_hands *fd_hands;	/* fd_hands.c; NULL until used */
	struct critical *critical;	/* critical_path.c; NULL until used */
	uint64_t fd_anon_no;		/* the last pipe or socket numbered */
	int64_t next_slice_id;
	int64_t cpu_count;		/* CPUs the root may use; 0: unknown */
	/* trace_context.c: the file of the image that continued a span
	 * from outside the run (NULL: none), and the TRACESTATE it told */
	const struct file_info *context_file;
	char *trace_state;
	/* progress */
	uint64_t started_ns, last_progress_ns;
	bool progress_shown;
};

/* What one file (one process image) adds up to. */
struct image {
	const struct file_info *file;
	const struct file_info *next;	/* the pid's next file, if any */
	size_t proc;
	int64_t slice_id;	/* of the slice spanning the image */
	bool announced;		/* that slice went to slice_begin */
	int64_t start_ns, end_ns;
	bool exited, has_status;
	int status;
	struct usage usage;	/* told at its end (usage.c) */
	char *exe, *cwd, *argv, *env;
	char *exec_path;	/* of the fork child that handed over */
	char span_id[17];	/* its span (16 hex), or "" */
	size_t argv_len, env_len;
	struct idmap threads;	/* tid -> thr index */
	struct image_stacks *stacks;	/* stacks.c; NULL until used */
	struct fd_image *fds;	/* fds.c, while its records are read */
};

/* @array resized to @n elements of @size bytes; out of memory aborts. */
void *merge_grow(void *array, size_t n, size_t size);

/* Copies @n bytes (which may hold NULs) and adds a NUL. */
char *merge_memdup(const char *s, size_t n);

/* A copy of the string field @key of @rec (merge_memdup), its length in
 * *len when @len is not NULL; NULL (length 0) when it has none. */
char *merge_field_dup(const struct keke_record *rec, unsigned key,
		      size_t *len);

/* Fails the merge: says why in m->err. Returns -1. */
int merge_fail(struct merge *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reports one damaged place (options.on_damage) and counts it. */
void merge_damage(struct merge *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Gives up sink @i, which failed: its output is not written, for the
 * reason its last_error gives, and the other outputs go on. Returns 0, or
 * -1 (merge_fail) when no sink is left. */
int merge_drop_sink(struct merge *m, size_t i);

/* Calls @op on every sink that has it. A sink that fails is dropped: its output is
 * lost, the others are still written. Fails when no sink is left. */
#define EACH_SINK(m, op, ...)                                               \
	({                                                                  \
		int rc_ = 0;                                                \
		for (size_t i_ = 0; i_ < (m)->nsinks;)                      \
			if ((m)->ops[i_]->op &&                             \
			    (m)->ops[i_]->op((m)->sinks[i_], __VA_ARGS__))  \
				rc_ = merge_drop_sink((m), i_);             \
			else                                                \
				i_++;                                       \
		rc_;                                                        \
	})

/* The machine of dir @dir (machines.c), NULL before they are found. */
static inline const struct machine *merge_dir_machine(const struct merge *m,
						      size_t dir)
{
	return m->nmachines ? &m->machines[m->dir_machine[dir]] : NULL;
}

/* The shift of dir @dir's machine (0 for a dir without files). */
static inline int64_t merge_dir_shift(const struct merge *m, size_t dir)
{
	const struct machine *mc = merge_dir_machine(m, dir);

	return mc ? mc->shift_ns : 0;
}

/* @pid of a process whose machine's pid_base is @base, as the traces
 * show it: unique among machines. A missing pid (0 or less) stays so. */
static inline int merge_shown_pid(int base, int pid)
{
	return pid > 0 ? pid + base : pid;
}

/* A slice @id of the main thread @t (whose tid is its pid), from @ts_ns
 * for @dur_ns; the caller names it and gives its args. */
struct keke_slice merge_main_slice(const struct thr *t, int64_t id,
				   int64_t ts_ns, int64_t dur_ns);

/* Counts slice @s and sends it to every sink (EACH_SINK). */
int merge_send_slice(struct merge *m, const struct keke_slice *s);

/* The flow with @id, made when new. */
struct flow *merge_flow(struct merge *m, uint64_t id);

/*
 * @ts_ns, or just after the start of the slice that flow @id leaves when
 * that is later: a child does not start before the call that made it,
 * though two files' clocks can say so by a few nanoseconds.
 */
int64_t merge_after_flow_out(struct merge *m, uint64_t id, int64_t ts_ns);

/* The thread @tid of process @proc, made when new; widened to @ts. */
struct thr *merge_thread(struct merge *m, size_t proc, int tid, int64_t ts);

/* A new process row for @pid in @dir, starting at @start_ns. */
size_t merge_new_proc(struct merge *m, size_t dir, int pid, int ppid,
		      int64_t start_ns);

/* The indexes of the processes, sorted by dir, pid and start (malloc'd),
 * for merge_proc_at. */
size_t *merge_procs_by_pid(const struct merge *m);

/* In @order (merge_procs_by_pid), the process @pid of @dir that started
 * last by @ts; SIZE_MAX when none did. */
size_t merge_proc_at(const struct merge *m, const size_t *order, size_t dir,
		     int pid, int64_t ts);

/* The last path component of @path; "" for NULL. */
const char *merge_basename(const char *path);

/* Fills @args (3 at most) with what names a process image: its cmdline,
 * and its exe and cwd when known. Returns how many. */
unsigned merge_process_args(struct keke_arg *args, const char *cmdline,
			    const char *exe, const char *cwd);

/* argv's NUL-separated arguments joined by spaces (malloc'd). */
char *merge_argv_line(const char *argv, size_t len);

#endif
