// SPDX-License-Identifier: MIT
/*
 * The stdio family on real programs: every call a program makes through a
 * FILE is recorded with its stream's fd (and so its file's path) and the
 * bytes it moved; per-character calls and the inline macros of
 * <bits/stdio.h> are counted into runs, a slice per run, not per byte;
 * the bytes of each file add up to what the program wrote and read, and
 * to what strace sees its read() and write() calls move; and the program
 * behaves as it does without keke.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TEST_SCRATCH_DIR

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* Runs `@env keke run ... -- @cmd` in a shell (@cmd may redirect); returns
 * its exit code. */
static int traced(const char *env, const char *cmd)
{
	char *full = fmt("%s '%s' run -q -o '%s' --db '%s' -- sh -c \"%s\"",
			 env, test_keke_bin(), test_path(out, "t.json"), db(),
			 cmd);
	int code = test_exit_code(test_sh(full, NULL, NULL));

	free(full);
	return code;
}

/* Runs @cmd in a shell, without keke; returns its exit code. */
static int bare(const char *cmd)
{
	return test_exit_code(test_sh(cmd, NULL, NULL));
}

/* The file @name of the scratch dir, as text (to be freed). */
static char *slurp(const char *name)
{
	char *s = test_read_file(test_path(out, name), NULL);

	cr_assert(s, "no %s", name);
	return s;
}

/* What a slice's args say, "name key=value ..." with the keys in record
 * order, leaving out the path, the error's name and the names of fds. */
#define SLICE_LINE							\
	"SELECT s.name || coalesce(' ' || group_concat(a.key || '=' || "\
	"coalesce(a.string_value, a.int_value), ' '), '') FROM slice s "\
	"LEFT JOIN args a ON a.arg_set_id = s.arg_set_id AND a.key NOT IN "\
	"('path', 'error', 'path_in') "

/* The stdio calls of the main thread of the process named @prog, in
 * order, with fopen and fclose: one line each (to be freed). */
static char *recorded(const char *prog)
{
	char *sql, *line, *all = strdup("");
	int64_t n;

	sql = fmt("SELECT count(*) FROM slice s JOIN thread_track tt ON "
		  "tt.id = s.track_id JOIN thread t ON t.utid = tt.utid JOIN "
		  "process p ON p.upid = t.upid WHERE p.name = '%s' AND t.tid "
		  "= p.pid AND (s.category = 'stdio' OR s.name IN ('fopen', "
		  "'fclose'))", prog);
	n = test_db_int(db(), sql);
	free(sql);
	for (int64_t i = 0; i < n; i++) {
		char *grown;

		sql = fmt(SLICE_LINE "WHERE s.id = (SELECT s.id FROM slice s "
			  "JOIN thread_track tt ON tt.id = s.track_id JOIN "
			  "thread t ON t.utid = tt.utid JOIN process p ON "
			  "p.upid = t.upid WHERE p.name = '%s' AND t.tid = "
			  "p.pid AND (s.category = 'stdio' OR s.name IN "
			  "('fopen', 'fclose')) ORDER BY s.ts, s.id LIMIT 1 "
			  "OFFSET %lld) GROUP BY s.id", prog, (long long)i);
		line = test_db_str(db(), sql);
		free(sql);
		grown = fmt("%s%s\n", all, line ? line : "?");
		free(all);
		free(line);
		all = grown;
	}
	return all;
}

/* What stdio_calls printed, as recorded() says it: no '#' lines, no path,
 * no errno=0 (to be freed). */
static char *printed_calls(const char *report)
{
	char *copy = strdup(report), *save = NULL, *all = strdup("");

	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *grown, *p;

		if (line[0] == '#')
			continue;
		if ((p = strstr(line, " path=")) != NULL) {
			char *end = strchr(p + 1, ' ');

			memmove(p, end ? end : p + strlen(p),
				strlen(end ? end : p + strlen(p)) + 1);
		}
		if ((p = strstr(line, " errno=0")) != NULL && !p[8])
			*p = '\0';
		grown = fmt("%s%s\n", all, line);
		free(all);
		all = grown;
	}
	free(copy);
	return all;
}

