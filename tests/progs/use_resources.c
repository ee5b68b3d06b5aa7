// SPDX-License-Identifier: MIT
/*
 * use_resources ITERATIONS MIB [kill]: spends CPU on ITERATIONS rounds of
 * arithmetic, then allocates MIB MiB and touches every page of it, so
 * that its CPU time and peak RSS are known to the tests; with "kill" it
 * then dies by SIGKILL, which leaves only its parent's wait to tell them.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	volatile uint64_t x = 1;
	uint64_t n;
	size_t size;
	char *mem;

	if (argc < 3) {
		fprintf(stderr, "usage: use_resources ITERATIONS MIB [kill]\n");
		return 2;
	}
	n = strtoull(argv[1], NULL, 10);
	for (uint64_t i = 0; i < n; i++)
		x = x * 6364136223846793005u + 1442695040888963407u;
	size = strtoull(argv[2], NULL, 10) << 20;
	if (size) {
		mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (mem == MAP_FAILED)
			return 1;
		for (size_t i = 0; i < size; i += 4096)
			mem[i] = 1;
	}
	if (argc > 3 && !strcmp(argv[3], "kill"))
		raise(SIGKILL);
	return 0;
}
