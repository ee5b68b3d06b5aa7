// SPDX-License-Identifier: MIT
/*
 * The SQLite sink: writes a run into a database whose tables (schema.h)
 * read like those of Perfetto's trace processor (process, thread,
 * thread_track, slice, args, flow, metadata), times in nanoseconds, and
 * keke's file_access.
 *
 * The database is built in "<file>.tmp-XXXXXX" next to its output (the
 * file a symlink leads to; output.h), with no journal and no syncing,
 * inside one transaction; finish creates the indexes, commits and renames
 * it into place. A device or FIFO is refused: SQLite writes a database at
 * random places, and cannot in a stream.
 *
 * Rows are not inserted one by one: each table has a batch that collects
 * BATCH_ROWS rows (strings copied into the batch's own buffer, since the
 * structs' pointers are only valid during a call) and inserts them with one
 * multi-row INSERT, which costs a fraction of as many single-row ones.
 * Memory is bounded by the batches and SQLite's cache, never by the number
 * of slices.
 *
 * The inserts run on a thread of their own (common/work_queue.h), so the
 * merge reads and decodes the next records while SQLite stores the last
 * ones: a full batch is sent to that thread and the merge goes on filling
 * a spare one. Only that thread touches the database until finish has
 * waited for it; a failure there is seen by the next op, or by finish.
 *
 * Ids that are 0 ("none") are stored as NULL: process.parent_upid,
 * thread.upid, slice.parent_id, flow ends. So are process.exit_code when
 * unknown and process.signal when 0, and the process's io_* columns when
 * its counters are unknown. A slice with args has its own id as
 * arg_set_id (NULL without args); its args keep their order in rowid order,
 * with flat_key equal to key, value_type 'int' or 'string', and
 * display_value the value as a person reads it: the decoded text of a flag
 * or enum ("O_WRONLY|O_CREAT|O_TRUNC", beside int_value 577), else the
 * value as text.
 *
 * Every string is stored as valid UTF-8 TEXT: each maximal invalid
 * sequence and each NUL byte is replaced by U+FFFD, so a string arg with
 * NUL bytes keeps what follows them.
 */
#include "sinks/sink.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/output.h"
#include "common/work_queue.h"
#include "sinks/schema.h"

#define BATCH_ROWS 64		/* rows per multi-row INSERT */
#define SPARE_BATCHES 16	/* batches that may wait for the inserts */

/*
 * A file nobody reads before it is complete needs no journal, no syncing
 * and no sharing; big pages and an 8 MiB cache (negative: KiB) make the
 * bulk insert cheaper.
 */
static const char pragmas[] =
	"PRAGMA page_size=65536;"
	"PRAGMA journal_mode=OFF;"
	"PRAGMA synchronous=OFF;"
	"PRAGMA locking_mode=EXCLUSIVE;"
	"PRAGMA cache_size=-8192;";

static const char schema[] = KEKE_DB_SCHEMA;

/*
 * Run by finish: one track per thread, with the thread's id; then the
 * indexes, created after the bulk insert, which is faster than maintaining
 * them row by row, though row by row would keep the peak memory lower.
 */
static const char finish_sql[] =
	"INSERT INTO " KEKE_DB_THREAD_TRACK "(id, utid) SELECT utid, utid FROM "
	KEKE_DB_THREAD ";" KEKE_DB_INDEXES;

enum cell_type {
	CELL_NULL,
	CELL_INT,
	CELL_TEXT,	/* bytes in the batch's buffer */
};

/* One value of a row waiting in a batch. */
struct cell {
	enum cell_type type;
	union {
		int64_t i;
		size_t off;
	};
	size_t len;
};

enum batch_id {
	B_PROCESS,
	B_THREAD,
	B_SLICE,
	B_ARGS,
	B_FLOW,
	B_COUNTER_TRACK,
	B_COUNTER,
	B_MAPPING,
	B_FRAME,
	B_CALLSITE,
	B_METADATA,
	B_FILE_ACCESS,
	B_CRITICAL_PATH,
	B_MACHINE,
	B_COUNT,
};

/* Rows of one table waiting to be inserted together. */
struct batch {
	enum batch_id table;
	unsigned nrows;		/* complete rows waiting */
	unsigned ncells;	/* cells written, ncols per row */
	struct cell *cells;	/* room for BATCH_ROWS of the widest rows */
	char *buf;		/* the rows' strings */
	size_t used, cap;
};

/* A table's inserts, and the batch being filled for it. */
struct table {
	const char *name;
	unsigned ncols;
	sqlite3_stmt *multi;	/* inserts BATCH_ROWS rows */
	sqlite3_stmt *one;	/* inserts one row, for the remainder */
	struct batch *filling;
};

/*
 * The INSERT of each batch: the statement's start, then one row, in which
 * '?' is a new parameter, '@' the one before it again and '@N' (N a digit)
 * the one N before that, so that a row binds as few values as possible: an
 * arg binds its set, its key (for flat_key and key), its int_value and its
 * string_value, one of them NULL, which also gives its value_type, and its
 * decoded text, NULL but for a decoded integer: its display_value is that
 * text, else its value as text (as in Perfetto's args, where display_value
 * is the value formatted for a person).
 */
