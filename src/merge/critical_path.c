// SPDX-License-Identifier: MIT
/*
 * The critical path (critical_path.h). While the merge reads the calls,
 * it keeps those the path may pass through: every wait for a child, and
 * on main threads the pipe reads, sleeps and other calls of a millisecond
 * or more; and which processes wrote to which pipe. Once the tree is
 * known, the path is walked back from the first process's end:
 *
 *   - in process P at time t, the latest wait of P that ended by t, for a
 *     child that ended during it, moves the path into that child at the
 *     wait's end; so does a pipe read of P that another process's write,
 *     or end, let go;
 *   - with no such wait left, P's time back to its start is its own
 *     (running, sleeping, or blocked in its long calls), and the path
 *     goes on in P's parent at P's start: what started P.
 *
 * Segments are found from the end backwards and sent in time order. The
 * writers of pipes are known by their last write only: a read that a
 * writer's earlier write let go shows as a read the process was blocked
 * in.
 */
#include "merge/critical_path.h"

#include <stdlib.h>
#include <string.h>

#include "record/call_io.h"

/* Shorter calls count as running: the path is not about them. */
#define LONG_CALL_NS 1000000

/* A child that ended this long before the wait that reaped it began is
 * still what its parent waited for: shells and make wait for SIGCHLD in
 * calls keke does not record (sigsuspend, pselect), then reap at once. */
#define REAP_SLACK_NS 10000000

enum kind { WAIT, PIPE_READ, SLEEP, CALL };

/* A call the path may pass through. */
struct blocker {
	size_t proc;
	int64_t ts, end;
	enum kind kind;
	unsigned call;
	int child;		/* WAIT: the pid reaped; 0: a child it
				 * started (system, pclose) */
	uint64_t pipe;		/* PIPE_READ: which */
};

/* A process that wrote to a pipe. */
struct writer {
	uint64_t pipe;
	size_t proc;
	int64_t last_end;	/* of its last write to it */
};

struct critical {
	struct blocker *blockers;
	size_t nblockers;
	struct writer *writers;
	size_t nwriters;
	struct idmap writer_index;	/* pipe << 24 ^ proc -> writer */
};

/* One piece of the path, as the walk finds it. */
struct piece {
	size_t proc;
	int64_t from, to;
	const char *state;
	unsigned call;		/* sleeping, blocked */
	size_t child;		/* waiting: the child's process, or SIZE_MAX */
	int child_pid;
};

/* The walk's view of the run. */
struct walk {
	const struct merge *m;
	const struct blocker *b;	/* by process, then end */
	size_t *first;			/* process i's are first[i]..[i+1] */
	size_t *by_pid;			/* processes by dir, pid, start */
	size_t *by_parent;		/* processes by parent, end */
	struct piece *pieces;		/* from the end backwards */
	size_t npieces;
};

/* The pipe @s worked on, from its path ("pipe:[INODE]", or the merge's
 * own "pipe:[#N]"), or 0. */
static uint64_t pipe_of(const struct keke_slice *s)
{
	for (unsigned i = 0; i < s->nargs; i++) {
		const struct keke_arg *a = &s->args[i];
		uint64_t v = 0;
		size_t k = 6;

		if (!a->is_str || strcmp(a->key, "path") || a->len < 8 ||
		    memcmp(a->s, "pipe:[", 6))
			continue;
		bool ours = a->s[k] == '#';

		for (k += ours; k < a->len && a->s[k] >= '0' && a->s[k] <= '9';
		     k++)
			v = v * 10 + (uint64_t)(a->s[k] - '0');
		return ours ? v | UINT64_C(1) << 62 : v;
	}
	return 0;
}

static bool is_sleep(unsigned call)
{
	return call == KEKE_CALL_NANOSLEEP || call == KEKE_CALL_CLOCK_NANOSLEEP ||
	       call == KEKE_CALL_USLEEP || call == KEKE_CALL_SLEEP;
}

