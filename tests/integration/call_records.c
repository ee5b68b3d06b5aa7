// SPDX-License-Identifier: MIT
/*
 * The hooks of the file, net, sync, thread and dl families, on real
 * programs (tests/progs/): each program prints the calls it made, with the
 * results and errno it saw, and the calls keke recorded must be exactly
 * those, in the same order, with the same arguments. Also: every spelling
 * of a call (large-file, fortified, the old __xstat family) records the
 * same event, signals, 64 threads, closed fds, KEKE_TRACE and KEKE_MIN_DUR.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "traced_calls.h"
#include "record/reader.h"

TEST_SCRATCH_DIR

static const char *json(void)
{
	return test_path(out, "t.json");
}

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* Runs `[ENV] keke run -q -o OUT/t.json --db OUT/t.db -- CMD`; returns its
 * exit code, with its stdout in *o when not NULL. */
static int keke_run_env(const char *env, const char *cmd, char **o)
{
	return test_keke_run(out, env, cmd, o);
}

static int keke_run(const char *cmd, char **o)
{
	return keke_run_env("", cmd, o);
}

static void check_json(void)
{
	test_check_json(json());
}

/* The calls these tests compare with what their programs printed. */
#define CALLS "category IN ('file', 'net', 'sync', 'thread', 'dl')"

static int pid_of(const char *name)
{
	return test_pid_of(db(), name);
}

static void expect_calls(const char *printed, int tid)
{
	test_expect_calls(db(), printed, tid, CALLS);
}

/* Whether @printed has the line @line. */
static bool has_line(const char *printed, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = printed; p && *p; p = strchr(p, '\n'), p += !!p)
		if (!strncmp(p, line, n) && (p[n] == '\n' || !p[n]))
			return true;
	return false;
}

/* @s with every @from replaced by @to (malloc'd). */
static char *replace_all(const char *s, const char *from, const char *to)
{
	size_t nf = strlen(from), nt = strlen(to);
	char *r = malloc(strlen(s) * (nt + 1) + 1), *w = r;

	cr_assert(r);
	while (*s) {
		if (!strncmp(s, from, nf)) {
			memcpy(w, to, nt);
			w += nt;
			s += nf;
		} else {
			*w++ = *s++;
		}
	}
	*w = '\0';
	return r;
}

/* Whether dynamic program @prog imports @symbol. */
static bool imports(const char *prog, const char *symbol)
{
	return test_imports(prog, symbol);
}

/* Runs file_calls build @prog in a fresh dir; returns its output with
 * that dir written "DIR". */
static char *run_file_calls(const char *prog)
{
	char cmd[8192], *o = NULL, *normal;
	char *dir = strdup(test_path(out, prog));

	cr_assert_eq(mkdir(dir, 0700), 0);
	snprintf(cmd, sizeof(cmd), "'%s' '%s'", test_prog(prog), dir);
	cr_assert_eq(keke_run(cmd, &o), 0, "%s failed", prog);
	expect_calls(o, pid_of(prog));
	cr_assert(has_line(o, "# errno_kept=1"), "%s: a successful write "
		  "changed errno:\n%s", prog, o);
	cr_assert(has_line(o, "# open_errno=2"), "%s: a failing open did "
		  "not leave ENOENT:\n%s", prog, o);
	check_json();
	normal = replace_all(o, dir, "DIR");
	free(o);
	free(dir);
	return normal;
}

TestSuite(calls, .init = setup, .fini = teardown, .timeout = 240);

Test(calls, file_calls_are_recorded_as_made)
{
	free(run_file_calls("file_calls"));
}

Test(calls, every_spelling_records_the_same_events)
{
	static const char *const variants[] = {
		"file_calls_lfs", "file_calls_fortify",
		"file_calls_fortify_lfs",
	};
	char *plain = run_file_calls("file_calls");

	/* The builds really call the other spellings. */
	cr_assert(imports("file_calls_lfs", "open64"));
	cr_assert(imports("file_calls_lfs", "pread64"));
	cr_assert(imports("file_calls_lfs", "lseek64"));
	cr_assert(imports("file_calls_fortify", "__open_2"));
	cr_assert(imports("file_calls_fortify", "__read_chk"));
	cr_assert(imports("file_calls_fortify", "__pread_chk"));
	cr_assert(imports("file_calls_fortify_lfs", "__open64_2"));
	cr_assert(imports("file_calls_fortify_lfs", "__pread64_chk"));
	cr_assert(imports("file_calls", "__xstat"));
	cr_assert(imports("file_calls", "__fxstatat"));
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
		char *got = run_file_calls(variants[i]);

		cr_assert_str_eq(got, plain, "%s made other calls than "
				 "file_calls", variants[i]);
		free(got);
	}
	free(plain);
}

