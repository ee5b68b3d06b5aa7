// SPDX-License-Identifier: MIT
/*
 * The keke.h annotation API: spans nest with the hooked calls made inside
 * them, arguments land on their span, instants, counters, thread names and
 * flows (to a thread, to a child process) reach both outputs; the same
 * programs run unchanged without keke; C++ works too.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

TEST_SCRATCH_DIR

static int64_t q(const char *sql)
{
	return test_db_int(test_path(out, "t.db"), sql);
}

/* Runs test program @prog bare, then under keke; both print @expected. */
static void run_both(const char *prog, const char *expected)
{
	char cmd[8192], *o = NULL;

	snprintf(cmd, sizeof(cmd), "'%s'", test_prog(prog));
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0);
	cr_assert_str_eq(o, expected, "bare run");
	free(o);
	snprintf(cmd, sizeof(cmd), "'%s' run -q -o '%s' --db '%s' -- '%s'",
		 test_keke_bin(), test_path(out, "t.json"),
		 test_path(out, "t.db"), test_prog(prog));
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0);
	cr_assert_str_eq(o, expected, "under keke");
	free(o);
	snprintf(cmd, sizeof(cmd), "python3 '%s/check_trace.py' '%s'",
		 getenv("KEKE_TESTS_SRC"), test_path(out, "t.json"));
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0, "%s", o);
	free(o);
}

Test(user, spans_nest_with_hooked_calls, .init = setup, .fini = teardown)
{
	run_both("annotate", "done\n");
	/* outer in the image slice, inner in outer, wait in inner */
	cr_assert_eq(q("SELECT COUNT(*) FROM slice o JOIN slice p ON "
		       "o.parent_id = p.id WHERE o.name = 'outer' AND "
		       "p.category = 'process' AND o.depth = 1"), 1);
	cr_assert_eq(q("SELECT COUNT(*) FROM slice i JOIN slice o ON "
		       "i.parent_id = o.id WHERE i.name = 'inner' AND "
		       "o.name = 'outer' AND i.depth = 2"), 1);
	cr_assert_eq(q("SELECT COUNT(*) FROM slice w JOIN slice i ON "
		       "w.parent_id = i.id WHERE w.name = 'wait' AND "
		       "i.name = 'inner' AND w.depth = 3 AND w.ts >= i.ts AND "
		       "w.ts + w.dur <= i.ts + i.dur"), 1);
	cr_assert_eq(q("SELECT COUNT(*) FROM slice s JOIN slice p ON "
		       "s.parent_id = p.id WHERE s.name = 'scoped' AND "
		       "p.name = 'outer'"), 1);
}

Test(user, args_instants_counters_names, .init = setup, .fini = teardown)
{
	run_both("annotate", "done\n");
	cr_assert_eq(q("SELECT a.int_value FROM args a JOIN slice s ON "
		       "a.arg_set_id = s.arg_set_id WHERE s.name = 'inner' "
		       "AND a.key = 'n'"), 42);
	char *file = test_db_str(test_path(out, "t.db"),
				 "SELECT a.string_value FROM args a JOIN slice "
				 "s ON a.arg_set_id = s.arg_set_id WHERE "
				 "s.name = 'inner' AND a.key = 'file'");
	cr_assert_str_eq(file, "input.txt");
	free(file);
	cr_assert_eq(q("SELECT COUNT(*) FROM slice t JOIN slice s ON "
		       "t.parent_id = s.id WHERE t.name = 'tick' AND "
		       "t.dur = 0 AND s.name = 'scoped'"), 1);
	cr_assert_eq(q("SELECT COUNT(*) FROM counter c JOIN "
		       "process_counter_track t ON t.id = c.track_id WHERE "
		       "t.name = 'queue'"), 3);
	cr_assert_eq(q("SELECT COUNT(*) FROM counter"), 3);
	cr_assert_eq(q("SELECT SUM(value) FROM counter"), 60);
	cr_assert_eq(q("SELECT COUNT(*) FROM thread WHERE name = 'worker'"),
		     1);
	char *j = test_read_file(test_path(out, "t.json"), NULL);
	cr_assert(strstr(j, "\"ph\":\"C\""), "no counter in the JSON");
	cr_assert(strstr(j, "\"ph\":\"i\""), "no instant in the JSON");
	free(j);
}

Test(user, flows_to_a_thread_and_a_child, .init = setup, .fini = teardown)
{
	run_both("annotate", "done\n");
	cr_assert_eq(q("SELECT COUNT(*) FROM flow f JOIN slice o ON "
		       "o.id = f.slice_out JOIN slice i ON i.id = f.slice_in "
		       "WHERE o.name = 'outer' AND i.name = 'work'"), 1);
	cr_assert_eq(q("SELECT COUNT(*) FROM flow f JOIN slice o ON "
		       "o.id = f.slice_out JOIN slice i ON i.id = f.slice_in "
		       "WHERE o.name = 'to child' AND i.name = 'child work'"),
		     1);
}

Test(user, cpp_program, .init = setup, .fini = teardown)
{
	if (access(test_prog("annotate_cpp"), X_OK) != 0)
		cr_skip_test("no C++ compiler: annotate_cpp was not built");
	run_both("annotate_cpp", "4950\n");
	cr_assert_eq(q("SELECT COUNT(*) FROM slice c JOIN slice p ON "
		       "c.parent_id = p.id WHERE c.name = 'compute' AND "
		       "p.name = 'c++ span'"), 1);
	cr_assert_eq(q("SELECT value FROM counter"), 4950);
}
