// SPDX-License-Identifier: MIT
/*
 * The fd tables handed from parents to children (fd_hands.h). A fork's is
 * found by its flow, which the child's file names; a shell's (system(),
 * popen()) by its parent's pid and the time, as the tree links it. A table
 * is kept only when a file of the run may take it (one came from that
 * flow, or has that parent and no flow), and one no child took is freed
 * once the merge has read past the files that could have: memory grows
 * with the children not yet read.
 */
#include "merge/fd_hands.h"

#include <stdlib.h>

/* A table kept for a child. */
struct hand {
	uint64_t flow;		/* fork: its flow */
	size_t dir;
	int pid;		/* the parent */
	int child_pid;		/* fork: the child */
	int64_t ts;		/* shell: when system() or popen() began */
	bool taken;
	struct fd_table table;
};

struct hand_list {
	struct hand *v;
	size_t n, cap;
	size_t live_after_sweep;
};

struct fd_hands {
	struct hand_list forks, shells;
	struct idmap by_flow;	/* flow -> index in forks */
	/* Who may take a table: the flows that led to a file's image, and
	 * the dir << 32 | ppid of the files without one (shells). */
	struct idmap flows_in, shell_parents;
};

/* The key of process @pid of dir @dir among shell_parents. */
static uint64_t parent_key(size_t dir, int pid)
{
	return (uint64_t)dir << 32 | (uint32_t)pid;
}

/* m->fd_hands, made when first needed, knowing which files may take. */
static struct fd_hands *hands_of(struct merge *m)
{
	struct fd_hands *hs = m->fd_hands;

	if (hs)
		return hs;
	hs = m->fd_hands = merge_grow(NULL, 1, sizeof(*hs));
	*hs = (struct fd_hands){ 0 };
	idmap_init(&hs->by_flow);
	idmap_init(&hs->flows_in);
	idmap_init(&hs->shell_parents);
	for (size_t i = 0; i < m->nfiles; i++) {
		const struct keke_file_header *h = &m->files[i].hdr;

		if (h->prelude_flow_in)
			idmap_put(&hs->flows_in, h->prelude_flow_in, 1);
		else if (h->flow_in)
			idmap_put(&hs->flows_in, h->flow_in, 1);
		else
			idmap_put(&hs->shell_parents,
				  parent_key(m->files[i].dir, h->ppid), 1);
	}
	return hs;
}

/* Appends a hand to @l, with @snap's contents. */
static struct hand *add(struct hand_list *l, struct fd_table *snap)
{
	struct hand *h;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 16;
		l->v = merge_grow(l->v, l->cap, sizeof(*l->v));
	}
	h = &l->v[l->n++];
	*h = (struct hand){ 0 };
	h->table = *snap;
	fd_table_init(snap);
	return h;
}

void fd_hands_fork(struct merge *m, uint64_t flow, size_t dir, int pid,
		   int child_pid, struct fd_table *snap)
{
	struct fd_hands *hs = hands_of(m);
	int64_t wanted;
	struct hand *h;

	/* Kept only for a file still to be read that will take it. */
	if (!flow || child_pid <= 0 || child_pid < pid ||
	    !idmap_get(&hs->flows_in, flow, &wanted)) {
		fd_table_clear(snap);
		return;
	}
	h = add(&hs->forks, snap);
	h->flow = flow;
	h->dir = dir;
	h->pid = pid;
	h->child_pid = child_pid;
	idmap_put(&hs->by_flow, flow, (int64_t)(hs->forks.n - 1));
}

void fd_hands_shell(struct merge *m, size_t dir, int pid, int64_t ts,
		    struct fd_table *snap)
{
	struct fd_hands *hs = hands_of(m);
	int64_t wanted;
	struct hand *h;

	if (!idmap_get(&hs->shell_parents, parent_key(dir, pid), &wanted)) {
		fd_table_clear(snap);
		return;
	}
	h = add(&hs->shells, snap);
	h->dir = dir;
	h->pid = pid;
	h->ts = ts;
}

/* Moves @h's table into @out, which is empty. */
static void take(struct hand *h, struct fd_table *out)
{
	*out = h->table;
	fd_table_init(&h->table);
	h->taken = true;
}

bool fd_hands_take_fork(struct merge *m, uint64_t flow, struct fd_table *out)
{
	struct fd_hands *hs = m->fd_hands;
	int64_t i;

	fd_table_clear(out);
	if (!hs || !flow || !idmap_get(&hs->by_flow, flow, &i) || i < 0 ||
	    (size_t)i >= hs->forks.n || hs->forks.v[i].taken)
		return false;
	take(&hs->forks.v[i], out);
	return true;
}

bool fd_hands_take_shell(struct merge *m, size_t dir, int ppid,
			 int64_t start, struct fd_table *out)
{
	struct fd_hands *hs = m->fd_hands;
	struct hand *best = NULL;

	fd_table_clear(out);
	for (size_t i = 0; hs && i < hs->shells.n; i++) {
		struct hand *h = &hs->shells.v[i];

		if (h->taken || h->dir != dir || h->pid != ppid ||
		    h->ts > start || (best && best->ts >= h->ts))
			continue;
		best = h;
	}
	if (!best)
		return false;
	take(best, out);
	return true;
}

/* Whether the files still to be read, from process @pid of dir @dir on,
 * may take @h (of @forks or not). */
static bool wanted(const struct hand *h, bool forks, size_t dir, int pid)
{
	if (h->taken || h->dir < dir)
		return false;
	return !forks || h->dir > dir || h->child_pid >= pid;
}

/* Frees the hands of @l no file still to be read may take, when enough
 * have come since the last time; @by_flow, when not NULL, is rebuilt. */
static void sweep(struct hand_list *l, struct idmap *by_flow, size_t dir,
		  int pid)
{
	size_t kept = 0;

	if (l->n < 2 * l->live_after_sweep + 64)
		return;
	for (size_t i = 0; i < l->n; i++) {
		if (!wanted(&l->v[i], by_flow != NULL, dir, pid)) {
			fd_table_clear(&l->v[i].table);
			continue;
		}
		l->v[kept++] = l->v[i];
	}
	l->n = kept;
	l->live_after_sweep = kept;
	if (!by_flow)
		return;
	idmap_free(by_flow);
	idmap_init(by_flow);
	for (size_t i = 0; i < l->n; i++)
		idmap_put(by_flow, l->v[i].flow, (int64_t)i);
}

void fd_hands_sweep(struct merge *m, size_t dir, int pid)
{
	struct fd_hands *hs = m->fd_hands;

	if (!hs)
		return;
	sweep(&hs->forks, &hs->by_flow, dir, pid);
	sweep(&hs->shells, NULL, dir, pid);
}

/* Frees the hands of @l. */
static void free_list(struct hand_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		fd_table_clear(&l->v[i].table);
	free(l->v);
}

void fd_hands_free(struct merge *m)
{
	struct fd_hands *hs = m->fd_hands;

	if (!hs)
		return;
	free_list(&hs->forks);
	free_list(&hs->shells);
	idmap_free(&hs->by_flow);
	idmap_free(&hs->flows_in);
	idmap_free(&hs->shell_parents);
	free(hs);
	m->fd_hands = NULL;
}
