/* SPDX-License-Identifier: MIT */
/*
 * A process's fd table as the merge knows it (fd_table.c): for each fd it
 * can name, that name and whether the fd closes on exec; and the working
 * directory. An fd it cannot name is not in it.
 */
#ifndef KEKE_MERGE_FD_TABLE_H
#define KEKE_MERGE_FD_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/idmap.h"

/* A name, shared by the tables, snapshots and histories that hold it. */
struct fd_name {
	uint32_t refs;
	uint32_t len;
	uint64_t inode;		/* a pipe's or socket's, the kernel's name
				 * for it ("pipe:[N]"); 0: not known */
	char s[];		/* NUL terminated */
};

struct fd_entry {
	int fd;
	bool cloexec;		/* closes on exec */
	bool popen;		/* a popen stream's: popen's children do
				 * not get it */
	struct fd_name *name;
};

struct fd_table {
	struct fd_entry *v;	/* in no order */
	size_t n, cap;
	struct idmap index;	/* fd -> index in v, or -1 */
	struct fd_name *cwd;	/* NULL: not known */
};

/* A new name of @len bytes (one reference). Out of memory aborts. */
struct fd_name *fd_name_new(const char *s, size_t len);

/* A new name as printf makes it. */
struct fd_name *fd_name_printf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* One more reference to @n (NULL: none); returns @n. */
static inline struct fd_name *fd_name_ref(struct fd_name *n)
{
	if (n)
		n->refs++;
	return n;
}

/* Gives up a reference to @n (NULL: none), freeing it with the last. */
void fd_name_put(struct fd_name *n);

void fd_table_init(struct fd_table *t);

/* Frees what @t holds; it is empty then, ready for use again. */
void fd_table_clear(struct fd_table *t);

/* The entry of @fd, or NULL when @t cannot name it. */
struct fd_entry *fd_table_get(const struct fd_table *t, int64_t fd);

/* Names @fd @name (a reference is taken; NULL: forgets @fd) with the
 * close-on-exec flag @cloexec. A negative @fd is ignored. */
void fd_table_set(struct fd_table *t, int64_t fd, struct fd_name *name,
		  bool cloexec);

/* Forgets @fd (closed, or no longer known). */
void fd_table_remove(struct fd_table *t, int64_t fd);

/* Sets the working directory (a reference is taken; NULL: not known). */
void fd_table_set_cwd(struct fd_table *t, struct fd_name *cwd);

/* Makes @dst (initialised; its contents are dropped) a copy of @src, or,
 * when @exec, of what @src keeps across an exec: the fds that do not
 * close on exec, and the working directory. */
void fd_table_copy(struct fd_table *dst, const struct fd_table *src,
		   bool exec);

/* Drops the fds that close on exec (the process exec'd). */
void fd_table_exec(struct fd_table *t);

#endif
