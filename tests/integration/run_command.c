// SPDX-License-Identifier: MIT
/*
 * `keke run` and bare LD_PRELOAD use on real programs: exit statuses are
 * forwarded, output is untouched, every process lands in both outputs,
 * and bad input gets a clear error.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "helpers.h"
#include "record/trace_dir.h"

TEST_SCRATCH_DIR

static const char *json(void)
{
	return test_path(out, "t.json");
}

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* Runs `keke run -q -o OUT/t.json --db OUT/t.db -- CMD`; returns its exit
 * code; stdout and stderr of the run in *o and *e when not NULL. */
static int keke_run(const char *cmd, char **o, char **e)
{
	char *full;
	int code;

	cr_assert(asprintf(&full, "'%s' run -q -o '%s' --db '%s' -- %s",
			   test_keke_bin(), json(), db(), cmd) > 0);
	code = test_exit_code(test_sh(full, o, e));
	free(full);
	return code;
}

static void check_json(const char *path)
{
	char cmd[8192], *o = NULL;

	snprintf(cmd, sizeof(cmd), "python3 '%s/check_trace.py' '%s'",
		 getenv("KEKE_TESTS_SRC"), path);
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0,
		     "check_trace: %s", o);
	free(o);
}

Test(run, exit_status_is_forwarded, .init = setup, .fini = teardown)
{
	cr_assert_eq(keke_run("sh -c 'exit 3'", NULL, NULL), 3);
	cr_assert_eq(test_db_int(db(), "SELECT exit_code FROM process WHERE "
				       "name = 'sh'"), 3);
	check_json(json());
}

Test(run, killed_command_exits_128_plus_signal, .init = setup,
     .fini = teardown)
{
	cr_assert_eq(keke_run("sh -c 'kill -9 $$'", NULL, NULL), 137);
	cr_assert_eq(test_db_int(db(), "SELECT killed FROM process WHERE "
				       "name = 'sh'"), 1);
	cr_assert_eq(test_db_int(db(), "SELECT signal FROM process WHERE "
				       "name = 'sh'"), 9);
	char *j = test_read_file(json(), NULL);
	cr_assert(j && strstr(j, "\"name\":\"sh [killed]\""),
		  "the JSON does not mark sh killed");
	free(j);
	check_json(json());
}

/* Each way out of a program records its status, and the program prints
 * exactly what it prints without keke. */
static void check_exit_way(const char *how)
{
	char cmd[4096], sql[256], *bare = NULL, *traced = NULL;

	snprintf(cmd, sizeof(cmd), "'%s' 42 %s", test_prog("exit_status"),
		 how);
	cr_assert_eq(test_exit_code(test_sh(cmd, &bare, NULL)), 42);
	cr_assert_eq(keke_run(cmd, &traced, NULL), 42, "%s", how);
	cr_assert_str_eq(traced, bare);
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM process WHERE name = 'exit_status' AND "
		 "exit_code = 42 AND killed = 0 AND cmdline LIKE "
		 "'%%exit_status 42 %s'", how);
	cr_assert_eq(test_db_int(db(), sql), 1, "%s", how);
	free(bare);
	free(traced);
}

Test(run, every_way_to_exit, .init = setup, .fini = teardown)
{
	check_exit_way("return");
	check_exit_way("exit");
	check_exit_way("_exit");
	check_exit_way("_Exit");
}

Test(run, forked_children_are_traced, .init = setup, .fini = teardown)
{
	char cmd[4096], *bare = NULL, *traced = NULL;

	snprintf(cmd, sizeof(cmd), "'%s' 3", test_prog("fork_children"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &bare, NULL)), 0);
	cr_assert_eq(keke_run(cmd, &traced, NULL), 0);
	cr_assert_str_eq(traced, bare);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process"), 4);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process c JOIN "
				       "process p ON c.parent_upid = p.upid "
				       "WHERE p.parent_upid IS NULL"), 3);
	char *codes = test_db_str(db(), "SELECT group_concat(exit_code) FROM "
					"(SELECT exit_code FROM process WHERE "
					"parent_upid IS NOT NULL ORDER BY 1)");
	cr_assert_str_eq(codes, "1,2,3");
	check_json(json());
	free(codes);
	free(bare);
	free(traced);
}

