// SPDX-License-Identifier: MIT
/*
 * The merge on trace dirs written by forked stand-ins for traced
 * processes: exec chains, pid reuse, killed processes, damaged and foreign
 * files. Both outputs are checked: the database by SQL, the JSON by
 * tests/check_trace.py.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/clock.h"
#include "helpers.h"
#include "merge/merge.h"
#include "runtime/writer.h"
#include "sinks/sink.h"

TEST_RECORD_AND_OUT_DIRS

static const uint8_t trace_id[16] = { 0xab, 0xcd };

static void start_image(const char *exe, const char *argv, size_t argv_len)
{
	struct keke_writer_config cfg = { .dir = dir };
	struct keke_rec r;

	memcpy(cfg.trace_id, trace_id, sizeof(trace_id));
	if (keke_writer_start(&cfg) != 0)
		_exit(100);
	if (!keke_rec_begin(&r, KEKE_REC_PROCESS_START, 0, 0, keke_now(),
			    KEKE_REC_MAX_LEN(2, 3 * KEKE_STR_MAX_LEN(4096))))
		_exit(101);
	keke_rec_int(&r, KEKE_KEY_PID, getpid());
	keke_rec_int(&r, KEKE_KEY_PPID, getppid());
	keke_rec_str(&r, KEKE_KEY_EXE, exe, strlen(exe));
	keke_rec_str(&r, KEKE_KEY_CWD, "/", 1);
	keke_rec_str(&r, KEKE_KEY_ARGV, argv, argv_len);
	keke_rec_commit(&r);
}

static void slice(unsigned call, int64_t child_pid)
{
	struct keke_rec r;
	uint64_t t0 = keke_now();

	usleep(100);
	if (!keke_rec_begin(&r, KEKE_REC_SLICE, call, 0, t0,
			    KEKE_REC_MAX_LEN(2, 0)))
		_exit(102);
	keke_rec_int(&r, KEKE_KEY_DUR, (int64_t)(keke_now() - t0));
	keke_rec_int(&r, KEKE_KEY_CHILD_PID, child_pid);
	keke_rec_commit(&r);
}

static void end_image(int status)
{
	struct keke_rec r;

	if (!keke_rec_begin(&r, KEKE_REC_PROCESS_END, 0, 0, keke_now(),
			    KEKE_REC_MAX_LEN(2, 0)))
		_exit(103);
	keke_rec_int(&r, KEKE_KEY_STATUS, status);
	keke_rec_int(&r, KEKE_KEY_HOW, KEKE_EXIT_EXIT);
	keke_rec_commit(&r);
}

static struct keke_merge_stats stats;
static char messages[8192];

static void collect(void *ctx, const char *msg)
{
	(void)ctx;
	strncat(messages, msg, sizeof(messages) - strlen(messages) - 2);
	strcat(messages, "\n");
}

static enum keke_merge_result merge(void)
{
	const char *dirs[] = { dir };
	char err[KEKE_MERGE_ERROR_MAX];
	static char json[4096], db[4096];
	struct keke_merge_options o = {
		.dirs = dirs,
		.ndirs = 1,
		.json_sink = &keke_sink_json,
		.json_path = strcpy(json, test_path(out, "t.json")),
		.db_sink = &keke_sink_sqlite,
		.db_path = strcpy(db, test_path(out, "t.db")),
		.on_damage = collect,
	};
	enum keke_merge_result r;

	messages[0] = '\0';
	r = keke_merge(&o, &stats, err);
	cr_assert_neq(r, KEKE_MERGE_FAILED, "merge failed: %s", err);
	return r;
}

static const char *db(void)
{
	return test_path(out, "t.db");
}

static void check_json(void)
{
	char cmd[8192], *o = NULL;
	int status;

	snprintf(cmd, sizeof(cmd), "python3 '%s/check_trace.py' '%s'",
		 getenv("KEKE_TESTS_SRC"), test_path(out, "t.json"));
	status = test_sh(cmd, &o, NULL);
	cr_assert_eq(test_exit_code(status), 0, "check_trace: %s", o);
	free(o);
}

static void plain_process(void)
{
	start_image("/usr/bin/plain", "plain\0-x", 8);
	slice(KEKE_CALL_WAIT, 42);
	end_image(3);
}

Test(merge, one_process_in_both_outputs, .init = setup, .fini = teardown)
{
	pid_t pid = test_in_child(plain_process);
	char sql[256];

	cr_assert_eq(merge(), KEKE_MERGE_OK, "%s", messages);
	cr_assert_eq(stats.processes, 1);
	snprintf(sql, sizeof(sql),
		 "SELECT COUNT(*) FROM process WHERE pid = %d AND name = "
		 "'plain' AND cmdline = 'plain -x' AND exit_code = 3 "
		 "AND killed = 0 AND end_ts > start_ts", pid);
	cr_assert_eq(test_db_int(db(), sql), 1);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM thread WHERE "
				       "is_main_thread = 1"), 1);
	/* The image slice and the wait slice nested in it. */
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM slice s JOIN "
				       "slice p ON s.parent_id = p.id WHERE "
				       "s.name = 'wait' AND p.name = 'plain' "
				       "AND s.depth = 1"), 1);
	cr_assert_eq(test_db_int(db(), "SELECT int_value FROM args JOIN slice "
				       "ON args.arg_set_id = slice.arg_set_id "
				       "WHERE slice.name = 'wait' AND "
				       "key = 'child_pid'"), 42);
	check_json();
}

