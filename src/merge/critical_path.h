/* SPDX-License-Identifier: MIT */
/*
 * The critical path of a run (critical_path.c): the chain of processes and
 * waits that its wall time depended on, walked back from the end of its
 * first process. While a process waited for a child (the wait family,
 * system, pclose) or read from a pipe that another process filled, the
 * path is in that process; otherwise in the process itself, running,
 * sleeping or blocked in a call.
 */
#ifndef KEKE_MERGE_CRITICAL_PATH_H
#define KEKE_MERGE_CRITICAL_PATH_H

#include "merge/model.h"

/* Notes what slice @s of call @call, in process @proc, may add to the
 * path: a wait for a child (@child_pid, the pid it reaped), a pipe read
 * or write, a long call. */
void merge_critical_call(struct merge *m, size_t proc, unsigned call,
			 const struct keke_slice *s, int child_pid);

/* Walks the path once every process is known (parents found) and sends
 * its segments to the sinks that take them. Returns 0 or -1. */
int merge_critical_path(struct merge *m);

/* Frees what merge_critical_call kept. */
void merge_critical_free(struct merge *m);

#endif
