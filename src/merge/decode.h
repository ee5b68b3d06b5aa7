/* SPDX-License-Identifier: MIT */
/*
 * Integer args as a person reads them, the way strace shows them: flags
 * as names joined by '|' (O_WRONLY|O_CREAT|O_TRUNC) with the bits no name
 * covers in hex after them (O_RDONLY|0x40000000), enums by name
 * (SOCK_STREAM, SEEK_END, CLOCK_MONOTONIC, SIGTERM), modes in octal
 * (0644), wait statuses as what happened ("exited 3", "killed by SIGSEGV
 * (core dumped)"). Which decoding an arg gets depends on its call as much
 * as on its key: the flags of open, accept4 and renameat2 are three
 * different sets (decode.c).
 */
#ifndef KEKE_MERGE_DECODE_H
#define KEKE_MERGE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record/reader.h"
#include "record/record.h"

/* Room for any text merge_decode writes, with its NUL. */
#define MERGE_DECODE_MAX 512

/* The keys some call's integer decodes for (bit n: key n), so that the
 * merge asks only about those; "result" only system's and pclose's. */
#define MERGE_DECODE_KEYS						\
	(1ull << KEKE_KEY_STATUS | 1ull << KEKE_KEY_HOW |		\
	 1ull << KEKE_KEY_FLAGS | 1ull << KEKE_KEY_MODE |		\
	 1ull << KEKE_KEY_SIGNAL | 1ull << KEKE_KEY_OPTIONS |		\
	 1ull << KEKE_KEY_WHENCE | 1ull << KEKE_KEY_DOMAIN |		\
	 1ull << KEKE_KEY_TYPE | 1ull << KEKE_KEY_PROTOCOL |		\
	 1ull << KEKE_KEY_CMD | 1ull << KEKE_KEY_ARG |			\
	 1ull << KEKE_KEY_PROT | 1ull << KEKE_KEY_CLOCK)

/* Whether field @key of a record of @call may have a decoding: false for
 * the fields most records are made of (fd, count, result), at the cost
 * of a test. */
static inline bool merge_may_decode(unsigned call, unsigned key)
{
	if (key == KEKE_KEY_RESULT)
		return call == KEKE_CALL_SYSTEM || call == KEKE_CALL_PCLOSE;
	return key < 64 && (MERGE_DECODE_KEYS >> key & 1);
}

/*
 * Writes into @buf (@size bytes) the text of @value, the integer field
 * @key (keys.def) of a record of call @call (calls.def), NUL terminated.
 * @rec, the whole record, is what a decoding that depends on another of
 * its fields reads (socket's protocol depends on its domain, fcntl's
 * argument on its command); NULL reads as a record without them.
 * Returns the text's length, or 0 when the value has no decoding (a key
 * that is a plain number, such as fd or count; a value no name fits; a
 * text longer than @size): the number is then the best way to show it.
 */
size_t merge_decode(unsigned call, unsigned key, int64_t value,
		    const struct keke_record *rec, char *buf, size_t size);

#endif
