/* SPDX-License-Identifier: MIT */
/*
 * Statistics for the report: exact percentiles by nearest rank, log2
 * histograms, and the time windows and glob filters a report is cut with.
 *
 * Percentiles are exact: the p-th percentile of n sorted values is the
 * value at rank ceil(p / 100 * n), the first rank being 1 (so p0 is the
 * smallest value and p100 the largest).
 */
#ifndef KEKE_STATS_H
#define KEKE_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The percentiles a report shows: p0 p25 p50 p75 p95 p99 p99.9 p100. */
#define KEKE_NPCT 8

/* Each of them in tenths of a percent: 0, 250, ... 999, 1000. */
extern const unsigned keke_pct_tenths[KEKE_NPCT];

/* Its label: "p0", "p25", ... "p99.9", "p100". */
extern const char *const keke_pct_label[KEKE_NPCT];

/* Index of p0, p25, ... in keke_pct_tenths and in every percentile array. */
enum {
	KEKE_P0,
	KEKE_P25,
	KEKE_P50,
	KEKE_P75,
	KEKE_P95,
	KEKE_P99,
	KEKE_P999,
	KEKE_P100,
};

/*
 * The rank (1-based) of the percentile @tenths / 10 among @n values:
 * ceil(tenths * n / 1000), at least 1 and at most @n. Exact for any n.
 * @n must be at least 1; @tenths at most 1000.
 */
uint64_t keke_pct_rank(unsigned tenths, uint64_t n);

/* A growable array of values whose percentiles are wanted. */
struct keke_values {
	int64_t *v;
	size_t n, cap;
};

/* Appends @x to @vals. Returns 0, or -1 (ENOMEM, @vals unchanged). */
int keke_values_add(struct keke_values *vals, int64_t x);

/*
 * Sorts @vals and writes its KEKE_NPCT percentiles into @out (all 0 when
 * it is empty). Returns 0, or -1 (ENOMEM: no room to sort).
 */
int keke_values_pct(struct keke_values *vals, int64_t out[KEKE_NPCT]);

void keke_values_free(struct keke_values *vals);

/*
 * Sorts @n values at @v in ascending order (a radix sort, which needs
 * room for a copy of them). Returns 0, or -1 (ENOMEM, @v unchanged).
 */
int keke_sort_i64(int64_t *v, size_t n);

/*
 * A log2 histogram: bucket 0 counts values below 1, bucket k (1..64)
 * values below 2^k and at least 2^(k-1). Negative values go to bucket 0.
 */
#define KEKE_LOG2_BUCKETS 65

struct keke_log2_hist {
	uint64_t count[KEKE_LOG2_BUCKETS];
};

/* The bucket of @v. */
unsigned keke_log2_bucket(int64_t v);

static inline void keke_log2_add(struct keke_log2_hist *h, int64_t v)
{
	h->count[keke_log2_bucket(v)]++;
}

/* The first (*@lo) and last (*@hi) non-empty buckets of @h and the
 * largest count (*@max); false if all are empty. */
bool keke_log2_span(const struct keke_log2_hist *h, unsigned *lo,
		    unsigned *hi, uint64_t *max);

/* The range of bucket @k: values in [*lo, *hi) ("below 2^k"), as
 * unsigned numbers; bucket 64 has *hi = 0, meaning 2^64. */
void keke_log2_range(unsigned k, uint64_t *lo, uint64_t *hi);

/*
 * Parses a point in time into *wall_ns, nanoseconds since the epoch,
 * relative to @now_ns (also since the epoch) where it needs one:
 *
 *   "2026-11-23 10:00[:05[.25]]", also with a 'T' and an optional "Z"
 *   or "+01:00": that time (local time unless a zone is given);
 *   "10:00[:05]": that time on the day of @now_ns (local time);
 *   a duration ("1h", "10m"): @now_ns minus it;
 *   "now": @now_ns;
 *   "midnight", "hour", "minute": the start of @now_ns's day (local
 *   time), hour or minute; "yesterday", "prev-hour", "prev-minute": the
 *   start of the one before;
 *   "@SECONDS[.FRACTION]": seconds since the epoch.
 *
 * Returns 0, or -1 when @s is none of these.
 */
int keke_parse_time(const char *s, int64_t now_ns, int64_t *wall_ns);

/* True when @s matches the shell glob @pattern (fnmatch, no flags). */
bool keke_glob(const char *pattern, const char *s);

#endif
