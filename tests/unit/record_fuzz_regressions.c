// SPDX-License-Identifier: MIT
/*
 * Every input in tests/fuzz/regressions/ (files that once broke the reader,
 * and hand-made damage) read again: the reader must keep its promises on
 * each (fuzz_read_file aborts when it does not).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "helpers.h"

void fuzz_read_file(const char *path, size_t size);

Test(fuzz, regressions_read_cleanly)
{
	const char *dir = test_path(getenv("KEKE_TESTS_SRC"),
				    "fuzz/regressions");
	char path[4096];
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert(d, "cannot open %s", dir);
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		cr_assert_eq(stat(path, &st), 0);
		fuzz_read_file(path, (size_t)st.st_size);
		n++;
	}
	closedir(d);
	cr_assert_gt(n, 0, "no regression inputs in %s", dir);
}
