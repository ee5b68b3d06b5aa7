// SPDX-License-Identifier: MIT
/*
 * Call stacks (keke run --stacks): known call chains come back with their
 * functions and file:line, a repeated stack is stored once, stripped
 * binaries keep their addresses, handlers get stacks too, and a run
 * without stacks never loads libunwind.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

TEST_SCRATCH_DIR

TestSuite(stacks, .init = setup, .fini = teardown, .timeout = 120);

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* Runs @prog under keke with stacks of @families; its stdout in *@o
 * unless NULL. */
static void run_with_stacks_of(const char *families, const char *prog,
			       char **o)
{
	char cmd[8192], *c = NULL;

	snprintf(cmd, sizeof(cmd), "'%s' run -q --stacks=%s -o '%s' "
		 "--db '%s' -- %s", test_keke_bin(), families,
		 test_path(out, "t.json"), db(), prog);
	cr_assert_eq(test_exit_code(test_sh(cmd, o, NULL)), 0, "%s", cmd);
	snprintf(cmd, sizeof(cmd), "python3 '%s/check_trace.py' '%s'",
		 getenv("KEKE_TESTS_SRC"), test_path(out, "t.json"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &c, NULL)), 0, "%s", c);
	free(c);
}

static void run_with_stacks(const char *prog)
{
	char quoted[4096];

	snprintf(quoted, sizeof(quoted), "'%s'", prog);
	run_with_stacks_of("file", quoted, NULL);
}

/* The frame at @depth below the innermost of the stack @stack_id (an SQL
 * expression): "function file:line". */
static char *stack_frame(const char *stack_id, int depth)
{
	char sql[4096];

	snprintf(sql, sizeof(sql),
		 "WITH RECURSIVE chain(id, parent_id, frame_id, n) AS ("
		 " SELECT c.id, c.parent_id, c.frame_id, 0 FROM "
		 " stack_profile_callsite c WHERE c.id = (%s)"
		 " UNION ALL SELECT c.id, c.parent_id, c.frame_id, n + 1 FROM "
		 " stack_profile_callsite c JOIN chain ON c.id = "
		 " chain.parent_id) "
		 "SELECT f.name || ' ' || replace(f.source_file, "
		 " rtrim(f.source_file, replace(f.source_file, '/', '')), '') "
		 " || ':' || f.line_number FROM chain JOIN stack_profile_frame "
		 " f ON f.id = chain.frame_id WHERE chain.n = %d", stack_id,
		 depth);
	return test_db_str(db(), sql);
}

/* The frame at @depth below the innermost of the stack of the first open
 * of @path: "function file:line". */
static char *frame(const char *path, int depth)
{
	char stack_id[512];

	snprintf(stack_id, sizeof(stack_id),
		 "SELECT s.stack_id FROM slice s JOIN args a ON "
		 "a.arg_set_id = s.arg_set_id WHERE s.name = 'open' AND "
		 "a.key = 'path' AND a.string_value = '%s' ORDER BY s.ts "
		 "LIMIT 1", path);
	return stack_frame(stack_id, depth);
}

/* The stack of the @nth (from 0) slice named @name on thread @tid, as an
 * SQL expression. */
static const char *nth_stack(int tid, const char *name, int nth)
{
	static char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT s.stack_id FROM slice s JOIN thread_track tt ON "
		 "tt.id = s.track_id JOIN thread t ON t.utid = tt.utid WHERE "
		 "t.tid = %d AND s.name = '%s' ORDER BY s.ts LIMIT 1 OFFSET %d",
		 tid, name, nth);
	return sql;
}

