/* SPDX-License-Identifier: MIT */
/* Ticks to nanoseconds (clocks.c). */
#ifndef KEKE_MERGE_CLOCKS_H
#define KEKE_MERGE_CLOCKS_H

#include <stdint.h>

#include "merge/model.h"

/* Sets the ns_per_tick of every file of m->files. */
void merge_set_clock_rates(struct merge *m);

/* @ns kept within the times the merge works with (clocks.c), which their
 * sums and differences cannot overflow. */
int64_t merge_clamp_time(int64_t ns);

/* @ticks of file @f in CLOCK_MONOTONIC ns on the trace's timeline (its
 * machine's shifted, machines.c), clamped (merge_clamp_time). */
int64_t merge_to_ns(const struct file_info *f, uint64_t ticks);

/* When file @f was made, on the trace's timeline, clamped. */
int64_t merge_file_start_ns(const struct file_info *f);

#endif
