// SPDX-License-Identifier: MIT
/*
 * Trace dirs of several hosts merged into one trace: two runs, each in
 * namespaces of its own (a host name, a pid namespace, and for the second
 * a CLOCK_MONOTONIC 27 hours ahead), stand on one timeline at the times
 * they really ran, and their processes, whose pids collide, stay apart in
 * keke.db, the JSON and the Perfetto trace.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

TEST_SCRATCH_DIR

TestSuite(multi_host, .init = setup, .fini = teardown, .timeout = 600);

/* How far ahead the second host's CLOCK_MONOTONIC runs: 27 hours. */
#define AHEAD_S 97200

/* Slack for what the anchors cannot see: the time between a process's
 * start and its file's header. */
#define MARGIN_NS 5000000LL

static int64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Skips the test unless this system lets us make the namespaces. */
static void need_namespaces(void)
{
	struct outcome o = sh("unshare --uts --time --monotonic 1 --fork "
			      "--pid --mount-proc true");

	if (o.code != 0)
		cr_skip_test("unshare of time namespaces is not permitted "
			     "here: %s", o.err);
	outcome_free(&o);
}

/* When one host's run began and ended, in realtime. */
struct host_run {
	int64_t before, after;
};

/*
 * Runs @cmd (a shell command: it may use $KEKE) as host @host in fresh
 * UTS and pid namespaces, and with CLOCK_MONOTONIC AHEAD_S ahead when
 * @ahead; the record files go under out/@host.
 */
static struct host_run on_host(const char *host, bool ahead, const char *cmd)
{
	struct host_run r;
	struct outcome o;
	char *line = fmt("cd '%s' && mkdir -m 700 %s && KEKE='%s' unshare "
			 "--uts --fork --pid --mount-proc %s sh -c 'hostname "
			 "%s && %s'", out, host, test_keke_bin(),
			 ahead ? fmt("--time --monotonic %d --boottime %d",
				     AHEAD_S, AHEAD_S) : "",
			 host, cmd);

	r.before = realtime_ns();
	o = sh(line);
	r.after = realtime_ns();
	cr_assert_eq(o.code, 0, "the run on %s failed:\n%s%s", host, o.out,
		     o.err);
	outcome_free(&o);
	return r;
}

/* keke run of a shell that starts two children, as host @host. */
static struct host_run keke_run_on(const char *host, bool ahead)
{
	return on_host(host, ahead,
		       fmt("\"$KEKE\" run -q --dir %s --keep --no-json "
			   "--no-db -- sh -c \"sleep 0.05; /bin/true\"",
			   host));
}

/* Merges @dirs (shell words under out) into t.json and t.db, and
 * t.pftrace; returns the first merge's stderr. */
static char *merge(const char *dirs)
{
	struct outcome o = sh(fmt("cd '%s' && '%s' merge -o t.json --db t.db "
				  "%s", out, test_keke_bin(), dirs));
	char *err = o.err;

	cr_assert_eq(o.code, 0, "keke merge failed:\n%s", o.err);
	free(o.out);
	o = sh(fmt("cd '%s' && '%s' merge -o t.pftrace --no-db %s", out,
		   test_keke_bin(), dirs));
	cr_assert_eq(o.code, 0, "keke merge to Perfetto failed:\n%s", o.err);
	outcome_free(&o);
	return err;
}

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* Every process of @host started, by the first machine's realtime
 * offset, between @r's start and end, give or take @slack_ns. */
