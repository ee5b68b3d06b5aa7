/* SPDX-License-Identifier: MIT */
/*
 * A work queue: one thread fills items and sends them; a background thread
 * handles them in the order they were sent and hands them back for reuse.
 * A fixed number of items circulates, so memory is bounded and a producer
 * that runs ahead waits for the handler to give one back.
 *
 * When no thread can be started, items are handled by send itself: slower,
 * same result.
 */
#ifndef KEKE_WORK_QUEUE_H
#define KEKE_WORK_QUEUE_H

#include <stddef.h>

struct work_queue;

/*
 * Starts a work queue for at most @nitems items in circulation, whose handler
 * is @handle(@arg, item), called on the background thread. Returns NULL
 * when out of memory.
 */
struct work_queue *work_queue_start(size_t nitems,
				    void (*handle)(void *arg, void *item),
				    void *arg);

/* Puts a new @item among those ready to be taken (no handling). */
void work_queue_give(struct work_queue *q, void *item);

/* Queues @item for the handler. */
void work_queue_send(struct work_queue *q, void *item);

/* Takes an item that is ready for reuse, waiting for one if needed. */
void *work_queue_take(struct work_queue *q);

/* Waits until every item sent has been handled, stops the thread and frees
 * @q. The items stay the caller's. */
void work_queue_stop(struct work_queue *q);

#endif
