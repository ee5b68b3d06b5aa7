// SPDX-License-Identifier: MIT
/*
 * The operations on a process's fds carried out (fd_ops.h): names made
 * for fds without a path, as the kernel's /proc/self/fd links name them
 * ("pipe:[N]", "socket:[N]": N numbered by the merge, across the run),
 * paths made absolute against the working directory of the moment, and
 * the tables children are handed.
 *
 * A hand (fork, system(), popen()) copies the table when its call begins
 * and gives it to the child when it ends; an fd another thread changed in
 * between is left out, since the child may have got it either way.
 */
#include "merge/fd_ops.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge/fd_hands.h"
#include "merge/paths.h"

/* A hand begun and not yet ended: the table its child will get. */
struct fd_window {
	uint32_t seq;		/* of its call */
	struct fd_table snap;
};

/*
 * Notes that @fd (or FD_HISTORY_CWD) became @name at @op's moment, or
 * that something else of it changed: in the history when there is one;
 * and the hands under way leave it out.
 */
static void changed(struct fd_state *st, const struct fd_op *op, int64_t fd,
		    struct fd_name *name)
{
	if (st->history)
		fd_history_note(st->history, fd, op->t, op->seq, name);
	for (size_t i = 0; i < st->nwindows; i++) {
		if (fd == FD_HISTORY_CWD)
			fd_table_set_cwd(&st->windows[i].snap, NULL);
		else
			fd_table_remove(&st->windows[i].snap, fd);
	}
}

/* Names @fd @name (NULL: forgets it), closing on exec or not. */
static void set(struct fd_state *st, const struct fd_op *op, int64_t fd,
		struct fd_name *name, bool cloexec)
{
	fd_table_set(st->table, fd, name, cloexec);
	changed(st, op, fd, name);
}

/* As set, for a name made for the purpose. */
static void set_new(struct fd_state *st, const struct fd_op *op, int64_t fd,
		    struct fd_name *name, bool cloexec)
{
	set(st, op, fd, name, cloexec);
	fd_name_put(name);
}

/* @op's string made absolute against the working directory; as given
 * when it cannot be (unless @need_absolute: NULL then), or NULL when it
 * has none. */
static struct fd_name *path_name(const struct fd_state *st,
				 const struct fd_op *op, bool need_absolute)
{
	const struct fd_name *cwd = st->table->cwd;
	char buf[MERGE_PATH_MAX];
	size_t n;

	if (!op->s)
		return NULL;
	n = merge_path_absolute(cwd ? cwd->s : NULL, cwd ? cwd->len : 0,
				op->s, op->len, buf);
	if (n)
		return fd_name_new(buf, n);
	return need_absolute ? NULL : fd_name_new(op->s, op->len);
}

/* A new name "KIND:[N]", N the next number of the run. */
static struct fd_name *numbered(struct fd_state *st, const char *kind)
{
	return fd_name_printf("%s:[%llu]", kind,
			      (unsigned long long)++st->m->fd_anon_no);
}

/* The fds from op->fd to op->fd2 are closed, or (@cloexec) close on
 * exec. */
static void close_fds(struct fd_state *st, const struct fd_op *op,
		      bool cloexec)
{
	struct fd_table *t = st->table;

	if (op->fd == op->fd2 && !cloexec) {
		if (fd_table_get(t, op->fd))
			set(st, op, op->fd, NULL, false);
		return;
	}
	/* From the end: removing an entry moves the last one into its
	 * place, which has been looked at already. */
	for (size_t i = t->n; i-- > 0;) {
		struct fd_entry *e = &t->v[i];

		if (e->fd < op->fd || e->fd > op->fd2)
			continue;
		if (!cloexec) {
			set(st, op, e->fd, NULL, false);
			continue;
		}
		e->cloexec = true;
		changed(st, op, e->fd, e->name);
	}
}

/* The working directory becomes @cwd (NULL: not known). */
static void set_cwd(struct fd_state *st, const struct fd_op *op,
		    struct fd_name *cwd)
{
	fd_table_set_cwd(st->table, cwd);
	changed(st, op, FD_HISTORY_CWD, cwd);
}

/* A hand begins: the table its child gets, as it is now; a child that
 * execs first (a shell, a vfork's or posix_spawn's) what survives the
 * exec, and popen's shell no other popen stream. */
static void hand_begin(struct fd_state *st, const struct fd_op *op)
{
	struct fd_window *w;

	st->windows = merge_grow(st->windows, st->nwindows + 1,
				 sizeof(*st->windows));
	w = &st->windows[st->nwindows++];
	w->seq = op->seq;
	fd_table_init(&w->snap);
	fd_table_copy(&w->snap, st->table, op->shell || op->execs);
	if (!op->popen)
		return;
	for (size_t i = w->snap.n; i-- > 0;)
		if (w->snap.v[i].popen)
			fd_table_remove(&w->snap, w->snap.v[i].fd);
}

/* A hand ends: its child gets the table; a popen's parent its end of the
 * pipe (named, when told which fd it is) and the child the other at fd 0
 * or 1 (neither is known when the mode was not told). */
static void hand_end(struct fd_state *st, const struct fd_op *op)
{
	struct fd_table snap;
	size_t i;

	for (i = 0; i < st->nwindows && st->windows[i].seq != op->seq; i++)
		;
	if (i == st->nwindows)
		return;
	snap = st->windows[i].snap;
	st->windows[i] = st->windows[--st->nwindows];
	if (op->popen) {
		struct fd_name *pipe = numbered(st, "pipe");

		if (op->fd2 >= 0) {
			fd_table_set(&snap, op->fd2, pipe, false);
		} else {
			fd_table_remove(&snap, 0);
			fd_table_remove(&snap, 1);
		}
		if (op->fd >= 0) {
			set(st, op, op->fd, pipe, op->cloexec);
			fd_table_get(st->table, op->fd)->popen = true;
		}
		fd_name_put(pipe);
	}
	if (op->shell)
		fd_hands_shell(st->m, st->dir, st->pid, op->start, &snap);
	else
		fd_hands_fork(st->m, op->flow, st->dir, st->pid, op->child_pid,
			      &snap);
}