static const struct {
	const char *table;
	const char *insert;
	const char *row;
} batch_sql[B_COUNT] = {
	[B_PROCESS] = { KEKE_DB_PROCESS, "INSERT INTO " KEKE_DB_PROCESS
			" VALUES", "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
			"?,?,?,?,?,?,?,?,?,?,?,?)" },
	[B_THREAD] = { KEKE_DB_THREAD, "INSERT INTO " KEKE_DB_THREAD " VALUES",
		       "(?,?,?,?,?,?,?,?)" },
	[B_SLICE] = { KEKE_DB_SLICE, "INSERT INTO " KEKE_DB_SLICE " VALUES",
		      "(?,?,?,?,?,?,?,?,?,?)" },
	[B_ARGS] = { KEKE_DB_ARGS, "INSERT INTO " KEKE_DB_ARGS " VALUES",
		     "(?,?,@,?,?,NULL,iif(@ IS NULL,'int','string'),"
		     "coalesce(?,@1,CAST(@2 AS TEXT)))" },
	[B_FLOW] = { KEKE_DB_FLOW, "INSERT INTO " KEKE_DB_FLOW " VALUES",
		     "(?,?,?)" },
	[B_COUNTER_TRACK] = { KEKE_DB_COUNTER_TRACK,
			      "INSERT INTO " KEKE_DB_COUNTER_TRACK " VALUES",
			      "(?,?,?)" },
	[B_MAPPING] = { KEKE_DB_MAPPING,
			"INSERT INTO " KEKE_DB_MAPPING " VALUES",
			"(?,?,?,?,?,?)" },
	[B_FRAME] = { KEKE_DB_FRAME, "INSERT INTO " KEKE_DB_FRAME " VALUES",
		      "(?,?,?,?,?,?)" },
	[B_CALLSITE] = { KEKE_DB_CALLSITE,
			 "INSERT INTO " KEKE_DB_CALLSITE " VALUES",
			 "(?,?,?,?)" },
	[B_COUNTER] = { KEKE_DB_COUNTER,
			"INSERT INTO " KEKE_DB_COUNTER "(ts, track_id, value)"
			" VALUES", "(?,?,?)" },
	[B_METADATA] = { KEKE_DB_METADATA,
			 "INSERT OR REPLACE INTO " KEKE_DB_METADATA " VALUES",
			 "(?,?,?)" },
	[B_FILE_ACCESS] = { KEKE_DB_FILE_ACCESS,
			    "INSERT INTO " KEKE_DB_FILE_ACCESS " VALUES",
			    "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)" },
	[B_CRITICAL_PATH] = { KEKE_DB_CRITICAL_PATH,
			      "INSERT INTO " KEKE_DB_CRITICAL_PATH " VALUES",
			      "(?,?,?,?,?,?,?)" },
	[B_MACHINE] = { KEKE_DB_MACHINE,
			"INSERT INTO " KEKE_DB_MACHINE " VALUES",
			"(?,?,?,?,?,?,?,?)" },
};

/*
 * Slices with the same args share one arg set, as in Perfetto: a loop of
 * reads of one file stores its args once. The sets seen last are kept in a
 * small table, compared byte for byte, so memory stays flat.
 */
#define ARG_SETS_LOG2 12
#define ARG_SETS (1 << ARG_SETS_LOG2)	/* sets remembered */
#define ARG_SET_BYTES 240	/* larger sets are not shared */

struct arg_set {
	int64_t id;		/* 0: empty slot */
	uint16_t len;
	uint8_t bytes[ARG_SET_BYTES];	/* the args, serialized */
};

struct sqlite_sink {
	char *path;		/* the output */
	struct keke_output out;	/* out.tmp: the temporary it is built in,
				 * until renamed (out.path NULL then) */
	sqlite3 *db;
	struct arg_set *arg_sets;	/* ARG_SETS of them */
	struct table t[B_COUNT];
	struct batch batches[B_COUNT + SPARE_BATCHES];
	struct work_queue *inserts;	/* running: only it uses db */
	int64_t slice_max;	/* the largest slice id queued */
	volatile sig_atomic_t *cancel;	/* set: finish gives up */
	pthread_mutex_t err_lock;	/* the first failure writes err */
	atomic_bool failed;	/* an op failed: refuse the rest */
	char err[KEKE_SINK_ERROR_MAX];	/* not changed once failed is set */
};

/*
 * Formats an error message into @q->err and marks the sink failed, unless
 * it failed before (on either thread): the first error is the one told.
 */
__attribute__((format(printf, 2, 3))) static void fail(struct sqlite_sink *q,
							const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&q->err_lock);
	if (!q->failed) {
		va_start(ap, fmt);
		vsnprintf(q->err, sizeof(q->err), fmt, ap);
		va_end(ap);
		q->failed = true;
	}
	pthread_mutex_unlock(&q->err_lock);
}

/* Same, with SQLite's message for @q->db, and the system's when SQLite
 * failed on a system call. */
static void fail_sql(struct sqlite_sink *q, const char *what)
{
	int code = q->db ? sqlite3_extended_errcode(q->db) & 0xff : 0;
	int sys = 0;

	if (code == SQLITE_IOERR || code == SQLITE_FULL ||
	    code == SQLITE_CANTOPEN)
		sys = sqlite3_system_errno(q->db);
	if (!q->db)
		fail(q, "%s: %s: out of memory", q->path, what);
	else if (sys)
		fail(q, "%s: %s: %s (%s)", q->path, what,
		     sqlite3_errmsg(q->db), strerror(sys));
	else
		fail(q, "%s: %s: %s", q->path, what, sqlite3_errmsg(q->db));
}

