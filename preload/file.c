// SPDX-License-Identifier: MIT
/*
 * The file family: open/openat/creat/close, read/write and their
 * positional and vector forms, lseek, fsync/fdatasync, the stat family
 * (stat, lstat, fstat, fstatat, statx and the __xstat family of older
 * binaries), rename/unlink/mkdir/rmdir and their *at forms, and
 * fopen/fdopen/fclose. Every spelling is listed in hooks.def; each records
 * the call it stands for ("open" for open64 and __open_2), with the fd,
 * the path (joined to the dirfd's path for the *at forms), the bytes asked
 * for, the flags that matter and the result.
 *
 * glibc calls itself without going through the symbols a preload can
 * interpose, so fopen records one fopen and never also an open: what is
 * recorded is what the program called.
 */
#define KEKE_WRAP_FILE KEKE_WRAP_ON
#include <stdarg.h>

#include "at_path.h"
#include "hook.h"

/* The recorders that hold path buffers are not inlined: the buffers are
 * then on the stack only while such a record is made, never in the frame
 * of every wrapper (a signal handler may run on a small stack). */
#define noinline __attribute__((noinline))

/* close, fsync, fdatasync, fstat: the fd and the result. */
static void record_fd(unsigned call, uint64_t t0, uint64_t dur, int rv,
		      int err, int fd)
{
	keke_record_ints(call, t0, dur, rv, err, 1,
			 (struct keke_int_field[]){ { KEKE_KEY_FD, fd } });
}

/* fclose: the stream's fd, read before the stream is gone (errno kept:
 * a stream without one sets EBADF). */
static inline int before_fd(FILE *stream)
{
	int err = errno, fd = stream ? fileno_unlocked(stream) : -1;

	keke_stdio_closing(stream);
	errno = err;
	return fd;
}

/* read, write: fd, bytes asked for, bytes done. The hot path (inlined
 * in each wrapper): a read(fd, buf, 1) record is 16 + about 9 bytes, 32
 * with padding. */
static __always_inline void record_io(unsigned call, uint64_t t0,
				      uint64_t dur, ssize_t rv, int err,
				      int fd, size_t n)
{
	keke_record_ints(call, t0, dur, rv, err, 2,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_COUNT, (int64_t)n } });
}

/* pread, pwrite: also the offset. */
static void record_io_at(unsigned call, uint64_t t0, uint64_t dur,
			 ssize_t rv, int err, int fd, size_t n, off64_t off)
{
	keke_record_ints(call, t0, dur, rv, err, 3,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_COUNT, (int64_t)n },
				 { KEKE_KEY_OFFSET, off } });
}

/* readv, writev, preadv...: the bytes of all buffers, the offset unless
 * -1 (the file position), the flags unless 0. */
static void record_iov(unsigned call, uint64_t t0, uint64_t dur, ssize_t rv,
		       int err, int fd, const struct iovec *iov, int iovcnt,
		       off64_t off, int flags)
{
	struct keke_rec r;
	uint64_t n = 0;

	for (int i = 0; iov && i < iovcnt; i++)
		n += iov[i].iov_len;
	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(6, 0)))
		return;
	keke_rec_int(&r, KEKE_KEY_FD, fd);
	keke_rec_int(&r, KEKE_KEY_COUNT, (int64_t)n);
	if (off != -1)
		keke_rec_int(&r, KEKE_KEY_OFFSET, off);
	if (flags)
		keke_rec_int(&r, KEKE_KEY_FLAGS, flags);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* lseek: the offset asked for, whence, the new position. */
static void record_seek(unsigned call, uint64_t t0, uint64_t dur,
			off64_t rv, int err, int fd, off64_t off, int whence)
{
	keke_record_ints(call, t0, dur, rv, err, 3,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_OFFSET, off },
				 { KEKE_KEY_WHENCE, whence } });
}

/* Whether open needs a mode argument (as glibc decides). */
static bool open_needs_mode(int flags)
{
	return (flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE;
}

/* open, openat, creat: the path, the flags, the mode when one is used,
 * the new fd. */
static noinline void record_open(unsigned call, uint64_t t0, uint64_t dur,
				 int rv, int err, int dirfd, const char *path,
				 int flags, mode_t mode)
{
	struct at_path ap;
	struct keke_rec r;

	at_path_init(&ap, dirfd, path);
	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(4, at_path_max(&ap))))
		return;
	add_at_path(&r, KEKE_KEY_PATH, &ap);
	keke_rec_int(&r, KEKE_KEY_FLAGS, flags);
	if (open_needs_mode(flags))
		keke_rec_int(&r, KEKE_KEY_MODE, mode);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* A call on a path: the path, @key = @value (left out when 0 unless
 * @always), the result. */
