// SPDX-License-Identifier: MIT
/*
 * The torture suite: hostile programs (tests/progs/t_*.c) that try to make
 * a traced program notice keke, and keke lose or invent something. Each
 * program runs bare and under keke and must print the same stdout and
 * stderr and exit the same way (errno and signals included, where it
 * prints them); then the trace must hold what the program did, and both
 * outputs must be valid (tests/check_trace.py on the JSON, PRAGMA
 * integrity_check on the database).
 *
 * Lines a program starts with "~" depend on the run (thread ids, how
 * often a timer fired) and are left out of the comparison.
 *
 * Tests that need root (mounts, another user, setuid, a pid namespace)
 * skip with the reason when they cannot have it. Tests named in the
 * comments as showing a keke bug fail until it is fixed.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

/* The run's first process: the command keke run started. (Not upid 1:
 * when pids wrap around, a child can have a lower pid than its parent.) */
#define ROOT_UPID "(SELECT upid FROM process WHERE parent_upid IS NULL)"

static char *out;

/* No core files from the programs that die. */
static void setup(void)
{
	struct rlimit no_core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &no_core);
	out = test_tmpdir();
}

/* Unmounts what a test mounted in OUT (a failed test leaves it). */
static void teardown(void)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "for m in '%s'/mnt*; do "
		 "mountpoint -q \"$m\" 2>/dev/null && umount \"$m\"; done; "
		 "true", out);
	test_sh(cmd, NULL, NULL);
	test_rm_rf(out);
	free(out);
}

TestSuite(torture, .init = setup, .fini = teardown, .timeout = 120);

/* OUT/@name, malloc'd (test_path's buffers are reused by the helpers). */
static char *out_path(const char *name)
{
	char *p;

	cr_assert(asprintf(&p, "%s/%s", out, name) > 0);
	return p;
}

static const char *json(void)
{
	return test_path(out, "t.json");
}

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* Runs @cmd with /bin/sh, which must succeed. */
static void sh_ok(const char *cmd)
{
	struct outcome o = sh(cmd);

	cr_assert_eq(o.code, 0, "%s: exit %d\n%s", cmd, o.code, o.err);
	outcome_free(&o);
}

/* `keke run -q [@opts] -o OUT/t.json --db OUT/t.db -- @cmd`. */
static struct outcome keke_run_opts(const char *opts, const char *cmd)
{
	char *full = fmt("'%s' run -q %s -o '%s' --db '%s' -- %s",
			 test_keke_bin(), opts, json(), db(), cmd);
	struct outcome o = sh(full);

	free(full);
	return o;
}

static struct outcome keke_run(const char *cmd)
{
	return keke_run_opts("", cmd);
}

/* @s without its lines that start with "~" (malloc'd). */
static char *steady(const char *s)
{
	char *r = malloc(strlen(s) + 1), *w = r;

	cr_assert(r);
	while (*s) {
		const char *nl = strchrnul(s, '\n');
		size_t n = (size_t)(nl - s) + (*nl == '\n');

		if (*s != '~') {
			memcpy(w, s, n);
			w += n;
		}
		s += n;
	}
	*w = '\0';
	return r;
}

/* keke run's own line on processes that could not record, taken out of
 * the stderr of @o (the program's own stays). */
static void drop_unrecorded_line(struct outcome *o)
{
	char *at = strstr(o->err, "keke: "), *nl;

	for (; at; at = strstr(at, "keke: ")) {
		nl = strchrnul(at, '\n');
		if ((at == o->err || at[-1] == '\n') &&
		    memmem(at, (size_t)(nl - at), " could not write ", 17)) {
			memmove(at, nl + (*nl == '\n'),
				strlen(nl + (*nl == '\n')) + 1);
			continue;
		}
		at = nl;
	}
}

/* Asserts that @traced printed and exited as @bare did (keke run's line
 * on processes that could not record aside). */
static void assert_same(const char *what, const struct outcome *bare,
			struct outcome *traced)
{
	char *b = steady(bare->out), *t = steady(traced->out);

	drop_unrecorded_line(traced);

	cr_assert_eq(traced->code, bare->code, "%s: exit %d under keke, %d "
		     "without; stderr under keke:\n%s", what, traced->code,
		     bare->code, traced->err);
	cr_assert_str_eq(t, b, "%s: stdout differs under keke:\n--- bare\n%s"
			 "--- keke\n%s", what, b, t);
	cr_assert_str_eq(traced->err, bare->err, "%s: stderr differs under "
			 "keke:\n--- bare\n%s--- keke\n%s", what, bare->err,
			 traced->err);
	free(b);
	free(t);
}

/*
 * Runs @cmd bare and under `keke run`: both must exit @code and print the
 * same. Returns what the traced run printed (the caller frees it).
 */
static struct outcome same_both_ways(const char *cmd, int code)
{
	struct outcome bare = sh(cmd), traced;

	cr_assert_eq(bare.code, code, "bare: %s exited %d, not %d:\n%s%s",
		     cmd, bare.code, code, bare.out, bare.err);
	traced = keke_run(cmd);
	assert_same(cmd, &bare, &traced);
	outcome_free(&bare);
	return traced;
}

static void check_json_file(const char *path)
{
	char *cmd = fmt("python3 '%s/check_trace.py' '%s'",
			getenv("KEKE_TESTS_SRC"), path);
	struct outcome o = sh(cmd);

	cr_assert_eq(o.code, 0, "%s is not a valid trace:\n%s%s", path,
		     o.out, o.err);
	outcome_free(&o);
	free(cmd);
}

static void check_db_file(const char *path)
{
	char *ok = test_db_str(path, "PRAGMA integrity_check");

	cr_assert(ok && !strcmp(ok, "ok"), "%s: integrity_check: %s", path,
		  ok ? ok : "(nothing)");
	free(ok);
}

/* Both outputs of the last run are valid. */
static void check_outputs(void)
{
	check_db_file(db());
	check_json_file(json());
}

static int64_t q(const char *sql)
{
	return test_db_int(db(), sql);
}

__attribute__((format(printf, 1, 2))) static int64_t qf(const char *f, ...)
{
	va_list ap;
	char *sql;
	int64_t v;

	va_start(ap, f);
	cr_assert(vasprintf(&sql, f, ap) >= 0);
	va_end(ap);
	v = q(sql);
	free(sql);
	return v;
}

/* The number after "@key=" in @s, or -1. */
static long value_of(const char *s, const char *key)
{
	char *k = fmt("%s=", key);
	const char *at = strstr(s, k);
	long v = at ? atol(at + strlen(k)) : -1;

	free(k);
	return v;
}

static bool is_root(void)
{
	return geteuid() == 0;
}

/* The slices of thread @tid (by its thread table row). */
#define ON_TID "track_id IN (SELECT utid FROM thread WHERE tid = %d)"

/* Slices with arg @key = integer @v. */
#define WITH_INT(key, v) \
	"EXISTS (SELECT 1 FROM args a WHERE a.arg_set_id = slice.arg_set_id " \
	"AND a.key = '" key "' AND a.int_value = " #v ")"

/* Slices with arg error = @name (an errno name). */
#define WITH_ERROR(name) \
	"EXISTS (SELECT 1 FROM args a WHERE a.arg_set_id = slice.arg_set_id " \
	"AND a.key = 'error' AND a.string_value = '" name "')"

/* ------------------------------------------------------------------ */
/* Threads */

