// SPDX-License-Identifier: MIT
/* The protobuf wire format's slow paths: growing the buffer, a nested
 * message whose length needs more than one byte, text made UTF-8. */
#include "common/protobuf.h"

#include <stdlib.h>

#include "common/utf8.h"

bool pb_reserve_slow(struct pb_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 256;
	uint8_t *p;

	if (b->failed)
		return false;
	while (cap - b->len < n) {
		if (cap > SIZE_MAX / 2) {
			b->failed = true;
			return false;
		}
		cap *= 2;
	}
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void pb_end_slow(struct pb_buf *b, size_t start, size_t n)
{
	size_t extra = pb_varint_size(n) - 1;

	if (!pb_reserve(b, extra))
		return;
	memmove(b->p + start + extra, b->p + start, n);
	pb_put_varint_at(b->p + start - 1, n);
	b->len += extra;
}

void pb_text(struct pb_buf *b, unsigned field, const char *s, size_t n)
{
	size_t ok = keke_utf8_valid_len(s, n);
	size_t start;

	if (ok == n) {
		pb_bytes(b, field, s, n);
		return;
	}
	start = pb_begin(b, field);
	while (n) {
		pb_raw(b, s, ok);
		s += ok;
		n -= ok;
		if (n) {
			pb_raw(b, "\xef\xbf\xbd", 3);
			s++;
			n--;
		}
		ok = keke_utf8_valid_len(s, n);
	}
	pb_end(b, start);
}

void pb_free(struct pb_buf *b)
{
	free(b->p);
	*b = (struct pb_buf){ 0 };
}
