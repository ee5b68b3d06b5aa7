// SPDX-License-Identifier: MIT
/* The span model of the export (span.h): owned strings, growable lists. */
#include "export/span.h"

#include <stdlib.h>
#include <string.h>

/* Grows the array *@v of @size-byte items to hold @n + 1. */
static bool grow(void *v, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 8;
	void *p;

	if (n < *cap)
		return true;
	p = realloc(*(void **)v, c * size);
	if (!p)
		return false;
	*(void **)v = p;
	*cap = c;
	return true;
}

/* The slot for @key: the existing one (its value freed), or a new one. */
static struct otlp_attr *slot(struct otlp_attrs *a, const char *key)
{
	struct otlp_attr *at;

	for (size_t i = 0; i < a->n; i++) {
		if (!strcmp(a->v[i].key, key)) {
			free(a->v[i].s);
			a->v[i].s = NULL;
			return &a->v[i];
		}
	}
	if (a->failed || !grow(&a->v, &a->cap, a->n, sizeof(*a->v))) {
		a->failed = true;
		return NULL;
	}
	at = &a->v[a->n];
	*at = (struct otlp_attr){ .key = strdup(key) };
	if (!at->key) {
		a->failed = true;
		return NULL;
	}
	a->n++;
	return at;
}

void otlp_attr_str(struct otlp_attrs *a, const char *key, const char *s)
{
	struct otlp_attr *at = slot(a, key);

	if (!at)
		return;
	at->type = OTLP_STR;
	at->s = strdup(s);
	if (!at->s) {
		a->failed = true;
		at->type = OTLP_INT;
	}
}

void otlp_attr_int(struct otlp_attrs *a, const char *key, int64_t i)
{
	struct otlp_attr *at = slot(a, key);

	if (at) {
		at->type = OTLP_INT;
		at->i = i;
	}
}

void otlp_attr_double(struct otlp_attrs *a, const char *key, double d)
{
	struct otlp_attr *at = slot(a, key);

	if (at) {
		at->type = OTLP_DOUBLE;
		at->d = d;
	}
}

void otlp_attr_bool(struct otlp_attrs *a, const char *key, bool b)
{
	struct otlp_attr *at = slot(a, key);

	if (at) {
		at->type = OTLP_BOOL;
		at->i = b;
	}
}

const struct otlp_attr *otlp_attr_find(const struct otlp_attrs *a,
				       const char *key)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->v[i].key, key))
			return &a->v[i];
	return NULL;
}

void otlp_attrs_clear(struct otlp_attrs *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].key);
		free(a->v[i].s);
	}
	a->n = 0;
	a->failed = false;
}

void otlp_attrs_free(struct otlp_attrs *a)
{
	otlp_attrs_clear(a);
	free(a->v);
	*a = (struct otlp_attrs){ 0 };
}

/* Replaces the string *@at with a copy of @s. */
static void set_str(struct otlp_span *s, char **at, const char *v)
{
	free(*at);
	*at = strdup(v);
	if (!*at)
		s->failed = true;
}

void otlp_span_name(struct otlp_span *s, const char *name)
{
	set_str(s, &s->name, name);
}

void otlp_span_error(struct otlp_span *s, const char *message)
{
	set_str(s, &s->error, message);
}

void otlp_span_link(struct otlp_span *s, const uint8_t id[8])
{
	if (!memcmp(id, s->parent, 8) || !memcmp(id, s->span_id, 8))
		return;
	for (size_t i = 0; i < s->nlinks; i++)
		if (!memcmp(s->links[i], id, 8))
			return;
	if (!grow(&s->links, &s->links_cap, s->nlinks, sizeof(*s->links))) {
		s->failed = true;
		return;
	}
	memcpy(s->links[s->nlinks++], id, 8);
}

void otlp_span_clear(struct otlp_span *s)
{
	otlp_attrs_clear(&s->attrs);
	free(s->name);
	free(s->error);
	s->name = s->error = NULL;
	s->nlinks = 0;
	memset(s->span_id, 0, sizeof(s->span_id));
	memset(s->parent, 0, sizeof(s->parent));
	s->remote_parent = false;
	s->start = s->end = 0;
	s->failed = false;
}

void otlp_span_free(struct otlp_span *s)
{
	otlp_span_clear(s);
	otlp_attrs_free(&s->attrs);
	free(s->links);
	*s = (struct otlp_span){ 0 };
}
