// SPDX-License-Identifier: MIT
/*
 * file_ops DIR: what a build step does to files, with plain system calls
 * (no stdio): looks for DIR/missing.h three ways (stat, access, open: all
 * ENOENT); reads DIR/in whole (4096 bytes at a time); writes 30000 bytes
 * to DIR/out.tmp, made with O_CREAT|O_EXCL, and renames it to DIR/out;
 * makes DIR/sub and removes it; makes DIR/gone and unlinks it; looks for
 * DIR/later (ENOENT) and then makes it with a plain O_CREAT open. Exits 0
 * when every call did what it should, 1 otherwise, and prints nothing.
 *
 * file_ops --close-all: closes every fd, stdin, stdout and stderr too,
 * and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path[PATH_MAX];

/* DIR/@name in path. */
static const char *in_dir(const char *dir, const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

/* Whether DIR/missing.h is missing, looked for three ways. */
static int probe_missing(const char *dir)
{
	struct stat st;

	return stat(in_dir(dir, "missing.h"), &st) < 0 && errno == ENOENT &&
	       access(path, R_OK) < 0 && errno == ENOENT &&
	       open(path, O_RDONLY) < 0 && errno == ENOENT;
}

/* Reads DIR/in to its end. */
static int read_input(const char *dir)
{
	char buf[4096];
	int fd = open(in_dir(dir, "in"), O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		;
	return close(fd) == 0 && n == 0;
}

/* Writes DIR/out.tmp and renames it to DIR/out. */
static int write_output(const char *dir)
{
	static char buf[30000];
	char to[PATH_MAX];
	int fd = open(in_dir(dir, "out.tmp"), O_WRONLY | O_CREAT | O_EXCL,
		      0644);

	memset(buf, 'x', sizeof(buf));
	if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) ||
	    close(fd) != 0)
		return 0;
	snprintf(to, sizeof(to), "%s/out", dir);
	return rename(in_dir(dir, "out.tmp"), to) == 0;
}

/* Makes and removes DIR/sub and DIR/gone; finds DIR/later missing and
 * makes it. */
static int make_and_remove(const char *dir)
{
	struct stat st;
	int fd;

	if (mkdir(in_dir(dir, "sub"), 0755) != 0 || rmdir(path) != 0)
		return 0;
	fd = open(in_dir(dir, "gone"), O_WRONLY | O_CREAT | O_EXCL, 0644);
	if (fd < 0 || close(fd) != 0 || unlink(path) != 0)
		return 0;
	if (stat(in_dir(dir, "later"), &st) == 0 || errno != ENOENT)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT, 0644);
	return fd >= 0 && close(fd) == 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--close-all")) {
		for (int fd = 0; fd < 1024; fd++)
			close(fd);
		return 0;
	}
	if (argc != 2)
		return 2;
	return probe_missing(argv[1]) && read_input(argv[1]) &&
	       write_output(argv[1]) && make_and_remove(argv[1]) ? 0 : 1;
}
