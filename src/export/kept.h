/* SPDX-License-Identifier: MIT */
/* Which slices become spans of their own; the others are left out and
 * their children hang under their nearest kept ancestor. */
#ifndef KEKE_EXPORT_KEPT_H
#define KEKE_EXPORT_KEPT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Whether a slice of @category lasting @dur ns (not an image: those are
 * always kept) is kept: a user span or instant (keke.h), or a call of at
 * least @min_dur ns. */
static inline bool otlp_slice_kept(const char *category, int64_t dur,
				   uint64_t min_dur)
{
	return (category && !strcmp(category, "user")) ||
	       (dur >= 0 && (uint64_t)dur >= min_dur);
}

#endif
