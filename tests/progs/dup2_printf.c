// SPDX-License-Identifier: MIT
/*
 * Sends its stdout to a file with dup2, then writes through stdio in every
 * way a program does: printf, puts, putchar, fputs, fwrite, fprintf to
 * stdout and a per-character loop, then exits (exit flushes the buffer).
 * The file's size is what keke must record as written to it.
 *
 * Usage: dup2_printf FILE
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2)
		return 2;
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || dup2(fd, 1) != 1 || close(fd) != 0)
		return 1;
	for (int i = 0; i < 500; i++)
		printf("line %d of the printf loop\n", i);
	puts("a line from puts");
	fputs("a line from fputs\n", stdout);
	fwrite("twenty bytes, fwrite", 1, 20, stdout);
	putchar('\n');
	for (int i = 0; i < 10000; i++)
		putchar('a' + i % 26);
	putchar('\n');
	fprintf(stdout, "%s\n", "the end");
	return 0;
}
