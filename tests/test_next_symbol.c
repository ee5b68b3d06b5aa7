// SPDX-License-Identifier: MIT
/*
 * The lookup libkeke.so resolves its hooks with (src/next_symbol.h), run
 * here from the test program itself, after which come the libraries it
 * links (criterion, sqlite, libdw, a sanitizer's runtime in such a build,
 * libc): for every name hooks.def lists and a few more, it gives what
 * dlsym(RTLD_NEXT) gives, or NULL, which sends libkeke.so to dlsym.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <sqlite3.h>
#include <string.h>

#include "next_symbol.h"

static const char *const hooked[] = {
#define KEKE_HOOKED(name, family) #name,
#include "hooks.def"
#undef KEKE_HOOKED
};

#define NHOOKED (sizeof(hooked) / sizeof(hooked[0]))

static struct keke_next_symbols after_program(void)
{
	struct keke_next_symbols ns;

	keke_next_symbols_init(&ns, _r_debug.r_map);
	return ns;
}

Test(next_symbol, finds_what_dlsym_finds_for_every_hook)
{
	struct keke_next_symbols ns = after_program();
	size_t found = 0, in_libc = 0;

	cr_assert(!ns.unsure, "the program's libraries could not be read");
	cr_assert_geq(ns.n, 2, "only %u objects after the program", ns.n);
	for (size_t i = 0; i < NHOOKED; i++) {
		void *fast = keke_next_symbol(&ns, hooked[i]);
		void *slow = dlsym(RTLD_NEXT, hooked[i]);

		if (!fast)
			continue;
		found++;
		cr_expect_eq(fast, slow, "%s: %p, dlsym says %p", hooked[i],
			     fast, slow);
		in_libc += slow != NULL;
	}
	/* All but keke's own annotation calls, which only libkeke.so has. */
	cr_assert_geq(found, NHOOKED - 12, "found %zu of %zu hooks", found,
		      NHOOKED);
	cr_assert_eq(in_libc, found);
}

Test(next_symbol, takes_the_default_version)
{
	struct keke_next_symbols ns = after_program();

	/* Each has an old version beside its default one in glibc. */
	static const char *const names[] = { "pthread_cond_wait", "realpath",
					     "pthread_create", "dlopen" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		void *fast = keke_next_symbol(&ns, names[i]);

		cr_assert(fast, "%s not found", names[i]);
		cr_expect_eq(fast, dlsym(RTLD_NEXT, names[i]), "%s",
			     names[i]);
	}
}

Test(next_symbol, finds_names_of_other_libraries_and_not_missing_ones)
{
	struct keke_next_symbols ns = after_program();

	cr_assert_eq(keke_next_symbol(&ns, "sqlite3_libversion"),
		     (void *)sqlite3_libversion);
	cr_assert_null(keke_next_symbol(&ns, "keke_no_such_function"));
	/* An IFUNC, whose resolver only dlsym runs: no answer, or (with a
	 * sanitizer's plain interceptor first) dlsym's. */
	void *fast = keke_next_symbol(&ns, "strlen");

	cr_assert(!fast || fast == dlsym(RTLD_NEXT, "strlen"));
}

Test(next_symbol, an_unknown_caller_leaves_everything_to_dlsym)
{
	struct keke_next_symbols ns;

	keke_next_symbols_init(&ns, NULL);
	cr_assert(ns.unsure);
	cr_assert_null(keke_next_symbol(&ns, "read"));
}
