// SPDX-License-Identifier: MIT
/*
 * The progress line (progress.h): "\r" and the line, then "\033[K" to
 * clear what a longer line left on the screen.
 */
#include "common/progress.h"

#include <stdio.h>
#include <time.h>

#define DELAY_S 1.0		/* shown after this long */
#define INTERVAL_S 0.2		/* rewritten at most this often */

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void keke_progress_start(struct keke_progress *p, const char *prefix,
			 bool enabled)
{
	p->prefix = prefix;
	p->enabled = enabled;
	p->t0 = seconds();
	p->last = 0;
	p->shown = false;
}

void keke_progress_update(struct keke_progress *p, const char *what,
			  uint64_t done, uint64_t total)
{
	double now;

	if (!p->enabled)
		return;
	now = seconds();
	if (now - p->t0 < DELAY_S || now - p->last < INTERVAL_S)
		return;
	p->last = now;
	p->shown = true;
	if (total) {
		double secs = now - p->t0;

		if (done > total)
			done = total;
		fprintf(stderr, "\r%s: %s %3u%% (%.1fM of %.1fM, %.1fM/s",
			p->prefix, what, (unsigned)(done * 100 / total),
			(double)done / 1e6, (double)total / 1e6,
			(double)done / secs / 1e6);
		if (done)
			fprintf(stderr, ", about %.0f s left",
				secs * (double)(total - done) / (double)done);
		fputs(")\033[K", stderr);
	} else
		fprintf(stderr, "\r%s: %s\033[K", p->prefix, what);
}

void keke_progress_clear(struct keke_progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}
