// SPDX-License-Identifier: MIT
/*
 * t_env_rewrite MODE: changes its environment in one of the ways programs
 * do before they exec, then execs itself as "show", which prints the
 * environment it got (but LD_PRELOAD and KEKE_*, which only keke adds)
 * and exits 5:
 *	clearenv	clearenv(), then setenv ONLY=1
 *	environ		environ pointed at an array of its own
 *	empty		execve with an empty envp
 *	unset_preload	unsetenv("LD_PRELOAD")
 *	other_preload	LD_PRELOAD set to a library that does not exist:
 *			ld.so prints its error in the child, the same with
 *			and without keke
 * Under keke every "show" child must still be traced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static int show(void)
{
	printf("show:");
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "LD_PRELOAD=", 11) && strncmp(*e, "KEKE_", 5))
			printf(" [%s]", *e);
	printf("\n");
	return 5;
}

int main(int argc, char **argv)
{
	static char *mine[] = { "MINE=1", "ALSO=2", NULL };
	char *show_argv[] = { argv[0], "show", NULL };
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "show"))
		return show();
	if (!strcmp(mode, "clearenv")) {
		clearenv();
		setenv("ONLY", "1", 1);
	} else if (!strcmp(mode, "environ")) {
		environ = mine;
	} else if (!strcmp(mode, "empty")) {
		execve(argv[0], show_argv, (char *[]){ NULL });
		return 1;
	} else if (!strcmp(mode, "unset_preload")) {
		unsetenv("LD_PRELOAD");
	} else if (!strcmp(mode, "other_preload")) {
		setenv("LD_PRELOAD", "/nonexistent/libt_missing.so", 1);
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	execv(argv[0], show_argv);
	perror("execv");
	return 1;
}
