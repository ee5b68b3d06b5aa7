// SPDX-License-Identifier: MIT
/*
 * Makes a temporary file with mkstemp in the directory it is given,
 * writes to it, reads it back through the same fd, and removes it: glibc
 * opens the file itself, so only a hook on mkstemp tells which path the
 * fd is. Prints the path it made.
 *
 * Usage: mkstemp_user DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char path[4096], buf[8192];
	int fd;

	if (argc != 2 ||
	    snprintf(path, sizeof(path), "%s/keke-XXXXXX", argv[1]) >=
		    (int)sizeof(path))
		return 2;
	fd = mkstemp(path);
	if (fd < 0)
		return 1;
	memset(buf, 'x', sizeof(buf));
	if (write(fd, buf, 5000) != 5000 || lseek(fd, 0, SEEK_SET) != 0 ||
	    read(fd, buf, sizeof(buf)) != 5000 || close(fd) != 0 ||
	    unlink(path) != 0)
		return 1;
	printf("%s\n", path);
	return 0;
}
