// SPDX-License-Identifier: MIT
/*
 * Output files: replaced atomically when regular, written in place when a
 * device or FIFO, followed when a symlink (output.h).
 */
#include "common/output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Symlinks followed at most, as the kernel does (MAXSYMLINKS). */
#define MAX_LINKS 40

#define TMP_SUFFIX ".tmp-XXXXXX"

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
	return -1;
}

/* What a file of mode @m is, for a message: "a FIFO". */
static const char *what_is(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	return "not a regular file";
}

/* The target of symlink @path (malloc'd), or NULL with errno set. */
static char *read_link(const char *path)
{
	size_t cap = PATH_MAX;

	for (;;) {
		char *buf = malloc(cap);
		ssize_t n;

		if (!buf)
			return NULL;
		n = readlink(path, buf, cap);
		if (n < 0) {
			free(buf);
			return NULL;
		}
		if ((size_t)n < cap) {
			buf[n] = '\0';
			return buf;
		}
		free(buf);
		cap *= 2;
	}
}

/* Where the symlink @link pointing to @target leads, as a path (malloc'd):
 * a relative target is taken from the link's own directory. */
static char *link_dest(const char *link, const char *target)
{
	const char *slash = strrchr(link, '/');
	size_t n = slash ? (size_t)(slash - link) + 1 : 0;
	char *dest;

	if (target[0] == '/' || !n)
		return strdup(target);
	dest = malloc(n + strlen(target) + 1);
	if (dest) {
		memcpy(dest, link, n);
		strcpy(dest + n, target);
	}
	return dest;
}

/*
 * Finds what an output named @path writes: *@file (malloc'd), which is
 * @path itself when it is a device or FIFO to write in place
 * (*@in_place), else the regular file, existing or not, that @path leads
 * to through symlinks. Returns 0, or -1 with @err set.
 */
/*
 * What @path is now, if anything: a directory or socket is refused; any
 * other node but a regular file (a device, a FIFO, /proc/self/fd/N) is
 * written in place when @flags allow, *@file being a copy of @path.
 * Returns 1 then, 0 when @path is a regular file or none, or -1 (@err
 * set).
 */
static int check_node(const char *path, unsigned flags, char **file,
		      char *err, size_t size)
{
	struct stat st;

	/* Through every symlink, even /proc/self/fd/N, which names a pipe
	 * or socket by no path: such a node is opened by @path. */
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return fail(err, size, "%s: %s", path,
				    strerror(errno));
		return 0;
	}
	if (S_ISDIR(st.st_mode) || S_ISSOCK(st.st_mode))
		return fail(err, size, "%s: is %s", path, what_is(st.st_mode));
	if (S_ISREG(st.st_mode))
		return 0;
	if (flags & KEKE_OUTPUT_REGULAR)
		return fail(err, size, "%s: is %s, and this output can only "
			    "be a regular file", path, what_is(st.st_mode));
	*file = strdup(path);
	if (!*file)
		return fail(err, size, "%s: out of memory", path);
	return 1;
}

/*
 * The file the symlinks from @path lead to (@path itself when it is no
 * symlink): the one replaced or, from a dangling symlink, created.
 * Returns it (malloc'd), or NULL (@err set).
 */
static char *follow_links(const char *path, char *err, size_t size)
{
	struct stat st;
	char *cur = strdup(path);

	for (int links = 0; cur; links++) {
		char *target, *next;

		if (lstat(cur, &st) != 0) {
			if (errno == ENOENT)
				return cur;
			fail(err, size, "%s: %s: %s", path, cur,
			     strerror(errno));
			goto fail;
		}
		if (!S_ISLNK(st.st_mode)) {
			if (S_ISREG(st.st_mode))
				return cur;
			/* Changed since resolve's first look. */
			fail(err, size, "%s: %s is %s", path, cur,
			     what_is(st.st_mode));
			goto fail;
		}
		if (links == MAX_LINKS) {
			fail(err, size, "%s: %s", path, strerror(ELOOP));
			goto fail;
		}
		target = read_link(cur);
		if (!target) {
			fail(err, size, "%s: %s: %s", path, cur,
			     strerror(errno));
			goto fail;
		}
		next = link_dest(cur, target);
		free(target);
		free(cur);
		cur = next;
	}
	fail(err, size, "%s: out of memory", path);
fail:
	free(cur);
	return NULL;
}

