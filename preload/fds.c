// SPDX-License-Identifier: MIT
/*
 * The calls that make, copy or retire fds, besides open and close
 * (file.c), socket and accept (net.c): the dup family, fcntl (every
 * command, recorded as the call it is), pipe and pipe2, socketpair,
 * eventfd, timerfd_create, signalfd, memfd_create, epoll_create and
 * epoll_create1, inotify_init and inotify_init1, the mkstemp family,
 * mkdtemp, tmpfile, opendir/fdopendir/closedir, close_range and closefrom.
 * glibc makes the fds of mkstemp, tmpfile and opendir inside itself, where
 * no hook sees an open: without these the program would hold fds keke
 * never saw made.
 *
 * keke's writer holds no fd between two records (runtime/writer.h), so
 * close_range, closefrom, dup2 and dup3 are passed on as they are: there
 * is nothing of keke's for them to close or replace.
 */
#define KEKE_WRAP_FDS KEKE_WRAP_ON
#define KEKE_WRAP_FDS_NET KEKE_WRAP_ON
#include <limits.h>
#include <stdarg.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "dir_listing.h"
#include "fd_name.h"
#include "hook.h"

/* A call whose arguments say nothing worth keeping: its result. */
static void record_ints0(unsigned call, uint64_t t0, uint64_t dur, int rv,
			 int err)
{
	keke_record_ints(call, t0, dur, rv, err, 0, NULL);
}

/* A call with one integer argument worth keeping, as field @k1. */
static void record_ints1(unsigned call, uint64_t t0, uint64_t dur, int rv,
			 int err, unsigned k1, int64_t v1)
{
	keke_record_ints(call, t0, dur, rv, err, 1,
			 (struct keke_int_field[]){ { k1, v1 } });
}

/* Two of them. */
static void record_ints2(unsigned call, uint64_t t0, uint64_t dur, int rv,
			 int err, unsigned k1, int64_t v1, unsigned k2,
			 int64_t v2)
{
	keke_record_ints(call, t0, dur, rv, err, 2,
			 (struct keke_int_field[]){ { k1, v1 }, { k2, v2 } });
}

/* Three of them. */
static void record_ints3(unsigned call, uint64_t t0, uint64_t dur, int rv,
			 int err, unsigned k1, int64_t v1, unsigned k2,
			 int64_t v2, unsigned k3, int64_t v3)
{
	keke_record_ints(call, t0, dur, rv, err, 3,
			 (struct keke_int_field[]){
				 { k1, v1 }, { k2, v2 }, { k3, v3 } });
}

/*
 * A call that made two fds at once into @fds: its @n integer fields @f,
 * then both fds when it succeeded (FD the first, FD2 the second) with the
 * inode of the first (a pipe's ends share it) or of each (@two_inodes),
 * and the result.
 */
static void record_pair(unsigned call, uint64_t t0, uint64_t dur, int rv,
			int err, const int *fds, unsigned n,
			const struct keke_int_field *f, bool two_inodes)
{
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(n + 5, 0)))
		return;
	for (unsigned i = 0; i < n; i++)
		keke_rec_int(&r, f[i].key, f[i].value);
	if (rv == 0) {
		keke_rec_int(&r, KEKE_KEY_FD, fds[0]);
		keke_rec_int(&r, KEKE_KEY_FD2, fds[1]);
		keke_rec_int(&r, KEKE_KEY_INODE, keke_fd_inode(fds[0]));
		if (two_inodes)
			keke_rec_int(&r, KEKE_KEY_INODE2,
				     keke_fd_inode(fds[1]));
	}
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* pipe, pipe2: the read end and the write end, the flags (pipe2). */
static void record_pipe(unsigned call, uint64_t t0, uint64_t dur, int rv,
			int err, const int *fds, bool with_flags, int flags)
{
	record_pair(call, t0, dur, rv, err, fds, with_flags,
		    (struct keke_int_field[]){ { KEKE_KEY_FLAGS, flags } },
		    false);
}

/* socketpair: what socket(2) would record, and both ends. */
static void record_socketpair(unsigned call, uint64_t t0, uint64_t dur,
			      int rv, int err, int domain, int type,
			      int protocol, const int *fds)
{
	record_pair(call, t0, dur, rv, err, fds, 3,
		    (struct keke_int_field[]){
			    { KEKE_KEY_DOMAIN, domain },
			    { KEKE_KEY_TYPE, type },
			    { KEKE_KEY_PROTOCOL, protocol } },
		    true);
}

/* A call on a name: string field @key = @s, the flags when @with_flags,
 * the result @rv (an fd, or 0 for mkdtemp; failed when < 0). */
static void record_named(unsigned call, uint64_t t0, uint64_t dur, int rv,
			 int err, unsigned key, const char *s,
			 bool with_flags, int64_t flags)
{
	size_t len = keke_strlen(s);
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(3, KEKE_STR_MAX_LEN(len))))
		return;
	keke_rec_cstr(&r, key, s, len);
	if (with_flags)
		keke_rec_int(&r, KEKE_KEY_FLAGS, flags);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* memfd_create: the name given, the flags, the new fd. */
