// SPDX-License-Identifier: MIT
/*
 * The HTML report's charts on a small hand-made database whose every
 * figure is known: the timeline (a row per process in tree order, the
 * critical path, hover details), the CPU use over time against the CPUs
 * of the run, the call charts (durations, calls by total time); the same
 * page from a database of an older keke, without those figures; and a
 * 10,000-process database whose timeline folds to a row per executable.
 * Headless Chromium renders each page (the test skips that part when it
 * is not installed) and takes a screenshot 1400 px wide, left in the
 * test's working directory for a person to look at.
 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/report.h"
#include "report/timeline.h"
#include "sinks/sink.h"

#define S INT64_C(1000000000)
#define T0 (1000 * S)			/* CLOCK_MONOTONIC of the start */
#define CHROMIUM "/usr/bin/chromium"

static char *dir;
static const char *db;

#define PROCESS_COLS "upid, pid, name, cmdline, start_ts, end_ts," \
	" parent_upid, exit_code, signal, killed, untraced, cpu_user_ns," \
	" cpu_sys_ns, peak_rss_kb, rusage_from"
#define SLICE_COLS "id, ts, dur, track_id, category, name, depth, parent_id"
/* Each process's main thread, its track and its image slice. */
#define MAIN_THREADS_SQL \
	"INSERT INTO thread(utid, tid, name, upid, start_ts, end_ts," \
	" is_main_thread) SELECT upid, pid, name, upid, start_ts, end_ts, 1" \
	" FROM process;" \
	"INSERT INTO thread_track(id, utid) SELECT utid, utid FROM thread;" \
	"INSERT INTO slice(" SLICE_COLS ") SELECT upid, start_ts," \
	" end_ts - start_ts, upid, 'process', name, 0, NULL FROM process;"

/*
 * (Whole numbers written as 1000e9 are stored as integers: the columns
 * have integer affinity.)
 *
 * A build: make (pid 100) starts cc 101 and cc 102, which starts cc1
 * 103 (killed), then ld 104 and sh 105. Times are seconds from T0; CPU
 * in seconds (user + sys), RSS in MiB.
 *
 *   upid pid name start end exit     CPU       RSS  from
 *   1    100 make   0   100 0        1 + 0.5     8  exit
 *   2    101 cc     1    11 0        6 + 1      30  exit
 *   3    102 cc     2    22 1      7.5 + 2      64  wait (cc1's taken
 *                                                   off by the merge)
 *   4    103 cc1    3     8 SIGKILL  4 + 0.5   120  exit
 *   5    104 ld    50    80 0       25 + 3     200  exit
 *   6    105 sh    90    91 unknown  unknown        (untraced)
 *
 * The critical path: make runs, cc 102 runs, cc1 runs, cc 102 is
 * blocked in read, make sleeps, ld runs, make waits for sh, make runs.
 */
static const char run_sql[] =
	"INSERT INTO process(" PROCESS_COLS ") VALUES"
	" (1, 100, 'make', 'make -j2', 1000e9, 1100e9, NULL, 0, NULL, 0, 0,"
	"  1e9, 0.5e9, 8192, 'exit'),"
	" (2, 101, 'cc', 'cc -c a.c', 1001e9, 1011e9, 1, 0, NULL, 0, 0,"
	"  6e9, 1e9, 30720, 'exit'),"
	" (3, 102, 'cc', 'cc -c b.c', 1002e9, 1022e9, 1, 1, NULL, 0, 0,"
	"  7.5e9, 2e9, 65536, 'wait'),"
	" (4, 103, 'cc1', 'cc1 b.c', 1003e9, 1008e9, 3, NULL, 9, 1, 0,"
	"  4e9, 0.5e9, 122880, 'exit'),"
	" (5, 104, 'ld', 'ld -o prog a.o b.o', 1050e9, 1080e9, 1, 0, NULL,"
	"  0, 0, 25e9, 3e9, 204800, 'exit'),"
	" (6, 105, 'sh', 'sh -c true', 1090e9, 1091e9, 1, NULL, NULL, 0, 1,"
	"  NULL, NULL, NULL, NULL);"
	MAIN_THREADS_SQL
	"INSERT INTO slice(" SLICE_COLS ") VALUES"
	" (10, 1001000000100,     100, 2, 'file', 'read',  1, 2),"
	" (11, 1001000000300,    3000, 2, 'file', 'read',  1, 2),"
	" (12, 1001000009000,   50000, 2, 'file', 'read',  1, 2),"
	" (13, 1001000090000,      40, 2, 'file', 'close', 1, 2),"
	" (14, 1008000000000, 14000000000, 3, 'file', 'read', 1, 3),"
	" (15, 1022000000000, 28000000000, 1, 'sync', 'nanosleep', 1, 1),"
	" (16, 1080000000000, 10000000000, 1, 'process', 'wait', 1, 1);"
	"INSERT INTO critical_path(id, ts, dur, upid, state, call,"
	" waiting_upid) VALUES"
	" (1, 1000e9,  2e9, 1, 'running', NULL, NULL),"
	" (2, 1002e9,  1e9, 3, 'running', NULL, NULL),"
	" (3, 1003e9,  5e9, 4, 'running', NULL, NULL),"
	" (4, 1008e9, 14e9, 3, 'blocked', 'read', NULL),"
	" (5, 1022e9, 28e9, 1, 'sleeping', 'nanosleep', NULL),"
	" (6, 1050e9, 30e9, 5, 'running', NULL, NULL),"
	" (7, 1080e9, 10e9, 1, 'waiting', NULL, 6),"
	" (8, 1090e9, 10e9, 1, 'running', NULL, NULL);"
	"INSERT INTO metadata(name, int_value) VALUES ('cpu_count', 4);";

