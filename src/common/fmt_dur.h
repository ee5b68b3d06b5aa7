/* SPDX-License-Identifier: MIT */
/*
 * A duration as a person reads it, with three significant digits where
 * that fits: "0", "812 ns", "1.23 us", "12.3 ms", "2.10 s", "3m12s",
 * "1h02m". The report's tables and `keke run`'s summary show durations
 * this way.
 */
#ifndef KEKE_FMT_DUR_H
#define KEKE_FMT_DUR_H

#include <stdint.h>

#define KEKE_FMT_DUR_MAX 32		/* bytes a formatted duration needs */

/* Writes @ns (negative counts as 0) into @buf, KEKE_FMT_DUR_MAX bytes.
 * Returns @buf. */
char *keke_fmt_dur(char *buf, int64_t ns);

#endif
