// SPDX-License-Identifier: MIT
/*
 * The hook table: the real function of each hooks.def line, resolved on
 * first use (hook.h, keke_hook_resolve) from the symbol tables of the
 * objects after libkeke.so; and what the hooks filter on, chosen at
 * start-up: the traced families (KEKE_TRACE) and the min-duration filter
 * (KEKE_MIN_DUR).
 */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "hook.h"
#include "record/duration.h"
#include "runtime/next_symbol.h"

void *keke_hook_real[KEKE_HOOK_COUNT];
uint32_t keke_families;
uint64_t keke_min_ticks;

/* The hooks' names, as one block of text and each one's offset in it:
 * unlike a table of pointers, nothing the loader has to relocate, so no
 * page of it written in every process. */
static const struct hook_names {
#define KEKE_HOOK_HAND(fam, ret, name, params) char name[sizeof(#name)];
#define KEKE_HOOKED(name, fam)
#include "hooks.def"
#undef KEKE_HOOKED
} hook_text = {
#define KEKE_HOOK_HAND(fam, ret, name, params) #name,
#define KEKE_HOOKED(name, fam)
#include "hooks.def"
#undef KEKE_HOOKED
};

static const uint16_t hook_name_at[KEKE_HOOK_COUNT] = {
#define KEKE_HOOK_HAND(fam, ret, name, params) \
	offsetof(struct hook_names, name),
#define KEKE_HOOKED(name, fam)
#include "hooks.def"
#undef KEKE_HOOKED
};

/* The name of hook @id. */
static KEKE_ONCE const char *hook_name(unsigned id)
{
	return (const char *)&hook_text + hook_name_at[id];
}

/* The versions of the symbols glibc keeps only for old binaries (the
 * __xstat family since 2.33), which dlsym without a version may not find. */
static const char *const old_versions[] = {
#if defined(__x86_64__)
	"GLIBC_2.2.5", "GLIBC_2.4",
#elif defined(__aarch64__)
	"GLIBC_2.17",
#elif defined(__i386__)
	"GLIBC_2.0", "GLIBC_2.4",
#endif
	NULL
};

/* Writes straight to fd 2 (stdio may be locked, and write is hooked). */
static KEKE_ONCE void say(const char *const *parts)
{
	for (; *parts; parts++)
		syscall(SYS_write, 2, *parts, strlen(*parts));
}

/*
 * The objects after libkeke.so, read once at start-up (keke_hooks_locate)
 * and only read after it, when next_ready says so. A hook's real function
 * is looked up on its first call, which may come in a signal handler or a
 * vfork child: their symbol tables answer without a lock or an allocation
 * (next_symbol.h), and dlsym is left for what they cannot answer for sure,
 * none of glibc's hooked names (tests/unit/runtime_next_symbol.c checks
 * every one).
 * A process pays for the names it calls, not for every hook.
 */
static struct keke_next_symbols next;
static bool next_ready;

KEKE_ONCE void keke_hooks_locate(void)
{
	keke_next_symbols_init(&next, (const void *)keke_hooks_locate);
	__atomic_store_n(&next_ready, true, __ATOMIC_RELEASE);
}

KEKE_ONCE const char *keke_loaded_as(void)
{
	return __atomic_load_n(&next_ready, __ATOMIC_ACQUIRE) ?
		next.caller_name : NULL;
}

/* What dlsym(RTLD_NEXT, @name) gives, from those tables when they can say
 * (next_symbol.h), else from dlsym. */
static KEKE_ONCE void *real_symbol(const char *name)
{
	void *fn = NULL;

	if (__atomic_load_n(&next_ready, __ATOMIC_ACQUIRE))
		fn = keke_next_symbol(&next, name);
	return fn ? fn : dlsym(RTLD_NEXT, name);
}

/* The real function of hook @id, or NULL when no later object has it. */
static KEKE_ONCE void *lookup(unsigned id)
{
	void *fn = real_symbol(hook_name(id));

	for (const char *const *v = old_versions; !fn && *v; v++)
		fn = dlvsym(RTLD_NEXT, hook_name(id), *v);
	if (!fn)
		dlerror();	/* the program's dlerror() must not see it */
	return fn;
}

KEKE_ONCE void keke_hook_resolve_early(unsigned id)
{
	void *fn = lookup(id);

	if (fn)
		__atomic_store_n(&keke_hook_real[id], fn, __ATOMIC_RELAXED);
}

KEKE_ONCE void *keke_hook_resolve(unsigned id)
{
	void *fn = lookup(id);

	if (!fn) {
		say((const char *const[]){ "keke: the C library has no ",
			hook_name(id), "\n", NULL });
		abort();
	}
	__atomic_store_n(&keke_hook_real[id], fn, __ATOMIC_RELAXED);
	return fn;
}

/*
 * KEKE_MIN_DUR in ticks. With the TSC, the tick rate is measured against
 * CLOCK_MONOTONIC from start-up on: a call that ends within 20 µs of
 * start-up is kept, later ones are judged with the rate seen so far, and
 * after 1 ms the threshold is fixed (keke_min_ticks), so only the first
 * millisecond of a process pays a clock_gettime per call.
 */
static struct {
	uint64_t ns;			/* KEKE_MIN_DUR, 0 when unset */
	struct keke_anchor start;	/* calibration start */
} min_dur;

#define CALIBRATE_MIN_NS 20000u
#define CALIBRATE_NS 1000000u

bool keke_hook_short(uint64_t dur)
{
	uint64_t limit = __atomic_load_n(&keke_min_ticks, __ATOMIC_RELAXED);

	if (limit == UINT64_MAX) {
		uint64_t ticks = keke_now(), ns = keke_mono_ns();
		uint64_t dns = ns - min_dur.start.mono_ns;
		uint64_t dticks = ticks - min_dur.start.ticks;

		if (dns < CALIBRATE_MIN_NS || !dticks)
			return false;
		limit = (uint64_t)((unsigned __int128)min_dur.ns * dticks /
				   dns);
		if (!limit)
			limit = 1;
		if (dns >= CALIBRATE_NS)
			__atomic_store_n(&keke_min_ticks, limit,
					 __ATOMIC_RELAXED);
	}
	if (dur >= limit)
		return false;
	keke_writer_filtered(1);
	return true;
}

static KEKE_ONCE void setup_min_dur(bool quiet)
{
	const char *v = getenv("KEKE_MIN_DUR");
	uint64_t ns = 0;

	keke_min_ticks = 0;
	if (!v || !*v)
		return;
	if (keke_parse_duration(v, KEKE_NS_PER_US, &ns) != 0) {
		if (!quiet)
			say((const char *const[]){ "keke: KEKE_MIN_DUR '", v,
				"' is not a duration such as 10us, 1ms or "
				"500ns; keeping every call\n", NULL });
		return;
	}
	if (!ns)
		return;
	min_dur.ns = ns;
	if (keke_clock_kind != KEKE_CLOCK_TSC) {
		keke_min_ticks = ns;
		return;
	}
	min_dur.start = keke_clock_anchor();
	keke_min_ticks = UINT64_MAX;
}

KEKE_ONCE uint32_t keke_hooks_setup(bool quiet)
{
	char err[256];
	uint32_t families;

	if (keke_parse_families(getenv("KEKE_TRACE"), &families, err,
				sizeof(err)) != 0) {
		if (!quiet)
			say((const char *const[]){ "keke: KEKE_TRACE: ", err,
				"; tracing nothing\n", NULL });
		return 0;
	}
	setup_min_dur(quiet);
	return families;
}
