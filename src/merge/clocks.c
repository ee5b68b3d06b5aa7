// SPDX-License-Identifier: MIT
/*
 * Time: every TSC file of a machine (machines.c) gets the rate measured
 * over the longest span any file of that machine saw (a short-lived or
 * killed process never refreshed its own anchors for long enough to be
 * accurate), and ticks become CLOCK_MONOTONIC nanoseconds with it, moved
 * onto the trace's timeline by the machine's shift.
 */
#include "merge/clocks.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "record/boot_id.h"
#include "record/clock.h"

/* Measures this machine's TSC against CLOCK_MONOTONIC for ~20 ms, once. */
static double calibrate_here(void)
{
	static double rate;
	enum keke_clock saved = keke_clock_kind;
	struct timespec pause = { 0, 20000000 };

	if (rate)
		return rate;
	keke_clock_kind = KEKE_CLOCK_TSC;
	struct keke_anchor a = keke_clock_anchor();
	nanosleep(&pause, NULL);
	struct keke_anchor b = keke_clock_anchor();
	keke_clock_kind = saved;
	rate = (double)(b.mono_ns - a.mono_ns) / (double)(b.ticks - a.ticks);
	return rate;
}

/* Whether the header @h was written on this boot of this host: by its
 * boot id, else (an older file) by its host name. */
static bool written_here(const struct keke_file_header *h)
{
	static int have_boot = -1;
	static uint8_t boot[16];
	char here[KEKE_HOST_MAX] = "", text[64];

	if (have_boot < 0) {
		FILE *f = fopen(KEKE_BOOT_ID_PATH, "re");

		have_boot = f && fgets(text, sizeof(text), f) &&
			    !keke_boot_id_parse(text, strlen(text), boot);
		if (f)
			fclose(f);
	}
	if (!keke_boot_id_unknown(h->boot_id))
		return have_boot && !memcmp(h->boot_id, boot, sizeof(boot));
	gethostname(here, sizeof(here) - 1);
	return !strcmp(here, h->host);
}

void merge_set_clock_rates(struct merge *m)
{
	double local_rate = 0;

	for (size_t i = 0; i < m->nfiles; i++) {
		struct file_info *f = &m->files[i];
		uint64_t best_ns = 0;
		double rate = 0;

		if (f->hdr.clock != KEKE_CLOCK_TSC) {
			f->ns_per_tick = 1.0;
			continue;
		}
		for (size_t j = 0; j < m->nfiles; j++) {
			const struct keke_file_header *h = &m->files[j].hdr;
			uint64_t ns = h->latest.mono_ns - h->start.mono_ns;

			if (h->clock != KEKE_CLOCK_TSC ||
			    m->files[j].machine != f->machine ||
			    h->latest.mono_ns <= h->start.mono_ns ||
			    h->latest.ticks <= h->start.ticks || ns <= best_ns)
				continue;
			best_ns = ns;
			rate = (double)ns /
			       (double)(h->latest.ticks - h->start.ticks);
		}
		/* Too short a span to trust: this host's own rate. */
		if (best_ns < 50000000u && written_here(&f->hdr)) {
			if (!local_rate)
				local_rate = calibrate_here();
			rate = local_rate;
		}
		f->ns_per_tick = rate > 0 ? rate : 1.0;
	}
}

/*
 * A damaged file's ticks or rate may be anywhere: times are kept within
 * +-2^61 ns (73 years), so that the sums and differences taken of them
 * later cannot overflow.
 */
#define TIME_LIMIT_NS (INT64_C(1) << 61)

int64_t merge_clamp_time(int64_t ns)
{
	return ns < -TIME_LIMIT_NS ? -TIME_LIMIT_NS :
	       ns > TIME_LIMIT_NS ? TIME_LIMIT_NS : ns;
}

int64_t merge_to_ns(const struct file_info *f, uint64_t ticks)
{
	double d;
	int64_t delta;

	if (f->hdr.clock != KEKE_CLOCK_TSC)
		return merge_clamp_time(merge_clamp_time((int64_t)ticks) +
					f->shift_ns);
	d = (double)(int64_t)(ticks - f->hdr.start.ticks) * f->ns_per_tick;
	if (d > (double)-TIME_LIMIT_NS && d < (double)TIME_LIMIT_NS)
		delta = (int64_t)d;
	else	/* also NaN */
		delta = d > 0 ? TIME_LIMIT_NS : -TIME_LIMIT_NS;
	return merge_clamp_time(merge_file_start_ns(f) + delta);
}

int64_t merge_file_start_ns(const struct file_info *f)
{
	return merge_clamp_time(merge_clamp_time((int64_t)f->hdr.start.mono_ns) +
				f->shift_ns);
}
