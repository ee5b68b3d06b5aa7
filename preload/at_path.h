/* SPDX-License-Identifier: MIT */
/*
 * The path a call acted on, as the file families record it: an absolute
 * path, or one relative to the working directory, as given; a path
 * relative to a directory fd (the *at calls) joined to that directory's
 * own path. Shared by file.c and file_meta.c.
 */
#ifndef KEKE_AT_PATH_H
#define KEKE_AT_PATH_H

#include <stddef.h>

#include "runtime/writer.h"

/* Most paths fit here; a longer one is recorded as given, with its dirfd. */
#define JOINED_MAX 1024

/* The path an *at call acted on, measured (and joined) once. */
struct at_path {
	int dirfd;
	const char *path;	/* as given, or NULL */
	size_t len;		/* of @path */
	size_t joined_len;	/* of @joined, 0 when not joined */
	char joined[JOINED_MAX];
};

/* Fills @ap: a relative @path under a @dirfd other than AT_FDCWD is
 * joined to the dirfd's own path when that can be read. */
void at_path_init(struct at_path *ap, int dirfd, const char *path);

/* Fills @ap as at_path_init does, but a relative @path is joined to the
 * working directory (chdir: where it goes depends on where it starts). */
void at_path_init_cwd(struct at_path *ap, const char *path);

/* Upper bound of what add_at_path adds. */
static inline size_t at_path_max(const struct at_path *ap)
{
	size_t n = ap->joined_len > ap->len ? ap->joined_len : ap->len;

	return KEKE_STR_MAX_LEN(n) + 2 * (1 + KEKE_VARINT_MAX);
}

/*
 * Adds the path of @ap as field @key: as given when absolute or relative
 * to the working directory, else joined to its dirfd's path; failing
 * that, as given and the dirfd. An empty path (AT_EMPTY_PATH) names the
 * dirfd itself: then only the fd is added.
 */
void add_at_path(struct keke_rec *r, unsigned key, const struct at_path *ap);

/*
 * Records a slice of a call on two paths (rename, link and their *at
 * forms): the first as PATH, the second as NEW_PATH, each joined to its
 * dirfd's path; the flags unless 0; the result.
 */
void record_paths(unsigned call, uint64_t t0, uint64_t dur, int rv, int err,
		  int olddirfd, const char *old, int newdirfd,
		  const char *new, unsigned flags);

#endif