Test(torture, sixty_four_threads_write_while_others_fork)
{
	char *cmd = fmt("'%s' 64 300 4 10", test_prog("t_threads_write_fork"));
	struct outcome t = same_both_ways(cmd, 0);
	const char *p = t.out;
	int writers = 0;

	/* Every write on the thread that made it, none in a child. */
	while ((p = strstr(p, "~ writer "))) {
		int tid;
		long done;

		cr_assert_eq(sscanf(p, "~ writer %d done=%ld", &tid, &done), 2);
		cr_assert_eq(qf("SELECT count(*) FROM slice WHERE name = "
				"'write' AND " ON_TID, tid), done,
			     "thread %d: %ld writes made, %lld recorded", tid,
			     done, (long long)qf("SELECT count(*) FROM slice "
						 "WHERE name = 'write' AND "
						 ON_TID, tid));
		writers++;
		p++;
	}
	cr_assert_eq(writers, 64);
	cr_assert_eq(q("SELECT count(*) FROM slice s JOIN thread t ON "
		       "t.utid = s.track_id WHERE s.name = 'write' AND "
		       "t.upid = " ROOT_UPID), 64 * 300);
	/* 40 children, each with its one write, its code and its fork. */
	cr_assert_eq(q("SELECT count(*) FROM process"), 41);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE parent_upid = "
		       ROOT_UPID " "
		       "AND killed = 0 AND untraced = 0 AND dropped = 0"), 40);
	cr_assert_eq(q("SELECT sum(exit_code) FROM process WHERE "
		       "parent_upid = " ROOT_UPID), 4 * 45);
	cr_assert_eq(q("SELECT count(*) FROM slice s JOIN thread t ON "
		       "t.utid = s.track_id WHERE s.name = 'write' AND "
		       "t.upid != " ROOT_UPID), 40);
	cr_assert_eq(q("SELECT count(*) FROM flow f JOIN slice o ON "
		       "o.id = f.slice_out WHERE o.name = 'fork'"), 40);
	/* The four forking threads make their flows apart: each fork's
	 * leads to a child of its own. */
	cr_assert_eq(q("SELECT count(DISTINCT ti.upid) FROM flow f JOIN "
		       "slice o ON o.id = f.slice_out JOIN slice i ON i.id = "
		       "f.slice_in JOIN thread ti ON ti.utid = i.track_id "
		       "WHERE o.name = 'fork' AND ti.upid != " ROOT_UPID), 40);
	cr_assert_eq(q("SELECT sum(dropped) FROM process"), 0);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

Test(torture, cancel_threads_blocked_in_read)
{
	char *cmd = fmt("'%s' 8", test_prog("t_cancel_blocked_read"));
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, "canceled=8 cleaned=8 unreturned=8"),
		  "%s", t.out);
	/* The cancelled reads never returned; the 8 later ones did. */
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE name = 'read' AND "
		       WITH_INT("result", 1)), 8);
	cr_assert_eq(q("SELECT count(*) FROM thread"), 17);
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE "
		       "name = 'thread_start'"), 16);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

/* @err without keke's lines about damaged record files (malloc'd). */
static char *without_damage(const char *err)
{
	char *r = malloc(strlen(err) + 1), *w = r;

	cr_assert(r);
	while (*err) {
		const char *nl = strchrnul(err, '\n');
		size_t n = (size_t)(nl - err) + (*nl == '\n');

		if (strncmp(err, "keke: damaged: ", 15) &&
		    strncmp(err, "keke: merge is partial", 22)) {
			memcpy(w, err, n);
			w += n;
		}
		err += n;
	}
	*w = '\0';
	return r;
}

/* The exec ends 80 other threads wherever they are. What keke says of
 * the records this may tear is checked by the next test. */
Test(torture, thread_exits_while_another_execs)
{
	char *cmd = fmt("'%s' 16 64", test_prog("t_thread_exit_exec"));
	struct outcome bare = sh(cmd), t = keke_run(cmd);
	char *err = without_damage(t.err);

	free(t.err);
	t.err = err;
	cr_assert_eq(bare.code, 3);
	assert_same(cmd, &bare, &t);
	cr_assert(strstr(t.out, "image2 same_pid=1"), "%s", t.out);
	cr_assert_eq(q("SELECT count(*) FROM process"), 1);
	cr_assert_eq(q("SELECT exit_code FROM process"), 3);
	/* The exec, from a thread that is not the main one, leads to the
	 * new image on the main thread. */
	cr_assert_eq(q("SELECT count(*) FROM flow f JOIN slice o ON "
		       "o.id = f.slice_out JOIN slice i ON i.id = f.slice_in "
		       "JOIN thread ti ON ti.utid = i.track_id JOIN thread to_ "
		       "ON to_.utid = o.track_id JOIN process p ON "
		       "p.upid = ti.upid WHERE o.name = 'exec' AND "
		       "i.category = 'process' AND i.depth = 0 AND "
		       "ti.tid = p.pid AND to_.tid != p.pid"), 1);
	check_outputs();
	outcome_free(&bare);
	outcome_free(&t);
	free(cmd);
}

/*
 * A thread ended by an exec (or a kill) in the middle of keke's recording
 * leaves a record whose header word is still zero with its fields after
 * it: the torn tail the record format is made for, which the reader must
 * skip without calling it damage (the merge stays whole, keke run -q stays
 * quiet). It happens in about one run in four, so the test tries up to
 * eight.
 */
Test(torture, threads_ended_mid_record_are_not_damage)
{
	char *cmd = fmt("'%s' run -q --no-json --db '%s' -- '%s' 16 64",
			test_keke_bin(), db(),
			test_prog("t_thread_exit_exec"));

	for (int i = 0; i < 8; i++) {
		struct outcome t = sh(cmd);

		cr_assert_eq(t.code, 3, "%s", t.err);
		cr_assert_str_eq(t.err, "", "run %d: keke says:\n%s", i + 1,
				 t.err);
		outcome_free(&t);
	}
	free(cmd);
}

/* ------------------------------------------------------------------ */
/* Signals */

/* t_signal_reentry: the main loop's calls are all recorded, each once,
 * with the handler's nested inside them. */
Test(torture, handler_reenters_the_hook_it_interrupted)
{
	char *cmd = fmt("'%s' 3000", test_prog("t_signal_reentry"));
	struct outcome t = same_both_ways(cmd, 0);
	long handler_writes = value_of(t.out, "handler_writes");
	long main_fd = value_of(t.out, "main"), handler_fd;

	handler_fd = value_of(t.out, "handler");
	cr_assert(main_fd >= 3 && handler_fd > main_fd, "%s", t.out);
	cr_assert_gt(handler_writes, 0, "the timer never fired: %s", t.out);
	cr_assert_eq(qf("SELECT count(*) FROM slice WHERE name = 'write' AND "
			WITH_INT("fd", %ld), main_fd), 3000);
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE name = 'open' AND "
		       WITH_ERROR("ENOENT")), 3000);
	cr_assert_leq(qf("SELECT count(*) FROM slice WHERE name = 'write' AND "
			 WITH_INT("fd", %ld), handler_fd), handler_writes,
		      "more handler writes recorded than made");
	/* Some handler write lies inside a main-loop call. */
	cr_assert_gt(qf("SELECT count(*) FROM slice h JOIN args a ON "
			"a.arg_set_id = h.arg_set_id AND a.key = 'fd' AND "
			"a.int_value = %ld JOIN slice m ON m.track_id = "
			"h.track_id AND m.depth < h.depth AND h.ts >= m.ts "
			"AND h.ts + h.dur <= m.ts + m.dur WHERE "
			"h.name = 'write'", handler_fd), 0);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

/*
 * A handler's calls that interrupt keke's own recording on the same
 * thread (keke_thread.busy set) cannot be recorded: each must at least be
 * counted as dropped, never missed silently.
 */
