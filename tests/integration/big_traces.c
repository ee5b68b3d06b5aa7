// SPDX-License-Identifier: MIT
/*
 * A trace too big for the viewers of JSON: `keke run` with no trace
 * output named writes Perfetto's format and says so, and a JSON trace
 * past 256 MB comes with the advice to write Perfetto's format. Two
 * million one-byte reads make about 290 MB of JSON.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"

TEST_SCRATCH_DIR

TestSuite(big_traces, .init = setup, .fini = teardown, .timeout = 300);

#define READS 2000000

static bool exists(const char *name)
{
	struct stat st;

	return stat(test_path(out, name), &st) == 0;
}

Test(big_traces, big_run_writes_perfetto_and_big_json_is_told)
{
	struct outcome o = sh(fmt("cd '%s' && '%s' run --keep --dir . -- "
				  "'%s' %d", out, test_keke_bin(),
				  test_prog("read_loop"), READS));
	const char *db = test_path(out, "keke.db");
	char *kept;

	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert(strstr(o.err, "writing keke.pftrace (Perfetto's format) "
			 "rather than keke.json"), "%s", o.err);
	cr_assert(exists("keke.pftrace"));
	cr_assert(!exists("keke.json"));
	cr_assert_geq(test_db_int(db, "SELECT count(*) FROM slice WHERE "
				      "name = 'read'"), READS);
	kept = strstr(o.err, "trace dir kept: ");
	cr_assert(kept, "%s", o.err);
	kept += strlen("trace dir kept: ");
	*strchrnul(kept, '\n') = '\0';

	/* The same trace merged to JSON on request: written, and told. */
	o = sh(fmt("cd '%s' && '%s' merge -o big.json --no-db '%s'", out,
		   test_keke_bin(), kept));
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert(strstr(o.err, "big.json is ") &&
		  strstr(o.err, "too big for chrome://tracing") &&
		  strstr(o.err, "-o trace.pftrace"), "%s", o.err);

	/* A small run keeps JSON, and says nothing of it. */
	o = sh(fmt("cd '%s' && '%s' run -- '%s' 1000", out, test_keke_bin(),
		   test_prog("read_loop")));
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert(exists("keke.json"));
	cr_assert(!strstr(o.err, "Perfetto") && !strstr(o.err, "too big"),
		  "%s", o.err);
}