/*
 * Length of the valid UTF-8 sequence at @p (@n bytes available), 1 to 4;
 * or, when it is invalid, minus the length of its maximal invalid subpart
 * (at least 1), which is what one U+FFFD replaces. NUL counts as invalid.
 */
static int utf8_seq(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	int len;

	if (c >= 0x01 && c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (c == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90;	/* overlong */
		else if (c == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else {
		return -1;
	}
	for (int k = 1; k < len; k++) {
		if ((size_t)k >= n || p[k] < lo || p[k] > hi)
			return -k;
		lo = 0x80;
		hi = 0xbf;
	}
	return len;
}

/* True if @n bytes at @s are valid UTF-8 without NUL bytes. */
static bool utf8_clean(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		/* Eight ASCII bytes at a time, none of them NUL. */
		if (n - i >= 8) {
			uint64_t w;

			memcpy(&w, s + i, 8);
			if (!((w | ((w - 0x0101010101010101ull) & ~w)) &
			      0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		int k = utf8_seq(s + i, n - i);

		if (k < 0)
			return false;
		i += (size_t)k;
	}
	return true;
}

/*
 * Makes room for @n more bytes in @b's buffer, which then exists even for
 * n == 0 (SQLite binds a NULL pointer as NULL, not as ''). Returns 0 or -1
 * (out of memory).
 */
static int batch_reserve(struct batch *b, size_t n)
{
	if (b->buf && n <= b->cap - b->used)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;

	while (cap - b->used < n) {
		if (cap > SIZE_MAX / 2)
			return -1;
		cap *= 2;
	}
	char *buf = realloc(b->buf, cap);

	if (!buf)
		return -1;
	b->buf = buf;
	b->cap = cap;
	return 0;
}

static void put_null(struct batch *b)
{
	b->cells[b->ncells++] = (struct cell){ .type = CELL_NULL };
}

static void put_int(struct batch *b, int64_t v)
{
	b->cells[b->ncells++] = (struct cell){ .type = CELL_INT, .i = v };
}

/* NULL when @v is 0, which means "none" for ids. */
static void put_id(struct batch *b, int64_t v)
{
	if (v)
		put_int(b, v);
	else
		put_null(b);
}

/*
 * Copies @n bytes at @s into @b as a TEXT cell, replacing each invalid
 * UTF-8 sequence and each NUL byte by U+FFFD. Returns 0, or -1 when out of
 * memory (no cell is added then).
 */
static int put_bytes(struct batch *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t off = b->used;

	if (utf8_clean(p, n)) {
		if (batch_reserve(b, n) < 0)
			return -1;
		memcpy(b->buf + b->used, s, n);
		b->used += n;
	} else {
		/* At most 3 bytes out per byte in. */
		if (n > SIZE_MAX / 3 || batch_reserve(b, 3 * n) < 0)
			return -1;
		char *o = b->buf + b->used;

		for (size_t i = 0; i < n;) {
			int k = utf8_seq(p + i, n - i);

			if (k > 0) {
				memcpy(o, p + i, (size_t)k);
				o += k;
				i += (size_t)k;
			} else {
				memcpy(o, "\xef\xbf\xbd", 3);
				o += 3;
				i += (size_t)-k;
			}
		}
		b->used = (size_t)(o - b->buf);
	}
	b->cells[b->ncells++] = (struct cell){ .type = CELL_TEXT,
					       .off = off,
					       .len = b->used - off };
	return 0;
}

/* A NUL-terminated string, or NULL for SQL NULL. Returns 0 or -1. */
static int put_str(struct batch *b, const char *s)
{
	if (!s) {
		put_null(b);
		return 0;
	}
	return put_bytes(b, s, strlen(s));
}

/* Binds the cells of @nrows rows of @ncols, from the first, to @st. */
static int batch_bind(const struct batch *b, unsigned ncols,
		      sqlite3_stmt *st, unsigned first, unsigned nrows)
{
	const struct cell *c = b->cells + (size_t)first * ncols;
	int ncells = (int)(nrows * ncols);
	int rc = SQLITE_OK;

	for (int j = 0; j < ncells && rc == SQLITE_OK; j++, c++) {
		switch (c->type) {
		case CELL_NULL:
			rc = sqlite3_bind_null(st, j + 1);
			break;
		case CELL_INT:
			rc = sqlite3_bind_int64(st, j + 1, c->i);
			break;
		case CELL_TEXT:
			rc = sqlite3_bind_text64(st, j + 1, b->buf + c->off,
						 c->len, SQLITE_STATIC,
						 SQLITE_UTF8);
			break;
		}
	}
	return rc;
}

/* Runs @st once with what is bound and resets it. */
static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/*
 * The inserts' thread: inserts the rows waiting in batch @item, with one
 * multi-row INSERT when it is full, one row at a time otherwise, unless
 * the sink failed before; empties the batch either way.
 */
static void insert_batch(void *sink, void *item)
{
	struct sqlite_sink *q = sink;
	struct batch *b = item;
	const struct table *t = &q->t[b->table];
	int rc = SQLITE_OK;

	if (q->failed)
		b->nrows = 0;
	if (b->nrows == BATCH_ROWS) {
		rc = batch_bind(b, t->ncols, t->multi, 0, BATCH_ROWS);
		if (rc == SQLITE_OK)
			rc = run(t->multi);
	} else {
		for (unsigned r = 0; r < b->nrows && rc == SQLITE_OK; r++) {
			rc = batch_bind(b, t->ncols, t->one, r, 1);
			if (rc == SQLITE_OK)
				rc = run(t->one);
		}
	}
	b->nrows = 0;
	b->ncells = 0;
	b->used = 0;
	if (rc != SQLITE_OK) {
		char what[64];

		snprintf(what, sizeof(what), "inserting into %s", t->name);
		fail_sql(q, what);
	}
}

/* Sends table @id's batch to the inserts and takes a spare one to fill. */
static void send_batch(struct sqlite_sink *q, enum batch_id id)
{
	struct table *t = &q->t[id];

	work_queue_send(q->inserts, t->filling);
	t->filling = work_queue_take(q->inserts);
	t->filling->table = id;
}

/*
 * Ends the row just written into table @id's batch (@ok: whether every
 * value went in); sends the batch when it is full. Returns 0, or -1 when
 * the sink failed (the partial row is dropped).
 */
static int row_done(struct sqlite_sink *q, enum batch_id id, bool ok)
{
	struct batch *b = q->t[id].filling;

	if (!ok) {
		b->ncells = b->nrows * q->t[id].ncols;
		fail(q, "%s: out of memory", q->path);
		return -1;
	}
	b->nrows++;
	if (b->nrows == BATCH_ROWS)
		send_batch(q, id);
	return q->failed ? -1 : 0;
}

/*
 * Prepares the INSERT of @nrows rows of batch @id (see batch_sql).
 * Returns it, or NULL on failure.
 */
static sqlite3_stmt *prepare_insert(sqlite3 *db, enum batch_id id,
				    unsigned nrows)
{
	const char *row = batch_sql[id].row;
	size_t cap = strlen(batch_sql[id].insert) + 1 +
		     (size_t)nrows * (strlen(row) * 4 + 1);
	char *sql = malloc(cap);
	sqlite3_stmt *st = NULL;
	unsigned param = 0;
	size_t n;

	if (!sql)
		return NULL;
	n = (size_t)snprintf(sql, cap, "%s", batch_sql[id].insert);
	for (unsigned r = 0; r < nrows; r++) {
		sql[n++] = r ? ',' : ' ';
		for (const char *t = row; *t; t++) {
			if (*t == '?')
				n += (size_t)snprintf(sql + n, cap - n, "?%u",
						      ++param);
			else if (*t == '@' && t[1] >= '0' && t[1] <= '9')
				n += (size_t)snprintf(sql + n, cap - n, "?%u",
						      param - (unsigned)(*++t -
									 '0'));
			else if (*t == '@')
				n += (size_t)snprintf(sql + n, cap - n, "?%u",
						      param);
			else
				sql[n++] = *t;
		}
	}
	sql[n] = '\0';
	if (sqlite3_prepare_v3(db, sql, (int)n, SQLITE_PREPARE_PERSISTENT,
			       &st, NULL) != SQLITE_OK)
		st = NULL;
	free(sql);
	return st;
}

/* Prepares table @id's inserts. Returns 0, or -1 with the error in @q. */
static int table_init(struct sqlite_sink *q, enum batch_id id)
{
	struct table *t = &q->t[id];

	t->name = batch_sql[id].table;
	for (const char *c = batch_sql[id].row; *c; c++)
		t->ncols += *c == '?';
	t->multi = prepare_insert(q->db, id, BATCH_ROWS);
	t->one = prepare_insert(q->db, id, 1);
	if (!t->multi || !t->one) {
		fail_sql(q, "preparing inserts");
		return -1;
	}
	return 0;
}

/*
 * Makes the batches, gives each table one to fill and the rest to the
 * inserts' thread, which it starts. Returns 0, or -1 with the error in @q.
 */
static int start_inserts(struct sqlite_sink *q)
{
	const size_t nbatches = B_COUNT + SPARE_BATCHES;
	unsigned widest = 0;

	for (int i = 0; i < B_COUNT; i++)
		if (q->t[i].ncols > widest)
			widest = q->t[i].ncols;
	for (size_t i = 0; i < nbatches; i++) {
		q->batches[i].cells = calloc((size_t)BATCH_ROWS * widest,
					     sizeof(struct cell));
		if (!q->batches[i].cells)
			goto oom;
	}
	q->inserts = work_queue_start(nbatches, insert_batch, q);
	if (!q->inserts)
		goto oom;
	for (size_t i = 0; i < nbatches; i++) {
		if (i < B_COUNT) {
			q->batches[i].table = (enum batch_id)i;
			q->t[i].filling = &q->batches[i];
		} else {
			work_queue_give(q->inserts, &q->batches[i]);
		}
	}
	return 0;
oom:
	fail(q, "%s: out of memory", q->path);
	return -1;
}

/*
 * Sends every table's partial batch and waits until all are inserted.
 * Returns 0, or -1 when an insert (or anything before) failed.
 */
static int finish_inserts(struct sqlite_sink *q)
{
	for (int i = 0; i < B_COUNT; i++)
		if (q->t[i].filling->nrows)
			send_batch(q, (enum batch_id)i);
	work_queue_stop(q->inserts);
	q->inserts = NULL;
	return q->failed ? -1 : 0;
}

/*
 * Creates the temporary the database is built in, with the mode a new
 * file gets (output.h). Returns 0, or -1 with the error in @q.
 */
static int create_temp(struct sqlite_sink *q)
{
	char err[KEKE_SINK_ERROR_MAX];

	if (keke_output_open(&q->out, q->path, KEKE_OUTPUT_REGULAR, err,
			     sizeof(err)) < 0) {
		fail(q, "%s", err);
		return -1;
	}
	/* SQLite opens it by name. */
	close(q->out.fd);
	q->out.fd = -1;
	return 0;
}

/* Finalizes the tables' statements, which closing the database needs. */
static void finalize_inserts(struct sqlite_sink *q)
{
	for (int i = 0; i < B_COUNT; i++) {
		sqlite3_finalize(q->t[i].multi);
		sqlite3_finalize(q->t[i].one);
		q->t[i].multi = q->t[i].one = NULL;
	}
}

/*
 * Stops the inserts (dropping what waits), closes the database and frees
 * @q; removes the temporary unless it was renamed into place.
 */
static void destroy(struct sqlite_sink *q)
{
	if (q->inserts) {
		q->failed = true;
		work_queue_stop(q->inserts);
	}
	free(q->arg_sets);
	finalize_inserts(q);
	for (int i = 0; i < B_COUNT + SPARE_BATCHES; i++) {
		free(q->batches[i].cells);
		free(q->batches[i].buf);
	}
	sqlite3_close(q->db);
	if (q->out.path)
		keke_output_discard(&q->out);
	free(q->path);
	pthread_mutex_destroy(&q->err_lock);
	free(q);
}

/*
 * Creates @path's temporary as a database with empty tables, in one open
 * transaction. Returns the sink, or NULL with @err (KEKE_SINK_ERROR_MAX
 * bytes) naming @path and saying why; nothing is left on disk then.
 */
static void *sqlite_sink_open(const char *path, char *err)
{
	struct sqlite_sink *q = calloc(1, sizeof(*q));

	if (!q) {
		snprintf(err, KEKE_SINK_ERROR_MAX, "%s: out of memory", path);
		return NULL;
	}
	pthread_mutex_init(&q->err_lock, NULL);
	q->path = strdup(path);
	/* Without the table, no set is shared: still correct. */
	q->arg_sets = calloc(ARG_SETS, sizeof(*q->arg_sets));
	if (!q->path) {
		snprintf(err, KEKE_SINK_ERROR_MAX, "%s: out of memory", path);
		free(q->arg_sets);
		pthread_mutex_destroy(&q->err_lock);
		free(q);
		return NULL;
	}
	if (create_temp(q) < 0)
		goto out;
	if (sqlite3_open_v2(q->out.tmp, &q->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		fail_sql(q, "opening the database");
		goto out;
	}
	if (sqlite3_exec(q->db, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(q->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
		fail_sql(q, "creating the tables");
		goto out;
	}
	for (int i = 0; i < B_COUNT; i++)
		if (table_init(q, (enum batch_id)i) < 0)
			goto out;
	if (start_inserts(q) < 0)
		goto out;
	return q;
out:
	snprintf(err, KEKE_SINK_ERROR_MAX, "%s", q->err);
	destroy(q);
	return NULL;
}

/* One metadata row: @str as str_value if not NULL, else @value. */
static int sqlite_sink_metadata(void *sink, const char *key, const char *str,
				int64_t value)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_METADATA].filling;
	bool ok;

	if (q->failed)
		return -1;
	/* Columns: name, int_value, str_value. */
	ok = put_str(b, key) == 0;
	if (str) {
		put_null(b);
		ok = put_str(b, str) == 0 && ok;
	} else {
		put_int(b, value);
		put_null(b);
	}
	return row_done(q, B_METADATA, ok);
}

/* Appends @n bytes to the serialized set at @buf (ARG_SET_BYTES); false
 * when they do not fit. */
static bool append(uint8_t *buf, size_t *len, const void *p, size_t n)
{
	if (*len + n > ARG_SET_BYTES)
		return false;
	if (n)
		memcpy(buf + *len, p, n);
	*len += n;
	return true;
}

/* Mixes the word @w into the hash @h, keeping its high bits well mixed. */
static uint64_t mix(uint64_t h, uint64_t w)
{
	h = (h ^ w) * 0x9e3779b97f4a7c15ull;
	return h ^ (h >> 29);
}

/*
 * Mixes @n bytes at @p, eight at a time: a multiply per byte would cost
 * more than the rest of a slice. The last 1 to 7 bytes are read as two
 * overlapping words, or three bytes, straight into a register: copying
 * them into a zeroed word first would stall the load that follows.
 */
static uint64_t mix_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t w;
	uint32_t lo, hi;

	for (; n >= 8; b += 8, n -= 8) {
		memcpy(&w, b, 8);
		h = mix(h, w);
	}
	if (n >= 4) {
		memcpy(&lo, b, 4);
		memcpy(&hi, b + n - 4, 4);
		return mix(h, lo | (uint64_t)hi << 32);
	}
	if (n)
		return mix(h, b[0] | (uint64_t)b[n / 2] << 8 |
				      (uint64_t)b[n - 1] << 16);
	return h;
}

/*
 * The arg set of @s: an identical one sent before (*is_new false), or a new
 * one numbered with the slice's id (*is_new true).
 */
static int64_t arg_set_of(struct sqlite_sink *q, const struct keke_slice *s,
			  bool *is_new)
{
	uint8_t buf[ARG_SET_BYTES];
	size_t len = 0;
	struct arg_set *slot;
	uint64_t h = s->nargs;

	*is_new = true;
	if (!q->arg_sets)
		return s->id;
	for (unsigned i = 0; i < s->nargs; i++) {
		const struct keke_arg *a = &s->args[i];
		/* A decoded integer: its text too, which depends on the
		 * call as well as on the number. */
		bool shown = !a->is_str && a->display;
		uint8_t kind = a->is_str | (uint8_t)(shown << 1);
		uint16_t klen = (uint16_t)strlen(a->key);
		uint16_t vlen = (uint16_t)(shown ? a->display_len : a->len);

		bool fits = (shown ? a->display_len : a->len) < 0xffff &&
			    append(buf, &len, &kind, 1) &&
			    append(buf, &len, &klen, 2) &&
			    append(buf, &len, a->key, klen) &&
			    (a->is_str ? append(buf, &len, &vlen, 2) &&
				 append(buf, &len, a->s, a->len) :
				 append(buf, &len, &a->i, sizeof(a->i))) &&
			    (!shown || (append(buf, &len, &vlen, 2) &&
					append(buf, &len, a->display, vlen)));

		if (!fits)
			return s->id;
		/* Hashed from the fields, not from buf: loading back the
		 * small stores just made would stall each load. */
		h = mix(h, kind | (uint64_t)klen << 8 |
				   (uint64_t)(a->is_str || shown ? vlen : 0)
					   << 24);
		h = mix_bytes(h, a->key, klen);
		h = a->is_str ? mix_bytes(h, a->s, a->len) :
				mix(h, (uint64_t)a->i);
		if (shown)
			h = mix_bytes(h, a->display, vlen);
	}
	h *= 0xbf58476d1ce4e5b9ull;
	slot = &q->arg_sets[h >> (64 - ARG_SETS_LOG2)];
	if (slot->id && slot->len == len && !memcmp(slot->bytes, buf, len)) {
		*is_new = false;
		return slot->id;
	}
	slot->id = s->id;
	slot->len = (uint16_t)len;
	memcpy(slot->bytes, buf, len);
	return s->id;
}

/* Queues the @nargs @args of the arg set @set. */
static int put_args(struct sqlite_sink *q, int64_t set, unsigned nargs,
		    const struct keke_arg *args)
{
	bool ok;

	for (unsigned i = 0; i < nargs; i++) {
		const struct keke_arg *g = &args[i];
		struct batch *a = q->t[B_ARGS].filling;

		/* arg_set_id, flat_key (also the key), int_value,
		 * string_value, the decoded text. */
		put_int(a, set);
		ok = put_str(a, g->key) == 0;
		if (!g->is_str) {
			put_int(a, g->i);
			put_null(a);
		} else {
			put_null(a);
			if (put_bytes(a, g->s ? g->s : "", g->s ? g->len : 0))
				ok = false;
		}
		if (!g->is_str && g->display) {
			if (put_bytes(a, g->display, g->display_len))
				ok = false;
		} else {
			put_null(a);
		}
		if (row_done(q, B_ARGS, ok) < 0)
			return -1;
	}
	return 0;
}

/*
 * Queues @s and its args; inserts the batches that fill up. A slice whose
 * id follows the largest queued gets a NULL id, which SQLite turns into
 * that same id by appending after the last row, instead of checking the
 * id is free with a search from the root: most slices come in id order.
 */
static int sqlite_sink_slice(void *sink, const struct keke_slice *s)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_SLICE].filling;
	bool ok, new_set = false;
	int64_t set = 0;

	if (q->failed)
		return -1;
	if (s->id == q->slice_max + 1)
		put_null(b);
	else
		put_int(b, s->id);
	if (s->id > q->slice_max)
		q->slice_max = s->id;
	put_int(b, s->ts_ns);
	put_int(b, s->dur_ns);
	put_int(b, s->utid);
	ok = put_str(b, s->category) == 0;
	ok = put_str(b, s->name) == 0 && ok;
	put_int(b, s->depth);
	put_id(b, s->parent_id);
	if (s->nargs)
		put_int(b, set = arg_set_of(q, s, &new_set));
	else
		put_null(b);
	put_id(b, s->stack_id);
	if (row_done(q, B_SLICE, ok) < 0)
		return -1;
	return new_set ? put_args(q, set, s->nargs, s->args) : 0;
}

/* The I/O columns of @p's row: NULL when it has no counters. */
static void put_io(struct batch *b, const struct keke_process *p)
{
	const int64_t v[] = {
		p->io_ts, p->io_rchar, p->io_wchar, p->io_syscr, p->io_syscw,
		p->io_read_bytes, p->io_write_bytes,
		p->io_cancelled_write_bytes,
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (p->has_io)
			put_int(b, v[i]);
		else
			put_null(b);
	put_int(b, p->traced_rchar);
	put_int(b, p->traced_wchar);
}

/* The resource columns of @p's row: NULL when they are unknown. */
static bool put_rusage(struct batch *b, const struct keke_process *p)
{
	const struct keke_rusage *u = &p->rusage;
	const int64_t v[] = {
		u->cpu_user_ns, u->cpu_sys_ns, u->peak_rss_kb,
		u->minor_faults, u->major_faults, u->vol_ctx_switches,
		u->invol_ctx_switches, u->fs_read_blocks, u->fs_write_blocks,
	};

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (p->rusage_from)
			put_int(b, v[i]);
		else
			put_null(b);
	return put_str(b, p->rusage_from) == 0;
}

/* Queues @p's row; inserts the batch when it fills up. */
static int sqlite_sink_process(void *sink, const struct keke_process *p)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_PROCESS].filling;
	bool ok;

	if (q->failed)
		return -1;
	put_int(b, p->upid);
	put_int(b, p->pid > 0 ? p->pid - p->pid_offset : p->pid);
	ok = put_str(b, p->name) == 0;
	ok = put_str(b, p->cmdline) == 0 && ok;
	put_int(b, p->start_ns);
	put_int(b, p->end_ns);
	put_id(b, p->parent_upid);
	if (p->has_exit_code)
		put_int(b, p->exit_code);
	else
		put_null(b);
	put_id(b, p->signal);
	ok = put_str(b, p->exe) == 0 && ok;
	ok = put_str(b, p->cwd) == 0 && ok;
	put_int(b, p->killed);
	put_int(b, p->untraced);
	put_int(b, p->dropped > INT64_MAX ? INT64_MAX : (int64_t)p->dropped);
	put_io(b, p);
	ok = put_rusage(b, p) && ok;
	put_id(b, p->nargs ? p->arg_set_id : 0);
	put_id(b, p->machine_id);
	if (row_done(q, B_PROCESS, ok) < 0)
		return -1;
	return put_args(q, p->arg_set_id, p->nargs, p->args);
}

/* A count as an INT cell. */
static void put_count(struct batch *b, uint64_t n)
{
	put_int(b, n > INT64_MAX ? INT64_MAX : (int64_t)n);
}

/* Queues @a's row; inserts the batch when it fills up. */
static int sqlite_sink_file_access(void *sink,
				   const struct keke_file_access *a)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_FILE_ACCESS].filling;
	bool ok;

	if (q->failed)
		return -1;
	put_int(b, a->upid);
	ok = put_str(b, a->path) == 0;
	ok = put_str(b, a->kind) == 0 && ok;
	put_int(b, a->read_bytes);
	put_int(b, a->write_bytes);
	put_count(b, a->reads);
	put_count(b, a->writes);
	put_count(b, a->opened);
	put_count(b, a->opened_write);
	put_count(b, a->created);
	put_count(b, a->truncated);
	put_count(b, a->deleted);
	put_count(b, a->probed);
	put_count(b, a->probed_missing);
	ok = put_str(b, a->renamed_to) == 0 && ok;
	ok = put_str(b, a->renamed_from) == 0 && ok;
	put_count(b, a->calls);
	put_int(b, a->dur_ns);
	put_int(b, a->first_ts_ns);
	put_int(b, a->last_ts_ns);
	return row_done(q, B_FILE_ACCESS, ok);
}

