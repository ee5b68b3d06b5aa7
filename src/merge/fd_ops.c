// SPDX-License-Identifier: MIT
/*
 * The operations on a process's fds carried out (fd_ops.h): names made
 * for fds without a path, as the kernel's /proc/self/fd links name them
 * ("pipe:[N]", "socket:[N]" by the inode, as the kernel names them),
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

/* The name "KIND:[N]" of a pipe or socket, N its @inode as the kernel
 * names it; "KIND:[#N]", N the next number of the run, when the inode is
 * not known. */
static struct fd_name *numbered(struct fd_state *st, const char *kind,
				uint64_t inode)
{
	struct fd_name *name;

	if (!inode)
		return fd_name_printf("%s:[#%llu]", kind,
				      (unsigned long long)++st->m->fd_anon_no);
	name = fd_name_printf("%s:[%llu]", kind, (unsigned long long)inode);
	name->inode = inode;
	return name;
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
		struct fd_name *pipe = numbered(st, "pipe", op->inode);

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

/* The inode in a kernel's name "pipe:[N]" or "socket:[N]" of @len bytes
 * at @s, or 0. */
static uint64_t named_inode(const char *s, size_t len)
{
	const char *open = memchr(s, '[', len);
	uint64_t n = 0;

	if (!open || s[len - 1] != ']' ||
	    (strncmp(s, "pipe:[", 6) && strncmp(s, "socket:[", 8)))
		return 0;
	for (const char *p = open + 1; p < s + len - 1; p++) {
		if (*p < '0' || *p > '9' || n > UINT64_MAX / 10 - 1)
			return 0;
		n = n * 10 + (uint64_t)(*p - '0');
	}
	return n;
}

/* Whether the kernel's name @s (@len bytes) is @had's: the same inode,
 * or the same path but for the " (deleted)" of an unlinked file's. */
static bool same_name(const char *s, size_t len, const struct fd_name *had)
{
	static const char deleted[] = " (deleted)";
	size_t n = sizeof(deleted) - 1;
	uint64_t inode = named_inode(s, len);

	if (inode)	/* had may be a socket named by its peer */
		return inode == had->inode &&
		       !strncmp(s, "pipe:", 5) == !strncmp(had->s, "pipe:", 5);
	if (len > n && !memcmp(s + len - n, deleted, n))
		len -= n;
	return len == had->len && !memcmp(s, had->s, len);
}

/*
 * An image's start tells what the kernel names its fd: it replaces the
 * name the fd was handed unless that names the same pipe, socket or file
 * (a socket handed by its peer's address keeps it).
 */
static void kernel_name(struct fd_state *st, const struct fd_op *op)
{
	const struct fd_entry *e = fd_table_get(st->table, op->fd);
	struct fd_name *name;

	if (!op->s || !op->len) {
		if (e)
			set(st, op, op->fd, NULL, false);
		return;
	}
	if (e && same_name(op->s, op->len, e->name))
		return;
	name = fd_name_new(op->s, op->len);
	name->inode = named_inode(op->s, op->len);
	set_new(st, op, op->fd, name, false);
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
		name = op->s ? fd_name_new(op->s, op->len) : NULL;
		if (name)
			name->inode = op->inode;
		set_new(st, op, op->fd, name, op->cloexec);
		return;
	case FD_OP_KERNEL_NAME:
		kernel_name(st, op);
		return;
	case FD_OP_MEMFD:
		set_new(st, op, op->fd, memfd_name(op), op->cloexec);
		return;
	case FD_OP_PIPE:
		/* Both ends have the one pipe's name. */
		name = numbered(st, "pipe", op->inode);
		set(st, op, op->fd, name, op->cloexec);
		set_new(st, op, op->fd2, name, op->cloexec);
		return;
	case FD_OP_SOCKET:
		set_new(st, op, op->fd, numbered(st, "socket", op->inode),
			op->cloexec);
		if (op->fd2 >= 0)
			set_new(st, op, op->fd2,
				numbered(st, "socket", op->inode2),
				op->cloexec);
		return;
	}
}

void fd_op_apply(struct fd_state *st, const struct fd_op *op)
{
	struct fd_entry *e = op->fd >= 0 ? fd_table_get(st->table, op->fd) :
					   NULL;
	struct fd_name *name;

	switch (op->kind) {
	case FD_OP_RENAME:
		/* An fd the merge did not know may close on exec. */
		name = fd_name_new(op->s, op->len);
		name->inode = e ? e->name->inode : 0;
		set_new(st, op, op->fd, name, !e || e->cloexec);
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
		name = path_name(st, op, true);
		set_cwd(st, op, name);
		fd_name_put(name);
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