static void started_within(const char *host, struct host_run r,
			   int64_t slack_ns)
{
	int64_t n = test_db_int(db(), fmt(
		"SELECT count(*) FROM process p JOIN machine m ON m.id = "
		"p.machine_id WHERE m.name = '%s'", host));
	int64_t outside = test_db_int(db(), fmt(
		"SELECT count(*) FROM process p JOIN machine m ON m.id = "
		"p.machine_id WHERE m.name = '%s' AND p.start_ts + (SELECT "
		"realtime_offset_ns FROM machine WHERE id = 1) NOT BETWEEN "
		"%lld AND %lld", host, (long long)(r.before - slack_ns),
		(long long)(r.after + slack_ns)));
	int64_t first = test_db_int(db(), fmt(
		"SELECT min(p.start_ts) + (SELECT realtime_offset_ns FROM "
		"machine WHERE id = 1) FROM process p JOIN machine m ON m.id "
		"= p.machine_id WHERE m.name = '%s'", host));

	cr_assert_geq(n, 3, "%s: %lld processes in keke.db", host,
		      (long long)n);
	cr_assert_eq(outside, 0, "%s: %lld processes placed outside the run "
		     "(it ran from %lld to %lld ns of realtime, the first "
		     "process placed at %lld)", host, (long long)outside,
		     (long long)r.before, (long long)r.after,
		     (long long)first);
}

/* The pids of the JSON's process_name events in @json: each once, each
 * name starting with one of the hosts' prefixes. Returns how many. */
static int json_processes_apart(const char *json)
{
	long long pids[256];
	int n = 0;

	for (const char *at = json; (at = strstr(at, "\"process_name\""));
	     at++) {
		const char *pid = strstr(at, "\"pid\":");
		const char *name = strstr(at, "\"args\":{\"name\":\"");

		cr_assert(pid && name, "a process_name event without pid or "
			  "name");
		pids[n] = atoll(pid + 6);
		name += 16;
		cr_assert(!strncmp(name, "hosta: ", 7) ||
			  !strncmp(name, "hostb: ", 7) ||
			  !strncmp(name, "critical path", 13),
			  "a process named without its host: %.40s", name);
		for (int i = 0; i < n; i++)
			cr_assert_neq(pids[i], pids[n], "pid %lld names two "
				      "processes in the JSON", pids[n]);
		cr_assert_lt(++n, 256);
	}
	return n;
}

/* The viewers load the JSON and see each thread of keke.db apart, and
 * check_perfetto accepts the protobuf with each process apart. */
static void viewers_keep_them_apart(int64_t processes, int64_t threads)
{
	const char *src = getenv("KEKE_TESTS_SRC");
	char *check = fmt("%s/../../shared/viewers/check", src);
	char *check_pf = fmt("%s/../../shared/viewers/check_perfetto", src);
	struct outcome o;

	if (access(check_pf, R_OK) == 0) {
		o = sh(fmt("cd '%s' && sh '%s' t.pftrace", out, check_pf));
		cr_assert_eq(o.code, 0, "check_perfetto rejected the trace:"
			     "\n%s%s", o.out, o.err);
		/* The critical path is a process of its own. */
		cr_assert(strstr(o.out, fmt("processes %lld  threads %lld",
					    (long long)processes + 1,
					    (long long)threads + 1)),
			  "Perfetto sees other processes than keke.db's %lld:"
			  "\n%s", (long long)processes, o.out);
		outcome_free(&o);
	}
	if (access(check, R_OK) != 0 ||
	    system("command -v node >/dev/null && command -v npm >/dev/null"))
		return;
	o = sh(fmt("cd '%s' && sh '%s' t.json", out, check));
	cr_assert_eq(o.code, 0, "the viewers rejected the trace:\n%s%s",
		     o.out, o.err);
	cr_assert(strstr(o.out, fmt("threads=%lld ", (long long)threads + 1)),
		  "DevTools sees other threads than keke.db's %lld:\n%s",
		  (long long)threads, o.out);
	outcome_free(&o);
}