Test(torture, handler_calls_are_recorded_or_counted)
{
	char *cmd = fmt("'%s' 3000", test_prog("t_signal_reentry"));
	struct outcome t = keke_run(cmd);
	long handler_writes = value_of(t.out, "handler_writes");
	int64_t recorded, dropped;

	cr_assert_eq(t.code, 0);
	recorded = qf("SELECT count(*) FROM slice WHERE name = 'write' AND "
		      WITH_INT("fd", %ld), value_of(t.out, "handler"));
	dropped = q("SELECT sum(dropped) FROM process");
	cr_assert_geq(recorded + dropped, handler_writes,
		      "the handler wrote %ld times; %lld recorded, %lld "
		      "counted as dropped: the rest is lost silently",
		      handler_writes, (long long)recorded, (long long)dropped);
	outcome_free(&t);
	free(cmd);
}

/*
 * A handler after every instruction of 200 write calls (the x86 trap
 * flag): it lands in every window of the hook and the writer, among them
 * the one between marking the thread busy and reading its cursor. Each
 * of the handler's writes is recorded or counted as dropped, never
 * overwritten by the record it interrupted; the program's own are all
 * recorded.
 */
Test(torture, handler_after_every_instruction_of_a_hook)
{
	char *cmd = fmt("'%s' write 200",
			test_prog("t_handler_every_instruction"));
	struct outcome t = same_both_ways(cmd, 0);
	long handler_writes, handler_fd;
	int64_t recorded, dropped;

	if (strstr(t.out, "skipped"))
		cr_skip_test("needs the x86 trap flag");
	handler_writes = value_of(t.out, "handler_writes");
	handler_fd = value_of(t.out, "handler");
	cr_assert_gt(handler_writes, 200, "%s", t.out);
	cr_assert_eq(qf("SELECT count(*) FROM slice WHERE name = 'write' AND "
			WITH_INT("fd", %ld), value_of(t.out, "main")), 201);
	recorded = qf("SELECT count(*) FROM slice WHERE name = 'write' AND "
		      WITH_INT("fd", %ld), handler_fd);
	dropped = q("SELECT sum(dropped) FROM process");
	cr_assert_eq(recorded + dropped, handler_writes,
		     "the handler wrote %ld times; %lld recorded, %lld "
		     "counted as dropped", handler_writes,
		     (long long)recorded, (long long)dropped);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

/*
 * A handler that opens and closes a file after every instruction of 30
 * threads' ends, keke giving their chunks back among them: the program
 * never faults.
 */
Test(torture, handler_after_every_instruction_of_a_thread_end)
{
	char *cmd = fmt("'%s' threads 30",
			test_prog("t_handler_every_instruction"));
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, "threads=30 bad=0") ||
		  strstr(t.out, "skipped"), "%s", t.out);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

Test(torture, sa_restart_and_eintr)
{
	struct outcome t = same_both_ways(test_prog("t_signal_restart"), 0);

	cr_assert(strstr(t.out, "read SA_RESTART rc=1 errno=0 handled=1\n"),
		  "%s", t.out);
	cr_assert(strstr(t.out, "read no-restart rc=-1 errno=EINTR"), "%s",
		  t.out);
	cr_assert(strstr(t.out, "waitpid no-restart rc=-1 errno=EINTR"),
		  "%s", t.out);
	/* As the program saw them. */
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE name = 'read' AND "
		       WITH_ERROR("EINTR")), 1);
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE name = 'wait' AND "
		       WITH_ERROR("EINTR")), 1);
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE name IN "
		       "('nanosleep', 'poll', 'select') AND "
		       WITH_ERROR("EINTR")), 6);
	/* Each of the 12 handler runs is inside the call it interrupted. */
	cr_assert_eq(q("SELECT count(DISTINCT w.id) FROM slice w JOIN slice c "
		       "ON c.track_id = w.track_id AND w.ts > c.ts AND "
		       "w.ts + w.dur <= c.ts + c.dur WHERE w.name = 'write' "
		       "AND c.name IN ('read', 'wait', 'nanosleep', 'sleep', "
		       "'poll', 'select')"), 12);
	check_outputs();
	outcome_free(&t);
}

/*
 * Hooks must fit a signal handler on a 16 KiB alternate stack: a fork
 * from the handler (the child records its start) and an exec from it
 * (the exec record) write their strings straight into the record.
 */
Test(torture, handlers_on_a_16k_alternate_stack)
{
	char *cmd = fmt("'%s' 16384", test_prog("t_sigaltstack_calls"));
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, "exec'd again from a handler"), "%s", t.out);
	cr_assert_eq(q("SELECT count(*) FROM process"), 3);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE killed = 1"), 0);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

/* The same handlers with room enough (64 KiB). */
Test(torture, handlers_on_a_64k_alternate_stack)
{
	char *cmd = fmt("'%s' 65536", test_prog("t_sigaltstack_calls"));
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, "exec'd again from a handler"), "%s", t.out);
	cr_assert_eq(q("SELECT count(*) FROM process"), 3);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE killed = 1"), 0);
	/* The handler's calls, on the alternate stack, are recorded. */
	cr_assert_eq(q("SELECT count(*) FROM slice s JOIN thread t ON "
		       "t.utid = s.track_id WHERE t.upid = " ROOT_UPID " AND "
		       "s.name = 'write'"), 1);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

/*
 * A hook's real function is found on its first call, which may be in a
 * signal handler or a vfork child: there keke reads the libraries' symbol
 * tables and never asks dlsym (the program's own, which answers nothing,
 * would make keke say so and abort). The handler's calls are recorded;
 * the vfork child's only forwards, as every call there does until exec.
 */
Test(torture, first_calls_in_a_handler_and_a_vfork_child)
{
	char *cmd = fmt("'%s' '%s'", test_prog("t_first_call_in_handler"),
			out);
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, "handler: mkdir=0 fdatasync=0 rmdir=0\n"
			 "vfork child: unlinkat ok\nfile gone: yes\n"
			 "dlsym calls: 0\n"), "%s", t.out);
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE name IN ('mkdir', "
		       "'fdatasync', 'rmdir')"), 3);
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE name = 'unlinkat'"),
		     0);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

/*
 * A thread with a PTHREAD_STACK_MIN (16 KiB) stack may posix_spawn, exec
 * and fork under keke: no hook needs more stack than that.
 */
Test(torture, calls_from_a_thread_with_the_smallest_stack)
{
	char *cmd = fmt("'%s'", test_prog("t_small_thread_stack"));
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, "exec'd again from the small thread"), "%s",
		  t.out);
	/* It, and the children of posix_spawn, fork and fork+exec. */
	cr_assert_eq(q("SELECT count(*) FROM process WHERE killed = 0"), 4);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

/* t_die_by_signal @how dies by @sig, directly under keke run and inside
 * a traced shell; what it recorded before is kept. */
static void dies_by(const char *how, int sig)
{
	char *cmd = fmt("'%s' %s", test_prog("t_die_by_signal"), how);
	char *in_sh = fmt("sh -c \"'%s' %s; echo status=\\$?\"",
			  test_prog("t_die_by_signal"), how);
	struct outcome t = same_both_ways(cmd, 128 + sig);
	int writes = strcmp(how, "segv_handler") ? 100 : 101;

	cr_assert(strstr(t.out, "writes=100 child=7"), "%s", t.out);
	cr_assert(!strstr(t.out, "still alive"));
	cr_assert_eq(qf("SELECT count(*) FROM process WHERE parent_upid IS "
			"NULL AND name = 't_die_by_signal' AND killed = 1 AND "
			"signal = %d AND exit_code IS NULL", sig), 1, "%s",
		     how);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE exit_code = 7 AND "
		       "killed = 0"), 1);
	cr_assert_eq(q("SELECT count(*) FROM slice s JOIN thread t ON "
		       "t.utid = s.track_id WHERE t.upid = " ROOT_UPID " AND "
		       "s.name = 'write'"), writes, "%s", how);
	check_outputs();
	outcome_free(&t);

	/* Its status from the shell's wait. */
	t = same_both_ways(in_sh, 0);
	char *want = fmt("status=%d\n", 128 + sig);
	cr_assert(strstr(t.out, want), "%s", t.out);
	cr_assert_eq(qf("SELECT count(*) FROM process WHERE parent_upid = "
			ROOT_UPID " "
			"AND name = 't_die_by_signal' AND killed = 1 AND "
			"signal = %d", sig), 1, "%s in a shell", how);
	check_outputs();
	outcome_free(&t);
	free(want);
	free(in_sh);
	free(cmd);
}

