// SPDX-License-Identifier: MIT
/*
 * The file family's calls on paths and on what files are, which a build
 * makes between its reads and writes: truncate, the access checks,
 * readlink/symlink/link, the chmod and chown families, the utime family,
 * chdir/fchdir, realpath, directory listings (getdents64, readdir), mmap
 * of a file, and the whole-file locks flock and lockf (whose duration is
 * the wait for the lock). Every spelling is a line of hooks.def (its
 * FILE_META section); a path relative to a dirfd is joined to the
 * dirfd's path as open's is (at_path.h). A call that fails is recorded
 * with its errno: an access or readlink of a path that does not exist
 * (ENOENT) is a dependency the program probed for and did not find.
 *
 * readdir, whose listings are counted rather than recorded call by call,
 * is in dir_listing.c.
 *
 * munmap is not hooked: it moves no bytes and names no file (the mmap
 * record has the fd, length and protection), while telling a file
 * mapping's munmap from an allocator's would cost every munmap a look
 * into a table that all threads share.
 */
#define KEKE_WRAP_FILE_META KEKE_WRAP_ON
#include <stddef.h>
#include <sys/mman.h>

#include "at_path.h"
#include "hook.h"

/* See file.c: path buffers live on the stack only while they are used. */
#define noinline __attribute__((noinline))

/* A uid or gid as recorded: -1 for "leave it as it is". */
static int64_t id_value(unsigned id)
{
	return id == (unsigned)-1 ? -1 : (int64_t)id;
}

/*
 * A call on the path @path, relative to @dirfd: the path, the fields @f
 * (@n of them; FLAGS is left out when 0, as everywhere), the result.
 */
static noinline void record_path_ints(unsigned call, uint64_t t0,
				      uint64_t dur, int64_t rv, int err,
				      int dirfd, const char *path, unsigned n,
				      const struct keke_int_field *f)
{
	struct at_path ap;
	struct keke_rec r;

	at_path_init(&ap, dirfd, path);
	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(n + 2, at_path_max(&ap))))
		return;
	add_at_path(&r, KEKE_KEY_PATH, &ap);
	for (unsigned i = 0; i < n; i++)
		if (f[i].key != KEKE_KEY_FLAGS || f[i].value)
			keke_rec_int(&r, f[i].key, f[i].value);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* truncate: the path, the length. */
static void record_path_len(unsigned call, uint64_t t0, uint64_t dur, int rv,
			    int err, const char *path, off64_t len)
{
	record_path_ints(call, t0, dur, rv, err, AT_FDCWD, path, 1,
			 (struct keke_int_field[]){ { KEKE_KEY_LEN, len } });
}

/* access, faccessat, euidaccess, chmod, fchmodat: the path, the mode
 * (R_OK... for the access checks), the flags. */
static void record_path_mode(unsigned call, uint64_t t0, uint64_t dur,
			     int rv, int err, int dirfd, const char *path,
			     int64_t mode, int flags)
{
	record_path_ints(call, t0, dur, rv, err, dirfd, path, 2,
			 (struct keke_int_field[]){
				 { KEKE_KEY_MODE, mode },
				 { KEKE_KEY_FLAGS, flags } });
}

/* chown, lchown, fchownat: the path, the owner and group (-1: kept), the
 * flags. */
static void record_path_owner(unsigned call, uint64_t t0, uint64_t dur,
			      int rv, int err, int dirfd, const char *path,
			      uid_t uid, gid_t gid, int flags)
{
	record_path_ints(call, t0, dur, rv, err, dirfd, path, 3,
			 (struct keke_int_field[]){
				 { KEKE_KEY_UID, id_value(uid) },
				 { KEKE_KEY_GID, id_value(gid) },
				 { KEKE_KEY_FLAGS, flags } });
}

/* utimensat, utimes, utime, lutimes: the path, the flags. */
static void record_path_flags(unsigned call, uint64_t t0, uint64_t dur,
			      int rv, int err, int dirfd, const char *path,
			      int flags)
{
	record_path_ints(call, t0, dur, rv, err, dirfd, path, 1,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FLAGS, flags } });
}

