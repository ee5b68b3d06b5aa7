// SPDX-License-Identifier: MIT
/*
 * The report's one pass over the slices and their args.
 *
 * Two ways, chosen by how much of the trace the selection covers:
 *
 *   - a full scan, for most reports: the slice table in id order and the
 *     args table in arg_set_id order (its index) are read side by side
 *     and joined as they go, which costs one sequential read of each;
 *     the args are read ahead by other threads when there are CPUs to
 *     spare (args.c), else here, where a jump over many
 *     unselected slices re-seeks them;
 *
 *   - a seek, when the window or the selected processes hold a small part
 *     of the slices: the slice_ts (or slice_track_id) index finds them,
 *     and each one's args are looked up by arg_set_id.
 *
 * Either way each thread's slices come in time order (merge writes the
 * calls of a thread in the order they ended, which is their start order
 * since calls on one thread do not overlap unless nested).
 */
#include "report/context.h"

#include <stdlib.h>
#include <string.h>

#define SEEK_COST 4		/* a seek costs this many rows of a scan */
#define ARGS_JUMP 4096		/* re-seek the args past this many ids */
#define MAX_SEEK_THREADS 10000	/* more selected threads: scan */
#define SET_CACHE 16384		/* arg sets remembered (a power of 2) */
#define SET_TEXT 216		/* string bytes a cached set holds */

static const char slice_cols[] =
	"SELECT id, ts, dur, track_id, category, name, depth, parent_id,"
	" arg_set_id FROM " KEKE_DB_SLICE;

/*
 * What an arg set said, remembered: the sink shares one set between
 * slices with the same args, so a set read once is often asked for again
 * (by a loop of reads of one file) long after the ordered cursor passed
 * it. Direct-mapped by set id.
 */
struct cached_set {
	int64_t set;			/* 0: empty */
	struct rp_argset a;
	char text[SET_TEXT];		/* its strings, one after another */
};

struct scan {
	struct rp_ctx *c;
	struct cached_set *cache;	/* SET_CACHE of them, or NULL */
	int (*fn)(struct rp_ctx *c, const struct rp_slice *s);
	sqlite3_stmt *args;		/* full: from arg_set_id ?1 on */
	struct rp_args *ahead;		/* full: args read by threads */
	bool args_row;			/* full: args is on a row */
	bool args_done;			/* full: args has no more rows */
	int64_t args_id;		/* full: that row's arg_set_id */
	int64_t last_set;		/* the last arg set read */
	struct rp_arg_text text;	/* of the slice being read */
	uint64_t rows, total;
};

/* At most RP_STR_MAX bytes of column @col, if it is text, into @buf as
 * the string arg @k of @s. */
static void take_text(char *buf, sqlite3_stmt *st, int col,
		      struct rp_slice *s, int k)
{
	const unsigned char *t;
	size_t n;

	if (sqlite3_column_type(st, col) != SQLITE_TEXT)
		return;
	t = sqlite3_column_text(st, col);
	n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
	if (n > RP_STR_MAX)
		n = RP_STR_MAX;
	if (n)
		memcpy(buf, t, n);
	buf[n] = '\0';
	s->str[k] = buf;
	s->a.has[k] = true;
	s->a.len[k] = (uint16_t)n;
}

/* Takes the arg of @st's row, whose key, int and string values are the
 * columns from @col on, into @s. */
static void take_arg(struct scan *sc, struct rp_slice *s, sqlite3_stmt *st,
		     int col)
{
	const char *key = (const char *)sqlite3_column_text(st, col);
	int k;

	if (!key)
		return;
	k = rp_argset_take(&s->a, key,
			   sqlite3_column_type(st, col + 1) == SQLITE_INTEGER,
			   sqlite3_column_int64(st, col + 1));
	if (k >= 0)
		take_text(sc->text.str[k], st, col + 2, s, k);
}

static struct cached_set *cache_slot(struct scan *sc, int64_t set)
{
	return &sc->cache[rp_mix((uint64_t)set) & (SET_CACHE - 1)];
}

/* Remembers what set @set said into @s, if its strings fit. */
static void cache_put(struct scan *sc, int64_t set, const struct rp_slice *s)
{
	struct cached_set *e;
	size_t len = 0;

	for (int k = 0; k < RP_NSTR; k++)
		len += s->str[k] ? s->a.len[k] : 0;
	if (!sc->cache || len > SET_TEXT)
		return;
	e = cache_slot(sc, set);
	e->set = set;
	e->a = s->a;
	len = 0;
	for (int k = 0; k < RP_NSTR; k++) {
		e->a.has[k] = s->str[k] != NULL;
		if (!s->str[k])
			continue;
		memcpy(e->text + len, s->str[k], s->a.len[k]);
		len += s->a.len[k];
	}
}

