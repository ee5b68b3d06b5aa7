/* SPDX-License-Identifier: MIT */
/*
 * A map from 64-bit ids to 64-bit values: open addressing, linear probing,
 * grows at half full. Used by the merge for tids, flows and the like.
 */
#ifndef KEKE_IDMAP_H
#define KEKE_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct idmap {
	uint64_t *keys;		/* key + 1; 0 marks a free slot */
	int64_t *values;
	size_t cap;		/* a power of two, or 0 */
	size_t len;
	bool has_max;		/* UINT64_MAX, which has no slot, is set */
	int64_t max_value;
};

void idmap_init(struct idmap *m);
void idmap_free(struct idmap *m);
/* Sets @key to @value (replacing). Aborts when memory runs out. */
void idmap_put(struct idmap *m, uint64_t key, int64_t value);
/* Finds @key: true and *value, or false. */
bool idmap_get(const struct idmap *m, uint64_t key, int64_t *value);

#endif
