// SPDX-License-Identifier: MIT
/*
 * Following processes: every way a program starts another (fork, vfork,
 * exec, posix_spawn, system, popen), through scrubbed environments, real
 * programs (sh pipelines, python3's subprocess, make -j2), each checked for
 * the process tree, flows and exit codes in the database, for output
 * identical to a bare run, and where strace is installed for the same set
 * of exec'd programs as `strace -f -e trace=execve` sees.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

/* The run's first process: the command keke run started. (Not upid 1:
 * when pids wrap around, a child can have a lower pid than its parent.) */
#define ROOT_UPID "(SELECT upid FROM process WHERE parent_upid IS NULL)"
/* Its one child, in a run of two processes. */
#define CHILD_UPID "(SELECT upid FROM process WHERE parent_upid IS NOT NULL)"

TEST_SCRATCH_DIR

static const char *db(void)
{
	return test_path(out, "t.db");
}

static void check_json(void)
{
	char cmd[8192], *o = NULL;

	snprintf(cmd, sizeof(cmd), "python3 '%s/check_trace.py' '%s'",
		 getenv("KEKE_TESTS_SRC"), test_path(out, "t.json"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0,
		     "check_trace: %s", o);
	free(o);
}

/*
 * Runs @cmd bare and under `keke run`: both must exit @code and print the
 * same stdout.
 */
static void run_both(const char *cmd, int code)
{
	char *full, *bare = NULL, *traced = NULL;

	cr_assert_eq(test_exit_code(test_sh(cmd, &bare, NULL)), code,
		     "bare: %s", cmd);
	cr_assert(asprintf(&full, "'%s' run -q -o '%s' --db '%s' -- %s",
			   test_keke_bin(), test_path(out, "t.json"), db(),
			   cmd) > 0);
	cr_assert_eq(test_exit_code(test_sh(full, &traced, NULL)), code,
		     "under keke: %s", cmd);
	cr_assert_str_eq(traced, bare, "%s printed something else under keke",
			 cmd);
	free(full);
	free(bare);
	free(traced);
	check_json();
}

static int64_t q(const char *sql)
{
	return test_db_int(db(), sql);
}

/* Children of the run's first process that have a flow into their
 * first slice. */
#define LINKED_CHILDREN                                                     \
	"SELECT COUNT(*) FROM process c WHERE c.parent_upid = " ROOT_UPID   \
	" AND EXISTS "                                                      \
	"(SELECT 1 FROM flow f JOIN slice s ON s.id = f.slice_in JOIN "     \
	"thread t ON t.utid = s.track_id WHERE t.upid = c.upid)"

Test(procs, fork_exec_exec_chain, .init = setup, .fini = teardown)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "'%s' 2", test_prog("exec_chain"));
	run_both(cmd, 0);
	cr_assert_eq(q("SELECT COUNT(*) FROM process"), 2);
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE parent_upid = "
		       ROOT_UPID " "
		       "AND exit_code = 5 AND cmdline = 'exec_chain child 0'"),
		     1);
	cr_assert_eq(q("SELECT COUNT(*) FROM slice WHERE name = 'exec'"), 3);
	/* fork -> child, and each exec -> the next image */
	cr_assert_eq(q("SELECT COUNT(*) FROM flow"), 4);
	cr_assert_eq(q("SELECT COUNT(*) FROM flow f JOIN slice o ON "
		       "o.id = f.slice_out JOIN slice i ON i.id = f.slice_in "
		       "WHERE o.name = 'exec' AND i.category = 'process' AND "
		       "i.depth = 0 AND i.ts >= o.ts"), 3);
	/* Images of one pid do not overlap: an exec lasts until the next. */
	cr_assert_eq(q("SELECT COUNT(*) FROM slice a JOIN slice b ON "
		       "a.track_id = b.track_id AND a.id < b.id WHERE "
		       "a.depth = 0 AND b.depth = 0 AND "
		       "b.ts < a.ts + a.dur"), 0);
}

/* Record files in the trace dir @dir. */
static int64_t record_files(const char *dir)
{
	char cmd[4096], *o = NULL;
	int64_t n;

	snprintf(cmd, sizeof(cmd), "ls '%s' | grep -c '[.]kr$'", dir);
	test_sh(cmd, &o, NULL);
	n = strtoll(o, NULL, 10);
	free(o);
	return n;
}

/*
 * A fork child that execs before it records anything makes no file: the
 * new image tells of it. The trace is the same as if it had one: the
 * child's first image runs its parent's program from the fork to the
 * exec, whose slice names the program and leads to the new image.
 */
