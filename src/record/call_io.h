/* SPDX-License-Identifier: MIT */
/*
 * Which way the bytes of a call go (call_io.c): the one place that knows
 * that a read reads, an fwrite writes and a copy_file_range does both,
 * for the merge (which sums bytes per file) and the report (which sums
 * them per call and per path).
 *
 * The bytes of a call are its result when it is >= 0 and the call did not
 * fail (the record contract makes every read-like and write-like result a
 * byte count, stdio's included), except for the calls marked
 * KEKE_IO_BYTES_IN_COUNT, whose result counts messages.
 */
#ifndef KEKE_RECORD_CALL_IO_H
#define KEKE_RECORD_CALL_IO_H

#include <stdbool.h>

enum keke_io {
	KEKE_IO_IN = 1,		/* reads its bytes from its fd ("path") */
	KEKE_IO_OUT = 2,	/* writes its bytes to its fd ("path") */
	KEKE_IO_COPY = 4,	/* reads them from fd_in ("path_in") and
				 * writes them to its fd ("path") */
	KEKE_IO_BYTES_IN_COUNT = 8, /* its bytes are its "count" field */
	KEKE_IO_KERNEL_COUNTED = 16, /* the kernel counts these bytes in
				 * its rchar/wchar (/proc/PID/io): the
				 * read and write family, what stdio reads
				 * and writes through them, sendfile and
				 * copy_file_range; not send/recv, splice,
				 * tee or vmsplice */
};

/* The KEKE_IO_* bits of call id @call (calls.def); 0: it moves no bytes
 * between a program and a file. */
unsigned keke_call_io(unsigned call);

/* The same for the call named @name as calls.def names it ("read",
 * "fwrite"); 0 for any other name. */
unsigned keke_call_io_named(const char *name);

/* Whether @io says the call moves bytes at all. */
static inline bool keke_io_moves(unsigned io)
{
	return io & (KEKE_IO_IN | KEKE_IO_OUT | KEKE_IO_COPY);
}

#endif
