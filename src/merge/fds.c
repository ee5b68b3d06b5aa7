// SPDX-License-Identifier: MIT
/*
 * What each fd of a process stands for: the path an open gave it, the
 * peer a connect or accept gave it, a name like the kernel's for a pipe
 * or socket, or what it was copied from; and the working directory. A
 * call recorded with only an fd (read, write, fsync, send, ...) gets that
 * name as its "path" argument, so reads and writes can be summed per
 * file; an fd the merge cannot name gets none, never another fd's.
 *
 * One table per process, in time order across its threads: the reader
 * returns one thread's records after another's, so an image of one
 * thread is named as it is read, and an image of several is first read
 * through for its fd-changing calls only, which are sorted by the moment
 * they take effect (fd_calls.c) into each fd's names over time
 * (fd_history.c); its calls are then named by what their fd was when
 * they began. Memory grows with the fds and fd changes of one image.
 *
 * A process starts with what its parent handed it (fd_hands.c): a fork's
 * child the whole table, a system() or popen() shell what survives an
 * exec; the run's first process its fds 0 to 2 as its first record tells
 * them. An exec keeps the fds that do not close on exec.
 */
#include "merge/fds.h"

#include <stdlib.h>
#include <string.h>

#include "merge/clocks.h"
#include "merge/fd_calls.h"
#include "merge/fd_hands.h"
#include "merge/fd_history.h"
#include "merge/fd_ops.h"
#include "merge/paths.h"

/* An image of several threads is read twice; one of this size or less is
 * read into memory once. */
#define HOLD_MAX (16u << 20)

/* The fd naming of one image. */
struct fd_image {
	struct fd_state st;	/* st.history: an image of several threads */
	double ns_per_tick;
	uint32_t seq;		/* fd-changing records read so far */
	char path[2][MERGE_PATH_MAX];	/* "path" and "new_path" made
					 * absolute */
};

/* When call record @rec, begun at @ts ns, ended. */
static int64_t end_of(const struct fd_image *fi,
		      const struct keke_record *rec, int64_t ts)
{
	const struct keke_field *dur = keke_record_field(rec, KEKE_KEY_DUR);
	double ns;

	if (!dur || dur->is_str || dur->i <= 0)
		return ts;
	ns = (double)dur->i * fi->ns_per_tick;
	return ns < 1e15 ? ts + (int64_t)ns : ts;
}

/* The fds the process of @f starts with, when it did not exec from its
 * previous image: from the fork, system() or popen() that started it. */
static void inherit(struct merge *m, const struct file_info *f,
		    int64_t start, struct fd_table *t)
{
	if (f->hdr.prelude_flow_in) {
		/* A fork child that exec'd before it recorded anything. */
		if (fd_hands_take_fork(m, f->hdr.prelude_flow_in, t))
			fd_table_exec(t);
	} else if (f->hdr.flow_in) {
		fd_hands_take_fork(m, f->hdr.flow_in, t);
	} else {
		fd_hands_take_shell(m, f->dir, f->hdr.ppid, start, t);
	}
}

/* The operations of the fd-changing records of @r, copied with their
 * strings. */
struct pass {
	struct fd_op *ops;
	size_t n, cap;
	char *strings;
	size_t nstrings, strings_cap;
};

/* Adds the operations of @rec, the @seq-th fd-changing record, to @p. */
static void collect(struct pass *p, const struct fd_image *fi,
		    const struct file_info *f, const struct keke_record *rec,
		    uint32_t seq)
{
	struct fd_op ops[FD_OPS_MAX];
	int64_t ts = merge_to_ns(f, rec->ts);
	unsigned n = fd_ops_of(rec, ts, end_of(fi, rec, ts), ops);

	for (unsigned i = 0; i < n; i++) {
		struct fd_op *op = &ops[i];

		op->seq = seq;
		if (op->s) {
			if (p->nstrings + op->len > p->strings_cap) {
				p->strings_cap = 2 * (p->strings_cap +
						      op->len);
				p->strings = merge_grow(p->strings,
							p->strings_cap, 1);
			}
			memcpy(p->strings + p->nstrings, op->s, op->len);
			/* Its offset + 1 (never NULL) until the strings stop
			 * moving. */
			op->s = (const char *)(uintptr_t)(p->nstrings + 1);
			p->nstrings += op->len;
		}
		if (p->n == p->cap) {
			p->cap = p->cap ? 2 * p->cap : 64;
			p->ops = merge_grow(p->ops, p->cap, sizeof(*p->ops));
		}
		p->ops[p->n++] = *op;
	}
}

