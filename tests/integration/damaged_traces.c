// SPDX-License-Identifier: MIT
/*
 * The merge of real trace dirs holding what does not belong: a record file
 * whose header names another trace (damaged, or a stray of another run),
 * a FIFO or a symbolic link named like a record file, a dir replaced while
 * it is read. Each is named on stderr and left out, and every intact file
 * is still merged.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "merge/merge.h"
#include "record/record.h"
#include "sinks/sink.h"

TEST_SCRATCH_DIR

/* Every merge here runs under this bound: one that blocks fails. */
#define MERGE_TIMEOUT "timeout -s KILL 30"

/* Runs fork_children @children under `keke run --keep`, its trace dir made
 * in a dir of the scratch dir, with the database @db; returns the trace
 * dir (to free). */
static char *traced_run(int children, const char *db)
{
	char cmd[8192], *dir = NULL;

	snprintf(cmd, sizeof(cmd), "cd '%s' && mkdir -p runs && '%s' run -q "
		 "--keep --dir runs --no-json --db '%s' -- '%s' %d 2>&1 | "
		 "sed -n 's/^keke: trace dir kept: //p'", out, test_keke_bin(),
		 db, test_prog("fork_children"), children);
	cr_assert_eq(test_exit_code(test_sh(cmd, &dir, NULL)), 0);
	dir[strcspn(dir, "\n")] = '\0';
	cr_assert(*dir, "keke run --keep did not say where the trace is");
	return dir;
}

/* The name of the earliest record file of @dir (the run's first process:
 * names are PID-START.kr), to free. */
static char *earliest_file(const char *dir)
{
	char cmd[8192], *name = NULL;

	snprintf(cmd, sizeof(cmd), "ls '%s' | sort -t- -k2 -n | head -1",
		 dir);
	cr_assert_eq(test_exit_code(test_sh(cmd, &name, NULL)), 0);
	name[strcspn(name, "\n")] = '\0';
	cr_assert(strstr(name, ".kr"), "no record file in %s", dir);
	return name;
}

/* Runs `keke merge ARGS`, writing OUT/NAME.json and OUT/NAME.db; returns
 * its exit code, its stderr in *e when not NULL. */
static int keke_merge_cmd(const char *name, const char *args, char **e)
{
	char cmd[16384];

	snprintf(cmd, sizeof(cmd), "cd '%s' && " MERGE_TIMEOUT " '%s' merge "
		 "-o '%s.json' --db '%s.db' %s", out, test_keke_bin(), name,
		 name, args);
	return test_exit_code(test_sh(cmd, NULL, e));
}

static int64_t count(const char *name, const char *table)
{
	char db[4096], sql[256];

	snprintf(db, sizeof(db), "%s/%s.db", out, name);
	snprintf(sql, sizeof(sql), "SELECT COUNT(*) FROM %s", table);
	return test_db_int(db, sql);
}

/* How many times @needle is in @text. */
static int occurrences(const char *text, const char *needle)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void check_json(const char *name)
{
	char cmd[8192], *o = NULL;

	snprintf(cmd, sizeof(cmd), "python3 '%s/check_trace.py' '%s/%s.json'",
		 getenv("KEKE_TESTS_SRC"), out, name);
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0,
		     "check_trace: %s", o);
	free(o);
}

static void sh_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Runs a shell command made like printf; it must succeed. */
static void sh_ok(const char *fmt, ...)
{
	char cmd[16384], *e = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, &e)), 0, "%s: %s",
		     cmd, e);
	free(e);
}

/*
 * The earliest file's trace id damaged (four bytes of it), and a stray
 * file of an earlier run: those two are named and left out, and the merge
 * holds exactly what the dir's other files hold.
 */
