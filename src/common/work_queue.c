// SPDX-License-Identifier: MIT
/*
 * The handoff's two rings: items sent and not yet handled, and items ready
 * to be taken. Neither can overflow, since each holds at most the items in
 * circulation.
 */
#include "common/work_queue.h"

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>

struct ring {
	void **slot;
	size_t head, len;	/* the oldest, and how many */
};

struct handoff {
	void (*handle)(void *arg, void *item);
	void *arg;
	size_t cap;		/* items in circulation, at most */
	pthread_mutex_t lock;
	pthread_cond_t work;	/* sent got an item, or stop */
	pthread_cond_t back;	/* ready got an item */
	struct ring sent, ready;
	bool stop;
	bool threaded;		/* false: send handles the item itself */
	pthread_t thread;
};

static void ring_push(struct handoff *h, struct ring *r, void *item)
{
	r->slot[(r->head + r->len++) % h->cap] = item;
}

static void *ring_pop(struct handoff *h, struct ring *r)
{
	void *item = r->slot[r->head];

	r->head = (r->head + 1) % h->cap;
	r->len--;
	return item;
}

static void *handler_main(void *p)
{
	struct handoff *h = p;

	pthread_mutex_lock(&h->lock);
	for (;;) {
		while (!h->sent.len && !h->stop)
			pthread_cond_wait(&h->work, &h->lock);
		if (!h->sent.len)
			break;
		void *item = ring_pop(h, &h->sent);

		pthread_mutex_unlock(&h->lock);
		h->handle(h->arg, item);
		pthread_mutex_lock(&h->lock);
		ring_push(h, &h->ready, item);
		/* A producer waiting for an item is woken when half of those
		 * in flight are back, not for each one: a wake-up costs more
		 * than handling a small item. */
		if (h->ready.len >= h->sent.len)
			pthread_cond_broadcast(&h->back);
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

struct handoff *handoff_start(size_t nitems,
			      void (*handle)(void *arg, void *item),
			      void *arg)
{
	struct handoff *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->handle = handle;
	h->arg = arg;
	h->cap = nitems ? nitems : 1;
	h->sent.slot = calloc(h->cap, sizeof(void *));
	h->ready.slot = calloc(h->cap, sizeof(void *));
	if (!h->sent.slot || !h->ready.slot) {
		free(h->sent.slot);
		free(h->ready.slot);
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->work, NULL);
	pthread_cond_init(&h->back, NULL);
	/* Signals stay with the threads that expect them. */
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	h->threaded = pthread_create(&h->thread, NULL, handler_main, h) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return h;
}

void handoff_give(struct handoff *h, void *item)
{
	pthread_mutex_lock(&h->lock);
	ring_push(h, &h->ready, item);
	pthread_mutex_unlock(&h->lock);
}

void handoff_send(struct handoff *h, void *item)
{
	if (!h->threaded) {
		h->handle(h->arg, item);
		handoff_give(h, item);
		return;
	}
	pthread_mutex_lock(&h->lock);
	ring_push(h, &h->sent, item);
	pthread_cond_signal(&h->work);
	pthread_mutex_unlock(&h->lock);
}

void *handoff_take(struct handoff *h)
{
	void *item;

	pthread_mutex_lock(&h->lock);
	while (!h->ready.len)
		pthread_cond_wait(&h->back, &h->lock);
	item = ring_pop(h, &h->ready);
	pthread_mutex_unlock(&h->lock);
	return item;
}

void handoff_stop(struct handoff *h)
{
	if (h->threaded) {
		pthread_mutex_lock(&h->lock);
		h->stop = true;
		pthread_cond_signal(&h->work);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->thread, NULL);
	}
	pthread_cond_destroy(&h->back);
	pthread_cond_destroy(&h->work);
	pthread_mutex_destroy(&h->lock);
	free(h->sent.slot);
	free(h->ready.slot);
	free(h);
}
