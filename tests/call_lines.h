/* SPDX-License-Identifier: MIT */
/*
 * Checking recorded calls against what a test program printed it made:
 * one line per call, "name key=value ...", in call order.
 */
#ifndef KEKE_TEST_CALL_LINES_H
#define KEKE_TEST_CALL_LINES_H

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