/* Runs stdio_calls build @prog bare and under keke; checks the records
 * against what it printed, and that it behaved the same. */
static void check_stdio_calls(const char *prog)
{
	char *cmd, *want, *got, *bare_out, *keke_out, *report;

	cr_assert_eq(mkdir(test_path(out, "d"), 0700), 0);
	cmd = fmt("printf '12 abc\\nrest\\n' > '%s'", test_path(out, "in"));
	cr_assert_eq(bare(cmd), 0);
	free(cmd);
	cmd = fmt("'%s' '%s' < '%s' > '%s' 2> '%s'", test_prog(prog),
		  test_path(out, "d"), test_path(out, "in"),
		  test_path(out, "bare.out"), test_path(out, "bare.err"));
	cr_assert_eq(bare(cmd), 0, "%s failed without keke", prog);
	free(cmd);
	test_rm_rf(test_path(out, "d"));
	cr_assert_eq(mkdir(test_path(out, "d"), 0700), 0);
	cmd = fmt("'%s' '%s' < '%s' > '%s' 2> '%s'", test_prog(prog),
		  test_path(out, "d"), test_path(out, "in"),
		  test_path(out, "keke.out"), test_path(out, "keke.err"));
	cr_assert_eq(traced("", cmd), 0, "%s failed under keke", prog);
	free(cmd);
	bare_out = slurp("bare.out");
	keke_out = slurp("keke.out");
	cr_assert_str_eq(keke_out, bare_out, "%s wrote other output under "
			 "keke", prog);
	report = slurp("keke.err");
	cr_assert(strstr(report, "# errno_kept=1\n"), "%s: a call changed "
		  "errno:\n%s", prog, report);
	want = printed_calls(report);
	got = recorded(prog);
	cr_assert_str_eq(got, want, "%s: recorded (left) is not what it "
			 "made (right)", prog);
	free(want);
	free(got);
	free(report);
	free(bare_out);
	free(keke_out);
}

/* Whether @prog imports each of @symbols (NULL-terminated). */
static void expect_imports(const char *prog, const char *const *symbols)
{
	for (; *symbols; symbols++) {
		char *cmd = fmt("nm -D --undefined-only '%s' | grep -qw '%s'",
				test_prog(prog), *symbols);

		cr_assert_eq(bare(cmd), 0, "%s does not call %s", prog,
			     *symbols);
		free(cmd);
	}
}

TestSuite(stdio, .init = setup, .fini = teardown, .timeout = 240);

Test(stdio, calls_are_recorded_as_made)
{
	check_stdio_calls("stdio_calls");
}

Test(stdio, inline_macros_are_counted_as_calls)
{
	static const char *const used[] = { "__overflow", "__uflow",
					    "__getdelim", NULL };

	expect_imports("stdio_calls_inline", used);
	check_stdio_calls("stdio_calls_inline");
}

Test(stdio, fortified_spellings_record_the_same)
{
	static const char *const used[] = {
		"__printf_chk", "__fprintf_chk", "__vfprintf_chk",
		"__dprintf_chk", "__fgets_chk", "__fgets_unlocked_chk",
		"__fread_chk", "__fread_unlocked_chk", "__isoc99_scanf",
		"__isoc99_fscanf", NULL
	};

	expect_imports("stdio_calls_fortify", used);
	check_stdio_calls("stdio_calls_fortify");
}

/* The calls that write, and those that read: their results are bytes. */
#define WRITES "('fwrite', 'fputs', 'puts', 'fprintf', 'printf', "	\
	"'dprintf', 'putc', 'write', 'pwrite', 'writev', 'pwritev')"
#define READS "('fread', 'fgets', 'getline', 'getdelim', 'getc', "	\
	"'fscanf', 'scanf', 'read', 'pread', 'readv', 'preadv')"

/* Bytes the calls in @names moved on @path, as keke recorded them. */
static int64_t keke_bytes(const char *path, const char *names)
{
	char *sql = fmt("SELECT coalesce(sum(r.int_value), 0) FROM slice s "
			"JOIN args p ON p.arg_set_id = s.arg_set_id AND "
			"p.key = 'path' JOIN args r ON r.arg_set_id = "
			"s.arg_set_id AND r.key = 'result' WHERE "
			"p.string_value = '%s' AND r.int_value > 0 AND "
			"s.name IN %s", path, names);
	int64_t n = test_db_int(db(), sql);

	free(sql);
	return n;
}

