/* SPDX-License-Identifier: MIT */
/*
 * What the parts of the report share. load.c opens the database, resolves
 * the window and drives the others, which it calls and which never call
 * it: procs.c loads the processes and threads and makes the
 * per-executable table and the tree; scan.c streams every slice with its
 * args (args.c reads them ahead); paths.c names the file or peer a call
 * worked on; calls.c, paths.c and steps.c gather their statistics from
 * the selected calls; io.c sets each process's bytes beside the kernel's
 * count, usage.c makes the resource tables, and files.c makes the files
 * view, all from the process and file_access tables; critical.c reads
 * the critical path, timeline.c what the HTML page's timeline draws.
 * Below them all, context.c says why something failed and whether the
 * database has a column, and strtab.c interns strings.
 */
#ifndef KEKE_REPORT_CONTEXT_H
#define KEKE_REPORT_CONTEXT_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/idmap.h"
#include "common/progress.h"
#include "report/report.h"
#include "report/stats.h"
#include "sinks/schema.h"

#define RP_NONE SIZE_MAX		/* no index */
#define RP_STR_MAX 4096			/* path and addr bytes kept */

/*
 * A bijective mix of @x (splitmix64's finalizer), for idmap keys made of
 * two fields (a << 32 | b): idmap hashes the low bits well, the high ones
 * barely.
 */
static inline uint64_t rp_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/* strtab.c: interned strings with dense ids from 0. */
struct rp_strtab {
	char **str;
	size_t n, cap;
	uint32_t *slot;			/* id + 1; 0 marks a free slot */
	size_t nslot;			/* a power of two, or 0 */
};

/*
 * The id of the @len bytes at @s in @t, added when new. Returns 0, or -1
 * when out of memory.
 */
int rp_intern(struct rp_strtab *t, const char *s, size_t len, uint32_t *id);
void rp_strtab_free(struct rp_strtab *t);

/* A process of the database. */
struct rp_proc {
	int64_t upid;
	int pid;
	uint32_t name;			/* in rp_ctx.exe_names */
	int64_t start_ns, end_ns;
	int64_t parent_upid;		/* 0: none */
	bool has_exit;
	int exit_code;
	int signal;			/* 0: none */
	bool untraced;
	bool selected;
};

/* The string args the report reads: their index in rp_slice.str. */
enum { RP_PATH, RP_ADDR, RP_PATH_IN, RP_NSTR };

/* What an arg set says that the report uses, as the scan's cache and the
 * readers ahead keep it; its strings are kept beside it. */
struct rp_argset {
	int64_t fd, fd_in, result, count;
	uint16_t len[RP_NSTR];		/* of each string it has */
	bool has_fd, has_fd_in, has_result, has_count, failed;
	bool has[RP_NSTR];
};

/* One slice as the scan gives it, with what its args say. */
struct rp_slice {
	int64_t id, ts, dur, parent_id, track;
	int depth;
	const char *name, *category;
	uint32_t name_id;		/* in rp_ctx.names */
	unsigned io;			/* record/call_io.h bits of its name */
	size_t proc;			/* in rp_ctx.procs, or RP_NONE */
	bool main_thread;
	bool image;			/* spans a process image */
	struct rp_argset a;		/* what its args say */
	const char *str[RP_NSTR];	/* its path, addr and path_in args
					 * (a.len[i] bytes), or NULL */
};

/* Room for the strings of the slice being read. */
struct rp_arg_text {
	char str[RP_NSTR][RP_STR_MAX + 1];
};

struct rp_calls;
struct rp_paths;
struct rp_steps;

struct rp_ctx {
	const struct keke_report_options *o;
	struct keke_report *r;
	sqlite3 *db;
	char *err;			/* KEKE_REPORT_ERROR_MAX bytes */
	unsigned top, steps;

	struct rp_proc *procs;
	size_t nprocs;
	struct idmap upid_ix;		/* upid -> index in procs */
	struct idmap utid_ix;		/* utid -> index << 1 | is_main */
	struct rp_strtab exe_names;
	struct rp_strtab names;		/* of the slices */
	uint8_t *kinds;			/* by name id: call_io.h bits */
	size_t kinds_cap;

	struct rp_calls *calls;
	struct rp_paths *paths;
	struct rp_steps *steps_st;

	struct keke_progress progress;	/* on stderr, if o->progress */
};

