// SPDX-License-Identifier: MIT
/*
 * Numbers as the report's writers show them to people (fmt.h).
 */
#include "report/out/fmt.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* @v in units of @unit with three significant digits, no exponent. */
static void three_digits(char *buf, double v, const char *unit)
{
	snprintf(buf, RP_FMT_MAX, v < 9.995 ? "%.2f %s" : v < 99.95 ?
		 "%.1f %s" : "%.0f %s", v, unit);
}

char *rp_fmt_bytes(char *buf, int64_t bytes)
{
	static const char *const unit[] = { "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB" };
	double v = (double)bytes;
	unsigned u = 0;

	if (bytes < 1024) {
		snprintf(buf, RP_FMT_MAX, "%" PRId64 " B", bytes);
		return buf;
	}
	v /= 1024;
	while (v >= 1023.5 && u < 5) {
		v /= 1024;
		u++;
	}
	three_digits(buf, v, unit[u]);
	return buf;
}

char *rp_fmt_count(char *buf, uint64_t n)
{
	char digits[32];
	size_t len, o = 0;

	len = (size_t)snprintf(digits, sizeof(digits), "%" PRIu64, n);
	for (size_t i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

char *rp_fmt_time(char *buf, const struct keke_report *r, int64_t mono_ns)
{
	int64_t wall = mono_ns + r->realtime_offset_ns;
	time_t t;
	struct tm tm;
	size_t n;

	if (!r->have_wall) {
		snprintf(buf, RP_FMT_MAX, "+%.3f s",
			 (double)(mono_ns - r->start_ns) / 1e9);
		return buf;
	}
	t = (time_t)(wall / 1000000000);
	if (wall < 0 && wall % 1000000000)
		t--;
	localtime_r(&t, &tm);
	n = strftime(buf, RP_FMT_MAX, "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf + n, RP_FMT_MAX - n, ".%03d",
		 (int)((wall - (int64_t)t * 1000000000) / 1000000));
	return buf;
}

char *rp_fmt_bound(char *buf, const struct keke_report *r, int64_t mono_ns)
{
	if (mono_ns == INT64_MIN || mono_ns == INT64_MAX) {
		snprintf(buf, RP_FMT_MAX, "%s",
			 mono_ns == INT64_MIN ? "start" : "end");
		return buf;
	}
	return rp_fmt_time(buf, r, mono_ns);
}

char *rp_fmt_signal(char *buf, int sig)
{
	const char *name = sigabbrev_np(sig);

	if (name)
		snprintf(buf, RP_FMT_MAX, "SIG%s", name);
	else
		snprintf(buf, RP_FMT_MAX, "signal %d", sig);
	return buf;
}

char *rp_fmt_bucket(char *buf, unsigned k)
{
	static const char *const unit[] = { "B", "KiB", "MiB", "GiB", "TiB",
					    "PiB", "EiB" };

	/* Bucket k holds values below 2^k. */
	snprintf(buf, RP_FMT_MAX, "%u %s", 1u << (k % 10), unit[k / 10]);
	return buf;
}

char *rp_fmt_share(char *buf, uint64_t part, uint64_t whole)
{
	double p = whole ? 100.0 * (double)part / (double)whole : 0;

	if (p >= 10 || p == 0)
		snprintf(buf, RP_FMT_MAX, "%.0f%%", p);
	else
		snprintf(buf, RP_FMT_MAX, "%.1f%%", p);
	return buf;
}

const char *rp_role_name(unsigned bit)
{
	switch (bit) {
	case KEKE_ROLE_READ:
		return "read";
	case KEKE_ROLE_WROTE:
		return "wrote";
	case KEKE_ROLE_CREATED:
		return "created";
	case KEKE_ROLE_REMOVED:
		return "removed";
	case KEKE_ROLE_MISSING:
		return "missing";
	case KEKE_ROLE_PROBED:
		return "probed";
	}
	return NULL;
}

char *rp_fmt_roles(char *buf, unsigned roles, const char *sep)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned bit = 1; bit <= KEKE_ROLE_PROBED; bit <<= 1)
		if ((roles & bit) && rp_role_name(bit))
			n += (size_t)snprintf(buf + n, RP_FMT_MAX - n, "%s%s",
					      n ? sep : "", rp_role_name(bit));
	if (!n)
		snprintf(buf, RP_FMT_MAX, "-");
	return buf;
}

char *rp_fmt_seen(char *buf, int64_t traced, int64_t kernel)
{
	if (kernel <= 0) {
		snprintf(buf, RP_FMT_MAX, "-");
		return buf;
	}
	return rp_fmt_share(buf, traced > 0 ? (uint64_t)traced : 0,
			    (uint64_t)kernel);
}
