// SPDX-License-Identifier: MIT
/* Small questions to keke.db shared by the export's readers (db_query.h). */
#include "export/db_query.h"

#include <stdio.h>
#include <string.h>

#include "export/otlp.h"

int otlp_db_fail(const struct otlp_db *d, const char *what, char *err)
{
	snprintf(err, KEKE_OTLP_ERROR_MAX, "%s: %s: %s", d->path, what,
		 d->db ? sqlite3_errmsg(d->db) : "cannot open");
	return -1;
}

bool otlp_db_has_column(sqlite3 *db, const char *table, const char *column)
{
	char sql[128];
	sqlite3_stmt *st;
	bool found = false;

	snprintf(sql, sizeof(sql), "PRAGMA table_info(%s)", table);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return false;
	while (!found && sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 1);

		found = name && !strcmp((const char *)name, column);
	}
	sqlite3_finalize(st);
	return found;
}
