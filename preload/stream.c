// SPDX-License-Identifier: MIT
/*
 * The runs of per-character stdio calls and the marks of the streams
 * (stream.h): where a run starts, goes on and ends, and how the bytes the
 * inline macros moved are found in a stream's buffer.
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include "hook.h"
#include "raw_syscall.h"
#include "stream.h"

__thread struct keke_stdio_run keke_stdio_run KEKE_TLS;

/*
 * The marks, one slot per stream by a hash of its address: a stream that
 * takes over another's slot leaves that one without a mark, whose next
 * hooked call then counts its whole area as moved by the macros. No lock:
 * a race between two threads costs a mark, never memory.
 */
#define MARK_BITS 8
static struct keke_stream_mark marks[1u << MARK_BITS] KEKE_BULK;

static inline struct keke_stream_mark *slot_of(const FILE *stream)
{
	uint64_t h = ((uintptr_t)stream >> 4) * 0x9e3779b97f4a7c15ull;

	return &marks[h >> (64 - MARK_BITS)];
}

struct keke_stream_mark *keke_stream_mark_of(FILE *stream)
{
	struct keke_stream_mark *m = slot_of(stream);

	if (m->stream != stream) {
		m->stream = stream;
		m->put = NULL;
		m->get = NULL;
		m->owed = 0;
	}
	return m;
}

/* The stream of run @r, or NULL. */
static inline FILE *run_stream(const struct keke_stdio_run *r)
{
	return (FILE *)(r->key & ~(uintptr_t)KEKE_RUN_KINDS);
}

/*
 * A stamp for a run's slice, now, apart from every other slice's ends on
 * the thread: the clock is read until it has moved on from the last call
 * that ended, and again until it has moved on from the stamp, so that the
 * next call starts after it. A slice of no duration that shares its time
 * with another's start or end is read by viewers as overlapping it. A
 * clock step in ticks that is at least a nanosecond at any TSC rate.
 */
#define STAMP_STEP 8

static uint64_t run_stamp(void)
{
	uint64_t step = keke_clock_kind == KEKE_CLOCK_TSC ? STAMP_STEP : 1;
	uint64_t before = keke_now(), t;

	while ((t = keke_now()) - before < step)
		;
	while (keke_now() - t < step)
		;
	return t;
}

/* Records the run @r as a slice of zero duration, stamped now, and
 * clears it. Its bytes may drop below zero when an ungetc gave back a
 * byte that a recorded call had read: then it moved none. */
static void run_record(struct keke_stdio_run *r)
{
	struct keke_rec rec;
	unsigned call = (r->key & KEKE_RUN_KINDS) == KEKE_RUN_PUT ?
			KEKE_CALL_PUTC : KEKE_CALL_GETC;

	if (keke_slice_begin(&rec, call, 0, run_stamp(), 0,
			     KEKE_REC_MAX_LEN(4, 0))) {
		keke_rec_int(&rec, KEKE_KEY_FD, r->fd);
		keke_rec_int(&rec, KEKE_KEY_CALLS, r->calls);
		keke_rec_int(&rec, KEKE_KEY_RESULT, r->bytes > 0 ? r->bytes : 0);
		keke_rec_commit(&rec);
	}
	r->key = 0;
}

/* The thread's run of @kind on @stream (whose mark is @m): the current
 * one, or a new one after recording the current one. */
static struct keke_stdio_run *run_on(FILE *stream, unsigned kind,
				     struct keke_stream_mark *m)
{
	struct keke_stdio_run *r = &keke_stdio_run;
	uintptr_t key = (uintptr_t)stream | kind;

	if (r->key == key && r->fd == stream->_fileno &&
	    r->calls < KEKE_RUN_MAX) {
		r->mark = m;
		return r;
	}
	if (r->key)
		run_record(r);
	r->key = key;
	r->mark = m;
	r->fd = stream->_fileno;
	r->calls = 0;
	r->bytes = 0;
	return r;
}

/* Of @n bytes read from @m's stream, those not read again after a seek
 * back within its buffer (counted when first read). */
static int64_t read_anew(struct keke_stream_mark *m, int64_t n)
{
	int64_t again = m->owed < n ? m->owed : n;

	m->owed -= again;
	return n - again;
}

/* Adds @n bytes moved a byte at a time on @stream, a call each, to the
 * thread's run of @kind on it. */
static void count_gap(FILE *stream, unsigned kind, struct keke_stream_mark *m,
		      int64_t n)
{
	while (n > 0) {
		struct keke_stdio_run *r = run_on(stream, kind, m);
		int64_t some = KEKE_RUN_MAX - r->calls < n ?
			       KEKE_RUN_MAX - r->calls : n;

		r->calls += (uint32_t)some;
		r->bytes += kind == KEKE_RUN_GET ? read_anew(m, some) : some;
		n -= some;
	}
}

