// SPDX-License-Identifier: MIT
/* A slice's args as span attributes (arg_attrs.h). */
#include "export/arg_attrs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sinks/schema.h"

sqlite3_stmt *otlp_args_prepare(sqlite3 *db)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT key, int_value, string_value, "
			       "real_value, display_value FROM " KEKE_DB_ARGS
			       " WHERE arg_set_id = ? ORDER BY rowid", -1, &st,
			       NULL) != SQLITE_OK)
		return NULL;
	return st;
}

/*
 * A socket address as keke records it ("1.2.3.4:80", "[::1]:80",
 * "unix:/path") as network.{peer,local}.address and .port.
 */
static void addr_attrs(struct otlp_span *s, const char *addr, bool local)
{
	const char *side = local ? "network.local" : "network.peer";
	const char *colon = strrchr(addr, ':');
	char key[40], host[512];
	size_t n;

	if (!strncmp(addr, "unix:", 5)) {
		snprintf(key, sizeof(key), "%s.address", side);
		otlp_attr_str(&s->attrs, key, addr + 5);
		otlp_attr_str(&s->attrs, "network.transport", "unix");
		return;
	}
	if (!colon || colon == addr) {
		otlp_attr_str(&s->attrs, "keke.addr", addr);
		return;
	}
	n = (size_t)(colon - addr);
	if (addr[0] == '[' && n >= 2 && addr[n - 1] == ']') {
		addr++;
		n -= 2;
	}
	snprintf(host, sizeof(host), "%.*s", (int)n, addr);
	snprintf(key, sizeof(key), "%s.address", side);
	otlp_attr_str(&s->attrs, key, host);
	snprintf(key, sizeof(key), "%s.port", side);
	otlp_attr_int(&s->attrs, key, strtoll(colon + 1, NULL, 10));
}

/* Takes an image's own arg @key into @image; returns whether it did. */
static bool image_arg(struct otlp_image_args *image, const char *key,
		      sqlite3_stmt *st)
{
	const unsigned char *str = sqlite3_column_text(st, 2);
	const unsigned char *display = sqlite3_column_text(st, 4);

	if (!strcmp(key, "exe") && str) {
		snprintf(image->exe, sizeof(image->exe), "%s", str);
	} else if (!strcmp(key, "cmdline") && str) {
		snprintf(image->cmdline, sizeof(image->cmdline), "%s", str);
	} else if (!strcmp(key, "exit_code") &&
		   sqlite3_column_type(st, 1) != SQLITE_NULL) {
		image->exit_code = sqlite3_column_int64(st, 1);
		image->has_exit_code = true;
	} else if (!strcmp(key, "status") && display) {
		snprintf(image->status, sizeof(image->status), "%s", display);
	} else {
		return false;
	}
	return true;
}

/* Adds the arg of the current row of @st as an attribute of @s. */
static void add_attr(struct otlp_span *s, const char *key, sqlite3_stmt *st)
{
	const unsigned char *str = sqlite3_column_text(st, 2);
	const unsigned char *display = sqlite3_column_text(st, 4);
	char name[256], num[32];
	int64_t i;

	snprintf(name, sizeof(name), "keke.%s", key);
	if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
		i = sqlite3_column_int64(st, 1);
		snprintf(num, sizeof(num), "%" PRId64, i);
		if (display && strcmp((const char *)display, num))
			otlp_attr_str(&s->attrs, name, (const char *)display);
		else
			otlp_attr_int(&s->attrs, name, i);
	} else if (str) {
		otlp_attr_str(&s->attrs, name, (const char *)str);
	} else if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
		otlp_attr_double(&s->attrs, name, sqlite3_column_double(st, 3));
	}
}

int otlp_args_to_span(sqlite3_stmt *st, int64_t arg_set_id, const char *call,
		      struct otlp_span *s, struct otlp_image_args *image)
{
	int rc;

	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, arg_set_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *str = (const char *)sqlite3_column_text(st, 2);

		if (!key || !strcmp(key, "span_id"))
			continue;
		if (image && image_arg(image, key, st))
			continue;
		if (!strcmp(key, "error") && str)
			otlp_span_error(s, str);
		else if (!strcmp(key, "path") && str)
			otlp_attr_str(&s->attrs, "file.path", str);
		else if (!strcmp(key, "addr") && str)
			addr_attrs(s, str, !strcmp(call, "bind"));
		else
			add_attr(s, key, st);
	}
	return rc == SQLITE_DONE ? 0 : -1;
}
