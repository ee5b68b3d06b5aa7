// SPDX-License-Identifier: MIT
/*
 * The helpers of the merge's model (model.h): memory, failure and damage,
 * the outputs, and the processes, threads and flows every part adds to.
 */
#include "merge/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *merge_grow(void *p, size_t n, size_t size)
{
	void *q = reallocarray(p, n ? n : 1, size);

	if (!q) {
		fprintf(stderr, "keke: out of memory\n");
		abort();
	}
	return q;
}

char *merge_memdup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (!d) {
		fprintf(stderr, "keke: out of memory\n");
		abort();
	}
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *merge_field_dup(const struct keke_record *rec, unsigned key,
		      size_t *len)
{
	const struct keke_field *f = keke_record_str(rec, key);

	if (len)
		*len = f ? f->len : 0;
	return f ? merge_memdup(f->s, f->len) : NULL;
}

int merge_fail(struct merge *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, KEKE_MERGE_ERROR_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

void merge_damage(struct merge *m, const char *fmt, ...)
{
	char msg[KEKE_ERROR_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m->stats->damaged++;
	if (m->o->on_damage)
		m->o->on_damage(m->o->ctx, msg);
	else
		fprintf(stderr, "keke: damaged: %s\n", msg);
}

int merge_drop_sink(struct merge *m, size_t i)
{
	struct keke_merge_output *out = m->outs[i];

	snprintf(out->err, sizeof(out->err), "%s",
		 m->ops[i]->last_error(m->sinks[i]));
	m->ops[i]->abort(m->sinks[i]);
	for (; i + 1 < m->nsinks; i++) {
		m->ops[i] = m->ops[i + 1];
		m->sinks[i] = m->sinks[i + 1];
		m->outs[i] = m->outs[i + 1];
	}
	if (--m->nsinks)
		return 0;
	return merge_fail(m, "no output could be written");
}

struct keke_slice merge_main_slice(const struct thr *t, int64_t id,
				   int64_t ts_ns, int64_t dur_ns)
{
	return (struct keke_slice){
		.id = id,
		.utid = t->utid,
		.pid = merge_shown_pid(t->pid_base, t->tid),
		.tid = merge_shown_pid(t->pid_base, t->tid),
		.ts_ns = ts_ns,
		.dur_ns = dur_ns,
	};
}

int merge_send_slice(struct merge *m, const struct keke_slice *s)
{
	m->stats->slices++;
	return EACH_SINK(m, slice, s);
}

int64_t merge_after_flow_out(struct merge *m, uint64_t id, int64_t ts_ns)
{
	int64_t idx;

	if (!id || !idmap_get(&m->flow_index, id, &idx) ||
	    !m->flows[idx].out.slice || m->flows[idx].out.ts_ns < ts_ns)
		return ts_ns;
	return m->flows[idx].out.ts_ns + 1;
}

struct flow *merge_flow(struct merge *m, uint64_t id)
{
	int64_t idx;

	if (idmap_get(&m->flow_index, id, &idx))
		return &m->flows[idx];
	m->flows = merge_grow(m->flows, m->nflows + 1, sizeof(*m->flows));
	idmap_put(&m->flow_index, id, (int64_t)m->nflows);
	m->flows[m->nflows] = (struct flow){ .id = id };
	return &m->flows[m->nflows++];
}

struct thr *merge_thread(struct merge *m, size_t proc, int tid, int64_t ts)
{
	uint64_t key = (uint64_t)m->procs[proc].upid << 32 | (uint32_t)tid;
	int64_t idx;
	struct thr *t;

	if (!idmap_get(&m->thr_index, key, &idx)) {
		m->thrs = merge_grow(m->thrs, m->nthrs + 1, sizeof(*m->thrs));
		idx = (int64_t)m->nthrs++;
		m->thrs[idx] = (struct thr){
			.utid = idx + 1,
			.tid = tid,
			.pid_base = m->procs[proc].pid_base,
			.proc = proc,
			.start_ns = ts,
			.end_ns = ts,
		};
		idmap_put(&m->thr_index, key, idx);
	}
	t = &m->thrs[idx];
	if (ts < t->start_ns)
		t->start_ns = ts;
	if (ts > t->end_ns)
		t->end_ns = ts;
	return t;
}

size_t merge_new_proc(struct merge *m, size_t dir, int pid, int ppid,
		      int64_t start_ns)
{
	const struct machine *mc = merge_dir_machine(m, dir);

	m->procs = merge_grow(m->procs, m->nprocs + 1, sizeof(*m->procs));
	m->procs[m->nprocs] = (struct proc){
		.upid = (int64_t)m->nprocs + 1,
		.dir = dir,
		.pid = pid,
		.pid_base = mc ? mc->pid_base : 0,
		.ppid = ppid,
		.start_ns = start_ns,
		.end_ns = start_ns,
	};
	return m->nprocs++;
}

static int by_dir_pid_start(const void *a, const void *b, void *procs)
{
	const struct proc *x = &((struct proc *)procs)[*(const size_t *)a];
	const struct proc *y = &((struct proc *)procs)[*(const size_t *)b];

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->start_ns > y->start_ns) - (x->start_ns < y->start_ns);
}

size_t *merge_procs_by_pid(const struct merge *m)
{
	size_t *order = merge_grow(NULL, m->nprocs, sizeof(*order));

	for (size_t i = 0; i < m->nprocs; i++)
		order[i] = i;
	qsort_r(order, m->nprocs, sizeof(*order), by_dir_pid_start, m->procs);
	return order;
}

size_t merge_proc_at(const struct merge *m, const size_t *order, size_t dir,
		     int pid, int64_t ts)
{
	size_t lo = 0, hi = m->nprocs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct proc *q = &m->procs[order[mid]];

		if (q->dir < dir || (q->dir == dir && (q->pid < pid ||
		    (q->pid == pid && q->start_ns <= ts))))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return SIZE_MAX;
	const struct proc *q = &m->procs[order[lo - 1]];

	return q->dir == dir && q->pid == pid ? order[lo - 1] : SIZE_MAX;
}

const char *merge_basename(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "";
}

unsigned merge_process_args(struct keke_arg *args, const char *cmdline,
			    const char *exe, const char *cwd)
{
	unsigned n = 0;

	args[n++] = (struct keke_arg){ .key = "cmdline", .is_str = true,
				       .s = cmdline, .len = strlen(cmdline) };
	if (exe)
		args[n++] = (struct keke_arg){ .key = "exe", .is_str = true,
					       .s = exe, .len = strlen(exe) };
	if (cwd)
		args[n++] = (struct keke_arg){ .key = "cwd", .is_str = true,
					       .s = cwd, .len = strlen(cwd) };
	return n;
}

char *merge_argv_line(const char *argv, size_t len)
{
	char *line = merge_memdup(argv, len);

	for (size_t i = 0; i < len; i++)
		if (line[i] == '\0')
			line[i] = ' ';
	return line;
}