Test(torture, sigkill_mid_run)
{
	dies_by("kill", 9);
}

Test(torture, sigsegv_mid_run)
{
	dies_by("segv", 11);
}

Test(torture, sigsegv_through_the_programs_handler)
{
	dies_by("segv_handler", 11);
}

Test(torture, abort_mid_run)
{
	dies_by("abort", 6);
}

/* ------------------------------------------------------------------ */
/* File descriptors */

Test(torture, fd_numbers_are_the_programs_own)
{
	struct outcome t = same_both_ways(test_prog("t_fd_numbers"), 0);

	/* keke holds no fd: closefrom(3) leaves the program alone, and
	 * 3 is the first fd it gets. */
	cr_assert(strstr(t.out, "devnull=3 dup2=0\nreopened stdin=0\n"),
		  "%s", t.out);
	cr_assert_eq(q("SELECT a.int_value FROM slice s JOIN args a ON "
		       "a.arg_set_id = s.arg_set_id AND a.key = 'result' "
		       "WHERE s.name = 'open' ORDER BY s.ts LIMIT 1"), 3);
	check_outputs();
	outcome_free(&t);
}

/* keke holds no fd of its own that a program could find, close, dup
 * over or count against its limit. */
Test(torture, no_fd_of_keke_s_to_find)
{
	struct outcome t = same_both_ways(test_prog("t_no_hidden_fd"), 0);

	cr_assert(strstr(t.out, "open by fcntl and fstat: 0 1 2\n"), "%s",
		  t.out);
	outcome_free(&t);
}

/* keke takes none of the program's pthread keys. */
Test(torture, every_pthread_key_stays_the_programs)
{
	struct outcome t = same_both_ways(test_prog("t_pthread_keys"), 0);

	cr_assert(strstr(t.out, "keys=1024\n"), "%s", t.out);
	outcome_free(&t);
}

/*
 * Threads that start (and claim their first region of the record file)
 * while others open files: every fd number the program prints as without
 * keke, but the racing loop's highest (keke opens its file for a moment
 * when a thread starts: it holds no fd the program could see).
 */
Test(torture, fd_numbers_while_threads_start)
{
	char *cmd = fmt("'%s' race", test_prog("t_fd_numbers"));
	struct outcome t = same_both_ways(cmd, 0);

	check_db_file(db());
	outcome_free(&t);
	free(cmd);
}

/* A program with its own malloc sees keke make no allocation, in threads
 * starting (whose start info keke used to malloc), file calls or
 * children. */
Test(torture, no_allocation_in_the_programs_malloc)
{
	struct outcome t = same_both_ways(test_prog("t_counted_malloc"), 0);

	cr_assert(strstr(t.out, "files: 0 allocations\n"), "%s", t.out);
	check_outputs();
	outcome_free(&t);
}

/*
 * vfork is a real vfork: the child's write to the parent's memory reaches
 * the parent; a child that closes and replaces every fd leaves keke's
 * alone; the exec'd shell is traced as the vfork's child, and a child
 * whose exec failed is seen from its parent's side, running the parent's
 * program until it exited.
 */
Test(torture, vfork_child_shares_the_parents_memory)
{
	char *cmd = fmt("'%s' '%s'", test_prog("t_vfork_shares"),
			test_prog("t_vfork_shares"));
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, "failed exec: errno=ENOENT status=127\n"
			 "shell ran\nshell: status=5\n"
			 "parent open after the children: ok\n"),
		  "%s", t.out);
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE name = 'fork'"), 2);
	cr_assert_eq(q("SELECT count(*) FROM process c JOIN process p ON "
		       "c.parent_upid = p.upid WHERE c.name = 'sh' AND "
		       "c.untraced = 0 AND c.exit_code = 5 AND "
		       "p.name = 't_vfork_shares'"), 1);
	cr_assert_eq(q("SELECT count(*) FROM process c JOIN process p ON "
		       "c.parent_upid = p.upid WHERE c.name = 't_vfork_shares' "
		       "AND c.untraced = 0 AND c.exit_code = 127 AND "
		       "p.name = 't_vfork_shares'"), 1);
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE name = 'fork' AND "
		       WITH_INT("vfork", 1)), 2);
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE name = 'open' AND "
		       "EXISTS (SELECT 1 FROM args a WHERE a.arg_set_id = "
		       "slice.arg_set_id AND a.key = 'path' AND "
		       "a.string_value LIKE '%t_vfork_shares')"), 1);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

Test(torture, out_of_fds)
{
	char *cmd = fmt("'%s' 16", test_prog("t_fd_exhaust"));
	struct outcome t = same_both_ways(cmd, 0);

	long opened = value_of(t.out, "opened");

	/* fds 0-2 and those the test runner left open do not count. */
	cr_assert(opened > 0 && strstr(t.out, "last=15 then errno=EMFILE"),
		  "%s", t.out);
	/* Every successful open is there, the loop's and the one after a
	 * close, or counted: keke holds no fd, and with none left it
	 * cannot claim more of its file. */
	cr_assert_geq(q("SELECT count(*) FROM slice WHERE name = 'open' AND "
			"NOT " WITH_ERROR("EMFILE")) +
		      q("SELECT sum(dropped) FROM process"), opened + 1);
	cr_assert_geq(q("SELECT count(*) FROM slice WHERE name = 'open' AND "
			WITH_ERROR("EMFILE")), 1);
	/* Whatever keke could not record, it counted. */
	cr_assert_gt(q("SELECT count(*) FROM slice WHERE name = 'write'") +
		     q("SELECT sum(dropped) FROM process"), 100000);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

/*
 * With one fd left, threads that start and write while another opens and
 * closes that fd: keke holds no fd, so it can only borrow that one for a
 * moment (a starting thread opens its record file); the program runs as
 * without keke otherwise, and whatever keke could not record for want of
 * an fd it counted.
 */
Test(torture, one_free_fd_while_threads_start)
{
	char *cmd = fmt("'%s' 16 race", test_prog("t_fd_exhaust"));
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, "thread writes done"), "%s", t.out);
	check_db_file(db());
	cr_assert_gt(q("SELECT count(*) FROM slice WHERE name = 'write'") +
		     q("SELECT sum(dropped) FROM process"), 100000);
	outcome_free(&t);
	free(cmd);
}

/* ------------------------------------------------------------------ */
/* Environment */

/* t_env_rewrite @mode under env -i: the exec'd image is traced. */
static void env_rewrite(const char *mode)
{
	char *cmd = fmt("env -i PATH=/usr/bin:/bin A=1 '%s' %s",
			test_prog("t_env_rewrite"), mode);
	struct outcome t = same_both_ways(cmd, 5);

	cr_assert(strstr(t.out, "show:"), "%s", t.out);
	/* env, then t_env_rewrite, then t_env_rewrite show: one pid, three
	 * traced images, each exec leading to the next. */
	cr_assert_eq(q("SELECT count(*) FROM process"), 1, "%s", mode);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE exit_code = 5 AND "
		       "untraced = 0 AND killed = 0"), 1, "%s", mode);
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE category = "
		       "'process' AND depth = 0"), 3, "%s: an image is "
		     "missing", mode);
	cr_assert_eq(q("SELECT count(*) FROM flow f JOIN slice o ON "
		       "o.id = f.slice_out JOIN slice i ON i.id = f.slice_in "
		       "WHERE o.name = 'exec' AND i.depth = 0"), 2, "%s", mode);
	check_outputs();
	if (!strcmp(mode, "other_preload"))
		cr_assert(strstr(t.err, "libt_missing.so' from LD_PRELOAD "
				 "cannot be preloaded"), "%s", t.err);
	outcome_free(&t);
	free(cmd);
}

