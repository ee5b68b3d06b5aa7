/* SPDX-License-Identifier: MIT */
/* Small questions to keke.db shared by the export's readers. */
#ifndef KEKE_EXPORT_DB_QUERY_H
#define KEKE_EXPORT_DB_QUERY_H

#include <sqlite3.h>
#include <stdbool.h>

#include "export/trace_db.h"

/* Whether @table has a column @column. */
bool otlp_db_has_column(sqlite3 *db, const char *table, const char *column);

/* Writes "PATH: what went wrong: SQLite's message" into @err. Returns -1. */
int otlp_db_fail(const struct otlp_db *d, const char *what, char *err);

#endif
