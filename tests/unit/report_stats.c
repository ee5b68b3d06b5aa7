// SPDX-License-Identifier: MIT
/*
 * The report's statistics: nearest-rank percentiles at their boundaries
 * (one value, two, ties, p99.9 of a thousand), the radix sort, log2
 * buckets, durations, points in time and the window presets at fixed
 * "now" values in UTC and in a zone with summer time, and globs.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/stats.h"

#define S INT64_C(1000000000)

/* ---- percentiles -------------------------------------------------------- */

/* The value at each percentile of @v (@n values, any order). */
static void pct_of(const int64_t *v, size_t n, int64_t out[KEKE_NPCT])
{
	struct keke_values vals = { 0 };

	for (size_t i = 0; i < n; i++)
		cr_assert_eq(keke_values_add(&vals, v[i]), 0);
	cr_assert_eq(keke_values_pct(&vals, out), 0);
	keke_values_free(&vals);
}

static void pct_is(const int64_t got[KEKE_NPCT], const int64_t want[KEKE_NPCT])
{
	for (unsigned p = 0; p < KEKE_NPCT; p++)
		cr_assert_eq(got[p], want[p], "%s: got %lld, want %lld",
			     keke_pct_label[p], (long long)got[p],
			     (long long)want[p]);
}

Test(pct, rank_is_nearest_rank)
{
	/* ceil(p/100 * n), at least 1. */
	cr_assert_eq(keke_pct_rank(0, 1), 1);
	cr_assert_eq(keke_pct_rank(1000, 1), 1);
	cr_assert_eq(keke_pct_rank(0, 10), 1);
	cr_assert_eq(keke_pct_rank(250, 4), 1);
	cr_assert_eq(keke_pct_rank(500, 4), 2);
	cr_assert_eq(keke_pct_rank(750, 4), 3);
	cr_assert_eq(keke_pct_rank(950, 4), 4);
	cr_assert_eq(keke_pct_rank(500, 5), 3);
	cr_assert_eq(keke_pct_rank(999, 1000), 999);
	cr_assert_eq(keke_pct_rank(990, 1000), 990);
	cr_assert_eq(keke_pct_rank(999, 1001), 1000);
	cr_assert_eq(keke_pct_rank(1000, 1000), 1000);
	/* No rounding trouble near the top of the range. */
	cr_assert_eq(keke_pct_rank(999, UINT64_MAX), UINT64_MAX -
		     UINT64_MAX / 1000);
	cr_assert_eq(keke_pct_rank(1000, UINT64_MAX), UINT64_MAX);
}

Test(pct, one_value_is_every_percentile)
{
	int64_t v[] = { 42 }, got[KEKE_NPCT];
	int64_t want[KEKE_NPCT] = { 42, 42, 42, 42, 42, 42, 42, 42 };

	pct_of(v, 1, got);
	pct_is(got, want);
}

Test(pct, two_values_split_at_p50)
{
	int64_t v[] = { 9, 5 }, got[KEKE_NPCT];
	/* p50 is rank ceil(1) = 1; p75 rank ceil(1.5) = 2. */
	int64_t want[KEKE_NPCT] = { 5, 5, 5, 9, 9, 9, 9, 9 };

	pct_of(v, 2, got);
	pct_is(got, want);
}

Test(pct, ties_give_the_tied_value)
{
	int64_t v[] = { 3, 8, 3, 3 }, got[KEKE_NPCT];
	/* Ranks 1 1 2 3 4 4 4 4 of 3 3 3 8. */
	int64_t want[KEKE_NPCT] = { 3, 3, 3, 3, 8, 8, 8, 8 };

	pct_of(v, 4, got);
	pct_is(got, want);
}

Test(pct, p99_9_of_a_thousand_is_the_999th)
{
	int64_t v[1000], got[KEKE_NPCT];
	int64_t want[KEKE_NPCT] = { 1, 250, 500, 750, 950, 990, 999, 1000 };

	/* 1..1000 in a scrambled order. */
	for (int i = 0; i < 1000; i++)
		v[i] = (i * 337) % 1000 + 1;
	pct_of(v, 1000, got);
	pct_is(got, want);
}

