/* SPDX-License-Identifier: MIT */
/*
 * How the report's writers show numbers to people: byte counts, times of
 * day, exit statuses and histogram buckets. Each writes into a
 * caller's buffer (RP_FMT_MAX bytes is always enough) and returns it.
 */
#ifndef KEKE_REPORT_FMT_H
#define KEKE_REPORT_FMT_H

#include <stddef.h>
#include <stdint.h>

#include "common/fmt_dur.h"	/* durations: keke_fmt_dur() */
#include "report/report.h"

#define RP_FMT_MAX 64

/* "0 B", "512 B", "1.50 KiB", "12.0 MiB" ... */
char *rp_fmt_bytes(char *buf, int64_t bytes);

/* A count with thousands separated by commas: "1,234,567". */
char *rp_fmt_count(char *buf, uint64_t n);

/* The monotonic time @mono_ns as local wall time "2026-11-23 10:00:05.123"
 * when the trace has a realtime offset, else as "+12.345 s" from the
 * trace's start. */
char *rp_fmt_time(char *buf, const struct keke_report *r, int64_t mono_ns);

/* A bound of the window as rp_fmt_time shows it, or "start" (INT64_MIN)
 * or "end" (INT64_MAX) when it is open. */
char *rp_fmt_bound(char *buf, const struct keke_report *r, int64_t mono_ns);

/* "SIGKILL" (or "signal 77"). */
char *rp_fmt_signal(char *buf, int sig);

/* The upper bound of log2 bucket @k as a byte size: "1 B", "2 B", ...
 * "1 KiB", ... "16 EiB" (bucket 64). */
char *rp_fmt_bucket(char *buf, unsigned k);

/* A percentage of @part in @whole: "100%", "37%", "0.5%". */
char *rp_fmt_share(char *buf, uint64_t part, uint64_t whole);

/* The name of role @bit (KEKE_ROLE_READ ...): "read", "wrote",
 * "created", "removed", "missing", "probed"; NULL for another bit. */
const char *rp_role_name(unsigned bit);

/* The names of @roles joined by @sep ("read,wrote"), "-" for none. */
char *rp_fmt_roles(char *buf, unsigned roles, const char *sep);

/* What share of the kernel's count @kernel keke's @traced is ("97%"), or
 * "-" when the kernel counted nothing. */
char *rp_fmt_seen(char *buf, int64_t traced, int64_t kernel);

#endif
