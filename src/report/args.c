// SPDX-License-Identifier: MIT
/*
 * The args of a full scan, read ahead by worker threads.
 *
 * Reading the args table costs more than reading the slices, so in a full
 * scan it is read by other threads, each with its own connection and its
 * own range of arg_set_id, in arg_set_id order. A worker keeps, of each
 * arg set, only what the report uses (rp_argset_take) in a
 * compact record, and hands batches of records to the scan through a
 * short queue; the scan takes the ranges one after the other and so sees
 * every set in order. Memory is bounded by the queues.
 */
#include "report/context.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/json_escape.h"

#define BATCH_RECS 4096		/* records per batch */
#define BATCH_TEXT 65536	/* string bytes per batch, about */
#define QUEUE_MAX 4		/* batches ready per worker */
#define WORKERS_MAX 4
#define WORKER_CACHE_KIB 16384	/* each worker's SQLite page cache */

/* What one arg set says. */
struct arec {
	int64_t set;
	struct rp_argset a;
	uint32_t off[RP_NSTR];		/* its strings, in the batch's text */
};

struct batch {
	struct batch *next;
	size_t n;
	struct arec rec[BATCH_RECS];
	struct keke_jbuf text;		/* the records' paths and addrs */
};

/* One worker: a range of arg sets and the queue of its batches. */
struct worker {
	struct rp_args *a;
	pthread_t thread;
	bool started;
	int64_t lo, hi;			/* sets in [lo, hi) */
	sqlite3 *db;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch *head, *tail;	/* ready, oldest first */
	size_t queued;
	bool done;			/* no more batches will come */
	bool stop;			/* the scan wants no more */
	char err[256];			/* why it failed, if it did */
};

struct rp_args {
	struct worker w[WORKERS_MAX];
	unsigned nworkers;
	unsigned cur;			/* the worker being read */
	struct batch *batch;		/* the batch being read */
	size_t pos;
	struct rp_arg_text text;	/* of the set asked for */
};

/* Takes the arg of @st's row into @r. Returns 0, or -1 (ENOMEM). */
static int take(struct batch *b, struct arec *r, sqlite3_stmt *st)
{
	const char *key = (const char *)sqlite3_column_text(st, 1);
	struct rp_argset *a = &r->a;
	size_t off = b->text.len, n;
	int k;

	if (!key)
		return 0;
	k = rp_argset_take(a, key,
			   sqlite3_column_type(st, 2) == SQLITE_INTEGER,
			   sqlite3_column_int64(st, 2));
	if (k < 0 || sqlite3_column_type(st, 3) != SQLITE_TEXT)
		return 0;
	n = (size_t)sqlite3_column_bytes(st, 3);
	n = n > RP_STR_MAX ? RP_STR_MAX : n;
	if (keke_jbuf_put(&b->text, sqlite3_column_text(st, 3), n))
		return -1;
	a->has[k] = true;
	a->len[k] = (uint16_t)n;
	r->off[k] = (uint32_t)off;
	return 0;
}

static struct batch *new_batch(void)
{
	struct batch *b = malloc(sizeof(*b));

	if (b) {
		b->next = NULL;
		b->n = 0;
		b->text = (struct keke_jbuf){ 0 };
	}
	return b;
}

static void free_batch(struct batch *b)
{
	if (b)
		keke_jbuf_free(&b->text);
	free(b);
}

/* Hands @b to the scan, waiting while the queue is full. Returns false
 * when the scan wants no more. */
static bool push(struct worker *w, struct batch *b)
{
	bool ok;

	pthread_mutex_lock(&w->lock);
	while (w->queued >= QUEUE_MAX && !w->stop)
		pthread_cond_wait(&w->cond, &w->lock);
	ok = !w->stop;
	if (ok) {
		if (w->tail)
			w->tail->next = b;
		else
			w->head = b;
		w->tail = b;
		w->queued++;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&w->lock);
	if (!ok)
		free_batch(b);
	return ok;
}

