// SPDX-License-Identifier: MIT
/*
 * Big traces: `keke run` with no trace output named writes Perfetto's
 * format past 1.5 million events and says so; a JSON trace past 256 MB
 * comes with the advice to write Perfetto's format (two million one-byte
 * reads make a JSON past 256 MB); a merge that takes more than a
 * second shows its progress on a terminal, and only there.
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

/*
 * `keke merge` of a trace of 21 processes into the FIFO OUT/f.json, which
 * a reader opens only after 1.5 s, so that the merge lasts that long on
 * any machine; with a terminal as stderr (through script(1)) when @tty.
 * Returns what it printed.
 */
static char *merge_into_slow_fifo(bool tty, const char *opts)
{
	char *merge = fmt("'%s' merge %s -o f.json --no-db keke-*",
			  test_keke_bin(), opts);
	struct outcome o = sh(fmt(
		"cd '%s' && '%s' run -q --dir . --keep --no-json --no-db -- sh "
		"-c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 "
		"20; do /bin/true; done' 2>/dev/null && mkfifo f.json && "
		"{ (sleep 1.5; cat f.json >/dev/null) & } && %s 2>&1; wait",
		out, test_keke_bin(),
		tty ? fmt("script -qec \"%s\" /dev/null", merge) : merge));

	cr_assert_eq(o.code, 0, "%s%s", o.out, o.err);
	return o.out;
}

Test(big_traces, merge_progress_on_a_terminal_only)
{
	char *text = merge_into_slow_fifo(true, "");

	cr_assert(strstr(text, "\rkeke: merging: file 21 of 21, "), "%s",
		  text);
	cr_assert(strstr(text, "M events/s"), "%s", text);
	cr_assert(strstr(text, "merged 21 processes"), "%s", text);
}

Test(big_traces, no_progress_when_quiet_or_not_a_terminal)
{
	char *text = merge_into_slow_fifo(true, "-q");

	cr_assert(!strstr(text, "merging:"), "%s", text);
	cr_assert(!strstr(text, "merged"), "%s", text);
	test_rm_rf(out);
	free(out);
	out = test_tmpdir();
	text = merge_into_slow_fifo(false, "");
	cr_assert(!strstr(text, "merging:"), "%s", text);
	cr_assert(strstr(text, "merged 21 processes"), "%s", text);
}
