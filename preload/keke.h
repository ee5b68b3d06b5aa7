/* SPDX-License-Identifier: MIT */
/*
 * keke.h: marks spans, instants, counters, thread names and flows in a
 * program, for the keke tracer. Copy this one file into a project.
 *
 * Without libkeke.so preloaded, every call costs one predictable branch:
 * the functions are weak symbols, NULL until libkeke.so provides them.
 * With it, they go through the same writer as keke's libc hooks, and spans
 * nest with the calls made inside them. Strings are copied at the call.
 * (The program must be position independent, the default of Debian's
 * compilers, for ld.so to bind the weak symbols at start-up.)
 *
 *	KEKE_SPAN("load config");		// until the end of the scope
 *	keke_arg_str("file", path);		// on the innermost open span
 *
 *	keke_begin("parse", "app");  ...  keke_end();
 *	keke_counter("queue length", n);	// one track per name
 *	uint64_t id = keke_flow_out();		// pass id to another
 *	keke_flow_in(id);			// thread or process
 */
#ifndef KEKE_H
#define KEKE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What libkeke.so exports. Call the keke_* wrappers below instead. */
#define KEKE_WEAK_ __attribute__((weak))
KEKE_WEAK_ void keke__begin(const char *name, const char *category);
KEKE_WEAK_ void keke__end(void);
KEKE_WEAK_ void keke__arg_int(const char *key, long long value);
KEKE_WEAK_ void keke__arg_str(const char *key, const char *value);
KEKE_WEAK_ void keke__instant(const char *name, const char *category);
KEKE_WEAK_ void keke__counter(const char *name, long long value);
KEKE_WEAK_ void keke__thread_name(const char *name);
KEKE_WEAK_ uint64_t keke__flow_out(void);
KEKE_WEAK_ void keke__flow_in(uint64_t id);
#undef KEKE_WEAK_

/* Opens a span on the calling thread; @category may be NULL ("user"). */
static inline void keke_begin(const char *name, const char *category)
{
	if (keke__begin)
		keke__begin(name, category);
}

/* Closes the thread's innermost open span. */
static inline void keke_end(void)
{
	if (keke__end)
		keke__end();
}

/* Adds an argument to the thread's innermost open span. */
static inline void keke_arg_int(const char *key, long long value)
{
	if (keke__arg_int)
		keke__arg_int(key, value);
}

static inline void keke_arg_str(const char *key, const char *value)
{
	if (keke__arg_str)
		keke__arg_str(key, value);
}

/* A point in time on the calling thread. */
static inline void keke_instant(const char *name, const char *category)
{
	if (keke__instant)
		keke__instant(name, category);
}

/* A value of the process's counter @name, from now on. */
static inline void keke_counter(const char *name, long long value)
{
	if (keke__counter)
		keke__counter(name, value);
}

/* Names the calling thread in the trace. */
static inline void keke_thread_name(const char *name)
{
	if (keke__thread_name)
		keke__thread_name(name);
}

/*
 * Starts a flow at the thread's innermost open span (or at an instant
 * here) and returns its id, unique in the run; 0 when not traced. Hand it
 * to another thread or process, which calls keke_flow_in(id).
 */
static inline uint64_t keke_flow_out(void)
{
	return keke__flow_out ? keke__flow_out() : 0;
}

/* Ends flow @id at the thread's innermost open span (or an instant). */
static inline void keke_flow_in(uint64_t id)
{
	if (keke__flow_in && id)
		keke__flow_in(id);
}

static inline void keke_span_cleanup_(int *unused)
{
	(void)unused;
	keke_end();
}

#define KEKE_CAT2_(a, b) a##b
#define KEKE_CAT_(a, b) KEKE_CAT2_(a, b)

/* A span from here to the end of the enclosing scope. */
#define KEKE_SPAN(name)                                                      \
	int KEKE_CAT_(keke_span_, __LINE__)                                  \
		__attribute__((cleanup(keke_span_cleanup_), unused)) =       \
			(keke_begin((name), "user"), 0)

#ifdef __cplusplus
}
#endif

#endif
