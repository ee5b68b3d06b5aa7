/* SPDX-License-Identifier: MIT */
/* One record file, one process image (image.c). */
#ifndef KEKE_MERGE_IMAGE_H
#define KEKE_MERGE_IMAGE_H

#include "merge/model.h"

/*
 * Reads the file @f (@next: the same pid's next file, or NULL) and sends
 * its slices, the one spanning the image last; the image joins its pid's
 * previous one when that one exec'd into it, else starts a process. A file
 * that cannot be opened is reported and left out. Returns 0, or -1
 * (m->err set) when the merge cannot go on.
 */
int merge_file(struct merge *m, const struct file_info *f,
	       const struct file_info *next);

#endif
