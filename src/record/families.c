// SPDX-License-Identifier: MIT
/*
 * KEKE_TRACE and KEKE_MIN_DUR (see families.h). No allocation and no
 * locale: libkeke.so parses them during start-up, inside any program.
 */
#include <stdbool.h>
#include <string.h>

#include "record/families.h"
#include "record/once.h"

static const char *const family_names[] = {
#define KEKE_FAMILY_NAME_(sym, name) name,
	KEKE_FAMILY_LIST(KEKE_FAMILY_NAME_)
#undef KEKE_FAMILY_NAME_
};

const char *keke_family_name(unsigned bit)
{
	return bit < KEKE_FAMILY_BITS ? family_names[bit] : NULL;
}

/* A bounded string builder for error messages: never overflows, always
 * NUL terminated (when @size > 0). */
struct msg {
	char *buf;
	size_t size;
	size_t len;
};

static KEKE_ONCE void msg_add(struct msg *m, const char *s, size_t n)
{
	if (!m->size)
		return;
	for (size_t i = 0; i < n && m->len + 1 < m->size; i++)
		m->buf[m->len++] = s[i];
	m->buf[m->len] = '\0';
}

static KEKE_ONCE void msg_str(struct msg *m, const char *s)
{
	msg_add(m, s, strlen(s));
}

/* "<what> '<item>' (known: proc, file, ..., all, none, default)". */
static KEKE_ONCE void bad_item(char *err, size_t errlen, const char *what,
			       const char *item, size_t n)
{
	struct msg m = { err, errlen, 0 };

	msg_str(&m, what);
	msg_str(&m, " '");
	msg_add(&m, item, n > 64 ? 64 : n);
	msg_str(&m, n > 64 ? "...' (known: " : "' (known: ");
	for (unsigned i = 0; i < KEKE_FAMILY_BITS; i++) {
		msg_str(&m, family_names[i]);
		msg_str(&m, ", ");
	}
	msg_str(&m, "all, none, default)");
}

static KEKE_ONCE bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static KEKE_ONCE bool item_is(const char *item, size_t n, const char *word)
{
	return strlen(word) == n && !strncmp(item, word, n);
}

/* The bits item [@item, @item + @n) stands for, or -1 when unknown. */
static KEKE_ONCE int64_t item_bits(const char *item, size_t n)
{
	if (item_is(item, n, "all"))
		return KEKE_FAMILIES_ALL;
	if (item_is(item, n, "none"))
		return 0;
	if (item_is(item, n, "default"))
		return KEKE_FAMILIES_DEFAULT;
	for (unsigned i = 0; i < KEKE_FAMILY_BITS; i++)
		if (item_is(item, n, family_names[i]))
			return 1 << i;
	return -1;
}

KEKE_ONCE int keke_parse_families(const char *spec, uint32_t *out, char *err,
				  size_t errlen)
{
	uint32_t mask = 0;
	bool first = true;
	const char *p = spec;

	if (errlen)
		err[0] = '\0';
	while (p && is_blank(*p))
		p++;
	if (!p || !*p) {
		*out = KEKE_FAMILIES_DEFAULT;
		return 0;
	}
	for (;;) {
		const char *item, *end = strchr(p, ',');
		bool remove = false;
		size_t n;
		int64_t bits;

		if (!end)
			end = p + strlen(p);
		item = p;
		while (item < end && is_blank(*item))
			item++;
		n = (size_t)(end - item);
		while (n && is_blank(item[n - 1]))
			n--;
		if (n && (item[0] == '-' || item[0] == '!')) {
			remove = true;
			item++;
			n--;
		}
		if (!n) {
			bad_item(err, errlen, "empty trace family in", spec,
				 strlen(spec));
			return -1;
		}
		bits = item_bits(item, n);
		if (bits < 0) {
			bad_item(err, errlen, "unknown trace family", item, n);
			return -1;
		}
		if (remove && first)
			mask = KEKE_FAMILIES_DEFAULT;
		if (remove)
			mask &= ~(uint32_t)bits;
		else
			mask |= (uint32_t)bits;
		first = false;
		if (!*end)
			break;
		p = end + 1;
	}
	*out = mask;
	return 0;
}
