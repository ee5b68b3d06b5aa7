// SPDX-License-Identifier: MIT
/*
 * Finds libkeke.so for `keke run`: from $KEKE_PRELOAD, next to the keke
 * executable in a build tree, or in the library directories of the prefix
 * keke is installed in.
 */
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "find_preload.h"

#define PRELOAD_NAME "libkeke.so"
#define MAX_CANDIDATES 6

/* Appends to the NUL-terminated @buf of @size bytes, truncating. */
__attribute__((format(printf, 3, 4)))
static void append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* Adds a candidate path to @cand unless it does not fit in PATH_MAX. */
__attribute__((format(printf, 3, 4)))
static void add_candidate(char cand[][PATH_MAX], int *n, const char *fmt,
			  ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(cand[*n], PATH_MAX, fmt, ap);
	va_end(ap);
	if (len >= 0 && len < PATH_MAX)
		(*n)++;
}

/* dl_iterate_phdr callback: copies the directory of the loaded libc. */
static int libc_dir_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *name = info->dlpi_name;
	const char *slash = name ? strrchr(name, '/') : NULL;
	char *dir = data;

	if (!slash || strncmp(slash + 1, "libc.so", 7) != 0)
		return 0;
	if ((size_t)(slash - name) >= PATH_MAX)
		return 0;
	memcpy(dir, name, (size_t)(slash - name));
	dir[slash - name] = '\0';
	return 1;
}

/*
 * The Debian multiarch tuple ("x86_64-linux-gnu"), taken from the
 * directory the running libc was loaded from. Writes it to @tuple (NAME_MAX
 * + 1 bytes) and returns true, or false when libc's directory carries none.
 */
static bool multiarch_tuple(char *tuple)
{
	char dir[PATH_MAX];
	const char *base;

	dir[0] = '\0';
	if (!dl_iterate_phdr(libc_dir_cb, dir) || !dir[0])
		return false;
	base = strrchr(dir, '/');
	base = base ? base + 1 : dir;
	if (!strstr(base, "-linux-") || strlen(base) > NAME_MAX)
		return false;
	strcpy(tuple, base);
	return true;
}

/*
 * The prefix keke runs from: /proc/self/exe without its last two
 * components (/usr/bin/keke -> /usr, build/tools/keke -> build). Writes it
 * to @prefix (PATH_MAX bytes); returns 0, or -1 when it cannot be read.
 */
static int exe_prefix(char *prefix)
{
	ssize_t n = readlink("/proc/self/exe", prefix, PATH_MAX - 1);
	char *slash;

	if (n <= 0)
		return -1;
	prefix[n] = '\0';
	for (int i = 0; i < 2; i++) {
		slash = strrchr(prefix, '/');
		if (!slash)
			return -1;
		*slash = '\0';
	}
	return 0;
}

/* A regular file (following symlinks) that can be read. */
static bool is_readable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, R_OK) == 0;
}

/*
 * Copies the absolute form of @found into @path, refusing what LD_PRELOAD
 * cannot carry: ld.so splits its value at spaces and colons.
 */
static int accept_path(const char *found, char *path, size_t size,
		       char *err)
{
	char real[PATH_MAX];

	if (!realpath(found, real)) {
		snprintf(err, KEKE_FIND_PRELOAD_ERROR_MAX, "%s: %s", found,
			 strerror(errno));
		return -1;
	}
	if (strpbrk(real, " :\t")) {
		snprintf(err, KEKE_FIND_PRELOAD_ERROR_MAX,
			 "%s: LD_PRELOAD cannot hold a path with a space or "
			 "a colon; set KEKE_PRELOAD to a copy elsewhere",
			 real);
		return -1;
	}
	if (strlen(real) >= size) {
		snprintf(err, KEKE_FIND_PRELOAD_ERROR_MAX,
			 "%s: path too long", real);
		return -1;
	}
	strcpy(path, real);
	return 0;
}

int keke_find_preload(char *path, size_t size, char *err)
{
	char cand[MAX_CANDIDATES][PATH_MAX];
	char prefix[PATH_MAX], tuple[NAME_MAX + 1];
	const char *env = getenv("KEKE_PRELOAD");
	int n = 0;

	if (env && *env) {
		if (!is_readable_file(env)) {
			snprintf(err, KEKE_FIND_PRELOAD_ERROR_MAX,
				 "KEKE_PRELOAD=%s: %s", env,
				 access(env, F_OK) ? strerror(errno) :
				 "not a readable file");
			return -1;
		}
		return accept_path(env, path, size, err);
	}

	if (exe_prefix(prefix) != 0) {
		snprintf(err, KEKE_FIND_PRELOAD_ERROR_MAX,
			 "cannot find " PRELOAD_NAME " (cannot read "
			 "/proc/self/exe: %s); set KEKE_PRELOAD",
			 strerror(errno));
		return -1;
	}
	add_candidate(cand, &n, "%s/preload/" PRELOAD_NAME, prefix);
	if (multiarch_tuple(tuple))
		add_candidate(cand, &n, "%s/lib/%s/" PRELOAD_NAME, prefix,
			      tuple);
	add_candidate(cand, &n, "%s/lib/" PRELOAD_NAME, prefix);
	add_candidate(cand, &n, "%s/lib64/" PRELOAD_NAME, prefix);

	for (int i = 0; i < n; i++)
		if (is_readable_file(cand[i]))
			return accept_path(cand[i], path, size, err);

	snprintf(err, KEKE_FIND_PRELOAD_ERROR_MAX,
		 "cannot find " PRELOAD_NAME " (looked in:");
	for (int i = 0; i < n; i++)
		append(err, KEKE_FIND_PRELOAD_ERROR_MAX, "%s %s",
		       i ? "," : "", cand[i]);
	append(err, KEKE_FIND_PRELOAD_ERROR_MAX, "); set KEKE_PRELOAD");
	return -1;
}
