// SPDX-License-Identifier: MIT
/*
 * file_access as the merge builds it from a process's calls
 * (merge/access.c): the bytes each call moves, on the row of the path
 * the call or the merge named (a copy on both of its rows, an fd nobody
 * named as "<fd N>"); what opens, probes, unlinks, renames and links did
 * to each path; which bytes the kernel counts too; and a process's rows
 * sent once the calls of another begin. Calls are fed as the merge hands
 * them over: a record and the slice with its args.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge/access.h"

/* The rows the sink got, copied. */
static struct keke_file_access got[64];
static size_t ngot;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* Rows counted only, each checked to be of two stat calls. */
static bool count_only;
static size_t ncounted;

static int take_row(void *sink, const struct keke_file_access *a)
{
	(void)sink;
	if (count_only) {
		cr_assert(a->calls == 2 && a->probed == 2, "%s: %llu calls",
			  a->path, (unsigned long long)a->calls);
		ncounted++;
		return 0;
	}
	cr_assert_lt(ngot, 64);
	got[ngot] = *a;
	got[ngot].path = strdup(a->path);
	got[ngot].kind = strdup(a->kind);
	got[ngot].renamed_to = dup_or_null(a->renamed_to);
	got[ngot].renamed_from = dup_or_null(a->renamed_from);
	ngot++;
	return 0;
}

static const struct keke_sink_ops rows_sink = {
	.name = "rows",
	.file_access = take_row,
};

static struct proc procs[2] = { { .upid = 7 }, { .upid = 8 } };
static struct merge m;
static struct image im;

static void setup(void)
{
	memset(&m, 0, sizeof(m));
	memset(procs, 0, sizeof(procs));
	procs[0].upid = 7;
	procs[1].upid = 8;
	m.procs = procs;
	m.nprocs = 2;
	m.ops[0] = &rows_sink;
	m.nsinks = 1;
	im = (struct image){ .proc = 0 };
	ngot = 0;
	count_only = false;
	ncounted = 0;
}

static void teardown(void)
{
	merge_access_free(&m);
	for (size_t i = 0; i < ngot; i++) {
		free((char *)got[i].path);
		free((char *)got[i].kind);
		free((char *)got[i].renamed_to);
		free((char *)got[i].renamed_from);
	}
}

/* One call as the merge hands it over. */
struct call {
	unsigned call, err;
	int64_t fd, fd_in, result, count, flags;
	bool has_fd, has_fd_in, has_result, has_count, has_flags;
	const char *path;	/* its own PATH field (and "path" arg) */
	const char *fd_path;	/* the merge's name of its fd ("path") */
	const char *path_in;	/* the merge's name of its fd_in */
	const char *new_path;	/* its own NEW_PATH field */
	const char *mode;	/* fopen's mode string */
	const char *addr;
};

/* Hands @c over, at @ts for 10 ns. */
static void feed(struct call c, int64_t ts)
{
	struct keke_record rec = { .type = KEKE_REC_SLICE, .name = c.call,
				   .err = c.err };
	struct keke_arg args[8];
	unsigned nargs = 0;
	const struct {
		unsigned key;
		bool has;
		int64_t v;
	} ints[] = {
		{ KEKE_KEY_FD, c.has_fd, c.fd },
		{ KEKE_KEY_FD_IN, c.has_fd_in, c.fd_in },
		{ KEKE_KEY_RESULT, c.has_result, c.result },
		{ KEKE_KEY_COUNT, c.has_count, c.count },
		{ KEKE_KEY_FLAGS, c.has_flags, c.flags },
	};
	const struct {
		unsigned key;	/* 0: an arg only */
		const char *arg, *s;
	} strs[] = {
		{ KEKE_KEY_PATH, "path", c.path },
		{ 0, "path", c.fd_path },
		{ 0, "path_in", c.path_in },
		{ KEKE_KEY_NEW_PATH, "new_path", c.new_path },
		{ KEKE_KEY_MODE, "mode", c.mode },
		{ KEKE_KEY_ADDR, "addr", c.addr },
	};

	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (ints[i].has)
			rec.fields[rec.nfields++] = (struct keke_field){
				.key = (uint8_t)ints[i].key, .i = ints[i].v };
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (!strs[i].s)
			continue;
		if (strs[i].key)
			rec.fields[rec.nfields++] = (struct keke_field){
				.key = (uint8_t)strs[i].key, .is_str = true,
				.s = strs[i].s,
				.len = (uint32_t)strlen(strs[i].s) };
		args[nargs++] = (struct keke_arg){
			.key = strs[i].arg, .is_str = true, .s = strs[i].s,
			.len = strlen(strs[i].s) };
	}
	struct keke_slice s = { .ts_ns = ts, .dur_ns = 10, .nargs = nargs,
				.args = args };

	cr_assert_eq(merge_access_call(&m, &im, &rec, &s), 0);
}

