// SPDX-License-Identifier: MIT
/*
 * keke report on a small hand-made database whose every statistic is
 * known: per call (counts, errors, total and self time, percentiles of
 * durations and sizes, log2 histograms), per executable, per path (as
 * the merge names fds), the folded process tree, the average trace; the
 * I/O per process and the files view on a second database; windows
 * (absolute, durations, presets at a fixed --now),
 * the glob filters, each of the three ways the database is read; then the
 * command: text, JSON, CSV, HTML rendered by headless Chromium, errors;
 * and a 100,000-slice database from tests/bench/make_big_db.py checked
 * against SQL.
 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"
#include "sinks/sink.h"

#define S INT64_C(1000000000)
#define T0 (1000 * S)			/* CLOCK_MONOTONIC of 10:00:00 */
#define WALL0 (INT64_C(1795428000) * S)	/* 2026-11-23 10:00:00 UTC */

static char *dir;
static const char *db;

/* The columns the rows below give (the sink may have more). */
#define PROCESS_COLS "upid, pid, name, cmdline, start_ts, end_ts," \
	" parent_upid, exit_code, signal, exe, cwd, killed, untraced, dropped"
#define THREAD_COLS "utid, tid, name, upid, start_ts, end_ts, is_main_thread"
#define SLICE_COLS "id, ts, dur, track_id, category, name, depth," \
	" parent_id, arg_set_id"
#define ARGS_COLS "arg_set_id, flat_key, key, int_value, string_value," \
	" real_value, value_type"

/* The resources and the critical path of the run below. */
#define USAGE_SQL \
	"UPDATE process SET rusage_from = 'exit', cpu_user_ns = 2000000000," \
	" cpu_sys_ns = 1000000000, peak_rss_kb = 10000 WHERE upid = 1;" \
	"UPDATE process SET rusage_from = 'exit', cpu_user_ns = 4000000000," \
	" cpu_sys_ns = 1000000000, peak_rss_kb = 20000 WHERE upid = 2;" \
	"UPDATE process SET rusage_from = 'wait', cpu_user_ns = 5000000000," \
	" cpu_sys_ns = 3000000000, peak_rss_kb = 50000 WHERE upid = 3;" \
	"UPDATE process SET rusage_from = 'wait', cpu_user_ns = 3000000000," \
	" cpu_sys_ns = 1000000000, peak_rss_kb = 40000 WHERE upid = 4;" \
	"UPDATE process SET rusage_from = 'exit', cpu_user_ns = 1000000000," \
	" cpu_sys_ns = 1000000000, peak_rss_kb = 30000 WHERE upid = 5;" \
	"INSERT INTO file_access(upid, path, kind, read_bytes, write_bytes)" \
	" VALUES (2, '/src/a.c', 'file', 1000, 0)," \
	" (5, '/src/a.c', 'file', 500, 0), (3, '/src/b.o', 'file', 0, 200);" \
	"INSERT INTO critical_path(id, ts, dur, upid, state, call," \
	" waiting_upid) VALUES" \
	" (1, 1000000000000,  1000000000, 1, 'running',  NULL, NULL)," \
	" (2, 1001000000000,  1000000000, 1, 'blocked',  'spawn', NULL)," \
	" (3, 1002000000000,  1000000000, 3, 'running',  NULL, NULL)," \
	" (4, 1003000000000,  5000000000, 4, 'running',  NULL, NULL)," \
	" (5, 1008000000000, 14000000000, 3, 'running',  NULL, NULL)," \
	" (6, 1022000000000, 28000000000, 1, 'sleeping', 'nanosleep', NULL)," \
	" (7, 1050000000000, 30000000000, 5, 'running',  NULL, NULL)," \
	" (8, 1080000000000, 10000000000, 1, 'waiting',  NULL, NULL)," \
	" (9, 1090000000000, 10000000000, 1, 'waiting',  NULL, 6);"

/*
 * The run: make (pid 100) starts cc 101, cc 102 and cc 104 and sh 105;
 * cc 102 starts cc1 103, which is killed. Times are offsets from T0.
 *
 *   upid pid name start  end   exit
 *   1    100 make   0 s  100 s 0
 *   2    101 cc     1 s   11 s 0       (and a second thread, utid 7)
 *   3    102 cc     2 s   22 s 1
 *   4    103 cc1    3 s    8 s SIGKILL
 *   5    104 cc    50 s   80 s 0
 *   6    105 sh    90 s   91 s unknown, untraced
 *
 * Calls (ids 10..): see each row. sh makes "one", "two", "tie" and
 * "many" calls whose durations test the percentiles' boundaries.
 *
 * What they used (CPU = user + sys, RSS in kB, file_access bytes):
 *
 *   upid from  cpu            rss    read  written
 *   1    exit  2 + 1 = 3 s    10000
 *   2    exit  4 + 1 = 5 s    20000  1000
 *   3    wait  5 + 3 = 8 s    50000         200    (the merge took cc1's
 *                                                  4 s off the wait's 12)
 *   4    wait  3 + 1 = 4 s    40000
 *   5    exit  1 + 1 = 2 s    30000   500
 *   6    unknown
 *
 * The critical path, 100 s: make runs 1 s, blocks in spawn 1 s; cc 102
 * runs 1 s; cc1 5 s; cc 102 14 s; make sleeps in nanosleep 28 s; cc 104
 * runs 30 s; make waits 10 s on no known child, then 10 s on sh. So make
 * 50 s (5 segments), cc 45 s (3), cc1 5 s (1).
 */
static const char run_sql[] =
	"INSERT INTO process(" PROCESS_COLS ") VALUES"
	" (1, 100, 'make', 'make -j2', 1000000000000, 1100000000000, NULL, 0,"
	"  NULL, '/usr/bin/make', '/src', 0, 0, 0),"
	" (2, 101, 'cc', 'cc a.c', 1001000000000, 1011000000000, 1, 0, NULL,"
	"  '/usr/bin/cc', '/src', 0, 0, 0),"
	" (3, 102, 'cc', 'cc b.c', 1002000000000, 1022000000000, 1, 1, NULL,"
	"  '/usr/bin/cc', '/src', 0, 0, 0),"
	" (4, 103, 'cc1', 'cc1 b.c', 1003000000000, 1008000000000, 3, NULL, 9,"
	"  '/usr/lib/cc1', '/src', 1, 0, 0),"
	" (5, 104, 'cc', 'cc a.c', 1050000000000, 1080000000000, 1, 0, NULL,"
	"  '/usr/bin/cc', '/src', 0, 0, 0),"
	" (6, 105, 'sh', 'sh -c x', 1090000000000, 1091000000000, 1, NULL,"
	"  NULL, '/bin/sh', '/src', 0, 1, 0);"
	"INSERT INTO thread(" THREAD_COLS ") SELECT upid, pid, name, upid,"
	" start_ts, end_ts, 1 FROM process;"
	"INSERT INTO thread(" THREAD_COLS ") VALUES (7, 201, 'worker', 2,"
	" 1001000000000, 1002000000000, 0);"
	"INSERT INTO thread_track(id, utid) SELECT utid, utid FROM thread;"
	/* Image slices. */
	"INSERT INTO slice(" SLICE_COLS ") SELECT upid, start_ts,"
	" end_ts - start_ts, upid, 'process', name, 0, NULL, upid FROM process;"
	"INSERT INTO args(" ARGS_COLS ") VALUES (1, 'cmdline', 'cmdline',"
	" NULL, 'make -j2', NULL, 'string');"
	/* cc 101, from 1001 s: open a.c as fd 3, reads, close, a read of
	 * the closed fd, connect and send on fd 4, a write to stdout; its
	 * worker thread reads fd 3 after the close. The fd calls have the
	 * path the merge names their fd by, but for the closed fd and
	 * stdout. */
	"INSERT INTO slice(" SLICE_COLS ") VALUES"
	" (10, 1001000000100,   50, 2, 'file', 'open',    1, 2, 10),"
	" (11, 1001000000200,  100, 2, 'file', 'read',    1, 2, 11),"
	" (12, 1001000000300,  200, 2, 'file', 'read',    1, 2, 12),"
	" (13, 1001000000400,  300, 2, 'file', 'read',    1, 2, 13),"
	" (14, 1001000000500,  400, 2, 'file', 'read',    1, 2, 14),"
	" (15, 1001000000600,   10, 2, 'file', 'close',   1, 2, 15),"
	" (16, 1001000000700,    5, 2, 'file', 'read',    1, 2, 16),"
	" (17, 1001000000800, 1000, 2, 'net',  'connect', 1, 2, 17),"
	" (18, 1001000000900,   20, 2, 'net',  'send',    1, 2, 18),"
	" (19, 1001000001000,   30, 2, 'file', 'write',   1, 2, 19),"
	" (40, 1001000005000,   70, 7, 'file', 'read',    0, NULL, 40);"
	"INSERT INTO args(" ARGS_COLS ") VALUES"
	" (10, 'path', 'path', NULL, '/src/a.c', NULL, 'string'),"
	" (10, 'result', 'result', 3, NULL, NULL, 'int'),"
	" (11, 'fd', 'fd', 3, NULL, NULL, 'int'),"
	" (11, 'path', 'path', NULL, '/src/a.c', NULL, 'string'),"
	" (11, 'count', 'count', 64, NULL, NULL, 'int'),"
	" (11, 'result', 'result', 10, NULL, NULL, 'int'),"
	" (12, 'fd', 'fd', 3, NULL, NULL, 'int'),"
	" (12, 'path', 'path', NULL, '/src/a.c', NULL, 'string'),"
	" (12, 'result', 'result', 20, NULL, NULL, 'int'),"
	" (13, 'fd', 'fd', 3, NULL, NULL, 'int'),"
	" (13, 'path', 'path', NULL, '/src/a.c', NULL, 'string'),"
	" (13, 'result', 'result', 30, NULL, NULL, 'int'),"
	" (14, 'fd', 'fd', 3, NULL, NULL, 'int'),"
	" (14, 'path', 'path', NULL, '/src/a.c', NULL, 'string'),"
	" (14, 'result', 'result', -1, NULL, NULL, 'int'),"
	" (14, 'errno', 'errno', 4, NULL, NULL, 'int'),"
	" (14, 'error', 'error', NULL, 'EINTR', NULL, 'string'),"
	" (15, 'fd', 'fd', 3, NULL, NULL, 'int'),"
	" (15, 'path', 'path', NULL, '/src/a.c', NULL, 'string'),"
	" (15, 'result', 'result', 0, NULL, NULL, 'int'),"
	" (16, 'fd', 'fd', 3, NULL, NULL, 'int'),"
	" (16, 'result', 'result', 7, NULL, NULL, 'int'),"
	" (17, 'fd', 'fd', 4, NULL, NULL, 'int'),"
	" (17, 'addr', 'addr', NULL, '10.0.0.1:80', NULL, 'string'),"
	" (17, 'result', 'result', 0, NULL, NULL, 'int'),"
	" (18, 'fd', 'fd', 4, NULL, NULL, 'int'),"
	" (18, 'path', 'path', NULL, '10.0.0.1:80', NULL, 'string'),"
	" (18, 'result', 'result', 100, NULL, NULL, 'int'),"
	" (19, 'fd', 'fd', 1, NULL, NULL, 'int'),"
	" (19, 'result', 'result', 5, NULL, NULL, 'int'),"
	" (40, 'fd', 'fd', 3, NULL, NULL, 'int'),"
	" (40, 'result', 'result', 50, NULL, NULL, 'int');"
	/* cc 102, from 1002 s: open b.c as fd 5, a read, a user span
	 * "compile" holding two reads (ids before it, as the merge writes
	 * them), a span "link" holding a write (id after it). */
	"INSERT INTO slice(" SLICE_COLS ") VALUES"
	" (20, 1002000000100,   60, 3, 'file', 'open',    1, 3, 20),"
	" (21, 1002000000200,  100, 3, 'file', 'read',    1, 3, 21),"
	" (23, 1002000000400,  100, 3, 'file', 'read',    2, 25, 23),"
	" (24, 1002000000600,  200, 3, 'file', 'read',    2, 25, 24),"
	" (25, 1002000000300, 1000, 3, 'user', 'compile', 1, 3, NULL),"
	" (26, 1002000002000,  500, 3, 'user', 'link',    1, 3, NULL),"
	" (27, 1002000002100,   50, 3, 'file', 'write',   2, 26, 27);"
	"INSERT INTO args(" ARGS_COLS ") VALUES"
	" (20, 'path', 'path', NULL, '/src/b.c', NULL, 'string'),"
	" (20, 'result', 'result', 5, NULL, NULL, 'int'),"
	" (21, 'fd', 'fd', 5, NULL, NULL, 'int'),"
	" (21, 'path', 'path', NULL, '/src/b.c', NULL, 'string'),"
	" (21, 'result', 'result', 4096, NULL, NULL, 'int'),"
	" (23, 'fd', 'fd', 5, NULL, NULL, 'int'),"
	" (23, 'path', 'path', NULL, '/src/b.c', NULL, 'string'),"
	" (23, 'result', 'result', 100, NULL, NULL, 'int'),"
	" (24, 'fd', 'fd', 5, NULL, NULL, 'int'),"
	" (24, 'path', 'path', NULL, '/src/b.c', NULL, 'string'),"
	" (24, 'result', 'result', 200, NULL, NULL, 'int'),"
	" (27, 'fd', 'fd', 5, NULL, NULL, 'int'),"
	" (27, 'path', 'path', NULL, '/src/b.c', NULL, 'string'),"
	" (27, 'result', 'result', 8, NULL, NULL, 'int');"
	/* cc 104, from 1050 s: open a.c as fd 3, read, close. */
	"INSERT INTO slice(" SLICE_COLS ") VALUES"
	" (30, 1050000000100,   40, 5, 'file', 'open',    1, 5, 30),"
	" (31, 1050000000200,  100, 5, 'file', 'read',    1, 5, 31),"
	" (32, 1050000000300,   10, 5, 'file', 'close',   1, 5, 32);"
	"INSERT INTO args(" ARGS_COLS ") VALUES"
	" (30, 'path', 'path', NULL, '/src/a.c', NULL, 'string'),"
	" (30, 'result', 'result', 3, NULL, NULL, 'int'),"
	" (31, 'fd', 'fd', 3, NULL, NULL, 'int'),"
	" (31, 'path', 'path', NULL, '/src/a.c', NULL, 'string'),"
	" (31, 'result', 'result', 1, NULL, NULL, 'int'),"
	" (32, 'fd', 'fd', 3, NULL, NULL, 'int'),"
	" (32, 'path', 'path', NULL, '/src/a.c', NULL, 'string'),"
	" (32, 'result', 'result', 0, NULL, NULL, 'int');"
	/* make: spawn cc, wait; cc1: a read of stdin. */
	"INSERT INTO slice(" SLICE_COLS ") VALUES"
	" (50, 1000000001000,  900, 1, 'process', 'spawn', 1, 1, 50),"
	" (51, 1099000000000, 5000, 1, 'process', 'wait',  1, 1, 51),"
	" (60, 1003000000010,    1, 4, 'file', 'read',     1, 4, 60);"
	"INSERT INTO args(" ARGS_COLS ") VALUES"
	" (50, 'path', 'path', NULL, '/usr/bin/cc', NULL, 'string'),"
	" (50, 'result', 'result', 0, NULL, NULL, 'int'),"
	" (51, 'result', 'result', 101, NULL, NULL, 'int'),"
	" (60, 'fd', 'fd', 0, NULL, NULL, 'int'),"
	" (60, 'result', 'result', 0, NULL, NULL, 'int');"
	/* sh: one call of 7 ns; two of 9 and 5; four of 3 8 3 3; and a
	 * thousand "many" of 1..1000 ns in a scrambled order. */
	"INSERT INTO slice(" SLICE_COLS ") VALUES"
	" (70, 1090000000010, 7, 6, 'sync', 'one', 1, 6, NULL),"
	" (71, 1090000000020, 9, 6, 'sync', 'two', 1, 6, NULL),"
	" (72, 1090000000030, 5, 6, 'sync', 'two', 1, 6, NULL),"
	" (73, 1090000000040, 3, 6, 'sync', 'tie', 1, 6, NULL),"
	" (74, 1090000000050, 8, 6, 'sync', 'tie', 1, 6, NULL),"
	" (75, 1090000000060, 3, 6, 'sync', 'tie', 1, 6, NULL),"
	" (76, 1090000000070, 3, 6, 'sync', 'tie', 1, 6, NULL);"
	"WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c"
	" WHERE i < 999)"
	" INSERT INTO slice(" SLICE_COLS ") SELECT 1000 + i, 1090000001000 + i,"
	" (i * 337) % 1000 + 1, 6, 'sync', 'many', 1, 6, NULL FROM c;"
	USAGE_SQL;

