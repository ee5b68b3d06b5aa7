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

/* In a fork child: the stacks written so far are in the parent's file. */
void keke_stacks_after_fork(void);

#endif
