// SPDX-License-Identifier: MIT
/*
 * The torture suite for the exec family and posix_spawn: programs
 * (tests/progs/t_exec_*.c) that exec what the kernel refuses, or come
 * within a byte of its limits. As in signals_threads_forks.c, each runs bare and
 * under keke and must print the same and exit the same way; then the
 * trace must show what happened, and both outputs must be valid.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "helpers.h"

static char *out;

/* No core files from the programs that die. */
static void setup(void)
{
	struct rlimit no_core = { 0, 0 };

	setrlimit(RLIMIT_CORE, &no_core);
	out = test_tmpdir();
}

static void teardown(void)
{
	test_rm_rf(out);
	free(out);
}

TestSuite(torture_exec, .init = setup, .fini = teardown, .timeout = 120);

static const char *json(void)
{
	return test_path(out, "t.json");
}

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* `keke run -q -o OUT/t.json --db OUT/t.db -- @cmd`. */
static struct outcome keke_run(const char *cmd)
{
	char *full = fmt("'%s' run -q -o '%s' --db '%s' -- %s",
			 test_keke_bin(), json(), db(), cmd);
	struct outcome o = sh(full);

	free(full);
	return o;
}

/* @err without the lines that start with "keke: ", which `keke run`
 * adds of its own (malloc'd). */
static char *program_says(const char *err)
{
	char *r = malloc(strlen(err) + 1), *w = r;

	cr_assert(r);
	while (*err) {
		const char *nl = strchrnul(err, '\n');
		size_t n = (size_t)(nl - err) + (*nl == '\n');

		if (strncmp(err, "keke: ", 6)) {
			memcpy(w, err, n);
			w += n;
		}
		err += n;
	}
	*w = '\0';
	return r;
}

/*
 * Runs @cmd bare and under `keke run`: both must exit @code and print the
 * same (but what keke run says of its own on stderr). Returns what the
 * traced run printed (the caller frees it).
 */
static struct outcome same_both_ways(const char *cmd, int code)
{
	struct outcome bare = sh(cmd), traced;
	char *err;

	cr_assert_eq(bare.code, code, "bare: %s exited %d, not %d:\n%s%s",
		     cmd, bare.code, code, bare.out, bare.err);
	traced = keke_run(cmd);
	cr_assert_eq(traced.code, bare.code, "%s: exit %d under keke, %d "
		     "without; stderr under keke:\n%s", cmd, traced.code,
		     bare.code, traced.err);
	cr_assert_str_eq(traced.out, bare.out, "%s: stdout differs under "
			 "keke:\n--- bare\n%s--- keke\n%s", cmd, bare.out,
			 traced.out);
	err = program_says(traced.err);
	cr_assert_str_eq(err, bare.err, "%s: stderr differs under "
			 "keke:\n--- bare\n%s--- keke\n%s", cmd, bare.err,
			 traced.err);
	free(err);
	outcome_free(&bare);
	return traced;
}

/* Both outputs of the last run are valid. */
static void check_outputs(void)
{
	char *ok = test_db_str(db(), "PRAGMA integrity_check");
	char *cmd = fmt("python3 '%s/check_trace.py' '%s'",
			getenv("KEKE_TESTS_SRC"), json());
	struct outcome o;

	cr_assert(ok && !strcmp(ok, "ok"), "%s: integrity_check: %s", db(),
		  ok ? ok : "(nothing)");
	free(ok);
	o = sh(cmd);
	cr_assert_eq(o.code, 0, "%s is not a valid trace:\n%s%s", json(),
		     o.out, o.err);
	outcome_free(&o);
	free(cmd);
}

__attribute__((format(printf, 1, 2))) static int64_t qf(const char *f, ...)
{
	va_list ap;
	char *sql;
	int64_t v;

	va_start(ap, f);
	cr_assert(vasprintf(&sql, f, ap) >= 0);
	va_end(ap);
	v = test_db_int(db(), sql);
	free(sql);
	return v;
}

/* Slices @name with arg error = @err (an errno name). */
#define FAILED_WITH "SELECT count(*) FROM slice WHERE name = '%s' AND " \
	"EXISTS (SELECT 1 FROM args a WHERE a.arg_set_id = " \
	"slice.arg_set_id AND a.key = 'error' AND a.string_value = '%s')"

/* ------------------------------------------------------------------ */
/* A FIFO to run: the kernel says EACCES at once, and so must keke */

