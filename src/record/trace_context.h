/* SPDX-License-Identifier: MIT */
/*
 * W3C Trace Context (https://www.w3.org/TR/trace-context/) as keke meets
 * it in the environment: TRACEPARENT names the span a run was started
 * from, and, when asked, each traced image's own span for the program.
 * Shared by `keke run` and libkeke.so; allocates nothing and calls no
 * libc string function (libkeke.so runs it at start-up).
 */
#ifndef KEKE_TRACE_CONTEXT_H
#define KEKE_TRACE_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "00-" 32 hex "-" 16 hex "-" 2 hex: the length of a version 00 value. */
#define KEKE_TRACEPARENT_LEN 55
/* The flags keke gives when no TRACEPARENT came in: sampled. */
#define KEKE_TRACE_FLAGS_DEFAULT 0x01

struct keke_traceparent {
	uint8_t trace_id[16];
	uint8_t span_id[8];	/* the parent-id field */
	uint8_t flags;
};

/*
 * Parses the TRACEPARENT value @s strictly: version 00 is exactly
 * "00-<32 hex>-<16 hex>-<2 hex>" in lowercase hex; a later version has
 * those four fields first and, when longer, a '-' after them; version ff,
 * an all-zero trace id or span id, and anything else is refused. Returns
 * true and fills @tp when @s is valid; else leaves @tp alone.
 */
bool keke_traceparent_parse(const char *s, struct keke_traceparent *tp);

/* Writes "00-<trace id>-<span id>-<flags>" and a NUL into @buf
 * (KEKE_TRACEPARENT_LEN + 1 bytes). */
void keke_traceparent_format(char *buf, const uint8_t trace_id[16],
			     const uint8_t span_id[8], uint8_t flags);

/* @n bytes of @id as 2 * @n lowercase hex digits and a NUL into @hex. */
void keke_hex_format(const uint8_t *id, size_t n, char *hex);

/* How keke_hex_parse reads: the digits must be followed by the string's
 * end; uppercase digits are taken too (W3C's fields are lowercase). */
#define KEKE_HEX_WHOLE 1u
#define KEKE_HEX_ANY_CASE 2u

/* Reads 2 * @n hex digits of @hex (@n at most 32) into @id, as @how
 * (KEKE_HEX_*) says. Returns false, @id untouched, on anything else. */
bool keke_hex_parse(const char *hex, size_t n, unsigned how, uint8_t *id);

/* Whether the @n bytes of @id are all zero (an invalid W3C id). */
bool keke_id_is_zero(const uint8_t *id, size_t n);

#endif
