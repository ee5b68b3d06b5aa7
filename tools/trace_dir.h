/* SPDX-License-Identifier: MIT */
/*
 * The trace dir of a `keke run`: made where nobody but the user and root
 * can replace it, held open from its making to its removal, and removed
 * through its fds only.
 */
#ifndef KEKE_TOOLS_TRACE_DIR_H
#define KEKE_TOOLS_TRACE_DIR_H

#include <limits.h>
#include <stdint.h>

/*
 * The trace dir of a run, held open from its making to its removal: keke
 * run uses it only through these fds, never by its path, which a process
 * of the run (or whoever may write in its parent) could replace by a
 * symbolic link or by a directory of their own.
 */
struct keke_trace_dir {
	int parent_fd;		/* O_PATH fd of the directory it is in */
	int fd;			/* the trace dir itself, O_NOFOLLOW */
	char name[16];		/* its name in the parent: keke-XXXXXX */
	char path[PATH_MAX];	/* absolute: for KEKE_DIR and messages */
	char fd_path[32];	/* /proc/self/fd/N: what the merge reads */
};

/*
 * Makes the trace dir, mode 0700, in @parent (or $TMPDIR, or where
 * keke_default_trace_parent() says: record/trace_dir.h), and opens it
 * and its parent into @td. Returns 0, or -1 after printing why.
 */
int keke_trace_dir_make(const char *parent, struct keke_trace_dir *td);

/* The bytes of the record files in @td (0 when it cannot be read). */
uint64_t keke_trace_dir_record_bytes(const struct keke_trace_dir *td);

/* Closes the fds of @td, leaving the trace dir where it is. */
void keke_trace_dir_close(struct keke_trace_dir *td);

/*
 * Removes the trace dir @td and everything in it, through its fds only;
 * the dir itself only while its name in the parent still is that dir
 * (else it is left, emptied, and said so). Closes its fds.
 */
void keke_trace_dir_remove(struct keke_trace_dir *td);

#endif
