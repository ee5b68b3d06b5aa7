/* SPDX-License-Identifier: MIT */
/* Directory listings read with readdir: see dir_listing.c. */
#ifndef KEKE_DIR_LISTING_H
#define KEKE_DIR_LISTING_H

#include <dirent.h>

/*
 * The directory stream @dir is about to be closed: records its listing if
 * the program stopped reading before its end, and forgets it, so that a
 * stream opened later at the same address starts a listing of its own.
 * For closedir's hook to call before the real closedir; keeps errno.
 */
void keke_dir_listing_end(DIR *dir);

#endif