/* Writes the run into a new database: the schema and metadata through
 * keke's SQLite sink, the rows by SQL. */
static void make_run_db(void)
{
	const struct keke_sink_ops *ops = &keke_sink_sqlite;
	char err[KEKE_SINK_ERROR_MAX] = "";
	sqlite3 *h;
	char *msg = NULL;
	void *sink;

	dir = test_tmpdir();
	db = strdup(test_path(dir, "run.db"));
	sink = ops->open(db, err);
	cr_assert(sink, "%s", err);
	cr_assert_eq(ops->metadata(sink, "trace_id", "00112233445566778899"
				   "aabbccddeeff", 0), 0);
	cr_assert_eq(ops->metadata(sink, "host", "testhost", 0), 0);
	cr_assert_eq(ops->metadata(sink, "realtime_offset_ns", NULL,
				   WALL0 - T0), 0);
	cr_assert_eq(ops->metadata(sink, "trace_start_ns", NULL, T0), 0);
	cr_assert_eq(ops->metadata(sink, "cpu_count", NULL, 4), 0);
	cr_assert_eq(ops->finish(sink, err), 0, "%s", err);
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, run_sql, NULL, NULL, &msg), SQLITE_OK,
		     "%s", msg);
	sqlite3_close(h);
	setenv("TZ", "UTC", 1);
}

static void cleanup(void)
{
	test_rm_rf(dir);
	free(dir);
	free((char *)db);
}

TestSuite(report, .init = make_run_db, .fini = cleanup);

/* ---- loading ------------------------------------------------------------ */

static void load(struct keke_report *r, struct keke_report_options o)
{
	char err[KEKE_REPORT_ERROR_MAX];

	if (!o.db)
		o.db = db;
	cr_assert_eq(keke_report_load(&o, r, err), 0, "load: %s", err);
}

static const struct keke_report_call *call(const struct keke_report *r,
					   const char *name)
{
	for (size_t i = 0; i < r->ncalls; i++)
		if (!strcmp(r->calls[i].name, name))
			return &r->calls[i];
	return NULL;
}

static const struct keke_report_exe *exe(const struct keke_report *r,
					 const char *name)
{
	for (size_t i = 0; i < r->nexes; i++)
		if (!strcmp(r->exes[i].name, name))
			return &r->exes[i];
	return NULL;
}

static void pct_is(const char *what, const int64_t got[KEKE_NPCT],
		   int64_t p0, int64_t p25, int64_t p50, int64_t p75,
		   int64_t p95, int64_t p99, int64_t p999, int64_t p100)
{
	const int64_t want[KEKE_NPCT] = { p0, p25, p50, p75, p95, p99, p999,
					  p100 };

	for (unsigned p = 0; p < KEKE_NPCT; p++)
		cr_assert_eq(got[p], want[p], "%s %s: got %lld, want %lld",
			     what, keke_pct_label[p], (long long)got[p],
			     (long long)want[p]);
}

/* The number of selected calls, all names together. */
static uint64_t calls_in(const struct keke_report *r)
{
	return r->ncalls_total;
}

Test(report, trace_facts)
{
	struct keke_report r;

	load(&r, (struct keke_report_options){ 0 });
	cr_assert_str_eq(r.trace_id, "00112233445566778899aabbccddeeff");
	cr_assert_str_eq(r.host, "testhost");
	cr_assert(r.have_wall);
	cr_assert_eq(r.start_ns, T0);
	cr_assert_eq(r.end_ns, T0 + 100 * S);
	cr_assert_eq(r.now_ns, r.end_ns, "now is the trace's end");
	cr_assert_eq(r.nprocesses, 6);
	/* 11 + 7 + 3 in the cc, 2 in make, 1 in cc1, 1007 in sh. */
	cr_assert_eq(calls_in(&r), 1031);
	keke_report_free(&r);
}

Test(report, read_calls)
{
	struct keke_report r;
	const struct keke_report_call *k;

	load(&r, (struct keke_report_options){ 0 });
	k = call(&r, "read");
	cr_assert(k, "no read row");
	cr_assert_str_eq(k->category, "file");
	/* 1 5 70 100 100 100 100 200 200 300 400 */
	cr_assert_eq(k->count, 11);
	cr_assert_eq(k->errors, 1);
	cr_assert_eq(k->total_ns, 1576);
	cr_assert_eq(k->self_ns, 1576);
	pct_is("read dur", k->dur, 1, 70, 100, 200, 400, 400, 400, 400);
	/* Sizes of the calls that did not fail: 0 1 7 10 20 30 50 100 200
	 * 4096. */
	cr_assert(k->moves_bytes);
	cr_assert_eq(k->sized, 10);
	cr_assert_eq(k->bytes, 4514);
	pct_is("read size", k->size, 0, 7, 20, 100, 4096, 4096, 4096, 4096);
	for (unsigned b = 0; b < KEKE_LOG2_BUCKETS; b++) {
		uint64_t want = b == 0 || b == 1 || b == 3 || b == 4 ||
				b == 6 || b == 7 || b == 8 || b == 13 ? 1 :
				b == 5 ? 2 : 0;

		cr_assert_eq(k->hist.count[b], want,
			     "bucket below 2^%u: %llu, want %llu", b,
			     (unsigned long long)k->hist.count[b],
			     (unsigned long long)want);
	}
	keke_report_free(&r);
}