Test(calls, stdio_records_only_what_the_program_called)
{
	char cmd[8192], sql[512];

	/* fopen/fclose open, write and close inside glibc: not recorded. */
	cr_assert_eq(mkdir(test_path(out, "d"), 0700), 0);
	snprintf(cmd, sizeof(cmd), "'%s' '%s'", test_prog("file_calls"),
		 test_path(out, "d"));
	cr_assert_eq(keke_run(cmd, NULL), 0);
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM slice s, slice f "
		 "WHERE f.name = 'fclose' AND s.category = 'file' AND "
		 "s.id != f.id AND s.track_id = f.track_id AND s.ts >= f.ts "
		 "AND s.ts < f.ts + f.dur");
	cr_assert_eq(test_db_int(db(), sql), 0, "a call inside fclose was "
		     "recorded");
}

Test(calls, net_calls_are_recorded_as_made)
{
	char cmd[8192], *o = NULL;

	snprintf(cmd, sizeof(cmd), "'%s' '%s'", test_prog("net_calls"), out);
	cr_assert_eq(keke_run(cmd, &o), 0);
	expect_calls(o, pid_of("net_calls"));
	cr_assert(strstr(o, "addr=127.0.0.1:"), "%s", o);
	check_json();
	free(o);
}

Test(calls, sync_calls_record_only_waits)
{
	char *o = NULL;

	cr_assert_eq(keke_run(test_prog("sync_calls"), &o), 0);
	/* Includes one contended lock out of 1002, and no other. */
	expect_calls(o, pid_of("sync_calls"));
	cr_assert(strstr(o, "pthread_mutex_lock result=0"),
		  "the lock did not wait:\n%s", o);
	cr_assert(strstr(o, "pthread_cond_timedwait result=110 errno=110"),
		  "%s", o);
	check_json();
	free(o);
}

Test(calls, threads_are_linked_to_their_creator_and_named)
{
	char *o = NULL, sql[512], *save = NULL;
	int threads = 0;

	cr_assert_eq(keke_run(test_prog("thread_calls"), &o), 0);
	expect_calls(o, pid_of("thread_calls"));
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM flow f "
				 "JOIN slice a ON a.id = f.slice_out "
				 "JOIN slice b ON b.id = f.slice_in "
				 "WHERE a.name = 'pthread_create' AND "
				 "b.name = 'thread_start' AND "
				 "a.category = 'thread' AND "
				 "b.category = 'thread' AND "
				 "a.track_id != b.track_id"), 4);
	for (char *line = strtok_r(o, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[32], *got;
		int tid;

		if (sscanf(line, "# thread %d name=%31s", &tid, name) != 2)
			continue;
		snprintf(sql, sizeof(sql),
			 "SELECT name FROM thread WHERE tid = %d", tid);
		got = test_db_str(db(), sql);
		cr_assert(got && !strcmp(got, name), "thread %d is named %s, "
			  "not %s", tid, got ? got : "nothing", name);
		free(got);
		threads++;
	}
	cr_assert_eq(threads, 4);
	check_json();
	free(o);
}

Test(calls, dlopen_searches_as_the_program_would)
{
	char *o = NULL;

	/* libkeke_plugin.so is found only through dl_calls's RUNPATH. */
	cr_assert_eq(keke_run(test_prog("dl_calls"), &o), 0,
		     "dl_calls could not open its plugin under keke");
	cr_assert(has_line(o, "# answer_ok=1"));
	expect_calls(o, pid_of("dl_calls"));
	cr_assert(test_db_int(db(), "SELECT count(*) FROM args WHERE "
			      "key = 'module' AND string_value LIKE "
			      "'%/libkeke_plugin.so'") == 1);
	check_json();
	free(o);
}

