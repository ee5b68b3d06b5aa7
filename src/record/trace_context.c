// SPDX-License-Identifier: MIT
/*
 * W3C Trace Context's TRACEPARENT: parsing and formatting (trace_context.h).
 * Loops rather than libc's string functions: libkeke.so runs this in
 * every traced image at start-up (preload/runtime/text.h says why).
 */
#include "record/trace_context.h"

#include "record/once.h"

static const char hex_digits[] = "0123456789abcdef";

/* The value of the hex digit @c (lowercase unless @any_case), or -1. */
static KEKE_ONCE int hex_value(char c, bool any_case)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (any_case && c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

KEKE_ONCE bool keke_hex_parse(const char *hex, size_t n, unsigned how,
			      uint8_t *id)
{
	bool any_case = how & KEKE_HEX_ANY_CASE;
	uint8_t out[32];

	if (!hex || n > sizeof(out))
		return false;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_value(hex[2 * i], any_case);
		int lo = hi < 0 ? -1 : hex_value(hex[2 * i + 1], any_case);

		if (lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	if ((how & KEKE_HEX_WHOLE) && hex[2 * n])
		return false;
	for (size_t i = 0; i < n; i++)
		id[i] = out[i];
	return true;
}

KEKE_ONCE void keke_hex_format(const uint8_t *id, size_t n, char *hex)
{
	for (size_t i = 0; i < n; i++) {
		hex[2 * i] = hex_digits[id[i] >> 4];
		hex[2 * i + 1] = hex_digits[id[i] & 15];
	}
	hex[2 * n] = '\0';
}

KEKE_ONCE bool keke_id_is_zero(const uint8_t *id, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (id[i])
			return false;
	return true;
}

KEKE_ONCE bool keke_traceparent_parse(const char *s,
				      struct keke_traceparent *tp)
{
	struct keke_traceparent got;
	uint8_t version;

	if (!s || !keke_hex_parse(s, 1, 0, &version) || version == 0xff ||
	    s[2] != '-' || !keke_hex_parse(s + 3, 16, 0, got.trace_id) ||
	    s[35] != '-' || !keke_hex_parse(s + 36, 8, 0, got.span_id) ||
	    s[52] != '-' || !keke_hex_parse(s + 53, 1, 0, &got.flags))
		return false;
	/* Version 00 ends there; a later one may go on after a '-'. */
	if (s[KEKE_TRACEPARENT_LEN] &&
	    (version == 0 || s[KEKE_TRACEPARENT_LEN] != '-'))
		return false;
	if (keke_id_is_zero(got.trace_id, 16) || keke_id_is_zero(got.span_id, 8))
		return false;
	*tp = got;
	return true;
}

KEKE_ONCE void keke_traceparent_format(char *buf, const uint8_t trace_id[16],
				       const uint8_t span_id[8], uint8_t flags)
{
	buf[0] = '0';
	buf[1] = '0';
	buf[2] = '-';
	keke_hex_format(trace_id, 16, buf + 3);
	buf[35] = '-';
	keke_hex_format(span_id, 8, buf + 36);
	buf[52] = '-';
	keke_hex_format(&flags, 1, buf + 53);
}
