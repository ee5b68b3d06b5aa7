/* SPDX-License-Identifier: MIT */
/*
 * Encoding of a record's fields (see record.h): zigzag LEB128 varints and
 * length-prefixed strings. Shared by the writer and the reader.
 */
#ifndef KEKE_FIELDS_H
#define KEKE_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#define KEKE_VARINT_MAX 10	/* bytes of the longest 64-bit varint */

static inline uint64_t keke_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t keke_unzigzag(uint64_t u)
{
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* Writes @v at @p; returns the byte after it. */
static inline uint8_t *keke_put_varint(uint8_t *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*p++ = (uint8_t)v;
	return p;
}

/*
 * Reads a varint from [*pp, end) into *v and advances *pp.
 * Returns 0, or -1 (and leaves *pp) when it runs past @end or is longer
 * than 10 bytes.
 */
static inline int keke_get_varint(const uint8_t **pp, const uint8_t *end,
				  uint64_t *v)
{
	const uint8_t *p = *pp;
	uint64_t r = 0;

	for (unsigned shift = 0; shift < 70; shift += 7) {
		if (p >= end)
			return -1;
		uint8_t b = *p++;
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			*pp = p;
			return 0;
		}
	}
	return -1;
}

#endif
