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
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "merge/model.h"

struct fd_table {
	struct idmap fds;	/* fd -> index in names, or -1 when closed */
	char **names;
	size_t nnames;
	char *closed;		/* the name of the fd closed last */
};

static const struct keke_field *str_field(const struct keke_record *rec,
					  unsigned key)
{
	const struct keke_field *f = keke_record_field(rec, key);

	return f && f->is_str && f->len ? f : NULL;
}

static const struct keke_field *int_field(const struct keke_record *rec,
					  unsigned key)
{
	const struct keke_field *f = keke_record_field(rec, key);

	return f && !f->is_str ? f : NULL;
}

static void forget(struct fd_table *t, int64_t fd)
{
	int64_t idx;

	if (!idmap_get(&t->fds, (uint64_t)fd, &idx) || idx < 0)
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

const char *merge_fd_note(struct proc *p, const struct keke_record *rec)
{
	const struct keke_field *fd = int_field(rec, KEKE_KEY_FD);
	const struct keke_field *result = int_field(rec, KEKE_KEY_RESULT);
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
		if (!rec->err && result)
			name_fd(t, result->i, str_field(rec, KEKE_KEY_PATH));
		return NULL;
	case KEKE_CALL_ACCEPT:
	case KEKE_CALL_ACCEPT4:
		if (!rec->err && result)
			name_fd(t, result->i, str_field(rec, KEKE_KEY_ADDR));
		return NULL;
	case KEKE_CALL_SOCKET:
		if (!rec->err && result)
			forget(t, result->i);
		return NULL;
	case KEKE_CALL_CONNECT:
	case KEKE_CALL_BIND:
		if (fd && (!rec->err || rec->err == EINPROGRESS))
			name_fd(t, fd->i, str_field(rec, KEKE_KEY_ADDR));
		return NULL;
	case KEKE_CALL_CLOSE:
	case KEKE_CALL_FCLOSE:
		/* The fd is gone even when close reports an error; the close
		 * still shows what it closed. */
		if (!fd || !idmap_get(&t->fds, (uint64_t)fd->i, &idx) ||
		    idx < 0)
			return NULL;
		free(t->closed);
		t->closed = t->names[idx];
		t->names[idx] = NULL;
		idmap_put(&t->fds, (uint64_t)fd->i, -1);
		return t->closed;
	}
	if (!fd || str_field(rec, KEKE_KEY_PATH) ||
	    str_field(rec, KEKE_KEY_ADDR))
		return NULL;
	if (!idmap_get(&t->fds, (uint64_t)fd->i, &idx) || idx < 0)
		return NULL;
	return t->names[idx];
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
