/* SPDX-License-Identifier: MIT */
/*
 * The fd tables a process hands to the children it starts (fd_hands.c):
 * taken when the merge reads the parent's fork, system() or popen(), and
 * given to the child's first image when its file is read, then freed.
 * Files are read in (dir, pid, start) order, so a parent is read before
 * its child unless the child's pid is lower (the pids wrapped): that
 * child inherits nothing.
 */
#ifndef KEKE_MERGE_FD_HANDS_H
#define KEKE_MERGE_FD_HANDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "merge/fd_table.h"
#include "merge/model.h"

/* Keeps @snap (whose contents it takes; @snap is left empty) for the
 * child @child_pid that a fork on the flow @flow started in process @pid
 * of dir @dir. A child read already (a lower pid), or that made no file,
 * is not waited for. */
void fd_hands_fork(struct merge *m, uint64_t flow, size_t dir, int pid,
		   int child_pid, struct fd_table *snap);

/* Keeps @snap (taken as by fd_hands_fork) for the shell that a system()
 * or popen() of process @pid of dir @dir, at @ts ns, started, when a
 * file may be that shell's. */
void fd_hands_shell(struct merge *m, size_t dir, int pid, int64_t ts,
		    struct fd_table *snap);

/* Moves into @out (emptied first) the table the fork on flow @flow handed
 * over. Returns false, leaving @out empty, when there is none. */
bool fd_hands_take_fork(struct merge *m, uint64_t flow, struct fd_table *out);

/* Moves into @out the table of the latest system() or popen() of process
 * @ppid in dir @dir at or before @start ns. Returns false when none. */
bool fd_hands_take_shell(struct merge *m, size_t dir, int ppid,
			 int64_t start, struct fd_table *out);

/* Frees the tables no file still to be read can take, now that the merge
 * reads the files of process @pid of dir @dir. */
void fd_hands_sweep(struct merge *m, size_t dir, int pid);

/* Frees every table kept. */
void fd_hands_free(struct merge *m);

#endif
