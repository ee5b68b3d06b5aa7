// SPDX-License-Identifier: MIT
/*
 * The process tree, once every record file is read:
 * - a fork child that exec'd before it recorded anything gets its image
 *   and exec from what the new image told of it;
 * - a fork or spawn whose child wrote no file, or an exec whose new image
 *   wrote none (a static, setuid or 32-bit program, or one that keke's
 *   variables left no room for), still gives a process (or image) seen
 *   from its parent's side, marked untraced;
 * - a shell started by system() or popen() is linked to that call;
 * - a process that could not say how it ended gets its exit code or signal
 *   from its parent's wait;
 * - every process gets its parent: the one its incoming flow came from,
 *   else the one that had its ppid when it started.
 * Then processes, threads and flows go to the sinks.
 */
#include "merge/tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "merge/critical_path.h"
#include "merge/kernel_io.h"

/* The reaped child with @pid in @dir whose wait returned first at or
 * after @since, or NULL. m->reaped is sorted by (dir, pid, ts). */
static const struct reaped *reaped_after(const struct merge *m, size_t dir,
					 int pid, int64_t since)
{
	size_t lo = 0, hi = m->nreaped;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct reaped *r = &m->reaped[mid];

		if (r->dir < dir || (r->dir == dir && (r->pid < pid ||
		    (r->pid == pid && r->ts_ns < since))))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < m->nreaped && m->reaped[lo].dir == dir &&
	    m->reaped[lo].pid == pid)
		return &m->reaped[lo];
	return NULL;
}

static int by_dir_pid_ts(const void *a, const void *b)
{
	const struct reaped *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->ts_ns > y->ts_ns) - (x->ts_ns < y->ts_ns);
}

static void set_names(struct proc *p, const struct flow *f)
{
	const char *argv0 = f->argv_len ? f->argv : f->path;
	const char *name = merge_basename(argv0 && *argv0 ? argv0 : "?");

	free(p->name);
	free(p->cmdline);
	free(p->exe);
	p->name = merge_memdup(name, strlen(name));
	p->cmdline = merge_argv_line(f->argv ? f->argv : "", f->argv_len);
	p->exe = f->path ? merge_memdup(f->path, strlen(f->path)) : NULL;
}

/* The first note left by @pid of dir @dir not told yet, or NULL. */
static struct note *take_note(struct merge *m, size_t dir, int pid)
{
	struct note *best = NULL;

	for (size_t i = 0; i < m->nnotes; i++) {
		struct note *n = &m->notes[i];

		if (n->dir == dir && n->pid == pid && !n->used &&
		    (!best || n->stamp < best->stamp))
			best = n;
	}
	if (best)
		best->used = true;
	return best;
}

/* What ran without writing a file. */
enum unseen {
	UNSEEN_PROGRAM,		/* an image libkeke.so was not loaded into */
	UNSEEN_FORK,		/* a fork child of a traced program: it had
				 * libkeke.so, and made no file */
	UNSEEN_VFORK,		/* a vfork child that did not exec */
};

/*
 * Why a process, or image, ran without writing a file, into @note (@size
 * bytes): @why is the note it left, or NULL. Returns the key of that arg.
 */
static const char *untraced_note(enum unseen what, const struct note *why,
				 const struct flow *f, char *note, size_t size)
{
	if (what == UNSEEN_VFORK) {
		snprintf(note, size, "a vfork child: it ran in its parent's "
			 "memory, recording nothing, until it exited");
		return "vfork";
	}
	if (!why && what == UNSEEN_FORK)
		snprintf(note, size, "it left no record file: it could not "
			 "make one, or ended before its first call");
	else if (why)
		snprintf(note, size, "it could not write its record file: %s",
			 strerror(why->err));
	else if (f->no_room)
		snprintf(note, size, "keke's variables did not fit in the "
			 "kernel's limit on its arguments and environment, so "
			 "it ran without them");
	else
		snprintf(note, size, "%s", KEKE_UNTRACED_NOTE);
	return why || what == UNSEEN_FORK ? "unrecorded" : "untraced";
}

/*
 * A process, or the last image of one, that ran without writing a file:
 * its slice runs from the call that started it to the wait that reaped
 * it (or to the end of that call, when nobody waited). A vfork child
 * that exited without exec'ing could not write one and is not untraced:
 * it ran only a few calls of its parent's program, in its memory. One
 * that left a note of why it could not write one says so, as does a fork
 * child that made no file ("unrecorded": it was traced).
 */
