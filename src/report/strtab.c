// SPDX-License-Identifier: MIT
/*
 * Interned strings for the report: call names, executable names and
 * paths get dense ids, so the statistics can live in plain arrays.
 * Open addressing with linear probing, grown at half full.
 */
#include "report/context.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a of @len bytes at @s. */
static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

/* Doubles the slots of @t and places every string again. */
static int grow(struct rp_strtab *t)
{
	size_t nslot = t->nslot ? t->nslot * 2 : 64;
	uint32_t *slot = calloc(nslot, sizeof(*slot));

	if (!slot)
		return -1;
	for (size_t id = 0; id < t->n; id++) {
		size_t i = hash(t->str[id], strlen(t->str[id])) & (nslot - 1);

		while (slot[i])
			i = (i + 1) & (nslot - 1);
		slot[i] = (uint32_t)id + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = nslot;
	return 0;
}

int rp_intern(struct rp_strtab *t, const char *s, size_t len, uint32_t *id)
{
	size_t i;
	char *copy;

	if (t->n >= UINT32_MAX - 1)
		return -1;
	if ((t->n + 1) * 2 > t->nslot && grow(t) < 0)
		return -1;
	i = hash(s, len) & (t->nslot - 1);
	while (t->slot[i]) {
		const char *x = t->str[t->slot[i] - 1];

		if (!strncmp(x, s, len) && x[len] == '\0') {
			*id = t->slot[i] - 1;
			return 0;
		}
		i = (i + 1) & (t->nslot - 1);
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		char **str = realloc(t->str, cap * sizeof(*str));

		if (!str)
			return -1;
		t->str = str;
		t->cap = cap;
	}
	copy = malloc(len + 1);
	if (!copy)
		return -1;
	memcpy(copy, s, len);
	copy[len] = '\0';
	t->str[t->n] = copy;
	t->slot[i] = (uint32_t)t->n + 1;
	*id = (uint32_t)t->n++;
	return 0;
}

void rp_strtab_free(struct rp_strtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->str[i]);
	free(t->str);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}
