/* SPDX-License-Identifier: MIT */
/*
 * The hook template. Every hook is one line of hooks.def; from that line
 * come the type of its real function, its slot in the hook table
 * (hook_table.c: the real functions, resolved on first use by
 * keke_hook_resolve), its place in the export list a test checks and,
 * unless it is written by hand, its wrapper (KEKE_HOOK_WRAPPER below),
 * which every generated hook shares:
 *
 *	not traced, or inside keke already?  -> tail call the real function
 *	t0 = clock; rv = real(args); err = errno; dur = clock - t0
 *	dur >= KEKE_MIN_DUR?  -> record_<how>(call, t0, dur, rv, err, fields)
 *	errno = err; return rv
 *
 * so the program gets exactly the real result and errno, nothing is
 * allocated, no lock is taken (signal handlers are safe), and a hook that
 * runs while its thread is recording (busy) only forwards.
 *
 * A family file (file.c, net.c, ...) defines KEKE_WRAP_<FAMILY> as
 * KEKE_WRAP_ON before including this header, defines the record_<how>()
 * (and before_<how>()) functions its lines name, and ends by including
 * hook_wrappers.h.
 */
#ifndef KEKE_HOOK_H
#define KEKE_HOOK_H

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <spawn.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include "record/families.h"
#include "record/fd_changes.h"
#include "preload.h"
#include "runtime/stacks.h"

/* Both spellings of each symbol (read and __read_chk, open and open64) are
 * defined here: headers must not rename or inline them. */
#ifdef __USE_FILE_OFFSET64
#error "libkeke.so is built without _FILE_OFFSET_BITS=64 (see meson.build)"
#endif
#if defined(__USE_FORTIFY_LEVEL) && __USE_FORTIFY_LEVEL > 0
#error "libkeke.so is built without _FORTIFY_SOURCE (see meson.build)"
#endif

/* keke_<name>_fn: the type of each hooked function. */
#define KEKE_HOOK_HAND(fam, ret, name, params) \
	typedef ret keke_##name##_fn params;
#define KEKE_HOOKED(name, fam)
#include "hooks.def"
#undef KEKE_HOOKED

/* KEKE_HOOK_ID_<name>: the slot of each hook in the table. */
enum keke_hook_id {
#define KEKE_HOOK_HAND(fam, ret, name, params) KEKE_HOOK_ID_##name,
#define KEKE_HOOKED(name, fam)
#include "hooks.def"
#undef KEKE_HOOKED
	KEKE_HOOK_COUNT
};

/* The real functions, by hook id; NULL until resolved. */
extern void *keke_hook_real[KEKE_HOOK_COUNT];

/*
 * Resolves the real function of hook @id (what dlsym(RTLD_NEXT) would
 * give, or the old versions of symbols glibc keeps only for old binaries,
 * such as __xstat) and stores it.
 * Returns it; a libc without the symbol is reported on stderr and aborts
 * (the program could not have been linked to it).
 */
void *keke_hook_resolve(unsigned id);

/* Resolves the real function of hook @id ahead of its first call, as
 * keke_hook_resolve does, but leaves its slot empty rather than abort when
 * the C library lacks it. */
void keke_hook_resolve_early(unsigned id);

static inline void *keke_hook_fn(unsigned id)
{
	void *fn = __atomic_load_n(&keke_hook_real[id], __ATOMIC_RELAXED);

	return __builtin_expect(fn != NULL, 1) ? fn : keke_hook_resolve(id);
}