/* The same on fd @fd of the processes named @prog (its path unknown to
 * keke: the shell opened it). */
static int64_t keke_fd_bytes(const char *prog, int fd, const char *names)
{
	char *sql = fmt("SELECT coalesce(sum(r.int_value), 0) FROM slice s "
			"JOIN thread_track tt ON tt.id = s.track_id JOIN "
			"thread t ON t.utid = tt.utid JOIN process pr ON "
			"pr.upid = t.upid JOIN args f ON f.arg_set_id = "
			"s.arg_set_id AND f.key = 'fd' JOIN args r ON "
			"r.arg_set_id = s.arg_set_id AND r.key = 'result' "
			"WHERE pr.name = '%s' AND f.int_value = %d AND "
			"r.int_value > 0 AND s.name IN %s", prog, fd, names);
	int64_t n = test_db_int(db(), sql);

	free(sql);
	return n;
}

/* What stdio_bytes says it did to a file (@path NULL: to its stdout). */
struct file_report {
	char path[512];
	long written, read, putc, getc;
};

/*
 * Runs stdio_bytes under keke (@env) with stdout in its dir, and reads
 * what it printed on stderr into @rep (room for @max); returns how many.
 */
static int run_stdio_bytes(const char *env, struct file_report *rep,
			   int max)
{
	char *cmd, *report, *save = NULL;
	int n = 0;

	cr_assert_eq(mkdir(test_path(out, "b"), 0700), 0);
	cmd = fmt("'%s' '%s' > '%s' 2> '%s'", test_prog("stdio_bytes"),
		  test_path(out, "b"), test_path(out, "b/stdout.txt"),
		  test_path(out, "report"));
	cr_assert_eq(traced(env, cmd), 0, "stdio_bytes failed");
	free(cmd);
	report = slurp("report");
	for (char *line = strtok_r(report, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		struct file_report *f = &rep[n];

		memset(f, 0, sizeof(*f));
		if (sscanf(line, "# file %511s written=%ld read=%ld putc=%ld "
			   "getc=%ld", f->path, &f->written, &f->read,
			   &f->putc, &f->getc) == 5 ||
		    sscanf(line, "# fd 1 written=%ld putc=%ld", &f->written,
			   &f->putc) == 2)
			n++;
	}
	free(report);
	return n;
}

/* Checks that keke's count of @names on @f's file (or stdout) is @want. */
static void expect_bytes(const struct file_report *f, const char *names,
			 long want, const char *what)
{
	int64_t got = f->path[0] ? keke_bytes(f->path, names) :
				   keke_fd_bytes("stdio_bytes", 1, names);

	cr_expect_eq(got, want, "%s: keke counted %lld bytes %s, the program "
		     "%ld", f->path[0] ? f->path : "stdout", (long long)got,
		     what, want);
}

Test(stdio, bytes_add_up_per_file)
{
	struct file_report rep[32];
	int n = run_stdio_bytes("", rep, 32);

	cr_assert_geq(n, 12, "stdio_bytes reported %d files", n);
	/* A file's lines add up: it is written, then read. */
	for (int i = 0; i < n; i++) {
		if (rep[i].written)
			expect_bytes(&rep[i], WRITES, rep[i].written,
				     "written");
		if (rep[i].read)
			expect_bytes(&rep[i], READS, rep[i].read, "read");
		if (rep[i].putc)
			expect_bytes(&rep[i], "('putc')", rep[i].putc,
				     "put one at a time");
		if (rep[i].getc)
			expect_bytes(&rep[i], "('getc')", rep[i].getc,
				     "got one at a time");
	}
	/* 100,000 putc to one file: a slice per run, not per byte. */
	char *sql = fmt("SELECT count(*) FROM slice s JOIN args p ON "
			"p.arg_set_id = s.arg_set_id AND p.key = 'path' WHERE "
			"s.name = 'putc' AND p.string_value = '%s'",
			test_path(out, "b/putc.txt"));
	int64_t runs = test_db_int(db(), sql);

	cr_assert(runs >= 2 && runs <= 4, "%lld putc slices for 100,000 "
		  "putc", (long long)runs);
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM slice s JOIN "
				 "args c ON c.arg_set_id = s.arg_set_id AND "
				 "c.key = 'calls' WHERE s.name IN ('putc', "
				 "'getc') AND (c.int_value > 65536 OR "
				 "s.dur != 0)"), 0,
		     "a run of more than 65536 calls, or with a duration");
	free(sql);
}