Test(report, threads_read_the_same_args)
{
	static const char *const counts[] = { "0", "1", "3" };

	for (size_t i = 0; i < 3; i++) {
		struct keke_report r;
		const struct keke_report_call *k;
		const struct keke_report_path *p;

		setenv("KEKE_REPORT_THREADS", counts[i], 1);
		load(&r, (struct keke_report_options){ 0 });
		k = call(&r, "read");
		cr_assert(k->count == 11 && k->errors == 1 && k->sized == 10 &&
			  k->bytes == 4514, "%s threads", counts[i]);
		cr_assert_eq(r.npaths, 7, "%s threads", counts[i]);
		p = &r.paths_by_time[0];
		cr_assert(!strcmp(p->path, "/src/a.c") && p->calls == 9 &&
			  p->bytes_in == 61, "%s threads", counts[i]);
		keke_report_free(&r);
	}
	unsetenv("KEKE_REPORT_THREADS");
}

Test(report, percentile_boundaries)
{
	struct keke_report r;
	const struct keke_report_call *k;

	load(&r, (struct keke_report_options){ 0 });
	k = call(&r, "one");
	cr_assert(k && k->count == 1);
	pct_is("one", k->dur, 7, 7, 7, 7, 7, 7, 7, 7);
	k = call(&r, "two");
	cr_assert(k && k->count == 2);
	pct_is("two", k->dur, 5, 5, 5, 9, 9, 9, 9, 9);
	k = call(&r, "tie");
	cr_assert(k && k->count == 4);
	pct_is("tie", k->dur, 3, 3, 3, 3, 8, 8, 8, 8);
	k = call(&r, "many");
	cr_assert(k && k->count == 1000);
	pct_is("many", k->dur, 1, 250, 500, 750, 950, 990, 999, 1000);
	cr_assert_eq(k->total_ns, 500500);
	cr_assert(!k->moves_bytes);
	keke_report_free(&r);
}

Test(report, self_time_leaves_out_nested_calls)
{
	struct keke_report r;
	const struct keke_report_call *k;

	load(&r, (struct keke_report_options){ 0 });
	/* Nested reads (ids before the span's) and a nested write (id
	 * after the span's) are both taken out. */
	k = call(&r, "compile");
	cr_assert(k && k->total_ns == 1000);
	cr_assert_eq(k->self_ns, 700);
	k = call(&r, "link");
	cr_assert(k && k->total_ns == 500);
	cr_assert_eq(k->self_ns, 450);
	k = call(&r, "write");
	cr_assert(k && k->count == 2 && k->total_ns == 80);
	cr_assert(k->sized == 2 && k->bytes == 13);
	keke_report_free(&r);

	/* The same when the slices are sought in start order. */
	load(&r, (struct keke_report_options){ .have_pid = true, .pid = 102 });
	cr_assert_eq(call(&r, "compile")->self_ns, 700);
	cr_assert_eq(call(&r, "link")->self_ns, 450);
	keke_report_free(&r);
}

Test(report, calls_are_by_total_time)
{
	struct keke_report r;

	load(&r, (struct keke_report_options){ 0 });
	cr_assert_str_eq(r.calls[0].name, "many");
	for (size_t i = 1; i < r.ncalls; i++)
		cr_assert(r.calls[i - 1].total_ns >= r.calls[i].total_ns,
			  "%s before %s", r.calls[i - 1].name,
			  r.calls[i].name);
	keke_report_free(&r);
}

Test(report, executables)
{
	struct keke_report r;
	const struct keke_report_exe *e;

	load(&r, (struct keke_report_options){ 0 });
	cr_assert_eq(r.nexes, 4);
	cr_assert_str_eq(r.exes[0].name, "make");
	cr_assert_str_eq(r.exes[1].name, "cc");
	e = exe(&r, "cc");
	cr_assert_eq(e->processes, 3);
	cr_assert_eq(e->total_ns, 60 * S);
	pct_is("cc wall", e->wall, 10 * S, 10 * S, 20 * S, 30 * S, 30 * S,
	       30 * S, 30 * S, 30 * S);
	cr_assert_eq(e->nexits, 2);
	cr_assert(e->exits[0].code == 0 && e->exits[0].count == 2);
	cr_assert(e->exits[1].code == 1 && e->exits[1].count == 1);
	cr_assert_eq(e->nsignals, 0);
	e = exe(&r, "cc1");
	cr_assert(e->nsignals == 1 && e->signals[0].code == 9 &&
		  e->signals[0].count == 1 && e->nexits == 0);
	e = exe(&r, "sh");
	cr_assert(e->no_status == 1 && e->untraced == 1);
	keke_report_free(&r);
}

static const struct keke_report_path *path(const struct keke_report_path *p,
					   size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(p[i].path, name))
			return &p[i];
	return NULL;
}

Test(report, paths_are_the_merges_names)
{
	struct keke_report r;
	const struct keke_report_path *p;
	static const char *const by_time[] = {
		"/src/a.c", "10.0.0.1:80", "/usr/bin/cc", "/src/b.c", "<fd 3>",
		"<fd 1>", "<fd 0>",
	};
	static const char *const by_bytes[] = {
		"/src/b.c", "10.0.0.1:80", "/src/a.c", "<fd 3>", "<fd 1>",
	};

	load(&r, (struct keke_report_options){ 0 });
	cr_assert_eq(r.npaths, 7);
	cr_assert_eq(r.npaths_by_time, 7);
	for (size_t i = 0; i < 7; i++)
		cr_assert_str_eq(r.paths_by_time[i].path, by_time[i]);
	cr_assert_eq(r.npaths_by_bytes, 5, "paths with no bytes are left out");
	for (size_t i = 0; i < 5; i++)
		cr_assert_str_eq(r.paths_by_bytes[i].path, by_bytes[i]);
	/* Both cc opened a.c as fd 3: open, reads (one failed), close. */
	p = path(r.paths_by_time, r.npaths_by_time, "/src/a.c");
	cr_assert(p->calls == 9 && p->errors == 1 && p->time_ns == 1210);
	cr_assert(p->bytes_in == 61 && p->bytes_out == 0);
	p = path(r.paths_by_time, r.npaths_by_time, "/src/b.c");
	cr_assert(p->calls == 5 && p->time_ns == 510);
	cr_assert(p->bytes_in == 4396 && p->bytes_out == 8);
	/* The calls the merge gave no name are named by their fd. */
	p = path(r.paths_by_time, r.npaths_by_time, "<fd 3>");
	cr_assert(p->calls == 2 && p->time_ns == 75 && p->bytes_in == 57);
	p = path(r.paths_by_time, r.npaths_by_time, "10.0.0.1:80");
	cr_assert(p->calls == 2 && p->time_ns == 1020 && p->bytes_out == 100);
	keke_report_free(&r);

	load(&r, (struct keke_report_options){ .top = 2 });
	cr_assert_eq(r.npaths, 7);
	cr_assert(r.npaths_by_time == 2 && r.npaths_by_bytes == 2);
	keke_report_free(&r);
}

Test(report, tree_folds_same_name_siblings)
{
	struct keke_report r;
	const struct keke_report_node *l;

	load(&r, (struct keke_report_options){ 0 });
	cr_assert_eq(r.ntree, 4);
	cr_assert_eq(r.tree_more, 0);
	l = &r.tree[0];
	cr_assert(!strcmp(l->name, "make") && l->depth == 0 && l->count == 1);
	cr_assert(l->pid == 100 && l->total_ns == 100 * S && l->has_status &&
		  l->exit_code == 0);
	l = &r.tree[1];
	cr_assert(!strcmp(l->name, "cc") && l->depth == 1 && l->count == 3);
	cr_assert(l->total_ns == 60 * S && l->p50_ns == 20 * S &&
		  l->max_ns == 30 * S && l->failed == 1);
	l = &r.tree[2];
	cr_assert(!strcmp(l->name, "cc1") && l->depth == 2 && l->count == 1);
	cr_assert(l->signal == 9 && l->failed == 1);
	l = &r.tree[3];
	cr_assert(!strcmp(l->name, "sh") && l->depth == 1 && !l->has_status);
	keke_report_free(&r);

	load(&r, (struct keke_report_options){ .no_fold = true });
	cr_assert_eq(r.ntree, 6);
	cr_assert(r.tree[1].pid == 101 && r.tree[2].pid == 102 &&
		  r.tree[3].pid == 103 && r.tree[3].depth == 2 &&
		  r.tree[4].pid == 104 && r.tree[5].pid == 105);
	keke_report_free(&r);
}

Test(report, tree_attaches_to_the_nearest_selected_ancestor)
{
	struct keke_report r;

	/* cc1's parent cc is left out: cc1 becomes a root. */
	load(&r, (struct keke_report_options){ .process = "[ms]*" });
	cr_assert_eq(r.nprocesses, 2);
	cr_assert(r.ntree == 2 && !strcmp(r.tree[1].name, "sh") &&
		  r.tree[1].depth == 1);
	keke_report_free(&r);
	load(&r, (struct keke_report_options){ .process = "cc1" });
	cr_assert(r.ntree == 1 && r.tree[0].depth == 0);
	keke_report_free(&r);
}

Test(report, average_trace)
{
	struct keke_report r;
	const struct keke_report_trace *t;
	static const struct {
		const char *name;
		unsigned nth, procs;
		int64_t p25, p50, p75, p99;
	} want[] = {
		{ "open", 1, 3, 100, 100, 100, 100 },
		{ "read", 1, 3, 200, 200, 200, 200 },
		{ "close", 1, 2, 300, 300, 600, 600 },
		{ "compile", 1, 1, 300, 300, 300, 300 },
		{ "read", 2, 2, 300, 300, 400, 400 },
		{ "read", 3, 2, 400, 400, 600, 600 },
		{ "connect", 1, 1, 800, 800, 800, 800 },
		{ "send", 1, 1, 900, 900, 900, 900 },
		{ "write", 1, 2, 1000, 1000, 2100, 2100 },
		{ "link", 1, 1, 2000, 2000, 2000, 2000 },
	};

	load(&r, (struct keke_report_options){ 0 });
	cr_assert_eq(r.ntraces, 4);
	t = &r.traces[0];
	cr_assert_str_eq(t->exe, "cc");
	cr_assert_eq(t->processes, 3);
	cr_assert_eq(t->nsteps, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < t->nsteps; i++) {
		const struct keke_report_step *s = &t->steps[i];

		cr_assert(!strcmp(s->name, want[i].name) &&
			  s->nth == want[i].nth,
			  "step %zu: %s #%u, want %s #%u", i, s->name, s->nth,
			  want[i].name, want[i].nth);
		cr_assert_eq(s->processes, want[i].procs, "%s #%u", s->name,
			     s->nth);
		cr_assert(s->offset[KEKE_P25] == want[i].p25 &&
			  s->offset[KEKE_P50] == want[i].p50 &&
			  s->offset[KEKE_P75] == want[i].p75 &&
			  s->offset[KEKE_P99] == want[i].p99,
			  "%s #%u: offsets %lld %lld %lld %lld", s->name,
			  s->nth, (long long)s->offset[KEKE_P25],
			  (long long)s->offset[KEKE_P50],
			  (long long)s->offset[KEKE_P75],
			  (long long)s->offset[KEKE_P99]);
	}
	/* The others: one process each, by name. */
	cr_assert_str_eq(r.traces[1].exe, "cc1");
	cr_assert_str_eq(r.traces[2].exe, "make");
	cr_assert_str_eq(r.traces[3].exe, "sh");
	keke_report_free(&r);

	/* One occurrence per name: no read #2. */
	load(&r, (struct keke_report_options){ .steps = 1 });
	cr_assert_eq(r.traces[0].nsteps, 8);
	keke_report_free(&r);
}