Test(multi_host, each_host_at_its_real_time_with_its_own_pids)
{
	need_namespaces();
	struct host_run a = keke_run_on("hosta", false);

	usleep(300000);
	struct host_run b = keke_run_on("hostb", true);
	char *err = merge("hosta/keke-* hostb/keke-*");

	/* Two machines, named by their hosts, of this boot. */
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM machine"), 2);
	cr_assert_str_eq(test_db_str(db(), "SELECT name FROM machine WHERE "
				     "id = 1"), "hosta");
	cr_assert_str_eq(test_db_str(db(), "SELECT name FROM machine WHERE "
				     "id = 2"), "hostb");
	char *boot = test_read_file("/proc/sys/kernel/random/boot_id", NULL);
	cr_assert(boot);
	boot[strcspn(boot, "\n")] = '\0';
	cr_assert_eq(test_db_int(db(), fmt("SELECT count(*) FROM machine "
					   "WHERE boot_id = '%s'", boot)), 2);
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM process WHERE "
				 "machine_id IS NULL"), 0);

	/* Each at its realtime: the 27 hours between their CLOCK_MONOTONIC
	 * are gone, and hostb ran after hosta. */
	int64_t slack = test_db_int(db(), "SELECT sum(uncertainty_ns) FROM "
				    "machine") + MARGIN_NS;
	started_within("hosta", a, slack);
	started_within("hostb", b, slack);
	int64_t gap = test_db_int(db(),
		"SELECT (SELECT min(start_ts) FROM process WHERE machine_id = 2)"
		" - (SELECT max(end_ts) FROM process WHERE machine_id = 1)");
	cr_assert(gap > b.before - a.after - slack &&
		  gap < b.after - a.before + slack,
		  "hostb began %lld ns after hosta ended; they ran %lld ns "
		  "apart", (long long)gap, (long long)(b.before - a.after));

	/* Their pid namespaces made pids that collide; each stays apart. */
	cr_assert_gt(test_db_int(db(), "SELECT count(*) FROM process a JOIN "
				 "process b USING (pid) WHERE a.machine_id = "
				 "1 AND b.machine_id = 2"), 0,
		     "no pid of hosta's is one of hostb's");
	int64_t processes = test_db_int(db(), "SELECT count(*) FROM process");
	int64_t threads = test_db_int(db(), "SELECT count(*) FROM thread");
	char *json = test_read_file(test_path(out, "t.json"), NULL);
	cr_assert(json);
	cr_assert_eq(json_processes_apart(json), processes + 1);
	viewers_keep_them_apart(processes, threads);

	/* The summary says how far apart the clocks may be, on one line,
	 * and that two runs were merged as one. */
	cr_assert(strstr(err, "keke: 2 machines (hosts or boots) placed on "
			 "one timeline by their realtime clocks; clock "
			 "uncertainty +-"), "%s", err);
	cr_assert(strstr(err, "2 different trace ids"), "%s", err);
}

/* One host alone is one machine, named without its host. */
Test(multi_host, one_host_is_one_machine)
{
	need_namespaces();
	keke_run_on("hosta", false);
	char *err = merge("hosta/keke-*");
	char *json = test_read_file(test_path(out, "t.json"), NULL);

	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM machine"), 1);
	cr_assert_str_eq(test_db_str(db(), "SELECT name FROM machine"),
			 "hosta");
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM process WHERE "
				 "machine_id IS NOT 1"), 0);
	cr_assert(json && !strstr(json, "hosta: "), "a host in the names");
	cr_assert(!strstr(err, "machines"), "%s", err);
	cr_assert(!strstr(err, "trace ids"), "%s", err);
}

/* Bare mode on @host with the trace id @id. */
static const char *bare_run(const char *host, const char *id)
{
	return fmt("KEKE_DIR=$PWD/%s KEKE_TRACE_ID=%s LD_PRELOAD=%s sh -c "
		   "\"sleep 0.02; true\"", host, id, test_preload());
}

/* Runs started with one trace id (here in bare mode, KEKE_TRACE_ID set
 * on both hosts) merge into that trace, without a warning. */
Test(multi_host, shared_trace_id_is_kept)
{
	const char *id = "0123456789abcdef0123456789abcdef";

	need_namespaces();
	on_host("hosta", false, bare_run("hosta", id));
	on_host("hostb", true, bare_run("hostb", id));
	char *err = merge("hosta hostb");

	cr_assert_str_eq(test_db_str(db(), "SELECT str_value FROM metadata "
				     "WHERE name = 'trace_id'"), id);
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM machine"), 2);
	cr_assert(!strstr(err, "trace ids"), "%s", err);
}