Test(calls, read_interrupted_by_a_signal_that_writes)
{
	char *o = NULL;
	int pid;

	cr_assert_eq(keke_run(test_prog("signal_interrupts"), &o), 0);
	cr_assert(has_line(o, "# read_errno=4"), "%s", o);
	cr_assert(has_line(o, "# segv_handled=1"), "%s", o);
	pid = pid_of("signal_interrupts");
	expect_calls(o, pid);
	/* The handler's write lies inside the interrupted read. */
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM slice r, slice w "
				 "WHERE r.name = 'read' AND w.name = 'write' "
				 "AND w.ts > r.ts AND w.ts + w.dur <= "
				 "r.ts + r.dur"), 1);
	check_json();
	free(o);
}

/* The one record file in @dir (a run of one process), malloc'd. */
static char *only_record_file(const char *dir)
{
	char cmd[4096], *o = NULL;

	snprintf(cmd, sizeof(cmd), "ls '%s'/*.kr", dir);
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0);
	cr_assert(o && strlen(o) > 1 && !strchr(o, '\n')[1],
		  "not one record file in %s: %s", dir, o);
	o[strlen(o) - 1] = '\0';
	return o;
}

/*
 * Checks the "# thread TID writes=N" lines of @printed against the write
 * records of thread TID in record file @path, counted with the reader.
 * Returns the number of threads.
 */
static int expect_writes_per_thread(const char *printed, const char *path)
{
	char err[KEKE_ERROR_MAX], *copy = strdup(printed), *save = NULL;
	struct keke_reader r;
	struct keke_record rec;
	struct { int tid; long writes; long recorded; } t[128];
	int n = 0, got;

	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		cr_assert_lt(n, 128);
		if (sscanf(line, "# thread %d writes=%ld", &t[n].tid,
			   &t[n].writes) == 2)
			t[n++].recorded = 0;
	}
	cr_assert_eq(keke_reader_open(&r, path, err), 0, "%s", err);
	while ((got = keke_reader_next(&r, &rec, err)) != 0) {
		cr_assert_eq(got, 1, "%s", err);
		if (rec.type != KEKE_REC_SLICE || rec.name != KEKE_CALL_WRITE)
			continue;
		for (int i = 0; i < n; i++)
			if (t[i].tid == rec.tid)
				t[i].recorded++;
	}
	cr_assert_eq(r.hdr.dropped, 0, "%llu events dropped",
		     (unsigned long long)r.hdr.dropped);
	keke_reader_close(&r);
	for (int i = 0; i < n; i++)
		cr_assert_eq(t[i].recorded, t[i].writes, "thread %d: %ld "
			     "writes made, %ld recorded", t[i].tid,
			     t[i].writes, t[i].recorded);
	free(copy);
	return n;
}

Test(calls, sixty_four_threads_lose_no_write, .timeout = 600)
{
	char cmd[8192], *o = NULL, *path;
	const char *trace = test_path(out, "trace");

	/* 64 x 20000 writes: the record files, read back directly. */
	cr_assert_eq(mkdir(trace, 0700), 0);
	snprintf(cmd, sizeof(cmd), "KEKE_DIR='%s' LD_PRELOAD='%s' '%s' 64 "
		 "20000", trace, test_preload(),
		 test_prog("many_threads_write"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0);
	path = only_record_file(trace);
	cr_assert_eq(expect_writes_per_thread(o, path), 64);
	free(path);
	free(o);
}

Test(calls, sixty_four_threads_merge_every_write)
{
	char *o = NULL, *save = NULL, cmd[4096], sql[512];
	int threads = 0;

	snprintf(cmd, sizeof(cmd), "'%s' 64 1000",
		 test_prog("many_threads_write"));
	cr_assert_eq(keke_run(cmd, &o), 0);
	for (char *line = strtok_r(o, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		long writes;
		int tid;

		if (sscanf(line, "# thread %d writes=%ld", &tid, &writes) != 2)
			continue;
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM slice WHERE "
			 "name = 'write' AND track_id IN (SELECT tt.id FROM "
			 "thread_track tt JOIN thread t ON t.utid = tt.utid "
			 "WHERE t.tid = %d)", tid);
		cr_assert_eq(test_db_int(db(), sql), writes, "thread %d: %ld "
			     "writes made, %lld recorded", tid, writes,
			     (long long)test_db_int(db(), sql));
		threads++;
	}
	cr_assert_eq(threads, 64);
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM slice WHERE "
				 "name = 'write'"), 64000);
	check_json();
	free(o);
}

