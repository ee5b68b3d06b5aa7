/* SPDX-License-Identifier: MIT */
/*
 * One progress line on stderr for a long step of a command: "keke report:
 * reading slices  42% (4.2M of 10.0M, 3.1M/s, about 2 s left)", rewritten
 * in place and cleared at the end. It stays hidden during the first
 * second, so quick runs print nothing, and is rewritten at most five
 * times a second.
 */
#ifndef KEKE_PROGRESS_H
#define KEKE_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct keke_progress {
	const char *prefix;		/* "keke report" */
	bool enabled;
	double t0;			/* when it started */
	double last;			/* when the line was last written */
	bool shown;			/* a line is on the screen */
};

/* Starts the clock of @p, whose lines begin with "@prefix: "; nothing is
 * ever shown unless @enabled. */
void keke_progress_start(struct keke_progress *p, const char *prefix,
			 bool enabled);

/* Shows "@prefix: @what N% (D of T, R/s, about S s left)" (N%: @done of
 * @total, in millions, at the rate so far; @total 0 shows @what alone)
 * once a second has passed since the start, at most every 0.2 s. */
void keke_progress_update(struct keke_progress *p, const char *what,
			  uint64_t done, uint64_t total);

/* Clears the line, if one is shown. */
void keke_progress_clear(struct keke_progress *p);

#endif