Test(run, process_killed_after_events_is_kept, .init = setup,
     .fini = teardown)
{
	char cmd[4096], *o = NULL;

	snprintf(cmd, sizeof(cmd), "'%s'", test_prog("self_kill"));
	cr_assert_eq(keke_run(cmd, &o, NULL), 137);
	cr_assert_str_eq(o, "about to die\n");
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process WHERE "
				       "name = 'self_kill' AND killed = 1 AND "
				       "signal = 9 AND end_ts > start_ts"), 1);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process WHERE "
				       "exit_code = 7 AND killed = 0"), 1);
	check_json(json());
	free(o);
}

Test(run, missing_command_and_bad_output, .init = setup, .fini = teardown)
{
	char *e = NULL, cmd[4096];

	cr_assert_eq(keke_run("no-such-command-here", NULL, &e), 127);
	cr_assert(strstr(e, "no-such-command-here"), "%s", e);
	free(e);
	snprintf(cmd, sizeof(cmd), "'%s' run -o /nonexistent/x.json -- true",
		 test_keke_bin());
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, &e)), 1);
	cr_assert(strstr(e, "/nonexistent"), "%s", e);
	free(e);
}

/* Bare mode: the first process makes the trace dir, says where it is, and
 * `keke merge` turns it into the outputs. */
Test(bare, preload_alone_makes_a_trace_dir, .init = setup, .fini = teardown)
{
	char cmd[8192], *e = NULL, dir[4096];

	snprintf(cmd, sizeof(cmd),
		 "TMPDIR='%s' KEKE_QUIET= LD_PRELOAD='%s' '%s' 3", out,
		 test_preload(), test_prog("fork_children"));
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, &e)), 0);
	const char *at = strstr(e, " in ");
	cr_assert(at && strstr(e, "keke: trace of "), "stderr: %s", e);
	cr_assert_eq(sscanf(at + 4, "%4095s", dir), 1);
	cr_assert(strncmp(dir, out, strlen(out)) == 0, "%s", dir);
	cr_assert(strstr(e, "keke merge "), "%s", e);
	/* Said once, by the first process only. */
	cr_assert_eq(strstr(at + 1, "keke: trace of "), NULL, "%s", e);

	struct stat st;
	cr_assert_eq(stat(dir, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0700);
	snprintf(cmd, sizeof(cmd), "'%s' merge '%s' -o '%s' --db '%s'",
		 test_keke_bin(), dir, json(), db());
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process"), 4);
	check_json(json());
	free(e);
}

Test(bare, quiet_says_nothing, .init = setup, .fini = teardown)
{
	char cmd[8192], *e = NULL;

	snprintf(cmd, sizeof(cmd),
		 "TMPDIR='%s' KEKE_QUIET=1 LD_PRELOAD='%s' '%s' 0", out,
		 test_preload(), test_prog("exit_status"));
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, &e)), 0);
	cr_assert_str_eq(e, "");
	free(e);
}

/* The first process asks the CPU about the TSC; the processes it starts
 * are told its answer, so a run uses one clock. */
Test(bare, clock_choice_is_handed_down, .init = setup, .fini = teardown)
{
	char cmd[8192], *o = NULL;

	snprintf(cmd, sizeof(cmd),
		 "TMPDIR='%s' KEKE_QUIET=1 LD_PRELOAD='%s' "
		 "sh -c 'printenv KEKE_CLOCK; true'", out, test_preload());
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0);
	cr_assert(!strcmp(o, "tsc\n") || !strcmp(o, "monotonic\n"), "%s", o);
	free(o);
	/* Set by the user, it is kept. */
	snprintf(cmd, sizeof(cmd),
		 "TMPDIR='%s' KEKE_QUIET=1 KEKE_CLOCK=monotonic LD_PRELOAD='%s' "
		 "sh -c 'printenv KEKE_CLOCK; true'", out, test_preload());
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0);
	cr_assert_str_eq(o, "monotonic\n");
	free(o);
}