static void note_writer(struct critical *c, size_t proc, uint64_t pipe,
			int64_t end)
{
	uint64_t key = pipe << 24 ^ proc;
	int64_t idx;

	if (idmap_get(&c->writer_index, key, &idx) &&
	    c->writers[idx].pipe == pipe && c->writers[idx].proc == proc) {
		if (end > c->writers[idx].last_end)
			c->writers[idx].last_end = end;
		return;
	}
	c->writers = merge_grow(c->writers, c->nwriters + 1,
				sizeof(*c->writers));
	c->writers[c->nwriters] = (struct writer){ pipe, proc, end };
	idmap_put(&c->writer_index, key, (int64_t)c->nwriters++);
}

/* What the merge keeps for the path, made when first needed. */
static struct critical *critical_of(struct merge *m)
{
	if (!m->critical) {
		m->critical = calloc(1, sizeof(*m->critical));
		if (!m->critical)
			abort();
		idmap_init(&m->critical->writer_index);
	}
	return m->critical;
}

void merge_critical_call(struct merge *m, size_t proc, unsigned call,
			 const struct keke_slice *s, int child_pid)
{
	struct critical *c;
	bool main_thread = s->tid == s->pid;
	unsigned io = keke_call_io(call);
	struct blocker b = { proc, s->ts_ns, s->ts_ns + s->dur_ns, CALL, call,
			     0, 0 };

	if (s->instant)
		return;
	c = critical_of(m);
	if (call == KEKE_CALL_WAIT || call == KEKE_CALL_SYSTEM ||
	    call == KEKE_CALL_PCLOSE) {
		if (call == KEKE_CALL_WAIT && child_pid <= 0)
			return;
		b.kind = WAIT;
		b.child = call == KEKE_CALL_WAIT ? child_pid : 0;
	} else {
		uint64_t pipe = io ? pipe_of(s) : 0;

		if (pipe && io & KEKE_IO_OUT)
			note_writer(c, proc, pipe, b.end);
		if (!main_thread || s->dur_ns < LONG_CALL_NS)
			return;
		b.pipe = io & KEKE_IO_IN ? pipe : 0;
		b.kind = b.pipe ? PIPE_READ : is_sleep(call) ? SLEEP : CALL;
	}
	c->blockers = merge_grow(c->blockers, c->nblockers + 1,
				 sizeof(*c->blockers));
	c->blockers[c->nblockers++] = b;
}

void merge_critical_free(struct merge *m)
{
	struct critical *c = m->critical;

	if (!c)
		return;
	free(c->blockers);
	free(c->writers);
	idmap_free(&c->writer_index);
	free(c);
	m->critical = NULL;
}

/* ---- the walk ----------------------------------------------------------- */

static int by_proc_end(const void *a, const void *b)
{
	const struct blocker *x = a, *y = b;

	if (x->proc != y->proc)
		return x->proc < y->proc ? -1 : 1;
	return (x->end > y->end) - (x->end < y->end);
}

static int by_pipe(const void *a, const void *b)
{
	const struct writer *x = a, *y = b;

	return (x->pipe > y->pipe) - (x->pipe < y->pipe);
}

static int by_parent_end(const void *a, const void *b, void *procs)
{
	const struct proc *x = &((struct proc *)procs)[*(const size_t *)a];
	const struct proc *y = &((struct proc *)procs)[*(const size_t *)b];

	if (x->parent_upid != y->parent_upid)
		return x->parent_upid < y->parent_upid ? -1 : 1;
	return (x->end_ns > y->end_ns) - (x->end_ns < y->end_ns);
}

/* The child of @proc that ended last within [@from, @to], or SIZE_MAX. */
static size_t child_ended_in(const struct walk *w, size_t proc, int64_t from,
			     int64_t to)
{
	const struct proc *procs = w->m->procs;
	int64_t upid = procs[proc].upid;
	size_t lo = 0, hi = w->m->nprocs, found = SIZE_MAX;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct proc *q = &procs[w->by_parent[mid]];

		if (q->parent_upid < upid ||
		    (q->parent_upid == upid && q->end_ns <= to))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo > 0) {
		const struct proc *q = &procs[w->by_parent[lo - 1]];

		if (q->parent_upid == upid && q->end_ns >= from)
			found = w->by_parent[lo - 1];
	}
	return found;
}

/*
 * What blocker @b waited for: the process the path goes into, and when
 * (*at); SIZE_MAX when it waited for nothing the path can follow.
 */
