/* SPDX-License-Identifier: MIT */
/*
 * The clock every record is stamped with: the raw TSC where it is invariant
 * (several times cheaper to read than clock_gettime, above all right after
 * a system call), CLOCK_MONOTONIC elsewhere. The merge converts ticks to
 * CLOCK_MONOTONIC nanoseconds with the anchor pairs of each file header.
 */
#ifndef KEKE_CLOCK_H
#define KEKE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "record/record.h"

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define KEKE_HAVE_TSC 1
#else
#define KEKE_HAVE_TSC 0
#endif

/* Set once at start-up by keke_clock_init(); read on every event. */
extern enum keke_clock keke_clock_kind;

static inline uint64_t keke_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * @id's time read with a real system call, not through the vDSO: a process
 * that reads the clock only to anchor its file (most short-lived ones)
 * would otherwise take two page faults on the vDSO's data pages, which on
 * a virtual machine cost far more than the call.
 */
uint64_t keke_clock_syscall_ns(clockid_t id);

/* The current time in the ticks of keke_clock_kind. */
static inline uint64_t keke_now(void)
{
#if KEKE_HAVE_TSC
	if (__builtin_expect(keke_clock_kind == KEKE_CLOCK_TSC, 1))
		return __rdtsc();
#endif
	return keke_mono_ns();
}

/*
 * Chooses the clock from @setting (KEKE_CLOCK): "monotonic" never uses the
 * TSC; "tsc" uses it without asking the CPU; NULL or anything else uses it
 * when CPUID says it is invariant (as glibc read it at start-up: the
 * instruction traps to the hypervisor in a virtual machine).
 * The first process of a run hands its choice down as KEKE_CLOCK.
 * Async-signal-safe.
 */
void keke_clock_init(const char *setting);

/* The KEKE_CLOCK value that makes keke_clock_init() choose as it did. */
const char *keke_clock_setting(void);

/* Reads ticks and CLOCK_MONOTONIC as close together as it can. */
struct keke_anchor keke_clock_anchor(void);

#endif
