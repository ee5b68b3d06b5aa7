// SPDX-License-Identifier: MIT
/*
 * What each process used: a CPU-bound child and one that touches 200 MiB,
 * both run by /usr/bin/time under keke, so that the kernel's figures for
 * the same process are printed by time (from its wait4) and recorded by
 * keke (from the child's getrusage at its exit); a child killed by
 * SIGKILL, whose figures only its parent's wait can give; an exec chain,
 * whose images each get their own share.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

TEST_SCRATCH_DIR

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* What /usr/bin/time printed for it: user and system seconds, peak KiB. */
struct timed {
	double user_s, sys_s;
	long max_kb;
};

/*
 * Runs `/usr/bin/time -f '%U %S %M' @cmd` under keke run, which must exit
 * @code; returns what time printed.
 */
static struct timed run_timed(const char *cmd, int code)
{
	struct timed t = { 0 };
	struct outcome o;

	if (access("/usr/bin/time", X_OK) != 0)
		cr_skip_test("/usr/bin/time is not installed "
			     "(apt-get install time)");
	o = sh(fmt("'%s' run -q --no-json --db '%s' -- /usr/bin/time "
		   "-f '%%U %%S %%M' %s", test_keke_bin(), db(), cmd));
	cr_assert_eq(o.code, code, "keke run: %s", o.err);
	/* time's line is the last on stderr ("Command terminated..."
	 * comes before it). */
	const char *line = o.err;

	for (const char *nl; (nl = strchr(line, '\n')) && nl[1];)
		line = nl + 1;
	cr_assert(sscanf(line, "%lf %lf %ld", &t.user_s, &t.sys_s,
				 &t.max_kb) == 3, "time printed: %s", o.err);
	outcome_free(&o);
	return t;
}

/* use_resources @args, run so. */
static struct timed use_resources(const char *args, int code)
{
	return run_timed(fmt("'%s' %s", test_prog("use_resources"), args),
			 code);
}

static int64_t q(const char *sql)
{
	return test_db_int(db(), sql);
}

#define CHILD "(SELECT upid FROM process WHERE name = 'use_resources')"

/* @got within @pct percent of @want, or within @slack of it. */
static void near(double got, double want, double pct, double slack,
		 const char *what)
{
	double diff = got > want ? got - want : want - got;

	cr_assert(diff <= want * pct / 100 || diff <= slack,
		  "%s: keke %.4f, time %.4f", what, got, want);
}

/* The child's CPU times within @pct percent of time's, or of its
 * hundredths of a second. */
static void child_cpu_near(struct timed t, double pct)
{
	near(q("SELECT cpu_user_ns FROM process WHERE upid = " CHILD) / 1e9,
	     t.user_s, pct, 0.011, "user time");
	near(q("SELECT cpu_sys_ns FROM process WHERE upid = " CHILD) / 1e9,
	     t.sys_s, pct, 0.011, "system time");
}

Test(resources, cpu_time_of_a_cpu_bound_child, .init = setup,
     .fini = teardown)
{
	struct timed t = use_resources("400000000 0", 0);

	cr_assert(t.user_s > 0.2, "too little work: %.2f s", t.user_s);
	cr_assert_str_eq(test_db_str(db(), "SELECT rusage_from FROM process"
				     " WHERE upid = " CHILD), "exit");
	child_cpu_near(t, 5);
	/* /usr/bin/time itself: little CPU, but known. */
	cr_assert_eq(q("SELECT COUNT(*) FROM process WHERE name = 'time' AND"
		       " rusage_from = 'exit' AND cpu_user_ns + cpu_sys_ns <"
		       " 100000000"), 1);
}

Test(resources, peak_rss_of_200_mib, .init = setup, .fini = teardown)
{
	struct timed t = use_resources("0 200", 0);

	cr_assert(t.max_kb > 200 * 1024, "time's %%M: %ld", t.max_kb);
	near((double)q("SELECT peak_rss_kb FROM process WHERE upid = " CHILD),
	     (double)t.max_kb, 5, 0, "peak RSS");
	cr_assert_gt(q("SELECT minor_faults FROM process WHERE upid = " CHILD),
		     200 * 256 * 9 / 10);
	/* The image's slice has the same figures as args. */
	cr_assert_eq(q("SELECT a.int_value FROM slice s JOIN args a USING"
		       " (arg_set_id) WHERE s.category = 'process' AND"
		       " s.name = 'use_resources' AND a.key = 'peak_rss_kb'"),
		     q("SELECT peak_rss_kb FROM process WHERE upid = " CHILD));
}

Test(resources, a_killed_childs_figures_come_from_the_wait, .init = setup,
     .fini = teardown)
{
	struct timed t = use_resources("200000000 50 kill", 128 + 9);

	cr_assert_eq(q("SELECT signal FROM process WHERE upid = " CHILD), 9);
	cr_assert_str_eq(test_db_str(db(), "SELECT rusage_from FROM process"
				     " WHERE upid = " CHILD), "wait");
	/* The same wait4 figures time printed. */
	child_cpu_near(t, 0);
	cr_assert_eq(q("SELECT peak_rss_kb FROM process WHERE upid = " CHILD),
		     t.max_kb);
}

/* A killed shell's wait figures hold those of the child it reaped: the
 * merge takes them off, so that its row says what it used itself. */
Test(resources, a_wait_figure_loses_the_reaped_childs, .init = setup,
     .fini = teardown)
{
	struct timed t = run_timed(fmt("sh -c '\"%s\" 300000000 0;"
				       " kill -9 $$'",
				       test_prog("use_resources")), 128 + 9);
	double total = t.user_s + t.sys_s;

	cr_assert_str_eq(test_db_str(db(), "SELECT rusage_from FROM process"
				     " WHERE name = 'sh'"), "wait");
	near((q("SELECT cpu_user_ns + cpu_sys_ns FROM process WHERE upid = "
		CHILD)) / 1e9, total, 5, 0.02, "the child's CPU");
	cr_assert_lt(q("SELECT cpu_user_ns + cpu_sys_ns FROM process WHERE"
		       " name = 'sh'"), total * 1e9 / 10,
		     "the shell kept its child's CPU time");
}

/* sh -c 'exec use_resources ...': one process, two images. The shell's
 * image has its own small share; the program's image the rest. */
Test(resources, each_image_gets_its_share, .init = setup, .fini = teardown)
{
	struct outcome o = sh(fmt("'%s' run -q --no-json --db '%s' -- sh -c "
				  "'exec \"%s\" 300000000 0'", test_keke_bin(),
				  db(), test_prog("use_resources")));

	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert_eq(q("SELECT COUNT(*) FROM process"), 1);
#define IMAGE_CPU(name)                                                      \
	"SELECT SUM(a.int_value) FROM slice s JOIN args a USING (arg_set_id)" \
	" WHERE s.category = 'process' AND s.name = '" name "' AND"          \
	" a.key IN ('cpu_user_ns', 'cpu_sys_ns')"
	int64_t shell = q(IMAGE_CPU("sh"));
	int64_t prog = q(IMAGE_CPU("use_resources"));
	int64_t total = q("SELECT cpu_user_ns + cpu_sys_ns FROM process");

	cr_assert(shell >= 0 && shell < total / 10, "sh %ld of %ld",
		  (long)shell, (long)total);
	cr_assert_eq(shell + prog, total);
	outcome_free(&o);
	/* The CPUs the run may use, as nproc counts them. */
	o = sh("nproc");
	cr_assert_eq(q("SELECT int_value FROM metadata WHERE name ="
		       " 'cpu_count'"), atoi(o.out));
	outcome_free(&o);
}