void keke_char_prepare(FILE *stream, unsigned kind)
{
	struct keke_stream_mark *m;
	char **mark, *ptr, *base;
	int err = errno;

	if (!stream)
		return;
	m = keke_stream_mark_of(stream);
	mark = kind == KEKE_RUN_PUT ? &m->put : &m->get;
	ptr = keke_char_ptr(stream, kind);
	base = kind == KEKE_RUN_PUT ? stream->_IO_write_base :
				      stream->_IO_read_base;
	count_gap(stream, kind, m, keke_stream_pending(ptr, base, *mark));
	run_on(stream, kind, m);	/* with room for the call */
	*mark = ptr;
	errno = err;
}

void keke_stream_enter(struct keke_stream_at *at, FILE *stream,
		       bool consumes, bool ends)
{
	struct keke_stdio_run *r = &keke_stdio_run;
	int err = errno;

	at->stream = stream;
	at->fd = stream ? stream->_fileno : -1;
	at->consumes = consumes;
	at->seeks = false;
	if (stream) {
		struct keke_stream_mark *m = keke_stream_mark_of(stream);
		int64_t put = keke_stream_pending(stream->_IO_write_ptr,
						  stream->_IO_write_base,
						  m->put);
		int64_t get = keke_stream_pending(stream->_IO_read_ptr,
						  stream->_IO_read_base,
						  m->get);

		at->read_ptr = stream->_IO_read_ptr;
		at->read_end = stream->_IO_read_end;
		at->read_base = stream->_IO_read_base;
		at->offset = stream->_offset;
		if (put)
			count_gap(stream, KEKE_RUN_PUT, m, put);
		if (get)
			count_gap(stream, KEKE_RUN_GET, m, get);
	}
	if (r->key && (run_stream(r) != stream || ends))
		run_record(r);
	errno = err;
}

/* Whether the read area [@base, @end) of @f is in its buffer (not the
 * backup area ungetc may make, nor nothing). */
static bool in_buffer(const FILE *f, const char *base, const char *end)
{
	return base && f->_IO_buf_base && base >= f->_IO_buf_base &&
	       end <= f->_IO_buf_end;
}

/* Bytes read into @f's buffer that the program has not taken. */
static int64_t unread(const FILE *f)
{
	if (!in_buffer(f, f->_IO_read_base, f->_IO_read_end) ||
	    f->_IO_read_ptr >= f->_IO_read_end)
		return 0;
	return f->_IO_read_end - f->_IO_read_ptr;
}

/* Counts @n bytes read into @stream's buffer and dropped unread into the
 * thread's run of gets on it, with no calls. A negative @n, a seek back
 * within the buffer, is owed: the bytes it will serve again were counted
 * when they were read. */
static void count_dropped(FILE *stream, struct keke_stream_mark *m,
			  int64_t n)
{
	if (n < 0) {
		m->owed -= n;
		return;
	}
	run_on(stream, KEKE_RUN_GET, m)->bytes += read_anew(m, n);
}

/*
 * What a call that takes nothing from the buffer (a seek, a write, a
 * flush) dropped of what glibc had read into it: the rest of the area it
 * found, and the start of a new one it read and skipped (fseek reads the
 * block it lands in). An area that stayed (the same place, and the fd's
 * offset unmoved) was only stepped through, forth or back.
 */
static int64_t dropped(const struct keke_stream_at *at)
{
	const FILE *f = at->stream;
	int64_t n = 0;

	if (f->_IO_read_base == at->read_base &&
	    f->_IO_read_end == at->read_end) {
		if (f->_IO_read_ptr == at->read_ptr)
			return 0;
		if (at->offset != -1 && f->_offset == at->offset &&
		    in_buffer(f, at->read_base, at->read_end))
			return f->_IO_read_ptr - at->read_ptr;
	}
	if (in_buffer(f, at->read_base, at->read_end) &&
	    at->read_ptr < at->read_end)
		n += at->read_end - at->read_ptr;
	if (in_buffer(f, f->_IO_read_base, f->_IO_read_end) &&
	    f->_IO_read_ptr > f->_IO_read_base)
		n += f->_IO_read_ptr - f->_IO_read_base;
	return n;
}

/* glibc's flag of a stream that may not read (_IO_NO_READS of its
 * libio.h, the same since libio began). */
#define IO_NO_READS 4

/*
 * What a seek read and dropped with no trace left in the buffer. glibc
 * lands a seek by reading the block it falls in from the block's start;
 * when the file ends before the landing point, it drops what it got and
 * leaves the area empty. That is what the file holds from the block's
 * start: looked up (one fstat) only when a seek of a readable stream
 * left an empty area short of a block's start.
 */
