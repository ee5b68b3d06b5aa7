/* SPDX-License-Identifier: MIT */
/*
 * Where a trace dir may be. Every process of a run writes its records
 * there, so nobody but the user running keke may be able to replace it,
 * or a directory on its path, by another directory or a symbolic link.
 */
#ifndef KEKE_TRACE_DIR_H
#define KEKE_TRACE_DIR_H

#include <stdbool.h>
#include <sys/stat.h>

/* Where a trace dir goes when nothing says: /dev/shm when it is a tmpfs
 * we may write with 2 GiB free (record files live only until the merge,
 * and creating one per process image costs several times more on a
 * disk), else /tmp. */
const char *keke_default_trace_parent(void);

/*
 * Strips the trailing "/" and "/." of the directory path @path in place
 * ("link/." would otherwise follow a symbolic link "link" that a check of
 * the path refuses). Returns false when it is empty or has a "." or ".."
 * component elsewhere.
 */
bool keke_clean_dir_path(char *path);

/*
 * Why another user could replace what is in the directory @st (what
 * follows "it" in a sentence), or NULL when nobody but the user @me and
 * root can: it must belong to one of them, and be writable by nobody
 * else unless sticky (then others can neither rename nor remove what is
 * ours in it, as in /tmp). ssh's StrictModes asks the same of the
 * directories above ~/.ssh.
 */
const char *keke_dir_untrusted(const struct stat *st, uid_t me);

/* Why a trace dir may not be made in the directory @path (absolute and
 * clean): keke_dir_untrusted of it or of any directory above it. */
const char *keke_untrusted_place(const char *path);

/*
 * Why the trace dir @dir (absolute and clean) may not be written: not a
 * directory of its own (a symbolic link), not the user's, writable by
 * others, or keke_dir_untrusted of its parent. NULL when it may. (The
 * directories further up were checked where the trace dir was made.)
 */
const char *keke_untrusted_dir(const char *dir);

#endif
