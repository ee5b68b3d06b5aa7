// SPDX-License-Identifier: MIT
#include "common/json_escape.h"
#include "common/utf8.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

/* Input is escaped in pieces of this many bytes, each with its worst case
 * (six output bytes per input byte) reserved up front. */
#define ESCAPE_CHUNK 4096
#define ESCAPE_MAX_PER_BYTE 6

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

enum byte_class {
	BYTE_PLAIN = 0,		/* printable ASCII, copied */
	BYTE_ESCAPE,		/* '"', '\', controls, DEL */
	BYTE_HIGH,		/* 0x80..0xff: start of UTF-8, or invalid */
};

static const unsigned char byte_class[256] = {
	[0x00 ... 0x1f] = BYTE_ESCAPE,
	['"'] = BYTE_ESCAPE,
	['\\'] = BYTE_ESCAPE,
	[0x7f] = BYTE_ESCAPE,
	[0x80 ... 0xff] = BYTE_HIGH,
};

/* The letter of the two-character escape of a byte, or 0 for \u00XX. */
static const char short_escape[128] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f', ['\r'] = 'r',
	['"'] = '"', ['\\'] = '\\',
};

int keke_jbuf_grow(struct keke_jbuf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (n > SIZE_MAX / 2 - b->len) {
		errno = ENOMEM;
		return -1;
	}
	while (cap - b->len < n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

void keke_jbuf_free(struct keke_jbuf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = 0;
	b->cap = 0;
}

/*
 * Whether any of the 8 bytes in @x needs more than a copy: a byte below
 * 0x20, at or above 0x7f, a '"' or a '\'. Each test is exact as a whole
 * word (a borrow or carry only ever spreads from a byte that matched).
 */
static inline bool word_is_special(uint64_t x)
{
	uint64_t high = (x + ONES) | x;			/* >= 0x7f */
	uint64_t low = (x - 0x20 * ONES) & ~x;		/* < 0x20 */
	uint64_t q = x ^ ('"' * ONES);
	uint64_t bs = x ^ ('\\' * ONES);

	q = (q - ONES) & ~q;
	bs = (bs - ONES) & ~bs;
	return (high | low | q | bs) & HIGHS;
}

/* Writes the escape of ASCII byte @c at @o; returns the bytes written. */
static inline size_t escape_ascii(char *o, unsigned c)
{
	static const char hex[] = "0123456789abcdef";

	o[0] = '\\';
	if (short_escape[c]) {
		o[1] = short_escape[c];
		return 2;
	}
	o[1] = 'u';
	o[2] = '0';
	o[3] = '0';
	o[4] = hex[c >> 4];
	o[5] = hex[c & 0xf];
	return 6;
}

/*
 * Escapes the bytes from *@pp to @stop into @o, the room for them
 * reserved; a UTF-8 sequence that starts before @stop may end after it,
 * up to @end. Advances *@pp past what it took; returns the end of what it
 * wrote.
 */
static char *escape_chunk(const unsigned char **pp, const unsigned char *stop,
			  const unsigned char *end, char *o)
{
	const unsigned char *p = *pp;

	while (p < stop) {
		unsigned c;
		size_t len;

		/* Plain ASCII, eight bytes at a time. */
		while (stop - p >= 8) {
			uint64_t x;

			memcpy(&x, p, 8);
			if (word_is_special(x))
				break;
			memcpy(o, p, 8);
			o += 8;
			p += 8;
		}
		if (p >= stop)
			break;
		c = *p;
		switch (byte_class[c]) {
		case BYTE_PLAIN:
			*o++ = (char)c;
			p++;
			break;
		case BYTE_ESCAPE:
			o += escape_ascii(o, c);
			p++;
			break;
		default:
			len = keke_utf8_seq_len(p, (size_t)(end - p));
			if (len) {
				memcpy(o, p, len);
				o += len;
				p += len;
			} else {
				memcpy(o, "\\ufffd", 6);
				o += 6;
				p++;
			}
			break;
		}
	}
	*pp = p;
	return o;
}

int keke_json_escape(struct keke_jbuf *b, const void *s, size_t n)
{
	const unsigned char *p = s;
	const unsigned char *end = p + n;

	while (p < end) {
		size_t chunk = (size_t)(end - p);
		char *o;

		if (chunk > ESCAPE_CHUNK)
			chunk = ESCAPE_CHUNK;
		/* A sequence may run up to 3 bytes past stop: slack of 8. */
		if (keke_jbuf_reserve(b, chunk * ESCAPE_MAX_PER_BYTE + 8))
			return -1;
		o = escape_chunk(&p, p + chunk, end, b->p + b->len);
		b->len = (size_t)(o - b->p);
	}
	return 0;
}
