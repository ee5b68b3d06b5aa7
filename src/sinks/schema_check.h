/* SPDX-License-Identifier: MIT */
/*
 * Whether a database is keke's: for the readers of keke.db (report,
 * export), which take its schema from schema.h without linking the sinks.
 */
#ifndef KEKE_SINKS_SCHEMA_CHECK_H
#define KEKE_SINKS_SCHEMA_CHECK_H

#include <sqlite3.h>
#include <stdbool.h>

/* Whether @db has each of the @n tables that @names lists, as the SQL
 * list "'process', 'slice'". */
static inline bool keke_db_has_tables(sqlite3 *db, const char *names, int n)
{
	sqlite3_stmt *st;
	char *sql = sqlite3_mprintf("SELECT count(*) FROM sqlite_master WHERE "
				    "type = 'table' AND name IN (%s)", names);
	int found = 0;

	if (!sql)
		return false;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			found = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_free(sql);
	return found == n;
}

#endif
