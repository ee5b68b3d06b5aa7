// SPDX-License-Identifier: MIT
/*
 * The id map (common/idmap.h): every 64-bit key, 0 and UINT64_MAX
 * included, maps to what was last put under it, across growth; a key
 * never put is not found.
 */
#include "helpers.h"

#include <criterion/criterion.h>

#include "common/idmap.h"

Test(idmap, every_key_keeps_its_value_across_growth)
{
	static const uint64_t edges[] = { 0, 1, UINT64_MAX - 1, UINT64_MAX };
	struct idmap m;
	int64_t v;

	idmap_init(&m);
	cr_assert_not(idmap_get(&m, UINT64_MAX, &v));
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		idmap_put(&m, edges[i], -(int64_t)i - 1);
	for (uint64_t k = 2; k < 10000; k++)
		idmap_put(&m, k * 7919, (int64_t)k);
	idmap_put(&m, UINT64_MAX, 42);
	for (size_t i = 0; i < 3; i++) {
		cr_assert(idmap_get(&m, edges[i], &v), "key %zu lost", i);
		cr_assert_eq(v, -(int64_t)i - 1);
	}
	cr_assert(idmap_get(&m, UINT64_MAX, &v));
	cr_assert_eq(v, 42);
	for (uint64_t k = 2; k < 10000; k++) {
		cr_assert(idmap_get(&m, k * 7919, &v));
		cr_assert_eq(v, (int64_t)k);
	}
	cr_assert_not(idmap_get(&m, 7919 + 1, &v));
	idmap_free(&m);
	cr_assert_not(idmap_get(&m, UINT64_MAX, &v));
}