Test(torture, env_i_then_clearenv_before_exec)
{
	env_rewrite("clearenv");
}

Test(torture, env_i_then_own_environ_before_exec)
{
	env_rewrite("environ");
}

Test(torture, env_i_then_empty_envp)
{
	env_rewrite("empty");
}

Test(torture, unsetenv_ld_preload_before_exec)
{
	env_rewrite("unset_preload");
}

Test(torture, other_ld_preload_before_exec)
{
	env_rewrite("other_preload");
}

/* The exec at the kernel's limit: keke's additions go over it and it
 * execs without them, as bare. */
Test(torture, argv_at_arg_max)
{
	struct outcome t = same_both_ways(test_prog("t_long_argv"), 0);

	cr_assert(strstr(t.out, "last image: all arguments intact"), "%s",
		  t.out);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE parent_upid IS "
		       "NULL AND exit_code = 0"), 1);
	cr_assert_eq(q("SELECT count(*) FROM slice WHERE track_id IN (SELECT "
		       "utid FROM thread WHERE upid = "
		       ROOT_UPID ") AND name = 'exec' "
		       "AND NOT " WITH_ERROR("E2BIG")), 1);
	check_outputs();
	outcome_free(&t);
}

static void only_keke_says_more(const char *err, const char *bare_err);

/*
 * Six such execs in a row inside a traced shell. After E2BIG, do_exec
 * (preload/proc/exec.c) runs the program untraced, with its environment
 * as it would be without keke (no KEKE_*, no libkeke.so in LD_PRELOAD):
 * the new image must not claim the flow of the old one (two processes of
 * one pid, overlapping slices), and keke run says it ran untraced. (An
 * exec goes over the limit only when keke's new flow id is longer than
 * the old one: hence six.)
 */
Test(torture, argv_at_arg_max_in_a_traced_shell)
{
	char *cmd = fmt("sh -c \"'%s' 6; echo rc=\\$?\"",
			test_prog("t_long_argv"));
	struct outcome bare = sh(cmd), t = keke_run(cmd);

	cr_assert_eq(t.code, 0, "exit %d under keke:\n%s", t.code, t.err);
	cr_assert_str_eq(t.out, bare.out);
	cr_assert(strstr(t.out, "all arguments intact\nrc=0"), "%s", t.out);
	only_keke_says_more(t.err, bare.err);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE name = "
		       "'t_long_argv'"), 1, "one process became several");
	check_outputs();
	outcome_free(&bare);
	outcome_free(&t);
	free(cmd);
}

/* ------------------------------------------------------------------ */
/* Resources */

/* Mounts a tmpfs with @opts on OUT/@name and returns that path
 * (malloc'd); skips the test when it cannot. */
static char *mount_tmpfs(const char *name, const char *opts)
{
	char *dir = out_path(name);
	char *cmd;
	struct outcome o;

	if (!is_root())
		cr_skip_test("mounting a tmpfs needs root");
	cr_assert_eq(mkdir(dir, 0700), 0);
	cmd = fmt("mount -t tmpfs -o %s tmpfs '%s'", opts, dir);
	o = sh(cmd);
	if (o.code != 0)
		cr_skip_test("cannot mount a tmpfs (%s): %s", cmd, o.err);
	outcome_free(&o);
	free(cmd);
	return dir;
}

/* Bare mode into @dir: `KEKE_DIR=@dir LD_PRELOAD=libkeke.so @cmd`. */
static struct outcome preloaded(const char *dir, const char *cmd)
{
	char *full = fmt("KEKE_DIR='%s' LD_PRELOAD='%s' %s", dir,
			 test_preload(), cmd);
	struct outcome o = sh(full);

	free(full);
	return o;
}

/* `keke merge @dir` into OUT/t.json and OUT/t.db; returns its exit code
 * (0, or 3 when partial). */
static int merge(const char *dir)
{
	char *cmd = fmt("'%s' merge '%s' -o '%s' --db '%s'", test_keke_bin(),
			dir, json(), db());
	struct outcome o = sh(cmd);
	int code = o.code;

	cr_assert(code == 0 || code == 3, "keke merge %s: exit %d\n%s", dir,
		  code, o.err);
	outcome_free(&o);
	free(cmd);
	return code;
}

/* The trace dir fills up: the program goes on untouched, keke counts
 * what it could not write. The files are merged from a copy. */
Test(torture, full_trace_dir)
{
	char *mnt = mount_tmpfs("mnt", "size=300k,mode=0700");
	char *copy = out_path("copy");
	char *cmd = fmt("'%s' 100000 4 4", test_prog("t_busy_process"));
	struct outcome bare = sh(cmd), traced = preloaded(mnt, cmd);
	char *cp = fmt("cp -r '%s' '%s'", mnt, copy);

	assert_same(cmd, &bare, &traced);
	sh_ok(cp);
	merge(copy);
	cr_assert_gt(q("SELECT sum(dropped) FROM process"), 0);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE parent_upid IS "
		       "NULL AND name = 't_busy_process'"), 1);
	check_outputs();
	outcome_free(&bare);
	outcome_free(&traced);
	free(cmd);
	free(cp);
	free(copy);
	free(mnt);
}

/*
 * A trace dir with room for a few record files only: each process that
 * finds no room is still in the trace, with the reason it left (seen from
 * its parent's side, or from that note alone when its parent could not
 * record its start either), and keke run counts them once. None of them
 * writes a word on the program's stderr.
 */
Test(torture, full_trace_dir_loses_no_process)
{
	char *mnt = mount_tmpfs("mnt", "size=64k,mode=0700");
	char *cmd = "sh -c 'for i in $(seq 100); do /bin/true; done; "
		    "echo done'";
	char *opts = fmt("--dir '%s'", mnt);
	struct outcome traced = keke_run_opts(opts, cmd);
	long lost;

	cr_assert_eq(traced.code, 0, "%s", traced.err);
	cr_assert_str_eq(traced.out, "done\n");
	/* Which processes still found room depends on when sh's own file
	 * grew: most of the 100 did not. */
	lost = strncmp(traced.err, "keke: ", 6) ? -1 : atol(traced.err + 6);
	cr_assert(lost >= 90 && lost <= 100, "%s", traced.err);
	cr_assert(strstr(traced.err, " processes could not write their record "
			 "file (the first: No space left on device): the "
			 "trace shows them without their calls\n"), "%s",
		  traced.err);
	cr_assert_eq(strchr(traced.err, '\n') - traced.err + 1,
		     (long)strlen(traced.err), "more than one line:\n%s",
		     traced.err);
	/* sh, the subshell that runs seq, and the 100 true. */
	cr_assert_eq(q("SELECT count(*) FROM process"), 102);
	cr_assert_eq(q("SELECT count(*) FROM slice s JOIN args a ON "
		       "a.arg_set_id = s.arg_set_id WHERE a.key = "
		       "'unrecorded' AND a.string_value = 'it could not write "
		       "its record file: No space left on device'"), lost);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE name = 'true'"),
		     100);
	cr_assert_eq(q("SELECT count(*) FROM process c JOIN process p ON "
		       "c.parent_upid = p.upid WHERE c.name = 'true' AND "
		       "p.name = 'sh'"), 100);
	cr_assert_eq(q("SELECT count(*) FROM args WHERE key = 'untraced'"),
		     0, "a process that could not record is not untraced");
	check_outputs();
	outcome_free(&traced);
	free(opts);
	free(mnt);
}

