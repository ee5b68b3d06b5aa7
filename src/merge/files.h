/* SPDX-License-Identifier: MIT */
/* The record files of a merge (files.c). */
#ifndef KEKE_MERGE_FILES_H
#define KEKE_MERGE_FILES_H

#include <stdint.h>

#include "merge/model.h"

/*
 * Lists the record files and notes of every dir into m->files and
 * m->notes, leaving out (each reported) the damaged, foreign and
 * other-trace files, and sorts the files by dir, pid and start. Returns 0,
 * or -1 (m->err set) when a dir cannot be read.
 */
int merge_find_files(struct merge *m);

/* @id as 32 hex digits and a NUL. */
void merge_trace_id_hex(const uint8_t id[16], char hex[33]);

#endif
