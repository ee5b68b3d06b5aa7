// SPDX-License-Identifier: MIT
/*
 * What the parts of the report share (context.h): how they say why they
 * failed, into the context's error buffer with the database's name,
 * whether the database has a column, and how a remembered arg set
 * becomes a slice's args.
 */
#include "report/context.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/call_io.h"

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

bool rp_has_column(struct rp_ctx *c, const char *table, const char *column)
{
	sqlite3_stmt *st;
	bool has;

	if (sqlite3_prepare_v2(c->db, "SELECT 1 FROM pragma_table_info(?1)"
			       " WHERE name = ?2", -1, &st, NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
	has = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return has;
}

int rp_argset_take(struct rp_argset *a, const char *key, bool is_int,
		   int64_t i)
{
	static const char *const strs[RP_NSTR] = {
		[RP_PATH] = "path", [RP_ADDR] = "addr", [RP_PATH_IN] = "path_in",
	};
	struct {
		const char *key;
		bool *has;
		int64_t *v;
	} ints[] = {
		{ "fd", &a->has_fd, &a->fd },
		{ "fd_in", &a->has_fd_in, &a->fd_in },
		{ "result", &a->has_result, &a->result },
		{ "count", &a->has_count, &a->count },
	};

	if (!strcmp(key, "errno")) {
		a->failed = true;
		return -1;
	}
	for (size_t k = 0; k < sizeof(ints) / sizeof(ints[0]); k++) {
		if (strcmp(key, ints[k].key))
			continue;
		if (is_int) {
			*ints[k].has = true;
			*ints[k].v = i;
		}
		return -1;
	}
	for (int k = 0; k < RP_NSTR; k++)
		if (!strcmp(key, strs[k]))
			return k;
	return -1;
}

void rp_argset_apply(const struct rp_argset *a,
		     const char *const text[RP_NSTR], struct rp_arg_text *buf,
		     struct rp_slice *s)
{
	s->a = *a;
	for (int k = 0; k < RP_NSTR; k++) {
		s->str[k] = NULL;
		if (!a->has[k])
			continue;
		memcpy(buf->str[k], text[k], a->len[k]);
		buf->str[k][a->len[k]] = '\0';
		s->str[k] = buf->str[k];
	}
}

int64_t rp_slice_bytes(const struct rp_slice *s)
{
	if (!keke_io_moves(s->io) || s->a.failed || !s->a.has_result ||
	    s->a.result < 0)
		return -1;
	if (s->io & KEKE_IO_BYTES_IN_COUNT)
		return s->a.has_count && s->a.count >= 0 ? s->a.count : -1;
	return s->a.result;
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