static int64_t seek_read_ahead(const struct keke_stream_at *at)
{
	const FILE *f = at->stream;
	int64_t size = f->_IO_buf_end - f->_IO_buf_base;
	int64_t target = f->_offset, delta;
	struct stat st;

	if (!at->seeks || (f->_flags & IO_NO_READS) || size <= 0 ||
	    (size & (size - 1)) || target < 0 ||
	    f->_IO_read_base != f->_IO_read_end ||
	    (target == at->offset && f->_IO_read_ptr == at->read_ptr) ||
	    (at->whence == SEEK_CUR && at->offset == -1))
		return 0;
	delta = target & (size - 1);
	if (!delta || keke_raw_syscall(SYS_fstat, f->_fileno, (long)&st, 0,
				       0) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_size <= target - delta)
		return 0;
	return st.st_size - (target - delta) < delta ?
		st.st_size - (target - delta) : 0;
}

void keke_stream_leave(const struct keke_stream_at *at)
{
	struct keke_stream_mark *m;
	int64_t n;
	int err;

	if (!at->stream)
		return;
	m = keke_stream_mark_of(at->stream);
	if (!at->consumes && (n = dropped(at) + seek_read_ahead(at)) != 0) {
		err = errno;
		count_dropped(at->stream, m, n);
		errno = err;
	}
	m->put = at->stream->_IO_write_ptr;
	m->get = at->stream->_IO_read_ptr;
}

/* The list of every stream glibc has open (what its exit walks to flush
 * them), exported for old binaries; not in any header. */
extern FILE *_IO_list_all;

/* Most streams walked, against a list that a bug has made a circle. */
#define WALK_MAX 65536

/* Counts what @f's buffer holds that no hook saw: bytes written since its
 * mark, and when @ending, bytes read since it and bytes never taken. */
static void count_left(FILE *f, bool ending)
{
	struct keke_stream_mark *m = keke_stream_mark_of(f);
	int64_t put = keke_stream_pending(f->_IO_write_ptr, f->_IO_write_base,
					  m->put);

	if (put)
		count_gap(f, KEKE_RUN_PUT, m, put);
	m->put = f->_IO_write_ptr;
	if (ending) {
		int64_t get = keke_stream_pending(f->_IO_read_ptr,
						  f->_IO_read_base, m->get);

		if (get)
			count_gap(f, KEKE_RUN_GET, m, get);
		if (unread(f))
			count_dropped(f, m, unread(f));
		m->get = f->_IO_read_ptr;
	}
}

/* Called at every image's end: in the start-up segment, and touching the
 * hooks' code only for a stream whose buffer holds something. */
KEKE_ONCE void keke_stream_count_all(bool ending)
{
	unsigned n = 0;

	for (FILE *f = _IO_list_all; f && n < WALK_MAX; f = f->_chain, n++) {
		const struct keke_stream_mark *m = slot_of(f);
		bool known = m->stream == f, any;

		any = keke_stream_pending(f->_IO_write_ptr, f->_IO_write_base,
					  known ? m->put : NULL) != 0;
		if (ending && !any)
			any = keke_stream_pending(f->_IO_read_ptr,
						  f->_IO_read_base,
						  known ? m->get : NULL) ||
			      unread(f);
		if (any)
			count_left(f, ending);
	}
}

void keke_stdio_run_over(void)
{
	int err;

	/* A vfork child shares its parent's run: it leaves it alone. */
	if (keke_thread.busy)
		return;
	err = errno;
	run_record(&keke_stdio_run);
	errno = err;
}

KEKE_ONCE void keke_stdio_exit(bool flushes)
{
	int err;

	if (!keke_traced(KEKE_FAMILY_BIT_STDIO) || keke_thread.busy)
		return;
	err = errno;
	if (flushes)
		keke_stream_count_all(true);
	keke_stdio_end_run();
	errno = err;
}

KEKE_ONCE void keke_stdio_forked(void)
{
	unsigned n = 0;

	if (!keke_traced(KEKE_FAMILY_BIT_STDIO) || keke_thread.busy)
		return;
	for (FILE *f = _IO_list_all; f && n < WALK_MAX; f = f->_chain, n++)
		if (unread(f))
			keke_stream_mark_of(f)->owed += unread(f);
}

void keke_stdio_closing(FILE *stream)
{
	struct keke_stream_at at;
	struct keke_stream_mark *m;

	if (!stream || !keke_traced(KEKE_FAMILY_BIT_STDIO) ||
	    keke_thread.busy)
		return;
	keke_stream_enter(&at, stream, false, true);
	m = slot_of(stream);
	if (unread(stream)) {
		int err = errno;

		count_dropped(stream, keke_stream_mark_of(stream),
			      unread(stream));
		keke_stdio_end_run();
		errno = err;
	}
	if (m->stream == stream)
		m->stream = NULL;
}
