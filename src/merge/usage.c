// SPDX-License-Identifier: MIT
/*
 * What processes used, per image and per process (usage.h). An image's
 * figures are cumulative over its process's images, as getrusage counts
 * them, so the image before it is subtracted; a process's row takes its
 * last image's, or, when that image could not tell them (killed, static,
 * exec'd out of reach), the wait4 figures of the wait that reaped it.
 */
#include "merge/usage.h"

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
