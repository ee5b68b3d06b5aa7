// SPDX-License-Identifier: MIT
/*
 * What processes used, per image and per process (usage.h). An image's
 * figures are cumulative over its process's images, as getrusage counts
 * them, so the image before it is subtracted; a process's row takes its
 * last image's, or, when that image could not tell them (killed, static,
 * exec'd out of reach), the wait4 figures of the wait that reaped it,
 * less those of the children it reaped.
 */
#include "merge/usage.h"

#include <stdlib.h>
#include <string.h>

#include "merge/model.h"

static const char *const names[MERGE_USAGE_N] = {
	"cpu_user_ns", "cpu_sys_ns", "peak_rss_kb", "minor_faults",
	"major_faults", "vol_ctx_switches", "invol_ctx_switches",
	"fs_read_blocks", "fs_write_blocks",
};

#define PEAK_RSS 2	/* a maximum, not a count: never subtracted */

void merge_usage_of(const struct keke_record *rec, struct usage *u)
{
	u->have = false;
	for (unsigned i = 0; i < MERGE_USAGE_N; i++) {
		const struct keke_field *f =
			keke_record_field(rec, KEKE_KEY_CPU_USER_NS + i);

		if (!f || f->is_str)
			return;
		u->v[i] = f->i;
	}
	u->have = true;
}

void merge_usage_out(const struct usage *u, struct keke_rusage *out)
{
	*out = (struct keke_rusage){
		.cpu_user_ns = u->v[0],
		.cpu_sys_ns = u->v[1],
		.peak_rss_kb = u->v[2],
		.minor_faults = u->v[3],
		.major_faults = u->v[4],
		.vol_ctx_switches = u->v[5],
		.invol_ctx_switches = u->v[6],
		.fs_read_blocks = u->v[7],
		.fs_write_blocks = u->v[8],
	};
}

unsigned merge_usage_image(const struct image *im, struct proc *p,
			   struct keke_arg *args)
{
	const struct usage *u = &im->usage;

	p->usage_at_exit = u->have && im->exited;
	if (!u->have)
		return 0;
	for (unsigned i = 0; i < MERGE_USAGE_N; i++) {
		int64_t v = u->v[i];

		if (i != PEAK_RSS && p->own_usage.have &&
		    v >= p->own_usage.v[i])
			v -= p->own_usage.v[i];
		args[i] = (struct keke_arg){ .key = names[i], .i = v };
	}
	p->own_usage = *u;
	return MERGE_USAGE_N;
}

void merge_usage_settle(struct proc *p, const struct usage *reaped)
{
	if (p->usage_at_exit) {
		p->usage = p->own_usage;
		p->usage_from = "exit";
	} else if (reaped && reaped->have) {
		p->usage = *reaped;
		p->usage_from = "wait";
	}
}

static int by_end(const void *a, const void *b, void *procs)
{
	const struct proc *x = &((struct proc *)procs)[*(const size_t *)a];
	const struct proc *y = &((struct proc *)procs)[*(const size_t *)b];

	return (x->end_ns > y->end_ns) - (x->end_ns < y->end_ns);
}

void merge_usage_own(struct merge *m)
{
	size_t *order = merge_grow(NULL, m->nprocs, sizeof(*order));
	/* Of each process, the figures of the children it reaped, theirs
	 * included: what the kernel added to a wait for it. */
	struct usage *reaped = merge_grow(NULL, m->nprocs, sizeof(*reaped));

	for (size_t i = 0; i < m->nprocs; i++) {
		order[i] = i;
		reaped[i] = (struct usage){ 0 };
	}
	/* Children end before the parents that reap them. */
	qsort_r(order, m->nprocs, sizeof(*order), by_end, m->procs);
	for (size_t k = 0; k < m->nprocs; k++) {
		struct proc *p = &m->procs[order[k]];
		const struct usage *kids = &reaped[order[k]];
		struct usage total = *kids;
		bool from_wait = p->usage_from && !strcmp(p->usage_from, "wait");

		for (unsigned i = 0; p->usage_from && i < MERGE_USAGE_N; i++) {
			if (i == PEAK_RSS)
				continue;
			if (from_wait) {
				total.v[i] = p->usage.v[i];
				p->usage.v[i] -= kids->v[i];
				if (p->usage.v[i] < 0)
					p->usage.v[i] = 0;
			} else {
				total.v[i] += p->usage.v[i];
			}
		}
		if (!p->parent_upid)
			continue;
		size_t parent = (size_t)p->parent_upid - 1;

		if (p->end_ns <= m->procs[parent].end_ns)
			for (unsigned i = 0; i < MERGE_USAGE_N; i++)
				reaped[parent].v[i] += total.v[i];
	}
	free(order);
	free(reaped);
}
