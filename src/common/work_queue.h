/* SPDX-License-Identifier: MIT */
/*
 * A handoff: one thread fills items and sends them; a background thread
 * handles them in the order they were sent and hands them back for reuse.
 * A fixed number of items circulates, so memory is bounded and a producer
 * that runs ahead waits for the handler to give one back.
 *
 * When no thread can be started, items are handled by send itself: slower,
 * same result.
 */
#ifndef KEKE_HANDOFF_H
#define KEKE_HANDOFF_H

#include <stddef.h>

struct handoff;

/*
 * Starts a handoff for at most @nitems items in circulation, whose handler
 * is @handle(@arg, item), called on the background thread. Returns NULL
 * when out of memory.
 */
struct handoff *handoff_start(size_t nitems,
			      void (*handle)(void *arg, void *item),
			      void *arg);

/* Puts a new @item among those ready to be taken (no handling). */
void handoff_give(struct handoff *h, void *item);

/* Queues @item for the handler. */
void handoff_send(struct handoff *h, void *item);

/* Takes an item that is ready for reuse, waiting for one if needed. */
void *handoff_take(struct handoff *h);

/* Waits until every item sent has been handled, stops the thread and frees
 * @h. The items stay the caller's. */
void handoff_stop(struct handoff *h);

#endif
