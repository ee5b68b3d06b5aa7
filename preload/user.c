// SPDX-License-Identifier: MIT
/*
 * The annotation API of keke.h: spans, arguments, instants, counters,
 * thread names and flows, recorded by the same writer as the hooks. Each
 * function copies what it is given into one record and returns; the merge
 * pairs span begins with ends and hangs arguments on the open span.
 */
#include <string.h>

#include "keke.h"
#include "preload.h"

#define NAME_MAX_LEN 1024	/* user names and keys are cut here */

static size_t length(const char *s)
{
	return s ? strnlen(s, NAME_MAX_LEN) : 0;
}

/* A record of @type with a name (@n bytes of @name, "" for NULL) and
 * string field @key (@len bytes of @s; "" for NULL when @always, else
 * left out). */
static void record_strings(unsigned type, const char *name, size_t n,
			   unsigned key, const char *s, size_t len,
			   bool always)
{
	struct keke_rec r;

	if (!keke_traced(KEKE_FAMILY_BIT_USER) ||
	    !keke_rec_begin(&r, type, 0, 0, keke_now(),
			    KEKE_REC_MAX_LEN(0, KEKE_STR_MAX_LEN(n) +
						 KEKE_STR_MAX_LEN(len))))
		return;
	keke_rec_str(&r, KEKE_KEY_NAME, name ? name : "", n);
	if (s || always)
		keke_rec_str(&r, key, s ? s : "", len);
	keke_rec_commit(&r);
}

/* A record of @type with a name (and category) string. */
static void record_named(unsigned type, const char *name,
			 const char *category)
{
	record_strings(type, name, length(name), KEKE_KEY_CAT, category,
		       length(category), false);
}

/* A record of @type with a name and an integer value. */
static void record_value(unsigned type, unsigned key, const char *name,
			 long long value)
{
	size_t n = length(name);
	struct keke_rec r;

	if (!keke_traced(KEKE_FAMILY_BIT_USER) ||
	    !keke_rec_begin(&r, type, 0, 0, keke_now(),
			    KEKE_REC_MAX_LEN(1, KEKE_STR_MAX_LEN(n))))
		return;
	if (name)
		keke_rec_str(&r, KEKE_KEY_NAME, name, n);
	keke_rec_int(&r, key, value);
	keke_rec_commit(&r);
}

KEKE_EXPORT void keke__begin(const char *name, const char *category)
{
	record_named(KEKE_REC_SPAN_BEGIN, name, category);
}

KEKE_EXPORT void keke__end(void)
{
	struct keke_rec r;

	if (keke_traced(KEKE_FAMILY_BIT_USER) &&
	    keke_rec_begin(&r, KEKE_REC_SPAN_END, 0, 0, keke_now(),
			   KEKE_REC_MAX_LEN(0, 0)))
		keke_rec_commit(&r);
}

KEKE_EXPORT void keke__arg_int(const char *key, long long value)
{
	record_value(KEKE_REC_ARG, KEKE_KEY_VALUE, key, value);
}

KEKE_EXPORT void keke__arg_str(const char *key, const char *value)
{
	record_strings(KEKE_REC_ARG, key, length(key), KEKE_KEY_VALUE, value,
		       value ? strlen(value) : 0, true);
}

KEKE_EXPORT void keke__instant(const char *name, const char *category)
{
	record_named(KEKE_REC_INSTANT, name, category);
}

KEKE_EXPORT void keke__counter(const char *name, long long value)
{
	record_value(KEKE_REC_COUNTER, KEKE_KEY_VALUE, name, value);
}

KEKE_EXPORT void keke__thread_name(const char *name)
{
	record_named(KEKE_REC_THREAD_NAME, name, NULL);
}

KEKE_EXPORT uint64_t keke__flow_out(void)
{
	uint64_t id;

	if (!keke_traced(KEKE_FAMILY_BIT_USER))
		return 0;
	id = keke_new_flow();
	record_value(KEKE_REC_FLOW, KEKE_KEY_FLOW_OUT, NULL, (long long)id);
	return id;
}

KEKE_EXPORT void keke__flow_in(uint64_t id)
{
	record_value(KEKE_REC_FLOW, KEKE_KEY_FLOW_IN, NULL, (long long)id);
}