static int sqlite_sink_segment(void *sink, const struct keke_segment *g)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_CRITICAL_PATH].filling;
	bool ok;

	if (q->failed)
		return -1;
	put_int(b, g->id);
	put_int(b, g->ts_ns);
	put_int(b, g->dur_ns);
	put_id(b, g->upid);
	ok = put_str(b, g->state) == 0;
	ok = put_str(b, g->call) == 0 && ok;
	put_id(b, g->waiting_upid);
	return row_done(q, B_CRITICAL_PATH, ok);
}

/* Queues @t's row (its track is made in finish). */
static int sqlite_sink_thread(void *sink, const struct keke_thread *t)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_THREAD].filling;
	bool ok;

	if (q->failed)
		return -1;
	put_int(b, t->utid);
	put_int(b, t->tid > 0 ? t->tid - t->pid_offset : t->tid);
	ok = put_str(b, t->name) == 0;
	put_id(b, t->upid);
	put_int(b, t->start_ns);
	put_int(b, t->end_ns);
	put_int(b, t->is_main_thread);
	put_id(b, t->machine_id);
	return row_done(q, B_THREAD, ok);
}

/* Queues machine @mc's row. */
static int sqlite_sink_machine(void *sink, const struct keke_machine *mc)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_MACHINE].filling;
	bool ok;

	if (q->failed)
		return -1;
	put_int(b, mc->id);
	ok = put_str(b, mc->name) == 0;
	ok = put_str(b, mc->boot_id) == 0 && ok;
	put_int(b, mc->realtime_offset_ns);
	put_int(b, mc->uncertainty_ns);
	put_int(b, mc->shift_ns);
	put_int(b, mc->pid_offset);
	put_count(b, mc->files);
	return row_done(q, B_MACHINE, ok);
}