/* By moment, then in the order each record gave them. */
static int by_moment(const void *a, const void *b)
{
	const struct fd_op *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return (x->sub > y->sub) - (x->sub < y->sub);
}

/* Carries out the operations of @p in the order of their moments, noting
 * each change in the image's history, which starts from the table the
 * image began with. */
static void replay(struct fd_image *fi, struct pass *p)
{
	struct fd_table *t = fi->st.table;
	struct fd_history *h = fd_history_new();

	for (size_t i = 0; i < t->n; i++)
		fd_history_note(h, t->v[i].fd, INT64_MIN, 0, t->v[i].name);
	fd_history_note(h, FD_HISTORY_CWD, INT64_MIN, 0, t->cwd);
	fi->st.history = h;
	for (size_t i = 0; i < p->n; i++)
		if (p->ops[i].s)
			p->ops[i].s = p->strings + (uintptr_t)p->ops[i].s - 1;
	if (p->n > 1)	/* ops is NULL when none */
		qsort(p->ops, p->n, sizeof(*p->ops), by_moment);
	for (size_t i = 0; i < p->n; i++)
		fd_op_apply(&fi->st, &p->ops[i]);
	fd_state_done(&fi->st);
}

/* Reads @r through for its fd-changing records and replays them. Returns
 * 0, or -1 (m->err set) when the merge was interrupted. */
static int first_pass(struct merge *m, struct image *im,
		      struct keke_reader *r)
{
	struct fd_image *fi = im->fds;
	struct pass p = { 0 };
	struct keke_record rec;
	char err[KEKE_ERROR_MAX];
	uint32_t seq = 0;
	int got, rc = 0;

	keke_reader_hold(r, HOLD_MAX);
	keke_reader_only(r, fd_record_changes);
	while ((got = keke_reader_next(r, &rec, err)) != 0) {
		if (m->o->cancel && *m->o->cancel) {
			rc = merge_fail(m, "interrupted");
			break;
		}
		/* Damage is reported when the records are sent. */
		if (got > 0)
			collect(&p, fi, im->file, &rec, seq++);
	}
	keke_reader_only(r, NULL);
	keke_reader_rewind(r);
	if (!rc)
		replay(fi, &p);
	free(p.ops);
	free(p.strings);
	return rc;
}

int merge_fd_image_begin(struct merge *m, struct image *im,
			 struct keke_reader *r, bool continued)
{
	const struct file_info *f = im->file;
	struct proc *p = &m->procs[im->proc];
	struct fd_image *fi = merge_grow(NULL, 1, sizeof(*fi));

	if (!p->fds) {
		p->fds = merge_grow(NULL, 1, sizeof(*p->fds));
		fd_table_init(p->fds);
	}
	fd_hands_sweep(m, f->dir, f->hdr.pid);
	if (continued)
		fd_table_exec(p->fds);
	else
		inherit(m, f, im->start_ns, p->fds);
	fi->st = (struct fd_state){ .m = m, .table = p->fds, .dir = f->dir,
				    .pid = f->hdr.pid };
	fi->ns_per_tick = f->ns_per_tick;
	fi->seq = 0;
	im->fds = fi;
	if (keke_reader_threads(r) > 1)
		return first_pass(m, im, r);
	return 0;
}

/* The name @fd had when the call of record im->fds->seq began, at @ts. */
static const struct fd_name *name_at(const struct fd_image *fi, int64_t fd,
				     int64_t ts)
{
	const struct fd_entry *e;

	if (fi->st.history)
		return fd_history_at(fi->st.history, fd, ts, fi->seq);
	if (fd == FD_HISTORY_CWD)
		return fi->st.table->cwd;
	e = fd_table_get(fi->st.table, fd);
	return e ? e->name : NULL;
}

/* Adds arg @key with the name @fd had (none when it had none). */
static unsigned add_name(const struct fd_image *fi, int64_t fd, int64_t ts,
			 const char *key, struct keke_arg *args, unsigned n)
{
	const struct fd_name *name = fd >= 0 ? name_at(fi, fd, ts) : NULL;

	if (name)
		args[n++] = (struct keke_arg){ .key = key, .is_str = true,
					       .s = name->s,
					       .len = name->len };
	return n;
}

