// SPDX-License-Identifier: MIT
/*
 * The critical path of real runs: a shell that waits for two sleeps (the
 * path goes through the longer one), pipelines whose consumer or producer
 * is the slow one (through the consumer; through the producer, by the
 * consumer's pipe read), and make -j2 of a project with one file that
 * takes much longer to compile (through that file's cc1, which holds the
 * largest share). Every path covers its run's first process from start to
 * end, segment after segment, and shows in the JSON as a track of its own.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

TEST_SCRATCH_DIR

static const char *db(void)
{
	return test_path(out, "t.db");
}

static int64_t q(const char *sql)
{
	return test_db_int(db(), sql);
}

/* Runs @cmd under keke run, in @out, into t.json and t.db. */
static void run(const char *cmd)
{
	struct outcome o = sh(fmt("cd '%s' && '%s' run -q -o t.json --db t.db"
				  " -- %s", out, test_keke_bin(), cmd));

	cr_assert_eq(o.code, 0, "%s: %s", cmd, o.err);
	outcome_free(&o);
	o = sh(fmt("python3 '%s/check_trace.py' '%s'", getenv("KEKE_TESTS_SRC"),
		   test_path(out, "t.json")));
	cr_assert_eq(o.code, 0, "check_trace: %s%s", o.out, o.err);
	outcome_free(&o);
}

#define ROOT "(SELECT upid FROM process WHERE parent_upid IS NULL)"

/* The path covers the root's life, each segment starting where the one
 * before it ended, and the JSON has it as a track. */
static void path_is_whole(void)
{
	cr_assert_gt(q("SELECT COUNT(*) FROM critical_path"), 0);
	cr_assert_eq(q("SELECT MIN(ts) FROM critical_path"),
		     q("SELECT start_ts FROM process WHERE upid = " ROOT));
	cr_assert_eq(q("SELECT MAX(ts + dur) FROM critical_path"),
		     q("SELECT end_ts FROM process WHERE upid = " ROOT));
	cr_assert_eq(q("SELECT COUNT(*) FROM critical_path a JOIN"
		       " critical_path b ON b.id = a.id + 1"
		       " WHERE b.ts != a.ts + a.dur"), 0, "a gap or overlap");
	cr_assert_eq(q("SELECT COUNT(*) FROM critical_path WHERE dur <= 0 OR"
		       " upid IS NULL"), 0);
	char *json = test_read_file(test_path(out, "t.json"), NULL);

	cr_assert(json && strstr(json, "\"critical path\""));
	free(json);
}

/* Time on the path of the processes whose cmdline is @cmdline. */
static int64_t time_in(const char *cmdline)
{
	return q(fmt("SELECT COALESCE(SUM(c.dur), 0) FROM critical_path c JOIN"
		     " process p USING (upid) WHERE p.cmdline = '%s'", cmdline));
}

Test(critical_path, through_the_longer_of_two_sleeps, .init = setup,
     .fini = teardown)
{
	run("sh -c 'sleep 0.4 & sleep 0.1; wait'");
	path_is_whole();
	cr_assert_gt(time_in("sleep 0.4"), 390000000);
	cr_assert_eq(time_in("sleep 0.1"), 0);
	cr_assert_gt(q("SELECT SUM(c.dur) FROM critical_path c JOIN process p"
		       " USING (upid) WHERE p.cmdline = 'sleep 0.4' AND"
		       " c.state = 'sleeping' AND c.call LIKE '%sleep'"),
		     390000000);
}

Test(critical_path, through_a_slow_consumer, .init = setup,
     .fini = teardown)
{
	run("sh -c 'seq 1 1000 | sh -c \"sleep 0.4; cat >/dev/null\"'");
	path_is_whole();
	cr_assert_gt(time_in("sleep 0.4"), 390000000);
	/* Only if a loaded machine started seq late is it on the path. */
	cr_assert_lt(time_in("seq 1 1000"), 100000000);
}

/* The consumer reads from the pipe until the producer writes: the path
 * goes from its read into the producer. */
Test(critical_path, through_a_slow_producer, .init = setup,
     .fini = teardown)
{
	run("sh -c 'sh -c \"sleep 0.4; seq 1 10\" | cat >/dev/null'");
	path_is_whole();
	cr_assert_gt(time_in("sleep 0.4"), 390000000);
	cr_assert_lt(time_in("cat"), 100000000);
}

/* A C file of @n functions that each take the optimizer a while. */
static void write_slow_c(const char *path, int n)
{
	FILE *f = fopen(path, "w");

	cr_assert(f);
	for (int i = 0; i < n; i++)
		fprintf(f, "int f%d(int x) { int s = 0; for (int i = 0; i < x;"
			" i++) s += (i * %d) ^ (s >> 3); return s %% %d; }\n",
			i, i + 1, i + 7);
	fprintf(f, "int slow(void) { return f0(3); }\n");
	fclose(f);
}

Test(critical_path, make_j2_through_the_slow_compile, .init = setup,
     .fini = teardown)
{
	const char *proj = fmt("%s/proj", out);
	FILE *mk;

	cr_assert_eq(test_exit_code(test_sh(fmt("mkdir -p '%s'", proj), NULL,
					    NULL)), 0);
	write_slow_c(fmt("%s/slow.c", proj), 2000);
	for (int i = 0; i < 4; i++) {
		FILE *f = fopen(fmt("%s/fast%d.c", proj, i), "w");

		cr_assert(f);
		fprintf(f, "int fast%d(void) { return %d; }\n", i, i);
		fclose(f);
	}
	mk = fopen(fmt("%s/Makefile", proj), "w");
	cr_assert(mk);
	fputs("all: slow.o fast0.o fast1.o fast2.o fast3.o\n"
	      "%.o: %.c\n\tcc -O2 -c $< -o $@\n", mk);
	fclose(mk);
	run(fmt("make -s -C '%s' -j2", proj));
	path_is_whole();
	/* The executable with the largest share is cc1, and its process
	 * on the path compiled slow.c. */
	char *top = test_db_str(db(), "SELECT p.name FROM critical_path c"
				" JOIN process p USING (upid) GROUP BY p.name"
				" ORDER BY SUM(c.dur) DESC LIMIT 1");

	cr_assert_str_eq(top, "cc1");
	cr_assert_gt(q("SELECT SUM(c.dur) * 2 FROM critical_path c JOIN"
		       " process p USING (upid) WHERE p.name = 'cc1' AND"
		       " p.cmdline LIKE '% slow.c %'"),
		     q("SELECT SUM(dur) FROM critical_path"),
		     "slow.c's cc1 holds less than half of the path");
	cr_assert_eq(q("SELECT COUNT(*) FROM critical_path c JOIN process p"
		       " USING (upid) WHERE p.cmdline LIKE '%fast%'"), 0);
	free(top);
	/* keke report puts it first. */
	struct outcome o = sh(fmt("'%s' report -f csv --table"
				  " critical_path_shares '%s'",
				  test_keke_bin(), db()));

	cr_assert_eq(o.code, 0, "%s", o.err);
	const char *first = strchr(o.out, '\n');

	cr_assert(first && !strncmp(first + 1, "cc1,", 4), "keke report: %s",
		  o.out);
	outcome_free(&o);
}