static int sqlite_sink_mapping(void *sink, const struct keke_mapping *m)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_MAPPING].filling;
	bool ok;

	if (q->failed)
		return -1;
	put_int(b, m->id);
	ok = put_str(b, m->build_id) == 0;
	put_int(b, m->start);
	put_int(b, m->end);
	put_int(b, m->load_bias);
	ok = put_str(b, m->name) == 0 && ok;
	return row_done(q, B_MAPPING, ok);
}

static int sqlite_sink_frame(void *sink, const struct keke_frame *f)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_FRAME].filling;
	bool ok;

	if (q->failed)
		return -1;
	put_int(b, f->id);
	ok = put_str(b, f->name) == 0;
	put_id(b, f->mapping);
	put_int(b, f->rel_pc);
	ok = put_str(b, f->source_file) == 0 && ok;
	if (f->source_file)
		put_int(b, f->line);
	else
		put_null(b);
	return row_done(q, B_FRAME, ok);
}

static int sqlite_sink_callsite(void *sink, const struct keke_callsite *c)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_CALLSITE].filling;

	if (q->failed)
		return -1;
	put_int(b, c->id);
	put_int(b, c->depth);
	put_id(b, c->parent_id);
	put_int(b, c->frame_id);
	return row_done(q, B_CALLSITE, true);
}

