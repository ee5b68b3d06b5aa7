/* SPDX-License-Identifier: MIT */
/*
 * The writer: appends records to this process's record file (record.h).
 *
 * Each thread owns a chunk of the file mapped MAP_SHARED, so a record is in
 * the page cache the moment it is written and survives SIGKILL. Writing an
 * event takes no lock, no malloc and no syscall: the fast path is a bounds
 * check and stores into the thread's chunk. Only a full chunk makes
 * syscalls (every 64 KiB of records): it is copied further into the file
 * with pwrite and started again, so the thread's records always go to the
 * same pages. The writer holds no file descriptor between calls: it opens
 * its file for a moment on those slow paths.
 *
 * Async-signal-safe: a signal handler that records while its thread is in
 * the middle of a record sees keke_thread.busy set and must not record
 * (hooks then only call the real function, and count the event dropped).
 *
 * Use:
 *	struct keke_rec r;
 *	if (keke_rec_begin(&r, KEKE_REC_SLICE, call, err, t0,
 *			   KEKE_REC_MAX_LEN(3, 0))) {
 *		keke_rec_int(&r, KEKE_KEY_DUR, t1 - t0);
 *		...
 *		keke_rec_commit(&r);
 *	}
 */
#ifndef KEKE_WRITER_H
#define KEKE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "record/fields.h"
#include "record/record.h"

#define KEKE_TLS __attribute__((tls_model("initial-exec")))

struct keke_thread_state {
	uint8_t *cur;		/* next free byte of the thread's chunk */
	uint8_t *chunk_end;	/* end of the room reserved in it */
	uint8_t *chunk;		/* its mapping, KEKE_CHUNK_SIZE bytes */
	int64_t chunk_off;	/* its offset in the file */
	uint64_t seq;		/* chunks this thread has started */
	uint32_t retry_after;	/* drops left before claiming again */
	int32_t tid;
	int busy;		/* KEKE_BUSY_*: do not record */
};

/* Why a thread must not record now. */
enum {
	KEKE_BUSY_WRITING = 1,	/* in the middle of a record: a call now
				 * comes from a signal handler and is lost
				 * (counted as dropped) */
	KEKE_BUSY_INTERNAL = 2,	/* keke calls libc for itself (resolver,
				 * unwinder): those calls are not the
				 * program's */
	KEKE_BUSY_VFORK = 3,	/* a vfork child runs on this thread's
				 * memory until it execs or exits: it
				 * records nothing and leaves keke's state
				 * as it is (preload/proc/vfork.c) */
	KEKE_BUSY_ENDED = 4,	/* the thread's routine has returned and its
				 * chunk is given back: what its last
				 * destructors call is lost (counted) */
};

extern __thread struct keke_thread_state keke_thread KEKE_TLS;

/*
 * Marks the thread busy (@why: KEKE_BUSY_*), or not busy. A signal
 * handler may run between any two instructions of its thread, so the
 * compiler must not move the thread's other state across these stores:
 * what is read after keke_busy_set is read once a handler can no longer
 * change it, and what is written before keke_busy_clear is in place
 * before a handler may use it.
 */