/* futimens, fchdir: the fd. */
static void record_fd(unsigned call, uint64_t t0, uint64_t dur, int rv,
		      int err, int fd)
{
	keke_record_ints(call, t0, dur, rv, err, 1,
			 (struct keke_int_field[]){ { KEKE_KEY_FD, fd } });
}

/* ftruncate: the fd, the length. */
static void record_fd_len(unsigned call, uint64_t t0, uint64_t dur, int rv,
			  int err, int fd, off64_t len)
{
	keke_record_ints(call, t0, dur, rv, err, 2,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_LEN, len } });
}

/* fchmod: the fd, the mode. */
static void record_fd_mode(unsigned call, uint64_t t0, uint64_t dur, int rv,
			   int err, int fd, mode_t mode)
{
	keke_record_ints(call, t0, dur, rv, err, 2,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_MODE, mode } });
}

/* fchown: the fd, the owner and group (-1: kept). */
static void record_fd_owner(unsigned call, uint64_t t0, uint64_t dur, int rv,
			    int err, int fd, uid_t uid, gid_t gid)
{
	keke_record_ints(call, t0, dur, rv, err, 3,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_UID, id_value(uid) },
				 { KEKE_KEY_GID, id_value(gid) } });
}

/* flock: the fd, the operation (LOCK_EX...). */
static void record_flock(unsigned call, uint64_t t0, uint64_t dur, int rv,
			 int err, int fd, int op)
{
	keke_record_ints(call, t0, dur, rv, err, 2,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_HOW, op } });
}

/* lockf: the fd, the command (F_LOCK...), the length of the section. */
static void record_lockf(unsigned call, uint64_t t0, uint64_t dur, int rv,
			 int err, int fd, int cmd, off64_t len)
{
	keke_record_ints(call, t0, dur, rv, err, 3,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_CMD, cmd },
				 { KEKE_KEY_LEN, len } });
}

/* A path and a string field @key of @len bytes at @s (none when @s is
 * NULL), for symlink, readlink and realpath. */
static noinline void record_path_str(unsigned call, uint64_t t0, uint64_t dur,
				     int64_t rv, int err, int dirfd,
				     const char *path, unsigned key,
				     const char *s, size_t len)
{
	struct at_path ap;
	struct keke_rec r;

	at_path_init(&ap, dirfd, path);
	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(1, at_path_max(&ap) +
						  KEKE_STR_MAX_LEN(len))))
		return;
	add_at_path(&r, KEKE_KEY_PATH, &ap);
	if (s)
		keke_rec_str(&r, key, s, len);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* symlink, symlinkat: the link made (PATH), what it points to (TARGET,
 * as given). */
static void record_symlink(unsigned call, uint64_t t0, uint64_t dur, int rv,
			   int err, const char *target, int dirfd,
			   const char *path)
{
	record_path_str(call, t0, dur, rv, err, dirfd, path, KEKE_KEY_TARGET,
			target, keke_strlen(target));
}

/* readlink, readlinkat: the link, what it points to as the program got
 * it (the @rv bytes at @buf), the length. */
static void record_readlink(unsigned call, uint64_t t0, uint64_t dur,
			    ssize_t rv, int err, int dirfd, const char *path,
			    const char *buf)
{
	record_path_str(call, t0, dur, rv, err, dirfd, path, KEKE_KEY_TARGET,
			rv > 0 ? buf : NULL, rv > 0 ? (size_t)rv : 0);
}

/* realpath, canonicalize_file_name: the path as given, the one it
 * resolves to, 0 or -1. */
static void record_realpath(unsigned call, uint64_t t0, uint64_t dur,
			    const char *rv, int err, const char *path)
{
	record_path_str(call, t0, dur, rv ? 0 : -1, err, AT_FDCWD, path,
			KEKE_KEY_TARGET, rv, keke_strlen(rv));
}

/* The entries in the first @len bytes of a getdents64 buffer. */
static int64_t count_entries(const void *buf, size_t len)
{
	const char *p = buf;
	int64_t n = 0;

	for (size_t at = 0; at + offsetof(struct dirent64, d_name) <= len;
	     n++) {
		unsigned short reclen;

		memcpy(&reclen, p + at + offsetof(struct dirent64, d_reclen),
		       sizeof(reclen));
		if (!reclen)
			break;
		at += reclen;
	}
	return n;
}