static void exec_chain(void)
{
	start_image("/bin/first", "first", 5);
	slice(KEKE_CALL_EXEC, 0);
	/* exec: same pid, a new file, the old one never exits */
	start_image("/bin/second", "second\0arg", 10);
	end_image(0);
}

Test(merge, exec_keeps_one_process, .init = setup, .fini = teardown)
{
	test_in_child(exec_chain);
	cr_assert_eq(merge(), KEKE_MERGE_OK, "%s", messages);
	cr_assert_eq(stats.files, 2);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process"), 1);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process WHERE "
				       "name = 'second' AND cmdline = "
				       "'second arg' AND killed = 0"), 1);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM thread"), 1);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM slice WHERE "
				       "category = 'process' AND depth = 0"), 2);
	check_json();
}

static void killed_process(void)
{
	start_image("/bin/victim", "victim", 6);
	slice(KEKE_CALL_WAIT, 1);
}

Test(merge, killed_process_ends_at_its_last_event, .init = setup,
     .fini = teardown)
{
	test_in_child(killed_process);
	cr_assert_eq(merge(), KEKE_MERGE_OK, "%s", messages);
	cr_assert_eq(stats.killed, 1);
	cr_assert_eq(test_db_int(db(), "SELECT killed FROM process"), 1);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process WHERE "
				       "exit_code IS NULL"), 1);
	cr_assert_eq(test_db_int(db(), "SELECT p.end_ts = s.ts + s.dur FROM "
				       "process p, slice s WHERE "
				       "s.name = 'wait'"), 1);
	check_json();
}

static void parent_and_child(void)
{
	start_image("/bin/parent", "parent", 6);
	test_in_child(plain_process);
	end_image(0);
}

Test(merge, children_know_their_parent, .init = setup, .fini = teardown)
{
	test_in_child(parent_and_child);
	cr_assert_eq(merge(), KEKE_MERGE_OK, "%s", messages);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process c JOIN "
				       "process p ON c.parent_upid = p.upid "
				       "WHERE c.name = 'plain' AND "
				       "p.name = 'parent'"), 1);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process WHERE "
				       "parent_upid IS NULL"), 1);
}

Test(merge, damaged_and_foreign_files_are_named, .init = setup,
     .fini = teardown)
{
	char cmd[8192];

	test_in_child(plain_process);
	test_in_child(plain_process);
	/* a file of random bytes, a stray file, and one truncated */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && head -c 5000 /dev/urandom > 1-1.kr && "
		 "echo hello > notes.txt && "
		 "f=$(ls [0-9]*.kr | grep -v '^1-1' | head -1) && "
		 "truncate -s 4170 \"$f\" && echo \"$f\"", dir);
	char *truncated = NULL;
	cr_assert_eq(test_exit_code(test_sh(cmd, &truncated, NULL)), 0);
	truncated[strcspn(truncated, "\n")] = '\0';

	cr_assert_eq(merge(), KEKE_MERGE_PARTIAL);
	cr_assert(strstr(messages, "1-1.kr: offset 0: not a keke record"),
		  "%s", messages);
	cr_assert(strstr(messages, "notes.txt: not a record file"), "%s",
		  messages);
	cr_assert(strstr(messages, truncated), "%s", messages);
	cr_assert(strstr(messages, "file ends") ||
		  strstr(messages, "end of the file"), "%s", messages);
	/* The intact process is whole; the truncated one kept its start. */
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process"), 2);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process WHERE "
				       "killed = 0 AND exit_code = 3"), 1);
	check_json();
	free(truncated);
}

static void other_trace(void)
{
	struct keke_writer_config cfg = { .dir = dir, .trace_id = { 9 } };

	if (keke_writer_start(&cfg) != 0)
		_exit(100);
}

Test(merge, files_of_another_trace_are_left_out, .init = setup,
     .fini = teardown)
{
	test_in_child(plain_process);
	test_in_child(other_trace);
	cr_assert_eq(merge(), KEKE_MERGE_PARTIAL);
	cr_assert(strstr(messages, "belongs to another trace"), "%s",
		  messages);
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM process"), 1);
}

Test(merge, unwritable_output_fails_cleanly, .init = setup, .fini = teardown)
{
	const char *dirs[] = { dir };
	char err[KEKE_MERGE_ERROR_MAX];
	struct keke_merge_options o = {
		.dirs = dirs,
		.ndirs = 1,
		.json_sink = &keke_sink_json,
		.json_path = "/nonexistent/dir/t.json",
		.db_sink = &keke_sink_sqlite,
		.db_path = test_path(out, "t.db"),
	};

	test_in_child(plain_process);
	cr_assert_eq(keke_merge(&o, &stats, err), KEKE_MERGE_FAILED);
	cr_assert(strstr(err, "/nonexistent/dir/t.json"), "%s", err);
	cr_assert_eq(access(test_path(out, "t.db"), F_OK), -1,
		     "a failed merge left an output behind");
}
