// SPDX-License-Identifier: MIT
/*
 * Opening keke.db for the export: the trace's metadata, the hosts and the
 * processes (trace_db.h); images.c reads the images.
 */
#include "export/trace_db.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "export/db_query.h"
#include "export/images.h"
#include "export/span_ids.h"
#include "sinks/schema.h"
#include "sinks/schema_check.h"

/* Whether the database has the tables the export reads. */
static bool is_keke_db(sqlite3 *db)
{
	return keke_db_has_tables(db, "'" KEKE_DB_PROCESS "', '" KEKE_DB_THREAD
				  "', '" KEKE_DB_THREAD_TRACK "', '"
				  KEKE_DB_SLICE "', '" KEKE_DB_ARGS "', '"
				  KEKE_DB_FLOW "', '" KEKE_DB_METADATA "'", 7);
}

/* The metadata row @name's text into @text (@size bytes, "" if none) and
 * its integer into *@i (when not NULL). Returns whether it is there. */
static bool metadata(sqlite3 *db, const char *name, char *text, size_t size,
		     int64_t *i)
{
	sqlite3_stmt *st;
	bool found = false;

	if (text)
		text[0] = '\0';
	if (sqlite3_prepare_v2(db, "SELECT int_value, str_value FROM "
			       KEKE_DB_METADATA " WHERE name = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return false;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *s = sqlite3_column_text(st, 1);

		found = true;
		if (i)
			*i = sqlite3_column_int64(st, 0);
		if (text && s)
			snprintf(text, size, "%s", (const char *)s);
	}
	sqlite3_finalize(st);
	return found;
}

/* The trace: its id, tracestate, flags and remote parent. */
static int read_trace(struct otlp_db *d, char *err)
{
	char text[1024];
	int64_t flags;

	if (!metadata(d->db, "trace_id", text, sizeof(text), NULL) ||
	    otlp_hex_parse(text, d->trace.trace_id, 16) != 0 ||
	    otlp_id_is_zero(d->trace.trace_id, 16)) {
		snprintf(err, KEKE_OTLP_ERROR_MAX, "%s: metadata trace_id is "
			 "missing or not 32 hex digits", d->path);
		return -1;
	}
	if (!metadata(d->db, "realtime_offset_ns", NULL, 0,
		      &d->realtime_offset_ns)) {
		snprintf(err, KEKE_OTLP_ERROR_MAX, "%s: metadata "
			 "realtime_offset_ns is missing: no wall times",
			 d->path);
		return -1;
	}
	if (metadata(d->db, "trace_state", text, sizeof(text), NULL) &&
	    text[0] && !(d->trace.trace_state = strdup(text)))
		return otlp_db_fail(d, "out of memory", err);
	d->trace.trace_flags = 1;	/* sampled: it was recorded */
	if (metadata(d->db, "trace_flags", NULL, 0, &flags))
		d->trace.trace_flags = (uint8_t)flags;
	if (metadata(d->db, "remote_parent_span_id", text, sizeof(text),
		     NULL) && text[0] &&
	    otlp_hex_parse(text, d->trace.remote_parent, 8) != 0) {
		snprintf(err, KEKE_OTLP_ERROR_MAX, "%s: metadata "
			 "remote_parent_span_id '%.40s' is not 16 hex digits",
			 d->path, text);
		return -1;
	}
	metadata(d->db, "host", text, sizeof(text), NULL);
	d->host = strdup(text[0] ? text : "unknown");
	return d->host ? 0 : otlp_db_fail(d, "out of memory", err);
}

/* The machine table's host names, by id, when the database has one. */
static int read_machines(struct otlp_db *d, char *err)
{
	sqlite3_stmt *st;
	int64_t id;

	if (!otlp_db_has_column(d->db, KEKE_DB_PROCESS, "machine_id") ||
	    !otlp_db_has_column(d->db, "machine", "name"))
		return 0;
	if (sqlite3_prepare_v2(d->db, "SELECT id, name FROM machine WHERE "
			       "id >= 0 AND id < 65536 ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		return otlp_db_fail(d, "reading the machines", err);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *name = sqlite3_column_text(st, 1);
		char **m;

		id = sqlite3_column_int64(st, 0);
		if (!name)
			continue;
		if ((size_t)id >= d->nmachines) {
			m = realloc(d->machines, (size_t)(id + 1) * sizeof(*m));
			if (!m)
				break;
			memset(m + d->nmachines, 0, (size_t)(id + 1 -
			       (int64_t)d->nmachines) * sizeof(*m));
			d->machines = m;
			d->nmachines = (size_t)id + 1;
		}
		free(d->machines[id]);
		d->machines[id] = strdup((const char *)name);
	}
	sqlite3_finalize(st);
	return 0;
}

/* The host name of machine @id: its own, else the metadata's. */
static const char *host_of(const struct otlp_db *d, sqlite3_stmt *st, int col)
{
	int64_t id;

	if (col < 0 || sqlite3_column_type(st, col) == SQLITE_NULL)
		return d->host;
	id = sqlite3_column_int64(st, col);
	if (id < 0 || (size_t)id >= d->nmachines || !d->machines[id])
		return d->host;
	return d->machines[id];
}

/* The processes, in upid order, and their parents. */
static int read_processes(struct otlp_db *d, char *err)
{
	bool machine = d->nmachines > 0;
	struct idmap index;
	sqlite3_stmt *st;
	int64_t *parent_upid = NULL, k;
	size_t cap = 0;
	int rc = -1;

	idmap_init(&index);
	if (sqlite3_prepare_v2(d->db, machine ?
			       "SELECT upid, pid, parent_upid, exit_code, "
			       "signal, machine_id FROM " KEKE_DB_PROCESS
			       " ORDER BY upid" :
			       "SELECT upid, pid, parent_upid, exit_code, "
			       "signal FROM " KEKE_DB_PROCESS " ORDER BY upid",
			       -1, &st, NULL) != SQLITE_OK)
		return otlp_db_fail(d, "reading the processes", err);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct otlp_process *p;

		if (d->nprocs == cap) {
			void *np, *pp;

			cap = cap ? cap * 2 : 64;
			np = realloc(d->procs, cap * sizeof(*d->procs));
			if (np)
				d->procs = np;
			pp = realloc(parent_upid, cap * sizeof(*parent_upid));
			if (pp)
				parent_upid = pp;
			if (!np || !pp) {
				otlp_db_fail(d, "out of memory", err);
				goto out;
			}
		}
		p = &d->procs[d->nprocs];
		*p = (struct otlp_process){
			.upid = sqlite3_column_int64(st, 0),
			.pid = sqlite3_column_int64(st, 1),
			.parent = -1,
			.has_exit_code = sqlite3_column_type(st, 3) !=
					 SQLITE_NULL,
			.exit_code = sqlite3_column_int64(st, 3),
			.signal = sqlite3_column_int64(st, 4),
			.host = host_of(d, st, machine ? 5 : -1),
		};
		parent_upid[d->nprocs] = sqlite3_column_type(st, 2) ==
					 SQLITE_NULL ? -1 :
					 sqlite3_column_int64(st, 2);
		idmap_put(&index, (uint64_t)p->upid, (int64_t)d->nprocs);
		d->nprocs++;
	}
	for (size_t i = 0; i < d->nprocs; i++)
		if (parent_upid[i] >= 0 &&
		    idmap_get(&index, (uint64_t)parent_upid[i], &k) &&
		    (size_t)k != i)
			d->procs[i].parent = k;
	rc = 0;
out:
	sqlite3_finalize(st);
	free(parent_upid);
	idmap_free(&index);
	return rc;
}

int otlp_db_open(struct otlp_db *d, const char *path, char *err)
{
	*d = (struct otlp_db){ .path = path };
	idmap_init(&d->image_of_slice);
	idmap_init(&d->proc_of_track);
	if (access(path, R_OK) != 0) {
		snprintf(err, KEKE_OTLP_ERROR_MAX, "%s: %s", path,
			 strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(path, &d->db, SQLITE_OPEN_READONLY |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return otlp_db_fail(d, "opening", err);
	sqlite3_exec(d->db, "PRAGMA query_only=1; PRAGMA cache_size=-65536;",
		     NULL, NULL, NULL);
	if (!is_keke_db(d->db)) {
		snprintf(err, KEKE_OTLP_ERROR_MAX, "%s: not a keke database "
			 "(no process, thread, slice, args, flow and metadata "
			 "tables)", path);
		return -1;
	}
	if (read_trace(d, err) || read_machines(d, err) ||
	    read_processes(d, err) || otlp_read_images(d, err))
		return -1;
	return 0;
}

void otlp_db_close(struct otlp_db *d)
{
	for (size_t i = 0; i < d->nimages; i++)
		free(d->images[i].name);
	for (size_t i = 0; i < d->nmachines; i++)
		free(d->machines[i]);
	free(d->machines);
	free(d->images);
	free(d->procs);
	free(d->host);
	free(d->trace.trace_state);
	idmap_free(&d->image_of_slice);
	idmap_free(&d->proc_of_track);
	sqlite3_close(d->db);
	d->db = NULL;
}
