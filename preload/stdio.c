// SPDX-License-Identifier: MIT
/*
 * The stdio family: bytes through a FILE, whose internal write() and
 * read() no preload can see. Block calls (fread, fwrite, fgets, fputs,
 * puts, getline, the printf and scanf families, fflush, fseek, ftell,
 * fsetpos, fgetpos, freopen, rewind) are recorded like other calls, with
 * the stream's fd and, in RESULT, the bytes they moved. Per-character
 * calls (putc, getc, ungetc, their _unlocked and _IO_ spellings, and the
 * __overflow/__uflow/__underflow the inline macros call) are counted into
 * runs instead, as are the bytes the inline macros moved with no call at
 * all (stream.h).
 *
 * The wrappers are this file's own, not hook.h's: every call on a stream
 * notes where it left the stream's buffer, whether or not it is recorded
 * (KEKE_MIN_DUR), since the bytes the macros move are told apart from
 * the calls' own by those notes.
 */
#define KEKE_WRAP_STDIO KEKE_WRAP_ON
/* Both scanf families are hooked, the plain (GNU) one as well as the C99
 * one: <stdio.h> must not rename the first to the second, as it does for
 * C99 and later. */
#include <features.h>
#undef __GLIBC_USE_DEPRECATED_SCANF
#define __GLIBC_USE_DEPRECATED_SCANF 1
#include <stdarg.h>

#include "hook.h"
#include "stream.h"

/* <bits/stdio.h> makes these macros when optimizing: the hooks are
 * functions of these names. */
#undef fread_unlocked
#undef fwrite_unlocked

/*
 * What a per-character call of each kind (hooks.def's how) does:
 * keke_quick_<how> says whether it can be passed on untouched (its byte
 * fits in the buffer, to be counted from there later), keke_moved_<how>
 * what it moved, from its result and fields.
 */
static __always_inline bool keke_quick_byte(FILE *f, unsigned kind)
{
	return f && keke_char_inside(f, kind);
}

static inline int keke_moved_byte(int rv, FILE *f)
{
	return rv != EOF;
}

/* __overflow, __uflow and __underflow are called when the buffer is full
 * or empty; ungetc may change buffers. */
#define keke_quick_overflow(f, kind) false
#define keke_quick_peek(f, kind) false
#define keke_quick_unget(f, kind) false

/* __overflow(f, EOF) only flushes. */
static inline int keke_moved_overflow(int rv, FILE *f, int c)
{
	return c != EOF && rv != EOF;
}

static inline int keke_moved_peek(int rv, FILE *f)
{
	return 0;
}

/* A byte given back is read again later: it is counted once. */
static inline int keke_moved_unget(int rv, FILE *f)
{
	return -(rv != EOF);
}

/* Where a call finds its stream's buffer: on its way (most calls), to
 * read what it holds, or to write out or drop what it holds (the run on
 * the stream ends). */
static inline void before_stream(struct keke_stream_at *at, FILE *stream)
{
	keke_stream_enter(at, stream, false, false);
}

static inline void before_reading(struct keke_stream_at *at, FILE *stream)
{
	keke_stream_enter(at, stream, true, false);
}

static inline void before_stream_end(struct keke_stream_at *at,
				     FILE *stream)
{
	keke_stream_enter(at, stream, false, true);
}

#define before_fread before_reading
#define before_fwrite before_stream
#define before_gets before_reading
#define before_puts before_stream
#define before_line before_reading
#define before_printf before_stream
#define before_dprintf before_stream
#define before_scanf before_reading
#define before_tell before_stream
#define before_getpos before_stream
#define before_freopen before_stream_end

/* fseek, fsetpos: the position moves (where glibc may read ahead). */
static inline void before_seek(struct keke_stream_at *at, FILE *stream,
			       int whence)
{
	keke_stream_enter(at, stream, false, true);
	at->seeks = true;
	at->whence = whence;
}

static inline void before_setpos(struct keke_stream_at *at, FILE *stream,
				 const void *pos)
{
	before_seek(at, stream, SEEK_SET);
}

/* fflush(NULL) writes what every stream holds. The list lock is the one
 * fflush(NULL) takes next: streams are not closed under the walk. */
void _IO_list_lock(void);
void _IO_list_unlock(void);

static void before_flush(struct keke_stream_at *at, FILE *stream)
{
	if (!stream) {
		_IO_list_lock();
		keke_stream_count_all(false);
		_IO_list_unlock();
	}
	keke_stream_enter(at, stream, false, true);
}