/* getdents64: the fd, the buffer's size, the entries read, the bytes. */
static void record_getdents(unsigned call, uint64_t t0, uint64_t dur,
			    ssize_t rv, int err, int fd, const void *buf,
			    size_t size)
{
	keke_record_ints(call, t0, dur, rv, err, 3,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_COUNT, (int64_t)size },
				 { KEKE_KEY_ENTRIES, rv > 0 ?
				   count_entries(buf, (size_t)rv) : 0 } });
}

/*
 * chdir: where it goes, absolute. A relative path is joined to the
 * working directory it starts from, read before the call (the call
 * changes it).
 */
static noinline int traced_chdir(keke_chdir_fn *real, const char *path)
{
	struct at_path ap;
	uint64_t t0, dur;
	int rv, err = errno;

	at_path_init_cwd(&ap, path);
	errno = err;
	t0 = keke_now();
	rv = real(path);
	err = errno;
	dur = keke_now() - t0;
	if (keke_hook_keep(KEKE_CALL_CHDIR, dur)) {
		struct keke_rec r;

		if (keke_slice_begin(&r, KEKE_CALL_CHDIR,
				     rv < 0 ? (unsigned)err : 0, t0, dur,
				     KEKE_REC_MAX_LEN(1, at_path_max(&ap)))) {
			add_at_path(&r, KEKE_KEY_PATH, &ap);
			keke_rec_int(&r, KEKE_KEY_RESULT, rv);
			keke_rec_commit(&r);
		}
	}
	errno = err;
	return rv;
}

KEKE_EXPORT int chdir(const char *path)
{
	keke_chdir_fn *real = KEKE_HOOK_REAL(chdir);

	if (!keke_hook_on(KEKE_FAMILY_BIT_FILE))
		return real(path);
	return traced_chdir(real, path);
}

/* mmap of a file: the fd, the length, the protection, the flags, the
 * offset, the address (-1 when it failed). */
static noinline void *traced_mmap(keke_mmap_fn *real, void *addr, size_t len,
				  int prot, int flags, int fd, off64_t off)
{
	uint64_t t0, dur;
	void *rv;
	int err;

	t0 = keke_now();
	rv = real(addr, len, prot, flags, fd, off);
	err = errno;
	dur = keke_now() - t0;
	if (keke_hook_keep(KEKE_CALL_MMAP, dur))
		keke_record_ints(KEKE_CALL_MMAP, t0, dur,
				 rv == MAP_FAILED ? -1 : (int64_t)rv, err, 5,
				 (struct keke_int_field[]){
					 { KEKE_KEY_FD, fd },
					 { KEKE_KEY_LEN, (int64_t)len },
					 { KEKE_KEY_PROT, prot },
					 { KEKE_KEY_FLAGS, flags },
					 { KEKE_KEY_OFFSET, off } });
	errno = err;
	return rv;
}

/* Whether an mmap is of memory, not of a file: malloc's, which must cost
 * no more than this one test. */
#define MMAP_ANONYMOUS(flags, fd) \
	__builtin_expect(((flags) & MAP_ANONYMOUS) != 0 || (fd) < 0, 1)

KEKE_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		       off_t off)
{
	keke_mmap_fn *real = KEKE_HOOK_REAL(mmap);

	if (MMAP_ANONYMOUS(flags, fd) || !keke_hook_on(KEKE_FAMILY_BIT_FILE))
		return real(addr, len, prot, flags, fd, off);
	return traced_mmap(real, addr, len, prot, flags, fd, off);
}

KEKE_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
			 off64_t off)
{
	keke_mmap64_fn *real = KEKE_HOOK_REAL(mmap64);

	if (MMAP_ANONYMOUS(flags, fd) || !keke_hook_on(KEKE_FAMILY_BIT_FILE))
		return real(addr, len, prot, flags, fd, off);
	return traced_mmap((keke_mmap_fn *)real, addr, len, prot, flags, fd,
			   off);
}

#include "hook_wrappers.h"
