// SPDX-License-Identifier: MIT
/*
 * Arguments a person can read: real programs (file_calls, net_calls,
 * exit_status under a shell that waits for them) traced with keke run.
 * The JSON shows flags, modes, socket types and wait statuses as strace
 * does (O_WRONLY|O_CREAT|O_TRUNC, 0640, SOCK_STREAM|SOCK_CLOEXEC, exited
 * 3) instead of the numbers; keke.db keeps the number in int_value, where
 * bit tests still work, with the text in display_value; and the viewers
 * still load the JSON.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TEST_SCRATCH_DIR

TestSuite(decoded_args, .init = setup, .fini = teardown, .timeout = 300);

/*
 * Traces `sh -c SCRIPT` in the scratch dir into t.json and t.db, with no
 * core files (so a crash reads the same everywhere). Returns its output.
 */
static char *trace_sh(const char *script)
{
	char *cmd, *o = NULL;
	int code;

	cmd = fmt("cd '%s' && ulimit -c 0 && '%s' run -q -o t.json --db t.db "
		  "-- sh -c \"%s\" 2>&1", out, test_keke_bin(), script);
	code = test_exit_code(test_sh(cmd, &o, NULL));
	cr_assert_eq(code, 0, "keke run failed (%d):\n%s", code, o);
	free(cmd);
	return o;
}

/* Traces test program @prog, given a new directory "d" to work in. */
static char *trace_in_dir(const char *prog)
{
	cr_assert_eq(mkdir(test_path(out, "d"), 0700), 0);
	return trace_sh(fmt("'%s' d", test_prog(prog)));
}

/*
 * How many events named @name in t.json have arg @key equal to the
 * string @value (python3 reads the JSON, so the text is checked as a
 * JSON string, not as bytes).
 */
static int json_count(const char *name, const char *key, const char *value)
{
	char *cmd, *o = NULL;
	int n;

	cmd = fmt("python3 -c 'import json, sys\n"
		  "ev = json.load(open(sys.argv[1]))\n"
		  "print(sum(1 for e in ev if e.get(\"name\") == sys.argv[2] "
		  "and e.get(\"args\", {}).get(sys.argv[3]) == sys.argv[4]))' "
		  "'%s/t.json' '%s' '%s' '%s'", out, name, key, value);
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0,
		     "reading t.json: %s", o);
	n = atoi(o);
	free(o);
	free(cmd);
	return n;
}

/* Asserts that some @name event of t.json has @key = "@value". */
static void expect_json(const char *name, const char *key, const char *value)
{
	cr_expect_gt(json_count(name, key, value), 0,
		     "no %s event with %s \"%s\" in the JSON", name, key,
		     value);
}

/* expect_json for each {name, key, value} of @want (@n of them). */
static void expect_all(const char *const (*want)[3], size_t n)
{
	for (size_t i = 0; i < n; i++)
		expect_json(want[i][0], want[i][1], want[i][2]);
}

/* Args of the slices of the process named @name, for a WHERE clause. */
#define ARGS_OF(name)							\
	" arg_set_id IN (SELECT s.arg_set_id FROM slice s JOIN"	\
	" thread_track tt ON tt.id = s.track_id JOIN thread t ON"	\
	" t.utid = tt.utid JOIN process p ON p.upid = t.upid WHERE"	\
	" p.name = '" name "')"

/* t.db's count of @sql (a query of one number). */
static int64_t db_count(const char *sql)
{
	return test_db_int(test_path(out, "t.db"), sql);
}

