/* SPDX-License-Identifier: MIT */
/*
 * The kernel's I/O counters of this process (/proc/self/io), read at each
 * end of a process image (proc_io.c) and recorded on what ends it: the
 * PROCESS_END record, or the exec slice. The kernel keeps counting across
 * exec and, when the process reaps a child, adds the child's counters to
 * its own; so the last image's values are the process's total, its
 * children's included.
 */
#ifndef KEKE_PROC_IO_H
#define KEKE_PROC_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runtime/writer.h"

/* rchar, wchar, syscr, syscw, read_bytes, write_bytes,
 * cancelled_write_bytes: the keys KEKE_KEY_RCHAR and the six after it. */
#define KEKE_PROC_IO_N 7

struct keke_proc_io {
	unsigned have;			/* bit i: v[i] was read */
	int64_t v[KEKE_PROC_IO_N];
};

/* Upper bound of what keke_rec_proc_io adds to a record. */
#define KEKE_PROC_IO_MAX_LEN (KEKE_PROC_IO_N * (1 + KEKE_VARINT_MAX))

/*
 * Reads the counters into @io with raw system calls: no allocation, no
 * stdio, errno kept, no fd left open. When /proc/self/io cannot be read
 * (no /proc, no fd left under RLIMIT_NOFILE) @io has none (have 0).
 */
void keke_proc_io_read(struct keke_proc_io *io);

/* The counters in the @len bytes of /proc/self/io text at @text, into @io
 * (those it names; a line it does not know is skipped). */
void keke_proc_io_parse(const char *text, size_t len, struct keke_proc_io *io);

/* Adds the counters @io has to the record @r. */
static inline void keke_rec_proc_io(struct keke_rec *r,
				    const struct keke_proc_io *io)
{
	for (unsigned i = 0; i < KEKE_PROC_IO_N; i++)
		if (io->have & 1u << i)
			keke_rec_int(r, KEKE_KEY_RCHAR + i, io->v[i]);
}

#endif