/* The name "/memfd:NAME (deleted)" of a memfd, as the kernel gives it. */
static struct fd_name *memfd_name(const struct fd_op *op)
{
	static const char pre[] = "/memfd:", post[] = " (deleted)";
	size_t n = sizeof(pre) - 1 + op->len + sizeof(post) - 1;
	char *buf = merge_grow(NULL, n + 1, 1);
	struct fd_name *name;

	memcpy(buf, pre, sizeof(pre) - 1);
	if (op->len)
		memcpy(buf + sizeof(pre) - 1, op->s, op->len);
	memcpy(buf + sizeof(pre) - 1 + op->len, post, sizeof(post) - 1);
	name = fd_name_new(buf, n);
	free(buf);
	return name;
}

/* The kind of name @s (@len bytes) is: its length up to a ':' of a
 * "pipe:[N]" or "anon_inode:[eventfd]", else 0 (a path). */
static size_t anon_kind(const char *s, size_t len)
{
	const char *colon = s[0] == '/' ? NULL : memchr(s, ':', len);

	return colon ? (size_t)(colon - s) : 0;
}

/*
 * An image's start tells what the kernel names its fd: it replaces the
 * name the fd was handed unless both are the same pipe, socket or other
 * anonymous kind (the merge numbers those its own way), or the same path
 * but for the " (deleted)" the kernel adds to an unlinked file's.
 */
static void kernel_name(struct fd_state *st, const struct fd_op *op)
{
	static const char deleted[] = " (deleted)";
	const struct fd_entry *e = fd_table_get(st->table, op->fd);
	size_t n = op->len, kind;

	if (!op->s || !n) {
		if (e)
			set(st, op, op->fd, NULL, false);
		return;
	}
	if (e) {
		const struct fd_name *had = e->name;

		kind = anon_kind(op->s, n);
		if (kind && kind == anon_kind(had->s, had->len) &&
		    !memcmp(op->s, had->s, kind))
			return;
		if (n > sizeof(deleted) - 1 &&
		    !memcmp(op->s + n - (sizeof(deleted) - 1), deleted,
			    sizeof(deleted) - 1))
			n -= sizeof(deleted) - 1;
		if (n == had->len && !memcmp(op->s, had->s, n))
			return;
	}
	set_new(st, op, op->fd, fd_name_new(op->s, op->len), false);
}

/* The operations that name one or two new fds. */
static void name_op(struct fd_state *st, const struct fd_op *op)
{
	struct fd_name *name;

	switch (op->kind) {
	case FD_OP_OPEN:
		set_new(st, op, op->fd, path_name(st, op, false), op->cloexec);
		return;
	case FD_OP_NAME:
		set_new(st, op, op->fd, op->s ? fd_name_new(op->s, op->len) :
			NULL, op->cloexec);
		return;
	case FD_OP_KERNEL_NAME:
		kernel_name(st, op);
		return;
	case FD_OP_MEMFD:
		set_new(st, op, op->fd, memfd_name(op), op->cloexec);
		return;
	case FD_OP_PIPE:
		/* Both ends have the one pipe's name. */
		name = numbered(st, "pipe");
		set(st, op, op->fd, name, op->cloexec);
		set_new(st, op, op->fd2, name, op->cloexec);
		return;
	case FD_OP_SOCKET:
		set_new(st, op, op->fd, numbered(st, "socket"), op->cloexec);
		if (op->fd2 >= 0)
			set_new(st, op, op->fd2, numbered(st, "socket"),
				op->cloexec);
		return;
	}
}

void fd_op_apply(struct fd_state *st, const struct fd_op *op)
{
	struct fd_entry *e = op->fd >= 0 ? fd_table_get(st->table, op->fd) :
					   NULL;
	struct fd_name *cwd;

	switch (op->kind) {
	case FD_OP_RENAME:
		set_new(st, op, op->fd, fd_name_new(op->s, op->len),
			e && e->cloexec);
		return;
	case FD_OP_DUP:
		/* An fd copied from one the merge cannot name is not known
		 * either. */
		set(st, op, op->fd2, e ? e->name : NULL, op->cloexec);
		return;
	case FD_OP_CLOEXEC:
		if (e) {
			e->cloexec = op->cloexec;
			changed(st, op, op->fd, e->name);
		}
		return;
	case FD_OP_CLOSE:
	case FD_OP_CLOEXEC_RANGE:
		close_fds(st, op, op->kind == FD_OP_CLOEXEC_RANGE);
		return;
	case FD_OP_CHDIR:
		cwd = path_name(st, op, true);
		set_cwd(st, op, cwd);
		fd_name_put(cwd);
		return;
	case FD_OP_FCHDIR:
		set_cwd(st, op, e && e->name->s[0] == '/' ? e->name : NULL);
		return;
	case FD_OP_HAND_BEGIN:
		hand_begin(st, op);
		return;
	case FD_OP_HAND_END:
		hand_end(st, op);
		return;
	}
	name_op(st, op);
}

void fd_state_done(struct fd_state *st)
{
	for (size_t i = 0; i < st->nwindows; i++)
		fd_table_clear(&st->windows[i].snap);
	free(st->windows);
	st->windows = NULL;
	st->nwindows = 0;
}
