/* SPDX-License-Identifier: MIT */
/* The records of the annotation API, and where slices nest (user.c). */
#ifndef KEKE_MERGE_USER_H
#define KEKE_MERGE_USER_H

#include <stdint.h>

#include "merge/model.h"

/* Sets the depth and parent of @s, a slice of thread @t: inside the
 * thread's innermost open user span, else the image's slice on the main
 * thread. */
void merge_place(struct merge *m, const struct image *im,
		 const struct thr *t, struct keke_slice *s);

/* A record of the annotation API (span, arg, instant, counter, flow).
 * Returns 0 or -1 (m->err set). */
int merge_user_record(struct merge *m, struct image *im, struct thr *t,
		      const struct keke_record *rec, int64_t ts);

/* Ends the spans the image left open, at its end. */
int merge_close_spans(struct merge *m, struct image *im);

/* Frees @t's spans, open ones too (a merge that stopped midway). */
void merge_free_spans(struct thr *t);

#endif