static int resolve(const char *path, unsigned flags, char **file,
		   bool *in_place, char *err, size_t size)
{
	int node;

	*file = NULL;
	*in_place = false;
	if (!*path)
		return fail(err, size, "\"\": empty file name");
	node = check_node(path, flags, file, err, size);
	if (node < 0)
		return -1;
	if (node > 0) {
		*in_place = true;
		return 0;
	}
	*file = follow_links(path, err, size);
	return *file ? 0 : -1;
}

/* The directory part of @file into @dir (PATH_MAX bytes): "." when it has
 * none. */
static void dir_of(const char *file, char *dir)
{
	const char *slash = strrchr(file, '/');
	size_t len;

	if (!slash) {
		strcpy(dir, ".");
		return;
	}
	len = slash == file ? 1 : (size_t)(slash - file);
	if (len >= PATH_MAX)
		len = PATH_MAX - 1;
	memcpy(dir, file, len);
	dir[len] = '\0';
}

int keke_output_check(const char *path, unsigned flags, char *err,
		      size_t size)
{
	char dir[PATH_MAX], *file;
	struct stat st;
	bool in_place;
	int ret = -1;

	if (resolve(path, flags, &file, &in_place, err, size) < 0)
		return -1;
	if (in_place) {
		if (access(file, W_OK) != 0)
			fail(err, size, "%s: %s", path, strerror(errno));
		else
			ret = 0;
		goto out;
	}
	dir_of(file, dir);
	if (stat(dir, &st) != 0)
		fail(err, size, "%s: directory %s: %s", path, dir,
		     strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		fail(err, size, "%s: %s is not a directory", path, dir);
	else if (access(dir, W_OK | X_OK) != 0)
		fail(err, size, "%s: cannot write in %s: %s", path, dir,
		     strerror(errno));
	else
		ret = 0;
out:
	free(file);
	return ret;
}

/* Frees what @o holds (its fd closed and its temporary dealt with). */
static void release(struct keke_output *o)
{
	free(o->path);
	free(o->file);
	free(o->tmp);
	o->path = o->file = o->tmp = NULL;
}

int keke_output_open(struct keke_output *o, const char *path, unsigned flags,
		     char *err, size_t size)
{
	bool in_place;
	size_t n;
	mode_t mask;

	o->fd = -1;
	o->tmp = NULL;
	o->path = strdup(path);
	if (!o->path)
		return fail(err, size, "%s: out of memory", path);
	if (resolve(path, flags, &o->file, &in_place, err, size) < 0)
		goto fail;
	if (in_place) {
		/* Blocks until a FIFO has a reader, as `cmd > fifo` does. */
		o->fd = open(o->file, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (o->fd < 0) {
			fail(err, size, "cannot open %s: %s", path,
			     strerror(errno));
			goto fail;
		}
		return 0;
	}
	n = strlen(o->file);
	o->tmp = malloc(n + sizeof(TMP_SUFFIX));
	if (!o->tmp) {
		fail(err, size, "%s: out of memory", path);
		goto fail;
	}
	memcpy(o->tmp, o->file, n);
	memcpy(o->tmp + n, TMP_SUFFIX, sizeof(TMP_SUFFIX));
	o->fd = mkostemp(o->tmp, O_CLOEXEC);
	if (o->fd < 0) {
		fail(err, size, "cannot create %s: %s", o->tmp,
		     strerror(errno));
		goto fail;
	}
	/* mkstemp makes it 0600: give it the mode any new file gets.
	 * Reading the umask means setting it: put it back at once. */
	mask = umask(0);
	umask(mask);
	if (fchmod(o->fd, 0666 & ~mask) < 0) {
		fail(err, size, "cannot create %s: %s", o->tmp,
		     strerror(errno));
		close(o->fd);
		o->fd = -1;
		unlink(o->tmp);
		goto fail;
	}
	return 0;
fail:
	release(o);
	return -1;
}

int keke_output_close(struct keke_output *o, char *err, size_t size)
{
	int ret = 0;

	if (o->fd >= 0 && close(o->fd) < 0)
		ret = fail(err, size, "cannot write %s: %s", o->path,
			   strerror(errno));
	o->fd = -1;
	if (o->tmp && !ret && rename(o->tmp, o->file) < 0)
		ret = fail(err, size, "cannot rename %s to %s: %s", o->tmp,
			   o->file, strerror(errno));
	if (o->tmp && ret)
		unlink(o->tmp);
	release(o);
	return ret;
}

void keke_output_discard(struct keke_output *o)
{
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
	if (o->tmp)
		unlink(o->tmp);
	release(o);
}
