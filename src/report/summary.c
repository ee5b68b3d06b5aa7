// SPDX-License-Identifier: MIT
/*
 * What `keke run` says about a database it just wrote: the processes that
 * took the most time, the executables of the critical path and of the
 * most CPU time, and the programs that ran untraced (report.h). All are
 * best effort: a database that cannot be read, or that has no such
 * figures, says nothing.
 */
#include "report/report.h"

#include <inttypes.h>
#include <sqlite3.h>
#include <stdbool.h>

#include "common/fmt_dur.h"
#include "common/tty.h"
#include "report/context.h"
#include "report/out/fmt.h"
#include "sinks/schema.h"

#define NAME_MAX_SHOWN 60	/* bytes of a name shown, escaped */
#define NAME_MAX_INLINE 24	/* bytes of a name in a one-line list */

/* The three executables of the longest time on the critical path: name,
 * time, and the path's whole time. */
static const char path_query[] =
	"SELECT p.name, sum(c.dur), (SELECT sum(dur) FROM "
	KEKE_DB_CRITICAL_PATH ") FROM " KEKE_DB_CRITICAL_PATH " c JOIN "
	KEKE_DB_PROCESS " p ON p.upid = c.upid GROUP BY p.name"
	" ORDER BY 2 DESC, 1 LIMIT 3";

/* The three executables of the most CPU time (context.h): name, time. */
static const char cpu_query[] =
	"SELECT name, sum(cpu_ns), NULL FROM (" RP_USAGE_SQL ") WHERE cpu_ns"
	" IS NOT NULL GROUP BY name ORDER BY 2 DESC, 1 LIMIT 3";

/* Opens @db_path read-only into *@db and prepares @sql on it into *@st.
 * Returns 0, or -1 with nothing left open. */
static int open_query(const char *db_path, const char *sql, sqlite3 **db,
		      sqlite3_stmt **st)
{
	*db = NULL;
	*st = NULL;
	if (sqlite3_open_v2(db_path, db, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK &&
	    sqlite3_prepare_v2(*db, sql, -1, st, NULL) == SQLITE_OK)
		return 0;
	sqlite3_close(*db);
	*db = NULL;
	return -1;
}

/* Frees what open_query made. */
static void close_query(sqlite3 *db, sqlite3_stmt *st)
{
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/*
 * Writes "keke: @what: cc1 62%, ld 18%, make 9%" to @f, one item per row
 * of @query (name, time, and the whole the time is a share of, or NULL
 * to show the time itself); nothing when it has no row.
 */
static void top_three(FILE *f, const char *db_path, const char *query,
		      const char *what)
{
	char v[RP_FMT_MAX];
	sqlite3 *db;
	sqlite3_stmt *st;
	int n = 0;

	if (open_query(db_path, query, &db, &st))
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 0);
		int64_t t = sqlite3_column_int64(st, 1);

		if (sqlite3_column_type(st, 2) == SQLITE_NULL)
			keke_fmt_dur(v, t);
		else
			rp_fmt_share(v, t > 0 ? (uint64_t)t : 0,
				     (uint64_t)sqlite3_column_int64(st, 2));
		fprintf(f, n++ ? ", " : "keke: %s: ", what);
		keke_tty_put(f, name ? (const char *)name : "?",
			     NAME_MAX_INLINE);
		fprintf(f, " %s", v);
	}
	if (n)
		fputc('\n', f);
	close_query(db, st);
}

void keke_report_top_processes(FILE *f, const char *db_path)
{
	static const char query[] =
		"SELECT name, COUNT(*), SUM(end_ts - start_ts) FROM "
		KEKE_DB_PROCESS " GROUP BY name ORDER BY 3 DESC LIMIT 5";
	sqlite3 *db;
	sqlite3_stmt *st;
	bool header = false;
	char dur[KEKE_FMT_DUR_MAX];

	if (open_query(db_path, query, &db, &st))
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 0);

		if (!header) {
			fputs("keke: top processes by total time:\n", f);
			header = true;
		}
		keke_fmt_dur(dur, sqlite3_column_int64(st, 2));
		fprintf(f, "  %10s %6" PRId64 "x  ", dur,
			(int64_t)sqlite3_column_int64(st, 1));
		/* A name from the trace: escaped for the terminal. */
		keke_tty_put(f, name ? (const char *)name : "?",
			     NAME_MAX_SHOWN);
		fputc('\n', f);
	}
	close_query(db, st);
	top_three(f, db_path, path_query, "critical path");
	top_three(f, db_path, cpu_query, "most CPU time");
}

void keke_report_untraced(const char *db_path, const char *skip_exe,
			  void (*fn)(void *arg, const char *exe,
				     const char *why),
			  void *arg)
{
	/* Not those that could not write their record file: they were
	 * traced, and are counted apart. */
	static const char query[] =
		"SELECT DISTINCT p.exe, (SELECT a.string_value FROM "
		KEKE_DB_THREAD " t JOIN " KEKE_DB_SLICE " s ON s.track_id ="
		" t.utid JOIN " KEKE_DB_ARGS " a ON a.arg_set_id ="
		" s.arg_set_id WHERE t.upid = p.upid AND a.key = 'untraced'"
		" LIMIT 1) FROM " KEKE_DB_PROCESS " p WHERE p.untraced = 1"
		" AND p.exe IS NOT NULL AND p.exe != ? AND NOT EXISTS"
		" (SELECT 1 FROM " KEKE_DB_THREAD " t JOIN " KEKE_DB_SLICE
		" s ON s.track_id = t.utid JOIN " KEKE_DB_ARGS " a ON"
		" a.arg_set_id = s.arg_set_id WHERE t.upid = p.upid AND"
		" a.key = 'unrecorded')";
	sqlite3 *db;
	sqlite3_stmt *st;

	if (open_query(db_path, query, &db, &st))
		return;
	sqlite3_bind_text(st, 1, skip_exe, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		   (const char *)sqlite3_column_text(st, 1));
	close_query(db, st);
}