/* Whether record @r says anything the report uses. */
static bool useful(const struct arec *r)
{
	bool any = r->a.has_fd || r->a.has_fd_in || r->a.has_result ||
		   r->a.has_count || r->a.failed;

	for (int k = 0; k < RP_NSTR; k++)
		any |= r->a.has[k];
	return any;
}

/*
 * Starts the record of set @set in *@b, after counting the one before
 * (*@r) if it says anything, and handing the batch to the scan once it is
 * full. Returns 0, 1 when the scan wants no more, or -1 when out of
 * memory.
 */
static int start_rec(struct worker *w, struct batch **b, struct arec **r,
		     int64_t set)
{
	if (*r && useful(*r))
		(*b)->n++;
	if ((*b)->n == BATCH_RECS || (*b)->text.len >= BATCH_TEXT) {
		if (!push(w, *b)) {
			*b = NULL;
			return 1;
		}
		*b = new_batch();
		if (!*b)
			return -1;
	}
	*r = &(*b)->rec[(*b)->n];
	memset(*r, 0, sizeof(**r));
	(*r)->set = set;
	return 0;
}

/* Reads the worker's range of args into batches for the scan; why it
 * failed, if it did, into w->err. */
static void read_range(struct worker *w)
{
	sqlite3_stmt *st = NULL;
	struct batch *b = new_batch();
	struct arec *r = NULL;
	int rc = SQLITE_OK, started;

	if (!b)
		goto oom;
	if (sqlite3_prepare_v2(w->db, "SELECT arg_set_id, key, int_value,"
			       " string_value FROM " KEKE_DB_ARGS
			       " WHERE arg_set_id >= ?1 AND arg_set_id < ?2"
			       " ORDER BY arg_set_id", -1, &st,
			       NULL) != SQLITE_OK)
		goto sql_fail;
	sqlite3_bind_int64(st, 1, w->lo);
	sqlite3_bind_int64(st, 2, w->hi);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t set = sqlite3_column_int64(st, 0);

		if (!r || r->set != set) {
			started = start_rec(w, &b, &r, set);
			if (started > 0)
				goto out;
			if (started < 0)
				goto oom;
		}
		if (take(b, r, st) < 0)
			goto oom;
	}
	if (rc != SQLITE_DONE)
		goto sql_fail;
	if (r && useful(r))
		b->n++;
	if (b->n) {
		push(w, b);
		b = NULL;
	}
	goto out;
oom:
	snprintf(w->err, sizeof(w->err), "out of memory");
	goto out;
sql_fail:
	snprintf(w->err, sizeof(w->err), "reading args: %s",
		 sqlite3_errmsg(w->db));
out:
	free_batch(b);
	sqlite3_finalize(st);
}

