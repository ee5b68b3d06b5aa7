/* SPDX-License-Identifier: MIT */
/*
 * Bytes that go through a FILE's buffer one at a time: the per-character
 * calls (putc, getc, their _unlocked spellings...) and the inline macros
 * of <bits/stdio.h> (putc_unlocked, getc_unlocked), which move a byte
 * with no call at all and call __overflow or __uflow only when the buffer
 * is full or empty.
 *
 * Neither is counted byte by byte. Each stream has a mark: where the last
 * hooked call that looked left its write and read pointers. Whatever lies
 * between the mark and the pointer when a hook looks again was moved one
 * byte per call, and is counted then. A per-character call whose byte
 * fits in the buffer (the common case) is passed on untouched, to be
 * counted so; only one that meets the buffer's end (it will flush or
 * refill it), ungetc, and __overflow/__uflow/__underflow look: they count
 * what the pointer moved before them and then the byte they move
 * themselves. Recorded calls look before and after (stdio.c).
 *
 * What is counted goes into the thread's run, on one stream in one
 * direction, which becomes a PUTC or GETC slice of zero duration, stamped
 * when it ends (FD, CALLS, RESULT = bytes). A run ends when the thread
 * counts for another stream or makes a recorded call on one, at a flush,
 * seek or close of its own stream, after KEKE_RUN_MAX calls, and when the
 * thread or the image ends (exit, exec) or forks. No clock is read but
 * one per run.
 *
 * Read bytes are counted as the program consumes them (what fread or
 * fgets report too), and what glibc read into a buffer but the program
 * never took (a seek's read-ahead, the rest of a buffer at fclose or
 * exit) when it is dropped: so a stream's bytes add up to what its
 * read() calls returned, as strace counts them. Those dropped bytes go
 * into a GETC run (with no calls) too.
 */
#ifndef KEKE_STREAM_H
#define KEKE_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "preload.h"

/* The most calls one run counts before it is recorded and another one
 * starts. */
#define KEKE_RUN_MAX 65536

/* Where hooked calls left a stream's pointers. */
struct keke_stream_mark {
	FILE *stream;		/* whose mark this is; NULL: free */
	char *put;		/* its _IO_write_ptr, or NULL: unknown */
	char *get;		/* its _IO_read_ptr, or NULL: unknown */
	int64_t owed;		/* bytes read again from the buffer after
				 * a seek back in it, not to count again */
};

/* A stream's buffer as a recorded call found it. */
struct keke_stream_at {
	FILE *stream;		/* NULL: the call has none (dprintf) */
	int fd;			/* the stream's fd before the call, or -1 */
	bool consumes;		/* the call reads what it finds (fread...) */
	bool seeks;		/* the call moves the position (fseek...) */
	int whence;		/* how, when it does */
	char *read_ptr;		/* its read area before the call */
	char *read_end;
	char *read_base;
	int64_t offset;		/* glibc's idea of the fd's offset, or -1 */
};

/* A run's kind, in the low bits of its key (a FILE is aligned to 8). */
enum {
	KEKE_RUN_PUT = 1,
	KEKE_RUN_GET = 2,
	KEKE_RUN_KINDS = 3,
};

/* The kind of run the per-character calls of @call (KEKE_CALL_PUTC or
 * KEKE_CALL_GETC) make. */
#define KEKE_RUN_KIND(call) \
	((call) == KEKE_CALL_PUTC ? KEKE_RUN_PUT : KEKE_RUN_GET)

/*
 * Bytes between a hooked call's @mark and the pointer @ptr now, within an
 * area that starts at @base: what was moved a byte at a time since. With
 * no mark in that area (never seen, or flushed since), all of the area up
 * to @ptr.
 */
static inline int64_t keke_stream_pending(const char *ptr, const char *base,
					  const char *mark)
{
	if (!ptr || !base || ptr < base)
		return 0;
	if (mark && mark >= base && mark <= ptr)
		return ptr - mark;
	return ptr - base < (1 << 30) ? ptr - base : 0;
}

/* The pointer of @stream that runs of @kind follow. */
static __always_inline char *keke_char_ptr(const FILE *stream, unsigned kind)
{
	return kind == KEKE_RUN_PUT ? stream->_IO_write_ptr :
				      stream->_IO_read_ptr;
}

/* Whether a putc or getc on @stream moves its byte within the buffer:
 * then it is counted later, from the pointer it moves. */
static __always_inline bool keke_char_inside(const FILE *stream,
					     unsigned kind)
{
	if (kind == KEKE_RUN_PUT)
		return stream->_IO_write_ptr < stream->_IO_write_end;
	return stream->_IO_read_ptr < stream->_IO_read_end;
}

/* Before a per-character call of run kind @kind on @stream (NULL: does
 * nothing) that looks: counts what the pointer moved since its mark and
 * makes the thread's run one of @kind on @stream. Leaves errno alone. */
void keke_char_prepare(FILE *stream, unsigned kind);

/* After it: the call moved @moved bytes (1, 0, or -1 for ungetc). */
static __always_inline void keke_char_done(FILE *stream, unsigned kind,
					   int moved)
{
	struct keke_stdio_run *r = &keke_stdio_run;
	char *now;

	if (r->key != ((uintptr_t)stream | kind))
		return;		/* not a stream: no run */
	now = keke_char_ptr(stream, kind);
	r->calls++;
	r->bytes += moved;
	if (kind == KEKE_RUN_PUT)
		r->mark->put = now;
	else
		r->mark->get = now;
}

/* Before a recorded call on @stream (NULL: none), which reads what it
 * finds in the buffer when @consumes: counts what was moved a byte at a
 * time since the last hooked call on it, ends a run on another stream,
 * and one on this stream too when @ends (a flush, seek or reopen writes
 * or drops the buffer). Leaves errno alone. */
void keke_stream_enter(struct keke_stream_at *at, FILE *stream,
		       bool consumes, bool ends);

/* After it: counts the bytes glibc read into the buffer that the call
 * dropped unread (a seek's read-ahead, a refill undone), and marks where
 * the call left the stream's pointers. Leaves errno alone. */
void keke_stream_leave(const struct keke_stream_at *at);

/* The mark of @stream (taken over from another stream when it has
 * none). */
struct keke_stream_mark *keke_stream_mark_of(FILE *stream);

/* Counts every stream's bytes still in its buffer since its mark (at
 * exit, and fflush(NULL), which write them all), and at exit (@ending)
 * what was read into a buffer and never taken. */
void keke_stream_count_all(bool ending);

#endif
