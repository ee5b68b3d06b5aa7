// SPDX-License-Identifier: MIT
/*
 * Durations as people read them (fmt_dur.h).
 */
#include "common/fmt_dur.h"

#include <inttypes.h>
#include <stdio.h>

#define S_NS INT64_C(1000000000)
#define MIN_NS (60 * S_NS)
#define HOUR_NS (60 * MIN_NS)

/* @v in units of @unit with three significant digits, no exponent. */
static void three_digits(char *buf, double v, const char *unit)
{
	snprintf(buf, KEKE_FMT_DUR_MAX, v < 9.995 ? "%.2f %s" : v < 99.95 ?
		 "%.1f %s" : "%.0f %s", v, unit);
}

char *keke_fmt_dur(char *buf, int64_t ns)
{
	double v = (double)ns;

	if (ns < 0)
		ns = 0;
	if (ns == 0)
		snprintf(buf, KEKE_FMT_DUR_MAX, "0");
	else if (ns < 1000)
		snprintf(buf, KEKE_FMT_DUR_MAX, "%" PRId64 " ns", ns);
	else if (v < 999.5e3)
		three_digits(buf, v / 1e3, "us");
	else if (v < 999.5e6)
		three_digits(buf, v / 1e6, "ms");
	else if (ns < MIN_NS)
		snprintf(buf, KEKE_FMT_DUR_MAX, "%.2f s", v / 1e9);
	else if (ns < HOUR_NS)
		snprintf(buf, KEKE_FMT_DUR_MAX, "%" PRId64 "m%02" PRId64 "s",
			 ns / MIN_NS, ns / S_NS % 60);
	else
		snprintf(buf, KEKE_FMT_DUR_MAX, "%" PRId64 "h%02" PRId64 "m",
			 ns / HOUR_NS, ns / MIN_NS % 60);
	return buf;
}