static size_t waited_for(const struct walk *w, const struct blocker *b,
			 int64_t *at)
{
	const struct merge *m = w->m;
	const struct critical *c = m->critical;
	size_t x = SIZE_MAX;

	*at = b->end;
	if (b->kind == WAIT && b->child > 0) {
		x = merge_proc_at(m, w->by_pid, m->procs[b->proc].dir,
				  b->child, b->end);
		if (x != SIZE_MAX &&
		    m->procs[x].end_ns < b->ts - REAP_SLACK_NS)
			x = SIZE_MAX;	/* it had ended long before */
	} else if (b->kind == WAIT) {
		x = child_ended_in(w, b->proc, b->ts - REAP_SLACK_NS, b->end);
	} else if (b->kind == PIPE_READ) {
		/* The writer whose last write, or end, came last in it. */
		int64_t best = INT64_MIN;
		size_t lo = 0, hi = c->nwriters;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (c->writers[mid].pipe < b->pipe)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (size_t i = lo; i < c->nwriters &&
				    c->writers[i].pipe == b->pipe; i++) {
			const struct writer *wr = &c->writers[i];
			const struct proc *q = &m->procs[wr->proc];
			int64_t t = wr->last_end <= b->end &&
				    wr->last_end >= b->ts ? wr->last_end :
				    q->end_ns <= b->end && q->end_ns >= b->ts ?
				    q->end_ns : INT64_MIN;

			if (wr->proc != b->proc && t > best) {
				best = t;
				x = wr->proc;
			}
		}
		if (x != SIZE_MAX)
			*at = best;
	}
	if (b->kind == WAIT && x != SIZE_MAX && m->procs[x].end_ns < *at)
		*at = m->procs[x].end_ns;
	if (x == b->proc || (x != SIZE_MAX && m->procs[x].start_ns >= *at))
		x = SIZE_MAX;
	return x;
}

static void add_piece(struct walk *w, struct piece p)
{
	if (p.to <= p.from)
		return;
	w->pieces = merge_grow(w->pieces, w->npieces + 1, sizeof(*w->pieces));
	w->pieces[w->npieces++] = p;
}

