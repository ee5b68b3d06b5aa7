// SPDX-License-Identifier: MIT
/*
 * One record file, one process image: which process it belongs to (a
 * file whose pid's previous image exec'd into it is that image's
 * successor: same process, same main thread), its records sent as they
 * are read, and one slice spanning its life.
 */
#include "merge/image.h"

#include <stdlib.h>
#include <string.h>

#include "merge/calls.h"
#include "merge/clocks.h"
#include "merge/fds.h"
#include "merge/kernel_io.h"
#include "merge/stacks.h"
#include "merge/trace_context.h"
#include "merge/tree.h"
#include "merge/usage.h"
#include "merge/user.h"
#include "record/trace_context.h"

/* The image's thread @tid, through a per-image cache of the lookup. */
static struct thr *image_thread(struct merge *m, struct image *im, int tid,
				int64_t ts)
{
	int64_t idx;
	struct thr *t;

	if (!idmap_get(&im->threads, (uint64_t)tid, &idx)) {
		t = merge_thread(m, im->proc, tid, ts);
		idmap_put(&im->threads, (uint64_t)tid, t - m->thrs);
		return t;
	}
	t = &m->thrs[idx];
	if (ts > t->end_ns)
		t->end_ns = ts;
	return t;
}

/* What a PROCESS_START record tells of the image: what it runs, where,
 * and the program its prelude exec'd (record.h). */
static void on_process_start(struct image *im, const struct keke_record *rec)
{
	free(im->exe);
	free(im->cwd);
	free(im->argv);
	im->exe = merge_field_dup(rec, KEKE_KEY_EXE, NULL);
	im->cwd = merge_field_dup(rec, KEKE_KEY_CWD, NULL);
	im->argv = merge_field_dup(rec, KEKE_KEY_ARGV, &im->argv_len);
	free(im->env);
	im->env = merge_field_dup(rec, KEKE_KEY_ENV, &im->env_len);
	free(im->exec_path);
	im->exec_path = merge_field_dup(rec, KEKE_KEY_PATH, NULL);
}

/* A PROCESS_END record: the image exited, with the status it tells. */
static void on_process_end(struct image *im, const struct keke_record *rec,
			   int64_t ts)
{
	const struct keke_field *status = keke_record_field(rec,
							   KEKE_KEY_STATUS);

	im->exited = true;
	if (status && !status->is_str) {
		im->has_status = true;
		im->status = (int)status->i;
	}
	if (ts > im->end_ns)
		im->end_ns = ts;
}

/* The args of @im's slice, into @args (10 at most): what names it, and
 * how it ended. Returns how many. */
static unsigned image_args(struct image *im, const struct proc *p,
			   const char *cmdline, struct keke_arg *args)
{
	const struct keke_file_header *hdr = &im->file->hdr;
	unsigned n = merge_process_args(args, cmdline, im->exe, im->cwd);

	if (im->env) {
		/* One variable a line. */
		for (size_t i = 0; i < im->env_len; i++)
			if (!im->env[i])
				im->env[i] = '\n';
		args[n++] = (struct keke_arg){ .key = "env", .is_str = true,
					       .s = im->env,
					       .len = im->env_len };
	}
	if (im->has_status)
		args[n++] = (struct keke_arg){ .key = "exit_code",
					       .i = im->status & 0xff };
	if (!im->exited && !p->last_exec_flow)
		args[n++] = (struct keke_arg){
			.key = "ended", .is_str = true,
			.s = "without an exit record (killed?)", .len = 32 };
	if (hdr->dropped)
		args[n++] = (struct keke_arg){ .key = "dropped_events",
					       .i = (int64_t)hdr->dropped };
	if (hdr->filtered)
		args[n++] = (struct keke_arg){ .key = "short_calls_left_out",
					       .i = (int64_t)hdr->filtered };
	if (im->span_id[0])
		args[n++] = (struct keke_arg){ .key = "span_id", .is_str = true,
					       .s = im->span_id, .len = 16 };
	/* Its pid was moved apart from other machines' (machines.c). */
	if (p->pid_base)
		args[n++] = (struct keke_arg){ .key = "host_pid", .i = p->pid };
	return n;
}