/* Runs that KEKE_MIN_DUR would leave out are kept, and the calls it
 * leaves out still mark their streams: the bytes of the per-character
 * calls stay right (their sums are compared). */
Test(stdio, runs_are_kept_under_a_min_duration)
{
	struct file_report rep[32];
	int n = run_stdio_bytes("KEKE_MIN_DUR=1s", rep, 32);
	long puts = 0, gets = 0;

	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM slice WHERE "
				 "name IN ('fputs', 'fwrite', 'fprintf', "
				 "'fgets')"), 0, "KEKE_MIN_DUR=1s kept calls");
	for (int i = 0; i < n; i++) {
		puts += rep[i].putc;
		gets += rep[i].getc;
	}
	cr_assert_gt(puts, 0);
	cr_assert_eq(test_db_int(db(), "SELECT sum(r.int_value) FROM slice s "
				 "JOIN args r ON r.arg_set_id = s.arg_set_id "
				 "AND r.key = 'result' WHERE s.name = 'putc'"),
		     puts);
	cr_assert_eq(test_db_int(db(), "SELECT sum(r.int_value) FROM slice s "
				 "JOIN args r ON r.arg_set_id = s.arg_set_id "
				 "AND r.key = 'result' WHERE s.name = 'getc'"),
		     gets);
}

Test(stdio, the_family_can_be_left_out)
{
	char *cmd = fmt("printf '12 abc\\nrest\\n' > '%s'",
			test_path(out, "in"));

	cr_assert_eq(bare(cmd), 0);
	free(cmd);
	cr_assert_eq(mkdir(test_path(out, "d"), 0700), 0);
	cmd = fmt("'%s' '%s' < '%s' > '%s' 2> /dev/null",
		  test_prog("stdio_calls"), test_path(out, "d"),
		  test_path(out, "in"), test_path(out, "keke.out"));
	cr_assert_eq(traced("KEKE_TRACE=all,-stdio", cmd), 0);
	free(cmd);
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM slice WHERE "
				 "category = 'stdio'"), 0);
	cr_assert_gt(test_db_int(db(), "SELECT count(*) FROM slice WHERE "
				 "name = 'fopen'"), 0);
}

/* Bytes moved per path, as strace -f -y saw the read and write calls in
 * @log, for the paths under @under. */
struct path_bytes {
	char path[512];
	int64_t written, read;
};

static int strace_bytes(const char *log, const char *under,
			struct path_bytes *pb, int max)
{
	FILE *f = fopen(log, "r");
	char line[8192];
	int n = 0;

	cr_assert(f, "no strace log");
	while (fgets(line, sizeof(line), f)) {
		char *call = strchr(line, ' '), *lt, *gt, *eq;
		long long result;
		bool writes;
		int i;

		while (call && *call == ' ')
			call++;
		lt = call ? strchr(call, '<') : NULL;
		gt = lt ? strchr(lt, '>') : NULL;
		eq = strrchr(line, '=');
		if (!gt || !eq || sscanf(eq + 1, "%lld", &result) != 1 ||
		    result <= 0 || strncmp(lt + 1, under, strlen(under)))
			continue;
		writes = !strncmp(call, "write", 5) ||
			 !strncmp(call, "pwrite", 6);
		*gt = '\0';
		for (i = 0; i < n && strcmp(pb[i].path, lt + 1); i++)
			;
		if (i == n) {
			cr_assert_lt(n, max);
			snprintf(pb[n].path, sizeof(pb[n].path), "%s", lt + 1);
			pb[n].written = pb[n].read = 0;
			n++;
		}
		*(writes ? &pb[i].written : &pb[i].read) += result;
	}
	fclose(f);
	return n;
}

