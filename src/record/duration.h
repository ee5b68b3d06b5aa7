/* SPDX-License-Identifier: MIT */
/*
 * Durations as a user writes them, in KEKE_MIN_DUR ("10us"), `keke run
 * --min-dur` and a report's window ("1h30m", "--since 10min"): one or more
 * numbers, each with a unit and an optional fraction ("1.5ms"). Units: ns,
 * us (or µs), ms, s, min (or m), h, d, w. A number without a unit is
 * allowed alone, in the unit the caller says.
 */
#ifndef KEKE_DURATION_H
#define KEKE_DURATION_H

#include <stdint.h>

#define KEKE_NS_PER_US 1000ull
#define KEKE_NS_PER_S 1000000000ull

/*
 * Parses @s into nanoseconds in *ns, a bare number being in units of
 * @bare_unit_ns. Returns 0, or -1 with *ns unchanged when @s is not such a
 * duration or exceeds INT64_MAX nanoseconds. Async-signal-safe: no
 * allocation, no locale, no floating point.
 */
int keke_parse_duration(const char *s, uint64_t bare_unit_ns, uint64_t *ns);

#endif