/* Per thread that wrote: how many writes, how many sizes, the least and
 * the most bytes (killed_writers writes 1, 2, 3, ... bytes). */
#define WRITES_PER_THREAD						\
	"SELECT count(*) AS n, count(DISTINCT a.int_value) AS sizes,"	\
	" min(a.int_value) AS lo, max(a.int_value) AS hi FROM slice s"	\
	" JOIN args a ON a.arg_set_id = s.arg_set_id AND a.key = 'count'" \
	" WHERE s.name = 'write' GROUP BY s.track_id"

Test(calls, threads_killed_while_writing_keep_each_write_once)
{
	static const int after_ms[] = { 20, 50, 150 };
	char *cmd;

	/* Killed at three moments, wherever each thread is in filling or
	 * copying its chunk: a thread's writes are 1 to n bytes, each once. */
	for (size_t i = 0; i < sizeof(after_ms) / sizeof(after_ms[0]); i++) {
		/* not keke_run, which warns of the exit code expected here */
		cr_assert(asprintf(&cmd, "'%s' run -q -o '%s' --db '%s' -- "
				   "'%s' 4 %d", test_keke_bin(), json(), db(),
				   test_prog("killed_writers"),
				   after_ms[i]) > 0);
		cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 137);
		free(cmd);
		cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM ("
					 WRITES_PER_THREAD ")"), 4);
		cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM ("
					 WRITES_PER_THREAD ") WHERE n != sizes"
					 " OR lo != 1 OR hi != n"), 0,
			     "killed after %d ms: a write lost or doubled",
			     after_ms[i]);
		if (i == 0)	/* the smallest trace: checking takes time */
			check_json();
	}
	/* Each thread copied its chunk (about 2,000 writes) more than once. */
	cr_assert_gt(test_db_int(db(), "SELECT min(n) FROM ("
				 WRITES_PER_THREAD ")"), 5000);
}

Test(calls, closing_every_fd_does_not_stop_tracing)
{
	char *o = NULL, sql[512];
	int pid;

	cr_assert_eq(keke_run(test_prog("closed_fds"), &o), 0);
	cr_assert(has_line(o, "# dup2_ok=1"), "%s", o);
	cr_assert(has_line(o, "# thread_ok=1"), "%s", o);
	pid = pid_of("closed_fds");
	expect_calls(o, pid);
	/* The thread started after it all records too. */
	snprintf(sql, sizeof(sql), "SELECT count(*) FROM slice s JOIN "
		 "thread_track tt ON tt.id = s.track_id JOIN thread t ON "
		 "t.utid = tt.utid WHERE s.name IN ('open', 'write', 'close') "
		 "AND t.tid != %d", pid);
	cr_assert_eq(test_db_int(db(), sql), 3);
	check_json();
	free(o);
}

Test(calls, keke_trace_chooses_families)
{
	char cmd[8192];

	cr_assert_eq(mkdir(test_path(out, "d"), 0700), 0);
	snprintf(cmd, sizeof(cmd), "'%s' '%s'", test_prog("file_calls"),
		 test_path(out, "d"));
	cr_assert_eq(keke_run_env("KEKE_TRACE=net,sync", cmd, NULL), 0);
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM slice WHERE "
				 "category = 'file'"), 0);
	test_rm_rf(test_path(out, "d"));
	cr_assert_eq(mkdir(test_path(out, "d"), 0700), 0);
	cr_assert_eq(keke_run_env("KEKE_TRACE=all,-file", cmd, NULL), 0);
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM slice WHERE "
				 "category = 'file'"), 0);
	test_rm_rf(test_path(out, "d"));
	cr_assert_eq(mkdir(test_path(out, "d"), 0700), 0);
	cr_assert_eq(keke_run_env("KEKE_TRACE=file", cmd, NULL), 0);
	cr_assert_gt(test_db_int(db(), "SELECT count(*) FROM slice WHERE "
				 "category = 'file'"), 40);
}