static void record_memfd(unsigned call, uint64_t t0, uint64_t dur, int rv,
			 int err, const char *name, unsigned flags)
{
	record_named(call, t0, dur, rv, err, KEKE_KEY_NAME, name, true, flags);
}

/* The mkstemp family: the template as the call left it (the name made),
 * the flags (the mkostemp forms), the new fd. */
static void record_mkstemp(unsigned call, uint64_t t0, uint64_t dur, int rv,
			   int err, const char *tmpl, bool with_flags,
			   int flags)
{
	record_named(call, t0, dur, rv, err, KEKE_KEY_PATH, tmpl, with_flags,
		     flags);
}

/* mkdtemp: the directory made (the template as the call left it), 0 or
 * -1. */
static void record_mkdtemp(unsigned call, uint64_t t0, uint64_t dur,
			   char *rv, int err, const char *tmpl)
{
	record_named(call, t0, dur, rv ? 0 : -1, err, KEKE_KEY_PATH, tmpl,
		     false, 0);
}

/* opendir: the path, the directory's fd (-1 on failure). */
static void record_opendir(unsigned call, uint64_t t0, uint64_t dur, DIR *rv,
			   int err, const char *path)
{
	record_named(call, t0, dur, rv ? dirfd(rv) : -1, err, KEKE_KEY_PATH,
		     path, false, 0);
}

/* fdopendir: the fd, which the stream then owns, or -1. */
static void record_fdopendir(unsigned call, uint64_t t0, uint64_t dur,
			     DIR *rv, int err, int fd)
{
	record_ints1(call, t0, dur, rv ? fd : -1, err, KEKE_KEY_FD, fd);
}

/* closedir: the stream's fd, read before the stream is gone (errno
 * kept); a listing the program left unfinished is recorded first. */
static inline int before_closedir(DIR *dir)
{
	int err = errno, fd = dir ? dirfd(dir) : -1;

	keke_dir_listing_end(dir);
	errno = err;
	return fd;
}

static void record_closedir(unsigned call, uint64_t t0, uint64_t dur, int rv,
			    int err, int fd)
{
	record_ints1(call, t0, dur, rv, err, KEKE_KEY_FD, fd);
}

/* tmpfile: what the kernel names its fd ("/tmp/#1234 (deleted)"), and the
 * fd (-1 on failure). Not inlined: the name's buffer is on the stack only
 * while such a record is made. */
static __attribute__((noinline)) void
record_tmpfile(unsigned call, uint64_t t0, uint64_t dur, FILE *rv, int err)
{
	int fd = rv ? fileno_unlocked(rv) : -1;
	char name[PATH_MAX];
	size_t len = fd >= 0 ? keke_fd_name(fd, name, sizeof(name)) : 0;
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, fd < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(2, KEKE_STR_MAX_LEN(len))))
		return;
	if (len)
		keke_rec_str(&r, KEKE_KEY_PATH, name, len);
	keke_rec_int(&r, KEKE_KEY_RESULT, fd);
	keke_rec_commit(&r);
}

/* What fcntl's third argument is, by command (as glibc reads it). */
enum fcntl_arg {
	FCNTL_NONE,	/* none, or a pointer to something else */
	FCNTL_INT,
	FCNTL_FLOCK,	/* a struct flock */
	FCNTL_FLOCK64,	/* a struct flock64 (the same on 64-bit systems) */
};

/* The argument of command @cmd, given to fcntl64 when @is64: there the
 * open file description locks take a struct flock64, in fcntl a struct
 * flock (glibc converts it). */
static enum fcntl_arg fcntl_arg_of(int cmd, bool is64)
{
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
	case F_SETFD:
	case F_SETFL:
	case F_SETOWN:
	case F_SETSIG:
	case F_SETLEASE:
	case F_NOTIFY:
	case F_SETPIPE_SZ:
	case F_ADD_SEALS:
		return FCNTL_INT;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
		return FCNTL_FLOCK;
#if F_GETLK64 != F_GETLK
	case F_GETLK64:
	case F_SETLK64:
	case F_SETLKW64:
		return FCNTL_FLOCK64;
#endif
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return is64 ? FCNTL_FLOCK64 : FCNTL_FLOCK;
	}
	return FCNTL_NONE;
}

/* The lock of a lock command, read after the call succeeded (so F_GETLK
 * records the lock it found). */
struct fcntl_lock {
	bool given;
	int type, whence;
	int64_t start, len;
};

/* The lock at @arg, when command kind @kind takes one. */
static struct fcntl_lock fcntl_lock_of(enum fcntl_arg kind, const void *arg)
{
	const struct flock *l = arg;
	const struct flock64 *l64 = arg;

