// SPDX-License-Identifier: MIT
/*
 * KEKE_TRACE parsing (src/record/families.c): the family lists a user
 * writes and the errors they get.
 */
#include <criterion/criterion.h>
#include <stdint.h>
#include <string.h>

#include "record/families.h"

static uint32_t bit(const char *name)
{
	for (unsigned i = 0; i < KEKE_FAMILY_BITS; i++)
		if (!strcmp(keke_family_name(i), name))
			return 1u << i;
	cr_assert_fail("no family %s", name);
	return 0;
}

static uint32_t families(const char *spec)
{
	char err[256];
	uint32_t mask = 0xdead;

	cr_assert_eq(keke_parse_families(spec, &mask, err, sizeof(err)), 0,
		     "'%s': %s", spec ? spec : "(unset)", err);
	return mask;
}

Test(families, trace_lists_families)
{
	cr_assert_eq(families(NULL), KEKE_FAMILIES_DEFAULT);
	cr_assert_eq(families(""), KEKE_FAMILIES_DEFAULT);
	cr_assert_eq(families(" "), KEKE_FAMILIES_DEFAULT);
	cr_assert_eq(families("file,net"), bit("file") | bit("net"));
	cr_assert_eq(families(" file , dl "), bit("file") | bit("dl"));
	cr_assert_eq(families("all"), KEKE_FAMILIES_ALL);
	cr_assert_eq(families("none"), 0);
	cr_assert_eq(families("default"), KEKE_FAMILIES_DEFAULT);
	cr_assert_eq(families("-sync"), KEKE_FAMILIES_DEFAULT & ~bit("sync"));
	cr_assert_eq(families("all,-sync,!net"),
		     KEKE_FAMILIES_ALL & ~bit("sync") & ~bit("net"));
	cr_assert_eq(families("file,-file,proc"), bit("proc"));
	cr_assert_eq(KEKE_FAMILY_BITS, 8);
	cr_assert_eq(families("stdio"), bit("stdio"));
}

Test(families, unknown_family_is_named)
{
	char err[256];
	uint32_t mask = 0xdead;

	cr_assert_eq(keke_parse_families("file,fiel", &mask, err,
					 sizeof(err)), -1);
	cr_assert_eq(mask, 0xdead);
	cr_assert_str_eq(err, "unknown trace family 'fiel' (known: proc, "
			 "file, net, sync, thread, dl, user, stdio, all, none, "
			 "default)");
	cr_assert_eq(keke_parse_families("file,,net", &mask, err,
					 sizeof(err)), -1);
	cr_assert(strstr(err, "empty trace family"), "%s", err);
	cr_assert_eq(keke_parse_families("-", &mask, err, sizeof(err)), -1);
	/* A short buffer still gets a terminated message. */
	cr_assert_eq(keke_parse_families("x", &mask, err, 8), -1);
	cr_assert_str_eq(err, "unknown");
}
