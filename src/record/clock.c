// SPDX-License-Identifier: MIT
#include "record/clock.h"
#include "record/once.h"

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if KEKE_HAVE_TSC
#include <cpuid.h>
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>	/* glibc 2.33+ */
#endif
#endif

enum keke_clock keke_clock_kind = KEKE_CLOCK_MONOTONIC;

/*
 * CPUID leaf 0x80000007, EDX bit 8: the TSC runs at a constant rate in
 * every P-, C- and T-state, so ticks convert linearly to time. glibc read
 * CPUID once at start-up and answers from its copy: asking the CPU again
 * costs a trap to the hypervisor per instruction in a virtual machine.
 */
static KEKE_ONCE bool tsc_is_invariant(void)
{
#if KEKE_HAVE_TSC && defined(CPU_FEATURE_PRESENT)
	return CPU_FEATURE_PRESENT(INVARIANT_TSC);
#elif KEKE_HAVE_TSC
	unsigned a, b, c, d;

	if (!__get_cpuid(0x80000000, &a, &b, &c, &d) || a < 0x80000007)
		return false;
	__get_cpuid(0x80000007, &a, &b, &c, &d);
	return d & (1u << 8);
#else
	return false;
#endif
}

static KEKE_ONCE bool is(const char *setting, const char *value)
{
	return setting && !strcmp(setting, value);
}

KEKE_ONCE void keke_clock_init(const char *setting)
{
	if (is(setting, "monotonic"))
		keke_clock_kind = KEKE_CLOCK_MONOTONIC;
	else if (is(setting, "tsc") && KEKE_HAVE_TSC)
		keke_clock_kind = KEKE_CLOCK_TSC;
	else
		keke_clock_kind = tsc_is_invariant() ? KEKE_CLOCK_TSC :
						       KEKE_CLOCK_MONOTONIC;
}

KEKE_ONCE const char *keke_clock_setting(void)
{
	return keke_clock_kind == KEKE_CLOCK_TSC ? "tsc" : "monotonic";
}

KEKE_ONCE uint64_t keke_clock_syscall_ns(clockid_t id)
{
	struct timespec ts;

	syscall(SYS_clock_gettime, id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

KEKE_ONCE struct keke_anchor keke_clock_anchor(void)
{
	struct keke_anchor best = { 0, 0 };
	uint64_t best_gap = UINT64_MAX;

	if (keke_clock_kind != KEKE_CLOCK_TSC) {
		best.mono_ns = keke_clock_syscall_ns(CLOCK_MONOTONIC);
		best.ticks = best.mono_ns;
		return best;
	}
	/* Keep the tightest of three brackets: a preemption or an interrupt
	 * between the reads would skew the pair. */
	for (int i = 0; i < 3; i++) {
		uint64_t t0 = keke_now();
		uint64_t ns = keke_clock_syscall_ns(CLOCK_MONOTONIC);
		uint64_t t1 = keke_now();

		if (t1 - t0 < best_gap) {
			best_gap = t1 - t0;
			best.ticks = t0 + (t1 - t0) / 2;
			best.mono_ns = ns;
		}
	}
	return best;
}
