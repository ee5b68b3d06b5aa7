/* SPDX-License-Identifier: MIT */
/* Call stacks on slices (KEKE_STACKS): see stacks.c. */
#ifndef KEKE_STACKS_H
#define KEKE_STACKS_H

#include <stdbool.h>
#include <stdint.h>

#include "runtime/writer.h"

#define KEKE_STACK_MAX 64	/* frames kept at most (KEKE_STACK_DEPTH) */

/* Non-zero for the calls whose slices carry a stack. */
extern uint8_t keke_stack_calls[KEKE_CALL_MAX];

static inline bool keke_stack_wanted(unsigned call)
{
	return __builtin_expect(call < KEKE_CALL_MAX && keke_stack_calls[call],
				0);
}

/* Reads KEKE_STACKS; when it names families, loads libunwind with
 * @open_lib (the real dlopen: keke's own dlopen hook would record it) and
 * records the modules. */
void keke_stacks_init(void *(*open_lib)(const char *path, int flags));

/* Records the loaded modules again (after dlopen, dlclose). */
void keke_modules_record(void);

/* The id of the calling thread's stack, its STACK record written the
 * first time; 0 when none can be had. Async-signal-safe. */
uint64_t keke_stack_capture(void);

/*
 * Before a record of @call is begun: the id of the stack to put on it,
 * its STACK record written now (0 when @call takes none, or none can be
 * had), with room for the field added to *@max_len.
 */
static inline uint64_t keke_stack_for(unsigned call, size_t *max_len)
{
	if (!keke_stack_wanted(call))
		return 0;
	*max_len += 1 + KEKE_VARINT_MAX;
	return keke_stack_capture();
}

/* Adds the field of stack @id (nothing for 0) to a record begun. */
static inline void keke_rec_stack(struct keke_rec *r, uint64_t id)
{
	if (id)
		keke_rec_int(r, KEKE_KEY_STACK_ID, (int64_t)id);
}

/* Whether a stack of @call would be captured now: stacks are on for it,
 * and this is not a fork child held from capturing (see stacks.c). */
bool keke_stack_capturable(unsigned call);

/* Before a fork: notes whether the child will be held from capturing. */
void keke_stacks_before_fork(void);

/* In a fork child: the stacks written so far are in the parent's file. */
void keke_stacks_after_fork(void);

#endif
