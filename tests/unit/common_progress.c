// SPDX-License-Identifier: MIT
/*
 * The progress line (common/progress.h): hidden in the first second and
 * when not enabled; then the share done, the counts, the rate and the
 * time left; cleared at the end.
 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/progress.h"

/* What @fn wrote on stderr, caught in a file. */
static char *stderr_of(void (*fn)(struct keke_progress *),
		       struct keke_progress *p)
{
	char *dir = test_tmpdir(), *text;
	const char *path = test_path(dir, "stderr");
	int saved = dup(2);
	FILE *f = fopen(path, "w");

	cr_assert(f && saved >= 0);
	fflush(stderr);
	cr_assert_eq(dup2(fileno(f), 2), 2);
	fn(p);
	fflush(stderr);
	cr_assert_eq(dup2(saved, 2), 2);
	close(saved);
	fclose(f);
	text = test_read_file(path, NULL);
	cr_assert(text);
	test_rm_rf(dir);
	free(dir);
	return text;
}

static void halfway(struct keke_progress *p)
{
	keke_progress_update(p, "reading slices", 4200000, 10000000);
}

static void update_and_clear(struct keke_progress *p)
{
	halfway(p);
	keke_progress_clear(p);
}

Test(progress, counts_rate_and_time_left_after_a_second)
{
	struct keke_progress p;
	char *text;

	keke_progress_start(&p, "keke report", true);
	text = stderr_of(halfway, &p);
	cr_assert_str_empty(text, "shown at once");
	free(text);
	p.t0 -= 2.0;		/* as if started two seconds ago */
	text = stderr_of(update_and_clear, &p);
	/* The rate: 4.2M in a little more than 2 s. */
	cr_assert(strstr(text, "\rkeke report: reading slices  42% (4.2M of "
			 "10.0M, 2.") && strstr(text, "M/s, about 3 s left)"),
		  "%s", text);
	cr_assert(strstr(text, "\r\033[K"), "not cleared: %s", text);
	free(text);
}

Test(progress, nothing_when_not_enabled)
{
	struct keke_progress p;
	char *text;

	keke_progress_start(&p, "keke report", false);
	p.t0 -= 2.0;
	text = stderr_of(update_and_clear, &p);
	cr_assert_str_empty(text);
	free(text);
}
