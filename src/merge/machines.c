// SPDX-License-Identifier: MIT
/*
 * Machines: two hosts, or two boots of one host, have unrelated
 * CLOCK_MONOTONIC times, and pids that mean nothing to each other. Each
 * file's header holds CLOCK_MONOTONIC and CLOCK_REALTIME read together;
 * the median of a machine's differences between the two is its offset,
 * and each machine's times are moved by its offset less the reference
 * machine's, so that all stand on the reference's CLOCK_MONOTONIC as
 * their realtime clocks place them. With one machine nothing moves.
 */
#include "merge/machines.h"

#include <stdlib.h>
#include <string.h>

#include "record/boot_id.h"
#include "record/clock.h"

/* Whether the header @h was written on machine @mc. */
static bool is_of(const struct machine *mc, const struct keke_file_header *h)
{
	return !strcmp(mc->host, h->host) &&
	       !memcmp(mc->boot_id, h->boot_id, sizeof(mc->boot_id));
}

static int by_value(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * The typical gap between reading CLOCK_MONOTONIC and CLOCK_REALTIME one
 * after the other, as the writer does at each file's start: the least of
 * a few tries on this host, which stands for the hosts that wrote them.
 */
static int64_t read_gap_ns(void)
{
	int64_t best = INT64_MAX;

	for (int i = 0; i < 5; i++) {
		uint64_t a = keke_clock_syscall_ns(CLOCK_MONOTONIC);

		keke_clock_syscall_ns(CLOCK_REALTIME);
		uint64_t b = keke_clock_syscall_ns(CLOCK_MONOTONIC);

		if ((int64_t)(b - a) < best)
			best = (int64_t)(b - a);
	}
	return best;
}

/* The machine of the header @h, made when new. Returns its index. */
static size_t machine_of(struct merge *m, const struct keke_file_header *h)
{
	struct machine *mc;

	for (size_t i = 0; i < m->nmachines; i++)
		if (is_of(&m->machines[i], h))
			return i;
	m->machines = merge_grow(m->machines, m->nmachines + 1,
				 sizeof(*m->machines));
	mc = &m->machines[m->nmachines];
	*mc = (struct machine){ .first_realtime_ns = UINT64_MAX };
	memcpy(mc->host, h->host, sizeof(mc->host));
	memcpy(mc->boot_id, h->boot_id, sizeof(mc->boot_id));
	return m->nmachines++;
}

/* Sets @mc's offset and uncertainty from its files' anchors, @gap_ns
 * apart at best. */
static void place(struct merge *m, size_t index, int64_t gap_ns)
{
	struct machine *mc = &m->machines[index];
	int64_t *offsets = merge_grow(NULL, mc->nfiles, sizeof(*offsets));
	size_t n = 0;

	for (size_t i = 0; i < m->nfiles; i++) {
		const struct keke_file_header *h = &m->files[i].hdr;

		if (m->files[i].machine == index)
			offsets[n++] = (int64_t)(h->start_realtime_ns -
						 h->start.mono_ns);
	}
	qsort(offsets, n, sizeof(*offsets), by_value);
	mc->realtime_offset_ns = offsets[n / 2];
	mc->uncertainty_ns = offsets[n - 1] - offsets[0] + gap_ns;
	free(offsets);
}

static int by_first_realtime(const void *a, const void *b)
{
	const struct machine *x = a, *y = b;

	return x->first_realtime_ns < y->first_realtime_ns ? -1 :
	       x->first_realtime_ns > y->first_realtime_ns;
}

/* Numbers the machines in order of their first files' realtime, the
 * reference first, and points the files at them again. */
static void number(struct merge *m)
{
	if (m->nmachines)
		qsort(m->machines, m->nmachines, sizeof(*m->machines),
		      by_first_realtime);
	for (size_t i = 0; i < m->nmachines; i++) {
		m->machines[i].id = (int64_t)i + 1;
		m->machines[i].pid_base = (int)i * KEKE_MACHINE_PID_STRIDE;
	}
	for (size_t i = 0; i < m->nfiles; i++)
		m->files[i].machine = machine_of(m, &m->files[i].hdr);
}

/* Each dir's machine: its earliest file's (the first machine when it
 * has none). */
static void find_dir_machines(struct merge *m)
{
	uint64_t *earliest = merge_grow(NULL, m->o->ndirs, sizeof(*earliest));

	m->dir_machine = merge_grow(NULL, m->o->ndirs,
				    sizeof(*m->dir_machine));
	for (size_t d = 0; d < m->o->ndirs; d++) {
		m->dir_machine[d] = 0;
		earliest[d] = UINT64_MAX;
	}
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct file_info *f = &m->files[i];

		if (f->hdr.start_realtime_ns < earliest[f->dir]) {
			earliest[f->dir] = f->hdr.start_realtime_ns;
			m->dir_machine[f->dir] = f->machine;
		}
	}
	free(earliest);
}

int merge_find_machines(struct merge *m)
{
	int64_t gap_ns, ref_offset, ref_uncertainty;

	for (size_t i = 0; i < m->nfiles; i++) {
		struct file_info *f = &m->files[i];
		struct machine *mc;

		f->machine = machine_of(m, &f->hdr);
		mc = &m->machines[f->machine];
		mc->nfiles++;
		if (f->hdr.start_realtime_ns < mc->first_realtime_ns)
			mc->first_realtime_ns = f->hdr.start_realtime_ns;
	}
	if (m->nmachines > KEKE_MAX_MACHINES)
		return merge_fail(m, "%zu machines (hosts or boots) in one "
				  "merge; at most %d", m->nmachines,
				  KEKE_MAX_MACHINES);
	number(m);
	find_dir_machines(m);
	m->stats->machines = m->nmachines;
	if (!m->nmachines)
		return 0;
	gap_ns = read_gap_ns();
	for (size_t i = 0; i < m->nmachines; i++)
		place(m, i, gap_ns);
	ref_offset = m->machines[0].realtime_offset_ns;
	ref_uncertainty = m->machines[0].uncertainty_ns;
	for (size_t i = 0; i < m->nmachines; i++) {
		struct machine *mc = &m->machines[i];

		mc->shift_ns = mc->realtime_offset_ns - ref_offset;
		if (i && ref_uncertainty + mc->uncertainty_ns >
			 m->stats->clock_uncertainty_ns)
			m->stats->clock_uncertainty_ns =
				ref_uncertainty + mc->uncertainty_ns;
	}
	for (size_t i = 0; i < m->nfiles; i++)
		m->files[i].shift_ns = m->machines[m->files[i].machine].shift_ns;
	for (size_t i = 0; i < m->nnotes; i++)
		m->notes[i].stamp += (uint64_t)merge_dir_shift(m,
							       m->notes[i].dir);
	return 0;
}

int merge_send_machines(struct merge *m)
{
	for (size_t i = 0; i < m->nmachines; i++) {
		const struct machine *mc = &m->machines[i];
		char boot_id[KEKE_BOOT_ID_TEXT + 1];
		struct keke_machine row = {
			.id = mc->id,
			.name = mc->host,
			.realtime_offset_ns = mc->realtime_offset_ns,
			.uncertainty_ns = mc->uncertainty_ns,
			.shift_ns = mc->shift_ns,
			.pid_offset = mc->pid_base,
			.files = mc->nfiles,
		};

		if (!keke_boot_id_unknown(mc->boot_id)) {
			keke_boot_id_format(mc->boot_id, boot_id);
			row.boot_id = boot_id;
		}
		if (EACH_SINK(m, machine, &row))
			return -1;
	}
	return 0;
}