/* ---- windows and filters ------------------------------------------------ */

/* The calls and processes selected with @o. */
static void selects(struct keke_report_options o, uint64_t procs,
		    uint64_t calls)
{
	struct keke_report r;

	load(&r, o);
	cr_assert_eq(r.nprocesses, procs, "%llu processes, want %llu",
		     (unsigned long long)r.nprocesses,
		     (unsigned long long)procs);
	cr_assert_eq(calls_in(&r), calls, "%llu calls, want %llu",
		     (unsigned long long)calls_in(&r),
		     (unsigned long long)calls);
	keke_report_free(&r);
}

Test(report, absolute_window)
{
	/* [45 s, 90 s): make and cc 104; cc 104's three calls. */
	selects((struct keke_report_options){ .since = "2026-11-23 10:00:45",
					      .until = "10:01:30" }, 2, 3);
	selects((struct keke_report_options){ .since = "2026-11-23T11:00:45"
						       "+01:00",
					      .until = "@1795428090" }, 2, 3);
}

Test(report, durations_count_back_from_the_end)
{
	/* The end is 100 s: from 90 s, make's wait and sh's 1007. */
	selects((struct keke_report_options){ .since = "10s" }, 2, 1008);
	/* Up to 90 s: everything but those. */
	selects((struct keke_report_options){ .until = "10s" }, 5, 23);
}

Test(report, presets_at_a_fixed_now)
{
	/* [10:00, 10:01): all but make's wait and sh. */
	selects((struct keke_report_options){ .now = "10:01:10",
					      .since = "prev-minute",
					      .until = "minute" }, 5, 23);
	selects((struct keke_report_options){ .now = "10:30",
					      .since = "hour" }, 6, 1031);
	selects((struct keke_report_options){ .now = "2026-11-24 08:00",
					      .since = "yesterday",
					      .until = "midnight" }, 6, 1031);
	selects((struct keke_report_options){ .now = "10:30",
					      .since = "prev-hour",
					      .until = "hour" }, 0, 0);
	/* --now itself can count back from the end. */
	selects((struct keke_report_options){ .now = "40s",
					      .since = "10s" }, 3, 1011);
}

Test(report, bad_times_are_refused)
{
	struct keke_report_options o = { .db = db, .since = "noonish" };
	struct keke_report r;
	char err[KEKE_REPORT_ERROR_MAX];

	cr_assert_eq(keke_report_load(&o, &r, err), -1);
	cr_assert(strstr(err, "--since noonish"), "%s", err);
}

Test(report, process_and_pid_filters)
{
	selects((struct keke_report_options){ .process = "cc*" }, 4, 22);
	selects((struct keke_report_options){ .process = "cc" }, 3, 21);
	selects((struct keke_report_options){ .have_pid = true, .pid = 104 },
		1, 3);
	selects((struct keke_report_options){ .have_pid = true, .pid = 999 },
		0, 0);
}

Test(report, call_and_path_filters)
{
	struct keke_report r;

	selects((struct keke_report_options){ .call = "re*" }, 6, 11);
	selects((struct keke_report_options){ .path = "/src/*" }, 6, 14);
	selects((struct keke_report_options){ .path = "*.c", .call = "read" },
		6, 8);
	selects((struct keke_report_options){ .path = "10.0.0.*" }, 6, 2);
	load(&r, (struct keke_report_options){ .call = "read",
					       .path = "*.c" });
	cr_assert_eq(r.ncalls, 1);
	cr_assert_eq(r.calls[0].count, 8);
	cr_assert_eq(r.npaths, 2);
	/* The executables and the tree are about processes: unfiltered. */
	cr_assert_eq(r.nexes, 4);
	keke_report_free(&r);
}

Test(report, not_a_keke_database)
{
	struct keke_report_options o = { 0 };
	struct keke_report r;
	char err[KEKE_REPORT_ERROR_MAX];
	const char *other = test_path(dir, "other.db");
	sqlite3 *h;

	cr_assert_eq(sqlite3_open(other, &h), SQLITE_OK);
	sqlite3_exec(h, "CREATE TABLE t(x)", NULL, NULL, NULL);
	sqlite3_close(h);
	o.db = other;
	cr_assert_eq(keke_report_load(&o, &r, err), -1);
	cr_assert(strstr(err, "not a keke database"), "%s", err);
	o.db = test_path(dir, "missing.db");
	cr_assert_eq(keke_report_load(&o, &r, err), -1);
	cr_assert(strstr(err, "No such file"), "%s", err);
}

Test(report, arg_sets_shared_by_the_sink)
{
	const struct keke_sink_ops *ops = &keke_sink_sqlite;
	const char *shared = test_path(dir, "shared.db");
	char err[KEKE_SINK_ERROR_MAX] = "";
	struct keke_arg open_args[] = {
		{ .key = "path", .is_str = true, .s = "/x", .len = 2 },
		{ .key = "result", .i = 3 },
	};
	struct keke_arg read_args[] = {
		{ .key = "fd", .i = 3 },
		{ .key = "result", .i = 4096 },
		{ .key = "path", .is_str = true, .s = "/x", .len = 2 },
	};
	struct keke_slice s = {
		.utid = 1, .pid = 10, .tid = 10, .category = "file",
		.depth = 1, .parent_id = 1,
	};
	struct keke_process p = {
		.upid = 1, .pid = 10, .name = "reader", .cmdline = "reader",
		.start_ns = T0, .end_ns = T0 + S, .has_exit_code = true,
	};
	struct keke_thread t = {
		.utid = 1, .tid = 10, .upid = 1, .pid = 10, .name = "reader",
		.start_ns = T0, .end_ns = T0 + S, .is_main_thread = true,
	};
	struct keke_slice image = {
		.id = 1, .utid = 1, .pid = 10, .tid = 10, .ts_ns = T0,
		.dur_ns = S, .category = "process", .name = "reader",
	};
	const struct keke_report_call *k;
	struct keke_report r;
	void *sink = ops->open(shared, err);

	cr_assert(sink, "%s", err);
	cr_assert_eq(ops->slice(sink, &image), 0);
	s.id = 2;
	s.ts_ns = T0 + 10;
	s.dur_ns = 5;
	s.name = "open";
	s.args = open_args;
	s.nargs = 2;
	cr_assert_eq(ops->slice(sink, &s), 0);
	/* 3000 reads of 4096 bytes, every third of 100 bytes, all of the
	 * same few arg sets. */
	s.name = "read";
	s.args = read_args;
	s.nargs = 3;
	for (int i = 0; i < 3000; i++) {
		s.id = 3 + i;
		s.ts_ns = T0 + 100 + 10 * i;
		s.dur_ns = 1 + i % 7;
		read_args[1].i = i % 3 == 2 ? 100 : 4096;
		cr_assert_eq(ops->slice(sink, &s), 0);
	}
	cr_assert_eq(ops->process(sink, &p), 0);
	cr_assert_eq(ops->thread(sink, &t), 0);
	cr_assert_eq(ops->finish(sink, err), 0, "%s", err);
	cr_assert_lt(test_db_int(shared, "SELECT count(DISTINCT arg_set_id)"
				 " FROM slice"), 10, "the sink shared no set");

	for (int threads = 0; threads < 2; threads++) {
		setenv("KEKE_REPORT_THREADS", threads ? "1" : "0", 1);
		load(&r, (struct keke_report_options){ .db = shared });
		k = call(&r, "read");
		cr_assert(k && k->count == 3000);
		cr_assert_eq(k->sized, 3000);
		cr_assert_eq(k->bytes, 2000 * 4096 + 1000 * 100);
		pct_is("read size", k->size, 100, 100, 4096, 4096, 4096, 4096,
		       4096, 4096);
		cr_assert(r.npaths == 1 &&
			  !strcmp(r.paths_by_bytes[0].path, "/x") &&
			  r.paths_by_bytes[0].calls == 3001 &&
			  r.paths_by_bytes[0].bytes_in == k->bytes);
		keke_report_free(&r);
	}
	unsetenv("KEKE_REPORT_THREADS");
}

/* ---- resources, the critical path, time since the latest end ----------- */

static char *report_out(const char *args, int want_status);

static const struct keke_report_usage *usage_of(const struct keke_report *r,
						const char *name)
{
	for (size_t i = 0; i < r->nusage; i++)
		if (!strcmp(r->usage[i].name, name))
			return &r->usage[i];
	return NULL;
}

#define KB INT64_C(1024)

Test(report, resources_per_executable)
{
	struct keke_report r;
	const struct keke_report_usage *u;

	load(&r, (struct keke_report_options){ 0 });
	cr_assert(r.has_usage);
	cr_assert_eq(r.cpu_count, 4);
	cr_assert_eq(r.nusage, 4);
	/* Most CPU first; sh's is unknown, so it comes last. */
	cr_assert(!strcmp(r.usage[0].name, "cc") &&
		  !strcmp(r.usage[1].name, "cc1") &&
		  !strcmp(r.usage[2].name, "make") &&
		  !strcmp(r.usage[3].name, "sh"));
	u = usage_of(&r, "cc");
	cr_assert(u->processes == 3 && u->unknown == 0);
	/* 5 s, 8 s, 2 s. */
	cr_assert_eq(u->cpu_ns, 15 * S);
	pct_is("cc cpu", u->cpu, 2 * S, 2 * S, 5 * S, 8 * S, 8 * S, 8 * S,
	       8 * S, 8 * S);
	pct_is("cc rss", u->rss, 20000 * KB, 20000 * KB, 30000 * KB,
	       50000 * KB, 50000 * KB, 50000 * KB, 50000 * KB, 50000 * KB);
	cr_assert(u->read_bytes == 1500 && u->write_bytes == 200);
	u = usage_of(&r, "cc1");
	cr_assert(u->cpu_ns == 4 * S && u->rss[KEKE_P100] == 40000 * KB);
	u = usage_of(&r, "sh");
	cr_assert(u->processes == 1 && u->unknown == 1 && u->cpu_ns == 0,
		  "an unknown usage is counted apart, not as zero");
	cr_assert_eq(r.usage_unknown, 1);
	keke_report_free(&r);

	/* Whole processes: --process chooses them, --call does not. */
	load(&r, (struct keke_report_options){ .process = "cc*",
					       .call = "nothing" });
	cr_assert(r.nusage == 2 && r.usage_unknown == 0);
	cr_assert_eq(usage_of(&r, "cc")->cpu_ns, 15 * S);
	keke_report_free(&r);
}