Test(pct, negative_values_sort_first)
{
	int64_t v[] = { 0, -5, INT64_MAX, INT64_MIN, 7 }, got[KEKE_NPCT];
	int64_t want[KEKE_NPCT] = { INT64_MIN, -5, 0, 7, INT64_MAX,
				    INT64_MAX, INT64_MAX, INT64_MAX };

	pct_of(v, 5, got);
	pct_is(got, want);
}

Test(pct, values_of_an_empty_group_are_zero)
{
	struct keke_values vals = { 0 };
	int64_t got[KEKE_NPCT], want[KEKE_NPCT] = { 0 };

	cr_assert_eq(keke_values_pct(&vals, got), 0);
	pct_is(got, want);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

Test(pct, radix_sort_agrees_with_qsort)
{
	size_t n = 200000;
	int64_t *a = malloc(n * sizeof(*a)), *b = malloc(n * sizeof(*b));
	uint64_t x = 88172645463325252ull;

	cr_assert(a && b);
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		/* Small, large and negative values. */
		a[i] = i % 3 == 0 ? (int64_t)(x % 1000) :
		       i % 3 == 1 ? (int64_t)x : -(int64_t)(x >> 8);
	}
	memcpy(b, a, n * sizeof(*a));
	cr_assert_eq(keke_sort_i64(a, n), 0);
	qsort(b, n, sizeof(*b), cmp_i64);
	cr_assert(!memcmp(a, b, n * sizeof(*a)), "radix sort differs");
	free(a);
	free(b);
}

/* ---- log2 histograms ---------------------------------------------------- */

Test(log2, buckets_count_values_below_powers_of_two)
{
	uint64_t lo, hi;

	cr_assert_eq(keke_log2_bucket(-3), 0);
	cr_assert_eq(keke_log2_bucket(0), 0);
	cr_assert_eq(keke_log2_bucket(1), 1);
	cr_assert_eq(keke_log2_bucket(2), 2);
	cr_assert_eq(keke_log2_bucket(3), 2);
	cr_assert_eq(keke_log2_bucket(4), 3);
	cr_assert_eq(keke_log2_bucket(4095), 12);
	cr_assert_eq(keke_log2_bucket(4096), 13);
	cr_assert_eq(keke_log2_bucket(INT64_MAX), 63);
	keke_log2_range(0, &lo, &hi);
	cr_assert(lo == 0 && hi == 1);
	keke_log2_range(13, &lo, &hi);
	cr_assert(lo == 4096 && hi == 8192);
	keke_log2_range(64, &lo, &hi);
	cr_assert(lo == (uint64_t)1 << 63 && hi == 0, "2^64 wraps to 0");
}

/* ---- points in time ----------------------------------------------------- */

struct time_case {
	char tz[32];
	char now[32];		/* UTC, ISO with Z */
	char text[32];
	char want[32];		/* UTC, ISO with Z; "": refused */
};

/* Seconds-resolution UTC "YYYY-MM-DDTHH:MM:SS[.mmm]Z" of @ns. */
static void utc_text(int64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / S);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (ns % S)
		snprintf(buf + n, size - n, ".%03dZ", (int)(ns % S / 1000000));
	else
		snprintf(buf + n, size - n, "Z");
}