/*
 * t_exec_fifo @mode: the call fails with EACCES at once, as bare, with
 * nothing opening the FIFO to read in the meantime (which would wait for
 * a writer); the trace has the call @call failed so, @failed times.
 */
static void exec_fifo(const char *mode, const char *call, int failed)
{
	char *cmd = fmt("'%s' %s '%s'", test_prog("t_exec_fifo"), mode, out);
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, "Permission denied") ||
		  strstr(t.out, "sh: exit 126"), "%s: %s", mode, t.out);
	cr_assert_eq(qf(FAILED_WITH, call, "EACCES"), failed,
		     "%s: %lld %s slices failed with EACCES, not %d", mode,
		     (long long)qf(FAILED_WITH, call, "EACCES"), call, failed);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

Test(torture_exec, execl_of_a_fifo)
{
	exec_fifo("execl", "exec", 1);
}

/* The PATH search finds it (it has its execute bits): execvp tries it. */
Test(torture_exec, execvp_of_a_fifo_in_path)
{
	exec_fifo("execvp", "exec", 1);
}

/* The exec hook looks at an fd's program through /proc/self/fd/N, where
 * an open would open the FIFO anew, though the program holds it O_PATH. */
Test(torture_exec, fexecve_of_a_fifo)
{
	exec_fifo("fexecve", "exec", 1);
}

/* The spawn hook must not look into the program either. */
Test(torture_exec, posix_spawn_of_a_fifo)
{
	exec_fifo("posix_spawn", "spawn", 1);
}

/* A traced shell told to run it says why not. (dash execs it in a vfork
 * child, which records nothing: only the shell's own exec is shown.) */
Test(torture_exec, traced_shell_runs_a_fifo)
{
	exec_fifo("sh", "exec", 0);
}

/* Makes a FIFO OUT/@name; returns its path (malloc'd). */
static char *make_fifo(const char *name)
{
	char *path = fmt("%s/%s", out, name);

	cr_assert_eq(mkfifo(path, 0755), 0, "mkfifo %s", path);
	return path;
}

/* `keke run` of a script whose interpreter is a FIFO: it looks into the
 * interpreter to warn of one it cannot trace, and must not wait for a
 * writer there before it runs the script, which fails as it does bare. */
Test(torture_exec, keke_run_of_a_script_run_by_a_fifo)
{
	char *fifo = make_fifo("fifo");
	char *script = fmt("%s/script", out);
	char *line = fmt("#!%s\n", fifo);
	char *cmd = fmt("timeout 10 '%s' run -q -o '%s' --db '%s' -- '%s'",
			test_keke_bin(), json(), db(), script);
	FILE *f = fopen(script, "w");
	struct outcome bare, traced;

	cr_assert(f && fputs(line, f) >= 0 && fclose(f) == 0);
	cr_assert_eq(chmod(script, 0755), 0);
	bare = sh(script);
	cr_assert_eq(bare.code, 126, "bare: %s exited %d:\n%s", script,
		     bare.code, bare.err);
	traced = sh(cmd);
	cr_assert_eq(traced.code, 126, "keke run exited %d (124: it hung):\n%s",
		     traced.code, traced.err);
	outcome_free(&bare);
	outcome_free(&traced);
	free(cmd);
	free(line);
	free(script);
	free(fifo);
}

/* `keke merge` of a trace dir with a FIFO in it, named as a record file:
 * left out at once as damage, not waited on. */
Test(torture_exec, keke_merge_of_a_dir_holding_a_fifo)
{
	char *dir = fmt("%s/trace", out);
	char *fifo, *cmd;
	struct outcome o;

	cr_assert_eq(mkdir(dir, 0700), 0);
	fifo = make_fifo("trace/1-1.kr");
	cmd = fmt("timeout 10 '%s' merge '%s' -o '%s' --db '%s'",
		  test_keke_bin(), dir, json(), db());
	o = sh(cmd);
	cr_assert_neq(o.code, 124, "keke merge hung on %s", fifo);
	cr_assert(strstr(o.err, "1-1.kr: a FIFO, not a regular file"), "%s",
		  o.err);
	outcome_free(&o);
	free(cmd);
	free(fifo);
	free(dir);
}

/* ------------------------------------------------------------------ */
/* The kernel's limit on arguments and environment */