Test(report, top_processes_by_cpu_and_rss)
{
	static const int by_cpu[] = { 102, 101, 103, 100, 104 };
	static const int by_rss[] = { 102, 103, 104, 101, 100 };
	struct keke_report r;

	load(&r, (struct keke_report_options){ 0 });
	cr_assert_eq(r.ntop_cpu, 5, "sh's usage is unknown");
	cr_assert_eq(r.ntop_rss, 5);
	for (size_t i = 0; i < 5; i++) {
		cr_assert_eq(r.top_cpu[i].pid, by_cpu[i], "by cpu #%zu: %d",
			     i, r.top_cpu[i].pid);
		cr_assert_eq(r.top_rss[i].pid, by_rss[i], "by rss #%zu: %d",
			     i, r.top_rss[i].pid);
	}
	cr_assert(!strcmp(r.top_cpu[0].name, "cc") &&
		  r.top_cpu[0].cpu_ns == 8 * S &&
		  r.top_cpu[0].rss_bytes == 50000 * KB &&
		  r.top_cpu[0].from_wait);
	cr_assert(r.top_cpu[1].cpu_ns == 5 * S && !r.top_cpu[1].from_wait);
	keke_report_free(&r);

	load(&r, (struct keke_report_options){ .top = 2 });
	cr_assert(r.ntop_cpu == 2 && r.ntop_rss == 2);
	cr_assert(r.top_rss[1].pid == 103);
	keke_report_free(&r);
}

Test(report, critical_path_shares_and_segments)
{
	struct keke_report r;
	const struct keke_report_segment *g;

	load(&r, (struct keke_report_options){ 0 });
	cr_assert(r.has_path);
	cr_assert_eq(r.path_ns, 100 * S);
	cr_assert_eq(r.nshares, 3);
	cr_assert(!strcmp(r.shares[0].name, "make") &&
		  r.shares[0].ns == 50 * S && r.shares[0].segments == 5);
	cr_assert(!strcmp(r.shares[1].name, "cc") &&
		  r.shares[1].ns == 45 * S && r.shares[1].segments == 3);
	cr_assert(!strcmp(r.shares[2].name, "cc1") &&
		  r.shares[2].ns == 5 * S && r.shares[2].segments == 1);
	cr_assert(!r.critical_path && !r.nsegments,
		  "segments only with --critical-path");
	keke_report_free(&r);

	load(&r, (struct keke_report_options){ .critical_path = true });
	cr_assert_eq(r.nsegments, 9);
	g = &r.segments[1];
	cr_assert(g->start_ns == 1 * S && g->dur_ns == 1 * S &&
		  !strcmp(g->name, "make") && g->pid == 100 &&
		  !strcmp(g->state, "blocked") && !strcmp(g->call, "spawn"));
	g = &r.segments[3];
	cr_assert(g->start_ns == 3 * S && g->dur_ns == 5 * S &&
		  !strcmp(g->name, "cc1") && g->pid == 103 && !g->call &&
		  !g->waiting_name);
	g = &r.segments[7];
	cr_assert(!strcmp(g->state, "waiting") && !g->waiting_name);
	g = &r.segments[8];
	cr_assert(g->start_ns == 90 * S && g->waiting_name &&
		  !strcmp(g->waiting_name, "sh") && g->waiting_pid == 105);
	keke_report_free(&r);
}

Test(report, critical_path_in_a_window_and_filtered)
{
	struct keke_report r;

	/* [45 s, 90 s): make's sleep from 45 s, cc 104, make's first wait. */
	load(&r, (struct keke_report_options){ .since = "2026-11-23 10:00:45",
					       .until = "10:01:30",
					       .critical_path = true });
	cr_assert_eq(r.path_ns, 45 * S);
	cr_assert(r.nshares == 2 && !strcmp(r.shares[0].name, "cc") &&
		  r.shares[0].ns == 30 * S && r.shares[1].ns == 15 * S);
	cr_assert_eq(r.nsegments, 3);
	cr_assert(r.segments[0].start_ns == 45 * S &&
		  r.segments[0].dur_ns == 5 * S &&
		  !strcmp(r.segments[0].call, "nanosleep"));
	cr_assert(r.segments[1].pid == 104 && r.segments[2].pid == 100);
	keke_report_free(&r);

	/* --process keeps cc's segments; its share stays of the whole. */
	load(&r, (struct keke_report_options){ .process = "cc",
					       .critical_path = true });
	cr_assert_eq(r.path_ns, 100 * S);
	cr_assert(r.nshares == 1 && r.shares[0].ns == 45 * S);
	cr_assert_eq(r.nsegments, 3);
	keke_report_free(&r);
}

Test(report, time_since_the_latest_end)
{
	struct keke_report r;

	/* Now is the trace's end, 100 s. */
	load(&r, (struct keke_report_options){ 0 });
	cr_assert_eq(exe(&r, "make")->since_last_ns, 0);
	cr_assert_eq(exe(&r, "cc")->since_last_ns, 20 * S, "cc 104 ends "
		     "at 80 s");
	cr_assert_eq(exe(&r, "cc1")->since_last_ns, 92 * S);
	cr_assert_eq(exe(&r, "sh")->since_last_ns, 9 * S);
	/* read: cc 104's, 1050 s + 300 ns; wait: make's, 1099 s + 5 us. */
	cr_assert_eq(call(&r, "read")->last_end_ns, T0 + 50 * S + 300);
	cr_assert_eq(call(&r, "read")->since_last_ns, 50 * S - 300);
	cr_assert_eq(call(&r, "wait")->since_last_ns, S - 5000);
	keke_report_free(&r);

	/* Of the selected calls, up to --now. */
	load(&r, (struct keke_report_options){ .now = "10:02", .pid = 101,
					       .have_pid = true });
	cr_assert_eq(call(&r, "read")->since_last_ns,
		     120 * S - (S + 5070), "the worker's read, 1001 s + "
		     "5070 ns");
	cr_assert_eq(exe(&r, "cc")->since_last_ns, 109 * S);
	keke_report_free(&r);
}

/* A copy of the run as an older keke wrote it: no usage columns, no
 * critical_path table, no cpu_count. */
static const char *make_old_db(void)
{
	const char *old = test_path(dir, "old.db");
	char *sql, *msg = NULL;
	sqlite3 *h;

	cr_assert(asprintf(&sql, "VACUUM INTO '%s'", old) > 0);
	cr_assert_eq(sqlite3_open(db, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, &msg), SQLITE_OK, "%s",
		     msg);
	sqlite3_close(h);
	free(sql);
	cr_assert_eq(sqlite3_open(old, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, "ALTER TABLE process DROP COLUMN"
				  " rusage_from; ALTER TABLE process DROP"
				  " COLUMN cpu_user_ns; DROP TABLE"
				  " critical_path; DELETE FROM metadata WHERE"
				  " name = 'cpu_count'", NULL, NULL, &msg),
		     SQLITE_OK, "%s", msg);
	sqlite3_close(h);
	return old;
}

Test(report, an_older_database_has_no_resources_or_path)
{
	const char *old = make_old_db();
	struct keke_report r;
	char *cmd, *out;

	load(&r, (struct keke_report_options){ .db = old,
					       .critical_path = true });
	cr_assert(!r.has_usage && !r.nusage && !r.ntop_cpu);
	cr_assert(!r.has_path && !r.nshares && !r.nsegments);
	cr_assert_eq(r.cpu_count, 0);
	cr_assert_eq(r.nexes, 4, "the rest is there");
	keke_report_free(&r);

	cr_assert(asprintf(&cmd, "--critical-path '%s'", old) > 0);
	out = report_out(cmd, 0);
	cr_assert(strstr(out, "\nExecutables, by total wall time\n") &&
		  !strstr(out, "Resources") && !strstr(out, "Critical path") &&
		  !strstr(out, "cpus:"), "%s", out);
	free(out);
	free(cmd);
	cr_assert(asprintf(&cmd, "-f json '%s' | python3 -c 'import json,sys;"
			   " r=json.load(sys.stdin); print(r[\"resources\"],"
			   " r[\"critical_path\"], r[\"cpu_count\"])'",
			   old) > 0);
	out = report_out(cmd, 0);
	cr_assert_str_eq(out, "None None 0\n");
	free(out);
	free(cmd);
}

/* What keke_report_top_processes writes about @path. */
static char *summary_of(const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert(f);
	keke_report_top_processes(f, path);
	fclose(f);
	return buf;
}

Test(report, run_summary_names_the_path_and_the_cpu)
{
	char *out = summary_of(db);

	cr_assert(strstr(out, "keke: top processes by total time:\n"), "%s",
		  out);
	cr_assert(strstr(out, "\nkeke: critical path: make 50%, cc 45%, cc1 "
			 "5.0%\nkeke: most CPU time: cc 15.00 s, cc1 4.00 s, "
			 "make 3.00 s\n"), "%s", out);
	free(out);
	out = summary_of(make_old_db());
	cr_assert(strstr(out, "keke: top processes by total time:\n") &&
		  !strstr(out, "critical path") && !strstr(out, "CPU"), "%s",
		  out);
	free(out);
}

/* ---- I/O per process, the files view ------------------------------------ */

/*
 * A second run, through the sink: make (pid 200) starts cc 201, which
 * ends before make reads its counters, and cc 202, killed (no counters).
 * cc 201 makes an fwrite, a copy_file_range and a sendmmsg, whose bytes
 * count by the call_io table; file_access has what each did to its files.
 */