/* A call with the fields given: CALL(.call = ..., FD(3), RESULT(10)). */
#define CALL(...) ((struct call){ __VA_ARGS__ })
#define FD(v) .fd = (v), .has_fd = true
#define FD_IN(v) .fd_in = (v), .has_fd_in = true
#define RESULT(v) .result = (v), .has_result = true
#define COUNT(v) .count = (v), .has_count = true
#define FLAGS(v) .flags = (v), .has_flags = true

static const struct keke_file_access *row(const char *path)
{
	for (size_t i = 0; i < ngot; i++)
		if (!strcmp(got[i].path, path))
			return &got[i];
	cr_assert_fail("no row for %s", path);
	return NULL;
}

TestSuite(access, .init = setup, .fini = teardown);

Test(access, bytes_go_where_the_calls_say)
{
	int64_t t = 1000;

	feed(CALL(.call = KEKE_CALL_OPEN, .path = "/d/in", FLAGS(O_RDONLY),
		  RESULT(3)), t += 100);
	feed(CALL(.call = KEKE_CALL_READ, FD(3), .fd_path = "/d/in",
		  RESULT(100)), t += 100);
	feed(CALL(.call = KEKE_CALL_READ, FD(3), .fd_path = "/d/in",
		  RESULT(0)), t += 100);
	feed(CALL(.call = KEKE_CALL_READ, FD(3), .fd_path = "/d/in",
		  RESULT(-1), .err = EINTR), t += 100);
	feed(CALL(.call = KEKE_CALL_FREAD, FD(3), .fd_path = "/d/in",
		  RESULT(50)), t += 100);
	feed(CALL(.call = KEKE_CALL_WRITE, FD(1), RESULT(7)), t += 100);
	feed(CALL(.call = KEKE_CALL_RECV, FD(4), .fd_path = "10.0.0.1:80",
		  RESULT(40)), t += 100);
	feed(CALL(.call = KEKE_CALL_SENDMMSG, FD(4),
		  .fd_path = "10.0.0.1:80", COUNT(300), RESULT(2)),
	     t += 100);
	feed(CALL(.call = KEKE_CALL_COPY_FILE_RANGE, FD_IN(3), FD(5),
		  .path_in = "/d/in", .fd_path = "/d/out", RESULT(1000)),
	     t += 100);
	feed(CALL(.call = KEKE_CALL_SPLICE, FD_IN(6), FD(5),
		  .path_in = "pipe:[77]", .fd_path = "/d/out", RESULT(10)),
	     t += 100);
	feed(CALL(.call = KEKE_CALL_SENDFILE, FD_IN(9), FD(1),
		  RESULT(5)), t += 100);
	/* A stream without an fd moves nothing through the kernel. */
	feed(CALL(.call = KEKE_CALL_FWRITE, FD(-1), RESULT(64)),
	     t += 100);
	cr_assert_eq(merge_access_flush(&m), 0);

	cr_assert_eq(ngot, 6, "%zu rows", ngot);
	const struct keke_file_access *in = row("/d/in");
	cr_assert_eq(in->upid, 7);
	cr_assert_str_eq(in->kind, "file");
	cr_assert_eq(in->read_bytes, 100 + 0 + 50 + 1000);
	cr_assert_eq(in->reads, 4, "the EOF read counts, the failed one not");
	cr_assert_eq(in->calls, 6);
	cr_assert_eq(in->opened, 1);
	cr_assert_eq(in->first_ts_ns, 1100);
	cr_assert_eq(in->last_ts_ns, 1900 + 10);
	cr_assert_eq(in->dur_ns, 60);
	const struct keke_file_access *out = row("/d/out");
	cr_assert(out->write_bytes == 1010 && out->writes == 2 &&
		  out->read_bytes == 0);
	cr_assert_str_eq(row("pipe:[77]")->kind, "pipe");
	cr_assert_eq(row("pipe:[77]")->read_bytes, 10);
	const struct keke_file_access *peer = row("10.0.0.1:80");
	cr_assert_str_eq(peer->kind, "socket");
	cr_assert(peer->read_bytes == 40 && peer->write_bytes == 300);
	/* Unnamed fds: stdout, and sendfile's source. */
	cr_assert_str_eq(row("<fd 1>")->kind, "fd");
	cr_assert_eq(row("<fd 1>")->write_bytes, 7 + 5);
	cr_assert_eq(row("<fd 9>")->read_bytes, 5);
	/* rchar: reads, fread, copy_file_range, sendfile; not recv or
	 * splice. wchar: write, the copies' targets; not sendmmsg. */
	cr_assert_eq(procs[0].traced_rchar, 100 + 50 + 1000 + 5);
	cr_assert_eq(procs[0].traced_wchar, 7 + 1000 + 5);
}