/* Whether the stream of @at failed (not only met its end). */
static inline bool failed(const struct keke_stream_at *at)
{
	return at->stream && (at->stream->_flags & _IO_ERR_SEEN);
}

/* fread, fwrite: the fd, the bytes asked for, the item size, the bytes
 * moved (whole items). */
static void record_items(unsigned call, uint64_t t0, uint64_t dur, size_t rv,
			 int err, const struct keke_stream_at *at,
			 size_t size, size_t n)
{
	keke_record_ints(call, t0, dur, (int64_t)(rv * size), err, 3,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, at->fd },
				 { KEKE_KEY_COUNT, (int64_t)(size * n) },
				 { KEKE_KEY_SIZE, (int64_t)size } });
}

/* fgets: the fd, the room given, the length of what it read (-1 at the
 * end of the file, with errno only on an error). */
static void record_gets(unsigned call, uint64_t t0, uint64_t dur, char *rv,
			int err, const struct keke_stream_at *at, int n)
{
	keke_record_ints(call, t0, dur, rv ? (int64_t)strlen(rv) : -1,
			 failed(at) ? err : 0, 2,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, at->fd },
				 { KEKE_KEY_COUNT, n } });
}

/* fputs, puts: the fd, the string's length (and puts' newline). */
static void record_puts(unsigned call, uint64_t t0, uint64_t dur, int rv,
			int err, const struct keke_stream_at *at,
			const char *s, int newline)
{
	keke_record_ints(call, t0, dur,
			 rv == EOF ? -1 : (int64_t)strlen(s) + newline, err, 1,
			 (struct keke_int_field[]){ { KEKE_KEY_FD, at->fd } });
}

/* getline, getdelim: the fd, the bytes read (-1 at the end, with errno
 * only on an error). */
static void record_line(unsigned call, uint64_t t0, uint64_t dur, ssize_t rv,
			int err, const struct keke_stream_at *at)
{
	keke_record_ints(call, t0, dur, rv, failed(at) ? err : 0, 1,
			 (struct keke_int_field[]){ { KEKE_KEY_FD, at->fd } });
}

/* The printf family, fflush, ftell: the fd, the result. */
static void record_printf(unsigned call, uint64_t t0, uint64_t dur,
			  int64_t rv, int err, const struct keke_stream_at *at)
{
	keke_record_ints(call, t0, dur, rv, err, 1,
			 (struct keke_int_field[]){ { KEKE_KEY_FD, at->fd } });
}

#define record_flush record_printf
#define record_tell record_printf

/* dprintf: the fd it was given. */
static void record_dprintf(unsigned call, uint64_t t0, uint64_t dur, int rv,
			   int err, const struct keke_stream_at *at, int fd)
{
	keke_record_ints(call, t0, dur, rv, err, 1,
			 (struct keke_int_field[]){ { KEKE_KEY_FD, fd } });
}

/*
 * The bytes a scanf consumed from the stream of @at: from where its read
 * pointer was to where it is, across one refill of the buffer when the
 * area changed (a call that consumes more than a buffer's worth of
 * input has its middle buffers left out).
 */
static int64_t consumed(const struct keke_stream_at *at)
{
	const FILE *f = at->stream;
	int64_t n;

	if (!f)
		return 0;
	if (f->_IO_read_base == at->read_base &&
	    f->_IO_read_end == at->read_end && f->_IO_read_ptr >= at->read_ptr)
		return f->_IO_read_ptr - at->read_ptr;
	n = keke_stream_pending(at->read_end, at->read_ptr, NULL) +
	    keke_stream_pending(f->_IO_read_ptr, f->_IO_read_base, NULL);
	return n;
}

/* The scanf family: the fd, the items assigned, the bytes consumed. */
static void record_scanf(unsigned call, uint64_t t0, uint64_t dur, int rv,
			 int err, const struct keke_stream_at *at)
{
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv == EOF && failed(at) ? err : 0,
			      t0, dur, KEKE_REC_MAX_LEN(4, 0)))
		return;
	keke_rec_int(&r, KEKE_KEY_FD, at->fd);
	keke_rec_int(&r, KEKE_KEY_ITEMS, rv);
	keke_rec_int(&r, KEKE_KEY_RESULT, consumed(at));
	keke_rec_commit(&r);
}

/* fseek: the fd, the offset asked for, whence, the result. */
static void record_seek(unsigned call, uint64_t t0, uint64_t dur, int rv,
			int err, const struct keke_stream_at *at, off64_t off,
			int whence)
{
	keke_record_ints(call, t0, dur, rv, err, 3,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, at->fd },
				 { KEKE_KEY_OFFSET, off },
				 { KEKE_KEY_WHENCE, whence } });
}

