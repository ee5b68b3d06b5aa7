// SPDX-License-Identifier: MIT
/*
 * The JSON of real runs loads without a warning in two viewers nobody on
 * this project wrote: Chrome DevTools' trace engine and speedscope (see
 * ../shared/viewers). Skipped, saying why, where they cannot run (no
 * ../shared/viewers beside the tree, no node).
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

TEST_SCRATCH_DIR

TestSuite(viewers, .init = setup, .fini = teardown, .timeout = 600);

static const char *checker(void)
{
	static char path[4096];

	snprintf(path, sizeof(path), "%s/../../shared/viewers/check",
		 getenv("KEKE_TESTS_SRC"));
	if (access(path, R_OK) != 0)
		cr_skip_test("no viewers to check with (%s)", path);
	if (system("command -v node >/dev/null && command -v npm >/dev/null"))
		cr_skip_test("node and npm are needed to run the viewers");
	return path;
}

/* Traces @cmd and opens its JSON in the viewers: no error, no warning. */
static void loads_cleanly(const char *cmd)
{
	const char *check = checker();
	char sh[16384], *o = NULL;
	int code;

	snprintf(sh, sizeof(sh), "cd '%s' && '%s' run -q --stacks=file -o "
		 "t.json --db t.db -- %s >/dev/null 2>&1 && sh '%s' t.json "
		 "2>&1", out, test_keke_bin(), cmd, check);
	code = test_exit_code(test_sh(sh, &o, NULL));
	cr_assert_eq(code, 0, "the viewers rejected the trace:\n%s", o);
	cr_assert(!strstr(o, "WARN"), "a viewer warned:\n%s", o);
	cr_assert(strstr(o, "flows="), "no DevTools summary:\n%s", o);
	free(o);
}

Test(viewers, make_j2)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd),
		 "sh -c \"mkdir proj && sh '%s/demo/gen.sh' 4 proj >/dev/null "
		 "&& make -s -C proj -j2\"", getenv("KEKE_TESTS_SRC"));
	loads_cleanly(cmd);
}

Test(viewers, annotations_threads_and_children)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "'%s'", test_prog("annotate"));
	loads_cleanly(cmd);
}
