// SPDX-License-Identifier: MIT
/*
 * The run's W3C trace context: the span outside the run that its first
 * image continued (a remote parent, from TRACEPARENT when the run began),
 * with its trace flags and TRACESTATE, as metadata; each image's own span
 * is an arg of its slice and of its process (image.c, tree.c).
 */
#include "merge/trace_context.h"

#include <stdlib.h>
#include <string.h>

#include "record/trace_context.h"

int merge_context_begin(struct merge *m, const struct file_info *first)
{
	const struct file_info *found = NULL;
	char hex[17];

	for (size_t i = 0; i < m->nfiles; i++) {
		const struct file_info *f = &m->files[i];

		if (keke_id_is_zero(f->hdr.remote_parent_span_id, 8) ||
		    memcmp(f->hdr.trace_id, first->hdr.trace_id, 16))
			continue;
		if (!found || f->hdr.start.mono_ns < found->hdr.start.mono_ns)
			found = f;
	}
	m->context_file = found;
	if (!found)
		return 0;
	keke_hex_format(found->hdr.remote_parent_span_id, 8, hex);
	if (EACH_SINK(m, metadata, "remote_parent_span_id", hex, 0) ||
	    EACH_SINK(m, metadata, "trace_flags", NULL, found->hdr.trace_flags))
		return -1;
	return 0;
}

/* @f's bytes into @out (KEKE_BAD_TRACEPARENT_MAX), cut with "..." when
 * long, and what a terminal would act on shown as '?'. */
static void printable_copy(char *out, const struct keke_field *f)
{
	size_t room = KEKE_BAD_TRACEPARENT_MAX - 1, n = f->len;

	if (n > room)
		n = room - 3;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)f->s[i];

		out[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (n < f->len) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

void merge_context_process_start(struct merge *m, const struct image *im,
				 const struct keke_record *rec)
{
	const struct keke_field *bad = keke_record_str(rec,
						       KEKE_KEY_BAD_TRACEPARENT);

	if (bad && !m->stats->bad_traceparent[0])
		printable_copy(m->stats->bad_traceparent, bad);
	if (im->file == m->context_file && !m->trace_state)
		m->trace_state = merge_field_dup(rec, KEKE_KEY_TRACE_STATE,
						 NULL);
}

int merge_context_end(struct merge *m)
{
	if (m->trace_state &&
	    EACH_SINK(m, metadata, "trace_state", m->trace_state, 0))
		return -1;
	return 0;
}