/* The real function behind hook @name, with its type. */
#define KEKE_HOOK_REAL(name) \
	((keke_##name##_fn *)keke_hook_fn(KEKE_HOOK_ID_##name))

/*
 * Start-up (called once by keke_init, when the record file is open):
 * reads KEKE_TRACE and KEKE_MIN_DUR and returns the mask of traced
 * families. A bad KEKE_TRACE traces nothing and a bad KEKE_MIN_DUR keeps
 * every call; both say so on stderr unless @quiet.
 */
uint32_t keke_hooks_setup(bool quiet);

/* Calls shorter than this many ticks are left out: 0 keeps all, and
 * UINT64_MAX means "KEKE_MIN_DUR is set but the TSC not yet calibrated". */
extern uint64_t keke_min_ticks;

/* Slow path of keke_hook_keep: counts @dur as filtered and returns true
 * when it is shorter than KEKE_MIN_DUR. */
bool keke_hook_short(uint64_t dur);

/* Whether a call of @call that took @dur ticks is recorded: always, when
 * it changes fds (the merge follows them), else when not too short. */
static inline bool keke_hook_keep(unsigned call, uint64_t dur)
{
	return keke_call_changes_fds(call) ||
	       __builtin_expect(dur >= keke_min_ticks, 1) ||
	       !keke_hook_short(dur);
}

/* Whether a hook of @family records: the family is traced (start-up is
 * over) and the thread is not inside keke's own recording. */
static inline bool keke_hook_on(enum keke_family_bit family)
{
	if (__builtin_expect(keke_thread.busy, 0)) {
		/* A handler's call while its thread records: lost, counted. */
		if (keke_busy_drops() && keke_traced(family))
			keke_writer_drop(1);
		return false;
	}
	return keke_traced(family);
}

/*
 * Starts a slice record of @call with its duration: room for @max_len
 * bytes (count the duration in). Returns false when it is dropped.
 */
static inline bool keke_slice_begin(struct keke_rec *r, unsigned call,
				    unsigned err, uint64_t t0, uint64_t dur,
				    size_t max_len)
{
	uint64_t stack = 0;

	if (keke_stack_wanted(call)) {
		stack = keke_stack_capture();
		max_len += 1 + KEKE_VARINT_MAX;
	}
	if (!keke_rec_begin(r, KEKE_REC_SLICE, call, err, t0, max_len))
		return false;
	keke_rec_int(r, KEKE_KEY_DUR, (int64_t)dur);
	if (stack)
		keke_rec_int(r, KEKE_KEY_STACK_ID, (int64_t)stack);
	return true;
}

/* An integer field of a slice: see keke_record_ints. */
struct keke_int_field {
	unsigned key;
	int64_t value;
};

/*
 * Records a slice of @call with the integer fields @f (@n of them) and
 * the result @rv, failed with errno @err when @rv < 0. Always inlined: @n
 * and the keys are constants in every caller, so the loop unrolls into
 * the stores a hand-written recorder would make.
 */
static __always_inline void keke_record_ints(unsigned call, uint64_t t0,
					     uint64_t dur, int64_t rv,
					     int err, unsigned n,
					     const struct keke_int_field *f)
{
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(n + 2, 0)))
		return;
#pragma GCC unroll 8
	for (unsigned i = 0; i < n; i++)
		keke_rec_int(&r, f[i].key, f[i].value);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* Adds a NUL-terminated string field (nothing for NULL). */
static inline void keke_rec_cstr(struct keke_rec *r, unsigned key,
				 const char *s, size_t len)
{
	if (s)
		keke_rec_str(r, key, s, len);
}

static inline size_t keke_strlen(const char *s)
{
	return s ? strlen(s) : 0;
}

/* A timeout in nanoseconds, or -1 for "none" (wait forever). */
static inline int64_t keke_ms_ns(int ms)
{
	return ms < 0 ? -1 : (int64_t)ms * 1000000;
}

static inline int64_t keke_ts_ns(const struct timespec *ts)
{
	return ts ? (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec : -1;
}

/* Adds a timeout field unless it is -1 (none). */
static inline void keke_rec_timeout(struct keke_rec *r, int64_t ns)
{
	if (ns >= 0)
		keke_rec_int(r, KEKE_KEY_TIMEOUT_NS, ns);
}

/* ", a, b" from "(a, b)", and nothing from "()". */
#define KEKE_HOOK_ARGS_(...) , ##__VA_ARGS__

/* The arguments of a parenthesized list, without the parentheses. */
#define KEKE_HOOK_UNPAREN_(...) __VA_ARGS__

/*
 * The wrapper every generated hook shares (see the top of this file):
 * @before is a statement run before the call when the call is traced
 * (or nothing), @fields what record_<how> gets after the errno, as
 * "(, a, b)".
 */
#define KEKE_HOOK_BODY_(fam, call, ret, name, params, args, how, before,  \
			fields)						  \
	KEKE_EXPORT ret name params;					  \
	KEKE_EXPORT ret name params					  \
	{								  \
		keke_##name##_fn *real_ = KEKE_HOOK_REAL(name);		  \
		uint64_t t0_, dur_;					  \
		ret rv_;						  \
		int err_;						  \
									  \
		if (!keke_hook_on(KEKE_FAMILY_BIT_##fam))		  \
			return real_ args;				  \
		before							  \
		t0_ = keke_now();					  \
		rv_ = real_ args;					  \
		err_ = errno;						  \
		dur_ = keke_now() - t0_;				  \
		if (keke_hook_keep(KEKE_CALL_##call, dur_))		  \
			record_##how(KEKE_CALL_##call, t0_, dur_, rv_,	  \
				     err_ KEKE_HOOK_UNPAREN_ fields);	  \
		errno = err_;						  \
		return rv_;						  \
	}

/* The wrapper of a KEKE_HOOK line. */
#define KEKE_HOOK_WRAPPER(fam, call, ret, name, params, args, how, rargs) \
	KEKE_HOOK_BODY_(fam, call, ret, name, params, args, how, ,	  \
			(KEKE_HOOK_ARGS_ rargs))

/*
 * The wrapper of a KEKE_HOOK_PRE line: the same, but before the call
 * pre_ = before_<how>(pargs) (which must leave errno alone) captures what
 * the call may change, and is passed to record_<how> before the fields.
 */
#define KEKE_HOOK_WRAPPER_PRE(fam, call, ret, name, params, args, how,	  \
			      pargs, rargs)				  \
	KEKE_HOOK_BODY_(fam, call, ret, name, params, args, how,	  \
			__auto_type pre_ = before_##how pargs;,		  \
			(, pre_ KEKE_HOOK_ARGS_ rargs))

/* A family file defines KEKE_WRAP_<FAMILY> as KEKE_WRAP_ON before it
 * includes this header; the other families are KEKE_WRAP_OFF (a macro
 * cannot define macros: these follow KEKE_FAMILY_LIST by hand). */
#define KEKE_WRAP_ON(...) __VA_ARGS__
#define KEKE_WRAP_OFF(...)
#ifndef KEKE_WRAP_PROC
#define KEKE_WRAP_PROC KEKE_WRAP_OFF
#endif
#ifndef KEKE_WRAP_FILE
#define KEKE_WRAP_FILE KEKE_WRAP_OFF
#endif
#ifndef KEKE_WRAP_NET
#define KEKE_WRAP_NET KEKE_WRAP_OFF
#endif
#ifndef KEKE_WRAP_SYNC
#define KEKE_WRAP_SYNC KEKE_WRAP_OFF
#endif
#ifndef KEKE_WRAP_THREAD
#define KEKE_WRAP_THREAD KEKE_WRAP_OFF
#endif
#ifndef KEKE_WRAP_DL
#define KEKE_WRAP_DL KEKE_WRAP_OFF
#endif
#ifndef KEKE_WRAP_USER
#define KEKE_WRAP_USER KEKE_WRAP_OFF
#endif
#ifndef KEKE_WRAP_STDIO
#define KEKE_WRAP_STDIO KEKE_WRAP_OFF
#endif

/* A family whose generated hooks are in more than one file names each
 * further file's lines in hooks.def with a token of its own, which stands
 * for the family's bit and selects that file's wrappers alone. */
#define KEKE_FAMILY_BIT_FDS KEKE_FAMILY_BIT_FILE	/* preload/fds.c */
#define KEKE_FAMILY_BIT_FDS_NET KEKE_FAMILY_BIT_NET	/* preload/fds.c */
#define KEKE_FAMILY_BIT_COPY KEKE_FAMILY_BIT_FILE	/* preload/copy.c */
#define KEKE_FAMILY_BIT_FILE_META KEKE_FAMILY_BIT_FILE	/* file_meta.c */
#ifndef KEKE_WRAP_FDS
#define KEKE_WRAP_FDS KEKE_WRAP_OFF
#endif
#ifndef KEKE_WRAP_FDS_NET
#define KEKE_WRAP_FDS_NET KEKE_WRAP_OFF
#endif
#ifndef KEKE_WRAP_COPY
#define KEKE_WRAP_COPY KEKE_WRAP_OFF
#endif
#ifndef KEKE_WRAP_FILE_META
#define KEKE_WRAP_FILE_META KEKE_WRAP_OFF
#endif

/* What hook_wrappers.h, included last by a family file, makes of the
 * KEKE_HOOK and KEKE_HOOK_PRE lines: the wrappers of its family alone. */
#define KEKE_HOOK_EMIT(fam, ...) \
	KEKE_WRAP_##fam(KEKE_HOOK_WRAPPER(fam, __VA_ARGS__))
#define KEKE_HOOK_PRE_EMIT(fam, ...) \
	KEKE_WRAP_##fam(KEKE_HOOK_WRAPPER_PRE(fam, __VA_ARGS__))
#endif
