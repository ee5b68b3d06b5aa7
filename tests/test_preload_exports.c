// SPDX-License-Identifier: MIT
/*
 * libkeke.so exports exactly the symbols preload/hooks.def lists (an
 * accidental export would interpose on the program), needs no shared
 * library but libc, and keeps its thread-locals small (every extra library,
 * and every byte of TLS, which ld.so zeroes in each process image and
 * thread, costs every traced process).
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

/* Runs `@tool libkeke.so | @filter` and returns what it printed (to be
 * freed). */
static char *run_on_preload(const char *tool, const char *filter)
{
	char cmd[4096], *out = NULL;

	snprintf(cmd, sizeof(cmd), "%s '%s' | %s", tool, test_preload(),
		 filter);
	cr_assert_eq(test_exit_code(test_sh(cmd, &out, NULL)), 0);
	return out;
}

Test(preload, exports_only_what_hooks_def_lists)
{
	char *out = run_on_preload("nm -D --defined-only",
				   "awk '$2 ~ /[TtWwDdBbVvi]/ { print $3 }'");
	char *save = NULL;
	size_t found = 0;

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
	char *out = run_on_preload(
		"readelf -d", "sed -n 's/.*(NEEDED).*\\[\\(.*\\)\\]/\\1/p'");

	cr_assert_str_eq(out, "libc.so.6\n");
	free(out);
}

Test(preload, thread_locals_stay_small)
{
	/* The TLS program header's MemSiz, the block ld.so zeroes. */
	char *out = run_on_preload("readelf -lW",
				   "awk '$1 == \"TLS\" { print $6 }'");

	cr_assert(out && *out, "libkeke.so has no TLS segment");
	unsigned long size = strtoul(out, NULL, 16);

	cr_expect_leq(size, 512, "libkeke.so has %lu bytes of TLS; each "
		      "image and thread zeroes them at start", size);
	free(out);
}