/* A new database at @path: the schema through keke's SQLite sink, then
 * the rows of @sql. */
static void make_db(const char *path, const char *sql)
{
	const struct keke_sink_ops *ops = &keke_sink_sqlite;
	char err[KEKE_SINK_ERROR_MAX] = "";
	char *msg = NULL;
	sqlite3 *h;
	void *sink;

	sink = ops->open(path, err);
	cr_assert(sink, "%s", err);
	cr_assert_eq(ops->metadata(sink, "host", "testhost", 0), 0);
	cr_assert_eq(ops->finish(sink, err), 0, "%s", err);
	cr_assert_eq(sqlite3_open(path, &h), SQLITE_OK);
	cr_assert_eq(sqlite3_exec(h, sql, NULL, NULL, &msg), SQLITE_OK,
		     "%s", msg);
	sqlite3_close(h);
}

static void setup(void)
{
	dir = test_tmpdir();
	db = strdup(test_path(dir, "run.db"));
	make_db(db, run_sql);
}

static void cleanup(void)
{
	test_rm_rf(dir);
	free(dir);
	free((char *)db);
}

TestSuite(report_html, .init = setup, .fini = cleanup);

/* How often @needle occurs in @s. */
static size_t count(const char *s, const char *needle)
{
	size_t n = 0;

	for (s = strstr(s, needle); s; s = strstr(s + 1, needle))
		n++;
	return n;
}

/* Writes the HTML report of @from to @html. */
static void write_html(const char *from, const char *html)
{
	char *cmd = fmt("'%s' report --html '%s' '%s'", test_keke_bin(),
			html, from);
	struct outcome o = sh(cmd);

	cr_assert_eq(o.code, 0, "%s: exit %d: %s", cmd, o.code, o.err);
	outcome_free(&o);
}

/* Headless Chromium on @html with @what ("--dump-dom", or a screenshot's
 * arguments), with no network to reach; its stdout. Skips the test when
 * Chromium is not installed. */
static char *chromium(const char *html, const char *what, double *secs)
{
	struct timespec a, b;
	struct outcome o;
	char *cmd;

	if (access(CHROMIUM, X_OK) != 0)
		cr_skip_test("chromium is not installed (apt-get install "
			     "chromium): the page was checked as text only");
	cmd = fmt("timeout 120 " CHROMIUM " --headless --no-sandbox "
		  "--disable-gpu --disable-background-networking "
		  "--disable-component-update --disable-sync --no-first-run "
		  "--user-data-dir='%s' --proxy-server=127.0.0.1:9 %s "
		  "'file://%s'", test_path(dir, "chromium"), what, html);
	clock_gettime(CLOCK_MONOTONIC, &a);
	o = sh(cmd);
	clock_gettime(CLOCK_MONOTONIC, &b);
	cr_assert_eq(o.code, 0, "chromium: %s", o.err);
	if (secs)
		*secs = (double)(b.tv_sec - a.tv_sec) +
			(double)(b.tv_nsec - a.tv_nsec) / 1e9;
	free(o.err);
	return o.out;
}

/* A screenshot of @html 1400 px wide into @png (in the working
 * directory, for a person to look at), checked not to be blank. */
static void screenshot(const char *html, const char *png)
{
	char *cwd = getcwd(NULL, 0);
	char *path = fmt("%s/%s", cwd, png);
	struct stat st;
	struct outcome o;

	unlink(path);
	free(chromium(html, fmt("--hide-scrollbars --window-size=1400,1000 "
				"--screenshot='%s'", path), NULL));
	cr_assert_eq(stat(path, &st), 0, "no screenshot %s", path);
	/* A blank page compresses to a few KiB. */
	cr_assert_gt(st.st_size, 20000, "%s is blank (%lld bytes)", path,
		     (long long)st.st_size);
	o = sh(fmt("python3 -c 'import sys,zlib,struct;d=open(sys.argv[1],"
		   "\"rb\").read();i=8;z=b\"\"\nwhile i<len(d):\n n,=struct"
		   ".unpack(\">I\",d[i:i+4]);t=d[i+4:i+8]\n if t==b\"IDAT\":"
		   "z+=d[i+8:i+8+n]\n i+=12+n\nprint(len(set(zlib."
		   "decompress(z))))' '%s'", path));
	if (o.code == 0)
		cr_assert_gt(atoi(o.out), 16, "%s has %s byte values: blank",
			     path, o.out);
	outcome_free(&o);
	free(cwd);
}

