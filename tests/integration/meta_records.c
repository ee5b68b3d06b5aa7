// SPDX-License-Identifier: MIT
/*
 * The calls on paths and on what files are (truncate, access, readlink,
 * symlink, link, chmod, chown, utime, chdir, realpath, directory
 * listings, mmap, flock, lockf), shutdown/sendmmsg/recvmmsg, and signals
 * sent: each program prints the calls it made, with the results and errno
 * it saw, and the calls keke recorded must be exactly those, in order,
 * with the same arguments; failed probes keep their ENOENT. Every
 * spelling (large-file, fortified) records the same kind of event; a
 * directory listing is one slice however many entries it has; a signal
 * that ends its sender is still recorded.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "traced_calls.h"

TEST_SCRATCH_DIR

TestSuite(meta, .init = setup, .fini = teardown, .timeout = 240);

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* The calls meta_calls prints: other hooks it goes through (open,
 * mkdir, printf...) are left out. */
#define META_CALLS							\
	"name IN ('truncate', 'ftruncate', 'access', 'faccessat', "	\
	"'euidaccess', 'readlink', 'readlinkat', 'symlink', "		\
	"'symlinkat', 'link', 'linkat', 'chmod', 'fchmod', "		\
	"'fchmodat', 'chown', 'fchown', 'lchown', 'fchownat', "		\
	"'utimensat', 'futimens', 'utimes', 'utime', 'lutimes', "	\
	"'chdir', 'fchdir', 'realpath', 'getdents64', 'readdir', "	\
	"'mmap', 'munmap', 'flock', 'lockf', 'shutdown', 'sendmmsg', "	\
	"'recvmmsg', 'kill', 'tgkill', 'raise', 'sigqueue', "		\
	"'pthread_kill')"

/* Runs meta_calls build @prog in a fresh dir and checks its records. */
static void run_meta_calls(const char *prog)
{
	char *dir = fmt("%s/%s", out, prog), *cmd, *o = NULL;

	cr_assert_eq(mkdir(dir, 0700), 0);
	cmd = fmt("'%s' '%s'", test_prog(prog), dir);
	cr_assert_eq(test_keke_run(out, "", cmd, &o), 0, "%s failed", prog);
	test_expect_calls(db(), o, test_pid_of(db(), prog), META_CALLS);
	/* kill, raise, gsignal, sigqueue, tgkill, pthread_kill */
	cr_assert(strstr(o, "# caught=6\n"), "the handler ran otherwise "
		  "than without keke:\n%s", o);
	test_check_json(test_path(out, "t.json"));
	free(o);
	free(cmd);
	free(dir);
}

Test(meta, calls_are_recorded_as_made)
{
	run_meta_calls("meta_calls");
	/* The paths that were not there, as the program probed them. */
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM slice s JOIN "
				 "args a ON a.arg_set_id = s.arg_set_id "
				 "WHERE a.key = 'errno' AND a.int_value = 2 "
				 "AND s.name IN ('truncate', 'access', "
				 "'utime', 'realpath', 'chdir')"), 5);
	/* Signal slices are written before their call, and completed after
	 * it: each has its duration. */
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM slice WHERE "
				 "name IN ('kill', 'raise', 'sigqueue', "
				 "'tgkill', 'pthread_kill') AND dur > 0"), 10);
}

Test(meta, every_spelling_records_what_it_made)
{
	/* The builds really call the other spellings. */
	cr_assert(test_imports("meta_calls_lfs", "truncate64"));
	cr_assert(test_imports("meta_calls_lfs", "ftruncate64"));
	cr_assert(test_imports("meta_calls_lfs", "mmap64"));
	cr_assert(test_imports("meta_calls_lfs", "lockf64"));
	cr_assert(test_imports("meta_calls_lfs", "readdir64"));
	cr_assert(test_imports("meta_calls_fortify", "__readlink_chk"));
	cr_assert(test_imports("meta_calls_fortify", "__readlinkat_chk"));
	cr_assert(test_imports("meta_calls_fortify", "__realpath_chk"));
	run_meta_calls("meta_calls_lfs");
	test_rm_rf(db());
	run_meta_calls("meta_calls_fortify");
}

Test(meta, a_listing_is_one_slice)
{
	char *dir = fmt("%s/many", out), *cmd;
	int ls;

	cr_assert_eq(mkdir(dir, 0700), 0);
	cmd = fmt("cd '%s' && for i in $(seq 300); do : > f$i; done", dir);
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0);
	free(cmd);
	cmd = fmt("ls -f '%s'", dir);
	cr_assert_eq(test_keke_run(out, "", cmd, NULL), 0);
	ls = test_pid_of(db(), "ls");
	free(cmd);
	cmd = fmt("SELECT count(*) FROM slice s JOIN thread_track tt ON "
		  "tt.id = s.track_id JOIN thread t ON t.utid = tt.utid "
		  "WHERE t.tid = %d AND s.name = 'readdir'", ls);
	cr_assert_eq(test_db_int(db(), cmd), 1, "ls's listing is not one "
		     "readdir slice");
	free(cmd);
	/* 300 files, "." and "..". */
	cmd = fmt("SELECT a.int_value FROM slice s JOIN args a ON "
		  "a.arg_set_id = s.arg_set_id JOIN thread_track tt ON "
		  "tt.id = s.track_id JOIN thread t ON t.utid = tt.utid "
		  "WHERE t.tid = %d AND s.name = 'readdir' AND "
		  "a.key = 'entries'", ls);
	cr_assert_eq(test_db_int(db(), cmd), 302);
	free(cmd);
	free(dir);
	test_check_json(test_path(out, "t.json"));
}

Test(meta, a_signal_that_ends_its_sender_is_recorded)
{
	int pid;
	char *sql;

	/* self_kill sends itself SIGKILL: the call never returns. */
	sql = fmt("'%s' run -q -o '%s' --db '%s' -- '%s'", test_keke_bin(),
		  test_path(out, "t.json"), db(), test_prog("self_kill"));
	cr_assert_eq(test_exit_code(test_sh(sql, NULL, NULL)), 128 + 9);
	free(sql);
	pid = test_pid_of(db(), "self_kill");
	sql = fmt("SELECT count(*) FROM slice s JOIN args p ON "
		  "p.arg_set_id = s.arg_set_id AND p.key = 'pid' JOIN args g "
		  "ON g.arg_set_id = s.arg_set_id AND g.key = 'signal' WHERE "
		  "s.name = 'kill' AND s.category = 'process' AND "
		  "p.int_value = %d AND g.int_value = 9", pid);
	cr_assert_eq(test_db_int(db(), sql), 1, "the fatal kill is not "
		     "recorded");
	cr_assert_eq(test_db_int(db(), "SELECT dur FROM slice WHERE name = "
				 "'kill'"), 0, "a kill that never returned "
		     "has a duration");
	free(sql);
}