Test(access, what_calls_did_to_paths)
{
	int64_t t = 0;

	/* Looked for, then made: created. */
	feed(CALL(.call = KEKE_CALL_STAT, .path = "/d/x", RESULT(-1),
		  .err = ENOENT), t += 100);
	feed(CALL(.call = KEKE_CALL_OPEN, .path = "/d/x",
		  FLAGS(O_WRONLY | O_CREAT | O_TRUNC), RESULT(3)),
	     t += 100);
	/* Known nothing of: may have been there. */
	feed(CALL(.call = KEKE_CALL_OPENAT, .path = "/d/y",
		  FLAGS(O_WRONLY | O_CREAT), RESULT(4)), t += 100);
	feed(CALL(.call = KEKE_CALL_OPEN, .path = "/d/z",
		  FLAGS(O_RDWR | O_CREAT | O_EXCL), RESULT(5)), t += 100);
	feed(CALL(.call = KEKE_CALL_FOPEN, .path = "/d/w", .mode = "w",
		  RESULT(6)), t += 100);
	feed(CALL(.call = KEKE_CALL_FOPEN, .path = "/d/r", .mode = "r",
		  RESULT(7)), t += 100);
	feed(CALL(.call = KEKE_CALL_FOPEN, .path = "/d/new", .mode = "wx",
		  RESULT(8)), t += 100);
	feed(CALL(.call = KEKE_CALL_MKSTEMP, .path = "/d/tmpAB12",
		  RESULT(9)), t += 100);
	/* Gone, renamed, made again. */
	feed(CALL(.call = KEKE_CALL_UNLINK, .path = "/d/x", RESULT(0)),
	     t += 100);
	feed(CALL(.call = KEKE_CALL_CREAT, .path = "/d/x", RESULT(3)),
	     t += 100);
	feed(CALL(.call = KEKE_CALL_RENAME, .path = "/d/z",
		  .new_path = "/d/zz", RESULT(0)), t += 100);
	feed(CALL(.call = KEKE_CALL_LINK, .path = "/d/y", .new_path = "/d/l",
		  RESULT(0)), t += 100);
	feed(CALL(.call = KEKE_CALL_MKDIR, .path = "/d/dir", RESULT(0)),
	     t += 100);
	feed(CALL(.call = KEKE_CALL_ACCESS, .path = "/d/y", RESULT(0)),
	     t += 100);
	feed(CALL(.call = KEKE_CALL_EXEC, .path = "/bin/nope", .err = ENOENT),
	     t += 100);
	feed(CALL(.call = KEKE_CALL_EXEC, .path = "/bin/true"), t += 100);
	feed(CALL(.call = KEKE_CALL_UNLINK, .path = "/d/ro", RESULT(-1),
		  .err = EACCES), t += 100);
	feed(CALL(.call = KEKE_CALL_FTRUNCATE, FD(4), .fd_path = "/d/y",
		  RESULT(0)), t += 100);
	/* An fd call failing with ENOENT says nothing of its file. */
	feed(CALL(.call = KEKE_CALL_FSTAT, FD(4), .fd_path = "/d/y",
		  RESULT(-1), .err = ENOENT), t += 100);
	cr_assert_eq(merge_access_flush(&m), 0);

	const struct keke_file_access *x = row("/d/x");
	cr_assert(x->probed_missing == 1 && x->created == 2 &&
		  x->deleted == 1 && x->opened == 2 && x->opened_write == 2 &&
		  x->truncated == 2, "created %llu deleted %llu",
		  (unsigned long long)x->created,
		  (unsigned long long)x->deleted);
	const struct keke_file_access *y = row("/d/y");
	cr_assert(y->created == 0 && y->opened_write == 1 && y->probed == 1 &&
		  y->truncated == 1 && y->probed_missing == 0);
	cr_assert_eq(row("/d/z")->created, 1);
	cr_assert_eq(row("/d/z")->deleted, 1);
	cr_assert_str_eq(row("/d/z")->renamed_to, "/d/zz");
	cr_assert_str_eq(row("/d/zz")->renamed_from, "/d/z");
	cr_assert(!row("/d/zz")->deleted && !row("/d/zz")->renamed_to);
	cr_assert(row("/d/w")->opened_write == 1 && row("/d/w")->truncated &&
		  !row("/d/w")->created);
	cr_assert(row("/d/r")->opened == 1 && !row("/d/r")->opened_write);
	cr_assert_eq(row("/d/new")->created, 1, "fopen's x is O_EXCL");
	cr_assert_eq(row("/d/tmpAB12")->created, 1);
	cr_assert_eq(row("/d/l")->created, 1);
	cr_assert_eq(row("/d/dir")->created, 1);
	cr_assert_eq(row("/bin/nope")->probed_missing, 1);
	cr_assert(row("/bin/true")->opened == 1 &&
		  !row("/bin/true")->opened_write);
	cr_assert(row("/d/ro")->calls == 1 && !row("/d/ro")->deleted &&
		  !row("/d/ro")->probed_missing);
}