Test(stacks, known_call_chain_with_file_and_line)
{
	char *f0, *f1, *f2;

	run_with_stacks(test_prog("stack_chain"));
	f0 = frame("/dev/null", 0);
	f1 = frame("/dev/null", 1);
	f2 = frame("/dev/null", 2);
	cr_assert_str_eq(f0, "inner_step stack_chain.c:12");
	cr_assert_str_eq(f1, "outer_step stack_chain.c:21");
	cr_assert_str_eq(f2, "main stack_chain.c:38");
	free(f0);
	free(f1);
	free(f2);
	f0 = frame("/dev/zero", 0);
	cr_assert_str_eq(f0, "other_path stack_chain.c:26");
	free(f0);
	/* keke's own frames are not in the stacks */
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM "
				       "stack_profile_frame f JOIN "
				       "stack_profile_mapping m ON m.id = "
				       "f.mapping WHERE m.name LIKE "
				       "'%libkeke.so'"), 0);
}

Test(stacks, a_repeated_stack_is_stored_once)
{
	run_with_stacks(test_prog("stack_chain"));
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(DISTINCT s.stack_id) "
				       "FROM slice s JOIN args a ON "
				       "a.arg_set_id = s.arg_set_id WHERE "
				       "s.name = 'open' AND a.key = 'path' AND "
				       "a.string_value = '/dev/null'"), 1);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM slice s JOIN "
				       "args a ON a.arg_set_id = s.arg_set_id "
				       "WHERE s.name = 'open' AND a.key = "
				       "'path' AND a.string_value = "
				       "'/dev/null' AND s.stack_id IS NOT "
				       "NULL"), 3);
	char *j = test_read_file(test_path(out, "t.json"), NULL);
	cr_assert(strstr(j, "\"stack\":\"inner_step (") &&
		  strstr(j, "stack_chain.c:12)\\nouter_step ("),
		  "the JSON has no readable stack");
	free(j);
}

Test(stacks, stripped_binary_keeps_addresses)
{
	char cmd[8192];
	const char *copy = test_path(out, "stripped_chain");

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && strip --strip-all '%s'",
		 test_prog("stack_chain"), copy, copy);
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0);
	run_with_stacks(copy);
	/* its static functions have no names left, only addresses */
	cr_assert_geq(test_db_int(db(), "SELECT COUNT(*) FROM "
					"stack_profile_frame f JOIN "
					"stack_profile_mapping m ON m.id = "
					"f.mapping WHERE m.name LIKE "
					"'%stripped_chain' AND f.rel_pc > 0"),
		      3);
	/* libc still has its exported names */
	cr_assert_geq(test_db_int(db(), "SELECT COUNT(*) FROM "
					"stack_profile_frame WHERE name LIKE "
					"'%libc_start%'"), 1);
}

Test(stacks, no_stacks_no_libunwind)
{
	char cmd[8192], *o = NULL;
	const char *dir = test_path(out, "trace");

	snprintf(cmd, sizeof(cmd), "mkdir -m 700 '%s' && KEKE_DIR='%s' "
		 "LD_PRELOAD='%s' LD_DEBUG=files '%s' 2>&1 | grep -c "
		 "'libunwind' || true", dir, dir, test_preload(),
		 test_prog("stack_chain"));
	test_sh(cmd, &o, NULL);
	cr_assert_str_eq(o, "0\n", "libunwind was loaded without stacks");
	free(o);
	snprintf(cmd, sizeof(cmd), "KEKE_STACKS=file KEKE_DIR='%s' "
		 "LD_PRELOAD='%s' LD_DEBUG=files '%s' 2>&1 | grep -c "
		 "'file=libunwind' || true", dir, test_preload(),
		 test_prog("stack_chain"));
	test_sh(cmd, &o, NULL);
	cr_assert_str_neq(o, "0\n", "KEKE_STACKS did not load libunwind");
	free(o);
}

Test(stacks, inside_signal_handlers)
{
	char cmd[8192], *bare = NULL, *traced = NULL;

	snprintf(cmd, sizeof(cmd), "'%s'", test_prog("signal_interrupts"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &bare, NULL)), 0);
	snprintf(cmd, sizeof(cmd), "'%s' run -q --stacks=file,net,sync -o "
		 "'%s' --db '%s' -- '%s'", test_keke_bin(),
		 test_path(out, "t.json"), db(), test_prog("signal_interrupts"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &traced, NULL)), 0);
	cr_assert_str_eq(traced, bare);
	cr_assert_geq(test_db_int(db(), "SELECT COUNT(*) FROM slice WHERE "
					"name = 'write' AND stack_id IS NOT "
					"NULL"), 1);
	free(bare);
	free(traced);
}

