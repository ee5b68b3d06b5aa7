/* SPDX-License-Identifier: MIT */
/* What each call does to its process's fds, as operations (fd_calls.c). */
#ifndef KEKE_MERGE_FD_CALLS_H
#define KEKE_MERGE_FD_CALLS_H

#include <stdbool.h>
#include <stdint.h>

#include "merge/fd_ops.h"
#include "record/fd_changes.h"
#include "record/reader.h"

/* The most operations one record makes. */
#define FD_OPS_MAX 4

/* Whether a record with this head (type and call; its fields are not
 * needed) may change fds, the working directory, or hand them down. */
static inline bool fd_record_changes(const struct keke_record *head)
{
	if (head->type == KEKE_REC_SLICE)
		return keke_call_changes_fds(head->name);
	return head->type == KEKE_REC_PROCESS_START;
}

/*
 * Reads into @ops (FD_OPS_MAX) the operations of @rec, a call that began
 * at @start ns and ended at @end ns; their strings point into @rec.
 * Returns how many.
 */
unsigned fd_ops_of(const struct keke_record *rec, int64_t start, int64_t end,
		   struct fd_op *ops);

#endif
