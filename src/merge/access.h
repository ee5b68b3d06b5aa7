/* SPDX-License-Identifier: MIT */
/* Which files each process read and wrote (access.c). */
#ifndef KEKE_MERGE_ACCESS_H
#define KEKE_MERGE_ACCESS_H

#include "merge/model.h"

/*
 * Adds the call of record @rec, whose slice is @s (with the args the
 * merge gave it: "path", "path_in"), to what image @im's process did to
 * each file. When the calls before were another process's, that
 * process's rows are sent first (its calls are all read: files come in
 * pid order). Returns 0, or -1 (m->err set) when no sink is left.
 */
int merge_access_call(struct merge *m, const struct image *im,
		      const struct keke_record *rec,
		      const struct keke_slice *s);

/* Sends the rows of the process whose calls were read last, and sets its
 * traced_rchar and traced_wchar. Returns 0 or -1 (m->err set). */
int merge_access_flush(struct merge *m);

/* Frees what merge_access_call holds. */
void merge_access_free(struct merge *m);

#endif
