/* SPDX-License-Identifier: MIT */
/*
 * Test programs run under keke, and the calls they made checked against
 * what was recorded: each program prints one line per call, "name
 * key=value ...", in call order.
 */
#ifndef KEKE_TEST_TRACED_CALLS_H
#define KEKE_TEST_TRACED_CALLS_H

#include <stdbool.h>

/* Runs `[ENV] keke run -q -o DIR/t.json --db DIR/t.db -- CMD` (@env may
 * be ""); returns its exit code, with its stdout in *@o unless NULL. */
int test_keke_run(const char *dir, const char *env, const char *cmd,
		  char **o);

/* Checks the trace-event JSON file @json with tests/check_trace.py. */
void test_check_json(const char *json);

/* Whether the dynamic test program @prog imports @symbol. */
bool test_imports(const char *prog, const char *symbol);

/* The pid (main thread id) of the process named @name in database @db;
 * fails the test when there is none. */
int test_pid_of(const char *db, const char *name);

/*
 * Checks the calls thread @tid made, as recorded in database @db, against
 * @printed: one line per call, "name key=value ...", in order ('#' lines
 * are skipped). Each key must be an arg with that value; "errno=0" means
 * no errno arg. The recorded calls compared are the slices of that thread
 * for which the SQL condition @which holds, and there must be exactly as
 * many as lines.
 */
void test_expect_calls(const char *db, const char *printed, int tid,
		       const char *which);

#endif