/* What set @set said, into @s, if remembered. */
static bool cache_get(struct scan *sc, int64_t set, struct rp_slice *s)
{
	const struct cached_set *e;
	const char *text[RP_NSTR];
	size_t off = 0;

	if (!sc->cache)
		return false;
	e = cache_slot(sc, set);
	if (e->set != set)
		return false;
	for (int k = 0; k < RP_NSTR; k++) {
		text[k] = e->text + off;
		off += e->a.has[k] ? e->a.len[k] : 0;
	}
	rp_argset_apply(&e->a, text, &sc->text, s);
	return true;
}

/* Seek mode, or an arg set out of order: the args of set @set, from the
 * cache or looked up. */
static int lookup_args(struct scan *sc, sqlite3_stmt *st, int64_t set,
		       struct rp_slice *s)
{
	int rc;

	if (cache_get(sc, set, s))
		return 0;
	sqlite3_reset(st);
	sqlite3_bind_int64(st, 1, set);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		take_arg(sc, s, st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return rp_sql_fail(sc->c, "reading args");
	cache_put(sc, set, s);
	return 0;
}

/* Full mode: moves the args cursor one row on. Returns 0, or -1 when
 * reading failed (c->err set). */
static int args_step(struct scan *sc)
{
	int rc = sqlite3_step(sc->args);

	if (rc == SQLITE_DONE) {
		sc->args_done = true;
		return 0;
	}
	if (rc != SQLITE_ROW)
		return rp_sql_fail(sc->c, "reading args");
	sc->args_id = sqlite3_column_int64(sc->args, 0);
	return 0;
}

/* Full mode: moves the args cursor to the first row of set @set or
 * beyond, re-seeking when that is far. */
static int args_advance(struct scan *sc, int64_t set)
{
	if (!sc->args_done &&
	    (!sc->args_row || sc->args_id < set - ARGS_JUMP)) {
		sqlite3_reset(sc->args);
		sqlite3_bind_int64(sc->args, 1, set);
		sc->args_row = true;
		sc->args_id = INT64_MIN;
	}
	while (!sc->args_done && sc->args_id < set)
		if (args_step(sc))
			return -1;
	return 0;
}

/* Full mode: the args of set @set, joined from the ordered cursor. */
static int join_args(struct scan *sc, int64_t set, struct rp_slice *s,
		     sqlite3_stmt *lookup)
{
	/* New sets come in order from keke's sink; a shared one comes again
	 * later, from the cache or looked up. */
	if (set <= sc->last_set)
		return lookup_args(sc, lookup, set, s);
	sc->last_set = set;
	if (sc->ahead) {
		if (rp_args_get(sc->c, sc->ahead, set, s))
			return -1;
		cache_put(sc, set, s);
		return 0;
	}
	if (args_advance(sc, set))
		return -1;
	while (!sc->args_done && sc->args_id == set) {
		take_arg(sc, s, sc->args, 1);
		if (args_step(sc))
			return -1;
	}
	cache_put(sc, set, s);
	return 0;
}

/*
 * The slice of @st's row into @s, if it belongs to the selection (in the
 * window, of a selected process). Returns 1 if it does, 0 if not, -1 when
 * out of memory.
 */
static int read_slice(struct scan *sc, sqlite3_stmt *st, struct rp_slice *s)
{
	struct rp_ctx *c = sc->c;
	int64_t v;

	memset(s, 0, sizeof(*s));
	s->ts = sqlite3_column_int64(st, 1);
	if (s->ts < c->r->since_ns || s->ts >= c->r->until_ns)
		return 0;
	s->track = sqlite3_column_int64(st, 3);
	s->proc = RP_NONE;
	if (idmap_get(&c->utid_ix, (uint64_t)s->track, &v)) {
		s->proc = (size_t)(v >> 1);
		s->main_thread = v & 1;
	}
	if (!rp_proc_selected(c, s->proc))
		return 0;
	s->id = sqlite3_column_int64(st, 0);
	s->dur = sqlite3_column_int64(st, 2);
	s->category = (const char *)sqlite3_column_text(st, 4);
	s->name = (const char *)sqlite3_column_text(st, 5);
	if (!s->category)
		s->category = "";
	if (!s->name)
		s->name = "";
	if (rp_name(c, s->name, (size_t)sqlite3_column_bytes(st, 5),
		    &s->name_id))
		return -1;
	s->io = c->kinds[s->name_id];
	s->depth = sqlite3_column_int(st, 6);
	s->parent_id = sqlite3_column_int64(st, 7);
	s->image = s->depth == 0 && s->main_thread &&
		   !strcmp(s->category, "process");
	return 1;
}

/* Steps @st to the end, passing each selected slice on. */
static int run(struct scan *sc, sqlite3_stmt *st, sqlite3_stmt *lookup,
	       bool full)
{
	struct rp_ctx *c = sc->c;
	struct rp_slice s;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((++sc->rows & 0xffff) == 0)
			keke_progress_update(&c->progress, "reading slices",
					     sc->rows, sc->total);
		rc = read_slice(sc, st, &s);
		if (rc < 0)
			return -1;
		if (!rc)
			continue;
		if (sqlite3_column_type(st, 8) != SQLITE_NULL && !s.image) {
			int64_t set = sqlite3_column_int64(st, 8);

			if (full ? join_args(sc, set, &s, lookup)
				 : lookup_args(sc, lookup, set, &s))
				return -1;
		}
		if (sc->fn(c, &s))
			return -1;
	}
	c->r->slices_read = sc->rows;
	if (rc != SQLITE_DONE)
		return rp_sql_fail(c, "reading slices");
	return 0;
}

