// SPDX-License-Identifier: MIT
/*
 * The work queue's two rings: items sent and not yet handled, and items
 * ready to be taken. Neither can overflow, since each holds at most the
 * items in circulation.
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

struct work_queue {
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

static void ring_push(struct work_queue *q, struct ring *r, void *item)
{
	r->slot[(r->head + r->len++) % q->cap] = item;
}

static void *ring_pop(struct work_queue *q, struct ring *r)
{
	void *item = r->slot[r->head];

	r->head = (r->head + 1) % q->cap;
	r->len--;
	return item;
}

static void *handler_main(void *p)
{
	struct work_queue *q = p;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		while (!q->sent.len && !q->stop)
			pthread_cond_wait(&q->work, &q->lock);
		if (!q->sent.len)
			break;
		void *item = ring_pop(q, &q->sent);

		pthread_mutex_unlock(&q->lock);
		q->handle(q->arg, item);
		pthread_mutex_lock(&q->lock);
		ring_push(q, &q->ready, item);
		/* A producer waiting for an item is woken when half of those
		 * in flight are back, not for each one: a wake-up costs more
		 * than handling a small item. */
		if (q->ready.len >= q->sent.len)
			pthread_cond_broadcast(&q->back);
	}
	pthread_mutex_unlock(&q->lock);
	return NULL;
}

struct work_queue *work_queue_start(size_t nitems,
				    void (*handle)(void *arg, void *item),
				    void *arg)
{
	struct work_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return NULL;
	q->handle = handle;
	q->arg = arg;
	q->cap = nitems ? nitems : 1;
	q->sent.slot = calloc(q->cap, sizeof(void *));
	q->ready.slot = calloc(q->cap, sizeof(void *));
	if (!q->sent.slot || !q->ready.slot) {
		free(q->sent.slot);
		free(q->ready.slot);
		free(q);
		return NULL;
	}
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->back, NULL);
	/* Signals stay with the threads that expect them. */
	sigset_t all, old;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	q->threaded = pthread_create(&q->thread, NULL, handler_main, q) == 0;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return q;
}

void work_queue_give(struct work_queue *q, void *item)
{
	pthread_mutex_lock(&q->lock);
	ring_push(q, &q->ready, item);
	pthread_mutex_unlock(&q->lock);
}

void work_queue_send(struct work_queue *q, void *item)
{
	if (!q->threaded) {
		q->handle(q->arg, item);
		work_queue_give(q, item);
		return;
	}
	pthread_mutex_lock(&q->lock);
	ring_push(q, &q->sent, item);
	pthread_cond_signal(&q->work);
	pthread_mutex_unlock(&q->lock);
}

void *work_queue_take(struct work_queue *q)
{
	void *item;

	pthread_mutex_lock(&q->lock);
	while (!q->ready.len)
		pthread_cond_wait(&q->back, &q->lock);
	item = ring_pop(q, &q->ready);
	pthread_mutex_unlock(&q->lock);
	return item;
}

void work_queue_stop(struct work_queue *q)
{
	if (q->threaded) {
		pthread_mutex_lock(&q->lock);
		q->stop = true;
		pthread_cond_signal(&q->work);
		pthread_mutex_unlock(&q->lock);
		pthread_join(q->thread, NULL);
	}
	pthread_cond_destroy(&q->back);
	pthread_cond_destroy(&q->work);
	pthread_mutex_destroy(&q->lock);
	free(q->sent.slot);
	free(q->ready.slot);
	free(q);
}