/* ---- the timeline's data ------------------------------------------------ */

Test(report_html, rows_in_tree_order_with_their_figures)
{
	static const int pids[] = { 100, 101, 102, 103, 104, 105 };
	static const unsigned depths[] = { 0, 1, 1, 2, 1, 1 };
	struct keke_report_options o = { .db = db };
	char err[KEKE_REPORT_ERROR_MAX];
	const struct keke_timeline *t;
	struct keke_report r;
	double sum = 0;

	cr_assert_eq(keke_report_load(&o, &r, err), 0, "%s", err);
	t = r.timeline;
	cr_assert_eq(t->nprocs, 6);
	for (size_t i = 0; i < 6; i++) {
		cr_assert_eq(t->procs[i].pid, pids[i], "row %zu", i);
		cr_assert_eq(t->procs[i].depth, depths[i], "row %zu", i);
	}
	cr_assert(t->has_rusage && t->has_path);
	cr_assert_eq(t->nrusage, 5);
	cr_assert_eq(t->cpu_count, 4);
	cr_assert_eq(t->npath, 8);
	cr_assert(t->procs[3].on_path && !t->procs[1].on_path);
	cr_assert_eq(t->procs[2].cpu_user_ns + t->procs[2].cpu_sys_ns,
		     95 * S / 10);
	cr_assert_eq(t->procs[5].from, KEKE_RUSAGE_UNKNOWN);
	/* The buckets sum to the CPU time of the run. */
	for (size_t b = 0; b < KEKE_TIMELINE_BUCKETS; b++)
		sum += t->busy[b];
	sum *= (double)(t->end_ns - t->start_ns) / KEKE_TIMELINE_BUCKETS;
	cr_assert_float_eq(sum, (1.5 + 7 + 9.5 + 4.5 + 28) * 1e9, 1e3,
			   "%f", sum);
	/* Every call has a histogram of its durations. */
	for (size_t i = 0; i < r.ncalls; i++)
		if (!strcmp(r.calls[i].name, "read"))
			cr_assert_eq(r.calls[i].dur_hist.count[12], 1,
				     "3000 ns is below 2^12");
	keke_report_free(&r);
}

/* ---- the page ----------------------------------------------------------- */

Test(report_html, timeline_cpu_and_call_charts_render)
{
	const char *html = test_path(dir, "report.html");
	char *page, *dom;

	write_html(db, html);
	page = test_read_file(html, NULL);
	cr_assert(page && !strstr(page, "//") && !strstr(page, "url("),
		  "the page refers to something outside itself");
	dom = chromium(html, "--dump-dom", NULL);
	cr_assert_eq(count(dom, "class=\"tl-row\""), 6,
		     "not one timeline row per process");
	cr_assert_eq(count(dom, "class=\"cp cp-"), 8,
		     "not one mark per critical-path segment");
	cr_assert_eq(count(dom, "class=\"cp cp-running\""), 5);
	cr_assert_eq(count(dom, "class=\"tl-bar onpath\""), 4,
		     "make, cc 102, cc1 and ld are on the path");
	cr_assert(strstr(dom, "<title>cc1 [103] cc1 b.c\nwall 5.00 s, from "
			 "+3.00 s\nCPU 4.50 s (user 4.00 s + sys 500 ms)\n"
			 "peak RSS 120 MiB\nkilled by SIGKILL\non the critical"
			 " path</title>"), "no hover text of cc1's bar");
	cr_assert(strstr(dom, "<title>critical path: blocked in read, cc "
			 "[102], 14.00 s</title>"));
	cr_assert(strstr(dom, ">0 s</text>") && strstr(dom, ">50 s</text>"),
		  "no time axis ticks");
	cr_assert(strstr(dom, "class=\"chart cpu\""), "no CPU chart");
	cr_assert(strstr(dom, "class=\"busy\""));
	cr_assert(strstr(dom, ">4 CPUs</text>"), "no CPU count line");
	cr_assert(strstr(dom, "an estimate from per-process totals"));
	cr_assert_eq(count(dom, "class=\"chart small durhist\""), 4,
		     "not a duration histogram per call");
	cr_assert(strstr(dom, "<title>2.05 us to 4.10 us: 1 call</title>"),
		  "no column of the 3000 ns read");
	cr_assert_eq(count(dom, "class=\"callbar\""), 4,
		     "not a bar per call");
	cr_assert(strstr(dom, "data-laid-out-ms=\""));
	screenshot(html, "report_html.png");
	free(page);
	free(dom);
}

