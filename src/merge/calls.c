// SPDX-License-Identifier: MIT
/*
 * The slice of a call record: its name and category, its fields as args
 * (with the errno it failed with and the name of the fd it used), its
 * place under the open span or the image, its stack and its flows; and
 * what a call of the process family tells the tree: a reaped child, a
 * shell started, what a fork, spawn or exec started.
 */
#include "merge/calls.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge/access.h"
#include "merge/clocks.h"
#include "merge/critical_path.h"
#include "merge/decode.h"
#include "merge/fds.h"
#include "merge/kernel_io.h"
#include "merge/stacks.h"
#include "merge/user.h"

/* What a slice record's fields set, apart from its args. */
struct call_fields {
	int64_t dur;		/* ns */
	uint64_t flow_out, flow_in;
	int64_t stack_id;
};

/* Room for the decoded texts of one slice's args: a few flags each. */
#define SHOWN_MAX (4 * MERGE_DECODE_MAX)

/* Gives @a, the arg of integer field @f of @rec, its decoded text, in
 * @shown (SHOWN_MAX bytes) from *@used on, when it has one and it fits. */
static void show(const struct keke_record *rec, const struct keke_field *f,
		 struct keke_arg *a, char *shown, size_t *used)
{
	size_t n = merge_decode(rec->name, f->key, f->i, rec, shown + *used,
				SHOWN_MAX - *used);

	if (n) {
		a->display = shown + *used;
		a->display_len = n;
		*used += n + 1;
	}
}

/*
 * Reads @rec's fields into @c (the duration in ns at @ns_per_tick), and
 * the others into @args, an argv as a command line in @argv_line
 * (KEKE_STRING_CAP bytes), decoded integers in @shown (SHOWN_MAX bytes).
 * Returns how many args.
 */
static unsigned read_fields(const struct keke_record *rec, double ns_per_tick,
			    struct call_fields *c, struct keke_arg *args,
			    char *argv_line, char *shown)
{
	unsigned nargs = 0;
	size_t used = 0;

	for (unsigned i = 0; i < rec->nfields; i++) {
		const struct keke_field *f = &rec->fields[i];
		const char *key = keke_key_name(f->key);

		switch (f->key) {
		case KEKE_KEY_DUR:
			c->dur = f->is_str ? 0 : (int64_t)((double)f->i *
							   ns_per_tick);
			continue;
		case KEKE_KEY_NAME:
		case KEKE_KEY_CAT:
			continue;
		case KEKE_KEY_FLOW_OUT:
			c->flow_out = (uint64_t)f->i;
			continue;
		case KEKE_KEY_FLOW_IN:
			c->flow_in = (uint64_t)f->i;
			continue;
		case KEKE_KEY_STACK_ID:
			c->stack_id = f->is_str ? 0 : f->i;
			continue;
		}
		args[nargs++] = (struct keke_arg){
			.key = key ? key : "unknown",
			.is_str = f->is_str,
			.i = f->i,
			.s = f->s,
			.len = f->len,
		};
		if (!f->is_str && merge_may_decode(rec->name, f->key))
			show(rec, f, &args[nargs - 1], shown, &used);
		if (f->key == KEKE_KEY_ARGV && f->is_str &&
		    f->len <= KEKE_STRING_CAP) {
			/* Shown as a command line, like cmdline. */
			for (uint32_t j = 0; j < f->len; j++)
				argv_line[j] = f->s[j] ? f->s[j] : ' ';
			args[nargs - 1].s = argv_line;
		}
	}
	return nargs;
}

/* Adds to @args, which hold @n, the errno @err of a failed call and its
 * name. Returns how many args then. */
static unsigned add_error_args(struct keke_arg *args, unsigned n, int err)
{
	const char *e = strerrorname_np(err);

	args[n++] = (struct keke_arg){ .key = "errno", .i = err };
	if (e)
		args[n++] = (struct keke_arg){ .key = "error", .is_str = true,
					       .s = e, .len = strlen(e) };
	return n;
}

/* The name of @rec's slice: its call's, else the one the record gives
 * (a known call's name field is an argument: memfd_create's), written
 * into @buf, of @size bytes, when it is made. */
static const char *call_name(const struct keke_record *rec, char *buf,
			     size_t size)
{
	const struct keke_field *given = keke_record_str(rec, KEKE_KEY_NAME);
	const char *name = keke_call_name(rec->name);

	if (!name && given && given->len) {
		snprintf(buf, size, "%.*s", (int)given->len, given->s);
		return buf;
	}
	if (!name) {
		snprintf(buf, size, "call#%u", rec->name);
		return buf;
	}
	return name;
}

/* A child a wait reaped, for the tree to give its exit status. */
static void note_reaped(struct merge *m, const struct image *im,
			const struct keke_record *rec,
			const struct keke_slice *s)
{
	if (keke_record_int(rec, KEKE_KEY_CHILD_PID, 0) <= 0)
		return;
	m->reaped = merge_grow(m->reaped, m->nreaped + 1, sizeof(*m->reaped));
	m->reaped[m->nreaped++] = (struct reaped){
		.dir = im->file->dir,
		.pid = (int)keke_record_int(rec, KEKE_KEY_CHILD_PID, 0),
		.status = (int)keke_record_int(rec, KEKE_KEY_STATUS, 0),
		.ts_ns = s->ts_ns + s->dur_ns,
	};
	merge_usage_of(rec, &m->reaped[m->nreaped - 1].usage);
}

/* A system() or popen(), for the tree to link the shell it started. */
static void note_shell(struct merge *m, const struct image *im,
		       const struct keke_slice *s)
{
	m->shells = merge_grow(m->shells, m->nshells + 1, sizeof(*m->shells));
	m->shells[m->nshells++] = (struct shell_call){
		.proc = im->proc,
		.at = { s->id, s->pid, s->tid, s->ts_ns },
	};
}