static inline void keke_busy_set(int why)
{
	keke_thread.busy = why;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

static inline void keke_busy_clear(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	keke_thread.busy = 0;
}

/* Whether a call now is the program's and lost: its thread is in the
 * middle of a record, or past its end. */
static inline bool keke_busy_drops(void)
{
	return keke_thread.busy == KEKE_BUSY_WRITING ||
	       keke_thread.busy == KEKE_BUSY_ENDED;
}

/* Whether this is a vfork child, borrowing its parent's memory. */
static inline bool keke_in_vfork_child(void)
{
	return keke_thread.busy == KEKE_BUSY_VFORK;
}

/* What the image a fork child exec'd into tells of that child, when the
 * child recorded nothing and so made no file (record.h, prelude_flow_in). */
struct keke_fork_prelude {
	uint64_t flow_in;		/* that led to the fork child; 0: none */
	uint64_t start;			/* ticks: the fork child started */
	uint64_t exec;			/* ticks: it called exec */
};

struct keke_writer_config {
	const char *dir;		/* the trace dir */
	uint8_t trace_id[16];
	uint8_t span_id[8];		/* this image's span */
	/* The span outside the run that its first image continues, and the
	 * W3C trace flags that came with it; zeros in every other image. */
	uint8_t remote_parent_span_id[8];
	uint8_t trace_flags;
	uint64_t flow_in;		/* flow leading to this image, or 0 */
	struct keke_fork_prelude prelude;
	/* Writes the records a file begins with (the process start), when a
	 * deferred file is made: before the record that made it, as its
	 * thread's own records (keke_writer_defer). */
	void (*begin)(void);
};

/*
 * Creates this process's record file in cfg->dir (O_EXCL, O_NOFOLLOW, mode
 * 0600, named <pid>-<start ns>.kr) and maps its header. A file started
 * before (this process's, or the parent's after a fork) is never written
 * again. cfg->dir must stay valid while the writer runs. The clock
 * (keke_clock_init) is chosen before: records are stamped with it.
 * Returns 0, or -errno with the writer left inactive (every event then
 * dropped without a trace; nothing else changes for the program).
 * Not thread-safe: called from start-up, or in a fork child.
 */
int keke_writer_start(const struct keke_writer_config *cfg);

/*
 * In the child of a fork: a new file with the last configuration, the
 * child's own @span_id, no remote parent, and @flow_in as the flow that
 * led to it, made when the child records its
 * first event (cfg->begin then writes first). A child that execs before
 * that makes none: its exec hands keke_writer_unstarted() to the new
 * image instead. Until then the writer counts as active, and the
 * parent's mappings stay (an exec drops them for free).
 * Not thread-safe: called in a fork child, before it can start threads.
 */
void keke_writer_defer(uint64_t flow_in, const uint8_t span_id[8]);

/* True while a deferred file is not made; then fills @p with the fork
 * child's flow and start (p->exec is left to the caller). */
bool keke_writer_unstarted(struct keke_fork_prelude *p);

/* When this image started, in ticks (a deferred one: at the fork). */
uint64_t keke_writer_image_start(void);

/* Whether a record file is open for this process. */
bool keke_writer_active(void);

/* Pid the current file was started for (to tell a fork child). */
int keke_writer_pid(void);

/* Refreshes the header's latest clock anchor (at exit, before exec). */
void keke_writer_refresh_anchor(void);

/* Counts @n events lost. */
void keke_writer_drop(uint64_t n);

/* Counts @n calls left out on purpose (shorter than KEKE_MIN_DUR). */
void keke_writer_filtered(uint64_t n);

/* The calling thread's routine has returned (or it called pthread_exit,
 * or was cancelled): its chunk is given back, and it records no more. */
void keke_writer_thread_end(void);

/* The path of this process's record file, or "" when inactive. */
const char *keke_writer_path(void);

/* Slow path of keke_rec_begin: finds room for @len bytes or fails. */
bool keke_writer_make_room(size_t len);

/* A record under construction. */
struct keke_rec {
	uint8_t *start;
	uint8_t *p;
	uint8_t type;
	uint8_t flags;
};

/* Upper bound of a record with @ints integer fields and @str_bytes bytes of
 * string fields (each string counted with KEKE_STR_MAX_LEN). */
#define KEKE_REC_MAX_LEN(ints, str_bytes) \
	(KEKE_REC_HEAD_SIZE + (ints) * (1 + KEKE_VARINT_MAX) + (str_bytes) + 7)
#define KEKE_STR_MAX_LEN(n) \
	(1 + 5 + ((n) < KEKE_STRING_CAP ? (n) : KEKE_STRING_CAP))

/* An errno as a record holds it: 0xffff when larger. */
static inline uint16_t keke_rec_err16(unsigned err)
{
	return err > 0xffff ? 0xffff : (uint16_t)err;
}

/* Sets the errno of @r, begun and not yet committed. */
static inline void keke_rec_set_err(struct keke_rec *r, unsigned err)
{
	uint16_t err16 = keke_rec_err16(err);

	memcpy(r->start + 6, &err16, 2);
}

/*
 * Starts a record of at most @max_len bytes in the calling thread's chunk.
 * Returns false when the event is dropped (counted): no space, no writer,
 * or the thread is already inside the writer (a signal handler).
 * On true, the caller adds fields and must call keke_rec_commit().
 */
static inline bool keke_rec_begin(struct keke_rec *r, unsigned type,
				  unsigned name, unsigned err, uint64_t ts,
				  size_t max_len)
{
	uint16_t name16 = (uint16_t)name;
	/* Worked out first: the compiler then needs no spill for it. */
	uint16_t err16 = keke_rec_err16(err);

	/* keke_thread is used by name, never through a pointer: GCC 12's
	 * UBSan miscompiles its null check of a TLS variable's address. */
	if (keke_thread.busy) {
		if (keke_busy_drops())
			keke_writer_drop(1);
		return false;
	}
	keke_busy_set(KEKE_BUSY_WRITING);
	if (__builtin_expect((uintptr_t)keke_thread.chunk_end -
			     (uintptr_t)keke_thread.cur < max_len, 0) &&
	    !keke_writer_make_room(max_len)) {
		keke_busy_clear();
		return false;
	}
	r->start = keke_thread.cur;
	r->p = keke_thread.cur + KEKE_REC_HEAD_SIZE;
	r->type = (uint8_t)type;
	r->flags = 0;
	memcpy(r->start + 4, &name16, 2);
	memcpy(r->start + 6, &err16, 2);
	memcpy(r->start + 8, &ts, 8);
	return true;
}

static inline void keke_rec_int(struct keke_rec *r, unsigned key, int64_t v)
{
	*r->p++ = (uint8_t)key;
	r->p = keke_put_varint(r->p, keke_zigzag(v));
}

/* Adds a string of @n bytes (may contain NULs), cut at KEKE_STRING_CAP. */
static inline void keke_rec_str(struct keke_rec *r, unsigned key,
				const char *s, size_t n)
{
	if (n > KEKE_STRING_CAP) {
		n = KEKE_STRING_CAP;
		r->flags |= KEKE_RECF_TRUNCATED;
	}
	*r->p++ = (uint8_t)(key | KEKE_TAG_STRING);
	r->p = keke_put_varint(r->p, n);
	memcpy(r->p, s, n);
	r->p += n;
}

/*
 * A string field whose bytes the caller writes in place (no copy on the
 * stack): keke_rec_str_begin returns where they go, at most
 * KEKE_STRING_CAP of them; keke_rec_str_end says how many were written.
 * The length is a two-byte varint, its longest form below 16384.
 */
static inline char *keke_rec_str_begin(struct keke_rec *r, unsigned key)
{
	*r->p++ = (uint8_t)(key | KEKE_TAG_STRING);
	r->p += 2;
	return (char *)r->p;
}

static inline void keke_rec_str_end(struct keke_rec *r, size_t len)
{
	if (len > KEKE_STRING_CAP) {
		len = KEKE_STRING_CAP;
		r->flags |= KEKE_RECF_TRUNCATED;
	}
	r->p[-2] = (uint8_t)(len | 0x80);
	r->p[-1] = (uint8_t)(len >> 7);
	r->p += len;
}

/* Joins the strings of @list (NULL-terminated) with NULs into the string
 * field @key, in place; cut at KEKE_STRING_CAP. */
static inline void keke_rec_strv(struct keke_rec *r, unsigned key,
				 char *const *list)
{
	char *out = keke_rec_str_begin(r, key);
	size_t len = 0;

	for (size_t i = 0; list && list[i]; i++) {
		size_t n = strlen(list[i]) + 1;

		if (n > KEKE_STRING_CAP - len) {
			n = KEKE_STRING_CAP - len;
			r->flags |= KEKE_RECF_TRUNCATED;
		}
		memcpy(out + len, list[i], n);
		len += n;
		if (len == KEKE_STRING_CAP)
			break;
	}
	keke_rec_str_end(r, len && out[len - 1] == '\0' ? len - 1 : len);
}

/* Publishes the record: its word is stored last, with release order. */
static inline void keke_rec_commit(struct keke_rec *r)
{
	uint32_t len = (uint32_t)(r->p - r->start);
	uint32_t padded = (len + 7) & ~7u;

	/* The padding is still zero: chunks start zeroed and every byte
	 * before the cursor belongs to a committed record. */
	__atomic_store_n((uint32_t *)r->start,
			 keke_rec_word(len, r->type, r->flags),
			 __ATOMIC_RELEASE);
	keke_thread.cur = r->start + padded;
	keke_busy_clear();
}

#endif
