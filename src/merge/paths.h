/* SPDX-License-Identifier: MIT */
/* Paths made absolute against a working directory (paths.c). */
#ifndef KEKE_MERGE_PATHS_H
#define KEKE_MERGE_PATHS_H

#include <stddef.h>

#include "record/record.h"

/* The most bytes merge_path_absolute writes: a directory and a path, each
 * at most a record's string cap, a slash between them and a NUL. */
#define MERGE_PATH_MAX (2 * KEKE_STRING_CAP + 2)

/*
 * Writes @path (@len bytes) into @buf (MERGE_PATH_MAX bytes) as an
 * absolute path: as it is when it starts with '/', else joined to @cwd
 * (@cwd_len bytes, absolute), with "." components, repeated slashes and a
 * trailing slash removed. ".." is kept: what it leads to depends on
 * symbolic links the merge cannot see. Returns the length written, or 0
 * when @path is empty, or relative while @cwd is NULL or not absolute:
 * the caller then keeps the path as given.
 */
size_t merge_path_absolute(const char *cwd, size_t cwd_len, const char *path,
			   size_t len, char *buf);

#endif
