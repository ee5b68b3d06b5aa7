// SPDX-License-Identifier: MIT
#include "record/duration.h"

#include <stdbool.h>
#include <stddef.h>

#include "record/once.h"

/* The names inline, not pointers: nothing the preload's loader relocates. */
static const struct {
	char name[4];
	uint64_t ns;
} units[] = {
	/* Longest first, so "ms" is not read as "m". */
	{ "min", 60 * KEKE_NS_PER_S },
	{ "ns", 1 },
	{ "us", KEKE_NS_PER_US },
	{ "\xc2\xb5s", KEKE_NS_PER_US },	/* µs */
	{ "ms", 1000000 },
	{ "s", KEKE_NS_PER_S },
	{ "m", 60 * KEKE_NS_PER_S },
	{ "h", 3600 * KEKE_NS_PER_S },
	{ "d", 86400 * KEKE_NS_PER_S },
	{ "w", 7 * 86400 * KEKE_NS_PER_S },
};

/* The unit at *@p, advancing past it; 0 when none is there. */
static KEKE_ONCE uint64_t read_unit(const char **p)
{
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		const char *u = units[i].name, *s = *p;

		while (*u && *u == *s)
			u++, s++;
		if (!*u) {
			*p = s;
			return units[i].ns;
		}
	}
	return 0;
}

/*
 * Reads a decimal number at *@p, advancing past it: the whole part in
 * *whole, the fraction as *frac / *frac_scale (digits beyond nanoseconds
 * of a second do not matter). Returns false when there is no digit or the
 * whole part overflows.
 */
static KEKE_ONCE bool read_number(const char **p, uint64_t *whole,
				  uint64_t *frac, uint64_t *frac_scale)
{
	const char *s = *p;
	bool digits = false;

	*whole = *frac = 0;
	*frac_scale = 1;
	for (; *s >= '0' && *s <= '9'; s++, digits = true) {
		if (*whole > (UINT64_MAX - 9) / 10)
			return false;
		*whole = *whole * 10 + (uint64_t)(*s - '0');
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
			if (*frac_scale < KEKE_NS_PER_S) {
				*frac = *frac * 10 + (uint64_t)(*s - '0');
				*frac_scale *= 10;
			}
		}
	}
	*p = s;
	return digits;
}

KEKE_ONCE int keke_parse_duration(const char *s, uint64_t bare_unit_ns,
				  uint64_t *ns)
{
	unsigned __int128 total = 0;
	bool first = true;

	if (!s || !*s)
		return -1;
	for (; *s; first = false) {
		uint64_t whole, frac, frac_scale, unit;

		if (!read_number(&s, &whole, &frac, &frac_scale))
			return -1;
		unit = read_unit(&s);
		if (!unit) {
			/* A number without a unit stands alone. */
			if (!first || *s)
				return -1;
			unit = bare_unit_ns;
		}
		total += (unsigned __int128)whole * unit +
			 ((unsigned __int128)frac * unit + frac_scale / 2) /
				 frac_scale;
		if (total > INT64_MAX)
			return -1;
	}
	*ns = (uint64_t)total;
	return 0;
}
