/* SPDX-License-Identifier: MIT */
/* Well-formed UTF-8 (Unicode table 3-7), for outputs whose strings must be. */
#ifndef KEKE_UTF8_H
#define KEKE_UTF8_H

#include <stddef.h>

/*
 * Length of the well-formed UTF-8 sequence (Unicode table 3-7) that starts
 * at @s, given @n > 0 bytes available, or 0 when the first byte does not
 * start one: a continuation byte, C0, C1, F5..FF, an overlong form, a
 * surrogate, a code point above U+10FFFF or a truncated sequence.
 */
static inline size_t keke_utf8_seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	unsigned lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong below U+0800 */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates U+D800..U+DFFF */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong below U+10000 */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* Bytes of @s (@n of them) before the first that is not well-formed
 * UTF-8: @n when all are. */
static inline size_t keke_utf8_valid_len(const void *s, size_t n)
{
	const unsigned char *p = s;
	size_t i = 0;

	while (i < n) {
		size_t len = p[i] < 0x80 ? 1 : keke_utf8_seq_len(p + i, n - i);

		if (!len)
			break;
		i += len;
	}
	return i;
}

#endif
