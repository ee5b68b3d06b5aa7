/* SPDX-License-Identifier: MIT */
/* The fields that tell of an exec, in the exec slice of exec.c and in the
 * fork record of a vfork child that execs (vfork.c). */
#ifndef KEKE_EXEC_FIELDS_H
#define KEKE_EXEC_FIELDS_H

#include "runtime/writer.h"

/* Room an exec's path and argv take in a record, at most. */
#define KEKE_EXEC_FIELDS_MAX (2 * KEKE_STR_MAX_LEN(KEKE_STRING_CAP))

/* Adds an exec's @path and @argv to @r (room: KEKE_EXEC_FIELDS_MAX). */
void keke_exec_fields(struct keke_rec *r, const char *path,
		      char *const argv[]);

#endif