/* What of a call record the names of its fds and paths depend on. */
struct uses {
	int64_t fd, fd_in;
	bool named;		/* it names its path or peer itself */
	bool paths;		/* it has a path or new_path */
	bool dirfd;		/* relative to a dirfd not joined */
};

/* Reads @u from @rec's fields, in one pass (this runs for every call). */
static void read_uses(const struct keke_record *rec, struct uses *u)
{
	*u = (struct uses){ .fd = -1, .fd_in = -1 };
	for (unsigned i = rec->nfields; i-- > 0;) {
		const struct keke_field *f = &rec->fields[i];

		switch (f->key) {
		case KEKE_KEY_FD:
			u->fd = f->is_str ? -1 : f->i;
			break;
		case KEKE_KEY_FD_IN:
			u->fd_in = f->is_str ? -1 : f->i;
			break;
		case KEKE_KEY_PATH:
			u->named |= f->is_str && f->len;
			u->paths |= f->is_str;
			break;
		case KEKE_KEY_NEW_PATH:
			u->paths |= f->is_str;
			break;
		case KEKE_KEY_ADDR:
			u->named |= f->is_str && f->len;
			break;
		case KEKE_KEY_DIRFD:
			u->dirfd = true;
			break;
		}
	}
}

/* Makes the "path" and "new_path" args of @rec (of @nargs in @args)
 * absolute, into fi->path. */
static void absolute_args(struct fd_image *fi, const struct keke_record *rec,
			  bool dirfd, int64_t ts, struct keke_arg *args,
			  unsigned nargs)
{
	/* A library name without a slash is looked for, not opened; so is
	 * the program of an execvp or posix_spawnp that found none. */
	bool searched = rec->name == KEKE_CALL_DLOPEN ||
			rec->name == KEKE_CALL_DLCLOSE ||
			(rec->err && (rec->name == KEKE_CALL_EXEC ||
				      rec->name == KEKE_CALL_SPAWN));
	const struct fd_name *cwd = NULL;
	unsigned used = 0;

	for (unsigned i = 0; i < nargs && used < 2; i++) {
		struct keke_arg *a = &args[i];
		size_t len;

		if (!a->is_str || (strcmp(a->key, "path") &&
				   strcmp(a->key, "new_path")) ||
		    (searched && !memchr(a->s, '/', a->len)))
			continue;
		if (!cwd && a->len && a->s[0] != '/') {
			if (dirfd)
				continue;	/* relative to the dirfd */
			cwd = name_at(fi, FD_HISTORY_CWD, ts);
		}
		len = merge_path_absolute(cwd ? cwd->s : NULL,
					  cwd ? cwd->len : 0, a->s, a->len,
					  fi->path[used]);
		if (len) {
			a->s = fi->path[used++];
			a->len = len;
		}
	}
}

unsigned merge_fd_args(struct image *im, const struct keke_record *rec,
		       int64_t ts, struct keke_arg *args, unsigned nargs)
{
	struct fd_image *fi = im->fds;
	struct uses u;
	unsigned n = nargs;

	read_uses(rec, &u);
	if (u.paths)
		absolute_args(fi, rec, u.dirfd, ts, args, nargs);
	if (!u.named)
		n = add_name(fi, u.fd, ts, "path", args, n);
	return add_name(fi, u.fd_in, ts, "path_in", args, n);
}

void merge_fd_record_done(struct image *im, const struct keke_record *rec,
			  int64_t ts)
{
	struct fd_image *fi = im->fds;
	struct fd_op ops[FD_OPS_MAX];
	unsigned n;

	if (!fd_record_changes(rec))
		return;
	if (!fi->st.history) {
		n = fd_ops_of(rec, ts, end_of(fi, rec, ts), ops);
		for (unsigned i = 0; i < n; i++) {
			ops[i].seq = fi->seq;
			fd_op_apply(&fi->st, &ops[i]);
		}
	}
	fi->seq++;
}

void merge_fd_image_end(struct image *im)
{
	struct fd_image *fi = im->fds;

	if (!fi)
		return;
	fd_history_free(fi->st.history);
	fd_state_done(&fi->st);
	free(fi);
	im->fds = NULL;
}

void merge_fd_drop(struct proc *p)
{
	if (!p->fds)
		return;
	fd_table_clear(p->fds);
	free(p->fds);
	p->fds = NULL;
}

void merge_fd_free(struct merge *m)
{
	fd_hands_free(m);
}
