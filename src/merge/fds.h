/* SPDX-License-Identifier: MIT */
/* What each fd of a process stands for (fds.c). */
#ifndef KEKE_MERGE_FDS_H
#define KEKE_MERGE_FDS_H

#include "merge/model.h"

/* Notes what a call does to the fds of @p; returns the name of the fd
 * the call used when the record does not name it itself, else NULL. */
const char *merge_fd_note(struct proc *p, const struct keke_record *rec);

/* Forgets @p's fds (the merge is done with its files). */
void merge_fd_drop(struct proc *p);

#endif
