// SPDX-License-Identifier: MIT
/*
 * The merge: trace dirs in, processes/threads/slices/flows out to sinks.
 *
 * 1. List the record files of every dir and read their headers; report
 *    foreign, damaged or other-trace files and leave them out (files.c).
 * 2. Group them by machine (host and boot), each placed on the first
 *    machine's timeline by its realtime anchors (machines.c), and work out
 *    each machine's TSC rate from its longest-lived file (clocks.c).
 * 3. Read the files one at a time in (dir, pid, start) order (image.c).
 *    Slices stream to the sinks as they are read, each call named by what
 *    its fds stood for then (fds.c); each image gets one slice spanning
 *    its life.
 * 4. Send processes (with their parents resolved), threads and flows
 *    (tree.c).
 */
#include "merge/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/clock.h"
#include "merge/access.h"
#include "merge/critical_path.h"
#include "merge/clocks.h"
#include "merge/fds.h"
#include "merge/files.h"
#include "merge/image.h"
#include "merge/machines.h"
#include "merge/model.h"
#include "merge/stacks.h"
#include "merge/trace_context.h"
#include "merge/tree.h"
#include "merge/user.h"

/*
 * Shows on stderr, when asked to and once the merge has taken a second,
 * how far it is after @file files: events and their rate, and the time
 * left at that rate by the bytes still to read. At most five times a
 * second, and a last time at the end (@last) when it was shown at all.
 */
static void show_progress(struct merge *m, size_t file, bool last)
{
	uint64_t now, done = 0, total = 0;
	double secs;

	if (!m->o->progress)
		return;
	now = keke_mono_ns();
	if (!last && (now - m->started_ns < 1000000000u ||
		      now - m->last_progress_ns < 200000000u))
		return;
	if (last && !m->progress_shown)
		return;
	m->last_progress_ns = now;
	m->progress_shown = true;
	for (size_t i = 0; i < m->nfiles; i++) {
		total += m->files[i].size;
		if (i < file)
			done += m->files[i].size;
	}
	secs = (double)(now - m->started_ns) / 1e9;
	fprintf(stderr, "\rkeke: merging: file %zu of %zu, %llu events, "
		"%.1fM events/s", file, m->nfiles,
		(unsigned long long)m->stats->slices,
		(double)m->stats->slices / secs / 1e6);
	if (!last && done)
		fprintf(stderr, ", about %.0f s left  ",
			secs * (double)(total - done) / (double)done);
	else
		fputs("                 ", stderr);
	fputs(last ? "\n" : "", stderr);
}

/* Reads every file, each with the same pid's next one at hand. Returns 0
 * or -1 (m->err set). */
static int merge_files(struct merge *m)
{
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct file_info *f = &m->files[i], *next = f + 1;

		if (i + 1 == m->nfiles || next->dir != f->dir ||
		    next->hdr.pid != f->hdr.pid)
			next = NULL;
		int rc = merge_file(m, f, next);

		show_progress(m, i + 1, false);
		if (rc)
			return -1;
	}
	return 0;
}

/* Sends what describes the run, from its earliest file: its trace id,
 * host and clocks (with several machines, the first one's offset between
 * realtime and the timeline), and the span it continued. Returns 0 or -1
 * (m->err set). */
static int emit_metadata(struct merge *m)
{
	char hex[33];
	int64_t offset;

	if (!m->nfiles)
		return 0;
	/* The earliest file: the run's first process. */
	const struct file_info *first = &m->files[0];
	for (size_t i = 1; i < m->nfiles; i++)
		if (merge_file_start_ns(&m->files[i]) <
		    merge_file_start_ns(first))
			first = &m->files[i];
	offset = (int64_t)(first->hdr.start_realtime_ns -
			   first->hdr.start.mono_ns);
	if (m->nmachines > 1)
		offset = m->machines[0].realtime_offset_ns;
	merge_trace_id_hex(first->hdr.trace_id, hex);
	if (EACH_SINK(m, metadata, "trace_id", hex, 0) ||
	    EACH_SINK(m, metadata, "host", first->hdr.host, 0) ||
	    EACH_SINK(m, metadata, "realtime_offset_ns", NULL, offset) ||
	    EACH_SINK(m, metadata, "trace_start_ns", NULL,
		      merge_file_start_ns(first)) ||
	    EACH_SINK(m, metadata, "format_version", NULL,
		      KEKE_FORMAT_VERSION))
		return -1;
	return merge_context_begin(m, first);
}

/* Opens a sink for each output asked for. Returns 0, or -1 (m->err set)
 * when one cannot be created. */
