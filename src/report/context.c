// SPDX-License-Identifier: MIT
/*
 * What the parts of the report share (context.h): how they say why they
 * failed, into the context's error buffer with the database's name, and
 * how a remembered arg set becomes a slice's args.
 */
#include "report/context.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rp_fail(struct rp_ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, KEKE_REPORT_ERROR_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

int rp_oom(struct rp_ctx *c)
{
	return rp_fail(c, "%s: out of memory", c->o->db);
}

int rp_sql_fail(struct rp_ctx *c, const char *what)
{
	return rp_fail(c, "%s: %s: %s", c->o->db, what,
		       c->db ? sqlite3_errmsg(c->db) : "out of memory");
}

/* Copies the @len bytes at @src into @buf as a string, the slice's @str. */
static void put_text(char *buf, const char *src, size_t len,
		     const char **str, size_t *str_len)
{
	memcpy(buf, src, len);
	buf[len] = '\0';
	*str = buf;
	*str_len = len;
}

void rp_argset_apply(const struct rp_argset *a, const char *path,
		     const char *addr, struct rp_arg_text *buf,
		     struct rp_slice *s)
{
	s->has_fd = a->has_fd;
	s->fd = a->fd;
	s->has_result = a->has_result;
	s->result = a->result;
	s->failed = a->failed;
	if (a->has_path)
		put_text(buf->path, path, a->path_len, &s->path, &s->path_len);
	if (a->has_addr)
		put_text(buf->addr, addr, a->addr_len, &s->addr, &s->addr_len);
}

void *rp_grow_zeroed(void *v, size_t *cap, size_t id, size_t size,
		     size_t first)
{
	size_t n = *cap ? *cap * 2 : first;
	char *w;

	while (n <= id)
		n *= 2;
	w = realloc(v, n * size);
	if (!w)
		return NULL;
	memset(w + *cap * size, 0, (n - *cap) * size);
	*cap = n;
	return w;
}