/* fsetpos, fgetpos: the fd, the position (fgetpos: when it gave one). */
static void record_setpos(unsigned call, uint64_t t0, uint64_t dur, int rv,
			  int err, const struct keke_stream_at *at,
			  off64_t off)
{
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(4, 0)))
		return;
	keke_rec_int(&r, KEKE_KEY_FD, at->fd);
	if (call == KEKE_CALL_FSETPOS || rv == 0)
		keke_rec_int(&r, KEKE_KEY_OFFSET, off);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

#define record_getpos record_setpos
#define record_fread record_items
#define record_fwrite record_items

/* freopen: the path (none when only the mode changes), the mode, the old
 * fd, the new one (-1 on failure). */
static void record_freopen(unsigned call, uint64_t t0, uint64_t dur,
			   FILE *rv, int err, const struct keke_stream_at *at,
			   const char *path, const char *mode)
{
	size_t path_len = keke_strlen(path), mode_len = keke_strlen(mode);
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv ? 0 : (unsigned)err, t0, dur,
			      KEKE_REC_MAX_LEN(3, KEKE_STR_MAX_LEN(path_len) +
						  KEKE_STR_MAX_LEN(mode_len))))
		return;
	keke_rec_cstr(&r, KEKE_KEY_PATH, path, path_len);
	keke_rec_cstr(&r, KEKE_KEY_MODE, mode, mode_len);
	keke_rec_int(&r, KEKE_KEY_FD, at->fd);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv ? rv->_fileno : -1);
	keke_rec_commit(&r);
}

/*
 * A recorded call (hooks.def's KEKE_HOOK_PRE lines, and the variadic
 * hooks): before_<how>(&at, before...) finds the stream's buffer, the
 * call @real_call is timed and recorded with record_<how> unless shorter
 * than KEKE_MIN_DUR, and its stream marked (after the record: a run that
 * marking ends is stamped after the call, and written so). An
 * expression: the call's result, with its errno.
 */
#define STDIO_TRACED(call, ret, how, pargs, real_call, rargs)		  \
	({								  \
		struct keke_stream_at at_;				  \
		uint64_t t0_, dur_;					  \
		ret rv_;						  \
		int err_;						  \
									  \
		before_##how(&at_ KEKE_HOOK_ARGS_ pargs);		  \
		t0_ = keke_now();					  \
		rv_ = real_call;					  \
		err_ = errno;						  \
		dur_ = keke_now() - t0_;				  \
		if (keke_hook_keep(KEKE_CALL_##call, dur_))		  \
			record_##how(KEKE_CALL_##call, t0_, dur_, rv_,	  \
				     err_, &at_ KEKE_HOOK_ARGS_ rargs);	  \
		keke_stream_leave(&at_);				  \
		errno = err_;						  \
		rv_;							  \
	})

#undef KEKE_HOOK_WRAPPER_PRE
#define KEKE_HOOK_WRAPPER_PRE(fam, call, ret, name, params, args, how,	  \
			      pargs, rargs)				  \
	KEKE_EXPORT ret name params;					  \
	KEKE_EXPORT ret name params					  \
	{								  \
		keke_##name##_fn *real_ = KEKE_HOOK_REAL(name);		  \
									  \
		if (!keke_hook_on(KEKE_FAMILY_BIT_STDIO))		  \
			return real_ args;				  \
		return STDIO_TRACED(call, ret, how, pargs, real_ args,	  \
				    rargs);				  \
	}

/* The stream of a per-character call: the first of its fields. */
#define STREAM_FIRST_(stream, ...) stream
#define STREAM_OF_(fields) STREAM_FIRST_ fields

/*
 * A per-character call (hooks.def's KEKE_HOOK lines of this family):
 * counted into the thread's run of kind @call, never timed. Its common
 * case, a byte that fits in the buffer (or a call not traced), goes
 * straight on to the real function, without a stack frame; the rest
 * (the first call, a thread inside keke, a call that counts) is
 * counted_<name>'s.
 */