/*
 * Runs exit_status with KEKE_DIR=@dir; it must run normally, untraced,
 * and say nothing on its stderr, which is the program's, unless it is the
 * bare-mode root (KEKE_ROOT_PID, here through sh's exec): that one says
 * why, once, at its end.
 */
static void refused_dir(const char *dir, const char *why)
{
	char cmd[8192], *o = NULL, *e = NULL;

	snprintf(cmd, sizeof(cmd),
		 "KEKE_QUIET= KEKE_DIR='%s' LD_PRELOAD='%s' '%s' 5 exit", dir,
		 test_preload(), test_prog("exit_status"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, &e)), 5);
	cr_assert(strstr(o, "argv[1]=5"), "the program did not run: %s", o);
	cr_assert_str_eq(e, "", "keke wrote on the program's stderr");
	free(o);
	free(e);
	snprintf(cmd, sizeof(cmd),
		 "KEKE_QUIET= KEKE_DIR='%s' LD_PRELOAD='%s' sh -c "
		 "'KEKE_ROOT_PID=$$ exec \"$0\" 5 exit' '%s'", dir,
		 test_preload(), test_prog("exit_status"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, &e)), 5);
	cr_assert(strstr(e, why), "%s", e);
	cr_assert_eq(strchr(e, '\n') - e + 1, (long)strlen(e), "%s", e);
	free(o);
	free(e);
}

Test(bare, unsafe_trace_dir_is_refused, .init = setup, .fini = teardown)
{
	char cmd[8192], *o = NULL;
	const char *open_dir = test_path(out, "open");

	cr_assert_eq(mkdir(open_dir, 0777), 0);
	cr_assert_eq(chmod(open_dir, 0777), 0);
	refused_dir(open_dir, "writable by group or others");
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", open_dir);
	test_sh(cmd, &o, NULL);
	cr_assert_str_eq(o, "0\n", "files were written into an unsafe dir");
	free(o);
}

/* Runs `keke run --keep` of true under @env (a prefix of the command);
 * returns the trace dir it says it kept (to free). */
static char *kept_dir(const char *env)
{
	char cmd[8192], *dir = NULL;

	snprintf(cmd, sizeof(cmd), "cd '%s' && %s '%s' run -q --keep "
		 "--no-json --db k.db -- true 2>&1 | sed -n "
		 "'s/^keke: trace dir kept: //p'", out, env, test_keke_bin());
	cr_assert_eq(test_exit_code(test_sh(cmd, &dir, NULL)), 0);
	dir[strcspn(dir, "\n")] = '\0';
	cr_assert(*dir, "keke run --keep did not say where the trace is");
	return dir;
}

/* Without --dir or TMPDIR the trace dir goes in memory when /dev/shm is a
 * tmpfs with room (2 GiB), else in /tmp; TMPDIR comes before both. */
Test(run, trace_dir_default_prefers_memory, .init = setup, .fini = teardown)
{
	struct statfs fs;
	bool shm = statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC &&
		   (unsigned long long)fs.f_bavail * fs.f_bsize >= (2ull << 30) &&
		   access("/dev/shm", W_OK | X_OK) == 0;
	char env[4200], *dir;

	dir = kept_dir("env -u TMPDIR");
	cr_assert(!strncmp(dir, shm ? "/dev/shm/keke-" : "/tmp/keke-",
			   shm ? 14 : 10), "trace dir %s", dir);
	test_rm_rf(dir);
	free(dir);

	snprintf(env, sizeof(env), "TMPDIR='%s'", out);
	dir = kept_dir(env);
	cr_assert(!strncmp(dir, out, strlen(out)) && dir[strlen(out)] == '/',
		  "trace dir %s is not in TMPDIR %s", dir, out);
	test_rm_rf(dir);
	free(dir);
}

