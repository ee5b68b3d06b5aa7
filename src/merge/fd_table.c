// SPDX-License-Identifier: MIT
/*
 * A process's fd table as the merge knows it (fd_table.h): names, shared
 * by reference count since forks copy whole tables, in a dense array that
 * an index finds by fd.
 */
#include "merge/fd_table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge/model.h"

struct fd_name *fd_name_new(const char *s, size_t len)
{
	struct fd_name *n;

	if (len > UINT32_MAX - sizeof(*n) - 1)
		len = UINT32_MAX - sizeof(*n) - 1;
	n = merge_grow(NULL, 1, sizeof(*n) + len + 1);
	n->refs = 1;
	n->len = (uint32_t)len;
	if (len)
		memcpy(n->s, s, len);
	n->s[len] = '\0';
	return n;
}

struct fd_name *fd_name_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0)
		len = 0;
	return fd_name_new(buf, (size_t)len < sizeof(buf) ? (size_t)len :
			   sizeof(buf) - 1);
}

void fd_name_put(struct fd_name *n)
{
	if (n && !--n->refs)
		free(n);
}

void fd_table_init(struct fd_table *t)
{
	memset(t, 0, sizeof(*t));
	idmap_init(&t->index);
}

void fd_table_clear(struct fd_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		fd_name_put(t->v[i].name);
	fd_name_put(t->cwd);
	free(t->v);
	idmap_free(&t->index);
	fd_table_init(t);
}

/* The index of @fd in t->v, or -1. */
static int64_t index_of(const struct fd_table *t, int64_t fd)
{
	int64_t i;

	if (fd < 0 || !t->n || !idmap_get(&t->index, (uint64_t)fd, &i))
		return -1;
	return i;
}

struct fd_entry *fd_table_get(const struct fd_table *t, int64_t fd)
{
	int64_t i = index_of(t, fd);

	return i < 0 ? NULL : &t->v[i];
}

/* Removes entry @i: the last one takes its place. */
static void remove_at(struct fd_table *t, size_t i)
{
	fd_name_put(t->v[i].name);
	idmap_put(&t->index, (uint64_t)t->v[i].fd, -1);
	if (i != --t->n) {
		t->v[i] = t->v[t->n];
		idmap_put(&t->index, (uint64_t)t->v[i].fd, (int64_t)i);
	}
}

void fd_table_remove(struct fd_table *t, int64_t fd)
{
	int64_t i = index_of(t, fd);

	if (i >= 0)
		remove_at(t, (size_t)i);
}

void fd_table_set(struct fd_table *t, int64_t fd, struct fd_name *name,
		  bool cloexec)
{
	int64_t i;

	if (fd < 0 || fd > INT32_MAX)
		return;
	if (!name) {
		fd_table_remove(t, fd);
		return;
	}
	fd_name_ref(name);
	i = index_of(t, fd);
	if (i >= 0) {
		fd_name_put(t->v[i].name);
	} else {
		if (t->n == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 8;
			t->v = merge_grow(t->v, t->cap, sizeof(*t->v));
		}
		i = (int64_t)t->n++;
		idmap_put(&t->index, (uint64_t)fd, i);
	}
	t->v[i] = (struct fd_entry){ .fd = (int)fd, .cloexec = cloexec,
				     .name = name };
}

void fd_table_set_cwd(struct fd_table *t, struct fd_name *cwd)
{
	fd_name_ref(cwd);
	fd_name_put(t->cwd);
	t->cwd = cwd;
}

void fd_table_copy(struct fd_table *dst, const struct fd_table *src,
		   bool exec)
{
	fd_table_clear(dst);
	for (size_t i = 0; i < src->n; i++) {
		const struct fd_entry *e = &src->v[i];

		if (exec && e->cloexec)
			continue;
		fd_table_set(dst, e->fd, e->name, e->cloexec);
		fd_table_get(dst, e->fd)->popen = e->popen;
	}
	fd_table_set_cwd(dst, src->cwd);
}

void fd_table_exec(struct fd_table *t)
{
	/* From the end: an entry moved into a removed one's place has been
	 * looked at already. */
	for (size_t i = t->n; i-- > 0;) {
		t->v[i].popen = false;	/* the new image's popen knows none */
		if (t->v[i].cloexec)
			remove_at(t, i);
	}
}
