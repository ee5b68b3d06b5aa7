/* SPDX-License-Identifier: MIT */
/*
 * The protobuf wire format, written by hand: varints, tags, fixed64 and
 * length-delimited fields into a growing byte buffer. Enough for the
 * messages keke writes (Perfetto's TracePacket, OpenTelemetry's spans)
 * without generated code.
 *
 * A nested message is opened with pb_begin(), which leaves one byte for
 * its length, and closed with pb_end(), which writes the length there and
 * moves the message when the length takes more bytes. Out of memory makes
 * the buffer "failed": later writes do nothing and pb_failed() says so.
 */
#ifndef KEKE_PROTOBUF_H
#define KEKE_PROTOBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct pb_buf {
	uint8_t *p;
	size_t len, cap;
	bool failed;
};

/* Wire types. */
enum {
	PB_VARINT = 0,
	PB_FIXED64 = 1,
	PB_LEN = 2,
	PB_FIXED32 = 5,
};

/* Makes room for @n more bytes; false (and failed) when memory runs out. */
bool pb_reserve_slow(struct pb_buf *b, size_t n);

static inline bool pb_reserve(struct pb_buf *b, size_t n)
{
	if (b->cap - b->len >= n && !b->failed)
		return true;
	return pb_reserve_slow(b, n);
}

/* Bytes a varint of @v takes. */
static inline size_t pb_varint_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* @v as a varint at @o (room for 10 bytes); returns the bytes written. */
static inline size_t pb_put_varint_at(uint8_t *o, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		o[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	o[n++] = (uint8_t)v;
	return n;
}

static inline void pb_varint(struct pb_buf *b, uint64_t v)
{
	if (pb_reserve(b, 10))
		b->len += pb_put_varint_at(b->p + b->len, v);
}

static inline void pb_tag(struct pb_buf *b, unsigned field, unsigned wire)
{
	pb_varint(b, (uint64_t)field << 3 | wire);
}

/* Field @field of type (u)int32/64, bool or enum. Negative int64 values
 * take ten bytes, as the format says. */
static inline void pb_uint(struct pb_buf *b, unsigned field, uint64_t v)
{
	pb_tag(b, field, PB_VARINT);
	pb_varint(b, v);
}

static inline void pb_int(struct pb_buf *b, unsigned field, int64_t v)
{
	pb_uint(b, field, (uint64_t)v);
}

static inline void pb_fixed64(struct pb_buf *b, unsigned field, uint64_t v)
{
	pb_tag(b, field, PB_FIXED64);
	if (!pb_reserve(b, 8))
		return;
	for (int i = 0; i < 8; i++)
		b->p[b->len++] = (uint8_t)(v >> (8 * i));
}

static inline void pb_fixed32(struct pb_buf *b, unsigned field, uint32_t v)
{
	pb_tag(b, field, PB_FIXED32);
	if (!pb_reserve(b, 4))
		return;
	for (int i = 0; i < 4; i++)
		b->p[b->len++] = (uint8_t)(v >> (8 * i));
}

static inline void pb_double(struct pb_buf *b, unsigned field, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, sizeof(bits));
	pb_fixed64(b, field, bits);
}

/* Field @field of type bytes or string: @n bytes of @s. */
static inline void pb_bytes(struct pb_buf *b, unsigned field, const void *s,
			    size_t n)
{
	pb_tag(b, field, PB_LEN);
	pb_varint(b, n);
	if (n && pb_reserve(b, n)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

static inline void pb_str(struct pb_buf *b, unsigned field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

/* Field @field of type string from @n bytes of @s that may not be UTF-8
 * (proto3 requires it): each byte that is not well-formed UTF-8 becomes
 * U+FFFD. */
void pb_text(struct pb_buf *b, unsigned field, const char *s, size_t n);

/* Opens the message field @field; returns where it starts, for pb_end(). */
static inline size_t pb_begin(struct pb_buf *b, unsigned field)
{
	pb_tag(b, field, PB_LEN);
	if (pb_reserve(b, 1))
		b->p[b->len++] = 0;
	return b->len;
}

/* Closes the message opened at @start (pb_begin's return). */
void pb_end_slow(struct pb_buf *b, size_t start, size_t n);

static inline void pb_end(struct pb_buf *b, size_t start)
{
	size_t n;

	if (b->failed)
		return;
	n = b->len - start;
	if (n < 0x80)
		b->p[start - 1] = (uint8_t)n;
	else
		pb_end_slow(b, start, n);
}

/* Appends @n bytes of already encoded fields. */
static inline void pb_raw(struct pb_buf *b, const void *s, size_t n)
{
	if (n && pb_reserve(b, n)) {
		memcpy(b->p + b->len, s, n);
		b->len += n;
	}
}

static inline bool pb_failed(const struct pb_buf *b)
{
	return b->failed;
}

void pb_free(struct pb_buf *b);

#endif
