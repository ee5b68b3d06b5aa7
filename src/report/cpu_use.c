// SPDX-License-Identifier: MIT
/*
 * The CPUs a run kept busy over time, estimated from per-process totals:
 * each process's own CPU time is spread evenly over its life and summed
 * into equal buckets of the timeline's span. A process that used its
 * CPU in a burst shows as a lower, longer plateau; the sum over the
 * whole run is right.
 */
#include "report/timeline.h"

void rp_timeline_cpu(struct keke_timeline *t)
{
	int64_t span = t->end_ns - t->start_ns;
	double width = (double)(span > 0 ? span : 1) / KEKE_TIMELINE_BUCKETS;

	for (size_t i = 0; i < KEKE_TIMELINE_BUCKETS; i++)
		t->busy[i] = 0;
	for (size_t k = 0; k < t->nprocs; k++) {
		const struct keke_timeline_proc *x = &t->procs[k];
		double from = (double)(x->start_ns - t->start_ns) / width;
		double to = (double)(x->end_ns - t->start_ns) / width;
		int64_t cpu_ns = x->cpu_user_ns + x->cpu_sys_ns;
		double cpu = (double)cpu_ns / width;	/* in buckets */
		double rate;

		if (x->from == KEKE_RUSAGE_UNKNOWN || cpu_ns <= 0 ||
		    x->end_ns < t->start_ns || x->start_ns > t->end_ns)
			continue;
		if (from < 0)
			from = 0;
		if (to > KEKE_TIMELINE_BUCKETS)
			to = KEKE_TIMELINE_BUCKETS;
		if (to <= from) {
			/* Too short to spread: where it ran. */
			t->busy[from < KEKE_TIMELINE_BUCKETS ? (size_t)from :
				KEKE_TIMELINE_BUCKETS - 1] += cpu;
			continue;
		}
		/* CPUs it kept busy while it ran, if it ran all the span. */
		rate = cpu * width / (double)(x->end_ns - x->start_ns);
		for (size_t b = (size_t)from; (double)b < to; b++) {
			double lo = b > from ? b : from;
			double hi = b + 1 < to ? b + 1 : to;

			t->busy[b] += rate * (hi - lo);
		}
	}
}
