// SPDX-License-Identifier: MIT
/*
 * Durations as users write them (src/record/duration.c): KEKE_MIN_DUR and
 * --min-dur, where a bare number is in microseconds, and a report's window,
 * where it is in seconds.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdint.h>

#include "record/duration.h"

#define S 1000000000LL

static uint64_t ns(const char *s)
{
	uint64_t v = 12345;

	cr_assert_eq(keke_parse_duration(s, KEKE_NS_PER_US, &v), 0, "'%s'", s);
	return v;
}

Test(duration, min_dur_takes_units)
{
	cr_assert_eq(ns("10us"), 10000);
	cr_assert_eq(ns("10\xc2\xb5s"), 10000);
	cr_assert_eq(ns("7"), 7000);
	cr_assert_eq(ns("1ms"), 1000000);
	cr_assert_eq(ns("1.5ms"), 1500000);
	cr_assert_eq(ns("500ns"), 500);
	cr_assert_eq(ns("2s"), 2000000000);
	cr_assert_eq(ns("0.25"), 250);
	/* The same units as a report's window. */
	cr_assert_eq(ns("1min"), 60 * S);
	cr_assert_eq(ns("1m30s"), 90 * S);
	cr_assert_eq(ns("0"), 0);
	for (const char *const *bad = (const char *const[]){
		     "", "ms", "10 us", "-1", "10xs", "1e3", "1,5ms",
		     "99999999999999999999", "18446744073709551615s", NULL };
	     *bad; bad++) {
		uint64_t v = 12345;

		cr_assert_eq(keke_parse_duration(*bad, KEKE_NS_PER_US, &v), -1, "'%s'",
			     *bad);
		cr_assert_eq(v, 12345);
	}
}

/* ---- durations ---------------------------------------------------------- */

/* Strings inline: Criterion runs each case in a new process, where the
 * addresses of string literals may differ. */
struct dur_case {
	char text[32];
	int rc;
	int64_t ns;
};

ParameterizedTestParameters(duration, report_window)
{
	static struct dur_case cases[] = {
		{ "1h", 0, 3600 * S },
		{ "10m", 0, 600 * S },
		{ "30s", 0, 30 * S },
		{ "90", 0, 90 * S },
		{ "1h30m", 0, 5400 * S },
		{ "1.5h", 0, 5400 * S },
		{ "250ms", 0, 250000000 },
		{ "3us", 0, 3000 },
		{ "7ns", 0, 7 },
		{ "2d", 0, 2 * 86400 * S },
		{ "1w", 0, 7 * 86400 * S },
		{ "5min", 0, 300 * S },
		{ "", -1, 0 },
		{ "h", -1, 0 },
		{ "10x", -1, 0 },
		{ "1h2", -1, 0 },
		{ "-5m", -1, 0 },
		{ "99999999999999999999s", -1, 0 },
	};

	return cr_make_param_array(struct dur_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct dur_case *c, duration, report_window)
{
	uint64_t ns = 0;
	int rc = keke_parse_duration(c->text, KEKE_NS_PER_S, &ns);

	cr_assert_eq(rc, c->rc, "'%s': returned %d, want %d", c->text, rc,
		     c->rc);
	if (rc == 0)
		cr_assert_eq((int64_t)ns, c->ns, "'%s': %lld ns, want %lld", c->text,
			     (long long)(int64_t)ns, (long long)c->ns);
}
