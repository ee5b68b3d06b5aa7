// SPDX-License-Identifier: MIT
/*
 * Paths made absolute: a relative path a process gave is shown joined to
 * the working directory it had then, so that every path of the outputs
 * names the file itself and the same file is always spelled the same way.
 */
#include "merge/paths.h"

#include <stdbool.h>
#include <string.h>

/* Appends the components of @s (@len bytes) to @buf, which holds @n bytes
 * and starts with '/', leaving out empty and "." ones. Returns the new
 * length. */
static size_t add_components(char *buf, size_t n, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i;

		while (j < len && s[j] != '/')
			j++;
		if (j > i && !(j - i == 1 && s[i] == '.')) {
			if (buf[n - 1] != '/')
				buf[n++] = '/';
			memcpy(buf + n, s + i, j - i);
			n += j - i;
		}
		i = j + 1;
	}
	return n;
}

size_t merge_path_absolute(const char *cwd, size_t cwd_len, const char *path,
			   size_t len, char *buf)
{
	bool relative = len && path[0] != '/';
	size_t n = 1;

	if (!len || len > MERGE_PATH_MAX / 2 - 1)
		return 0;
	if (relative && (!cwd || !cwd_len || cwd[0] != '/' ||
			 cwd_len > MERGE_PATH_MAX / 2 - 1))
		return 0;
	buf[0] = '/';
	if (relative)
		n = add_components(buf, n, cwd, cwd_len);
	n = add_components(buf, n, path, len);
	buf[n] = '\0';
	return n;
}
