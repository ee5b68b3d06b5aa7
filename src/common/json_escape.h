/* SPDX-License-Identifier: MIT */
/*
 * JSON string escaping into a growable byte buffer.
 *
 * keke_json_escape() turns any byte string (NULs and invalid UTF-8
 * included) into the body of a JSON string literal that is always valid
 * UTF-8 and valid JSON:
 *
 *	- well-formed UTF-8 sequences are copied as they are;
 *	- '"' and '\' are escaped, and so are the control characters
 *	  0x00-0x1f and 0x7f (\b \t \n \f \r where JSON has a short form,
 *	  \u00XX otherwise);
 *	- every byte that is not part of a well-formed sequence (a stray
 *	  continuation byte, a truncated sequence, an overlong form, an
 *	  encoded surrogate U+D800..U+DFFF, a code point above U+10FFFF,
 *	  0xc0, 0xc1, 0xf5..0xff) becomes one U+FFFD, written "\ufffd".
 *
 * Runs of plain ASCII are copied eight bytes at a time.
 */
#ifndef KEKE_JSON_ESCAPE_H
#define KEKE_JSON_ESCAPE_H

#include <stddef.h>
#include <string.h>

struct keke_jbuf {
	char *p;		/* the bytes, not NUL terminated */
	size_t len;		/* bytes used */
	size_t cap;		/* bytes allocated */
};

/*
 * Grows @b so that @n more bytes fit. Returns 0, or -1 with errno ENOMEM
 * and @b unchanged.
 */
int keke_jbuf_grow(struct keke_jbuf *b, size_t n);

/* Makes room for @n more bytes: 0, or -1 (ENOMEM, @b unchanged). */
static inline int keke_jbuf_reserve(struct keke_jbuf *b, size_t n)
{
	if (b->cap - b->len >= n)
		return 0;
	return keke_jbuf_grow(b, n);
}

/* Appends @n bytes of @s as they are: 0, or -1 (ENOMEM, @b unchanged). */
static inline int keke_jbuf_put(struct keke_jbuf *b, const void *s, size_t n)
{
	if (!n)
		return 0;
	if (keke_jbuf_reserve(b, n))
		return -1;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

/* Frees the bytes of @b and empties it. */
void keke_jbuf_free(struct keke_jbuf *b);

/*
 * Appends the @n bytes at @s to @b as the body of a JSON string (without
 * the surrounding quotes), escaped as described above.
 * Returns 0, or -1 with errno ENOMEM, in which case @b may hold part of
 * the escaped string (b->len tells how much) but stays valid.
 */
int keke_json_escape(struct keke_jbuf *b, const void *s, size_t n);

#endif
