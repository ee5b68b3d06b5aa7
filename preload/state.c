// SPDX-License-Identifier: MIT
/*
 * The state of this process image (state.h), and what a fork child
 * changes in it: below start-up and the fork hooks, which both use it.
 */
#include "state.h"
#include "proc/span.h"
#include "runtime/stacks.h"

struct keke_image_state keke_image;

KEKE_ONCE void keke_after_fork_child(uint64_t flow_in)
{
	uint8_t span_id[8];

	keke_image.root = false;
	keke_image.ended = 0;
	keke_image.announced = 1;
	/* A parent that does not trace (its trace dir refused) has no
	 * child that does. */
	if (!__atomic_load_n(&keke_image.started, __ATOMIC_ACQUIRE) ||
	    !keke_writer_active())
		return;
	keke_span_fork_child(span_id);
	keke_writer_defer(flow_in, span_id);
	keke_seed_flows(0);	/* with the pid the writer now has */
	keke_stacks_after_fork();
	keke_image.prelude = (struct keke_prelude_env){ 0 };
}