/*
 * proc_stacks prints "# <slice> <function> <line>" for each call of the
 * process family it makes, and "# child <pid>" for the fork child that
 * execs: each of those slices has a stack whose innermost frame is that
 * call, the child's exec included, and the vfork's taken before the child
 * borrowed the parent's memory.
 */
Test(stacks, process_calls_have_stacks)
{
	char *o = NULL, *save = NULL, cmd[4096];
	int pid, child = 0, seen[16] = { 0 }, checked = 0;
	const char *names[16] = { 0 };

	snprintf(cmd, sizeof(cmd), "'%s'", test_prog("proc_stacks"));
	run_with_stacks_of("proc", cmd, &o);
	pid = (int)test_db_int(db(), "SELECT pid FROM process WHERE name = "
			       "'proc_stacks' ORDER BY start_ts LIMIT 1");
	/* The child may print its exec line before the parent names it. */
	if (strstr(o, "# child "))
		sscanf(strstr(o, "# child "), "# child %d", &child);
	for (char *line = strtok_r(o, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char name[32], func[64], want[128], *got;
		int at, k, nth, tid;

		if (!strncmp(line, "# child ", 8))
			continue;
		if (sscanf(line, "# %31s %63s %d", name, func, &at) != 3)
			continue;
		tid = strcmp(name, "exec") ? pid : child;
		for (k = 0; names[k] && strcmp(names[k], name); k++)
			;
		cr_assert_lt(k, 15);
		names[k] = strdup(name);
		nth = seen[k]++;
		if (tid == child)
			nth = 0;
		cr_assert_gt(tid, 0, "no child before %s", line);
		snprintf(want, sizeof(want), "%s proc_stacks.c:%d", func, at);
		got = stack_frame(nth_stack(tid, name, nth), 0);
		cr_assert(got && !strcmp(got, want), "%s #%d of %d: the stack "
			  "starts at %s, not %s", name, nth + 1, tid,
			  got ? got : "nothing", want);
		free(got);
		checked++;
	}
	/* fork, wait, fork (vfork), wait, spawn, wait, system, popen,
	 * pclose, kill, exec, wait */
	cr_assert_eq(checked, 12, "%s", o);
	for (int k = 0; names[k]; k++)
		free((char *)names[k]);
	free(o);
}

/*
 * The child of a parent with threads unwinds nothing before it execs
 * (another thread may have held the unwinder's locks at the fork): its
 * exec has no stack, and nothing waits forever. The parent's calls keep
 * theirs.
 */
Test(stacks, a_threaded_parents_fork_child_unwinds_nothing)
{
	char *o = NULL, cmd[4096], *got;
	int pid, child = 0;

	snprintf(cmd, sizeof(cmd), "'%s' threaded", test_prog("proc_stacks"));
	run_with_stacks_of("proc", cmd, &o);
	cr_assert(strstr(o, "# child "), "%s", o);
	child = atoi(strstr(o, "# child ") + 8);
	pid = (int)test_db_int(db(), "SELECT pid FROM process WHERE name = "
			       "'proc_stacks' ORDER BY start_ts LIMIT 1");
	snprintf(cmd, sizeof(cmd), "SELECT count(*) FROM slice s JOIN "
		 "thread_track tt ON tt.id = s.track_id JOIN thread t ON "
		 "t.utid = tt.utid WHERE t.tid = %d AND s.name = 'exec' AND "
		 "s.stack_id IS NULL", child);
	cr_assert_eq(test_db_int(db(), cmd), 1, "the child's exec has a "
		     "stack, or no slice");
	got = stack_frame(nth_stack(pid, "fork", 0), 0);
	cr_assert(got && !strncmp(got, "execs proc_stacks.c:", 20),
		  "the parent's fork has the stack %s", got ? got : "none");
	free(got);
	free(o);
}
