// SPDX-License-Identifier: MIT
/*
 * The work queue (common/work_queue.h): items are handled in the order
 * they were sent, on another thread, never more at once than were given,
 * and stop handles everything sent before it; when no thread can be
 * started, send handles each item before it returns.
 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <pthread.h>

#include "common/work_queue.h"

#define ITEMS 4
#define SENDS 10000

struct item {
	int seq;
	int handled_seq;
};

struct log {
	pthread_t producer;
	int next;		/* the sequence number expected next */
	bool out_of_order;
	bool on_producer;	/* an item was handled on the producer */
};

static void handle(void *arg, void *p)
{
	struct log *l = arg;
	struct item *it = p;

	if (it->seq != l->next)
		l->out_of_order = true;
	if (pthread_equal(pthread_self(), l->producer))
		l->on_producer = true;
	l->next++;
	it->handled_seq = it->seq;
}

Test(work_queue, handles_every_item_in_order_on_its_thread)
{
	struct item items[ITEMS];
	struct log l = { .producer = pthread_self() };
	struct work_queue *q = work_queue_start(ITEMS, handle, &l);

	cr_assert(q);
	for (int i = 0; i < ITEMS; i++)
		work_queue_give(q, &items[i]);
	for (int i = 0; i < SENDS; i++) {
		struct item *it = work_queue_take(q);

		cr_assert(it >= items && it < items + ITEMS);
		it->seq = i;
		work_queue_send(q, it);
	}
	work_queue_stop(q);
	cr_assert_eq(l.next, SENDS, "%d of %d items handled", l.next, SENDS);
	cr_assert(!l.out_of_order, "items were handled out of order");
	cr_assert(!l.on_producer, "items were handled on the producer");
}

Test(work_queue, take_waits_for_an_item_to_come_back_handled)
{
	struct item only = { .seq = -1, .handled_seq = -1 };
	struct log l = { .producer = pthread_self() };
	struct work_queue *q = work_queue_start(1, handle, &l);

	work_queue_give(q, &only);
	for (int i = 0; i < 100; i++) {
		struct item *it = work_queue_take(q);

		cr_assert_eq(it, &only);
		cr_assert_eq(it->handled_seq, i - 1, "item %d came back "
			     "before it was handled", i - 1);
		it->seq = i;
		work_queue_send(q, it);
	}
	work_queue_stop(q);
	cr_assert_eq(only.handled_seq, 99);
}

Test(work_queue, without_a_thread_send_handles_each_item_itself)
{
	struct item items[ITEMS];
	struct log l = { .producer = pthread_self() };
	struct work_queue *q;

	test_threads_fail = true;
	q = work_queue_start(ITEMS, handle, &l);
	test_threads_fail = false;
	cr_assert(q);
	for (int i = 0; i < ITEMS; i++)
		work_queue_give(q, &items[i]);
	for (int i = 0; i < SENDS; i++) {
		struct item *it = work_queue_take(q);

		it->seq = i;
		work_queue_send(q, it);
		cr_assert_eq(it->handled_seq, i, "send returned before item "
			     "%d was handled", i);
	}
	work_queue_stop(q);
	cr_assert_eq(l.next, SENDS, "%d of %d items handled", l.next, SENDS);
	cr_assert(!l.out_of_order, "items were handled out of order");
	cr_assert(l.on_producer, "items were not handled on the producer");
}