/* SIGINT or SIGTERM during a merge: no output, no temporary, and it says
 * so. */
static void interrupt_merge(int sig)
{
	char cmd[8192], *e = NULL, *dir = NULL;

	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' run -q --keep --no-json "
		 "--db keep.db -- '%s' 400000 2>&1 | sed -n "
		 "'s/^keke: trace dir kept: //p'", out, test_keke_bin(),
		 test_prog("many_spans"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &dir, NULL)), 0);
	dir[strcspn(dir, "\n")] = '\0';
	cr_assert(*dir, "keke run --keep did not say where the trace is");
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' merge '%s' -o i.json "
		 "--db i.db & sleep 0.3; kill -%d $!; wait $!", out,
		 test_keke_bin(), dir, sig);
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, &e)), 1, "%s", e);
	cr_assert(strstr(e, "interrupted"), "%s", e);
	cr_assert(strstr(e, "no output written"), "%s", e);
	snprintf(cmd, sizeof(cmd), "ls '%s' | grep -c '^i\\.'", out);
	free(e);
	test_sh(cmd, &e, NULL);
	cr_assert_str_eq(e, "0\n", "outputs or temporaries were left");
	test_rm_rf(dir);
	free(dir);
	free(e);
}

Test(run, interrupted_merge_leaves_nothing, .init = setup, .fini = teardown)
{
	interrupt_merge(SIGINT);
	interrupt_merge(SIGTERM);
}

Test(bare, symlinked_trace_dir_is_refused, .init = setup, .fini = teardown)
{
	char real[4096], link[4096], *n = NULL, cmd[8192];

	snprintf(real, sizeof(real), "%s", test_path(out, "real"));
	snprintf(link, sizeof(link), "%s", test_path(out, "link"));
	cr_assert_eq(mkdir(real, 0700), 0);
	cr_assert_eq(symlink(real, link), 0);
	refused_dir(link, "symbolic link");
	/* Naming the dir in it, or with a trailing slash, would follow the
	 * link were the check not made on the link itself. */
	snprintf(cmd, sizeof(cmd), "%s/.", link);
	refused_dir(cmd, "symbolic link");
	snprintf(cmd, sizeof(cmd), "%s/", link);
	refused_dir(cmd, "symbolic link");
	snprintf(cmd, sizeof(cmd), "%s/./", link);
	refused_dir(cmd, "symbolic link");
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", real);
	test_sh(cmd, &n, NULL);
	cr_assert_str_eq(n, "0\n", "files were written through the symlink");
	free(n);
}

Test(bare, trace_dir_of_another_user_is_refused, .init = setup,
     .fini = teardown)
{
	const char *theirs = test_path(out, "theirs");

	if (geteuid() != 0)
		cr_skip_test("needs root to give a dir to another user");
	cr_assert_eq(mkdir(theirs, 0700), 0);
	cr_assert_eq(chown(theirs, 65534, 65534), 0);
	refused_dir(theirs, "belongs to another user");
}

/* A trace dir of the user's own, in a dir anybody may write to (so may
 * swap it): refused; in one that is sticky, as /tmp is: taken. */
