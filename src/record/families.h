/* SPDX-License-Identifier: MIT */
/*
 * What a traced run records, as the environment says it: KEKE_TRACE chooses
 * the hook families (like strace -e trace=), KEKE_MIN_DUR leaves out calls
 * shorter than a duration. Shared by libkeke.so, which obeys them, and the
 * keke tool, which checks them before it starts anything.
 *
 * KEKE_TRACE is a comma-separated list of items:
 *	NAME	add a family (proc, file, net, sync, thread, dl, user,
 *		stdio)
 *	all	every family
 *	none	no family
 *	default	the families traced when KEKE_TRACE is unset (all of them)
 *	-NAME	leave a family out (also !NAME); a list that starts with a
 *		removal starts from the default set ("-sync": all but sync)
 * Unset, empty or blank means the default.
 *
 * KEKE_MIN_DUR is a duration (record/duration.h); a plain number is in
 * microseconds. 0 keeps every call.
 */
#ifndef KEKE_FAMILIES_H
#define KEKE_FAMILIES_H

#include <stddef.h>
#include <stdint.h>

/* The families, in the order of their bits: X(SYMBOL, "name"), the one
 * list of them. libkeke.so names a family KEKE_FAMILY_BIT_<SYMBOL>, and
 * its hooks.def by SYMBOL. */
#define KEKE_FAMILY_LIST(X)	\
	X(PROC, "proc")		\
	X(FILE, "file")		\
	X(NET, "net")		\
	X(SYNC, "sync")		\
	X(THREAD, "thread")	\
	X(DL, "dl")		\
	X(USER, "user")		\
	X(STDIO, "stdio")

enum keke_family_bit {
#define KEKE_FAMILY_BIT_(sym, name) KEKE_FAMILY_BIT_##sym,
	KEKE_FAMILY_LIST(KEKE_FAMILY_BIT_)
#undef KEKE_FAMILY_BIT_
	KEKE_FAMILY_BITS
};

#define KEKE_FAMILIES_ALL ((1u << KEKE_FAMILY_BITS) - 1)
/* Nothing is left out by default: the sync family records only waits that
 * blocked (a mutex only when it was contended), so it is not noisy. */
#define KEKE_FAMILIES_DEFAULT KEKE_FAMILIES_ALL

/* The name of family bit @bit, or NULL. */
const char *keke_family_name(unsigned bit);

/*
 * Parses a KEKE_TRACE value @spec (NULL: unset) into a mask of family bits
 * in *out. Returns 0, or -1 with *out unchanged and a message in @err
 * (@errlen bytes, NUL terminated) that names the bad item and the known
 * names, e.g. "unknown trace family 'fiel' (known: proc, file, ...)".
 * Async-signal-safe: no allocation, no locale.
 */
int keke_parse_families(const char *spec, uint32_t *out, char *err,
			size_t errlen);

#endif
