// SPDX-License-Identifier: MIT
/*
 * The kernel's I/O counters of a process (/proc/PID/io), as libkeke.so
 * read them at each end of an image: on its PROCESS_END record, or on the
 * exec slice that ended it. The process's row takes the last image's; the
 * report sets them beside the bytes keke's calls account for.
 */
#include "merge/kernel_io.h"

#define NCOUNTERS 7	/* KEKE_KEY_RCHAR ... KEKE_KEY_CANCELLED_WRITE_BYTES */

/* Whether @rec has the integer field @key. */
static bool has_int(const struct keke_record *rec, unsigned key)
{
	const struct keke_field *f = keke_record_field(rec, key);

	return f && !f->is_str;
}

void merge_kernel_io(struct proc *p, const struct keke_record *rec,
		     int64_t ts)
{
	if (rec->type == KEKE_REC_SLICE &&
	    (rec->name != KEKE_CALL_EXEC || rec->err))
		return;
	/* rchar and wchar are what the report needs; a file whose image
	 * could not read them has none. */
	if (!has_int(rec, KEKE_KEY_RCHAR) || !has_int(rec, KEKE_KEY_WCHAR) ||
	    (p->has_io && ts < p->io_ts))
		return;
	for (unsigned i = 0; i < NCOUNTERS; i++)
		p->io[i] = has_int(rec, KEKE_KEY_RCHAR + i) ?
			   keke_record_int(rec, KEKE_KEY_RCHAR + i, 0) : 0;
	p->io_ts = ts;
	p->has_io = true;
}

void merge_kernel_io_out(const struct proc *p, struct keke_process *out)
{
	out->has_io = p->has_io;
	out->io_ts = p->io_ts;
	out->io_rchar = p->io[0];
	out->io_wchar = p->io[1];
	out->io_syscr = p->io[2];
	out->io_syscw = p->io[3];
	out->io_read_bytes = p->io[4];
	out->io_write_bytes = p->io[5];
	out->io_cancelled_write_bytes = p->io[6];
	out->traced_rchar = p->traced_rchar;
	out->traced_wchar = p->traced_wchar;
}
