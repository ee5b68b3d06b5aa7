/* SPDX-License-Identifier: MIT */
/* Call stacks (stacks.c). */
#ifndef KEKE_MERGE_STACKS_H
#define KEKE_MERGE_STACKS_H

#include <stdint.h>

#include "merge/model.h"

/* MODULE and STACK records of @im; 0 or -1 (m->err set). */
int merge_module_record(struct merge *m, struct image *im,
			const struct keke_record *rec);
int merge_stack_record(struct merge *m, struct image *im,
		       const struct keke_record *rec);

/* Gives @slice the callsite and text of @im's stack @stack_id. */
void merge_slice_stack(const struct image *im, int64_t stack_id,
		       struct keke_slice *slice);

/* Frees what @im's stacks hold, and what the whole merge's do. */
void merge_image_stacks_free(struct image *im);
void merge_stacks_free(struct merge *m);

#endif