/* The first column of the first row of @sql, binding @a and @b to ?1 and
 * ?2 when the query has them; -1 on error. */
static int64_t query_int(sqlite3 *db, const char *sql, int64_t a, int64_t b)
{
	sqlite3_stmt *st;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 1)
		sqlite3_bind_int64(st, 1, a);
	if (sqlite3_bind_parameter_count(st) >= 2)
		sqlite3_bind_int64(st, 2, b);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The utids of the selected processes' threads, ordered by process;
 * NULL with *n = 0 when there are too many to seek or on error. */
static int64_t *selected_threads(struct rp_ctx *c, size_t *n)
{
	sqlite3_stmt *st;
	int64_t *v = NULL;
	size_t cap = 0;

	*n = 0;
	if (sqlite3_prepare_v2(c->db, "SELECT utid FROM " KEKE_DB_THREAD
			       " ORDER BY upid, utid", -1, &st,
			       NULL) != SQLITE_OK)
		return NULL;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t utid = sqlite3_column_int64(st, 0), x;

		if (!idmap_get(&c->utid_ix, (uint64_t)utid, &x) ||
		    !c->procs[x >> 1].selected)
			continue;
		if (*n == MAX_SEEK_THREADS) {
			free(v);
			v = NULL;
			*n = 0;
			break;
		}
		if (*n == cap) {
			int64_t *w;

			cap = cap ? cap * 2 : 64;
			w = realloc(v, cap * sizeof(*w));
			if (!w) {
				free(v);
				v = NULL;
				*n = 0;
				break;
			}
			v = w;
		}
		v[(*n)++] = utid;
	}
	sqlite3_finalize(st);
	return v;
}

/* How many slices each way would read. */
struct plan {
	uint64_t by_window;		/* the slices in the window */
	uint64_t by_threads;		/* those of the selected threads, or
					 * UINT64_MAX: no seek by thread */
	int64_t *threads;		/* the selected threads' utids */
	size_t nthreads;
};

/* Counts what each way would read into @pl, and the slices into
 * sc->total. */
static void plan_scan(struct scan *sc, struct plan *pl)
{
	struct rp_ctx *c = sc->c;
	bool windowed = c->r->since_ns != INT64_MIN ||
			c->r->until_ns != INT64_MAX;

	sc->total = (uint64_t)query_int(c->db, "SELECT ifnull(max(id), 0)"
					" FROM " KEKE_DB_SLICE, 0, 0);
	pl->by_window = windowed ? (uint64_t)query_int(c->db,
			"SELECT count(*) FROM " KEKE_DB_SLICE
			" WHERE ts >= ?1 AND ts < ?2",
			c->r->since_ns, c->r->until_ns) : sc->total;
	pl->by_threads = UINT64_MAX;
	if (!c->o->process && !c->o->have_pid)
		return;
	pl->threads = selected_threads(c, &pl->nthreads);
	if (!pl->threads)
		return;
	pl->by_threads = 0;
	for (size_t i = 0; i < pl->nthreads; i++)
		pl->by_threads += (uint64_t)query_int(c->db,
			"SELECT count(*) FROM " KEKE_DB_SLICE
			" WHERE track_id = ?1", pl->threads[i], 0);
}

