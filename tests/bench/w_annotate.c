// SPDX-License-Identifier: MIT
/*
 * The cost of a keke.h annotation: `w_annotate N` times N iterations of an
 * empty loop, then N keke_begin/keke_end pairs, and prints nanoseconds per
 * iteration of each, best of 5. Without libkeke.so preloaded this is the
 * cost when off (a branch on a weak symbol); with it, the cost when on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "keke.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000000;
	double empty = 1e30, spans = 1e30;

	for (int round = 0; round < 5; round++) {
		double t0 = now();

		for (long i = 0; i < n; i++)
			__asm__ volatile("" ::: "memory");
		double t1 = now();

		for (long i = 0; i < n; i++) {
			keke_begin("span", "user");
			keke_end();
			__asm__ volatile("" ::: "memory");
		}
		double t2 = now();

		if ((t1 - t0) / n < empty)
			empty = (t1 - t0) / n;
		if ((t2 - t1) / n < spans)
			spans = (t2 - t1) / n;
	}
	printf("empty %.2f ns/iter, begin+end %.2f ns/iter, %s\n", empty,
	       spans, keke__begin ? "traced" : "not traced");
	return 0;
}
