// SPDX-License-Identifier: MIT
/*
 * Flow ids unique in the run: what links a fork, exec or spawn to the
 * child it made, a thread's creation to the thread, and the annotations'
 * flows (keke_flow_out/in).
 */
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"

static struct {
	uint64_t base;		/* random: each thread's flows start from it */
	uint64_t threads;	/* atomic: threads that made a flow so far */
} flows;

/* The calling thread's flows: base + made. */
static __thread struct {
	uint64_t from;	/* the flows.base that base was drawn from */
	uint64_t base;
	uint64_t made;	/* atomic */
} thread_flows KEKE_TLS;

/* splitmix64's finalizer: every bit of @x moves every bit of the result. */
static KEKE_ONCE uint64_t mix64(uint64_t x)
{
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/*
 * Flow ids of a process and of its fork children must differ. getrandom
 * is dear for a new process (docs/performance.md), so only a process with
 * nothing to start from calls it; the others mix what they inherited
 * (the parent's base in a fork child, else @inherited: the flow that led
 * to them) with their pid, the clock and their stack's random address.
 */
KEKE_ONCE void keke_seed_flows(uint64_t inherited)
{
	uint64_t seed = flows.base ^ inherited;

	if (!seed && syscall(SYS_getrandom, &seed, sizeof(seed), 0) !=
		     sizeof(seed))
		seed = keke_mono_ns();
	flows.base = mix64(seed ^ mix64((uint64_t)keke_writer_pid() << 32 ^
					keke_now() ^ (uintptr_t)&seed));
}

/* Each thread counts its flows from a base of its own, drawn from the
 * process's (again once that is seeded anew, as in a fork child): one
 * counter for the process would be one more page that a parent writes
 * after each fork, each time a copy-on-write fault. The base is set
 * before it is marked drawn, and the count is one instruction, so that a
 * signal handler of the thread may make flows too. */
KEKE_ONCE uint64_t keke_new_flow(void)
{
	if (thread_flows.from != flows.base || !thread_flows.base) {
		thread_flows.base = mix64(flows.base ^
			__atomic_add_fetch(&flows.threads, 1, __ATOMIC_RELAXED));
		__atomic_signal_fence(__ATOMIC_SEQ_CST);
		thread_flows.from = flows.base;
	}
	uint64_t id = thread_flows.base +
		      __atomic_add_fetch(&thread_flows.made, 1,
					 __ATOMIC_RELAXED);

	return id ? id : keke_new_flow();
}