static const char *make_io_db(void)
{
	const struct keke_sink_ops *ops = &keke_sink_sqlite;
	const char *path = test_path(dir, "io.db");
	char err[KEKE_SINK_ERROR_MAX] = "";
	struct keke_process procs[] = {
		{ .upid = 1, .pid = 200, .name = "make", .cmdline = "make",
		  .start_ns = T0, .end_ns = T0 + 10 * S, .has_exit_code = true,
		  .has_io = true, .io_ts = T0 + 10 * S, .io_rchar = 10000,
		  .io_wchar = 3000, .traced_rchar = 500, .traced_wchar = 100 },
		{ .upid = 2, .pid = 201, .name = "cc", .cmdline = "cc a.c",
		  .parent_upid = 1, .start_ns = T0 + S, .end_ns = T0 + 2 * S,
		  .has_exit_code = true, .has_io = true, .io_ts = T0 + 2 * S,
		  .io_rchar = 4000, .io_wchar = 2000, .traced_rchar = 4000,
		  .traced_wchar = 1000 },
		{ .upid = 3, .pid = 202, .name = "cc", .cmdline = "cc b.c",
		  .parent_upid = 1, .start_ns = T0 + 3 * S,
		  .end_ns = T0 + 4 * S, .killed = true },
	};
	struct keke_file_access rows[] = {
		{ .upid = 1, .path = "10.0.0.1:80", .kind = "socket",
		  .read_bytes = 500, .reads = 1, .calls = 1 },
		{ .upid = 2, .path = "/src/a.c", .kind = "file",
		  .read_bytes = 4000, .reads = 2, .opened = 1, .calls = 4,
		  .dur_ns = 700, .first_ts_ns = T0 + S + 100,
		  .last_ts_ns = T0 + S + 900 },
		{ .upid = 2, .path = "/src/a.o", .kind = "file",
		  .write_bytes = 1000, .writes = 1, .opened = 1,
		  .opened_write = 1, .created = 1, .calls = 3 },
		{ .upid = 2, .path = "/usr/include/x.h", .kind = "file",
		  .probed_missing = 2, .calls = 2 },
		{ .upid = 2, .path = "<fd 1>", .kind = "fd", .write_bytes = 7,
		  .writes = 1, .calls = 1 },
		{ .upid = 3, .path = "/src/a.c", .kind = "file",
		  .read_bytes = 10, .reads = 1, .opened = 1, .calls = 2,
		  .first_ts_ns = T0 + 3 * S + 50, .last_ts_ns = T0 + 3 * S + 60 },
		{ .upid = 3, .path = "/tmp/t", .kind = "file", .opened = 1,
		  .opened_write = 1, .deleted = 1, .renamed_to = "/src/b.o",
		  .calls = 2 },
		{ .upid = 3, .path = "/src/b.o", .kind = "file",
		  .renamed_from = "/tmp/t", .calls = 1 },
	};
	struct keke_arg fwrite_args[] = {
		{ .key = "fd", .i = 3 }, { .key = "result", .i = 100 },
		{ .key = "path", .is_str = true, .s = "/src/a.o", .len = 8 },
	};
	struct keke_arg copy_args[] = {
		{ .key = "fd_in", .i = 4 }, { .key = "fd", .i = 5 },
		{ .key = "result", .i = 4096 },
		{ .key = "path_in", .is_str = true, .s = "/in", .len = 3 },
		{ .key = "path", .is_str = true, .s = "/out", .len = 4 },
	};
	struct keke_arg mmsg_args[] = {
		{ .key = "fd", .i = 6 }, { .key = "count", .i = 300 },
		{ .key = "result", .i = 2 },
		{ .key = "path", .is_str = true, .s = "10.0.0.1:80", .len = 11 },
	};
	struct {
		const char *name;
		struct keke_arg *args;
		unsigned nargs;
	} calls[] = {
		{ "fwrite", fwrite_args, 3 },
		{ "copy_file_range", copy_args, 5 },
		{ "sendmmsg", mmsg_args, 4 },
	};
	void *sink = ops->open(path, err);

	cr_assert(sink, "%s", err);
	for (size_t i = 0; i < 3; i++) {
		struct keke_slice image = {
			.id = (int64_t)i + 1, .utid = (int64_t)i + 1,
			.pid = procs[i].pid, .tid = procs[i].pid,
			.ts_ns = procs[i].start_ns,
			.dur_ns = procs[i].end_ns - procs[i].start_ns,
			.category = "process", .name = procs[i].name,
		};
		struct keke_thread t = {
			.utid = (int64_t)i + 1, .tid = procs[i].pid,
			.upid = procs[i].upid, .pid = procs[i].pid,
			.start_ns = procs[i].start_ns,
			.end_ns = procs[i].end_ns, .is_main_thread = true,
		};

		cr_assert_eq(ops->slice(sink, &image), 0);
		cr_assert_eq(ops->thread(sink, &t), 0);
	}
	for (size_t i = 0; i < 3; i++) {
		struct keke_slice s = {
			.id = 10 + (int64_t)i, .utid = 2, .pid = 201,
			.tid = 201, .ts_ns = T0 + S + 1000 * (int64_t)i,
			.dur_ns = 10, .category = "file", .name = calls[i].name,
			.depth = 1, .parent_id = 2, .nargs = calls[i].nargs,
			.args = calls[i].args,
		};

		cr_assert_eq(ops->slice(sink, &s), 0);
	}
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		cr_assert_eq(ops->file_access(sink, &rows[i]), 0);
	for (size_t i = 0; i < 3; i++)
		cr_assert_eq(ops->process(sink, &procs[i]), 0);
	cr_assert_eq(ops->finish(sink, err), 0, "%s", err);
	return path;
}

static const struct keke_report_file *file_in(const struct keke_report_files *g,
					      const char *path)
{
	for (size_t i = 0; i < g->nfiles; i++)
		if (!strcmp(g->files[i].path, path))
			return &g->files[i];
	return NULL;
}

Test(report, stdio_copies_and_messages_move_bytes)
{
	const char *io_db = make_io_db();
	const struct keke_report_path *p;
	struct keke_report r;

	load(&r, (struct keke_report_options){ .db = io_db });
	cr_assert(call(&r, "fwrite")->moves_bytes);
	cr_assert_eq(call(&r, "fwrite")->bytes, 100);
	cr_assert_eq(call(&r, "copy_file_range")->bytes, 4096);
	cr_assert_eq(call(&r, "sendmmsg")->bytes, 300, "its count, not its "
		     "result (messages)");
	p = path(r.paths_by_bytes, r.npaths_by_bytes, "/in");
	cr_assert(p && p->bytes_in == 4096 && p->bytes_out == 0);
	p = path(r.paths_by_bytes, r.npaths_by_bytes, "/out");
	cr_assert(p && p->bytes_in == 0 && p->bytes_out == 4096);
	p = path(r.paths_by_bytes, r.npaths_by_bytes, "/src/a.o");
	cr_assert(p && p->bytes_out == 100);
	keke_report_free(&r);

	/* A copy is selected by either of its paths. */
	load(&r, (struct keke_report_options){ .db = io_db, .path = "/in" });
	cr_assert_eq(r.ncalls_total, 1);
	cr_assert_str_eq(r.calls[0].name, "copy_file_range");
	keke_report_free(&r);
}

Test(report, io_per_process_leaves_out_reaped_children)
{
	const char *io_db = make_io_db();
	const struct keke_report_io *x;
	struct keke_report r;

	load(&r, (struct keke_report_options){ .db = io_db });
	cr_assert(r.has_io);
	cr_assert_eq(r.nio, 3);
	x = &r.io_total;
	cr_assert(x->has_kernel && x->processes == 2 && x->no_kernel == 1);
	/* make's 10000 less cc 201's 4000, plus cc 201's 4000. */
	cr_assert_eq(x->rchar, 10000);
	cr_assert_eq(x->wchar, 3000);
	cr_assert_eq(x->traced_rchar, 4500);
	cr_assert_eq(x->read_bytes, 500 + 4000 + 10);
	/* Most bytes first: make (6000 + 1000), cc 201, then cc 202. */
	x = &r.io[0];
	cr_assert(!strcmp(x->name, "make") && x->pid == 200);
	cr_assert(x->rchar == 6000 && x->wchar == 1000, "%lld %lld",
		  (long long)x->rchar, (long long)x->wchar);
	cr_assert_eq(x->read_bytes, 500);
	x = &r.io[1];
	cr_assert(x->pid == 201 && x->rchar == 4000 && x->wchar == 2000 &&
		  x->read_bytes == 4000 && x->write_bytes == 1007);
	x = &r.io[2];
	cr_assert(x->pid == 202 && !x->has_kernel && x->read_bytes == 10);
	keke_report_free(&r);

	load(&r, (struct keke_report_options){ .db = io_db, .top = 1 });
	cr_assert(r.nio == 1 && r.io_more == 2);
	keke_report_free(&r);
}

Test(report, files_per_executable_and_process)
{
	const char *io_db = make_io_db();
	const struct keke_report_files *g;
	const struct keke_report_file *f;
	struct keke_report r;

	load(&r, (struct keke_report_options){ .db = io_db });
	cr_assert(!r.files && !r.nfiles_by_exe, "only with --files");
	keke_report_free(&r);

	load(&r, (struct keke_report_options){ .db = io_db, .files = true });
	cr_assert(r.files);
	cr_assert_eq(r.nfiles_by_exe, 2);
	g = &r.files_by_exe[0];
	cr_assert_str_eq(g->name, "cc");
	cr_assert_eq(g->processes, 2);
	cr_assert_eq(g->nfiles, 5, "the fd row is not a file");
	cr_assert(g->nread == 1 && g->nwritten == 2 && g->ncreated == 1 &&
		  g->nremoved == 1 && g->nmissing == 1, "%llu %llu %llu %llu "
		  "%llu", (unsigned long long)g->nread,
		  (unsigned long long)g->nwritten,
		  (unsigned long long)g->ncreated,
		  (unsigned long long)g->nremoved,
		  (unsigned long long)g->nmissing);
	cr_assert_eq(g->other_write_bytes, 7);
	f = file_in(g, "/src/a.c");
	cr_assert(f && f->roles == KEKE_ROLE_READ && f->read_bytes == 4010 &&
		  f->processes == 2 && f->opened == 2);
	f = file_in(g, "/src/a.o");
	cr_assert(f && f->roles == (KEKE_ROLE_WROTE | KEKE_ROLE_CREATED));
	f = file_in(g, "/usr/include/x.h");
	cr_assert(f && f->roles == KEKE_ROLE_MISSING &&
		  f->probed_missing == 2);
	f = file_in(g, "/tmp/t");
	cr_assert(f && (f->roles & KEKE_ROLE_REMOVED) && f->renamed_to &&
		  !strcmp(f->renamed_to, "/src/b.o"));
	cr_assert_str_eq(g->files[0].path, "/src/a.c", "by path");
	g = &r.files_by_exe[1];
	cr_assert(!strcmp(g->name, "make") && g->nfiles == 0 &&
		  g->other_read_bytes == 500);

	/* Per process, by start, times from the process's start. */
	cr_assert_eq(r.nfiles_by_proc, 3);
	cr_assert_eq(r.files_by_proc[0].pid, 200);
	g = &r.files_by_proc[1];
	cr_assert(g->pid == 201 && !strcmp(g->cmdline, "cc a.c"));
	f = file_in(g, "/src/a.c");
	cr_assert(f && f->first_ns == 100 && f->last_ns == 900 &&
		  f->time_ns == 700 && f->read_bytes == 4000);
	keke_report_free(&r);

	/* --path narrows the files; --pid the processes. */
	load(&r, (struct keke_report_options){ .db = io_db, .files = true,
					       .path = "/src/*",
					       .have_pid = true, .pid = 202 });
	cr_assert_eq(r.nfiles_by_proc, 1);
	g = &r.files_by_proc[0];
	cr_assert(g->nfiles == 2 && file_in(g, "/src/a.c") &&
		  file_in(g, "/src/b.o"));
	keke_report_free(&r);
}

Test(report, files_on_the_command_line)
{
	const char *io_db = make_io_db();
	char *cmd, *out;

	cr_assert(asprintf(&cmd, "--files '%s'", io_db) > 0);
	out = report_out(cmd, 0);
	cr_assert(strstr(out, "\nI/O per process: keke's calls and the "
			 "kernel's count\n"), "%s", out);
	cr_assert(strstr(out, "\nFiles per executable\n"), "%s", out);
	cr_assert(strstr(out, "cc (2 processes): 1 read, 2 written, 1 "
			 "created, 1 removed, 1 missing\n"), "%s", out);
	cr_assert(strstr(out, "  missing  "), "%s", out);
	cr_assert(strstr(out, "  /tmp/t -> /src/b.o\n"), "%s", out);
	cr_assert(strstr(out, "cc [201] cc a.c: "), "%s", out);
	free(out);
	free(cmd);
	cr_assert(asprintf(&cmd, "--files -f csv --table files_by_process"
			   " '%s'", io_db) > 0);
	out = report_out(cmd, 0);
	cr_assert(!strncmp(out, "name,pid,path,roles,read_bytes,", 31), "%s",
		  out);
	cr_assert(strstr(out, "\r\ncc,201,/src/a.o,wrote created,0,1000,1,1,"
			 "0,0,3,1,"), "%s", out);
	free(out);
	free(cmd);
	cr_assert(asprintf(&cmd, "--files -f json '%s' | python3 -c 'import "
			   "json,sys; r=json.load(sys.stdin); print(r[\"io\"]"
			   "[\"total\"][\"rchar\"], [f[\"roles\"] for f in "
			   "r[\"files\"][\"executables\"][0][\"files\"] if "
			   "f[\"path\"] == \"/usr/include/x.h\"])'",
			   io_db) > 0);
	out = report_out(cmd, 0);
	cr_assert_str_eq(out, "10000 [['missing']]\n");
	free(out);
	free(cmd);
	/* The page has both views, each group folded. */
	cr_assert(asprintf(&cmd, "--files --html '%s/files.html' '%s' && grep"
			   " -c '<details>' '%s/files.html' && grep -c"
			   " 'id=\"io-table\"' '%s/files.html'", dir, io_db,
			   dir, dir) > 0);
	out = report_out(cmd, 0);
	cr_assert_str_eq(out, "5\n1\n", "2 executables, 3 processes");
	free(out);
	free(cmd);
}