Test(procs, fork_child_that_execs_at_once_has_no_file_of_its_own,
     .init = setup, .fini = teardown)
{
	const char *dir = test_path(out, "trace");
	char cmd[8192];

	cr_assert_eq(mkdir(dir, 0700), 0);
	snprintf(cmd, sizeof(cmd), "KEKE_QUIET=1 KEKE_DIR='%s' LD_PRELOAD='%s' "
		 "'%s' 0 && '%s' merge '%s' -o '%s' --db '%s' 2>/dev/null",
		 dir, test_preload(), test_prog("exec_chain"), test_keke_bin(),
		 dir, test_path(out, "t.json"), db());
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0, "%s", cmd);
	/* the parent, and the image its child exec'd */
	cr_assert_eq(record_files(dir), 2);
	check_json();
	cr_assert_eq(q("SELECT COUNT(*) FROM process"), 2);
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE parent_upid = "
		       ROOT_UPID " "
		       "AND exit_code = 5 AND killed = 0 AND "
		       "cmdline = 'exec_chain child 0'"), 1);
	/* The child's two images on its main thread, one after the other:
	 * the first its parent's program, with the exec inside it. */
	cr_assert_eq(q("SELECT COUNT(*) FROM slice s JOIN thread t ON "
		       "t.utid = s.track_id WHERE t.upid = " CHILD_UPID " AND "
		       "s.depth = 0"), 2);
	cr_assert_eq(q("SELECT COUNT(*) FROM slice i JOIN slice e ON "
		       "e.parent_id = i.id JOIN slice n ON n.track_id = "
		       "i.track_id AND n.depth = 0 AND n.id != i.id "
		       "JOIN args c ON c.arg_set_id = i.arg_set_id "
		       "JOIN args p ON p.arg_set_id = e.arg_set_id "
		       "JOIN args a ON a.arg_set_id = e.arg_set_id "
		       "JOIN thread t ON t.utid = i.track_id "
		       "WHERE t.upid = " CHILD_UPID " AND "
		       "i.name = 'exec_chain' AND "
		       "c.key = 'cmdline' AND c.string_value LIKE '%exec_chain 0' "
		       "AND e.name = 'exec' AND e.depth = 1 AND "
		       "p.key = 'path' AND p.string_value = '/proc/self/exe' AND "
		       "a.key = 'argv' AND a.string_value = 'exec_chain child 0' "
		       "AND i.ts <= e.ts AND e.ts + e.dur < n.ts AND "
		       "i.ts + i.dur <= n.ts"), 1);
	/* fork -> the child's first image, exec -> its second */
	cr_assert_eq(q("SELECT COUNT(*) FROM flow f JOIN slice o ON "
		       "o.id = f.slice_out JOIN slice i ON i.id = f.slice_in "
		       "JOIN thread t ON t.utid = i.track_id WHERE t.upid = "
		       CHILD_UPID " AND i.depth = 0 AND o.name IN ('fork', 'exec')"), 2);
}

Test(procs, every_way_to_start_a_child, .init = setup, .fini = teardown)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "'%s' '%s'", test_prog("spawners"),
		 test_prog("exit_status"));
	run_both(cmd, 0);
	/* vfork, posix_spawn, posix_spawnp, system, 2 popen, execle, and the
	 * child whose exec failed */
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE parent_upid = "
		       ROOT_UPID),
		     8);
	cr_assert_eq(q(LINKED_CHILDREN), 8);
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE name = "
		       "'exit_status' AND exit_code = 11"), 2);
	/* execle with an empty environment: still traced */
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE name = "
		       "'exit_status' AND exit_code = 12 AND killed = 0"), 1);
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE name = 'sh' AND "
		       "parent_upid = " ROOT_UPID), 3);
	cr_assert_eq(q("SELECT COUNT(*) FROM process c JOIN process p ON "
		       "c.parent_upid = p.upid WHERE c.name = 'cat' AND "
		       "p.name = 'sh'"), 1);
	/* The failed exec: errno recorded, no flow, the child went on. */
	cr_assert_eq(q("SELECT COUNT(*) FROM slice s JOIN args a ON "
		       "a.arg_set_id = s.arg_set_id WHERE s.name = 'exec' AND "
		       "a.key = 'error' AND a.string_value = 'ENOENT'"), 1);
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE exit_code = 9 AND "
		       "killed = 0"), 1);
	/* Every child's status as its parent's wait saw it. */
	cr_assert_eq(q("SELECT COUNT(*) FROM slice s JOIN thread t ON "
		       "t.utid = s.track_id WHERE s.name = 'wait' AND "
		       "t.upid = " ROOT_UPID), 5);
	cr_assert_eq(q("SELECT COUNT(*) FROM slice WHERE name IN "
		       "('system', 'popen', 'pclose', 'spawn')"), 7);
}

