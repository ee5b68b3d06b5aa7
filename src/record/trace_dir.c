// SPDX-License-Identifier: MIT
/*
 * Where a trace dir may be, shared by `keke run` and libkeke.so (which
 * makes one in bare mode, and checks the one it is given). System calls
 * are made with syscall(): in libkeke.so, never through its own hooks.
 */
#include "record/trace_dir.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "record/once.h"

#define SHM_DIR "/dev/shm"
#define SHM_MIN_FREE (2ull << 30)

KEKE_ONCE const char *keke_default_trace_parent(void)
{
	struct statfs fs;

	if (syscall(SYS_statfs, SHM_DIR, &fs) == 0 &&
	    fs.f_type == TMPFS_MAGIC &&
	    (unsigned long long)fs.f_bavail * (unsigned long long)fs.f_bsize >=
		    SHM_MIN_FREE &&
	    syscall(SYS_faccessat, AT_FDCWD, SHM_DIR, W_OK | X_OK) == 0)
		return SHM_DIR;
	return "/tmp";
}

KEKE_ONCE bool keke_clean_dir_path(char *path)
{
	size_t len = strlen(path);

	/* "d/", "d/." and "d/./" name d, but a symlink d would be
	 * followed: take them as d. */
	for (;;) {
		if (len > 1 && path[len - 1] == '/')
			len--;
		else if (len > 2 && path[len - 1] == '.' &&
			 path[len - 2] == '/')
			len -= 2;
		else
			break;
	}
	path[len] = '\0';
	if (!len)
		return false;
	for (const char *c = path; *c;) {
		size_t n = strcspn(c, "/");

		if ((n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		c += strspn(c, "/");
	}
	return true;
}

static const char not_dir[] = "is not a directory";
static const char others[] = "belongs to another user";
static const char open_to_others[] =
	"is writable by group or others and not sticky";

KEKE_ONCE const char *keke_dir_untrusted(const struct stat *st, uid_t me)
{
	if (!S_ISDIR(st->st_mode))
		return not_dir;
	if (st->st_uid != 0 && st->st_uid != me)
		return others;
	if ((st->st_mode & (S_IWGRP | S_IWOTH)) && !(st->st_mode & S_ISVTX))
		return open_to_others;
	return NULL;
}

/* keke_dir_untrusted of a directory above a trace dir, as a sentence
 * about that trace dir. */
static KEKE_ONCE const char *above(const char *why)
{
	if (why == not_dir)
		return "a directory above it is not a directory";
	if (why == others)
		return "a directory above it belongs to another user";
	if (why == open_to_others)
		return "a directory above it is writable by group or others "
		       "and not sticky";
	return why;
}

/*
 * Why another user could replace what is at the absolute, clean @path:
 * keke_dir_untrusted of its parent, or of every directory above it when
 * @all, as a sentence about @path. NULL when none is untrusted.
 */
static KEKE_ONCE const char *untrusted_above(const char *path, bool all,
					     uid_t me)
{
	char up[4096];
	size_t len = strlen(path);
	struct stat st;

	if (path[0] != '/' || len >= sizeof(up))
		return "its path is not absolute, or too long";
	memcpy(up, path, len + 1);
	while (strcmp(up, "/") != 0) {
		char *slash = strrchr(up, '/');

		slash[slash == up] = '\0';	/* the parent, "/" kept */
		if (syscall(SYS_newfstatat, AT_FDCWD, up, &st, 0) != 0)
			return strerror(errno);
		const char *why = keke_dir_untrusted(&st, me);
		if (why || !all)
			return above(why);
	}
	return NULL;
}

KEKE_ONCE const char *keke_untrusted_place(const char *path)
{
	uid_t me = (uid_t)syscall(SYS_geteuid);
	struct stat st;

	if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) != 0)
		return strerror(errno);
	const char *why = keke_dir_untrusted(&st, me);

	return why ? above(why) : untrusted_above(path, true, me);
}

KEKE_ONCE const char *keke_untrusted_dir(const char *dir)
{
	uid_t me = (uid_t)syscall(SYS_geteuid);
	struct stat st;

	if (syscall(SYS_newfstatat, AT_FDCWD, dir, &st,
		    AT_SYMLINK_NOFOLLOW) != 0)
		return strerror(errno);
	if (S_ISLNK(st.st_mode))
		return "it is a symbolic link";
	if (!S_ISDIR(st.st_mode))
		return "it is not a directory";
	if (st.st_uid != me)
		return "it belongs to another user";
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		return "it is writable by group or others";
	return untrusted_above(dir, false, me);
}