/* Index of @proc's last blocker that ended by @t, or SIZE_MAX. */
static size_t last_by(const struct walk *w, size_t proc, int64_t t)
{
	size_t lo = w->first[proc], hi = w->first[proc + 1];

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (w->b[mid].end <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > w->first[proc] ? lo - 1 : SIZE_MAX;
}

/* @proc's own time over [@from, @to]: its long calls, running between
 * them; pieces added from the end backwards. */
static void own_time(struct walk *w, size_t proc, int64_t from, int64_t to)
{
	size_t k = last_by(w, proc, to);
	int64_t hi = to;

	for (; k != SIZE_MAX && k >= w->first[proc]; k--) {
		const struct blocker *b = &w->b[k];
		int64_t a = b->ts > from ? b->ts : from;
		int64_t z = b->end < hi ? b->end : hi;
		struct piece p = { proc, a, z, "blocked", b->call, SIZE_MAX,
				   0 };
		int64_t at;

		if (b->end <= from)
			break;
		if (z - a < LONG_CALL_NS)
			continue;
		if (b->kind == SLEEP) {
			p.state = "sleeping";
		} else if (b->kind == WAIT) {
			p.state = "waiting";
			p.call = 0;
			p.child_pid = b->child;
			p.child = b->child > 0 ?
				merge_proc_at(w->m, w->by_pid,
					      w->m->procs[proc].dir, b->child,
					      b->end) :
				waited_for(w, b, &at);
		}
		add_piece(w, (struct piece){ proc, z, hi, "running", 0,
					     SIZE_MAX, 0 });
		add_piece(w, p);
		hi = a;
	}
	add_piece(w, (struct piece){ proc, from, hi, "running", 0, SIZE_MAX,
				     0 });
}

/* The run's first process: the earliest without a parent. */
static size_t root_of(const struct merge *m)
{
	size_t root = 0;

	for (size_t i = 1; i < m->nprocs; i++)
		if (!m->procs[i].parent_upid &&
		    (m->procs[root].parent_upid ||
		     m->procs[i].start_ns < m->procs[root].start_ns))
			root = i;
	return root;
}

/* Walks the path back from the root's end into w->pieces. */
static void walk_back(struct walk *w)
{
	const struct merge *m = w->m;
	size_t root = root_of(m), cur = root;
	int64_t t = m->procs[root].end_ns;
	/* Each step goes back in time or up the tree; this bounds it all
	 * the same, should clocks disagree. */
	size_t steps = 2 * (m->nprocs + m->critical->nblockers) + 2;

	while (steps--) {
		const struct proc *p = &m->procs[cur];
		size_t k = last_by(w, cur, t), next = SIZE_MAX;
		int64_t at = t;

		for (; k != SIZE_MAX && k >= w->first[cur] &&
		       w->b[k].end > p->start_ns; k--) {
			if (w->b[k].kind == WAIT || w->b[k].kind == PIPE_READ)
				next = waited_for(w, &w->b[k], &at);
			if (next != SIZE_MAX)
				break;
		}
		if (next != SIZE_MAX) {
			/* From the child's end, or the write, to the wait's
			 * end: the parent taking note. */
			own_time(w, cur, w->b[k].end, t);
			add_piece(w, (struct piece){ cur, at, w->b[k].end,
						     "running", 0, SIZE_MAX,
						     0 });
			cur = next;
			t = at;
			continue;
		}
		own_time(w, cur, p->start_ns < t ? p->start_ns : t, t);
		if (cur == root || !p->parent_upid)
			return;
		t = p->start_ns;
		cur = (size_t)p->parent_upid - 1;
	}
}

/* Sends the pieces, in time order, those alike and adjoining joined. */
static int send_pieces(struct merge *m, const struct walk *w)
{
	int64_t id = 0;

	for (size_t i = w->npieces; i-- > 0;) {
		const struct piece *p = &w->pieces[i];
		int64_t to = p->to;

		while (i > 0 && w->pieces[i - 1].proc == p->proc &&
		       w->pieces[i - 1].state == p->state &&
		       w->pieces[i - 1].call == p->call &&
		       w->pieces[i - 1].child_pid == p->child_pid)
			to = w->pieces[--i].to;
		const struct proc *q = &m->procs[p->proc];
		const struct proc *child = p->child != SIZE_MAX ?
					   &m->procs[p->child] : NULL;
		struct keke_segment s = {
			.id = ++id,
			.ts_ns = p->from,
			.dur_ns = to - p->from,
			.upid = q->upid,
			.pid = merge_shown_pid(q->pid_base, q->pid),
			.name = q->name ? q->name : "?",
			.state = p->state,
			.call = p->call ? keke_call_name(p->call) : NULL,
			.waiting_upid = child ? child->upid : 0,
			.waiting_pid = child ? merge_shown_pid(child->pid_base,
							       child->pid) :
				       merge_shown_pid(q->pid_base,
						       p->child_pid),
		};

		if (EACH_SINK(m, segment, &s))
			return -1;
	}
	return 0;
}

int merge_critical_path(struct merge *m)
{
	struct critical *c;
	struct walk w = { .m = m };
	int rc;

	if (!m->nprocs)
		return 0;
	c = critical_of(m);
	if (c->nblockers)
		qsort(c->blockers, c->nblockers, sizeof(*c->blockers),
		      by_proc_end);
	if (c->nwriters)
		qsort(c->writers, c->nwriters, sizeof(*c->writers), by_pipe);
	w.b = c->blockers;
	w.first = merge_grow(NULL, m->nprocs + 1, sizeof(*w.first));
	for (size_t i = 0, k = 0; i <= m->nprocs; i++) {
		while (k < c->nblockers && c->blockers[k].proc < i)
			k++;
		w.first[i] = k;
	}
	w.by_pid = merge_procs_by_pid(m);
	w.by_parent = merge_grow(NULL, m->nprocs, sizeof(*w.by_parent));
	for (size_t i = 0; i < m->nprocs; i++)
		w.by_parent[i] = i;
	qsort_r(w.by_parent, m->nprocs, sizeof(size_t), by_parent_end,
		m->procs);
	walk_back(&w);
	rc = send_pieces(m, &w);
	free(w.first);
	free(w.by_pid);
	free(w.by_parent);
	free(w.pieces);
	return rc;
}