static int add_untraced_image(struct merge *m, size_t proc, struct flow *f,
			      enum unseen what)
{
	struct proc *p = &m->procs[proc];
	bool vfork_only = what == UNSEEN_VFORK;
	const struct note *why = vfork_only ? NULL :
				 take_note(m, p->dir, p->pid);
	char note[160];
	const char *key = untraced_note(what, why, f, note, sizeof(note));

	if (why || what == UNSEEN_FORK)
		m->stats->unrecorded++;
	if (why && !m->stats->unrecorded_errno)
		m->stats->unrecorded_errno = why->err;
	const struct reaped *r = reaped_after(m, p->dir, p->pid, f->out.ts_ns);
	int64_t end = r ? r->ts_ns : f->out_end_ns;
	/* After an exec, past the end of the image before it (which ends a
	 * nanosecond after its last event). */
	int64_t start = f->call == KEKE_CALL_EXEC && p->end_ns + 2 > f->out.ts_ns ?
		p->end_ns + 2 : f->out.ts_ns;
	struct thr *t = merge_thread(m, proc, p->pid, start);
	struct keke_arg args[] = {
		{ .key = "cmdline", .is_str = true, .s = p->cmdline,
		  .len = strlen(p->cmdline) },
		{ .key = key, .is_str = true, .s = note,
		  .len = strlen(note) },
	};
	struct keke_slice s = merge_main_slice(t, m->next_slice_id++, start,
					       end > start ? end - start : 0);

	s.category = "process";
	s.name = p->name;
	s.nargs = 2;
	s.args = args;
	s.flow_end = true;
	p->untraced = !vfork_only;
	if (end > p->end_ns)
		p->end_ns = end;
	if (end > t->end_ns)
		t->end_ns = end;
	f->in = (struct flow_end){ s.id, s.pid, s.tid, s.ts_ns };
	return merge_send_slice(m, &s);
}

/*
 * The process of the child of fork or spawn @f, which wrote no file.
 * Returns its index; *parents_program says whether it ran its parent's
 * program (a fork that did not exec), whose path @f then takes.
 */
static size_t unseen_child(struct merge *m, struct flow *f,
			   bool *parents_program)
{
	size_t proc = merge_new_proc(m, m->procs[f->out_proc].dir,
				     f->child_pid, m->procs[f->out_proc].pid,
				     f->out.ts_ns);
	const struct proc *parent = &m->procs[f->out_proc];

	m->procs[proc].parent_upid = parent->upid;
	m->procs[proc].first_flow_in = f->id;
	*parents_program = f->call == KEKE_CALL_FORK && !f->path;
	if (*parents_program)
		f->path = merge_memdup(parent->exe ? parent->exe : "",
				       parent->exe ? strlen(parent->exe) : 0);
	return proc;
}

/* Names @proc, which ran the program of @f: with its parent's arguments
 * too when that was its parent's program. */
static void name_unseen(struct merge *m, size_t proc, const struct flow *f,
			bool parents_program)
{
	const char *line;

	set_names(&m->procs[proc], f);
	line = m->procs[f->out_proc].cmdline;
	if (parents_program && line) {
		free(m->procs[proc].cmdline);
		m->procs[proc].cmdline = merge_memdup(line, strlen(line));
	}
}

/* The children and exec'd images that the flows of fork, spawn and exec
 * lead to and that wrote no file. */
static int add_untraced(struct merge *m)
{
	size_t n = m->nflows;	/* flows added below need no child */

	for (size_t i = 0; i < n; i++) {
		struct flow *f = &m->flows[i];
		bool parents_program = false;
		enum unseen what;
		size_t proc;

		if (!f->out.slice || f->in.slice)
			continue;
		switch (f->call) {
		case KEKE_CALL_EXEC:
			proc = f->out_proc;
			if (m->procs[proc].last_exec_flow != f->id)
				continue;
			break;
		case KEKE_CALL_FORK:
		case KEKE_CALL_SPAWN:
			if (f->child_pid <= 0)
				continue;
			proc = unseen_child(m, f, &parents_program);
			break;
		default:
			continue;
		}
		name_unseen(m, proc, f, parents_program);
		/* A vfork child that never exec'd could not record. */
		what = !parents_program ? UNSEEN_PROGRAM :
		       f->vfork ? UNSEEN_VFORK : UNSEEN_FORK;
		if (add_untraced_image(m, proc, f, what))
			return -1;
		m->stats->untraced += what != UNSEEN_VFORK;
	}
	return 0;
}

