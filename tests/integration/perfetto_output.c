// SPDX-License-Identifier: MIT
/*
 * Perfetto's own format (`-o *.pftrace`): real runs pass check_perfetto
 * (../shared/viewers: Perfetto's field numbers and TrackEvent rules), show
 * what keke.db of the same merge holds, and the same slices as the JSON of
 * the same trace dir. tests/perfetto_slices.py reads the protobuf with a
 * wire decoder of its own.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

TEST_SCRATCH_DIR

TestSuite(perfetto_output, .init = setup, .fini = teardown, .timeout = 600);

static const char *check_perfetto(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/../../shared/viewers/check_perfetto",
		 getenv("KEKE_TESTS_SRC"));
	if (access(path, R_OK) != 0)
		cr_skip_test("no checker to check with (%s)", path);
	return path;
}

/* Runs `sh -c @cmd` under keke run into @name (and t.db), keeping the
 * trace dir in out/dir. Ends 60 ms after @cmd, so that every merge of the
 * dir takes its clock rate from the files (merge/clocks.c). */
static void run(const char *cmd, const char *name)
{
	char cmd_line[16384];
	struct outcome o;

	snprintf(cmd_line, sizeof(cmd_line), "cd '%s' && mkdir -p dir && '%s' run -q "
		 "--stacks=file --dir dir --keep -o '%s' --db t.db -- sh -c "
		 "'%s; sleep 0.06' >/dev/null", out, test_keke_bin(), name,
		 cmd);
	o = sh(cmd_line);
	cr_assert_eq(o.code, 0, "keke run failed:\n%s", o.err);
	outcome_free(&o);
}

/* Checks @name with check_perfetto: accepted, with no problem. */
static void accepted(const char *name)
{
	char cmd_line[8192];
	struct outcome o;

	snprintf(cmd_line, sizeof(cmd_line), "cd '%s' && sh '%s' '%s'", out,
		 check_perfetto(), name);
	o = sh(cmd_line);
	cr_assert_eq(o.code, 0, "check_perfetto rejected %s:\n%s%s", name,
		     o.out, o.err);
	cr_assert(strstr(o.out, "accepted"), "%s", o.out);
	outcome_free(&o);
}

/* The count @what of perfetto_slices.py's count of @name. */
static long long counted(const char *json, const char *what)
{
	char key[64];
	const char *at;

	snprintf(key, sizeof(key), "\"%s\": ", what);
	at = strstr(json, key);
	cr_assert(at, "no %s in %s", what, json);
	return atoll(at + strlen(key));
}

/* The protobuf @name shows what t.db of the same merge holds. */
static void same_as_database(const char *name)
{
	char cmd_line[8192], db[4096];
	struct outcome o;

	snprintf(cmd_line, sizeof(cmd_line), "cd '%s' && python3 '%s/perfetto_slices.py' "
		 "count '%s'", out, getenv("KEKE_TESTS_SRC"), name);
	o = sh(cmd_line);
	cr_assert_eq(o.code, 0, "%s", o.err);
	snprintf(db, sizeof(db), "%s/t.db", out);
	cr_expect_eq(counted(o.out, "slices") + counted(o.out, "instants"),
		     test_db_int(db, "SELECT COUNT(*) FROM slice"),
		     "slices: %s", o.out);
	cr_expect_eq(counted(o.out, "flows"),
		     test_db_int(db, "SELECT COUNT(*) FROM flow"), "flows: %s",
		     o.out);
	cr_expect_eq(counted(o.out, "counter_values"),
		     test_db_int(db, "SELECT COUNT(*) FROM counter"),
		     "counters: %s", o.out);
	cr_expect_eq(counted(o.out, "counter_tracks"),
		     test_db_int(db, "SELECT COUNT(*) FROM "
				 "process_counter_track"), "counter tracks: %s",
		     o.out);
	cr_expect_eq(counted(o.out, "processes"),
		     test_db_int(db, "SELECT COUNT(DISTINCT pid) FROM process"),
		     "processes: %s", o.out);
	cr_expect_eq(counted(o.out, "threads"),
		     test_db_int(db, "SELECT COUNT(*) FROM thread"),
		     "threads: %s", o.out);
	cr_assert_gt(counted(o.out, "slices"), 0);
	outcome_free(&o);
}

/* Traces @cmd into a protobuf, plain and gzip-compressed, and checks
 * both. */
static void checks_out(const char *cmd)
{
	run(cmd, "t.pftrace");
	accepted("t.pftrace");
	same_as_database("t.pftrace");
	run(cmd, "t.pftrace.gz");
	accepted("t.pftrace.gz");
	same_as_database("t.pftrace.gz");
}

Test(perfetto_output, make_j2)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "mkdir proj && sh %s/demo/gen.sh 4 proj "
		 ">/dev/null && make -s -C proj -j2", getenv("KEKE_TESTS_SRC"));
	checks_out(cmd);
}

Test(perfetto_output, process_chain)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "%s 3", test_prog("exec_chain"));
	checks_out(cmd);
}

Test(perfetto_output, annotations)
{
	checks_out(test_prog("annotate"));
}

Test(perfetto_output, stacks)
{
	checks_out(test_prog("proc_stacks"));
}

Test(perfetto_output, a_killed_program)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "%s; true", test_prog("self_kill"));
	checks_out(cmd);
}

Test(perfetto_output, untraced_children)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "%s; %s", test_prog("t_static_exit"),
		 test_prog("t_static_exit"));
	checks_out(cmd);
}

/* The JSON and the protobuf of one trace dir show the same slices and
 * instants, event for event, with the same args. */
static void same_as_json(const char *cmd)
{
	char cmd_line[8192];
	struct outcome o;

	run(cmd, "t.pftrace");
	snprintf(cmd_line, sizeof(cmd_line), "cd '%s' && d=$(ls -d dir/keke-*) && "
		 "'%s' merge -o m.json --no-db \"$d\" 2>/dev/null && "
		 "'%s' merge -o m.pftrace --no-db \"$d\" 2>/dev/null && "
		 "python3 '%s/perfetto_slices.py' compare m.pftrace m.json",
		 out, test_keke_bin(), test_keke_bin(),
		 getenv("KEKE_TESTS_SRC"));
	o = sh(cmd_line);
	cr_assert_eq(o.code, 0, "the protobuf and the JSON differ:\n%s%s",
		     o.out, o.err);
	cr_assert(strstr(o.out, "same: "), "%s", o.out);
	outcome_free(&o);
}

Test(perfetto_output, same_slices_as_the_json)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "%s; %s 2", test_prog("annotate"),
		 test_prog("exec_chain"));
	same_as_json(cmd);
}

/* --format chooses the format whatever the name; a bad one is a usage
 * error. */
Test(perfetto_output, format_option)
{
	char cmd_line[8192];
	struct outcome o;

	snprintf(cmd_line, sizeof(cmd_line), "cd '%s' && '%s' run -q --format perfetto "
		 "-o t.trace --no-db -- true && head -c 1 t.trace | od -An -tx1",
		 out, test_keke_bin());
	o = sh(cmd_line);
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert(strstr(o.out, "0a"), "not a TracePacket: %s", o.out);
	outcome_free(&o);
	accepted("t.trace");
	snprintf(cmd_line, sizeof(cmd_line), "cd '%s' && '%s' run --format xml -- true",
		 out, test_keke_bin());
	o = sh(cmd_line);
	cr_assert_eq(o.code, 2);
	cr_assert(strstr(o.err, "--format xml"), "%s", o.err);
	outcome_free(&o);
}
