// SPDX-License-Identifier: MIT
/*
 * Exact percentiles by nearest rank and log2 histograms (see stats.h).
 */
#include "report/stats.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

const unsigned keke_pct_tenths[KEKE_NPCT] = {
	0, 250, 500, 750, 950, 990, 999, 1000,
};

const char *const keke_pct_label[KEKE_NPCT] = {
	"p0", "p25", "p50", "p75", "p95", "p99", "p99.9", "p100",
};

uint64_t keke_pct_rank(unsigned tenths, uint64_t n)
{
	unsigned __int128 r;

	assert(n >= 1 && tenths <= 1000);
	r = ((unsigned __int128)tenths * n + 999) / 1000;
	if (r < 1)
		return 1;
	if (r > n)
		return n;
	return (uint64_t)r;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

unsigned keke_log2_bucket(int64_t v)
{
	if (v < 1)
		return 0;
	return 64 - (unsigned)__builtin_clzll((uint64_t)v);
}

void keke_log2_range(unsigned k, uint64_t *lo, uint64_t *hi)
{
	assert(k < KEKE_LOG2_BUCKETS);
	if (k == 0) {
		*lo = 0;
		*hi = 1;
		return;
	}
	*lo = (uint64_t)1 << (k - 1);
	*hi = k == 64 ? 0 : (uint64_t)1 << k;
}

bool keke_log2_span(const struct keke_log2_hist *h, unsigned *lo,
		    unsigned *hi, uint64_t *max)
{
	bool any = false;

	*max = 0;
	for (unsigned k = 0; k < KEKE_LOG2_BUCKETS; k++) {
		if (!h->count[k])
			continue;
		if (!any)
			*lo = k;
		*hi = k;
		any = true;
		if (h->count[k] > *max)
			*max = h->count[k];
	}
	return any;
}

int keke_values_add(struct keke_values *vals, int64_t x)
{
	if (vals->n == vals->cap) {
		size_t cap = vals->cap ? vals->cap * 2 : 16;
		int64_t *v;

		if (cap > SIZE_MAX / sizeof(*v))
			return -1;
		v = realloc(vals->v, cap * sizeof(*v));
		if (!v)
			return -1;
		vals->v = v;
		vals->cap = cap;
	}
	vals->v[vals->n++] = x;
	return 0;
}

int keke_values_pct(struct keke_values *vals, int64_t out[KEKE_NPCT])
{
	if (!vals->n) {
		for (unsigned i = 0; i < KEKE_NPCT; i++)
			out[i] = 0;
		return 0;
	}
	if (keke_sort_i64(vals->v, vals->n) < 0)
		return -1;
	for (unsigned i = 0; i < KEKE_NPCT; i++)
		out[i] = vals->v[keke_pct_rank(keke_pct_tenths[i],
					       vals->n) - 1];
	return 0;
}

void keke_values_free(struct keke_values *vals)
{
	free(vals->v);
	vals->v = NULL;
	vals->n = vals->cap = 0;
}

/* Below this many values qsort is faster than a radix sort. */
#define RADIX_MIN 256

/*
 * LSD radix sort, a byte at a time, on the values with their sign bit
 * flipped (so that they sort as unsigned numbers); a byte that is the same
 * in every value costs no pass.
 */
int keke_sort_i64(int64_t *v, size_t n)
{
	uint64_t *a = (uint64_t *)v, *b, *src, *dst;
	size_t count[8][256] = { { 0 } };
	const uint64_t flip = (uint64_t)1 << 63;

	if (n < RADIX_MIN) {
		qsort(v, n, sizeof(*v), cmp_i64);
		return 0;
	}
	b = malloc(n * sizeof(*b));
	if (!b)
		return -1;
	for (size_t i = 0; i < n; i++) {
		uint64_t x = a[i] ^ flip;

		a[i] = x;
		for (unsigned d = 0; d < 8; d++)
			count[d][(x >> (8 * d)) & 0xff]++;
	}
	src = a;
	dst = b;
	for (unsigned d = 0; d < 8; d++) {
		size_t pos = 0;
		bool trivial = false;

		for (unsigned k = 0; k < 256; k++) {
			size_t c = count[d][k];

			if (c == n)
				trivial = true;
			count[d][k] = pos;
			pos += c;
		}
		if (trivial)
			continue;
		for (size_t i = 0; i < n; i++) {
			uint64_t x = src[i];

			dst[count[d][(x >> (8 * d)) & 0xff]++] = x;
		}
		uint64_t *t = src;

		src = dst;
		dst = t;
	}
	if (src != a)
		memcpy(a, src, n * sizeof(*a));
	for (size_t i = 0; i < n; i++)
		a[i] ^= flip;
	free(b);
	return 0;
}
