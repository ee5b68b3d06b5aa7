/* SPDX-License-Identifier: MIT */
/* The process tree (tree.c). */
#ifndef KEKE_MERGE_TREE_H
#define KEKE_MERGE_TREE_H

#include "merge/model.h"

/*
 * Once every file is read: gives processes seen only from their parent a
 * row and a slice, links shells to the system()/popen() that started them,
 * fills exit statuses from wait results, and sends processes, threads and
 * flows to the sinks. Returns 0 or -1 (m->err set).
 */
int merge_tree(struct merge *m);

/*
 * Sends the slices of prelude @pl (model.h) now, when its image's file is
 * read and the parent it ran the program of is known, so that they come
 * before the image's own (merge_tree sends the others). Returns 0 or -1
 * (m->err set).
 */
int merge_add_prelude(struct merge *m, struct prelude *pl);

#endif