/* t_exec_near_arg_max @call @env [over] (malloc'd). With @env
 * "inherited", its environment holds only PATH, and keke's variables
 * under keke; with "preloaded", LD_PRELOAD too, which names another
 * library. */
static char *near_arg_max(const char *call, const char *env, bool over)
{
	bool own = !strcmp(env, "own");

	return fmt("%s%s'%s' %s %s%s", own ? "" : "env -i PATH=/usr/bin:/bin ",
		   strcmp(env, "preloaded") ? "" : "LD_PRELOAD=libm.so.6 ",
		   test_prog("t_exec_near_arg_max"), call,
		   own ? "own" : "inherited", over ? " over" : "");
}

/*
 * An environment that fills the kernel's limit leaves no room for keke's
 * variables, those it adds and those its environment holds. The @call
 * (a slice @slice) goes through all the same, without them, as it does
 * bare; the child shows untraced.
 */
static void at_limit(const char *call, const char *env, const char *slice)
{
	char *cmd = near_arg_max(call, env, false);
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, "new image: the environment as built\n"),
		  "%s: %s", cmd, t.out);
	cr_assert(strcmp(env, "preloaded") ||
		  strstr(t.out, "new image: LD_PRELOAD=libm.so.6\n"), "%s: %s",
		  cmd, t.out);
	cr_assert_eq(qf(FAILED_WITH, slice, "E2BIG"), 0,
		     "%s: the %s is shown failed, yet it worked", cmd, slice);
	cr_assert_eq(qf("SELECT count(*) FROM process WHERE untraced = 1 AND "
			"name = 't_exec_near_arg_max'"), 1,
		     "%s: the new image is not shown untraced", cmd);
	cr_assert_eq(qf("SELECT count(*) FROM args WHERE key = 'untraced' "
			"AND string_value LIKE 'keke''s variables did not "
			"fit%%'"), 1, "%s: the new image is not shown untraced "
		     "for want of room", cmd);
	/* keke run names it (but the command, which it looked at before). */
	cr_assert(!strcmp(env, "own") ||
		  strstr(t.err, "t_exec_near_arg_max ran untraced (keke's "
				"variables did not fit"), "%s: %s", cmd, t.err);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

/* One byte more, which fails with E2BIG bare: so it must with keke, and
 * the trace shows the call failed. */
static void over_limit(const char *call, const char *slice, const char *says)
{
	char *cmd = near_arg_max(call, "inherited", true);
	struct outcome t = same_both_ways(cmd, 0);

	cr_assert(strstr(t.out, says), "%s: %s", cmd, t.out);
	cr_assert_eq(qf(FAILED_WITH, slice, "E2BIG"), 1,
		     "%s: the %s is not shown failed with E2BIG", cmd, slice);
	cr_assert_eq(qf("SELECT count(*) FROM process WHERE untraced = 1"), 0,
		     "%s: an image that never ran is shown", cmd);
	check_outputs();
	outcome_free(&t);
	free(cmd);
}

Test(torture_exec, execve_at_arg_max_with_own_environment)
{
	at_limit("execve", "own", "exec");
}

Test(torture_exec, execle_at_arg_max_with_own_environment)
{
	at_limit("execle", "own", "exec");
}

Test(torture_exec, vfork_execve_at_arg_max_with_own_environment)
{
	at_limit("vfork", "own", "exec");
}

Test(torture_exec, posix_spawn_at_arg_max_with_own_environment)
{
	at_limit("posix_spawn", "own", "spawn");
}

Test(torture_exec, execve_at_arg_max_with_inherited_environment)
{
	at_limit("execve", "inherited", "exec");
}

Test(torture_exec, vfork_execve_at_arg_max_with_inherited_environment)
{
	at_limit("vfork", "inherited", "exec");
}

Test(torture_exec, posix_spawn_at_arg_max_with_inherited_environment)
{
	at_limit("posix_spawn", "inherited", "spawn");
}

/* LD_PRELOAD loses libkeke.so, and keeps the library it named bare. */
Test(torture_exec, execve_at_arg_max_with_another_preload)
{
	at_limit("execve", "preloaded", "exec");
}

Test(torture_exec, execve_over_arg_max)
{
	over_limit("execve", "exec", "execve: Argument list too long\n");
}

Test(torture_exec, posix_spawn_over_arg_max)
{
	over_limit("posix_spawn", "spawn",
		   "posix_spawn: Argument list too long\n");
}
