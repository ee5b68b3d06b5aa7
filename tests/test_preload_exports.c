// SPDX-License-Identifier: MIT
/*
 * libkeke.so exports exactly the symbols preload/hooks.def lists (an
 * accidental export would interpose on the program), and needs no shared
 * library but libc (every extra one costs every traced process).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

static const char *const listed[] = {
#define KEKE_HOOKED(name, family) #name,
#include "hooks.def"
#undef KEKE_HOOKED
};

#define NLISTED (sizeof(listed) / sizeof(listed[0]))

static bool is_listed(const char *name)
{
	for (size_t i = 0; i < NLISTED; i++)
		if (!strcmp(listed[i], name))
			return true;
	return false;
}

Test(preload, exports_only_what_hooks_def_lists)
{
	char cmd[4096], *out = NULL, *save = NULL;
	size_t found = 0;

	snprintf(cmd, sizeof(cmd),
		 "nm -D --defined-only '%s' | awk '$2 ~ /[TtWwDdBbVvi]/ "
		 "{ print $3 }'", test_preload());
	cr_assert_eq(test_exit_code(test_sh(cmd, &out, NULL)), 0);
	for (char *name = strtok_r(out, "\n", &save); name;
	     name = strtok_r(NULL, "\n", &save)) {
		cr_expect(is_listed(name), "libkeke.so exports %s, which "
			  "hooks.def does not list", name);
		found++;
	}
	cr_assert_eq(found, NLISTED, "libkeke.so exports %zu of the %zu "
		     "symbols hooks.def lists", found, NLISTED);
	free(out);
}

Test(preload, needs_only_libc)
{
	char cmd[4096], *out = NULL;

	snprintf(cmd, sizeof(cmd),
		 "readelf -d '%s' | sed -n 's/.*(NEEDED).*\\[\\(.*\\)\\]/\\1/p'",
		 test_preload());
	cr_assert_eq(test_exit_code(test_sh(cmd, &out, NULL)), 0);
	cr_assert_str_eq(out, "libc.so.6\n");
	free(out);
}
