// SPDX-License-Identifier: MIT
/*
 * The trace dir of a `keke run`: made where nobody but the user and root
 * can replace it, held open from its making to its removal, and removed
 * through its fds only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/record.h"
#include "record/trace_dir.h"
#include "trace_dir.h"

/*
 * Opens the directory @parent to make the trace dir in, after checking
 * that nobody but us and root can replace it or anything above it. A
 * symbolic link in @parent (also "link/" and "link/.") is resolved once:
 * the real path is what is checked, walked from / without following any
 * link (one put there since is refused) and handed to the children, so
 * repointing the link later changes nothing. Writes the real path to
 * @real (PATH_MAX). Returns an O_PATH fd, or -1 after printing why.
 */
static int open_trusted_parent(const char *parent, char *real)
{
	const char *why;
	char name[NAME_MAX + 1];
	size_t at = 0, len;	/* real[0, at) is opened, "" standing for / */
	struct stat st;
	int fd, next;

	if (!realpath(parent, real)) {
		fprintf(stderr, "keke: cannot make a trace dir in %s: %s\n",
			parent, strerror(errno));
		return -1;
	}
	fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		goto fail;
	/* real is absolute, without ".", ".." or doubled '/'. */
	for (;;) {
		if (fstat(fd, &st) != 0)
			goto fail;
		why = keke_dir_untrusted(&st, geteuid());
		if (why) {
			fprintf(stderr, "keke: will not make the trace dir "
				"in %s: %.*s %s, so others could swap the "
				"trace dir for their own (use --dir or TMPDIR "
				"to name a directory only you or root can "
				"write to)\n", parent, (int)(at ? at : 1),
				real, why);
			close(fd);
			return -1;
		}
		if (!real[at] || !real[at + 1])
			break;
		len = strcspn(real + at + 1, "/");
		if (len > NAME_MAX) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		memcpy(name, real + at + 1, len);
		name[len] = '\0';
		next = openat(fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW |
			      O_CLOEXEC);
		if (next < 0)
			goto fail;
		close(fd);
		fd = next;
		at += 1 + len;
	}
	return fd;
fail:
	fprintf(stderr, "keke: cannot make a trace dir in %s: %s\n", parent,
		strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * Makes a directory of a name not taken yet, "keke-" and six random
 * letters or digits, mode 0700, in the directory @parent_fd; writes its
 * name to @name (16 bytes). Returns 0, or -1 with errno set.
 */
static int mkdir_random(int parent_fd, char *name)
{
	static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char rnd[6];

	for (int tries = 0; tries < 100; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return -1;
		strcpy(name, "keke-");
		for (int i = 0; i < 6; i++)
			name[5 + i] = chars[rnd[i] % (sizeof(chars) - 1)];
		name[11] = '\0';
		if (mkdirat(parent_fd, name, 0700) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

int keke_trace_dir_make(const char *parent, struct keke_trace_dir *td)
{
	char real[PATH_MAX];
	struct stat st, via;
	bool made = false;

	if (!parent || !*parent)
		parent = getenv("TMPDIR");
	if (!parent || !*parent)
		parent = keke_default_trace_parent();
	td->fd = -1;
	td->parent_fd = open_trusted_parent(parent, real);
	if (td->parent_fd < 0)
		return -1;
	made = mkdir_random(td->parent_fd, td->name) == 0;
	if (!made)
		goto fail;
	td->fd = openat(td->parent_fd, td->name, O_RDONLY | O_DIRECTORY |
			O_NOFOLLOW | O_CLOEXEC);
	if (td->fd < 0 || fstat(td->fd, &st) != 0)
		goto fail;
	/* Absolute: the traced processes may change directory. */
	if (snprintf(td->path, sizeof(td->path), "%s/%s",
		     strcmp(real, "/") ? real : "", td->name) >=
	    (int)sizeof(td->path)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	/* The merge reads the dir through the fd keke holds, so it reads
	 * this one even if its name is taken over; without /proc, by its
	 * path. */
	snprintf(td->fd_path, sizeof(td->fd_path), "/proc/self/fd/%d",
		 td->fd);
	if (stat(td->fd_path, &via) != 0 || via.st_dev != st.st_dev ||
	    via.st_ino != st.st_ino)
		snprintf(td->fd_path, sizeof(td->fd_path), "%s", "");
	return 0;
fail:
	fprintf(stderr, "keke: cannot make a trace dir in %s: %s\n", parent,
		strerror(errno));
	if (td->fd >= 0)
		close(td->fd);
	if (made)
		unlinkat(td->parent_fd, td->name, AT_REMOVEDIR);
	close(td->parent_fd);
	return -1;
}

void keke_trace_dir_close(struct keke_trace_dir *td)
{
	close(td->fd);
	close(td->parent_fd);
	td->fd = td->parent_fd = -1;
}

uint64_t keke_trace_dir_record_bytes(const struct keke_trace_dir *td)
{
	static const size_t suffix_len = sizeof(KEKE_FILE_SUFFIX) - 1;
	uint64_t bytes = 0;
	struct dirent *e;
	struct stat st;
	int copy = dup(td->fd);
	DIR *d = copy >= 0 ? fdopendir(copy) : NULL;

	if (!d) {
		if (copy >= 0)
			close(copy);
		return 0;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len > suffix_len &&
		    !strcmp(e->d_name + len - suffix_len, KEKE_FILE_SUFFIX) &&
		    fstatat(td->fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISREG(st.st_mode))
			bytes += (uint64_t)st.st_size;
	}
	closedir(d);
	return bytes;
}

/*
 * Removes everything in the directory @fd (@path in messages), going at
 * most @depth directories down, never following a symbolic link: names
 * are removed relative to @fd, so whatever has been put at @path since
 * is never touched.
 */
static void empty_dir(int fd, const char *path, int depth)
{
	struct dirent *e;
	int copy = dup(fd);
	DIR *d = copy >= 0 ? fdopendir(copy) : NULL;

	if (!d) {
		fprintf(stderr, "keke: cannot read %s: %s\n", path,
			strerror(errno));
		if (copy >= 0)
			close(copy);
		return;
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		int sub;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (unlinkat(fd, e->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno == EISDIR && depth > 0) {
			sub = openat(fd, e->d_name, O_RDONLY | O_DIRECTORY |
				     O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0) {
				empty_dir(sub, e->d_name, depth - 1);
				close(sub);
				if (unlinkat(fd, e->d_name, AT_REMOVEDIR) == 0)
					continue;
			}
		}
		fprintf(stderr, "keke: cannot remove %s/%s: %s\n", path,
			e->d_name, strerror(errno));
	}
	closedir(d);
}

void keke_trace_dir_remove(struct keke_trace_dir *td)
{
	struct stat held, named;

	empty_dir(td->fd, td->path, 8);
	if (fstat(td->fd, &held) == 0 &&
	    fstatat(td->parent_fd, td->name, &named,
		    AT_SYMLINK_NOFOLLOW) == 0) {
		/* AT_REMOVEDIR removes neither a symbolic link nor a
		 * directory that is not empty, should the name be taken
		 * over in between. */
		if (named.st_dev != held.st_dev ||
		    named.st_ino != held.st_ino)
			fprintf(stderr, "keke: %s was replaced while the "
				"command ran; left as it is\n", td->path);
		else if (unlinkat(td->parent_fd, td->name, AT_REMOVEDIR) != 0)
			fprintf(stderr, "keke: cannot remove %s: %s\n",
				td->path, strerror(errno));
	}
	keke_trace_dir_close(td);
}
