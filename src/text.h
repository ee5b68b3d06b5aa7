/* SPDX-License-Identifier: MIT */
/*
 * Building and reading short strings without stdio. Every traced process
 * image runs this at start-up, and every fork child too: snprintf and
 * sscanf would pull in pages of libc code and locale tables that the
 * program itself may never touch, and on a virtual machine each such page
 * costs a fault of 10 µs or more, in each process.
 */
#ifndef KEKE_TEXT_H
#define KEKE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A string being built in a fixed buffer. A part that does not fit is
 * left out whole and turns ok false; the buffer stays NUL-terminated. */
struct keke_text {
	char *p;
	char *end;	/* one past the last byte, which is kept for the NUL */
	bool ok;
};

static inline struct keke_text keke_text_start(char *buf, size_t size)
{
	struct keke_text t = { buf, buf + size - 1, size > 0 };

	if (size)
		*buf = '\0';
	return t;
}

/* Adds the @n bytes at @s. */
static inline void keke_text_add_n(struct keke_text *t, const char *s,
				   size_t n)
{
	if (!t->ok || n > (size_t)(t->end - t->p)) {
		t->ok = false;
		return;
	}
	memcpy(t->p, s, n);
	t->p += n;
	*t->p = '\0';
}

static inline void keke_text_add(struct keke_text *t, const char *s)
{
	keke_text_add_n(t, s, strlen(s));
}

static inline void keke_text_add_u64(struct keke_text *t, uint64_t v)
{
	char digits[21];
	char *d = digits + sizeof(digits) - 1;

	*d = '\0';
	do {
		*--d = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	keke_text_add(t, d);
}

static inline void keke_text_add_int(struct keke_text *t, int64_t v)
{
	if (v < 0) {
		keke_text_add(t, "-");
		keke_text_add_u64(t, 0 - (uint64_t)v);
		return;
	}
	keke_text_add_u64(t, (uint64_t)v);
}

/* Copies @src into @dst (@size > 0 bytes), cut to fit; false when cut. */
static inline bool keke_copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);
	bool whole = n < size;

	if (!whole)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return whole;
}

/*
 * Reads the decimal digits at *@s into *@v and moves *@s past them.
 * Returns false when there are none or the number overflows 64 bits.
 */
static inline bool keke_parse_u64(const char **s, uint64_t *v)
{
	const char *p = *s;
	uint64_t r = 0;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (r > (UINT64_MAX - d) / 10)
			return false;
		r = r * 10 + d;
	}
	*s = p;
	*v = r;
	return true;
}

#endif