/* ---- the command -------------------------------------------------------- */

/* Runs `keke report ARGS` on the run; its stdout (caller frees). */
static char *report_out(const char *args, int want_status)
{
	char *cmd, *out, *err;
	int status;

	cr_assert(asprintf(&cmd, "TZ=UTC '%s' report %s", test_keke_bin(),
			   args) > 0);
	status = test_sh(cmd, &out, &err);
	cr_assert_eq(test_exit_code(status), want_status,
		     "%s: exit %d, want %d; stderr: %s", cmd,
		     test_exit_code(status), want_status, err);
	free(cmd);
	free(err);
	return out;
}

Test(report, text)
{
	char *cmd, *out;

	cr_assert(asprintf(&cmd, "'%s'", db) > 0);
	out = report_out(cmd, 0);
	cr_assert(strstr(out, "trace 00112233445566778899aabbccddeeff on "
			 "testhost: 2026-11-23 10:00:00.000 to "
			 "2026-11-23 10:01:40.000"), "%s", out);
	cr_assert(strstr(out, "selected: 6 processes, 1,031 calls"));
	cr_assert(strstr(out, "\nread  "), "no read row:\n%s", out);
	cr_assert(strstr(out, "cc \u00d73 total 1m00s, p50 20.00 s, max "
			 "30.00 s, 1 failed"), "%s", out);
	cr_assert(strstr(out, "cc1 [103] 5.00 s killed by SIGKILL"));
	cr_assert(strstr(out, "0 \u00d72, 1 \u00d71"), "%s", out);
	cr_assert(strstr(out, "  below 8 KiB"));
	cr_assert(strstr(out, "Average trace of cc (3 processes"));
	cr_assert(strstr(out, "\ncpus: 4\n"), "%s", out);
	cr_assert(strstr(out, "\ncc                 3     1m00s   20.00 s   "
			 "30.00 s   30.00 s    20.00 s  0 \u00d72, 1 "
			 "\u00d71\n"),
		  "no cc row with its time since the last:\n%s", out);
	cr_assert(strstr(out, "\nResources per executable, by CPU time "
			 "(user + system)\n"), "%s", out);
	cr_assert(strstr(out, "\ncc               3       0   15.00 s    "
			 "5.00 s    8.00 s    8.00 s  29.3 MiB  48.8 MiB  "
			 "48.8 MiB   1.46 KiB      200 B\n"), "%s", out);
	cr_assert(strstr(out, "\nsh               1       1         -     "
			 "    -         -         -         -         -     "
			 "    -        0 B        0 B\n"), "%s", out);
	cr_assert(strstr(out, "\n1 of the processes left no usage"));
	cr_assert(strstr(out, "\nTop processes by CPU time\n-------------"
			 "------------\nprocess       pid       cpu  peak rss  "
			 "from\ncc            102    8.00 s  48.8 MiB  wait\n"),
		  "%s", out);
	cr_assert(strstr(out, "\nTop processes by peak RSS\n"));
	cr_assert(strstr(out, "\nCritical path (1m40s), by executable\n"
			 "------------------------------------\nexecutable  "
			 "share      time  segments\nmake          50%   "
			 "50.00 s         5\ncc            45%   45.00 s      "
			 "   3\ncc1          5.0%    5.00 s         1\n"),
		  "%s", out);
	cr_assert(!strstr(out, "segments (start"), "%s", out);
	free(out);
	free(cmd);

	cr_assert(asprintf(&cmd, "--critical-path '%s'", db) > 0);
	out = report_out(cmd, 0);
	cr_assert(strstr(out, "\n    1.00 s    1.00 s  blocked   make [100]:"
			 " spawn\n"), "%s", out);
	cr_assert(strstr(out, "\n     1m30s   10.00 s  waiting   make [100]:"
			 " sh [105]\n"), "%s", out);
	free(out);
	free(cmd);

	/* --filter KEY=GLOB is --KEY GLOB. */
	cr_assert(asprintf(&cmd, "--filter 'path=/src/*' --filter pid=101"
			   " '%s'", db) > 0);
	out = report_out(cmd, 0);
	cr_assert(strstr(out, "filters: pid=101 path=/src/*\n"
			 "selected: 1 process, 6 calls"), "%s", out);
	free(out);
	free(cmd);
}

Test(report, json_parses)
{
	char *cmd, *out;
	const char *file = test_path(dir, "r.json");

	cr_assert(asprintf(&cmd, "'%s' --format json -o '%s' && python3 -c "
			   "'import json,sys; r=json.load(open(sys.argv[1]));"
			   " c=[x for x in r[\"calls\"]"
			   " if x[\"name\"]==\"read\"][0];"
			   " print(c[\"count\"], c[\"dur_ns\"][\"p50\"],"
			   " c[\"bytes\"][\"size\"][\"p99.9\"],"
			   " r[\"window\"][\"since_ns\"], len(r[\"tree\"]))'"
			   " '%s'", db, file, file) > 0);
	out = report_out(cmd, 0);
	cr_assert_str_eq(out, "11 100 4096 None 4\n");
	free(out);
	free(cmd);
	cr_assert(asprintf(&cmd, "'%s' -f json --critical-path | python3 -c"
			   " 'import json,sys; r=json.load(sys.stdin);"
			   " u=r[\"resources\"]; e=u[\"executables\"];"
			   " p=r[\"critical_path\"];"
			   " print(r[\"cpu_count\"], u[\"unknown\"],"
			   " e[0][\"name\"], e[0][\"cpu_ns\"],"
			   " e[0][\"cpu_pct_ns\"][\"p95\"],"
			   " e[0][\"rss_pct_bytes\"][\"p50\"],"
			   " e[0][\"read_bytes\"], \"cpu_pct_ns\" in e[3],"
			   " u[\"by_cpu\"][0][\"pid\"],"
			   " u[\"by_rss\"][1][\"pid\"], p[\"ns\"],"
			   " [(s[\"name\"], s[\"ns\"]) for s in p[\"shares\"]],"
			   " len(p[\"segments\"]), p[\"segments\"][8],"
			   " [c[\"since_last_ns\"] for c in r[\"calls\"]"
			   " if c[\"name\"] == \"read\"],"
			   " [x[\"since_last_ns\"] for x in"
			   " r[\"executables\"]])'",
			   db) > 0);
	out = report_out(cmd, 0);
	cr_assert_str_eq(out, "4 1 cc 15000000000 8000000000 30720000 1500 "
			 "False 102 103 100000000000 [('make', 50000000000), "
			 "('cc', 45000000000), ('cc1', 5000000000)] 9 "
			 "{'start_ns': 90000000000, 'dur_ns': 10000000000, "
			 "'name': 'make', 'pid': 100, 'state': 'waiting', "
			 "'waiting': 'sh', 'waiting_pid': 105} [49999999700] "
			 "[0, 20000000000, 92000000000, 9000000000]\n");
	free(out);
	free(cmd);
}

Test(report, csv_tables)
{
	static const char head[] = "table,name,category,count,errors,"
		"total_ns,self_ns,p0_ns,p25_ns,p50_ns,p75_ns,p95_ns,p99_ns,"
		"p99.9_ns,p100_ns,since_last_ns\r\n";
	char *cmd, *out;

	cr_assert(asprintf(&cmd, "'%s' --format csv", db) > 0);
	out = report_out(cmd, 0);
	cr_assert(!strncmp(out, head, strlen(head)), "%.200s", out);
	cr_assert(strstr(out, "\r\ncalls,read,file,11,1,1576,1576,1,70,100,"
			 "200,400,400,400,400,49999999700\r\n"), "%s", out);
	cr_assert(strstr(out, "\r\nhistogram,read,8192,1\r\n"));
	cr_assert(strstr(out, "\r\npaths_by_time,/src/a.c,9,1,1210,61,0\r\n"));
	cr_assert(strstr(out, "\r\nexecutables,cc,3,60000000000,"));
	cr_assert(strstr(out, ",0:2 1:1,,0,0,20000000000\r\n"), "%s", out);
	cr_assert(strstr(out, "\r\nresources,cc,3,0,15000000000,2000000000,"
			 "2000000000,5000000000,8000000000,8000000000,"
			 "8000000000,8000000000,8000000000,20480000,20480000,"
			 "30720000,51200000,51200000,51200000,51200000,"
			 "51200000,1500,200\r\n"), "%s", out);
	cr_assert(strstr(out, "\r\nresources,sh,1,1,,,,,,,,,,,,,,,,,,0,0\r\n"),
		  "an unknown usage is empty cells");
	cr_assert(strstr(out, "\r\nprocesses_by_cpu,cc,102,8000000000,"
			 "51200000,wait\r\n"), "%s", out);
	cr_assert(strstr(out, "\r\nprocesses_by_rss,cc1,103,4000000000,"
			 "40960000,wait\r\n"), "%s", out);
	cr_assert(strstr(out, "\r\ncritical_path_shares,make,50000000000,"
			 "100000000000,5\r\ncritical_path_shares,cc,"
			 "45000000000,100000000000,3\r\n"), "%s", out);
	cr_assert(!strstr(out, "\r\ncritical_path,"), "segments only with "
		  "--critical-path");
	free(out);
	free(cmd);
	cr_assert(asprintf(&cmd, "'%s' --format csv --table tree", db) > 0);
	out = report_out(cmd, 0);
	cr_assert(!strncmp(out, "depth,name,count,pid,", 21), "%s", out);
	cr_assert(strstr(out, "\r\n1,cc,3,101,"), "%s", out);
	cr_assert(!strstr(out, "calls"), "%s", out);
	free(out);
	free(cmd);
	cr_assert(asprintf(&cmd, "'%s' -f csv --table critical_path "
			   "--critical-path --since 10:00:45 --until 10:01:30",
			   db) > 0);
	out = report_out(cmd, 0);
	cr_assert_str_eq(out, "start_ns,dur_ns,name,pid,state,call,waiting,"
			 "waiting_pid\r\n45000000000,5000000000,make,100,"
			 "sleeping,nanosleep,,\r\n50000000000,30000000000,cc,"
			 "104,running,,,\r\n80000000000,10000000000,make,100,"
			 "waiting,,,\r\n");
	free(out);
	free(cmd);
}