/* The process @p takes the facts of @im, its latest image, and its name
 * and @cmdline (which it keeps). */
static void take_image_facts(struct merge *m, struct proc *p,
			     struct image *im, const char *name,
			     char *cmdline)
{
	free(p->name);
	free(p->cmdline);
	free(p->exe);
	free(p->cwd);
	p->name = merge_memdup(name, strlen(name));
	p->cmdline = cmdline;
	p->exe = im->exe;
	p->cwd = im->cwd;
	im->exe = im->cwd = NULL;
	p->end_ns = im->end_ns;
	p->last_image_exited = im->exited;
	p->has_exit_code = im->has_status;
	p->exit_code = im->status & 0xff;
	memcpy(p->span_id, im->span_id, sizeof(p->span_id));
	p->dropped += im->file->hdr.dropped;
	m->stats->dropped += im->file->hdr.dropped;
}

/* As ps names the image: argv[0] ("sh", not the "dash" it links to). */
static const char *image_name(const struct image *im)
{
	const char *name = merge_basename(im->argv_len ? im->argv : im->exe);

	return *name ? name : "process";
}

/* The slice that spans @im's life, on its main thread, but for its end,
 * its name and its args. */
static struct keke_slice image_slice(struct merge *m, const struct image *im)
{
	struct thr *main_thread = merge_thread(m, im->proc,
					       m->procs[im->proc].pid,
					       im->start_ns);
	struct keke_slice s = merge_main_slice(main_thread, im->slice_id,
					       im->start_ns, 0);

	s.category = "process";
	s.flow_end = true;
	return s;
}

/* Hands the prelude of @im (the last one made) what the image told of
 * the exec that made it: the program and its arguments. */
static void hand_to_prelude(struct merge *m, struct image *im)
{
	struct prelude *pl = &m->preludes[m->npreludes - 1];

	pl->path = im->exec_path;
	pl->argv = merge_memdup(im->argv ? im->argv : "", im->argv_len);
	pl->argv_len = im->argv_len;
	im->exec_path = NULL;
}

/* Announces @im's slice to the sinks before the first slice it holds
 * (sink.h), after its prelude's when it has one. Returns 0 or -1 (m->err
 * set). */
static int announce_image(struct merge *m, struct image *im)
{
	struct keke_slice s = image_slice(m, im);

	im->announced = true;
	if (im->file->hdr.prelude_flow_in) {
		hand_to_prelude(m, im);
		if (merge_add_prelude(m, &m->preludes[m->npreludes - 1]))
			return -1;
	}
	s.name = image_name(im);
	return EACH_SINK(m, slice_begin, &s);
}

/* The slice that spans an image's life, on its main thread; the process
 * takes the facts of its latest image. */
static int emit_image_slice(struct merge *m, struct image *im)
{
	struct keke_arg args[10 + MERGE_USAGE_N];
	int rc;

	/* First: announcing may add processes and threads. */
	if (!im->announced && announce_image(m, im))
		return -1;

	struct proc *p = &m->procs[im->proc];
	char *cmdline = merge_argv_line(im->argv, im->argv_len);
	const char *name = image_name(im);
	struct thr *main_thread = merge_thread(m, im->proc, p->pid,
					       im->start_ns);
	unsigned nargs = image_args(im, p, cmdline, args);

	nargs += merge_usage_image(im, p, args + nargs);
	/* It ends a nanosecond past its last event: viewers that add ts and
	 * dur in floating point take equal ends, or an end equal to the
	 * next image's start, for overlaps. */
	struct keke_slice s = image_slice(m, im);

	s.dur_ns = im->end_ns + 1 - im->start_ns;
	s.name = name;
	s.nargs = nargs;
	s.args = args;
	if (im->file->hdr.flow_in)
		merge_flow(m, im->file->hdr.flow_in)->in =
			(struct flow_end){ s.id, s.pid, s.tid, s.ts_ns };
	if (s.ts_ns + s.dur_ns > main_thread->end_ns)
		main_thread->end_ns = s.ts_ns + s.dur_ns;
	rc = merge_send_slice(m, &s);
	take_image_facts(m, p, im, name, cmdline);
	return rc;
}