Test(bare, trace_dir_in_a_dir_others_may_write_is_refused, .init = setup,
     .fini = teardown)
{
	char open_dir[2048], dir[2100], cmd[8192], *n = NULL;

	snprintf(open_dir, sizeof(open_dir), "%s", test_path(out, "open"));
	snprintf(dir, sizeof(dir), "%s/trace", open_dir);
	cr_assert_eq(mkdir(open_dir, 0700), 0);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(chmod(open_dir, 0777), 0);
	refused_dir(dir, "writable by group or others and not sticky");
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	test_sh(cmd, &n, NULL);
	cr_assert_str_eq(n, "0\n", "files were written into %s", dir);
	free(n);
	cr_assert_eq(chmod(open_dir, 01777), 0);
	snprintf(cmd, sizeof(cmd),
		 "KEKE_DIR='%s' LD_PRELOAD='%s' '%s' 0 && ls -A '%s' | wc -l",
		 dir, test_preload(), test_prog("exit_status"), dir);
	cr_assert_eq(test_exit_code(test_sh(cmd, &n, NULL)), 0);
	cr_assert(strstr(n, "argv[1]=0\n1\n"), "sticky: %s", n);
	free(n);
}

/* A relative KEKE_DIR is the dir it names where the first process
 * started: processes that run elsewhere join the same trace. */
Test(bare, relative_trace_dir_survives_chdir, .init = setup,
     .fini = teardown)
{
	char cmd[8192];

	cr_assert_eq(mkdir(test_path(out, "trace"), 0700), 0);
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && KEKE_DIR=trace LD_PRELOAD='%s' sh -c "
		 "'cd / && \"$0\" 0' '%s'", out, test_preload(),
		 test_prog("exit_status"));
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0);
	snprintf(cmd, sizeof(cmd), "'%s' merge '%s/trace' -o '%s' --db '%s'",
		 test_keke_bin(), out, json(), db());
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0);
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM process "
				 "WHERE untraced = 0"), 2);
}

/* Without TMPDIR, bare mode puts its trace dir where keke run would: a
 * tmpfs with room, /dev/shm, before /tmp. */
Test(bare, trace_dir_goes_where_keke_run_s_would, .init = setup,
     .fini = teardown)
{
	char cmd[8192], *e = NULL, dir[4096];
	const char *want = keke_default_trace_parent();

	snprintf(cmd, sizeof(cmd),
		 "env -u TMPDIR KEKE_QUIET= LD_PRELOAD='%s' '%s' 0",
		 test_preload(), test_prog("exit_status"));
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, &e)), 0);
	const char *at = strstr(e, " in ");
	cr_assert(at && sscanf(at + 4, "%4095s", dir) == 1, "%s", e);
	cr_assert(!strncmp(dir, want, strlen(want)) &&
		  dir[strlen(want)] == '/', "%s is not in %s", dir, want);
	test_rm_rf(dir);
	free(e);
}

Test(bare, missing_trace_dir_runs_untraced, .init = setup, .fini = teardown)
{
	refused_dir(test_path(out, "does-not-exist"), "No such file");
}

Test(run, environment_only_with_env, .init = setup, .fini = teardown)
{
	char cmd[8192], *j = NULL;

	snprintf(cmd, sizeof(cmd), "KEKE_TEST_SECRET=hunter2 '%s' run -q "
		 "-o '%s' --db '%s' -- sh -c true", test_keke_bin(), json(),
		 db());
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0);
	j = test_read_file(json(), NULL);
	cr_assert(!strstr(j, "hunter2"), "the environment was recorded");
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM args WHERE "
				       "string_value LIKE '%hunter2%'"), 0);
	free(j);
	snprintf(cmd, sizeof(cmd), "KEKE_TEST_SECRET=hunter2 '%s' run -q "
		 "--env -o '%s' --db '%s' -- sh -c true", test_keke_bin(),
		 json(), db());
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM args WHERE "
				       "key = 'env' AND string_value LIKE "
				       "'%KEKE_TEST_SECRET=hunter2%'"), 1);
}

Test(run, bad_trace_family_is_a_usage_error, .init = setup, .fini = teardown)
{
	char *e = NULL;

	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "'%s' run --trace=fiel -- true",
		 test_keke_bin());
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, &e)), 2);
	cr_assert(strstr(e, "unknown trace family 'fiel'"), "%s", e);
	free(e);
}
