/* SPDX-License-Identifier: MIT */
/*
 * Strings from a trace (paths, argv, names) shown to a person: on a
 * terminal, their control bytes would be obeyed, not shown (an ESC starts
 * a sequence that recolours, moves the cursor or retitles the window).
 * Escaped, every byte stays visible and nothing is obeyed:
 *
 *	- printable ASCII and well-formed UTF-8 are copied, but for '\',
 *	  written "\\";
 *	- tab, newline and carriage return are written "\t", "\n", "\r";
 *	- the other control bytes (0x00-0x1f, 0x7f), each byte of a C1
 *	  control (U+0080-U+009F, which some terminals obey too), and each
 *	  byte that is not part of a well-formed UTF-8 sequence are written
 *	  "\xHH".
 *
 * So "a\x1b[31mb\a" is shown as a\x1b[31mb\x07, and the escaped text is
 * always valid UTF-8.
 */
#ifndef KEKE_TTY_H
#define KEKE_TTY_H

#include <stddef.h>
#include <stdio.h>

/* The longest escaped unit: a 4-byte sequence as "\xHH" four times. */
#define KEKE_TTY_UNIT_MAX 16

/*
 * Escapes the unit at @s (a byte, or a well-formed UTF-8 sequence; @s is
 * not at its terminating NUL) into @out (KEKE_TTY_UNIT_MAX bytes, not NUL
 * terminated). Returns how many bytes of @s it took; *@n: bytes written.
 */
size_t keke_tty_unit(const char *s, char *out, size_t *n);

/* The bytes @s takes once escaped. */
size_t keke_tty_len(const char *s);

/* Writes @s escaped to @f, whole units only, @max bytes at most (SIZE_MAX:
 * all). Returns the bytes written. */
size_t keke_tty_put(FILE *f, const char *s, size_t max);

#endif