#undef KEKE_HOOK_WRAPPER
#define KEKE_HOOK_WRAPPER(fam, call, ret, name, params, args, how, rargs) \
	static __attribute__((noinline)) ret counted_##name params	  \
	{								  \
		keke_##name##_fn *real_ = KEKE_HOOK_REAL(name);		  \
		const unsigned kind_ = KEKE_RUN_KIND(KEKE_CALL_##call);	  \
		FILE *stream_ = STREAM_OF_(rargs);			  \
		ret rv_;						  \
									  \
		if (!keke_hook_on(KEKE_FAMILY_BIT_STDIO))		  \
			return real_ args;				  \
		keke_char_prepare(stream_, kind_);			  \
		rv_ = real_ args;					  \
		keke_char_done(stream_, kind_,				  \
			       keke_moved_##how(rv_ KEKE_HOOK_ARGS_ rargs)); \
		return rv_;						  \
	}								  \
	KEKE_EXPORT ret name params;					  \
	KEKE_EXPORT ret name params					  \
	{								  \
		keke_##name##_fn *real_ = __atomic_load_n(		  \
			&keke_hook_real[KEKE_HOOK_ID_##name],		  \
			__ATOMIC_RELAXED);				  \
									  \
		if (__builtin_expect(real_ && !keke_thread.busy &&	  \
				     (!keke_traced(KEKE_FAMILY_BIT_STDIO) || \
				      keke_quick_##how(STREAM_OF_(rargs), \
					KEKE_RUN_KIND(KEKE_CALL_##call))), 1)) \
			return real_ args;				  \
		return counted_##name args;				  \
	}

/* A variadic hook: the real function of its va_list spelling @vname,
 * called with @vargs (the last named parameter is fmt). */
#define STDIO_VARIADIC(call, how, name, params, vname, vargs, pargs,	  \
		       rargs)						  \
	KEKE_EXPORT int name params;					  \
	KEKE_EXPORT int name params					  \
	{								  \
		keke_##vname##_fn *real = KEKE_HOOK_REAL(vname);	  \
		va_list ap;						  \
		int rv;							  \
									  \
		va_start(ap, fmt);					  \
		if (keke_hook_on(KEKE_FAMILY_BIT_STDIO))		  \
			rv = STDIO_TRACED(call, int, how, pargs,	  \
					  real vargs, rargs);		  \
		else							  \
			rv = real vargs;				  \
		va_end(ap);						  \
		return rv;						  \
	}

STDIO_VARIADIC(FPRINTF, printf, fprintf, (FILE *f, const char *fmt, ...),
	       vfprintf, (f, fmt, ap), (f), ())
STDIO_VARIADIC(FPRINTF, printf, __fprintf_chk,
	       (FILE *f, int flag, const char *fmt, ...), __vfprintf_chk,
	       (f, flag, fmt, ap), (f), ())
STDIO_VARIADIC(PRINTF, printf, printf, (const char *fmt, ...), vprintf,
	       (fmt, ap), (stdout), ())
STDIO_VARIADIC(PRINTF, printf, __printf_chk, (int flag, const char *fmt, ...),
	       __vprintf_chk, (flag, fmt, ap), (stdout), ())
STDIO_VARIADIC(DPRINTF, dprintf, dprintf, (int fd, const char *fmt, ...),
	       vdprintf, (fd, fmt, ap), (NULL), (fd))
STDIO_VARIADIC(DPRINTF, dprintf, __dprintf_chk,
	       (int fd, int flag, const char *fmt, ...), __vdprintf_chk,
	       (fd, flag, fmt, ap), (NULL), (fd))
STDIO_VARIADIC(FSCANF, scanf, fscanf, (FILE *f, const char *fmt, ...),
	       vfscanf, (f, fmt, ap), (f), ())
STDIO_VARIADIC(FSCANF, scanf, __isoc99_fscanf,
	       (FILE *f, const char *fmt, ...), __isoc99_vfscanf,
	       (f, fmt, ap), (f), ())
STDIO_VARIADIC(SCANF, scanf, scanf, (const char *fmt, ...), vscanf,
	       (fmt, ap), (stdin), ())
STDIO_VARIADIC(SCANF, scanf, __isoc99_scanf, (const char *fmt, ...),
	       __isoc99_vscanf, (fmt, ap), (stdin), ())

/* rewind returns nothing: the fd, and 0. */
KEKE_EXPORT void rewind(FILE *f)
{
	keke_rewind_fn *real = KEKE_HOOK_REAL(rewind);
	struct keke_stream_at at;
	uint64_t t0, dur;
	int err;

	if (!keke_hook_on(KEKE_FAMILY_BIT_STDIO)) {
		real(f);
		return;
	}
	before_seek(&at, f, SEEK_SET);
	t0 = keke_now();
	real(f);
	err = errno;
	dur = keke_now() - t0;
	if (keke_hook_keep(KEKE_CALL_REWIND, dur))
		record_printf(KEKE_CALL_REWIND, t0, dur, 0, err, &at);
	keke_stream_leave(&at);
	errno = err;
}

#include "hook_wrappers.h"
