// SPDX-License-Identifier: MIT
/*
 * Each fd's names over time (fd_history.h): per fd, the moments its name
 * changed, in order, searched by bisection. Memory grows with the changes
 * of one image, never with its other calls.
 */
#include "merge/fd_history.h"

#include <stdlib.h>

#include "common/idmap.h"
#include "merge/model.h"

/* From (t, seq) on, the fd is named @name. */
struct change {
	int64_t t;
	uint32_t seq;
	struct fd_name *name;
};

struct changes {
	struct change *v;
	size_t n, cap;
};

struct fd_history {
	struct idmap index;	/* fd -> index in fds */
	struct changes *fds;
	size_t nfds;
};

struct fd_history *fd_history_new(void)
{
	struct fd_history *h = merge_grow(NULL, 1, sizeof(*h));

	idmap_init(&h->index);
	h->fds = NULL;
	h->nfds = 0;
	return h;
}

void fd_history_free(struct fd_history *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nfds; i++) {
		for (size_t j = 0; j < h->fds[i].n; j++)
			fd_name_put(h->fds[i].v[j].name);
		free(h->fds[i].v);
	}
	free(h->fds);
	idmap_free(&h->index);
	free(h);
}

/* The changes of @fd, or NULL when it never changed. */
static struct changes *changes_of(const struct fd_history *h, int64_t fd)
{
	int64_t i;

	if (!idmap_get(&h->index, (uint64_t)fd, &i))
		return NULL;
	return &h->fds[i];
}

void fd_history_note(struct fd_history *h, int64_t fd, int64_t t,
		     uint32_t seq, struct fd_name *name)
{
	struct changes *c = changes_of(h, fd);

	if (!c) {
		h->fds = merge_grow(h->fds, h->nfds + 1, sizeof(*h->fds));
		idmap_put(&h->index, (uint64_t)fd, (int64_t)h->nfds);
		c = &h->fds[h->nfds++];
		*c = (struct changes){ 0 };
	}
	if (c->n && c->v[c->n - 1].name == name)
		return;		/* no change */
	if (c->n == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 4;
		c->v = merge_grow(c->v, c->cap, sizeof(*c->v));
	}
	c->v[c->n++] = (struct change){ t, seq, fd_name_ref(name) };
}

const struct fd_name *fd_history_at(const struct fd_history *h, int64_t fd,
				    int64_t t, uint32_t seq)
{
	const struct changes *c = changes_of(h, fd);
	size_t lo = 0, hi;

	if (!c)
		return NULL;
	/* The first change at or after (t, seq); the one before it holds. */
	hi = c->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct change *x = &c->v[mid];

		if (x->t < t || (x->t == t && x->seq < seq))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? c->v[lo - 1].name : NULL;
}