/* Prepares the slice query: slice_cols, then @tail. */
static int prepare_slices(struct scan *sc, const char *tail,
			  sqlite3_stmt **st)
{
	char sql[512];

	snprintf(sql, sizeof(sql), "%s%s", slice_cols, tail);
	if (sqlite3_prepare_v2(sc->c->db, sql, -1, st, NULL) != SQLITE_OK)
		return rp_sql_fail(sc->c, "reading slices");
	return 0;
}

/* Seeks each selected thread's slices in the window. */
static int seek_threads(struct scan *sc, const struct plan *pl,
			sqlite3_stmt *lookup)
{
	const struct keke_report *r = sc->c->r;
	sqlite3_stmt *st;
	int ret = 0;

	sc->total = pl->by_threads;
	if (prepare_slices(sc, " WHERE track_id = ?3 AND ts >= ?1 AND"
			   " ts < ?2 ORDER BY ts", &st))
		return -1;
	for (size_t i = 0; i < pl->nthreads && !ret; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, r->since_ns);
		sqlite3_bind_int64(st, 2, r->until_ns);
		sqlite3_bind_int64(st, 3, pl->threads[i]);
		ret = run(sc, st, lookup, false);
	}
	sqlite3_finalize(st);
	return ret;
}

/* Seeks the slices of the window. */
static int seek_window(struct scan *sc, const struct plan *pl,
		       sqlite3_stmt *lookup)
{
	sqlite3_stmt *st;
	int ret;

	sc->total = pl->by_window;
	if (prepare_slices(sc, " WHERE ts >= ?1 AND ts < ?2 ORDER BY ts",
			   &st))
		return -1;
	sqlite3_bind_int64(st, 1, sc->c->r->since_ns);
	sqlite3_bind_int64(st, 2, sc->c->r->until_ns);
	ret = run(sc, st, lookup, false);
	sqlite3_finalize(st);
	return ret;
}

/* Scans every slice, joining the args as they come. */
static int scan_all(struct scan *sc, sqlite3_stmt *lookup)
{
	struct rp_ctx *c = sc->c;
	sqlite3_stmt *st;
	int ret = -1;

	if (prepare_slices(sc, " ORDER BY id", &st))
		return -1;
	if (sqlite3_prepare_v2(c->db, "SELECT arg_set_id, key,"
			       " int_value, string_value FROM " KEKE_DB_ARGS
			       " WHERE arg_set_id >= ?1"
			       " ORDER BY arg_set_id", -1, &sc->args,
			       NULL) != SQLITE_OK)
		rp_sql_fail(c, "reading slices");
	else if (!rp_args_start(c, &sc->ahead))
		ret = run(sc, st, lookup, true);
	sqlite3_finalize(st);
	return ret;
}

int rp_scan(struct rp_ctx *c,
	    int (*fn)(struct rp_ctx *c, const struct rp_slice *s))
{
	struct scan *sc = calloc(1, sizeof(*sc));
	sqlite3_stmt *lookup = NULL;
	struct plan pl = { 0 };
	int ret = -1;

	if (!sc)
		return rp_oom(c);
	sc->c = c;
	sc->fn = fn;
	/* Without it, shared sets are looked up each time: still right. */
	sc->cache = calloc(SET_CACHE, sizeof(*sc->cache));
	sc->last_set = INT64_MIN;
	plan_scan(sc, &pl);
	if (sqlite3_prepare_v2(c->db, "SELECT key, int_value, string_value"
			       " FROM " KEKE_DB_ARGS " WHERE arg_set_id = ?1",
			       -1, &lookup, NULL) != SQLITE_OK) {
		rp_sql_fail(c, "reading args");
		goto out;
	}
	if (pl.by_threads * SEEK_COST < sc->total &&
	    pl.by_threads <= pl.by_window)
		ret = seek_threads(sc, &pl, lookup);
	else if (pl.by_window * SEEK_COST < sc->total)
		ret = seek_window(sc, &pl, lookup);
	else
		ret = scan_all(sc, lookup);
out:
	sqlite3_finalize(lookup);
	sqlite3_finalize(sc->args);
	rp_args_stop(sc->ahead);
	free(sc->cache);
	free(pl.threads);
	free(sc);
	return ret;
}