Test(report_html, older_database_says_what_is_unknown)
{
	const char *old = test_path(dir, "old.db");
	const char *html = test_path(dir, "old.html");
	static const char *const cols[] = {
		"cpu_user_ns", "cpu_sys_ns", "peak_rss_kb", "minor_faults",
		"major_faults", "vol_ctx_switches", "invol_ctx_switches",
		"fs_read_blocks", "fs_write_blocks", "rusage_from",
	};
	char *sql = fmt("%s DROP TABLE critical_path; DELETE FROM metadata"
			" WHERE name = 'cpu_count';", run_sql);
	char *page;

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		sql = fmt("%s ALTER TABLE process DROP COLUMN %s;", sql,
			  cols[i]);
	/* The rows above name the dropped columns: drop them after. */
	make_db(old, sql);
	write_html(old, html);
	page = test_read_file(html, NULL);
	cr_assert(page);
	cr_assert_eq(count(page, "class=\"tl-row\""), 6);
	cr_assert(strstr(page, "CPU use unknown: this database is from a "
			 "keke that did not record resource use."));
	cr_assert(strstr(page, "Critical path: absent"));
	cr_assert(strstr(page, "\nCPU, peak RSS: unknown\n"));
	cr_assert(!strstr(page, "class=\"cp cp-"));
	free(page);
}

/* ---- 10,000 processes --------------------------------------------------- */

/*
 * make starts 9,999 processes over ten minutes, of eight names; each
 * lasts 0.1 to 6 s and uses a quarter of it in CPU; the critical path
 * runs through every hundredth process.
 */
static const char big_sql[] =
	"WITH RECURSIVE n(i) AS (SELECT 2 UNION ALL SELECT i + 1 FROM n"
	" WHERE i < 10000)"
	" INSERT INTO process(" PROCESS_COLS ") SELECT i, 1000 + i,"
	" CASE i % 8 WHEN 0 THEN 'cc' WHEN 1 THEN 'cc1' WHEN 2 THEN 'as'"
	" WHEN 3 THEN 'ld' WHEN 4 THEN 'sh' WHEN 5 THEN 'python3'"
	" WHEN 6 THEN 'sed' ELSE 'install' END, 'cmd ' || i,"
	" 1000000000000 + i * 60000000, 1000000000000 + i * 60000000 +"
	" (i * 7919 % 60 + 1) * 100000000, 1, i % 97 = 0, NULL, 0, 0,"
	" (i * 7919 % 60 + 1) * 20000000, (i * 7919 % 60 + 1) * 5000000,"
	" 10000 + i, 'exit' FROM n;"
	"INSERT INTO process(" PROCESS_COLS ") VALUES (1, 1001, 'make',"
	" 'make -j16', 1000000000000, 1661000000000, NULL, 0, NULL, 0, 0,"
	" 2000000000, 1000000000, 9000, 'exit');"
	MAIN_THREADS_SQL
	"INSERT INTO critical_path(id, ts, dur, upid, state, call,"
	" waiting_upid) SELECT upid / 100, start_ts, end_ts - start_ts, upid,"
	" 'running', NULL, NULL FROM process WHERE upid % 100 = 0;"
	"INSERT INTO metadata(name, int_value) VALUES ('cpu_count', 16);";

Test(report_html, ten_thousand_processes_fold, .timeout = 240)
{
	const char *big = test_path(dir, "big.db");
	const char *html = test_path(dir, "big.html");
	char *page, *dom, *mark;
	size_t len;
	double secs;

	make_db(big, big_sql);
	write_html(big, html);
	page = test_read_file(html, &len);
	cr_assert(page);
	cr_assert_lt(len, 5 << 20, "the page is %zu bytes", len);
	cr_assert(strstr(page, "10,000 processes, more than 400: one row per "
			 "executable"), "no word of the folding");
	cr_assert_eq(count(page, "class=\"tl-row\""), 9,
		     "not one row per executable");
	dom = chromium(html, "--dump-dom", &secs);
	cr_assert_eq(count(dom, "class=\"tl-row\""), 9);
	mark = strstr(dom, "data-laid-out-ms=\"");
	cr_assert(mark, "the page's script did not run");
	cr_log_info("10,000 processes: %zu bytes, Chromium's dump-dom took "
		    "%.2f s, the page laid out at %.0f ms", len, secs,
		    atof(mark + 18));
	cr_assert_lt(secs, 20, "Chromium took %.1f s to open the page", secs);
	screenshot(html, "report_html_big.png");
	free(page);
	free(dom);
}
