// SPDX-License-Identifier: MIT
/*
 * The lookup libkeke.so resolves its hooks with (preload/runtime/next_symbol.h), run
 * here from the test program itself, after which come the libraries it
 * links (two of its own, next_sym_a and next_sym_b, then criterion,
 * sqlite, libdw, a sanitizer's runtime in such a build, libc): for every
 * name hooks.def lists and a few more, it gives what dlsym(RTLD_NEXT)
 * gives, or NULL, which sends libkeke.so to dlsym.
 */
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/next_symbol.h"

static const char *const hooked[] = {
#define KEKE_HOOKED(name, family) #name,
#include "hooks.def"
#undef KEKE_HOOKED
};

#define NHOOKED (sizeof(hooked) / sizeof(hooked[0]))

/* In next_sym_a and next_sym_b. */
int next_dup(void);
int next_ver(void);
int next_b_only(void);

typedef int int_fn(void);

static struct keke_next_symbols after_program(void)
{
	struct keke_next_symbols ns;

	keke_next_symbols_init(&ns, (const void *)after_program);
	return ns;
}

Test(next_symbol, finds_what_dlsym_finds_for_every_hook)
{
	struct keke_next_symbols ns = after_program();
	size_t found = 0, in_libc = 0;

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

/* Each of @names (NULL-terminated) is found, at dlsym's address. */
static void found_as_dlsym_finds(const char *const *names)
{
	struct keke_next_symbols ns = after_program();

	for (; *names; names++) {
		void *fast = keke_next_symbol(&ns, *names);

		cr_assert(fast, "%s not found", *names);
		cr_expect_eq(fast, dlsym(RTLD_NEXT, *names), "%s", *names);
	}
}

Test(next_symbol, takes_the_default_version)
{
	/* Each has an old version beside its default one in glibc. */
	found_as_dlsym_finds((const char *const[]){ "pthread_cond_wait",
		"pthread_cond_timedwait", "realpath", "pthread_create",
		"dlopen", NULL });
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

Test(next_symbol, takes_the_first_definition_and_the_default_version)
{
	struct keke_next_symbols ns = after_program();
	int_fn *dup = (int_fn *)keke_next_symbol(&ns, "next_dup");
	int_fn *ver = (int_fn *)keke_next_symbol(&ns, "next_ver");

	/* Calls from the program bind the same way (and keep both
	 * libraries loaded). */
	cr_assert_eq(next_dup(), 1);
	cr_assert_eq(next_ver(), 2);
	cr_assert_eq(next_b_only(), 3);
	cr_assert(dup && ver);
	cr_assert_eq(dup(), 1, "took next_sym_b's next_dup, not next_sym_a's");
	cr_assert_eq(ver(), 2, "took next_ver's hidden version, not its default");
	cr_assert_eq((void *)dup, dlsym(RTLD_NEXT, "next_dup"));
	cr_assert_eq((void *)ver, dlsym(RTLD_NEXT, "next_ver"));
}

Test(next_symbol, skips_the_vdso)
{
	/* The vDSO defines these too, but dlsym does not look there. */
	found_as_dlsym_finds((const char *const[]){ "clock_gettime", "getcpu",
		NULL });
}

/* The caller's object is named as dladdr names it (libkeke.so takes its
 * own path so), and the walk goes on after it. */
Test(next_symbol, names_the_caller_s_object)
{
	struct keke_next_symbols ns;
	Dl_info info;

	keke_next_symbols_init(&ns, (const void *)next_b_only);
	cr_assert(dladdr((const void *)next_b_only, &info) && info.dli_fname);
	cr_assert_not_null(ns.caller_name);
	cr_assert_str_eq(ns.caller_name, info.dli_fname);
	cr_assert(strstr(ns.caller_name, "next_sym_b"), "%s", ns.caller_name);
	cr_assert_null(keke_next_symbol(&ns, "next_b_only"));
	cr_assert_eq(keke_next_symbol(&ns, "sqlite3_open"),
		     (void *)sqlite3_open);
}

Test(next_symbol, an_audited_program_leaves_everything_to_dlsym)
{
	struct keke_next_symbols ns;

	setenv("LD_AUDIT", "", 1);
	keke_next_symbols_init(&ns, (const void *)after_program);
	unsetenv("LD_AUDIT");
	cr_assert_eq(ns.n, 0);
	cr_assert_null(ns.caller_name);
	cr_assert_null(keke_next_symbol(&ns, "read"));
}