Test(merge_damage, bad_trace_ids_cost_their_own_files_only, .init = setup,
     .fini = teardown, .timeout = 240)
{
	char *stray_dir = traced_run(2, "stray.db");
	char *dir = traced_run(18, "run.db");
	char *stray = earliest_file(stray_dir);
	char *first = earliest_file(dir);
	char *e = NULL, args[8192];
	int64_t procs, slices;

	snprintf(args, sizeof(args), "'%s'", dir);
	cr_assert_eq(keke_merge_cmd("whole", args, NULL), 0);
	procs = count("whole", "process");
	cr_assert_eq(procs, 19, "fork_children 18 made %lld processes",
		     (long long)procs);

	/* What the merge must keep: the dir without its first file. */
	sh_ok("mkdir '%s/rest' && cp '%s'/*.kr '%s/rest' && rm '%s/rest/%s'",
	      out, dir, out, out, first);
	cr_assert_eq(keke_merge_cmd("rest", "rest", NULL), 0);
	slices = count("rest", "slice");
	cr_assert_eq(count("rest", "process"), procs - 1);

	sh_ok("printf '\\336\\255\\276\\357' | dd of='%s/%s' bs=1 seek=%zu "
	      "conv=notrunc status=none && cp '%s/%s' '%s'", dir, first,
	      offsetof(struct keke_file_header, trace_id), stray_dir, stray,
	      dir);
	cr_assert_eq(keke_merge_cmd("damaged", args, &e), 3, "%s", e);
	cr_assert(strstr(e, first) && strstr(e, stray), "%s", e);
	cr_assert(strstr(e, "offset 32"), "%s", e);
	cr_assert_eq(occurrences(e, "belongs to another trace"), 2, "%s", e);
	cr_assert_eq(count("damaged", "process"), procs - 1,
		     "intact files were left out: %s", e);
	cr_assert_eq(count("damaged", "slice"), slices);
	check_json("damaged");
	free(e);
	free(first);
	free(stray);
	free(dir);
	free(stray_dir);
}

/* Given the trace id, keke merge keeps that run's files alone, however
 * few and however late; one that is not 32 hex digits is a usage
 * error. */
Test(merge_damage, trace_id_option_chooses_the_run, .init = setup,
     .fini = teardown, .timeout = 240)
{
	char *dir = traced_run(6, "run.db");
	char *stray_dir = traced_run(2, "stray.db");
	char *stray = earliest_file(stray_dir);
	char *id = test_db_str(test_path(out, "stray.db"),
			       "SELECT str_value FROM metadata WHERE "
			       "name = 'trace_id'");
	char *e = NULL, args[8192];

	cr_assert(id && strlen(id) == 32, "trace id %s", id);
	sh_ok("cp '%s/%s' '%s'", stray_dir, stray, dir);
	snprintf(args, sizeof(args), "--trace-id %s '%s'", id, dir);
	cr_assert_eq(keke_merge_cmd("chosen", args, &e), 3, "%s", e);
	/* The stray's process, and its two children that it waited for. */
	cr_assert_eq(count("chosen", "process"), 3, "%s", e);
	cr_assert_eq(occurrences(e, "belongs to another trace"), 7, "%s", e);
	free(e);

	snprintf(args, sizeof(args), "--trace-id 12xy '%s'", dir);
	cr_assert_eq(keke_merge_cmd("bad", args, &e), 2, "%s", e);
	cr_assert(strstr(e, "--trace-id 12xy"), "%s", e);
	free(e);
	free(id);
	free(stray);
	free(dir);
	free(stray_dir);
}

/* keke run knows its trace id: files of another run in its trace dir are
 * left out even when they outnumber the run's own. */
Test(merge_damage, keke_run_keeps_its_own_run, .init = setup,
     .fini = teardown, .timeout = 240)
{
	char *stray_dir = traced_run(12, "stray.db");
	char cmd[8192], *e = NULL;

	snprintf(cmd, sizeof(cmd), "cd '%s' && " MERGE_TIMEOUT " '%s' run -q "
		 "--no-json --db own.db -- sh -c 'cp \"$1\"/*.kr \"$KEKE_DIR\"' "
		 "sh '%s'", out, test_keke_bin(), stray_dir);
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, &e)), 0, "%s", e);
	cr_assert_eq(occurrences(e, "belongs to another trace"), 13, "%s", e);
	cr_assert_eq(count("own", "process WHERE name = 'fork_children'"), 0,
		     "the other run was merged: %s", e);
	cr_assert_eq(count("own", "process WHERE name IN ('sh', 'cp')"),
		     count("own", "process"), "%s", e);
	cr_assert_gt(count("own", "process"), 0, "%s", e);
	free(e);
	free(stray_dir);
}