/* Prelude @pl's exec slice @exec as the source of the flow to the image
 * that told of it. */
static void start_exec_flow(struct merge *m, const struct prelude *pl,
			    const struct keke_slice *exec)
{
	struct flow *out = merge_flow(m, pl->exec_flow);

	out->out = (struct flow_end){ exec->id, exec->pid, exec->pid,
				      exec->ts_ns };
	out->category = exec->category;
	out->call = KEKE_CALL_EXEC;
	out->out_proc = pl->proc;
	out->child_pid = m->procs[pl->proc].pid;
	out->out_end_ns = exec->ts_ns + exec->dur_ns;
}

/*
 * The image of a fork child that made no file (struct prelude): its
 * parent's program, from the fork to its exec, whose slice leads to the
 * image that told of it.
 */
static int add_prelude(struct merge *m, struct prelude *pl)
{
	struct proc *p = &m->procs[pl->proc];
	struct flow *in = merge_flow(m, p->first_flow_in);
	const struct proc *parent = in->out.slice ? &m->procs[in->out_proc] :
						    NULL;
	struct thr *t = merge_thread(m, pl->proc, p->pid, pl->start_ns);
	const char *name = parent && parent->name ? parent->name : "?";
	const char *cmdline = parent && parent->cmdline ? parent->cmdline : "";
	char *argv_line = merge_argv_line(pl->argv, pl->argv_len);
	const char *path = pl->path ? pl->path : "";
	struct keke_arg image_args[3], exec_args[2];

	pl->sent = true;
	unsigned n = merge_process_args(image_args, cmdline,
					parent ? parent->exe : NULL,
					parent ? parent->cwd : NULL);
	int rc;

	exec_args[0] = (struct keke_arg){ .key = "path", .is_str = true,
					  .s = path, .len = strlen(path) };
	exec_args[1] = (struct keke_arg){ .key = "argv", .is_str = true,
					  .s = argv_line,
					  .len = strlen(argv_line) };
	/* Ends as an image that exec'd does (see image.c): the
	 * exec just before the new image, the image a nanosecond later. */
	struct keke_slice image = merge_main_slice(t, pl->image_slice,
						   pl->start_ns,
						   pl->end_ns - 1 - pl->start_ns);
	struct keke_slice exec = merge_main_slice(t, pl->exec_slice,
						  pl->exec_ns,
						  pl->end_ns - 2 - pl->exec_ns);

	image.category = "process";
	image.name = name;
	image.nargs = n;
	image.args = image_args;
	image.flow_end = true;
	exec.category = keke_call_category(KEKE_CALL_EXEC);
	exec.name = keke_call_name(KEKE_CALL_EXEC);
	exec.depth = 1;
	exec.parent_id = pl->image_slice;
	exec.nargs = 2;
	exec.args = exec_args;
	exec.flow_end = true;

	in->in = (struct flow_end){ image.id, image.pid, image.tid,
				    image.ts_ns };
	start_exec_flow(m, pl, &exec);
	rc = merge_send_slice(m, &image);
	if (!rc)
		rc = merge_send_slice(m, &exec);
	free(argv_line);
	return rc;
}

static int add_preludes(struct merge *m)
{
	for (size_t i = 0; i < m->npreludes; i++)
		if (!m->preludes[i].sent && add_prelude(m, &m->preludes[i]))
			return -1;
	return 0;
}

int merge_add_prelude(struct merge *m, struct prelude *pl)
{
	const struct flow *in = merge_flow(m, m->procs[pl->proc].first_flow_in);

	return in->out.slice ? add_prelude(m, pl) : 0;
}

/* Links a shell started by system() or popen() to that call: the latest
 * one its parent made before the shell started. */
