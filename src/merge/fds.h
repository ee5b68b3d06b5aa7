/* SPDX-License-Identifier: MIT */
/*
 * What each fd of a process stands for, and where its relative paths
 * lead, as each call saw them (fds.c).
 */
#ifndef KEKE_MERGE_FDS_H
#define KEKE_MERGE_FDS_H

#include <stdbool.h>
#include <stdint.h>

#include "merge/model.h"
#include "record/reader.h"

/*
 * Before the records of @im, read from @r, are sent: gives the process
 * the fds it starts the image with (its previous image's, when @continued
 * says this one exec'd from it, less those that close on exec; else what
 * its parent handed it), and, for an image of several threads, reads @r
 * once through for the calls that change fds, leaving it at its start.
 * Returns 0, or -1 (m->err set) when the merge was interrupted.
 */
int merge_fd_image_begin(struct merge *m, struct image *im,
			 struct keke_reader *r, bool continued);

/*
 * Adds to @args, which hold @nargs (room for 2 more), the names the fds
 * of call record @rec (at @ts ns) had when it began: "path" for its fd,
 * unless the record names a path or address itself, and "path_in" for
 * the source of a copy; and makes its "path" and "new_path" args
 * absolute (against the working directory of that moment). The strings
 * live until the next record. Returns how many args then.
 */
unsigned merge_fd_args(struct image *im, const struct keke_record *rec,
		       int64_t ts, struct keke_arg *args, unsigned nargs);

/* After record @rec (at @ts ns) of @im was sent: what it did to fds. */
void merge_fd_record_done(struct image *im, const struct keke_record *rec,
			  int64_t ts);

/* Once @im's records are read: its process keeps its fds for an image
 * that exec's from it. */
void merge_fd_image_end(struct image *im);

/* Forgets @p's fds (the merge is done with its files). */
void merge_fd_drop(struct proc *p);

/* Frees what fds were kept for children no file took. */
void merge_fd_free(struct merge *m);

#endif
