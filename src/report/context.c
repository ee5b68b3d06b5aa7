// SPDX-License-Identifier: MIT
/*
 * How the parts of the report say why they failed (context.h): into the
 * context's error buffer, prefixed with the database's name.
 */
#include "report/context.h"

#include <stdarg.h>
#include <stdio.h>

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