/*
 * A fork child that becomes another user before its first call cannot
 * make its file in root's trace dir: it is in the trace, from its
 * parent's side, as a process that left no record file (not as one
 * libkeke.so was not loaded into), and keke run counts it once.
 */
Test(torture, child_of_another_uid_is_in_the_trace)
{
	char *dir = out_path("trace");
	/* Not quiet: nothing may reach the program's stderr even so. */
	char *cmd = fmt("KEKE_QUIET=0 '%s'", test_prog("t_child_changes_uid"));
	struct outcome bare, traced;

	if (!is_root())
		cr_skip_test("changing user needs root");
	cr_assert_eq(mkdir(dir, 0700), 0);
	bare = sh(cmd);
	traced = preloaded(dir, cmd);
	assert_same(cmd, &bare, &traced);
	cr_assert_str_eq(traced.out, "child exit=4\n");
	cr_assert_eq(merge(dir), 0);
	cr_assert_eq(q("SELECT count(*) FROM process c JOIN process p ON "
		       "c.parent_upid = p.upid WHERE p.name = "
		       "'t_child_changes_uid' AND c.exit_code = 4"), 1);
	cr_assert_eq(q("SELECT count(*) FROM slice s JOIN args a ON "
		       "a.arg_set_id = s.arg_set_id WHERE a.key = "
		       "'unrecorded'"), 1);
	outcome_free(&bare);
	outcome_free(&traced);
	free(cmd);
	free(dir);
}

/*
 * Merging a trace dir on a full tmpfs in place: a record file with holes
 * (regions claimed but never allocated) must be read without faulting
 * (reading a hole of a full tmpfs through a mapping raises SIGBUS; the
 * reader uses pread), by keke merge and by keke run --dir.
 */
Test(torture, full_trace_dir_merged_in_place)
{
	char *mnt = mount_tmpfs("mnt", "size=300k,mode=0700");
	char *cmd = fmt("'%s' 100000 4 4", test_prog("t_busy_process"));
	char *opts = fmt("--dir '%s'", mnt);
	struct outcome bare = sh(cmd), traced = keke_run_opts(opts, cmd);

	assert_same(cmd, &bare, &traced);
	cr_assert_gt(q("SELECT sum(dropped) FROM process"), 0);
	check_outputs();
	outcome_free(&bare);
	outcome_free(&traced);
	free(opts);
	free(cmd);
	free(mnt);
}

/* The trace dir disappears mid-run: the program goes on untouched. */
Test(torture, trace_dir_removed_while_running)
{
	char *dir = out_path("gone");
	char *parent = out_path("parent");
	char *cmd = fmt("'%s' 20000 4 4 wait", test_prog("t_busy_process"));
	char *bare_cmd = fmt("echo go | %s", cmd);
	char *rm_cmd = fmt("{ sleep 0.2; rm -rf '%s'; echo go; } | "
			   "KEKE_DIR='%s' LD_PRELOAD='%s' %s", dir, dir,
			   test_preload(), cmd);
	char *run_cmd = fmt("{ sleep 0.2; rm -rf '%s'/keke-*; echo go; } | "
			    "'%s' run -q --dir '%s' -o '%s' --db '%s' -- %s",
			    parent, test_keke_bin(), parent, json(), db(),
			    cmd);
	struct outcome bare = sh(bare_cmd), traced;

	cr_assert_eq(bare.code, 0);
	cr_assert_eq(mkdir(dir, 0700), 0);
	traced = sh(rm_cmd);
	assert_same("bare mode", &bare, &traced);
	outcome_free(&traced);

	/* keke run: the program's output is untouched; the merge finds
	 * nothing and says so (exit 1, a lost trace is not a success). */
	cr_assert_eq(mkdir(parent, 0700), 0);
	traced = sh(run_cmd);
	cr_assert_str_eq(traced.out, bare.out);
	cr_assert(traced.code == 0 || (traced.code == 1 &&
				       strstr(traced.err, "keke: ")),
		  "exit %d: %s", traced.code, traced.err);
	outcome_free(&bare);
	outcome_free(&traced);
	free(cmd);
	free(bare_cmd);
	free(rm_cmd);
	free(run_cmd);
	free(dir);
	free(parent);
}

/* t_file_size_limit under `ulimit -f 200` (100 KiB) set for it alone. */
static char *fsize_cmd(const char *args)
{
	return fmt("sh -c \"ulimit -f 200; exec '%s' '%s/data' %s\"",
		   test_prog("t_file_size_limit"), out, args);
}

Test(torture, file_size_limit_is_not_keke_s_to_hit)
{
	char *cmd = fsize_cmd("50000 30000");
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, "events=30000\nchild status=0"), "%s",
		  t.out);
	/* keke stayed under the limit by dropping events, and said so. */
	cr_assert_gt(q("SELECT sum(dropped) FROM process"), 0);
	cr_assert_eq(q("SELECT exit_code FROM process WHERE parent_upid IS "
		       "NULL"), 0);
	check_outputs();
	outcome_free(&t);
	free(cmd);

	/* Over the limit itself: SIGXFSZ, or EFBIG when ignored. */
	cmd = fsize_cmd("200000 1000");
	t = same_both_ways(cmd, 128 + 25);
	outcome_free(&t);
	free(cmd);
	cmd = fsize_cmd("200000 30000 ignore");
	t = same_both_ways(cmd, 0);
	cr_assert(strstr(t.out, "wrote=102400 errno=EFBIG"), "%s", t.out);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

/*
 * A process whose exit record was dropped (no room under the limit) is
 * not "killed" when its status is known to be an exit: no exit_code 0
 * with killed 1, no "[killed]" in the JSON.
 */
Test(torture, known_exit_status_is_not_killed)
{
	char *cmd = fsize_cmd("200000 30000 ignore");
	struct outcome t = keke_run(cmd);

	cr_assert_eq(t.code, 0);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE exit_code IS NOT "
		       "NULL AND killed = 1"), 0,
		     "a process that exited is marked killed");
	outcome_free(&t);
	free(cmd);
}

/*
 * keke run under a small RLIMIT_FSIZE must not die of SIGXFSZ while it
 * writes its own outputs: it says it could not write them and exits as
 * the command did.
 */
Test(torture, keke_run_under_a_file_size_limit)
{
	/* --dir: the trace dir it keeps when it cannot merge goes with the
	 * test's scratch dir. */
	char *cmd = fmt("ulimit -f 200; '%s' run -q --dir '%s' -o '%s' --db "
			"'%s' -- '%s' '%s/data' 1000 30000", test_keke_bin(),
			out, json(), db(), test_prog("t_file_size_limit"),
			out);
	struct outcome t = sh(cmd);

	cr_assert_neq(t.code, 128 + 25, "keke run was killed by SIGXFSZ");
	cr_assert(t.code == 0 || strstr(t.err, "keke: "), "exit %d: %s",
		  t.code, t.err);
	cr_assert(strstr(t.out, "child status=0"), "%s", t.out);
	outcome_free(&t);
	free(cmd);
}

/*
 * A KEKE_DIR keke cannot write in (root writes anywhere but on a
 * read-only mount): the program runs untraced and untouched, and nothing
 * is said on its stderr, which is the program's. In bare mode, with
 * TMPDIR there, the first process says why there is no trace, once, at
 * its end, and its children nothing.
 */