/* Queues the counter value, and its track the first time. */
static int sqlite_sink_counter(void *sink, const struct keke_counter *c)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_COUNTER].filling;

	if (q->failed)
		return -1;
	if (c->new_track) {
		struct batch *t = q->t[B_COUNTER_TRACK].filling;
		bool ok;

		put_int(t, c->track_id);
		ok = put_str(t, c->name) == 0;
		put_id(t, c->upid);
		if (row_done(q, B_COUNTER_TRACK, ok))
			return -1;
	}
	put_int(b, c->ts_ns);
	put_int(b, c->track_id);
	put_int(b, c->value);
	return row_done(q, B_COUNTER, true);
}

static int sqlite_sink_flow(void *sink, const struct keke_flow *f)
{
	struct sqlite_sink *q = sink;
	struct batch *b = q->t[B_FLOW].filling;

	if (q->failed)
		return -1;
	put_int(b, f->id);
	put_id(b, f->slice_out);
	put_id(b, f->slice_in);
	return row_done(q, B_FLOW, true);
}

/*
 * Inserts what is waiting, creates the indexes, commits, closes and renames
 * the temporary to the output, replacing any file there. On failure the
 * temporary is removed, @err says why and no output is left.
 */
/* SQLite's progress handler: non-zero stops the statement under way. */
static int cancelled(void *sink)
{
	struct sqlite_sink *q = sink;

	return *q->cancel != 0;
}