/* Whether @got is within 1% of @want. */
static bool close_to(int64_t got, int64_t want)
{
	int64_t d = got > want ? got - want : want - got;

	return d * 100 <= want;
}

/* Runs @cmd under strace and under keke, and checks that the bytes
 * written and read of every path under @under agree within 1%; the path
 * @stdout_path is the traced process @prog's fd 1. Returns how many paths
 * were compared. */
static int compare_with_strace(const char *cmd, const char *under_,
			       const char *prog, const char *stdout_)
{
	/* test_path's buffers are reused: keep these. */
	char *under = strdup(under_);
	char *stdout_path = stdout_ ? strdup(stdout_) : NULL;
	struct path_bytes pb[64];
	char *full;
	int n;

	full = fmt("strace -f -qq -s 0 -y -o '%s' -e trace=write,pwrite64,"
		   "writev,pwritev,read,pread64,readv,preadv,copy_file_range,"
		   "sendfile,splice sh -c \"%s\"", test_path(out, "strace.log"),
		   cmd);
	cr_assert_eq(bare(full), 0, "%s failed under strace", cmd);
	free(full);
	n = strace_bytes(test_path(out, "strace.log"), under, pb, 64);
	cr_assert_eq(traced("", cmd), 0, "%s failed under keke", cmd);
	for (int i = 0; i < n; i++) {
		bool out_fd = stdout_path && !strcmp(pb[i].path, stdout_path);
		int64_t w = out_fd ? keke_fd_bytes(prog, 1, WRITES) :
				     keke_bytes(pb[i].path, WRITES);
		int64_t r = out_fd ? 0 : keke_bytes(pb[i].path, READS);

		cr_expect(close_to(w, pb[i].written), "%s: keke counted %lld "
			  "bytes written, strace %lld", pb[i].path,
			  (long long)w, (long long)pb[i].written);
		cr_expect(close_to(r, pb[i].read), "%s: keke counted %lld "
			  "bytes read, strace %lld", pb[i].path, (long long)r,
			  (long long)pb[i].read);
	}
	free(under);
	free(stdout_path);
	return n;
}

/* Skips the test unless strace is installed and allowed to trace. */
static void need_strace(void)
{
	if (bare("strace -qq -o /dev/null true 2>/dev/null"))
		cr_skip_test("strace is not installed or may not trace here");
}

Test(stdio, bytes_per_path_match_strace)
{
	char *cmd;
	int n;

	need_strace();
	cr_assert_eq(mkdir(test_path(out, "b"), 0700), 0);
	cmd = fmt("'%s' '%s' > '%s' 2> /dev/null", test_prog("stdio_bytes"),
		  test_path(out, "b"), test_path(out, "b/stdout.txt"));
	n = compare_with_strace(cmd, test_path(out, "b/"), "stdio_bytes",
				test_path(out, "b/stdout.txt"));
	cr_assert_geq(n, 10, "strace saw %d of stdio_bytes' files", n);
	free(cmd);
}

/* GCC's cc1 writes its .s with fputs_unlocked between inline
 * putc_unlocked; as writes the .o with fwrite between fseeks, which read
 * ahead. */
Test(stdio, a_compiler_bytes_match_strace)
{
	char *cmd, *src;
	int n;

	need_strace();
	if (bare("command -v cc >/dev/null"))
		cr_skip_test("no C compiler");
	src = fmt("%s/../src/record/families.c", getenv("KEKE_TESTS_SRC"));
	cr_assert_eq(mkdir(test_path(out, "c"), 0700), 0);
	cmd = fmt("cd '%s' && cc -O2 -I'%s/../src' -c '%s' -save-temps=obj "
		  "-o '%s'", test_path(out, "c"), getenv("KEKE_TESTS_SRC"),
		  src, test_path(out, "c/families.o"));
	n = compare_with_strace(cmd, test_path(out, "c/"), NULL, NULL);
	cr_assert_geq(n, 3, "strace saw %d of the compiler's files", n);
	free(cmd);
	free(src);
}
