/* SPDX-License-Identifier: MIT */
/*
 * The names each fd of an image had over time, for an image whose threads
 * the reader returns one after another (fd_history.c): a call is named by
 * what its fd was called at the moment it started, whatever thread changed
 * that and whenever that thread's records are read.
 */
#ifndef KEKE_MERGE_FD_HISTORY_H
#define KEKE_MERGE_FD_HISTORY_H

#include <stdint.h>

#include "merge/fd_table.h"

/* The key of the working directory's history. */
#define FD_HISTORY_CWD (-100)

struct fd_history;

struct fd_history *fd_history_new(void);

void fd_history_free(struct fd_history *h);

/*
 * Notes that from the moment (@t ns, @seq) on, @fd (or FD_HISTORY_CWD) is
 * named @name (a reference is taken; NULL: it has no name the merge
 * knows). Moments are noted in increasing order: by time, then by @seq,
 * the place among the image's fd-changing records of the one that made
 * the change.
 */
void fd_history_note(struct fd_history *h, int64_t fd, int64_t t,
		     uint32_t seq, struct fd_name *name);

/* The name @fd (or FD_HISTORY_CWD) had just before the moment (@t, @seq),
 * or NULL. */
const struct fd_name *fd_history_at(const struct fd_history *h, int64_t fd,
				    int64_t t, uint32_t seq);

#endif