Test(calls, unknown_family_is_a_clear_error)
{
	char cmd[8192], *o = NULL, *e = NULL;

	/* Bare mode: the first process says what is wrong, and the program
	 * runs untouched. */
	snprintf(cmd, sizeof(cmd), "TMPDIR='%s' KEKE_QUIET=0 KEKE_TRACE=fiel "
		 "LD_PRELOAD='%s' '%s' 3", out, test_preload(),
		 test_prog("read_loop"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, &e)), 0);
	cr_assert(has_line(o, "# reads=3"));
	cr_assert(strstr(e, "KEKE_TRACE: unknown trace family 'fiel' "
			 "(known: proc, file,"), "stderr: %s", e);
	free(o);
	free(e);
}

Test(calls, short_calls_are_counted_not_recorded)
{
	char cmd[4096], *o = NULL;
	int64_t recorded, left_out;

	snprintf(cmd, sizeof(cmd), "'%s' 20000", test_prog("read_loop"));
	/* Without stdio: read_loop's printf would be left out too. */
	cr_assert_eq(keke_run_env("KEKE_MIN_DUR=1s KEKE_TRACE=all,-stdio",
				  cmd, &o), 0);
	cr_assert(has_line(o, "# reads=20000"));
	recorded = test_db_int(db(), "SELECT count(*) FROM slice WHERE "
			       "category = 'file'");
	left_out = test_db_int(db(), "SELECT int_value FROM args WHERE "
			       "key = 'short_calls_left_out'");
	/* The open and 20000 reads: each one recorded or counted. */
	cr_assert_eq(recorded + left_out, 20001, "%lld recorded, %lld left "
		     "out", (long long)recorded, (long long)left_out);
	cr_assert_lt(recorded, 100, "KEKE_MIN_DUR=1s kept %lld calls",
		     (long long)recorded);
	/* A call that changes fds is kept: the merge follows fds by it. */
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM slice WHERE "
				 "name IN ('open', 'openat') AND depth > 0 "
				 "AND category = 'file'"), 1,
		     "the open was left out");
	free(o);
}

/* A read names the file its fd was opened on, and the close too. */
Test(calls, fd_calls_are_named_by_their_file)
{
	char cmd[8192], sql[8192];
	const char *file = test_path(out, "named.txt");

	snprintf(cmd, sizeof(cmd), "printf hello > '%s'", file);
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0);
	snprintf(cmd, sizeof(cmd), "sh -c \"head -c 3 '%s' >/dev/null\"",
		 file);
	cr_assert_eq(keke_run(cmd, NULL), 0);
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM slice s JOIN args a ON a.arg_set_id = "
		 "s.arg_set_id WHERE s.name IN ('read', 'close') AND "
		 "a.key = 'path' AND a.string_value = '%s'", file);
	cr_assert_geq(test_db_int(db(), sql), 2, "%s", sql);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM slice s JOIN args "
				       "a ON a.arg_set_id = s.arg_set_id WHERE "
				       "s.name = 'read' AND a.key = 'path' AND "
				       "a.string_value LIKE '%named.txt' AND "
				       "EXISTS (SELECT 1 FROM args b WHERE "
				       "b.arg_set_id = s.arg_set_id AND "
				       "b.key = 'result' AND b.int_value = 3)"),
		     1);
	check_json();
}

Test(calls, read_record_stays_within_32_bytes)
{
	char cmd[8192], *o = NULL, *path, err[KEKE_ERROR_MAX];
	const char *trace = test_path(out, "trace");
	struct keke_reader r;
	struct keke_record rec;
	int reads = 0, got;

	cr_assert_eq(mkdir(trace, 0700), 0);
	snprintf(cmd, sizeof(cmd), "KEKE_DIR='%s' LD_PRELOAD='%s' '%s' 1000",
		 trace, test_preload(), test_prog("read_loop"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0);
	path = only_record_file(trace);
	cr_assert_eq(keke_reader_open(&r, path, err), 0, "%s", err);
	while ((got = keke_reader_next(&r, &rec, err)) != 0) {
		uint32_t word;

		cr_assert_eq(got, 1, "%s", err);
		if (rec.type != KEKE_REC_SLICE || rec.name != KEKE_CALL_READ)
			continue;
		memcpy(&word, r.buf + (rec.offset - r.chunk), sizeof(word));
		cr_assert_leq(keke_rec_len(word), 32, "a read record takes %u "
			      "bytes", keke_rec_len(word));
		reads++;
	}
	keke_reader_close(&r);
	cr_assert_eq(reads, 1000);
	free(path);
	free(o);
}
