// SPDX-License-Identifier: MIT
/*
 * libkeke.so exports exactly the symbols preload/hooks.def lists (an
 * accidental export would interpose on the program), needs no shared
 * library but libc, keeps its thread-locals small (every extra library,
 * and every byte of TLS, which ld.so zeroes in each process image and
 * thread, costs every traced process), and keeps the hooks' code apart from
 * what every process runs (preload/layout.ld).
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* The resident KiB of each executable mapping of libkeke.so in process
 * @pid, in address order, into @rss; returns how many there are. */
static int code_mappings_rss(pid_t pid, long rss[], int max)
{
	char path[64], line[4096];
	bool in_code = false;
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	f = fopen(path, "r");
	cr_assert(f, "cannot read %s", path);
	while (fgets(line, sizeof(line), f)) {
		char perms[8] = "";
		long kib;

		if (sscanf(line, "%*x-%*x %7s", perms) == 1 &&
		    strchr(line, '/')) {
			in_code = !strcmp(perms, "r-xp") &&
				  strstr(line, "/libkeke.so\n");
		} else if (in_code && sscanf(line, "Rss: %ld kB", &kib) == 1) {
			if (n < max)
				rss[n] = kib;
			n++;
			in_code = false;
		}
	}
	fclose(f);
	return n;
}

/* The kernel maps up to 16 pages of a file around each page a process
 * touches first, and a virtual machine charges for each: a traced process
 * that calls nothing keke hooks must not touch the hooks' segment. */
Test(preload, start_up_leaves_the_hooks_code_unmapped)
{
	long rss[4] = { 0 };
	int status, n;
	char *dir;
	pid_t pid;

	if (!KEKE_PRELOAD_OPTIMIZED)
		cr_skip_test("libkeke.so is built without optimization: its "
			     "inline helpers are functions among the hooks");
	dir = test_tmpdir();
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		setenv("KEKE_DIR", dir, 1);
		setenv("LD_PRELOAD", test_preload(), 1);
		execl(test_prog("stops_itself"), "stops_itself", (char *)NULL);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, WUNTRACED), pid);
	cr_assert(WIFSTOPPED(status), "stops_itself did not stop (status %#x)",
		  status);
	n = code_mappings_rss(pid, rss, 4);
	kill(pid, SIGCONT);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_expect_eq(test_exit_code(status), 0);
	cr_assert_eq(n, 2, "libkeke.so has %d executable mappings, not 2 "
		     "(start-up code, then the hooks)", n);
	cr_expect_gt(rss[0], 0, "the start-up code is not mapped");
	cr_expect_eq(rss[1], 0, "%ld KiB of the hooks' code mapped in a "
		     "process that made no hooked call: start-up code outside "
		     "KEKE_ONCE?", rss[1]);
	test_rm_rf(dir);
	free(dir);
}
