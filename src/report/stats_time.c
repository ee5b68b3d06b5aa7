// SPDX-License-Identifier: MIT
/*
 * Durations and points in time as a report's window is given on the
 * command line ("1h", "10:00", "2026-11-23 10:00", "midnight"), and the
 * glob filters (see stats.h).
 */
#include "report/stats.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "record/duration.h"

#define NS_PER_S 1000000000LL

/* @now_ns as broken-down local time. */
static void local_of(int64_t now_ns, struct tm *tm)
{
	time_t t = (time_t)(now_ns / NS_PER_S);

	if (now_ns < 0 && now_ns % NS_PER_S)
		t--;
	localtime_r(&t, tm);
}

/* mktime of @tm in nanoseconds, -1 when it cannot be represented. */
static int tm_to_ns(struct tm *tm, int64_t *ns)
{
	time_t t = mktime(tm);

	if (t == (time_t)-1 && tm->tm_year != 69)
		return -1;
	*ns = (int64_t)t * NS_PER_S;
	return 0;
}

/*
 * The presets, relative to @now_ns: the start of the current day, hour or
 * minute (local time), or of the one before. Returns 0, 1 when @s is not
 * a preset, or -1 when the time cannot be represented.
 */
static int parse_preset(const char *s, int64_t now_ns, int64_t *wall_ns)
{
	struct tm tm;
	int64_t ns;

	local_of(now_ns, &tm);
	if (!strcmp(s, "now")) {
		*wall_ns = now_ns;
		return 0;
	}
	if (!strcmp(s, "midnight") || !strcmp(s, "today") ||
	    !strcmp(s, "yesterday")) {
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		if (!strcmp(s, "yesterday"))
			tm.tm_mday--;
		/* The day may start with another UTC offset than now. */
		tm.tm_isdst = -1;
		return tm_to_ns(&tm, wall_ns);
	}
	if (!strcmp(s, "hour") || !strcmp(s, "prev-hour")) {
		tm.tm_min = tm.tm_sec = 0;
		if (tm_to_ns(&tm, &ns) < 0)
			return -1;
		*wall_ns = ns - (s[0] == 'p' ? 3600 * NS_PER_S : 0);
		return 0;
	}
	if (!strcmp(s, "minute") || !strcmp(s, "prev-minute")) {
		tm.tm_sec = 0;
		if (tm_to_ns(&tm, &ns) < 0)
			return -1;
		*wall_ns = ns - (s[0] == 'p' ? 60 * NS_PER_S : 0);
		return 0;
	}
	return 1;
}

/* Reads exactly @n digits at *@p into *@v. Returns 0 or -1. */
static int digits(const char **p, int n, int *v)
{
	int x = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		x = x * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*v = x;
	return 0;
}

/*
 * Reads "HH:MM[:SS[.frac]]" at *@p into @tm and *@frac_ns, advancing *@p.
 * Returns 0 or -1.
 */
static int read_clock(const char **p, struct tm *tm, int64_t *frac_ns)
{
	const char *s = *p;
	int h, m, sec = 0;

	*frac_ns = 0;
	if (digits(&s, 2, &h) < 0 && (s = *p, digits(&s, 1, &h) < 0))
		return -1;
	if (*s++ != ':' || digits(&s, 2, &m) < 0)
		return -1;
	if (*s == ':') {
		s++;
		if (digits(&s, 2, &sec) < 0)
			return -1;
		if (*s == '.') {
			int64_t scale = NS_PER_S / 10;

			s++;
			if (!isdigit((unsigned char)*s))
				return -1;
			for (; isdigit((unsigned char)*s); s++, scale /= 10)
				*frac_ns += (*s - '0') * scale;
		}
	}
	if (h > 23 || m > 59 || sec > 60)
		return -1;
	tm->tm_hour = h;
	tm->tm_min = m;
	tm->tm_sec = sec;
	*p = s;
	return 0;
}

/*
 * Reads a UTC offset "Z", "+HH", "+HHMM" or "+HH:MM" (or '-') at @s, the
 * rest of the string. Returns 0 with *@off_s set, 1 when @s is empty
 * (local time), or -1.
 */
static int read_zone(const char *s, long *off_s)
{
	int h, m = 0, sign;

	if (!*s)
		return 1;
	if (!strcmp(s, "Z") || !strcmp(s, "z")) {
		*off_s = 0;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return -1;
	sign = *s++ == '-' ? -1 : 1;
	if (digits(&s, 2, &h) < 0)
		return -1;
	if (*s == ':')
		s++;
	if (*s && digits(&s, 2, &m) < 0)
		return -1;
	if (*s || h > 23 || m > 59)
		return -1;
	*off_s = sign * (h * 3600L + m * 60L);
	return 0;
}

/* Days from 1970-01-01 to @y-@m-@d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

/*
 * "YYYY-MM-DD[( |T)HH:MM[:SS[.frac]]][zone]" or "HH:MM[:SS[.frac]]" (on
 * @now_ns's day). Returns 0, or -1 when @s is neither.
 */
static int parse_calendar(const char *s, int64_t now_ns, int64_t *wall_ns)
{
	struct tm tm;
	int64_t frac = 0, ns;
	long off;
	int y, mo, d, zone;

	local_of(now_ns, &tm);
	if (isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) &&
	    s[4] == '-') {
		if (digits(&s, 4, &y) < 0 || *s++ != '-' ||
		    digits(&s, 2, &mo) < 0 || *s++ != '-' ||
		    digits(&s, 2, &d) < 0)
			return -1;
		if (mo < 1 || mo > 12 || d < 1 || d > 31)
			return -1;
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
		if (*s == ' ' || *s == 'T' || *s == 't') {
			s++;
			if (read_clock(&s, &tm, &frac) < 0)
				return -1;
		}
	} else if (read_clock(&s, &tm, &frac) < 0) {
		return -1;
	}
	zone = read_zone(s, &off);
	if (zone < 0)
		return -1;
	if (zone == 0) {
		int64_t days = days_from_civil(tm.tm_year + 1900,
					       (unsigned)tm.tm_mon + 1,
					       (unsigned)tm.tm_mday);

		ns = ((days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 +
		       tm.tm_sec) - off) * NS_PER_S;
	} else {
		tm.tm_isdst = -1;
		if (tm_to_ns(&tm, &ns) < 0)
			return -1;
	}
	*wall_ns = ns + frac;
	return 0;
}

int keke_parse_time(const char *s, int64_t now_ns, int64_t *wall_ns)
{
	uint64_t ns;
	int rc;

	if (!s || !*s)
		return -1;
	rc = parse_preset(s, now_ns, wall_ns);
	if (rc <= 0)
		return rc;
	if (s[0] == '@') {
		/* Seconds since the epoch: digits and a fraction only. */
		if (s[1 + strspn(s + 1, "0123456789.")] ||
		    keke_parse_duration(s + 1, KEKE_NS_PER_S, &ns) != 0)
			return -1;
		*wall_ns = (int64_t)ns;
		return 0;
	}
	if (keke_parse_duration(s, KEKE_NS_PER_S, &ns) == 0) {
		*wall_ns = now_ns - (int64_t)ns;
		return 0;
	}
	return parse_calendar(s, now_ns, wall_ns);
}

bool keke_glob(const char *pattern, const char *s)
{
	return fnmatch(pattern, s ? s : "", 0) == 0;
}