Test(torture, read_only_trace_dir)
{
	char *ro = mount_tmpfs("mnt", "ro,mode=0700");
	char *cmd = fmt("'%s' 1000 2 2", test_prog("t_busy_process"));
	char *loud = fmt("KEKE_QUIET=0 %s", cmd);
	char *bare_mode = fmt("KEKE_QUIET=0 TMPDIR='%s' LD_PRELOAD='%s' %s",
			      ro, test_preload(), cmd);
	char *said = fmt("keke: not tracing %s: trace dir %s: Read-only "
			 "file system\n", test_prog("t_busy_process"), ro);
	struct outcome bare = sh(cmd), traced = preloaded(ro, cmd);

	assert_same("read-only trace dir", &bare, &traced);
	outcome_free(&traced);
	traced = preloaded(ro, loud);
	assert_same("read-only trace dir, KEKE_QUIET=0", &bare, &traced);
	outcome_free(&traced);
	traced = sh(bare_mode);
	cr_assert_str_eq(traced.out, bare.out);
	cr_assert_str_eq(traced.err, said);
	outcome_free(&bare);
	outcome_free(&traced);
	free(cmd);
	free(loud);
	free(bare_mode);
	free(said);
	free(ro);
}

/* A trace dir of the user's own with mode 0500 (as root, the program
 * runs as nobody in nobody's dir). */
Test(torture, trace_dir_without_write_permission)
{
	char *dir = out_path("r-x");
	char *cmd = fmt("'%s' 1000 2 2", test_prog("t_busy_process"));
	char *traced_cmd = fmt("%s env KEKE_DIR='%s' LD_PRELOAD='%s' %s",
			       is_root() ? "setpriv --reuid=65534 "
			       "--regid=65534 --clear-groups" : "", dir,
			       test_preload(), cmd);
	struct outcome bare = sh(cmd), traced;

	cr_assert_eq(mkdir(dir, 0500), 0);
	if (is_root()) {
		cr_assert_eq(chown(dir, 65534, 65534), 0);
		cr_assert_eq(chmod(out, 0755), 0);
	}
	traced = sh(traced_cmd);
	if (traced.code == 127 && strstr(traced.err, "setpriv"))
		cr_skip_test("setpriv is not installed");
	assert_same("0500 trace dir", &bare, &traced);
	outcome_free(&bare);
	outcome_free(&traced);
	free(cmd);
	free(traced_cmd);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* Processes */

Test(torture, a_thousand_short_processes)
{
	struct outcome t = keke_run("sh -c 'seq 1000 | xargs -P 8 -n 1 "
				    "true'");

	cr_assert_eq(t.code, 0, "%s", t.err);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE name = 'true' AND "
		       "exit_code = 0 AND killed = 0 AND untraced = 0 AND "
		       "parent_upid = (SELECT upid FROM process WHERE "
		       "name = 'xargs')"), 1000);
	cr_assert_eq(q("SELECT count(*) FROM process"), 1003);
	check_outputs();
	outcome_free(&t);
}

Test(torture, pid_reused_within_one_run)
{
	char *cmd = fmt("unshare -pf --mount-proc '%s'",
			test_prog("t_pid_reuse"));
	struct outcome t;

	if (!is_root())
		cr_skip_test("a pid namespace needs root");
	t = sh(cmd);
	if (t.code != 0)
		cr_skip_test("cannot choose a pid in a new pid namespace: %s%s",
			     t.out, t.err);
	outcome_free(&t);
	t = same_both_ways(cmd, 0);
	cr_assert_eq(q("SELECT count(*) FROM process a JOIN process b ON "
		       "a.pid = b.pid AND a.upid < b.upid AND "
		       "a.parent_upid = b.parent_upid WHERE a.exit_code = 11 "
		       "AND b.exit_code = 22 AND a.killed = 0 AND "
		       "b.killed = 0"), 1);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

Test(torture, process_tree_fifty_deep)
{
	char *cmd = fmt("'%s' 50", test_prog("t_deep_tree"));
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert_eq(q("SELECT count(*) FROM process"), 51);
	/* One chain from the first process down, each level exiting with
	 * 50 minus its depth. */
	cr_assert_eq(q("WITH RECURSIVE chain(upid, depth) AS (SELECT upid, 0 "
		       "FROM process WHERE parent_upid IS NULL UNION ALL "
		       "SELECT p.upid, c.depth + 1 FROM process p JOIN chain c "
		       "ON p.parent_upid = c.upid) SELECT count(*) FROM chain "
		       "JOIN process p USING (upid) WHERE depth = 0 OR "
		       "p.exit_code = 50 - depth"), 51);
	cr_assert_eq(q("SELECT count(*) FROM process p WHERE (SELECT count(*) "
		       "FROM process c WHERE c.parent_upid = p.upid) > 1"), 0);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

/* Waits up to 5 s for @path to exist. */
static bool wait_for_file(const char *path)
{
	struct timespec tick = { 0, 20000000 };

	for (int i = 0; i < 250; i++) {
		if (access(path, F_OK) == 0)
			return true;
		nanosleep(&tick, NULL);
	}
	return false;
}

Test(torture, daemon_outlives_keke_run)
{
	char *m1 = out_path("marker-bare");
	char *m2 = out_path("marker-keke");
	char *bare_cmd = fmt("'%s' '%s' 1000", test_prog("t_daemon"), m1);
	char *cmd = fmt("'%s' '%s' 1000", test_prog("t_daemon"), m2);
	struct outcome bare = sh(bare_cmd);
	struct outcome t = keke_run_opts("--wait 0.3", cmd);

	cr_assert_eq(bare.code, 4);
	cr_assert_eq(t.code, 4, "keke run exited %d, the program 4", t.code);
	cr_assert_str_eq(t.out, bare.out);
	cr_assert(strstr(t.err, "keke: t_daemon left processes running"),
		  "%s", t.err);
	cr_assert(wait_for_file(m1) && wait_for_file(m2),
		  "a daemon did not finish");
	/* The daemon is in the trace, below the child that started it. */
	cr_assert_eq(q("SELECT count(*) FROM process d JOIN process c ON "
		       "d.parent_upid = c.upid JOIN process r ON "
		       "c.parent_upid = r.upid WHERE r.parent_upid IS NULL"),
		     1);
	check_outputs();
	outcome_free(&bare);
	outcome_free(&t);
	free(bare_cmd);
	free(cmd);
	free(m1);
	free(m2);
}

/* ------------------------------------------------------------------ */
/* What keke cannot trace inside */

/* Asserts that @err is @bare_err plus lines that start with "keke: ". */
static void only_keke_says_more(const char *err, const char *bare_err)
{
	char *mine = strdup(err), *save = NULL;
	size_t len = 0;
	char *rest = calloc(1, strlen(err) + 1);

	for (char *l = strtok_r(mine, "\n", &save); l;
	     l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "keke: ", 6))
			continue;
		len += (size_t)sprintf(rest + len, "%s\n", l);
	}
	cr_assert_str_eq(rest, bare_err, "stderr differs under keke:\n%s",
			 err);
	free(mine);
	free(rest);
}

/* A static program exec'd from a traced shell: seen from the shell's
 * side only, its image must still nest in the JSON (it starts after the
 * image that exec'd it ends, on the same thread). */
Test(torture, static_program_from_a_traced_shell)
{
	char *cmd = fmt("sh -c \"'%s' 7; echo rc=\\$?\"",
			test_prog("t_static_exit"));
	struct outcome bare = sh(cmd), t = keke_run(cmd);

	cr_assert_eq(t.code, 0);
	cr_assert_str_eq(t.out, bare.out);
	cr_assert(strstr(t.out, "static program exits 7\nrc=7"), "%s",
		  t.out);
	only_keke_says_more(t.err, bare.err);
	cr_assert(strstr(t.err, "t_static_exit"), "keke did not say that "
		  "t_static_exit ran untraced: %s", t.err);
	cr_assert_eq(q("SELECT count(*) FROM process c JOIN process p ON "
		       "c.parent_upid = p.upid WHERE c.name = "
		       "'t_static_exit' AND c.untraced = 1 AND "
		       "c.exit_code = 7 AND c.killed = 0 AND p.name = 'sh'"),
		     1);
	check_outputs();
	outcome_free(&bare);
	outcome_free(&t);
	free(cmd);
}

