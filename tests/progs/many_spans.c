// SPDX-License-Identifier: MIT
/*
 * `many_spans N`: N empty user spans, in a loop; a cheap way to make a
 * trace of N events (for merges that take a while).
 */
#include <stdlib.h>

#include "keke.h"

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000;

	for (long i = 0; i < n; i++) {
		keke_begin("span", "user");
		keke_end();
	}
	return 0;
}