static noinline void record_on_path(unsigned call, uint64_t t0, uint64_t dur,
				    int rv, int err, int dirfd,
				    const char *path, unsigned key,
				    int64_t value, bool always)
{
	struct at_path ap;
	struct keke_rec r;

	at_path_init(&ap, dirfd, path);
	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(3, at_path_max(&ap))))
		return;
	add_at_path(&r, KEKE_KEY_PATH, &ap);
	if (value || always)
		keke_rec_int(&r, key, value);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* stat, lstat, fstatat, statx, unlink, unlinkat, rmdir: the path, the
 * flags unless 0, the result. */
static void record_path(unsigned call, uint64_t t0, uint64_t dur, int rv,
			int err, int dirfd, const char *path, int flags)
{
	record_on_path(call, t0, dur, rv, err, dirfd, path, KEKE_KEY_FLAGS,
		       flags, false);
}

/* mkdir, mkdirat: the path, the mode, the result. */
static void record_mkdir(unsigned call, uint64_t t0, uint64_t dur, int rv,
			 int err, int dirfd, const char *path, mode_t mode)
{
	record_on_path(call, t0, dur, rv, err, dirfd, path, KEKE_KEY_MODE,
		       mode, true);
}

/* rename, renameat, renameat2: both paths, the flags unless 0. */
#define record_rename record_paths

/* fopen: the path, the mode string, the stream's fd (-1 on failure). */
static void record_fopen(unsigned call, uint64_t t0, uint64_t dur, FILE *rv,
			 int err, const char *path, const char *mode)
{
	size_t path_len = keke_strlen(path), mode_len = keke_strlen(mode);
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv ? 0 : (unsigned)err, t0, dur,
			      KEKE_REC_MAX_LEN(2, KEKE_STR_MAX_LEN(path_len) +
						  KEKE_STR_MAX_LEN(mode_len))))
		return;
	keke_rec_cstr(&r, KEKE_KEY_PATH, path, path_len);
	keke_rec_cstr(&r, KEKE_KEY_MODE, mode, mode_len);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv ? fileno_unlocked(rv) : -1);
	keke_rec_commit(&r);
}

/* fdopen: the fd, the mode string, the fd again (-1 on failure). */
static void record_fdopen(unsigned call, uint64_t t0, uint64_t dur,
			  FILE *rv, int err, int fd, const char *mode)
{
	size_t mode_len = keke_strlen(mode);
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv ? 0 : (unsigned)err, t0, dur,
			      KEKE_REC_MAX_LEN(3, KEKE_STR_MAX_LEN(mode_len))))
		return;
	keke_rec_int(&r, KEKE_KEY_FD, fd);
	keke_rec_cstr(&r, KEKE_KEY_MODE, mode, mode_len);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv ? fd : -1);
	keke_rec_commit(&r);
}

/* The four open spellings that take a variadic mode. */
static int traced_open(unsigned call, void *real, bool at, int dirfd,
		       const char *path, int flags, mode_t mode)
{
	uint64_t t0, dur;
	int fd, err;

	t0 = keke_now();
	fd = at ? ((keke_openat_fn *)real)(dirfd, path, flags, mode) :
		  ((keke_open_fn *)real)(path, flags, mode);
	err = errno;
	dur = keke_now() - t0;
	if (keke_hook_keep(call, dur))
		record_open(call, t0, dur, fd, err, dirfd, path, flags, mode);
	errno = err;
	return fd;
}

/* The mode argument of an open call, read only when glibc would. */
#define OPEN_MODE(flags, mode)						\
	do {								\
		if (open_needs_mode(flags)) {				\
			va_list ap_;					\
			va_start(ap_, flags);				\
			mode = va_arg(ap_, mode_t);			\
			va_end(ap_);					\
		}							\
	} while (0)

KEKE_EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, mode);
	if (!keke_hook_on(KEKE_FAMILY_BIT_FILE))
		return KEKE_HOOK_REAL(open)(path, flags, mode);
	return traced_open(KEKE_CALL_OPEN, KEKE_HOOK_REAL(open), false,
			   AT_FDCWD, path, flags, mode);
}

KEKE_EXPORT int open64(const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, mode);
	if (!keke_hook_on(KEKE_FAMILY_BIT_FILE))
		return KEKE_HOOK_REAL(open64)(path, flags, mode);
	return traced_open(KEKE_CALL_OPEN, KEKE_HOOK_REAL(open64), false,
			   AT_FDCWD, path, flags, mode);
}

KEKE_EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, mode);
	if (!keke_hook_on(KEKE_FAMILY_BIT_FILE))
		return KEKE_HOOK_REAL(openat)(dirfd, path, flags, mode);
	return traced_open(KEKE_CALL_OPENAT, KEKE_HOOK_REAL(openat), true,
			   dirfd, path, flags, mode);
}

KEKE_EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	mode_t mode = 0;

	OPEN_MODE(flags, mode);
	if (!keke_hook_on(KEKE_FAMILY_BIT_FILE))
		return KEKE_HOOK_REAL(openat64)(dirfd, path, flags, mode);
	return traced_open(KEKE_CALL_OPENAT, KEKE_HOOK_REAL(openat64), true,
			   dirfd, path, flags, mode);
}

#include "hook_wrappers.h"
