/* SPDX-License-Identifier: MIT */
/* Shared by the files of libkeke.so: start-up state and hook helpers. */
#ifndef KEKE_PRELOAD_H
#define KEKE_PRELOAD_H

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>

#include "clock.h"
#include "writer.h"

/* Everything in libkeke.so is hidden but what is marked with this. */
#define KEKE_EXPORT __attribute__((visibility("default")))

/*
 * The real function behind a hook, resolved once with dlsym(RTLD_NEXT).
 * A racing first call in two threads resolves twice to the same pointer.
 */
#define KEKE_REAL(name)                                                      \
	({                                                                   \
		static __typeof__(name) *real_;                              \
		__typeof__(name) *fn_ =                                      \
			__atomic_load_n(&real_, __ATOMIC_RELAXED);          \
		if (!fn_) {                                                  \
			fn_ = (__typeof__(name) *)dlsym(RTLD_NEXT, #name);   \
			__atomic_store_n(&real_, fn_, __ATOMIC_RELAXED);     \
		}                                                            \
		fn_;                                                         \
	})

/* Start-up: reads the environment, opens the record file, records the
 * process start. Idempotent; called by the constructor and by any hook
 * that runs before it. */
void keke_init(void);

/* Records that this process image ends (once). @has_status: @status is
 * the value given to exit/_exit or returned by main. */
void keke_record_exit(enum keke_exit_how how, bool has_status, int status);

/* In a fork child: starts the child's own record file. */
void keke_after_fork_child(uint64_t flow_in);

#endif