Test(torture, static_program_run_directly)
{
	char *cmd = fmt("'%s' 7", test_prog("t_static_exit"));
	struct outcome bare = sh(cmd), t = keke_run(cmd);

	cr_assert_eq(bare.code, 7);
	cr_assert_eq(t.code, 7);
	cr_assert_str_eq(t.out, bare.out);
	only_keke_says_more(t.err, bare.err);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE untraced = 1 AND "
		       "exit_code = 7"), 1);
	check_outputs();
	outcome_free(&bare);
	outcome_free(&t);
	free(cmd);
}

/* A setuid program exec'd by a traced shell of an unprivileged user:
 * ld.so runs it in secure mode without libkeke.so. */
Test(torture, setuid_program_from_a_traced_shell)
{
	char *dir = out_path("su");
	char *prog = fmt("%s/t_setuid_ids", dir);
	char *su_db = fmt("%s/t.db", dir), *su_json = fmt("%s/t.json", dir);
	char *setup_cmd = fmt("cp '%s' '%s' && chown root:root '%s' && "
			      "chmod 4755 '%s'", test_prog("t_setuid_ids"),
			      prog, prog, prog);
	char *cmd = fmt("cd '%s' && setpriv --reuid=65534 --regid=65534 "
			"--clear-groups", dir);
	char *bare_cmd = fmt("%s sh -c \"'%s'; echo rc=\\$?\"", cmd, prog);
	char *keke_cmd = fmt("%s env TMPDIR='%s' '%s' run -q -o '%s/t.json' "
			     "--db '%s/t.db' -- sh -c \"'%s'; echo rc=\\$?\"",
			     cmd, dir, test_keke_bin(), dir, dir, prog);
	struct outcome bare, t;

	if (!is_root())
		cr_skip_test("making a setuid root program needs root");
	cr_assert_eq(chmod(out, 0755), 0);
	cr_assert_eq(mkdir(dir, 0755), 0);
	sh_ok(setup_cmd);
	cr_assert_eq(chown(dir, 65534, 65534), 0);
	bare = sh(bare_cmd);
	if (bare.code != 0 || !strstr(bare.out, "setuid=1"))
		cr_skip_test("cannot run a setuid program as nobody here "
			     "(nosuid mount, no setpriv?): %s%s", bare.out,
			     bare.err);
	t = sh(keke_cmd);
	cr_assert_eq(t.code, 0, "%s", t.err);
	cr_assert_str_eq(t.out, bare.out);
	only_keke_says_more(t.err, bare.err);
	cr_assert_eq(test_db_int(su_db,
				 "SELECT count(*) FROM process WHERE name = "
				 "'t_setuid_ids' AND untraced = 1 AND "
				 "exit_code = 9"), 1);
	check_db_file(su_db);
	check_json_file(su_json);
	outcome_free(&bare);
	outcome_free(&t);
	free(setup_cmd);
	free(cmd);
	free(bare_cmd);
	free(keke_cmd);
	free(su_db);
	free(su_json);
	free(prog);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* Outputs */

/*
 * Checks the names of t_odd_names in both outputs: in the database as
 * valid UTF-8 with each maximal invalid sequence replaced by U+FFFD, in
 * the JSON with each invalid byte replaced by U+FFFD; the child's argv[0]
 * as its process name, its arguments in its cmdline; every TEXT cell of
 * the database valid UTF-8.
 */
static const char odd_names_check[] =
	"import json, sqlite3, sys\n"
	"db_path, json_path = sys.argv[1], sys.argv[2]\n"
	"names = [b'quote\"d \\'single\\' `back`', b'back\\\\slash',\n"
	"         b'new\\nline', b'tab\\tbell\\x07cr\\rdel\\x7fesc\\x1b',\n"
	"         'utf8 \\u00e9t\\u00e9 \\u20ac \\U0001f600'.encode(),\n"
	"         b'bad \\xff\\xfe bytes', b'truncated \\xe2\\x82',\n"
	"         b'surrogate \\xed\\xa0\\x80', b'overlong \\xc0\\xaf']\n"
	"long = b'long \"file\"\\n\\xff.txt'\n"
	"argv0 = b'odd\\nargv0 \"\\xff\"'\n"
	"def per_byte(b):\n"
	"    out = ''\n"
	"    i = 0\n"
	"    while i < len(b):\n"
	"        for n in (4, 3, 2, 1):\n"
	"            try:\n"
	"                out += b[i:i + n].decode('utf-8')\n"
	"                i += n\n"
	"                break\n"
	"            except UnicodeDecodeError:\n"
	"                pass\n"
	"        else:\n"
	"            out += '\\ufffd'\n"
	"            i += 1\n"
	"    return out\n"
	"def maximal(b):\n"
	"    return b.decode('utf-8', 'replace')\n"
	"db = sqlite3.connect(db_path)\n"
	"bad = []\n"
	"for (t,) in db.execute(\"SELECT name FROM sqlite_master WHERE \"\n"
	"                       \"type = 'table'\").fetchall():\n"
	"    db.execute('SELECT * FROM \"%s\"' % t).fetchall()\n"
	"paths = {r[0] for r in db.execute(\"SELECT string_value FROM args \"\n"
	"                                  \"WHERE key = 'path'\")}\n"
	"def named(n, ps):\n"
	"    return any(p and p.endswith('/' + n) for p in ps)\n"
	"for n in names:\n"
	"    if not named(maximal(n), paths):\n"
	"        bad.append('db: no path %r' % maximal(n))\n"
	"if not any(p.endswith(maximal(long)) and len(p) > 4000\n"
	"           for p in paths):\n"
	"    bad.append('db: no 4 KiB path')\n"
	"procs = db.execute('SELECT name, cmdline FROM process WHERE '\n"
	"                   'parent_upid IS NOT NULL').fetchall()\n"
	"if len(procs) != 1 or procs[0][0] != maximal(argv0):\n"
	"    bad.append('db: child named %r' % (procs,))\n"
	"elif not all(maximal(n) in procs[0][1] for n in names):\n"
	"    bad.append('db: cmdline %r' % procs[0][1][:300])\n"
	"events = json.load(open(json_path, encoding='utf-8'))\n"
	"jpaths = {e.get('args', {}).get('path') for e in events}\n"
	"for n in names:\n"
	"    if not named(per_byte(n), jpaths):\n"
	"        bad.append('json: no path %r' % per_byte(n))\n"
	"if not any(p and p.endswith(per_byte(long)) for p in jpaths):\n"
	"    bad.append('json: no 4 KiB path')\n"
	"pnames = {e['args']['name'] for e in events\n"
	"          if e.get('name') == 'process_name'}\n"
	"if not any(p.startswith(per_byte(argv0)) for p in pnames):\n"
	"    bad.append('json: process names %r' % pnames)\n"
	"print('\\n'.join(bad))\n"
	"sys.exit(1 if bad else 0)\n";

Test(torture, odd_names_round_trip)
{
	char *dir = out_path("names");
	char *script = out_path("check_names.py");
	char *cmd = fmt("'%s' '%s'", test_prog("t_odd_names"), dir);
	char *check = fmt("python3 '%s' '%s' '%s'", script, db(), json());
	struct outcome t, c;
	FILE *f;

	cr_assert_eq(mkdir(dir, 0700), 0);
	t = same_both_ways(cmd, 0);
	cr_assert(strstr(t.out, "long path bytes=4095 open=1"), "%s", t.out);
	cr_assert(strstr(t.out, "child exit=0"), "%s", t.out);
	check_outputs();
	f = fopen(script, "w");
	cr_assert(f);
	fputs(odd_names_check, f);
	fclose(f);
	c = sh(check);
	cr_assert_eq(c.code, 0, "names lost or mangled:\n%s%s", c.out, c.err);
	outcome_free(&t);
	outcome_free(&c);
	free(cmd);
	free(check);
	free(script);
	free(dir);
}
