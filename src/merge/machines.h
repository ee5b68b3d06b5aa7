/* SPDX-License-Identifier: MIT */
/*
 * The machines of a merge (machines.c): its files grouped by host and
 * boot, each placed on one timeline by its realtime anchors, and its pids
 * kept apart from the other machines' in the traces.
 */
#ifndef KEKE_MERGE_MACHINES_H
#define KEKE_MERGE_MACHINES_H

#include <stdint.h>

#include "merge/model.h"

/* The most machines one merge takes: their pids, moved apart by
 * KEKE_MACHINE_PID_STRIDE each, stay below the pids sink.h reserves. */
#define KEKE_MAX_MACHINES 214

/*
 * Groups m->files into m->machines and sets each file's machine and shift,
 * each dir's machine, and the notes' stamps on the trace's timeline; the
 * reference machine (whose CLOCK_MONOTONIC the trace keeps) is that of the
 * earliest file by realtime. Fills the stats' machines and
 * clock_uncertainty_ns. Returns 0, or -1 (m->err set) when there are more
 * than KEKE_MAX_MACHINES.
 */
int merge_find_machines(struct merge *m);

/* Sends the machines to the sinks. Returns 0 or -1 (m->err set). */
int merge_send_machines(struct merge *m);

#endif
