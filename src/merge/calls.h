/* SPDX-License-Identifier: MIT */
/* The slice of a call (calls.c). */
#ifndef KEKE_MERGE_CALLS_H
#define KEKE_MERGE_CALLS_H

#include <stdint.h>

#include "merge/model.h"

/*
 * Sends the slice of the call record @rec, at @ts on thread @t of image
 * @im, and notes what it tells the tree. Returns 0 or -1 (m->err set).
 */
int merge_call_slice(struct merge *m, struct image *im, struct thr *t,
		     const struct keke_record *rec, int64_t ts);

#endif