Test(procs, env_i_in_front_of_a_traced_shell, .init = setup,
     .fini = teardown)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd),
		 "sh -c \"env -i /bin/sh -c '%s 3 exit; exit 4'\"",
		 test_prog("exit_status"));
	run_both(cmd, 4);
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE name = "
		       "'exit_status' AND exit_code = 3"), 1);
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE parent_upid IS "
		       "NULL"), 1);
}

/*
 * A trace dir whose path is long, and KEKE_* variables longer than most:
 * libkeke.so keeps short ones beside its other state and long ones apart.
 * A shell behind env -i must still be traced, and get them all back.
 */
Test(procs, long_trace_dir_and_run_variables, .init = setup,
     .fini = teardown)
{
	char parent[1024], filler[701], cmd[8192], *o = NULL;

	snprintf(parent, sizeof(parent), "%s/%0200d/%0150d", out, 0, 0);
	memset(filler, 'x', sizeof(filler) - 1);
	filler[sizeof(filler) - 1] = '\0';
	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s' && KEKE_TEST_FILLER=%s '%s' run -q --dir '%s' "
		 "-o '%s' --db '%s' -- sh -c \"env -i /bin/sh -c "
		 "'echo \\${#KEKE_TEST_FILLER}; %s 3 exit; exit 4'\"",
		 parent, filler, test_keke_bin(), parent,
		 test_path(out, "t.json"), db(), test_prog("exit_status"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 4);
	cr_assert(!strncmp(o, "700\n", 4), "the shell behind env -i saw "
		  "KEKE_TEST_FILLER of %.4s bytes, not 700", o);
	free(o);
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE name = "
		       "'exit_status' AND exit_code = 3"), 1);
	cr_assert_eq(q("SELECT COUNT(*) FROM process"), 3);
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE parent_upid IS "
		       "NULL"), 1);
}

Test(procs, forking_from_many_threads, .init = setup, .fini = teardown)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "'%s'", test_prog("threads_fork"));
	run_both(cmd, 0);
	cr_assert_eq(q("SELECT COUNT(*) FROM process"), 101);
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE parent_upid = "
		       ROOT_UPID " "
		       "AND killed = 0 AND exit_code BETWEEN 0 AND 24"), 100);
	cr_assert_eq(q(LINKED_CHILDREN), 100);
	cr_assert_eq(q("SELECT SUM(exit_code) FROM process WHERE "
		       "parent_upid = " ROOT_UPID), 4 * (24 * 25 / 2));
	/* The forks came from 4 threads other than the main one. */
	cr_assert_eq(q("SELECT COUNT(DISTINCT track_id) FROM slice WHERE "
		       "name = 'fork'"), 4);
}

Test(procs, orphaned_grandchild, .init = setup, .fini = teardown)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "'%s'", test_prog("orphan"));
	run_both(cmd, 0);
	cr_assert_eq(q("SELECT COUNT(*) FROM process"), 3);
	cr_assert_eq(q("SELECT COUNT(*) FROM process g JOIN process c ON "
		       "g.parent_upid = c.upid WHERE c.parent_upid = "
		       ROOT_UPID " AND "
		       "g.exit_code = 3 AND g.killed = 0"), 1);
}

Test(procs, shell_pipeline, .init = setup, .fini = teardown)
{
	run_both("/bin/sh -c 'echo a b c | tr a-z A-Z | wc -w'", 0);
	cr_assert_eq(q("SELECT COUNT(*) FROM process c JOIN process p ON "
		       "c.parent_upid = p.upid WHERE c.name IN ('tr', 'wc') "
		       "AND p.name = 'sh' AND c.exit_code = 0"), 2);
}

Test(procs, python_subprocess, .init = setup, .fini = teardown)
{
	run_both("python3 -c 'import subprocess; "
		 "print(subprocess.run([\"sh\", \"-c\", \"exit 7\"])."
		 "returncode)'", 0);
	cr_assert_eq(q("SELECT COUNT(*) FROM process c JOIN process p ON "
		       "c.parent_upid = p.upid WHERE c.name = 'sh' AND "
		       "c.exit_code = 7 AND p.name LIKE 'python3%'"), 1);
}

