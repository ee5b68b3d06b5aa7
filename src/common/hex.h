/* SPDX-License-Identifier: MIT */
/* Hex digits, as ids and URL escapes write them. */
#ifndef KEKE_HEX_H
#define KEKE_HEX_H

/* The value of hex digit @c (either case), or -1 when it is none. */
static inline int keke_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
