/* SPDX-License-Identifier: MIT */
/*
 * Building and reading short strings without stdio, nor even libc's string
 * functions. Every traced process image runs this at start-up, and every
 * fork child too: snprintf and sscanf would pull in pages of libc code and
 * locale tables that the program itself may never touch, and each such
 * page costs a fault in each process, dear on a virtual machine
 * (docs/performance.md).
 * A fork child pays that even for strlen and memcpy, which its parent had
 * mapped: fork copies no page table entries of file mappings, so the
 * child faults libc's code in again, 64 KiB at a time, wherever it calls.
 * The loops here touch only the caller's pages. (libkeke.so is built with
 * -fno-tree-loop-distribute-patterns, which keeps GCC from turning them
 * back into calls.)
 */
#ifndef KEKE_TEXT_H
#define KEKE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline size_t keke_cstr_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static inline bool keke_starts_with(const char *s, const char *prefix)
{
	while (*prefix)
		if (*s++ != *prefix++)
			return false;
	return true;
}

static inline bool keke_same_bytes(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

static inline void keke_copy_bytes(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
}

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
	keke_copy_bytes(t->p, s, n);
	t->p += n;
	*t->p = '\0';
}

static inline void keke_text_add(struct keke_text *t, const char *s)
{
	keke_text_add_n(t, s, keke_cstr_len(s));
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
	size_t n = keke_cstr_len(src);
	bool whole = n < size;

	if (!whole)
		n = size - 1;
	keke_copy_bytes(dst, src, n);
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