/* A make -j2 of three C files into OUT/proj. */
static const char *make_project(void)
{
	char cmd[8192];
	const char *dir = test_path(out, "proj");

	snprintf(cmd, sizeof(cmd),
		 "mkdir -p '%s' && cd '%s' && "
		 "for i in 1 2 3; do echo \"int f$i(void) { return $i; }\" "
		 "> f$i.c; done && "
		 "printf 'all: f1.o f2.o f3.o\\n\\n%%.o: %%.c\\n\\tcc -c $< -o "
		 "$@\\n' > Makefile", dir, dir);
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0);
	return dir;
}

Test(procs, make_j2, .init = setup, .fini = teardown)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "make -s -C '%s' -j2", make_project());
	run_both(cmd, 0);
	/* run twice: clean first so the traced run compiles too */
	snprintf(cmd, sizeof(cmd), "cd '%s' && rm -f *.o && '%s' run -q "
		 "-o '%s' --db '%s' -- make -s -j2", test_path(out, "proj"),
		 test_keke_bin(), test_path(out, "t.json"), db());
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0);
	cr_assert_eq(q("SELECT COUNT(*) FROM process c JOIN process p ON "
		       "c.parent_upid = p.upid WHERE c.name = 'cc' AND "
		       "p.name = 'make' AND c.exit_code = 0"), 3);
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE name = 'cc1'"), 3);
	check_json();
}

/*
 * The programs keke saw exec'd (exec and spawn slices that succeeded, and
 * the shell of each system/popen) equal those strace saw, as sorted lists
 * of paths; @root is the command both run first.
 */
static void same_execs_as_strace(const char *root, const char *cmd)
{
	char sh[16384], *theirs = NULL, *ours = NULL;

	if (system("command -v strace >/dev/null 2>&1") != 0) {
		cr_log_warn("strace is not installed: comparison skipped");
		return;
	}
	snprintf(sh, sizeof(sh),
		 "cd '%s' && strace -qq -ff -e trace=execve -e signal=none "
		 "-o st -- %s >/dev/null 2>&1; cat st.* | grep ' = 0$' | "
		 "sed 's/^execve(\"\\([^\"]*\\)\".*/\\1/' | sort | "
		 "awk -v root='%s' '$0 == root && !done { done = 1; next } "
		 "{ print }'", out, cmd, root);
	cr_assert_eq(test_exit_code(test_sh(sh, &theirs, NULL)), 0);
	snprintf(sh, sizeof(sh),
		 "cd '%s' && rm -f st.* && '%s' run -q -o t.json --db t.db -- "
		 "%s >/dev/null 2>&1; sqlite3 t.db \"SELECT a.string_value "
		 "FROM slice s JOIN args a ON a.arg_set_id = s.arg_set_id "
		 "WHERE s.name IN ('exec', 'spawn') AND a.key = 'path' AND "
		 "NOT EXISTS (SELECT 1 FROM args e WHERE e.arg_set_id = "
		 "s.arg_set_id AND e.key = 'errno') UNION ALL SELECT "
		 "'/bin/sh' FROM slice WHERE name IN ('system', 'popen')\" | "
		 "sort", out, test_keke_bin(), cmd);
	cr_assert_eq(test_exit_code(test_sh(sh, &ours, NULL)), 0);
	cr_assert(theirs && *theirs, "strace saw no exec");
	cr_assert_str_eq(ours, theirs, "keke and strace saw different execs");
	free(theirs);
	free(ours);
}

Test(procs, same_execs_as_strace, .init = setup, .fini = teardown)
{
	char cmd[8192];
	const char *spawners = test_prog("spawners");

	if (system("command -v sqlite3 >/dev/null 2>&1") != 0) {
		cr_log_warn("sqlite3 is not installed: comparison skipped");
		return;
	}
	snprintf(cmd, sizeof(cmd), "'%s' '%s'", spawners,
		 test_prog("exit_status"));
	same_execs_as_strace(spawners, cmd);
	same_execs_as_strace("/bin/sh",
			     "/bin/sh -c 'echo a | tr a-z A-Z | wc -c'");
	snprintf(cmd, sizeof(cmd), "/usr/bin/make -s -C '%s' -B -j2",
		 make_project());
	same_execs_as_strace("/usr/bin/make", cmd);
}