ParameterizedTestParameters(time, points)
{
	/* A summer-time zone that needs no tz database: CET, CEST from the
	 * last Sunday of March to the last Sunday of October. */
#define PARIS "CET-1CEST,M3.5.0,M10.5.0/3"
	static struct time_case cases[] = {
		{ "UTC", "2026-11-23T10:17:42.500Z", "now",
		  "2026-11-23T10:17:42.500Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "midnight",
		  "2026-11-23T00:00:00Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "yesterday",
		  "2026-11-22T00:00:00Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "hour",
		  "2026-11-23T10:00:00Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "prev-hour",
		  "2026-11-23T09:00:00Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "minute",
		  "2026-11-23T10:17:00Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "prev-minute",
		  "2026-11-23T10:16:00Z" },
		{ "UTC", "2026-11-23T00:00:30Z", "prev-hour",
		  "2026-11-22T23:00:00Z" },
		{ "UTC", "2026-03-01T05:00:00Z", "yesterday",
		  "2026-02-28T00:00:00Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "10m",
		  "2026-11-23T10:07:42.500Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "1h30m",
		  "2026-11-23T08:47:42.500Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "2026-11-23 10:00",
		  "2026-11-23T10:00:00Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "2026-11-20 08:05:09",
		  "2026-11-20T08:05:09Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "2026-11-20",
		  "2026-11-20T00:00:00Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "10:00",
		  "2026-11-23T10:00:00Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "9:05:01.250",
		  "2026-11-23T09:05:01.250Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z",
		  "2026-11-23T10:00:05+01:00", "2026-11-23T09:00:05Z" },
		{ "UTC", "2026-11-23T10:17:42.500Z", "@1795428000",
		  "2026-11-23T10:00:00Z" },
		/* Local time in Paris: UTC+1 in November. */
		{ PARIS, "2026-11-23T10:17:42Z", "midnight",
		  "2026-11-22T23:00:00Z" },
		{ PARIS, "2026-11-23T10:17:42Z", "10:00",
		  "2026-11-23T09:00:00Z" },
		{ PARIS, "2026-11-23T10:17:42Z", "2026-11-23T10:00:00Z",
		  "2026-11-23T10:00:00Z" },
		/* Just after midnight local time, the day is the next one. */
		{ PARIS, "2026-11-23T23:30:00Z", "midnight",
		  "2026-11-23T23:00:00Z" },
		/* Summer time began on 2026-03-29: that day's midnight was
		 * still UTC+1, the next one UTC+2. */
		{ PARIS, "2026-03-30T12:00:00Z", "midnight",
		  "2026-03-29T22:00:00Z" },
		{ PARIS, "2026-03-30T12:00:00Z", "yesterday",
		  "2026-03-28T23:00:00Z" },
		{ PARIS, "2026-03-30T12:00:00Z", "hour",
		  "2026-03-30T12:00:00Z" },
		{ "UTC", "2026-11-23T10:17:42Z", "25:00", "" },
		{ "UTC", "2026-11-23T10:17:42Z", "10:60", "" },
		{ "UTC", "2026-11-23T10:17:42Z", "2026-13-01", "" },
		{ "UTC", "2026-11-23T10:17:42Z", "2026-11-23 10", "" },
		{ "UTC", "2026-11-23T10:17:42Z", "2026-11-23 10:00 UTC", "" },
		{ "UTC", "2026-11-23T10:17:42Z", "tomorrow", "" },
		{ "UTC", "2026-11-23T10:17:42Z", "", "" },
	};

	return cr_make_param_array(struct time_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct time_case *c, time, points)
{
	int64_t now, got = 0;
	char text[64];
	int rc;

	setenv("TZ", "UTC", 1);
	tzset();
	cr_assert_eq(keke_parse_time(c->now, 0, &now), 0, "now %s", c->now);
	setenv("TZ", c->tz, 1);
	tzset();
	rc = keke_parse_time(c->text, now, &got);
	if (!*c->want) {
		cr_assert_eq(rc, -1, "'%s' was taken as a time", c->text);
		return;
	}
	cr_assert_eq(rc, 0, "'%s' (TZ=%s, now %s) was refused", c->text,
		     c->tz, c->now);
	utc_text(got, text, sizeof(text));
	cr_assert_str_eq(text, c->want, "'%s' (TZ=%s, now %s): %s, want %s",
			 c->text, c->tz, c->now, text, c->want);
}

/* ---- globs -------------------------------------------------------------- */

Test(glob, shell_patterns)
{
	cr_assert(keke_glob("*.o", "/tmp/demo/f1.o"));
	cr_assert(keke_glob("cc*", "cc1"));
	cr_assert(keke_glob("cc*", "cc"));
	cr_assert(!keke_glob("cc", "cc1"));
	cr_assert(keke_glob("f?.c", "f1.c"));
	cr_assert(keke_glob("[ab]s", "as"));
	cr_assert(!keke_glob("[ab]s", "cs"));
	cr_assert(keke_glob("*", ""));
	cr_assert(keke_glob("10.0.0.*:443", "10.0.0.7:443"));
}
