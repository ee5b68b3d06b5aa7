// SPDX-License-Identifier: MIT
/*
 * The paths the file families record (at_path.h): a path relative to a
 * directory fd, or for chdir to the working directory, joined to the path
 * the kernel gives that directory.
 */
#include "at_path.h"

#include <sys/syscall.h>

#include "hook.h"
#include "runtime/text.h"

/* What readlink gives for a directory that was removed: no path. */
static const char deleted[] = " (deleted)";

/*
 * Joins @path (@len bytes) to the path the kernel names the symbolic link
 * @link by (/proc/self/fd/<dirfd>, /proc/self/cwd) into @buf (@size
 * bytes): one readlink, no lock, no allocation. Returns the length, or 0
 * when the directory has no path (removed, or not a directory at all) or
 * the result does not fit.
 */
static size_t join_link(const char *link, const char *path, size_t len,
			char *buf, size_t size)
{
	size_t tail = sizeof(deleted) - 1;
	long n = syscall(SYS_readlinkat, AT_FDCWD, link, buf, size);

	if (n <= 0 || buf[0] != '/' || (size_t)n + 1 + len > size)
		return 0;
	if ((size_t)n > tail &&
	    keke_same_bytes(buf + n - (long)tail, deleted, tail))
		return 0;
	if (buf[n - 1] != '/')
		buf[n++] = '/';
	memcpy(buf + n, path, len);
	return (size_t)n + len;
}

/* Joins @path to the path of directory @dirfd: see join_link. */
static size_t join_dirfd(int dirfd, const char *path, size_t len, char *buf,
			 size_t size)
{
	char link[32];
	struct keke_text t = keke_text_start(link, sizeof(link));

	keke_text_add(&t, "/proc/self/fd/");
	keke_text_add_u64(&t, (unsigned)dirfd);
	return join_link(link, path, len, buf, size);
}

/* Measures @path into @ap, not joined yet. */
static void at_path_start(struct at_path *ap, int dirfd, const char *path)
{
	ap->dirfd = dirfd;
	ap->path = path;
	ap->len = keke_strlen(path);
	ap->joined_len = 0;
}

/* Whether @ap is a relative path to join to its directory. */
static bool relative(const struct at_path *ap)
{
	return ap->len && ap->path[0] != '/';
}

void at_path_init(struct at_path *ap, int dirfd, const char *path)
{
	at_path_start(ap, dirfd, path);
	if (relative(ap) && dirfd != AT_FDCWD)
		ap->joined_len = join_dirfd(dirfd, path, ap->len, ap->joined,
					    sizeof(ap->joined));
}

void at_path_init_cwd(struct at_path *ap, const char *path)
{
	at_path_start(ap, AT_FDCWD, path);
	if (relative(ap))
		ap->joined_len = join_link("/proc/self/cwd", path, ap->len,
					   ap->joined, sizeof(ap->joined));
}

void add_at_path(struct keke_rec *r, unsigned key, const struct at_path *ap)
{
	if (!ap->path)
		return;
	if (!ap->len && ap->dirfd != AT_FDCWD) {
		keke_rec_int(r, KEKE_KEY_FD, ap->dirfd);
		return;
	}
	if (ap->joined_len) {
		keke_rec_str(r, key, ap->joined, ap->joined_len);
		return;
	}
	keke_rec_str(r, key, ap->path, ap->len);
	if (ap->dirfd != AT_FDCWD && ap->path[0] != '/')
		keke_rec_int(r, KEKE_KEY_DIRFD, ap->dirfd);
}

void record_paths(unsigned call, uint64_t t0, uint64_t dur, int rv, int err,
		  int olddirfd, const char *old, int newdirfd,
		  const char *new, unsigned flags)
{
	struct at_path from, to;
	struct keke_rec r;

	at_path_init(&from, olddirfd, old);
	at_path_init(&to, newdirfd, new);
	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(3, at_path_max(&from) +
						  at_path_max(&to))))
		return;
	add_at_path(&r, KEKE_KEY_PATH, &from);
	add_at_path(&r, KEKE_KEY_NEW_PATH, &to);
	if (flags)
		keke_rec_int(&r, KEKE_KEY_FLAGS, flags);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}
