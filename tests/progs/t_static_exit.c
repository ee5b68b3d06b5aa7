// SPDX-License-Identifier: MIT
/*
 * t_static_exit CODE: linked statically, so ld.so never runs and nothing
 * is preloaded into it: prints a line and exits CODE. keke sees it only
 * from its parent's side (untraced).
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	int code = argc > 1 ? atoi(argv[1]) : 0;

	printf("static program exits %d\n", code);
	return code;
}
