// SPDX-License-Identifier: MIT
/*
 * W2, file metadata calls: `w_files N DIR` creates N files in DIR one after
 * the other, writing 100 bytes into each, stat'ing it, then unlinking it.
 * Exits 1 at the first call that fails.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* One file's life: create, write, close, stat, unlink. Returns 0 or -1. */
static int one_file(const char *path)
{
	static const char data[100] = "keke bench data";
	struct stat st;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return -1;
	if (write(fd, data, sizeof(data)) != (ssize_t)sizeof(data)) {
		close(fd);
		return -1;
	}
	if (close(fd) != 0 || stat(path, &st) != 0 ||
	    st.st_size != (off_t)sizeof(data))
		return -1;
	return unlink(path);
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 10000;
	const char *dir = argc > 2 ? argv[2] : ".";
	char path[4096];

	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%ld", dir, i);
		if (one_file(path) != 0) {
			perror(path);
			return 1;
		}
	}
	return 0;
}
