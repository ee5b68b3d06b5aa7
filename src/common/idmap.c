// SPDX-License-Identifier: MIT
#include "common/idmap.h"

#include <stdio.h>
#include <stdlib.h>

void idmap_init(struct idmap *m)
{
	*m = (struct idmap){ 0 };
}

void idmap_free(struct idmap *m)
{
	free(m->keys);
	free(m->values);
	idmap_init(m);
}

static size_t slot_of(uint64_t key, size_t cap)
{
	/* Fibonacci hashing spreads sequential ids (tids, flow ids). */
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 17) & (cap - 1);
}

static void grow(struct idmap *m)
{
	struct idmap bigger = { .has_max = m->has_max,
				.max_value = m->max_value };

	bigger.cap = m->cap ? m->cap * 2 : 16;
	bigger.keys = calloc(bigger.cap, sizeof(*bigger.keys));
	bigger.values = calloc(bigger.cap, sizeof(*bigger.values));
	if (!bigger.keys || !bigger.values) {
		fprintf(stderr, "keke: out of memory\n");
		abort();
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i])
			idmap_put(&bigger, m->keys[i] - 1, m->values[i]);
	idmap_free(m);
	*m = bigger;
}

void idmap_put(struct idmap *m, uint64_t key, int64_t value)
{
	if (key == UINT64_MAX) {
		m->has_max = true;
		m->max_value = value;
		return;
	}
	if ((m->len + 1) * 2 > m->cap)
		grow(m);
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key + 1) {
			m->values[i] = value;
			return;
		}
		if (!m->keys[i]) {
			m->keys[i] = key + 1;
			m->values[i] = value;
			m->len++;
			return;
		}
	}
}

bool idmap_get(const struct idmap *m, uint64_t key, int64_t *value)
{
	if (key == UINT64_MAX) {
		if (m->has_max)
			*value = m->max_value;
		return m->has_max;
	}
	if (!m->cap)
		return false;
	for (size_t i = slot_of(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key + 1) {
			*value = m->values[i];
			return true;
		}
		if (!m->keys[i])
			return false;
	}
}