/* A worker: reads its range of args, then says it is done. */
static void *work(void *arg)
{
	struct worker *w = arg;

	read_range(w);
	pthread_mutex_lock(&w->lock);
	w->done = true;
	pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*
 * How many workers: none below 4 CPUs (with two or three, a worker costs
 * more CPU time than it saves wall time as soon as anything else runs),
 * else one per CPU beyond two, up to WORKERS_MAX. KEKE_REPORT_THREADS
 * overrides (0: read the args in the scan's thread).
 */
static unsigned worker_count(void)
{
	const char *env = getenv("KEKE_REPORT_THREADS");
	long n;

	if (env && *env) {
		n = strtol(env, NULL, 10);
	} else {
		n = sysconf(_SC_NPROCESSORS_ONLN);
		n = n >= 4 ? n - 2 : 0;
	}
	if (n < 0)
		n = 0;
	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	return (unsigned)n;
}

/* Opens worker @w's own connection to the database and starts its
 * thread. Returns 0, or -1 (c->err set). */
static int start_worker(struct rp_ctx *c, struct worker *w)
{
	char pragmas[64];

	if (sqlite3_open_v2(c->o->db, &w->db, SQLITE_OPEN_READONLY |
			    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
		return rp_fail(c, "%s: opening: %s", c->o->db,
			       w->db ? sqlite3_errmsg(w->db) :
			       "out of memory");
	snprintf(pragmas, sizeof(pragmas), "PRAGMA cache_size=-%d;",
		 WORKER_CACHE_KIB);
	sqlite3_exec(w->db, pragmas, NULL, NULL, NULL);
	if (pthread_create(&w->thread, NULL, work, w) != 0)
		return rp_fail(c, "cannot start a thread");
	w->started = true;
	return 0;
}

int rp_args_start(struct rp_ctx *c, struct rp_args **out)
{
	unsigned n = worker_count();
	struct rp_args *a;
	int64_t lo = 0, hi = 0;
	sqlite3_stmt *st;

	*out = NULL;
	if (!n)
		return 0;
	if (sqlite3_prepare_v2(c->db, "SELECT min(arg_set_id),"
			       " max(arg_set_id) FROM " KEKE_DB_ARGS, -1, &st,
			       NULL) != SQLITE_OK)
		return rp_sql_fail(c, "reading args");
	if (sqlite3_step(st) == SQLITE_ROW) {
		lo = sqlite3_column_int64(st, 0);
		hi = sqlite3_column_int64(st, 1) + 1;
	}
	sqlite3_finalize(st);
	if (hi <= lo)
		return 0;
	a = calloc(1, sizeof(*a));
	if (!a)
		return rp_oom(c);
	if ((uint64_t)(hi - lo) < n)
		n = 1;
	a->nworkers = n;
	for (unsigned i = 0; i < n; i++) {
		struct worker *w = &a->w[i];

		w->a = a;
		w->lo = lo + (int64_t)((uint64_t)(hi - lo) * i / n);
		w->hi = i + 1 == n ? hi :
			lo + (int64_t)((uint64_t)(hi - lo) * (i + 1) / n);
		pthread_mutex_init(&w->lock, NULL);
		pthread_cond_init(&w->cond, NULL);
	}
	*out = a;
	for (unsigned i = 0; i < n; i++)
		if (start_worker(c, &a->w[i]))
			return -1;
	return 0;
}

/* The next batch of the workers, oldest first; NULL at the end. Returns
 * -1 when a worker failed. */
static int next_batch(struct rp_ctx *c, struct rp_args *a)
{
	free_batch(a->batch);
	a->batch = NULL;
	a->pos = 0;
	while (a->cur < a->nworkers) {
		struct worker *w = &a->w[a->cur];

		pthread_mutex_lock(&w->lock);
		while (!w->head && !w->done)
			pthread_cond_wait(&w->cond, &w->lock);
		if (w->head) {
			a->batch = w->head;
			w->head = w->head->next;
			if (!w->head)
				w->tail = NULL;
			w->queued--;
			pthread_cond_broadcast(&w->cond);
		}
		pthread_mutex_unlock(&w->lock);
		if (a->batch)
			return 0;
		if (w->err[0])
			return rp_fail(c, "%s: %s", c->o->db, w->err);
		a->cur++;
	}
	return 0;
}

int rp_args_get(struct rp_ctx *c, struct rp_args *a, int64_t set,
		struct rp_slice *s)
{
	const char *text[RP_NSTR];
	const struct arec *r;

	for (;;) {
		if (!a->batch || a->pos == a->batch->n) {
			if (next_batch(c, a))
				return -1;
			if (!a->batch)
				return 0;
			continue;
		}
		r = &a->batch->rec[a->pos];
		if (r->set >= set)
			break;
		a->pos++;
	}
	if (r->set != set)
		return 0;
	for (int k = 0; k < RP_NSTR; k++)
		text[k] = a->batch->text.p + r->off[k];
	rp_argset_apply(&r->a, text, &a->text, s);
	a->pos++;
	return 0;
}

void rp_args_stop(struct rp_args *a)
{
	if (!a)
		return;
	for (unsigned i = 0; i < a->nworkers; i++) {
		struct worker *w = &a->w[i];

		pthread_mutex_lock(&w->lock);
		w->stop = true;
		pthread_cond_broadcast(&w->cond);
		pthread_mutex_unlock(&w->lock);
		if (w->started)
			pthread_join(w->thread, NULL);
		while (w->head) {
			struct batch *b = w->head;

			w->head = b->next;
			free_batch(b);
		}
		sqlite3_close(w->db);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->cond);
	}
	free_batch(a->batch);
	free(a);
}
