// SPDX-License-Identifier: MIT
/*
 * What each fd of a process stands for: the path an open gave it, or the
 * peer a connect or accept gave it, until it is closed. A call recorded
 * with only an fd (read, write, fsync, send, ...) gets that name as its
 * "path" argument, so reads and writes can be summed per file.
 *
 * A process's table lives while its files are read (an exec keeps fds)
 * and is dropped when the merge moves on to another pid: memory grows with
 * the fds a process holds at once, not with its calls. Fds inherited from
 * a parent stay unnamed.
 */
#include "merge/fds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fd_table {
	struct idmap fds;	/* fd -> index in names, or -1 when closed */
	char **names;
	size_t nnames;
	char *closed;		/* the name of the fd closed last */
};

/* The name the string field @key of @rec gives, or NULL when it has none
 * or an empty one. */
static const struct keke_field *name_in(const struct keke_record *rec,
					unsigned key)
{
	const struct keke_field *f = keke_record_str(rec, key);

	return f && f->len ? f : NULL;
}

/* The index in t->names of @fd's name, or -1 when it has none. */
static int64_t slot_of(const struct fd_table *t, int64_t fd)
{
	int64_t idx;

	if (fd < 0 || !idmap_get(&t->fds, (uint64_t)fd, &idx))
		return -1;
	return idx;
}

static void forget(struct fd_table *t, int64_t fd)
{
	int64_t idx = slot_of(t, fd);

	if (idx < 0)
		return;
	free(t->names[idx]);
	t->names[idx] = NULL;
	idmap_put(&t->fds, (uint64_t)fd, -1);
}

static void name_fd(struct fd_table *t, int64_t fd,
		    const struct keke_field *name)
{
	int64_t idx;

	if (fd < 0 || !name)
		return;
	forget(t, fd);
	for (idx = 0; idx < (int64_t)t->nnames && t->names[idx]; idx++)
		;
	if (idx == (int64_t)t->nnames) {
		t->names = merge_grow(t->names, t->nnames + 1,
				      sizeof(*t->names));
		t->nnames++;
	}
	t->names[idx] = merge_memdup(name->s, name->len);
	idmap_put(&t->fds, (uint64_t)fd, idx);
}

/* Forgets @fd, which a close ended; returns its name (kept until the next
 * close), or NULL. */
static const char *close_fd(struct fd_table *t, int64_t fd)
{
	int64_t idx = slot_of(t, fd);

	if (idx < 0)
		return NULL;
	free(t->closed);
	t->closed = t->names[idx];
	t->names[idx] = NULL;
	idmap_put(&t->fds, (uint64_t)fd, -1);
	return t->closed;
}

const char *merge_fd_note(struct proc *p, const struct keke_record *rec)
{
	int64_t fd = keke_record_int(rec, KEKE_KEY_FD, -1);
	int64_t result = rec->err ? -1 :
			 keke_record_int(rec, KEKE_KEY_RESULT, -1);
	struct fd_table *t = p->fds;
	int64_t idx;

	if (!t) {
		t = p->fds = calloc(1, sizeof(*t));
		if (!t)
			return NULL;
		idmap_init(&t->fds);
	}
	switch (rec->name) {
	case KEKE_CALL_OPEN:
	case KEKE_CALL_OPENAT:
	case KEKE_CALL_CREAT:
	case KEKE_CALL_FOPEN:
		name_fd(t, result, name_in(rec, KEKE_KEY_PATH));
		return NULL;
	case KEKE_CALL_ACCEPT:
	case KEKE_CALL_ACCEPT4:
		name_fd(t, result, name_in(rec, KEKE_KEY_ADDR));
		return NULL;
	case KEKE_CALL_SOCKET:
		forget(t, result);
		return NULL;
	case KEKE_CALL_CONNECT:
	case KEKE_CALL_BIND:
		if (!rec->err || rec->err == EINPROGRESS)
			name_fd(t, fd, name_in(rec, KEKE_KEY_ADDR));
		return NULL;
	case KEKE_CALL_CLOSE:
	case KEKE_CALL_FCLOSE:
		/* The fd is gone even when close reports an error; the close
		 * still shows what it closed. */
		return close_fd(t, fd);
	}
	if (name_in(rec, KEKE_KEY_PATH) || name_in(rec, KEKE_KEY_ADDR))
		return NULL;
	idx = slot_of(t, fd);
	return idx < 0 ? NULL : t->names[idx];
}

void merge_fd_drop(struct proc *p)
{
	struct fd_table *t = p->fds;

	if (!t)
		return;
	for (size_t i = 0; i < t->nnames; i++)
		free(t->names[i]);
	free(t->names);
	free(t->closed);
	idmap_free(&t->fds);
	free(t);
	p->fds = NULL;
}