static void sqlite_sink_cancel_on(void *sink, volatile sig_atomic_t *flag)
{
	struct sqlite_sink *q = sink;

	q->cancel = flag;
}

/*
 * Lets SQLite sort each index with two helper threads, when this process
 * may run on two CPUs or more: the sorts are most of the time a big trace
 * takes to store (docs/performance.md). Each helper sorts in buffers
 * sized by cache_size, so the peak memory grows by a fixed amount, not
 * with the trace. Returns 0 or -1.
 */
static int sort_threads(struct sqlite_sink *q)
{
	cpu_set_t cpus;

	if (sched_getaffinity(0, sizeof(cpus), &cpus) < 0 ||
	    CPU_COUNT(&cpus) < 2)
		return 0;
	return sqlite3_exec(q->db, "PRAGMA threads=2", NULL, NULL, NULL) ==
			       SQLITE_OK ? 0 : -1;
}

/*
 * The big pages that make a big trace's inserts cheap leave a small
 * trace's tables and indexes mostly empty pages: a database of fewer
 * than SMALL_DB_PAGES of them is rewritten with pages of 4 KiB: cheap at
 * that size.
 */
#define SMALL_DB_PAGES 64

static int shrink_if_small(struct sqlite_sink *q)
{
	sqlite3_stmt *st;
	int64_t pages = SMALL_DB_PAGES;

	if (sqlite3_prepare_v2(q->db, "PRAGMA page_count", -1, &st,
			       NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		pages = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (pages >= SMALL_DB_PAGES)
		return 0;
	return sqlite3_exec(q->db, "PRAGMA page_size=4096; VACUUM", NULL,
			    NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int sqlite_sink_finish(void *sink, char *err)
{
	struct sqlite_sink *q = sink;
	int ret = -1;

	if (q->failed || finish_inserts(q) < 0)
		goto out;
	/* Building the indexes takes seconds on a big trace: stay
	 * interruptible. */
	if (q->cancel)
		sqlite3_progress_handler(q->db, 1000, cancelled, q);
	if (sort_threads(q) < 0 ||
	    sqlite3_exec(q->db, finish_sql, NULL, NULL, NULL) != SQLITE_OK) {
		fail_sql(q, "creating the tracks and indexes");
		goto out;
	}
	if (sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fail_sql(q, "committing");
		goto out;
	}
	finalize_inserts(q);
	if (shrink_if_small(q) < 0) {
		fail_sql(q, "rewriting with small pages");
		goto out;
	}
	if (sqlite3_close(q->db) != SQLITE_OK) {
		fail_sql(q, "closing");
		goto out;
	}
	q->db = NULL;
	if (keke_output_close(&q->out, q->err, sizeof(q->err)) < 0) {
		q->failed = true;
		goto out;
	}
	ret = 0;
out:
	if (ret < 0)
		snprintf(err, KEKE_SINK_ERROR_MAX, "%s", q->err);
	destroy(q);
	return ret;
}

static void sqlite_sink_abort(void *sink)
{
	destroy(sink);
}

static const char *sqlite_sink_last_error(void *sink)
{
	struct sqlite_sink *q = sink;

	return q->err;
}

const struct keke_sink_ops keke_sink_sqlite = {
	.name = "sqlite",
	.open = sqlite_sink_open,
	.metadata = sqlite_sink_metadata,
	.machine = sqlite_sink_machine,
	.slice = sqlite_sink_slice,
	.counter = sqlite_sink_counter,
	.mapping = sqlite_sink_mapping,
	.frame = sqlite_sink_frame,
	.callsite = sqlite_sink_callsite,
	.process = sqlite_sink_process,
	.thread = sqlite_sink_thread,
	.flow = sqlite_sink_flow,
	.file_access = sqlite_sink_file_access,
	.segment = sqlite_sink_segment,
	.finish = sqlite_sink_finish,
	.abort = sqlite_sink_abort,
	.cancel_on = sqlite_sink_cancel_on,
	.last_error = sqlite_sink_last_error,
};