/*
 * The process of a file whose image a fork child exec'd into without a
 * file of its own (record.h, prelude_flow_in): a new one, which starts with
 * that child's image (its slices are sent by the tree).
 */
static size_t prelude_process(struct merge *m, const struct file_info *f,
			      int64_t start_ns)
{
	int64_t fork_ns = merge_to_ns(f, f->hdr.prelude_start);
	int64_t exec_ns = merge_to_ns(f, f->hdr.prelude_exec);
	struct prelude *pl;
	size_t i;

	/* Each step after the one before, and the exec before the image
	 * it made, whatever a damaged header says. */
	fork_ns = merge_after_flow_out(m, f->hdr.prelude_flow_in, fork_ns);
	if (fork_ns > start_ns - 2)
		fork_ns = start_ns - 2;
	if (exec_ns < fork_ns || exec_ns > start_ns - 2)
		exec_ns = fork_ns;
	if (m->nprocs)
		merge_fd_drop(&m->procs[m->nprocs - 1]);
	i = merge_new_proc(m, f->dir, f->hdr.pid, f->hdr.ppid, fork_ns);
	m->preludes = merge_grow(m->preludes, m->npreludes + 1,
				 sizeof(*m->preludes));
	pl = &m->preludes[m->npreludes++];
	*pl = (struct prelude){
		.proc = i,
		.image_slice = m->next_slice_id++,
		.exec_slice = m->next_slice_id++,
		.exec_flow = f->hdr.flow_in,
		.start_ns = fork_ns,
		.exec_ns = exec_ns,
		.end_ns = start_ns,
	};
	m->procs[i].first_flow_in = f->hdr.prelude_flow_in;
	m->procs[i].first_slice = pl->image_slice;
	merge_thread(m, i, f->hdr.pid, fork_ns);
	return i;
}

/*
 * The process a file belongs to: its pid's previous image when that one
 * exec'd into this one (its exec's flow is this file's incoming flow; or,
 * for traces without process events, it ended without exiting), else a
 * new process.
 */
static size_t process_for(struct merge *m, const struct file_info *f,
			  int64_t start_ns)
{
	if (f->hdr.prelude_flow_in)
		return prelude_process(m, f, start_ns);
	if (m->nprocs) {
		struct proc *last = &m->procs[m->nprocs - 1];
		bool same_pid = last->dir == f->dir && last->pid == f->hdr.pid;
		bool exec_flow = f->hdr.flow_in &&
				 last->last_exec_flow == f->hdr.flow_in;
		bool vanished = !f->hdr.flow_in && !last->last_image_exited &&
				last->end_ns <= start_ns;

		if (same_pid && (exec_flow || vanished)) {
			last->last_exec_flow = 0;
			return m->nprocs - 1;
		}
	}
	/* Files come in pid order: the previous process is done. */
	if (m->nprocs)
		merge_fd_drop(&m->procs[m->nprocs - 1]);
	size_t i = merge_new_proc(m, f->dir, f->hdr.pid, f->hdr.ppid,
				  start_ns);
	m->procs[i].first_flow_in = f->hdr.flow_in;
	m->procs[i].first_slice = m->next_slice_id;
	return i;
}