Test(access, rows_go_when_another_process_begins)
{
	feed(CALL(.call = KEKE_CALL_OPEN, .path = "/a", RESULT(3)), 10);
	cr_assert_eq(ngot, 0, "sent before the process was done");
	im.proc = 1;
	feed(CALL(.call = KEKE_CALL_OPEN, .path = "/b", RESULT(3)), 20);
	cr_assert_eq(ngot, 1);
	cr_assert(got[0].upid == 7 && !strcmp(got[0].path, "/a"));
	cr_assert_eq(merge_access_flush(&m), 0);
	cr_assert_eq(ngot, 2);
	cr_assert(got[1].upid == 8 && !strcmp(got[1].path, "/b"));
	cr_assert_eq(merge_access_flush(&m), 0, "nothing left to send");
	cr_assert_eq(ngot, 2);
}

Test(access, many_paths_keep_their_rows)
{
	char path[32];

	/* Enough rows that the table grows many times over, each path
	 * found again after it did. */
	count_only = true;
	for (int i = 0; i < 5000; i++) {
		snprintf(path, sizeof(path), "/many/%d", i % 2500);
		feed(CALL(.call = KEKE_CALL_STAT, .path = path, RESULT(0)),
		     i);
	}
	cr_assert_eq(merge_access_flush(&m), 0);
	cr_assert_eq(ncounted, 2500);
}