Test(decoded_args, file_flags_and_modes)
{
	static const char *const want[][3] = {
		{ "open", "flags", "O_WRONLY|O_CREAT|O_TRUNC" },
		{ "open", "mode", "0640" },
		{ "open", "flags", "O_RDONLY" },
		{ "open", "flags", "O_RDONLY|O_DIRECTORY" },
		{ "creat", "mode", "0600" },
		{ "mkdir", "mode", "0750" },
		{ "unlinkat", "flags", "AT_REMOVEDIR" },
		{ "fstatat", "flags", "AT_EMPTY_PATH" },
		{ "lseek", "whence", "SEEK_END" },
	};
	char *o = trace_in_dir("file_calls");

	expect_all(want, sizeof(want) / sizeof(want[0]));
	/* The number is still there to compute with, bits and all. */
	cr_expect_eq(db_count("SELECT count(*) FROM args WHERE key = 'flags'"
			      " AND int_value = 577 AND display_value ="
			      " 'O_WRONLY|O_CREAT|O_TRUNC' AND"
			      ARGS_OF("file_calls")), 2,
		     "keke.db: open's and creat's flags not both 577 and "
		     "their text");
	cr_expect_eq(db_count("SELECT count(*) FROM args WHERE key = 'flags'"
			      " AND int_value & 64 AND" ARGS_OF("file_calls")),
		     2, "keke.db: a bit test on flags (O_CREAT) no longer "
		     "finds open and creat");
	cr_expect_eq(db_count("SELECT count(*) FROM args WHERE key = 'mode'"
			      " AND int_value = 416 AND display_value ="
			      " '0640' AND" ARGS_OF("file_calls")), 1);
	/* An arg that needs no decoding reads as its value. */
	cr_expect_eq(db_count("SELECT count(*) FROM args WHERE (key = 'fd'"
			      " AND display_value IS NOT"
			      " CAST(int_value AS TEXT)) OR (key = 'path'"
			      " AND display_value IS NOT string_value)"), 0,
		     "keke.db: display_value of a plain arg is not its "
		     "value");
	cr_expect_eq(db_count("SELECT count(*) FROM args WHERE"
			      " display_value IS NULL"), 0);
	free(o);
}

Test(decoded_args, socket_domain_type_protocol)
{
	static const char *const want[][3] = {
		{ "socket", "domain", "AF_INET" },
		{ "socket", "type", "SOCK_STREAM" },
		{ "socket", "protocol", "IPPROTO_IP" },
		{ "socket", "domain", "AF_UNIX" },
		{ "socket", "type", "SOCK_STREAM|SOCK_CLOEXEC" },
		{ "accept4", "flags", "SOCK_CLOEXEC" },
	};
	char *o = trace_in_dir("net_calls");

	expect_all(want, sizeof(want) / sizeof(want[0]));
	cr_expect_eq(db_count("SELECT count(*) FROM args WHERE key = 'type'"
			      " AND int_value = 524289 AND display_value ="
			      " 'SOCK_STREAM|SOCK_CLOEXEC' AND"
			      ARGS_OF("net_calls")), 1,
		     "keke.db: socket type not both 524289 and its text");
	cr_expect_eq(db_count("SELECT count(*) FROM args WHERE key = 'type'"
			      " AND int_value & 524288 AND"
			      ARGS_OF("net_calls")), 1,
		     "keke.db: a bit test on type (SOCK_CLOEXEC) does not "
		     "find the one socket made with it");
	free(o);
}

Test(decoded_args, wait_statuses)
{
	char *o = trace_sh(fmt("'%s' 3 exit; "
			       "sh -c 'kill -SEGV \\$\\$'; true",
			       test_prog("exit_status")));

	expect_json("wait", "status", "exited 3");
	expect_json("wait", "status", "killed by SIGSEGV");
	cr_expect_eq(db_count("SELECT count(*) FROM args WHERE key ="
			      " 'status' AND int_value = 768 AND display_value"
			      " = 'exited 3'"), 1,
		     "keke.db: wait status not both 768 and its text");
	free(o);
}

/* The JSON with all of the above opens in the viewers, without a
 * warning (see viewers.c). */
Test(decoded_args, viewers_load_it, .timeout = 600)
{
	char *check = fmt("%s/../../shared/viewers/check",
			  getenv("KEKE_TESTS_SRC"));
	char *o, *cmd;
	int code;

	if (access(check, R_OK) != 0)
		cr_skip_test("no viewers to check with (%s)", check);
	if (system("command -v node >/dev/null && command -v npm >/dev/null"))
		cr_skip_test("node and npm are needed to run the viewers");
	cr_assert_eq(mkdir(test_path(out, "d"), 0700), 0);
	o = trace_sh(fmt("'%s' d; '%s' d; '%s' 3; true",
			 test_prog("file_calls"),
			 test_prog("net_calls"), test_prog("exit_status")));
	free(o);
	expect_json("open", "flags", "O_WRONLY|O_CREAT|O_TRUNC");
	expect_json("wait", "status", "exited 3");
	cmd = fmt("cd '%s' && sh '%s' t.json 2>&1", out, check);
	code = test_exit_code(test_sh(cmd, &o, NULL));
	cr_assert_eq(code, 0, "the viewers rejected the trace:\n%s", o);
	cr_assert(!strstr(o, "WARN"), "a viewer warned:\n%s", o);
	free(o);
	free(cmd);
	free(check);
}