/* Sends one record of @im's file. Returns 0 or -1 (m->err set). */
static int on_record(struct merge *m, struct image *im,
		     const struct keke_record *rec)
{
	int64_t ts = merge_to_ns(im->file, rec->ts);
	int rc = 0;

	/* Its slice holds all others: announced once it has its name (and
	 * before @t is taken: announcing may add threads). */
	if (!im->announced && rec->type != KEKE_REC_PROCESS_START &&
	    announce_image(m, im))
		return -1;
	struct thr *t = image_thread(m, im, rec->tid, ts);

	switch (rec->type) {
	case KEKE_REC_PROCESS_START:
		on_process_start(im, rec);
		merge_context_process_start(m, im, rec);
		if (keke_record_int(rec, KEKE_KEY_CPUS, 0) > m->cpu_count)
			m->cpu_count = keke_record_int(rec, KEKE_KEY_CPUS, 0);
		break;
	case KEKE_REC_PROCESS_END:
		on_process_end(im, rec, ts);
		merge_kernel_io(&m->procs[im->proc], rec, ts);
		merge_usage_of(rec, &im->usage);
		break;
	case KEKE_REC_SLICE:
		rc = merge_call_slice(m, im, t, rec, ts);
		break;
	case KEKE_REC_THREAD_NAME:
		free(t->name);
		t->name = merge_field_dup(rec, KEKE_KEY_NAME, NULL);
		break;
	case KEKE_REC_MODULE:
		rc = merge_module_record(m, im, rec);
		break;
	case KEKE_REC_STACK:
		rc = merge_stack_record(m, im, rec);
		break;
	default:
		rc = merge_user_record(m, im, t, rec, ts);
		break;
	}
	merge_fd_record_done(im, rec, ts);
	if (ts > im->end_ns)
		im->end_ns = ts;
	return rc;
}

/* Sends the records of @r, @im's file, reporting damage. Returns 0, or
 * -1 (m->err set) when the merge fails or is interrupted. */
static int read_records(struct merge *m, struct image *im,
			struct keke_reader *r)
{
	struct keke_record rec;
	char err[KEKE_ERROR_MAX];
	int got;

	while ((got = keke_reader_next(r, &rec, err)) != 0) {
		if (m->o->cancel && *m->o->cancel)
			return merge_fail(m, "interrupted");
		if (got < 0) {
			merge_damage(m, "%s", err);
			continue;
		}
		if (on_record(m, im, &rec))
			return -1;
	}
	return 0;
}

/* Frees what @im holds. */
static void free_image(struct image *im)
{
	idmap_free(&im->threads);
	merge_image_stacks_free(im);
	free(im->exe);
	free(im->cwd);
	free(im->argv);
	free(im->env);
	free(im->exec_path);
}

int merge_file(struct merge *m, const struct file_info *f,
	       const struct file_info *next)
{
	struct keke_reader r;
	char err[KEKE_ERROR_MAX];
	int64_t start = merge_after_flow_out(m, f->hdr.flow_in,
		merge_to_ns(f, f->hdr.image_start ? f->hdr.image_start :
						    f->hdr.start.ticks));
	struct image im = {
		.file = f,
		.next = next,
		.start_ns = start,
		.end_ns = start,
	};
	size_t nprocs = m->nprocs;
	bool continued;
	int rc;

	if (!keke_id_is_zero(f->hdr.span_id, 8))
		keke_hex_format(f->hdr.span_id, 8, im.span_id);
	/* The process first: a new one's first slice is the image's. */
	im.proc = process_for(m, f, start);
	continued = m->nprocs == nprocs;
	im.slice_id = m->next_slice_id++;
	if (keke_reader_openat(&r, m->dirfds[f->dir], f->name, f->path,
			       err) != 0) {
		merge_damage(m, "%s; left out", err);
		return 0;
	}
	idmap_init(&im.threads);
	rc = merge_fd_image_begin(m, &im, &r, continued);
	if (!rc)
		rc = read_records(m, &im, &r);
	keke_reader_close(&r);
	merge_fd_image_end(&im);
	if (!rc)
		rc = merge_close_spans(m, &im);
	if (!rc)
		rc = emit_image_slice(m, &im);
	free_image(&im);
	return rc;
}