/* Two dirs of two runs merge together: each dir's run is its own. */
Test(merge_damage, dirs_of_two_runs_merge_together, .init = setup,
     .fini = teardown, .timeout = 240)
{
	char *a = traced_run(2, "a.db");
	char *b = traced_run(5, "b.db");
	char *e = NULL, args[8192];

	snprintf(args, sizeof(args), "'%s' '%s'", a, b);
	cr_assert_eq(keke_merge_cmd("both", args, &e), 0, "%s", e);
	cr_assert_eq(count("both", "process"), 3 + 6, "%s", e);
	check_json("both");
	free(e);
	free(a);
	free(b);
}

/* A FIFO named like a record file: the merge neither waits on it nor
 * reads it, and names it. */
Test(merge_damage, fifo_named_like_a_record_file_is_skipped, .init = setup,
     .fini = teardown, .timeout = 240)
{
	char *dir = traced_run(3, "run.db");
	char *e = NULL, args[8192];

	cr_assert_eq(mkfifo(test_path(dir, "99999-1.kr"), 0600), 0, "%s",
		     strerror(errno));
	snprintf(args, sizeof(args), "'%s'", dir);
	cr_assert_eq(keke_merge_cmd("fifo", args, &e), 3, "%s", e);
	cr_assert(strstr(e, "99999-1.kr: a FIFO, not a regular file"), "%s",
		  e);
	cr_assert_eq(count("fifo", "process"), 4, "%s", e);
	free(e);
	free(dir);
}

/* A symbolic link named like a record file is not followed, even to a
 * record file of the same run, and is named. */
Test(merge_damage, symlink_named_like_a_record_file_is_not_followed,
     .init = setup, .fini = teardown, .timeout = 240)
{
	char *dir = traced_run(3, "run.db");
	char *first = earliest_file(dir);
	char *e = NULL, args[8192];

	sh_ok("cd '%s' && mv '%s' '%s/outside.kr' && ln -s '%s/outside.kr' "
	      "link.kr && ln -s /etc/passwd passwd.kr", dir, first, out, out);
	snprintf(args, sizeof(args), "'%s'", dir);
	cr_assert_eq(keke_merge_cmd("link", args, &e), 3, "%s", e);
	cr_assert(strstr(e, "link.kr: a symbolic link, not followed"), "%s",
		  e);
	cr_assert(strstr(e, "passwd.kr: a symbolic link, not followed"),
		  "%s", e);
	cr_assert_eq(count("link", "process"), 3, "the link was followed: %s",
		     e);
	free(e);
	free(first);
	free(dir);
}

static const char *moved_dir;
static char moved_to[4096];

/* On the first damage report (during the listing): the trace dir is
 * renamed and an empty dir takes its name. */
static void replace_dir(void *ctx, const char *message)
{
	(void)ctx;
	(void)message;
	if (moved_to[0])
		return;
	snprintf(moved_to, sizeof(moved_to), "%s.moved", moved_dir);
	cr_assert_eq(rename(moved_dir, moved_to), 0);
	cr_assert_eq(mkdir(moved_dir, 0700), 0);
}

/* The trace dir is opened once and every file in it through that: a dir
 * renamed and replaced during the merge is still read whole. */
Test(merge_damage, trace_dir_is_read_through_its_fd, .init = setup,
     .fini = teardown, .timeout = 240)
{
	char *dir = traced_run(4, "run.db");
	char db[4096], err[KEKE_MERGE_ERROR_MAX];
	const char *dirs[] = { dir };
	struct keke_merge_stats stats;
	struct keke_merge_options o = {
		.dirs = dirs,
		.ndirs = 1,
		.db_sink = &keke_sink_sqlite,
		.db_path = strcpy(db, test_path(out, "fd.db")),
		.on_damage = replace_dir,
	};

	sh_ok("echo hello > '%s/notes.txt'", dir);
	moved_dir = dir;
	moved_to[0] = '\0';
	cr_assert_eq(keke_merge(&o, &stats, err), KEKE_MERGE_PARTIAL, "%s",
		     err);
	cr_assert(moved_to[0], "nothing was reported damaged");
	cr_assert_eq(stats.damaged, 1, "files went missing");
	cr_assert_eq(test_db_int(db, "SELECT COUNT(*) FROM process"), 5);
	free(dir);
}