static void link_shells(struct merge *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *p = &m->procs[i];
		const struct shell_call *best = NULL;
		int64_t idx;

		if (p->first_flow_in &&
		    idmap_get(&m->flow_index, p->first_flow_in, &idx) &&
		    m->flows[idx].out.slice)
			continue;
		for (size_t j = 0; j < m->nshells; j++) {
			const struct shell_call *s = &m->shells[j];
			const struct proc *parent = &m->procs[s->proc];

			if (parent->dir != p->dir || parent->pid != p->ppid ||
			    s->at.ts_ns > p->start_ns ||
			    (best && best->at.ts_ns >= s->at.ts_ns))
				continue;
			best = s;
		}
		if (!best)
			continue;
		/* Flow ids from records are random 64-bit numbers; these
		 * count down from the top, where none will be. */
		struct flow *f = merge_flow(m, UINT64_MAX - i);
		f->out = best->at;
		f->in = (struct flow_end){
			p->first_slice, merge_shown_pid(p->pid_base, p->pid),
			merge_shown_pid(p->pid_base, p->pid), p->start_ns };
		f->category = "process";
		p->parent_upid = m->procs[best->proc].upid;
	}
}

/* How processes that wrote no exit record ended: from the parent's wait,
 * and for the run's first process from the caller's. */
static void fill_exit_statuses(struct merge *m)
{
	const struct keke_merge_options *o = m->o;

	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *p = &m->procs[i];
		const struct reaped *r =
			reaped_after(m, p->dir, p->pid, p->start_ns);
		int status;

		merge_usage_settle(p, r ? &r->usage : NULL);
		if (p->last_image_exited && p->has_exit_code)
			continue;
		if (r)
			status = r->status;
		else if (o->have_root_status && p->dir == 0 &&
			 p->pid == o->root_pid && !p->parent_upid)
			status = o->root_status;
		else
			continue;
		if (WIFSIGNALED(status)) {
			p->signal = WTERMSIG(status);
			p->has_exit_code = false;
		} else if (WIFEXITED(status)) {
			p->has_exit_code = true;
			p->exit_code = WEXITSTATUS(status);
			/* it exited; only its exit record was lost */
			p->exited_by_wait = true;
		}
	}
}

/* Parents: from the incoming flow, else by ppid and start time. */
static void find_parents(struct merge *m)
{
	size_t *order = merge_procs_by_pid(m);

	for (size_t i = 0; i < m->nprocs; i++) {
		struct proc *p = &m->procs[i];
		int64_t idx;
		size_t q;

		if (p->parent_upid)
			continue;
		if (p->first_flow_in &&
		    idmap_get(&m->flow_index, p->first_flow_in, &idx) &&
		    m->flows[idx].out.slice) {
			p->parent_upid = m->procs[m->flows[idx].out_proc].upid;
			continue;
		}
		/* The last process with pid == ppid started before p. */
		q = merge_proc_at(m, order, p->dir, p->ppid, p->start_ns);
		if (q != SIZE_MAX && q != i)
			p->parent_upid = m->procs[q].upid;
	}
	free(order);
}

static int emit_processes(struct merge *m)
{
	for (size_t i = 0; i < m->nprocs; i++) {
		const struct proc *p = &m->procs[i];
		const struct machine *mc = merge_dir_machine(m, p->dir);
		struct keke_process out = {
			.upid = p->upid,
			.pid = merge_shown_pid(p->pid_base, p->pid),
			.pid_offset = p->pid_base,
			.machine_id = mc ? mc->id : 0,
			.host = mc && m->nmachines > 1 ? mc->host : NULL,
			.ppid = p->ppid,
			.parent_upid = p->parent_upid,
			.name = p->name ? p->name : "?",
			.cmdline = p->cmdline ? p->cmdline : "",
			.exe = p->exe,
			.cwd = p->cwd,
			.start_ns = p->start_ns,
			.end_ns = p->end_ns,
			.has_exit_code = p->has_exit_code,
			.exit_code = p->exit_code,
			.signal = p->signal,
			.killed = !p->last_image_exited && !p->untraced &&
				  !p->exited_by_wait,
			.untraced = p->untraced,
			.dropped = p->dropped,
		};
		struct keke_arg span = { .key = "span_id", .is_str = true,
					 .s = p->span_id, .len = 16 };

		/* Its args' set is numbered as a slice would be: every
		 * slice has its id by now. */
		if (p->span_id[0]) {
			out.arg_set_id = m->next_slice_id++;
			out.nargs = 1;
			out.args = &span;
		}
		merge_kernel_io_out(p, &out);
		out.rusage_from = p->usage_from;
		merge_usage_out(&p->usage, &out.rusage);
		if (out.killed)
			m->stats->killed++;
		if (EACH_SINK(m, process, &out))
			return -1;
	}
	m->stats->processes = m->nprocs;
	return 0;
}

