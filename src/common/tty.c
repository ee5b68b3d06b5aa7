// SPDX-License-Identifier: MIT
/*
 * Escaping strings for a terminal (tty.h).
 */
#include "common/tty.h"

/* The length of the well-formed UTF-8 sequence at @s (2 to 4), or 0. */
static size_t utf8_seq(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* "\xHH" for byte @c into @out. */
static size_t hex_byte(unsigned char c, char *out)
{
	static const char digits[] = "0123456789abcdef";

	out[0] = '\\';
	out[1] = 'x';
	out[2] = digits[c >> 4];
	out[3] = digits[c & 15];
	return 4;
}

size_t keke_tty_unit(const char *s, char *out, size_t *n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;

	if (u[0] >= 0x20 && u[0] < 0x7f) {
		if (u[0] == '\\') {
			out[0] = out[1] = '\\';
			*n = 2;
		} else {
			out[0] = s[0];
			*n = 1;
		}
		return 1;
	}
	if (u[0] == '\t' || u[0] == '\n' || u[0] == '\r') {
		out[0] = '\\';
		out[1] = u[0] == '\t' ? 't' : u[0] == '\n' ? 'n' : 'r';
		*n = 2;
		return 1;
	}
	len = utf8_seq(u);
	if (!len) {
		*n = hex_byte(u[0], out);
		return 1;
	}
	/* U+0080..U+009F: C1 controls. */
	if (u[0] == 0xc2 && u[1] <= 0x9f) {
		*n = hex_byte(u[0], out);
		*n += hex_byte(u[1], out + *n);
		return 2;
	}
	for (size_t i = 0; i < len; i++)
		out[i] = s[i];
	*n = len;
	return len;
}

size_t keke_tty_len(const char *s)
{
	char unit[KEKE_TTY_UNIT_MAX];
	size_t total = 0, n;

	while (*s) {
		s += keke_tty_unit(s, unit, &n);
		total += n;
	}
	return total;
}

size_t keke_tty_put(FILE *f, const char *s, size_t max)
{
	char unit[KEKE_TTY_UNIT_MAX];
	size_t total = 0, n;

	while (*s) {
		size_t took = keke_tty_unit(s, unit, &n);

		if (n > max - total)
			break;
		fwrite(unit, 1, n, f);
		total += n;
		s += took;
	}
	return total;
}
