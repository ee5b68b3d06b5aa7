// SPDX-License-Identifier: MIT
/* Test programs under keke, and their calls: traced_calls.h. */
#include "traced_calls.h"

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* The slices of thread %d that @which picks (printf format). */
#define CALLS_WHERE							\
	"(%s) AND track_id IN (SELECT tt.id FROM thread_track tt "	\
	"JOIN thread t ON t.utid = tt.utid WHERE t.tid = %d)"

int test_keke_run(const char *dir, const char *env, const char *cmd,
		  char **o)
{
	char *full, *e = NULL;
	int code;

	full = fmt("%s '%s' run -q -o '%s' --db '%s' -- %s", env,
		   test_keke_bin(), test_path(dir, "t.json"),
		   test_path(dir, "t.db"), cmd);
	code = test_exit_code(test_sh(full, o, &e));
	if (code)
		cr_log_warn("%s: exit %d: %s", full, code, e ? e : "");
	free(full);
	free(e);
	return code;
}

void test_check_json(const char *json)
{
	char *cmd = fmt("python3 '%s/check_trace.py' '%s'",
			getenv("KEKE_TESTS_SRC"), json);
	char *o = NULL;

	cr_assert_eq(test_exit_code(test_sh(cmd, &o, NULL)), 0,
		     "check_trace: %s", o);
	free(o);
	free(cmd);
}

bool test_imports(const char *prog, const char *symbol)
{
	char *cmd = fmt("nm -D --undefined-only '%s' | grep -qw '%s'",
			test_prog(prog), symbol);
	bool yes = test_exit_code(test_sh(cmd, NULL, NULL)) == 0;

	free(cmd);
	return yes;
}

int test_pid_of(const char *db, const char *name)
{
	char sql[256];
	int64_t pid;

	snprintf(sql, sizeof(sql),
		 "SELECT pid FROM process WHERE name = '%s'", name);
	pid = test_db_int(db, sql);
	cr_assert_gt(pid, 0, "no process %s in the database", name);
	return (int)pid;
}

/* The value of arg @key of slice @id as text, or NULL. */
static char *arg_of(const char *db, int64_t id, const char *key)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT coalesce(string_value, CAST(int_value AS TEXT)) "
		 "FROM args WHERE arg_set_id = (SELECT arg_set_id FROM slice "
		 "WHERE id = %lld) AND key = '%s'", (long long)id, key);
	return test_db_str(db, sql);
}

void test_expect_calls(const char *db, const char *printed, int tid,
		       const char *which)
{
	char sql[2048], *copy = strdup(printed), *save = NULL;
	int64_t recorded;
	int n = 0;

	snprintf(sql, sizeof(sql), "SELECT count(*) FROM slice WHERE "
		 CALLS_WHERE, which, tid);
	recorded = test_db_int(db, sql);
	for (char *line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *tsave = NULL, *name, *name_rec;
		int64_t id;

		if (line[0] == '#')
			continue;
		cr_assert_lt(n, recorded, "the program made more calls than "
			     "the %lld recorded; the first not recorded: %s",
			     (long long)recorded, line);
		snprintf(sql, sizeof(sql), "SELECT id FROM slice WHERE "
			 CALLS_WHERE " ORDER BY ts, id LIMIT 1 OFFSET %d",
			 which, tid, n);
		id = test_db_int(db, sql);
		name = strtok_r(line, " ", &tsave);
		snprintf(sql, sizeof(sql), "SELECT name FROM slice WHERE "
			 "id = %lld", (long long)id);
		name_rec = test_db_str(db, sql);
		cr_assert_str_eq(name_rec, name, "call %d: recorded %s, the "
				 "program made %s", n + 1, name_rec, name);
		free(name_rec);
		for (char *kv = strtok_r(NULL, " ", &tsave); kv;
		     kv = strtok_r(NULL, " ", &tsave)) {
			char *eq = strchr(kv, '='), *got;

			cr_assert(eq, "bad program output: %s", kv);
			*eq = '\0';
			got = arg_of(db, id, kv);
			if (!strcmp(kv, "errno") && !strcmp(eq + 1, "0"))
				cr_assert_null(got, "call %d (%s): errno %s "
					       "recorded for a call that "
					       "succeeded", n + 1, name, got);
			else
				cr_assert(got && !strcmp(got, eq + 1),
					  "call %d (%s): %s is %s, the "
					  "program saw %s", n + 1, name, kv,
					  got ? got : "missing", eq + 1);
			free(got);
		}
		n++;
	}
	cr_assert_eq(n, recorded, "recorded %lld calls, the program made %d",
		     (long long)recorded, n);
	free(copy);
}