Test(report, usage_errors)
{
	char *out;

	out = report_out("--help", 0);
	cr_assert(strstr(out, "nearest rank"), "%s", out);
	cr_assert(strstr(out, "prev-minute"));
	free(out);
	free(report_out("--format xml x.db", 2));
	free(report_out("--table calls x.db", 2));
	free(report_out("--top 0 x.db", 2));
	free(report_out("--pid abc x.db", 2));
	free(report_out("--bogus", 2));
	free(report_out("--filter exe=cc x.db", 2));
	free(report_out("a.db b.db", 2));
	free(report_out("/nonexistent/keke.db", 1));
	free(report_out("--since never /nonexistent/keke.db", 1));
}

Test(report, failure_leaves_no_output)
{
	char *cmd, *out;
	const char *file = test_path(dir, "bad.html");

	cr_assert(asprintf(&cmd, "--since never --html '%s' '%s'", file,
			   db) > 0);
	out = report_out(cmd, 1);
	cr_assert(access(file, F_OK) != 0, "%s was written", file);
	free(out);
	free(cmd);
}

/* ---- HTML --------------------------------------------------------------- */

/* Whether @html refers to anything outside itself. */
static void self_contained(const char *html)
{
	static const char *const bad[] = {
		"http:", "https:", "//", "src=", "@import", "url(", "<link",
		"<iframe", "<img", "<object", "<embed",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert(!strstr(html, bad[i]), "the HTML has '%s'", bad[i]);
	for (const char *h = strstr(html, "href="); h; h = strstr(h + 1,
								   "href="))
		cr_assert(!strncmp(h, "href=\"#", 7), "a link out: %.40s", h);
}

Test(report, html_is_self_contained_and_renders)
{
	const char *html = test_path(dir, "report.html");
	const char *profile = test_path(dir, "chromium");
	char *cmd, *page, *dom, *err;
	int status;

	cr_assert(asprintf(&cmd, "--critical-path --html '%s' '%s'", html,
			   db) > 0);
	free(report_out(cmd, 0));
	free(cmd);
	page = test_read_file(html, NULL);
	cr_assert(page, "no %s", html);
	self_contained(page);
	cr_assert(!strncmp(page, "<!DOCTYPE html>", 15));

	if (access("/usr/bin/chromium", X_OK) != 0)
		cr_skip_test("chromium is not installed (apt-get install "
			     "chromium): the page was checked as text only");
	/* The page as Chromium renders it, with no network to reach. */
	cr_assert(asprintf(&cmd, "timeout 120 /usr/bin/chromium --headless "
			   "--no-sandbox --disable-gpu "
			   "--disable-background-networking "
			   "--disable-component-update --disable-sync "
			   "--no-first-run --user-data-dir='%s' "
			   "--proxy-server=127.0.0.1:9 --dump-dom 'file://%s'",
			   profile, html) > 0);
	status = test_sh(cmd, &dom, &err);
	cr_assert_eq(test_exit_code(status), 0, "chromium: %s", err);
	cr_assert(strstr(dom, "id=\"calls-table\""), "no calls table");
	cr_assert(strstr(dom, "<td class=\"name\">read</td><td>file</td>"
			 "<td class=\"n\" data-v=\"11\">11</td>"),
		  "no read row");
	cr_assert(strstr(dom, "<td class=\"n bad\" data-v=\"1\">1</td>"));
	cr_assert(strstr(dom, "id=\"paths-time\""));
	cr_assert(strstr(dom, "<td class=\"path\">/src/a.c</td>"));
	cr_assert(strstr(dom, "class=\"bar\" style=\"width:100.00%\""),
		  "no histogram bar");
	cr_assert(strstr(dom, "<span class=\"name\">cc \u00d73</span>"),
		  "no folded cc line");
	cr_assert(strstr(dom, "<details open=\"\"><summary>"), "no tree");
	cr_assert(strstr(dom, "class=\"lane\""), "no average trace lane");
	cr_assert(strstr(dom, "<dt>cpus</dt><dd>4</dd>"), "no cpu count");
	cr_assert(strstr(dom, "<td class=\"name\">cc</td><td class=\"n\" "
			 "data-v=\"3\">3</td><td class=\"n\" data-v=\"60000"
			 "000000\">1m00s</td><td class=\"n\" data-v=\"2000000"
			 "0000\">20.00 s</td><td class=\"n\" data-v=\"3000000"
			 "0000\">30.00 s</td><td class=\"n\" data-v=\"3000000"
			 "0000\">30.00 s</td><td class=\"n\" data-v=\"2000000"
			 "0000\">20.00 s</td>"), "no cc row with its time "
		  "since the last");
	cr_assert(strstr(dom, "id=\"resources-table\""), "no resources");
	cr_assert(strstr(dom, "<tr><td class=\"name\">cc</td><td class=\"n\""
			 " data-v=\"3\">3</td><td class=\"n\" data-v=\"0\">0"
			 "</td><td class=\"n\" data-v=\"15000000000\">15.00 s"
			 "</td><td class=\"n\" data-v=\"5000000000\">5.00 s"
			 "</td>"), "no cc resources row");
	cr_assert(strstr(dom, "<tr><td class=\"name\">sh</td><td class=\"n\""
			 " data-v=\"1\">1</td><td class=\"n\" data-v=\"1\">1"
			 "</td><td class=\"n\">-</td>"), "no sh row, unknown");
	cr_assert(strstr(dom, "id=\"top-cpu-table\""));
	cr_assert(strstr(dom, "<tr><td class=\"name\">cc</td><td class=\"n\""
			 ">102</td><td class=\"n\" data-v=\"8000000000\">"
			 "8.00 s</td><td class=\"n\" data-v=\"51200000\">"
			 "48.8 MiB</td><td>wait</td></tr>"), "no top cpu row");
	cr_assert(strstr(dom, "id=\"top-rss-table\""));
	cr_assert(strstr(dom, "<tr><td class=\"name\">make</td><td class="
			 "\"n\" data-v=\"50000000000\">50%</td><td class=\"n"
			 "\" data-v=\"50000000000\">50.00 s</td><td class=\"n"
			 "\" data-v=\"5\">5</td></tr>"), "no make share");
	cr_assert(strstr(dom, "<td class=\"name\">make</td><td class=\"n\">"
			 "100</td><td>waiting</td><td>sh [105]</td></tr>"),
		  "no segment waiting on sh");
	free(cmd);
	free(page);
	free(dom);
	free(err);
}

/* ---- a bigger database -------------------------------------------------- */

/* The nearest-rank percentile @tenths of the durations of @name in @big,
 * by SQL. */
static int64_t sql_pct(const char *big, const char *name, unsigned tenths)
{
	char sql[256];
	int64_t n;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM slice WHERE name ="
		 " '%s'", name);
	n = test_db_int(big, sql);
	snprintf(sql, sizeof(sql), "SELECT dur FROM slice WHERE name = '%s'"
		 " ORDER BY dur LIMIT 1 OFFSET %llu", name,
		 (unsigned long long)(keke_pct_rank(tenths, (uint64_t)n) - 1));
	return test_db_int(big, sql);
}

/* Every table's columns with their types, and every index's columns. */
#define SCHEMA_ROWS "SELECT m.type || ':' || m.name || '.' || p.name ||" \
	" ':' || p.type AS x FROM sqlite_master m, pragma_table_info(m.name)" \
	" p WHERE m.type = 'table' UNION ALL SELECT m.type || ':' ||" \
	" m.name || '.' || i.name FROM sqlite_master m," \
	" pragma_index_info(m.name) i WHERE m.type = 'index'"
static const char schema_rows[] = SCHEMA_ROWS;
static const char schema_sql[] =
	"SELECT group_concat(x, ' ') FROM (" SCHEMA_ROWS ")";

Test(report, hundred_thousand_slices_agree_with_sql, .timeout = 240)
{
	const char *big = test_path(dir, "big.db");
	char *cmd, *out, *err, *schema;
	char msg[KEKE_REPORT_ERROR_MAX];
	struct keke_report r;
	struct keke_report_options o = { 0 };
	const struct keke_report_call *k;
	int status;

	cr_assert(asprintf(&cmd, "python3 '%s/bench/make_big_db.py' "
			   "--slices 100000 '%s'", getenv("KEKE_TESTS_SRC"),
			   big) > 0);
	status = test_sh(cmd, &out, &err);
	if (test_exit_code(status) == 127)
		cr_skip_test("no python3 to make the database");
	cr_assert_eq(test_exit_code(status), 0, "%s: %s", cmd, err);
	free(cmd);
	free(out);
	free(err);
	/* The generator's tables, columns and indexes are the sink's. */
	schema = test_db_str(big, schema_sql);
	for (char *col = strtok(schema, " "); col; col = strtok(NULL, " ")) {
		char sql[512];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM (%s) WHERE"
			 " x = '%s'", schema_rows, col);
		cr_assert_eq(test_db_int(db, sql), 1, "make_big_db.py has %s,"
			     " the sink has not", col);
	}
	free(schema);

	o.db = big;
	cr_assert_eq(keke_report_load(&o, &r, msg), 0, "%s", msg);
	cr_assert_eq(r.ncalls_total, test_db_int(big, "SELECT count(*) FROM"
						 " slice WHERE depth > 0"));
	k = call(&r, "read");
	cr_assert(k);
	cr_assert_eq(k->count, (uint64_t)test_db_int(big, "SELECT count(*)"
				" FROM slice WHERE name = 'read'"));
	cr_assert_eq(k->errors, (uint64_t)test_db_int(big, "SELECT count(*)"
				 " FROM slice s JOIN args a ON a.arg_set_id ="
				 " s.id WHERE s.name = 'read' AND a.key ="
				 " 'errno'"));
	cr_assert_eq(k->bytes, test_db_int(big, "SELECT sum(a.int_value) FROM"
					   " slice s JOIN args a ON"
					   " a.arg_set_id = s.id WHERE s.name ="
					   " 'read' AND a.key = 'result' AND"
					   " a.int_value >= 0"));
	for (unsigned p = 0; p < KEKE_NPCT; p++)
		cr_assert_eq(k->dur[p],
			     sql_pct(big, "read", keke_pct_tenths[p]),
			     "read %s", keke_pct_label[p]);
	keke_report_free(&r);

	/* Threads reading the args give the same report. */
	cr_assert(asprintf(&cmd, "cd '%s' && KEKE_REPORT_THREADS=0 '%s' report"
			   " -f json big.db >a.json && KEKE_REPORT_THREADS=2"
			   " '%s' report -f json big.db >b.json && cmp a.json"
			   " b.json", dir, test_keke_bin(), test_keke_bin()) > 0);
	status = test_sh(cmd, NULL, &err);
	cr_assert_eq(test_exit_code(status), 0, "%s: %s", cmd, err);
	free(cmd);
	free(err);

	/* A window of a sixth of the trace is sought by the ts index. */
	o.since = "2026-11-23 09:10";
	o.until = "2026-11-23 09:20";
	o.call = "write";
	load(&r, o);
	cr_assert_eq(r.ncalls_total, test_db_int(big, "SELECT count(*) FROM"
				" slice WHERE name = 'write' AND ts >="
				" 1600000000000 AND ts < 2200000000000"));
	keke_report_free(&r);
}