	if (!arg || (kind != FCNTL_FLOCK && kind != FCNTL_FLOCK64))
		return (struct fcntl_lock){ .given = false };
	if (kind == FCNTL_FLOCK)
		return (struct fcntl_lock){ true, l->l_type, l->l_whence,
					    l->l_start, l->l_len };
	return (struct fcntl_lock){ true, l64->l_type, l64->l_whence,
				    l64->l_start, l64->l_len };
}

/*
 * fcntl: the fd, the command, its integer argument (the new fd's lowest
 * number for F_DUPFD, the flags for F_SETFL...), or for a lock its type
 * (as arg), start, length and whence; the result (the new fd of F_DUPFD,
 * the flags of F_GETFL...). Its duration is a lock's wait.
 */
static void record_fcntl(uint64_t t0, uint64_t dur, int rv, int err, int fd,
			 int cmd, enum fcntl_arg kind, void *arg,
			 const struct fcntl_lock *lock)
{
	struct keke_rec r;

	if (!keke_slice_begin(&r, KEKE_CALL_FCNTL, rv < 0 ? (unsigned)err : 0,
			      t0, dur, KEKE_REC_MAX_LEN(8, 0)))
		return;
	keke_rec_int(&r, KEKE_KEY_FD, fd);
	keke_rec_int(&r, KEKE_KEY_CMD, cmd);
	if (kind == FCNTL_INT)
		keke_rec_int(&r, KEKE_KEY_ARG, (int)(intptr_t)arg);
	if (lock->given) {
		keke_rec_int(&r, KEKE_KEY_ARG, lock->type);
		keke_rec_int(&r, KEKE_KEY_OFFSET, lock->start);
		keke_rec_int(&r, KEKE_KEY_LEN, lock->len);
		keke_rec_int(&r, KEKE_KEY_WHENCE, lock->whence);
	}
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* fcntl and fcntl64, traced: @real with the argument as glibc took it. */
static int traced_fcntl(keke_fcntl_fn *real, bool is64, int fd, int cmd,
			void *arg)
{
	enum fcntl_arg kind = fcntl_arg_of(cmd, is64);
	struct fcntl_lock lock = { .given = false };
	uint64_t t0, dur;
	int rv, err;

	t0 = keke_now();
	rv = real(fd, cmd, arg);
	err = errno;
	dur = keke_now() - t0;
	/* The lock is read once the kernel has read it: a bad pointer must
	 * fail with EFAULT in the program, not fault in keke. */
	if (keke_hook_keep(KEKE_CALL_FCNTL, dur)) {
		if (rv != -1)
			lock = fcntl_lock_of(kind, arg);
		record_fcntl(t0, dur, rv, err, fd, cmd, kind, arg, &lock);
	}
	errno = err;
	return rv;
}

/*
 * The third argument of fcntl, read as glibc reads it: always one word,
 * which the command then takes as an int or a pointer (or ignores), so
 * that it reaches the real fcntl as it would have without keke.
 */
#define FCNTL_ARG(cmd, arg)						\
	do {								\
		va_list ap_;						\
		va_start(ap_, cmd);					\
		arg = va_arg(ap_, void *);				\
		va_end(ap_);						\
	} while (0)

KEKE_EXPORT int fcntl(int fd, int cmd, ...)
{
	void *arg;

	FCNTL_ARG(cmd, arg);
	if (!keke_hook_on(KEKE_FAMILY_BIT_FILE))
		return KEKE_HOOK_REAL(fcntl)(fd, cmd, arg);
	return traced_fcntl(KEKE_HOOK_REAL(fcntl), false, fd, cmd, arg);
}

KEKE_EXPORT int fcntl64(int fd, int cmd, ...)
{
	void *arg;

	FCNTL_ARG(cmd, arg);
	if (!keke_hook_on(KEKE_FAMILY_BIT_FILE))
		return KEKE_HOOK_REAL(fcntl64)(fd, cmd, arg);
	return traced_fcntl(KEKE_HOOK_REAL(fcntl64), true, fd, cmd, arg);
}

/* closefrom returns nothing (glibc ends the process when it cannot close
 * them all): recorded with the lowest fd and result 0. */
KEKE_EXPORT void closefrom(int lowfd)
{
	keke_closefrom_fn *real = KEKE_HOOK_REAL(closefrom);
	uint64_t t0, dur;
	int err;

	if (!keke_hook_on(KEKE_FAMILY_BIT_FILE)) {
		real(lowfd);
		return;
	}
	t0 = keke_now();
	real(lowfd);
	err = errno;
	dur = keke_now() - t0;
	if (keke_hook_keep(KEKE_CALL_CLOSEFROM, dur))
		record_ints1(KEKE_CALL_CLOSEFROM, t0, dur, 0, err, KEKE_KEY_FD,
			     lowfd);
	errno = err;
}

#include "hook_wrappers.h"
