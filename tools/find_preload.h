/* SPDX-License-Identifier: MIT */
/*
 * Where libkeke.so is: the preload that `keke run` puts into LD_PRELOAD.
 */
#ifndef KEKE_FIND_PRELOAD_H
#define KEKE_FIND_PRELOAD_H

#include <stddef.h>

/* Room for every candidate path (PATH_MAX each) the message names. */
#define KEKE_FIND_PRELOAD_ERROR_MAX (6 * 4096)

/*
 * Finds libkeke.so, in this order: $KEKE_PRELOAD when it is set (it must
 * exist then); next to the keke executable in a build tree
 * (<exe dir>/../preload/libkeke.so); the installed library directories
 * (<exe dir>/../lib/<multiarch>, ../lib, ../lib64).
 *
 * @path (@size bytes) receives an absolute path that LD_PRELOAD can hold
 * (no space, no colon). Returns 0, or -1 with a message in @err
 * (KEKE_FIND_PRELOAD_ERROR_MAX bytes) naming every place it looked.
 */
int keke_find_preload(char *path, size_t size, char *err);

#endif