/* An exec that succeeded (its flow @flow_out leads to the pid's next
 * image) lasts until just before that image starts. */
static void stretch_exec(const struct image *im, struct keke_slice *s,
			 uint64_t flow_out)
{
	int64_t next;

	if (!im->next || im->next->hdr.flow_in != flow_out)
		return;
	next = merge_file_start_ns(im->next);
	/* Leaving room for the old image's end (see image.c). */
	if (next - 2 > s->ts_ns)
		s->dur_ns = next - 2 - s->ts_ns;
}

/* What a fork, spawn or exec started, on its flow @flow_out: what a
 * child the tree finds no file of needs to be shown untraced. */
static void note_started(struct merge *m, const struct image *im,
			 const struct keke_record *rec,
			 const struct keke_slice *s, uint64_t flow_out)
{
	struct flow *f = merge_flow(m, flow_out);

	f->call = rec->name;
	f->out_proc = im->proc;
	f->child_pid = rec->name == KEKE_CALL_EXEC ?
		s->pid : (int)keke_record_int(rec, KEKE_KEY_CHILD_PID, 0);
	f->out_end_ns = s->ts_ns + s->dur_ns;
	f->vfork = keke_record_int(rec, KEKE_KEY_VFORK, 0) != 0;
	f->no_room = rec->flags & KEKE_RECF_UNTRACED;
	free(f->path);
	free(f->argv);
	f->path = merge_field_dup(rec, KEKE_KEY_PATH, NULL);
	f->argv = merge_field_dup(rec, KEKE_KEY_ARGV, &f->argv_len);
}

/*
 * What a process-family slice @s says about the tree: a reaped child, a
 * shell started, where its flow @flow_out leads. An exec that succeeded
 * lasts until the new image starts.
 */
static void note_process_call(struct merge *m, struct image *im,
			      const struct keke_record *rec,
			      struct keke_slice *s, uint64_t flow_out)
{
	switch (rec->name) {
	case KEKE_CALL_WAIT:
		note_reaped(m, im, rec, s);
		return;
	case KEKE_CALL_SYSTEM:
	case KEKE_CALL_POPEN:
		note_shell(m, im, s);
		return;
	case KEKE_CALL_EXEC:
		m->procs[im->proc].last_exec_flow = flow_out;
		stretch_exec(im, s, flow_out);
		break;
	case KEKE_CALL_FORK:
	case KEKE_CALL_SPAWN:
		break;
	default:
		return;
	}
	if (flow_out)
		note_started(m, im, rec, s, flow_out);
}

/* Slice @s as the source of the flow @c->flow_out and the end of
 * @c->flow_in. */
static void link_flows(struct merge *m, const struct keke_slice *s,
		       const struct call_fields *c)
{
	struct flow_end here = { s->id, s->pid, s->tid, s->ts_ns };

	if (c->flow_out) {
		struct flow *f = merge_flow(m, c->flow_out);

		f->out = here;
		f->category = s->category;
		if (!f->out_end_ns)
			f->out_end_ns = s->ts_ns + s->dur_ns;
	}
	if (c->flow_in)
		merge_flow(m, c->flow_in)->in = here;
}

int merge_call_slice(struct merge *m, struct image *im, struct thr *t,
		     const struct keke_record *rec, int64_t ts)
{
	struct keke_arg args[KEKE_MAX_FIELDS + 4];
	char argv_line[KEKE_STRING_CAP];
	char shown[SHOWN_MAX];
	char name_buf[256];
	struct call_fields c = { 0 };
	const char *category = keke_call_category(rec->name);
	struct proc *p = &m->procs[im->proc];
	unsigned nargs = read_fields(rec, im->file->ns_per_tick, &c, args,
				     argv_line, shown);

	if (rec->err) {
		nargs = add_error_args(args, nargs, rec->err);
		c.flow_out = 0;	/* a failed call started nothing */
	}
	nargs = merge_fd_args(im, rec, ts, args, nargs);
	struct keke_slice s = {
		.id = m->next_slice_id++,
		.utid = t->utid,
		.pid = merge_shown_pid(p->pid_base, p->pid),
		.tid = merge_shown_pid(t->pid_base, t->tid),
		.ts_ns = ts,
		.dur_ns = c.dur > 0 ? c.dur : 0,
		.category = category ? category : "call",
		.name = call_name(rec, name_buf, sizeof(name_buf)),
		.nargs = nargs,
		.args = args,
	};
	/* Flows start and end at calls that start processes (and at the
	 * shells of system and popen, which the tree links later). */
	s.flow_end = c.flow_out || c.flow_in ||
		     rec->name == KEKE_CALL_SYSTEM ||
		     rec->name == KEKE_CALL_POPEN;
	merge_place(m, im, t, &s);
	if (c.stack_id)
		merge_slice_stack(im, c.stack_id, &s);
	note_process_call(m, im, rec, &s, c.flow_out);
	merge_kernel_io(p, rec, ts);
	if (rec->name == KEKE_CALL_EXEC && !rec->err)
		merge_usage_of(rec, &im->usage);
	if (merge_access_call(m, im, rec, &s))
		return -1;
	merge_critical_call(m, im->proc, rec->name, &s,
			    (int)keke_record_int(rec, KEKE_KEY_CHILD_PID, 0));
	link_flows(m, &s, &c);
	if (ts + s.dur_ns > t->end_ns)
		t->end_ns = ts + s.dur_ns;
	if (ts + s.dur_ns > im->end_ns)
		im->end_ns = ts + s.dur_ns;
	return merge_send_slice(m, &s);
}