static int emit_threads(struct merge *m)
{
	for (size_t i = 0; i < m->nthrs; i++) {
		const struct thr *t = &m->thrs[i];
		const struct proc *p = &m->procs[t->proc];
		const struct machine *mc = merge_dir_machine(m, p->dir);
		struct keke_thread out = {
			.utid = t->utid,
			.tid = merge_shown_pid(t->pid_base, t->tid),
			.pid_offset = t->pid_base,
			.machine_id = mc ? mc->id : 0,
			.upid = p->upid,
			.pid = merge_shown_pid(p->pid_base, p->pid),
			.name = t->name ? t->name :
				t->tid == p->pid ? p->name : NULL,
			.start_ns = t->start_ns,
			.end_ns = t->end_ns,
			.is_main_thread = t->tid == p->pid,
		};
		if (EACH_SINK(m, thread, &out))
			return -1;
	}
	m->stats->threads = m->nthrs;
	return 0;
}

static int emit_flows(struct merge *m)
{
	for (size_t i = 0; i < m->nflows; i++) {
		const struct flow *f = &m->flows[i];
		const char *category = f->category ? f->category : "flow";
		struct keke_flow out = {
			.id = (int64_t)m->stats->flows + 1,
			.slice_out = f->out.slice,
			.slice_in = f->in.slice,
			.out_pid = f->out.pid,
			.out_tid = f->out.tid,
			.out_ts_ns = f->out.ts_ns,
			.in_pid = f->in.pid,
			.in_tid = f->in.tid,
			.in_ts_ns = f->in.ts_ns,
			.category = category,
			.name = category,
		};
		if (!f->out.slice || !f->in.slice)
			continue;
		m->stats->flows++;
		if (EACH_SINK(m, flow, &out))
			return -1;
	}
	return 0;
}

/*
 * The processes that could not record and that no parent's record tells
 * of (the parent could not record it, or was not traced): from the note
 * each left, with the parent, name and time it tells.
 */
static int add_unseen(struct merge *m)
{
	for (size_t i = 0; i < m->nnotes; i++) {
		const struct note *n = &m->notes[i];
		struct flow f = { .argv = (char *)n->name,
				  .argv_len = strlen(n->name) };
		size_t proc;

		if (n->used)
			continue;
		proc = merge_new_proc(m, n->dir, n->pid, n->ppid,
				      (int64_t)n->stamp);
		f.out.ts_ns = f.out_end_ns = (int64_t)n->stamp;
		set_names(&m->procs[proc], &f);
		m->stats->untraced++;
		if (add_untraced_image(m, proc, &f, UNSEEN_PROGRAM))
			return -1;
	}
	return 0;
}

/* The run's first process, when it wrote no file: from the caller. */
static int add_untraced_root(struct merge *m)
{
	const struct keke_merge_options *o = m->o;
	struct flow f = { 0 };
	size_t proc;

	if (!o->have_root_status || !o->root_exe)
		return 0;
	for (size_t i = 0; i < m->nprocs; i++)
		if (m->procs[i].dir == 0 && m->procs[i].pid == o->root_pid)
			return 0;
	proc = merge_new_proc(m, 0, o->root_pid, 0,
			      o->root_start_ns + merge_dir_shift(m, 0));
	f.path = (char *)o->root_exe;
	f.out.ts_ns = o->root_start_ns + merge_dir_shift(m, 0);
	f.out_end_ns = o->root_end_ns + merge_dir_shift(m, 0);
	set_names(&m->procs[proc], &f);
	m->stats->untraced++;
	return add_untraced_image(m, proc, &f, UNSEEN_PROGRAM);
}

int merge_tree(struct merge *m)
{
	if (m->nreaped)
		qsort(m->reaped, m->nreaped, sizeof(*m->reaped),
		      by_dir_pid_ts);
	if (add_preludes(m) || add_untraced(m) || add_untraced_root(m))
		return -1;
	if (add_unseen(m))
		return -1;
	link_shells(m);
	fill_exit_statuses(m);
	find_parents(m);
	merge_usage_own(m);
	if (emit_processes(m) || emit_threads(m) || emit_flows(m))
		return -1;
	if (merge_critical_path(m))
		return -1;
	if (!m->cpu_count)
		m->cpu_count = m->o->cpu_count;
	if (m->cpu_count &&
	    EACH_SINK(m, metadata, "cpu_count", NULL, m->cpu_count))
		return -1;
	return 0;
}
