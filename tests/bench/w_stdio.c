// SPDX-License-Identifier: MIT
/*
 * W6, bytes through stdio:
 *	w_stdio putc N FILE	N putc of a byte to FILE (/dev/null)
 *	w_stdio getc FILE	getc to the end of FILE
 *	w_stdio fprintf N FILE	N fprintf of 40 bytes to FILE
 * putc and getc are calls here (not the inline macros of -O2): each one
 * goes through keke's hook. Exits 1 when a call fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static FILE *open_or_die(const char *path, const char *mode)
{
	FILE *f = fopen(path, mode);

	if (!f) {
		perror(path);
		exit(1);
	}
	return f;
}

int main(int argc, char **argv)
{
	FILE *f;
	long n, sum = 0;
	int c;

	if (argc == 4 && !strcmp(argv[1], "putc")) {
		n = atol(argv[2]);
		f = open_or_die(argv[3], "w");
		for (long i = 0; i < n; i++)
			if (putc('a' + (int)(i & 15), f) == EOF)
				return 1;
	} else if (argc == 3 && !strcmp(argv[1], "getc")) {
		f = open_or_die(argv[2], "r");
		while ((c = getc(f)) != EOF)
			sum += c;
		if (ferror(f))
			return 1;
	} else if (argc == 4 && !strcmp(argv[1], "fprintf")) {
		n = atol(argv[2]);
		f = open_or_die(argv[3], "w");
		for (long i = 0; i < n; i++)
			if (fprintf(f, "line %10ld of forty bytes, or so..\n",
				    i) != 40)
				return 1;
	} else {
		fprintf(stderr, "usage: w_stdio putc N FILE | getc FILE | "
			"fprintf N FILE\n");
		return 2;
	}
	if (fclose(f))
		return 1;
	return sum == 42;	/* keeps the sum */
}