/* context.c: formats an error into c->err. Returns -1. */
int rp_fail(struct rp_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* "out of memory" into c->err. Returns -1. */
int rp_oom(struct rp_ctx *c);
/* SQLite's message about @what into c->err. Returns -1. */
int rp_sql_fail(struct rp_ctx *c, const char *what);

/* context.c: whether the database has @table with the column @column
 * (one written by an older keke may not). */
bool rp_has_column(struct rp_ctx *c, const char *table, const char *column);

/*
 * SQL (usage.c, summary.c; the database must have the usage columns):
 * each row of the process table with what it used: upid, name,
 * rusage_from, rss_kb (peak RSS) and cpu_ns (user + system), NULL when
 * unknown. The merge has already taken off a figure from a parent's wait
 * those of the children the process reaped.
 */
#define RP_USAGE_SQL							\
	"SELECT upid, name, rusage_from, peak_rss_kb AS rss_kb,"	\
	" cpu_user_ns + cpu_sys_ns AS cpu_ns FROM " KEKE_DB_PROCESS

/*
 * context.c: the array @v of *@cap items of @size bytes, grown (doubling
 * from @first items) so that index @id fits, the new items zeroed; *@cap
 * updated. Returns it, or NULL when out of memory (@v unchanged).
 */
void *rp_grow_zeroed(void *v, size_t *cap, size_t id, size_t size,
		     size_t first);

/*
 * context.c: takes the arg @key into @a when it is one the report uses:
 * an int arg's value @i (when @is_int), an errno. Returns the index in
 * rp_slice.str of a string arg it uses (whose text the caller keeps, and
 * sets a->has and a->len of), else -1.
 */
int rp_argset_take(struct rp_argset *a, const char *key, bool is_int,
		   int64_t i);

/* context.c: what @a says into @s, its strings (a->len[i] bytes at
 * @text[i], for those it has) copied into @buf. */
void rp_argset_apply(const struct rp_argset *a,
		     const char *const text[RP_NSTR], struct rp_arg_text *buf,
		     struct rp_slice *s);

/* context.c: the bytes slice @s moved (record/call_io.h), or -1 when it
 * moved none: its name moves none, it failed, or it has no result. */
int64_t rp_slice_bytes(const struct rp_slice *s);

/* procs.c */
int rp_procs_load(struct rp_ctx *c);
/* True when the slice's process is selected (or filters allow none). */
bool rp_proc_selected(const struct rp_ctx *c, size_t proc);
int rp_exes_finish(struct rp_ctx *c);
int rp_tree_finish(struct rp_ctx *c);
/* The nearest selected ancestor of process @i, or RP_NONE. */
size_t rp_selected_parent(const struct rp_ctx *c, size_t i);
/* Sorts the @n process indices at @v by start time, then upid. */
void rp_sort_by_start(struct rp_ctx *c, size_t *v, size_t n);
void rp_procs_free(struct rp_ctx *c);

/* scan.c: calls @fn for every slice that starts in the window and
 * belongs to a selected process (or to no known one when nothing filters
 * processes), in an order in which each thread's calls come in time
 * order. */
int rp_scan(struct rp_ctx *c,
	    int (*fn)(struct rp_ctx *c, const struct rp_slice *s));

/* args.c: the args of a full scan, read ahead by threads. */
struct rp_args;
/* Starts reading (*@a NULL: no thread to spare, or no args). Returns 0,
 * or -1 (c->err set; *@a, if set, must still be stopped). */
int rp_args_start(struct rp_ctx *c, struct rp_args **a);
/* What set @set says, into @s; sets must be asked in ascending order.
 * Returns 0, or -1 when reading failed (c->err set). */
int rp_args_get(struct rp_ctx *c, struct rp_args *a, int64_t set,
		struct rp_slice *s);
/* Stops the threads and frees @a (NULL is fine). */
void rp_args_stop(struct rp_args *a);

/* calls.c */
/* The id of slice name @name (@len bytes) in c->names, with its kind in
 * c->kinds. Returns 0, or -1 when out of memory (c->err set). */
int rp_name(struct rp_ctx *c, const char *name, size_t len, uint32_t *id);
int rp_calls_init(struct rp_ctx *c);
/* Takes one call (selected). */
int rp_calls_add(struct rp_ctx *c, const struct rp_slice *s);
/* Notes the time of any slice nested in a call, for self times. */
int rp_calls_nested(struct rp_ctx *c, const struct rp_slice *s);
int rp_calls_finish(struct rp_ctx *c);
void rp_calls_free(struct rp_ctx *c);

/* paths.c */
int rp_paths_init(struct rp_ctx *c);
/*
 * The id of what @s worked on through its arg @which: RP_PATH (the path,
 * else the peer address, else "<fd N>" for an fd the merge could not
 * name) or RP_PATH_IN (a copy's source, else "<fd N>" of its fd_in).
 * Returns -1 when it names none, or -2 when out of memory (c->err set).
 */
int64_t rp_path_of(struct rp_ctx *c, const struct rp_slice *s, int which);
/* The path of id @id. */
const char *rp_path_str(const struct rp_ctx *c, int64_t id);
/* Takes one call (selected) that worked on path @id, and on @in_id (a
 * copy's source; -1: none). */
int rp_paths_add(struct rp_ctx *c, const struct rp_slice *s, int64_t id,
		 int64_t in_id);
int rp_paths_finish(struct rp_ctx *c);
void rp_paths_free(struct rp_ctx *c);

/* What keke's calls of one process read and wrote, files and sockets. */
struct rp_bytes {
	int64_t read, write;
};

/* io.c: the bytes of each process (file_access, summed) into @v, by
 * index in c->procs. Returns 1, 0 when the database has no file_access,
 * or -1 on error (c->err set). */
int rp_io_bytes(struct rp_ctx *c, struct rp_bytes *v);
/* io.c: the I/O table (keke's bytes and the kernel's per process). */
int rp_io_finish(struct rp_ctx *c);

/* usage.c: the resource tables, when the database has usage columns. */
int rp_usage_finish(struct rp_ctx *c);

/* critical.c: the critical path's shares and (--critical-path) its
 * segments, when the database has a critical path. */
int rp_path_finish(struct rp_ctx *c);

/* files.c: the files view (--files), from the file_access table. */
int rp_files_finish(struct rp_ctx *c);

/* steps.c */
int rp_steps_init(struct rp_ctx *c);
int rp_steps_add(struct rp_ctx *c, const struct rp_slice *s);
int rp_steps_finish(struct rp_ctx *c);
void rp_steps_free(struct rp_ctx *c);

#endif