static int open_sinks(struct merge *m)
{
	const struct keke_sink_ops *ops[] = { m->o->json_sink,
					      m->o->db_sink };
	const char *paths[] = { m->o->json_path, m->o->db_path };
	struct keke_merge_output *outs[] = { &m->stats->json,
					     &m->stats->db };
	char err[KEKE_SINK_ERROR_MAX];

	for (size_t i = 0; i < 2; i++) {
		if (!paths[i])
			continue;
		void *s = ops[i]->open(paths[i], err);
		if (!s)
			return merge_fail(m, "%s", err);
		if (ops[i]->cancel_on && m->o->cancel)
			ops[i]->cancel_on(s, m->o->cancel);
		m->ops[m->nsinks] = ops[i];
		m->outs[m->nsinks] = outs[i];
		m->sinks[m->nsinks++] = s;
		m->nopened++;
	}
	return 0;
}

/* Frees what the merge holds and closes its dirs. */
static void free_merge(struct merge *m)
{
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i].path);
	for (size_t i = 0; i < m->nprocs; i++) {
		merge_fd_drop(&m->procs[i]);
		free(m->procs[i].name);
		free(m->procs[i].cmdline);
		free(m->procs[i].exe);
		free(m->procs[i].cwd);
	}
	for (size_t i = 0; i < m->nthrs; i++) {
		free(m->thrs[i].name);
		merge_free_spans(&m->thrs[i]);
	}
	for (size_t i = 0; i < m->nflows; i++) {
		free(m->flows[i].path);
		free(m->flows[i].argv);
	}
	for (size_t i = 0; i < m->npreludes; i++) {
		free(m->preludes[i].path);
		free(m->preludes[i].argv);
	}
	free(m->preludes);
	free(m->trace_state);
	free(m->files);
	free(m->machines);
	free(m->dir_machine);
	for (size_t i = 0; m->dirfds && i < m->o->ndirs; i++)
		if (m->dirfds[i] >= 0)
			close(m->dirfds[i]);
	free(m->dirfds);
	free(m->procs);
	free(m->thrs);
	free(m->flows);
	free(m->reaped);
	free(m->notes);
	free(m->shells);
	idmap_free(&m->thr_index);
	idmap_free(&m->flow_index);
	idmap_free(&m->counter_tracks);
	merge_stacks_free(m);
	merge_access_free(m);
	merge_critical_free(m);
	merge_fd_free(m);
}

/*
 * Finishes the outputs, or aborts them all when @rc says the merge failed.
 * The last sink (SQLite, whose indexes take long) first: an interrupt
 * during its finish then leaves no output at all. A sink that fails
 * otherwise costs its own output only: each output is complete on its
 * own. Returns how many were written; fails the merge (*rc) when an
 * interrupt left none.
 */
static size_t finish_sinks(struct merge *m, int *rc)
{
	size_t written = 0;

	for (size_t i = m->nsinks; i-- > 0;) {
		struct keke_merge_output *mo = m->outs[i];

		if (*rc) {
			m->ops[i]->abort(m->sinks[i]);
			continue;
		}
		if (m->ops[i]->finish(m->sinks[i], mo->err) == 0) {
			mo->written = true;
			written++;
		} else if (!written && m->o->cancel && *m->o->cancel) {
			*rc = merge_fail(m, "interrupted");
			mo->err[0] = '\0';
		}
	}
	return written;
}

enum keke_merge_result keke_merge(const struct keke_merge_options *o,
				  struct keke_merge_stats *stats, char *err)
{
	struct merge m = {
		.o = o,
		.stats = stats,
		.err = err,
		.next_slice_id = 1,
		.started_ns = keke_mono_ns(),
	};
	size_t written = 0, opened;
	int rc;

	memset(stats, 0, sizeof(*stats));
	err[0] = '\0';
	idmap_init(&m.thr_index);
	idmap_init(&m.flow_index);
	idmap_init(&m.counter_tracks);
	m.dirfds = merge_grow(NULL, o->ndirs, sizeof(*m.dirfds));
	for (size_t i = 0; i < o->ndirs; i++)
		m.dirfds[i] = -1;
	rc = merge_find_files(&m);
	if (!rc)
		rc = merge_find_machines(&m);
	if (rc)
		goto out;
	merge_set_clock_rates(&m);
	stats->files = m.nfiles;
	rc = open_sinks(&m);
	if (!rc)
		rc = emit_metadata(&m);
	if (!rc)
		rc = merge_send_machines(&m);
	if (!rc)
		rc = merge_files(&m);
	if (!rc)
		rc = merge_access_flush(&m);
	show_progress(&m, m.nfiles, true);
	if (!rc)
		rc = merge_tree(&m);
	if (!rc)
		rc = merge_context_end(&m);
	if (!rc && o->cancel && *o->cancel)
		rc = merge_fail(&m, "interrupted");
	written = finish_sinks(&m, &rc);
	if (!rc && !written)
		rc = merge_fail(&m, "no output could be written");
out:
	opened = m.nopened;
	free_merge(&m);
	if (rc)
		return KEKE_MERGE_FAILED;
	if (written < opened)
		return KEKE_MERGE_INCOMPLETE;
	return stats->damaged ? KEKE_MERGE_PARTIAL : KEKE_MERGE_OK;
}
