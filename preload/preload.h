/* SPDX-License-Identifier: MIT */
/* Shared by the files of libkeke.so: start-up state and hook helpers. */
#ifndef KEKE_PRELOAD_H
#define KEKE_PRELOAD_H

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>

#include "record/clock.h"
#include "record/families.h"
#include "record/once.h"
#include "runtime/stacks.h"
#include "runtime/writer.h"

/* Everything in libkeke.so is hidden but what is marked with this. */
#define KEKE_EXPORT __attribute__((visibility("default")))

/*
 * Reads the symbol tables of the objects after libkeke.so, once, first
 * thing at start-up: from then on resolving a hook (hook.h) takes no lock.
 */
void keke_hooks_locate(void);

/* libkeke.so's path as ld.so loaded it, found by keke_hooks_locate; NULL
 * when it did not look. */
const char *keke_loaded_as(void);

/* A bit per traced family; 0 until start-up has opened the record file,
 * so hooks that run earlier only forward to the real function. */
extern uint32_t keke_families;

static inline bool keke_traced(enum keke_family_bit family)
{
	return __builtin_expect(keke_families >> family & 1, 1);
}

/* A flow id no other process of the run will make. */
uint64_t keke_new_flow(void);

/* Draws this image's flow ids afresh (at start-up, from @inherited: the
 * incoming flow; in a fork child, from the parent's), once the writer
 * knows this process's pid. */
void keke_seed_flows(uint64_t inherited);

/* What a fork child that recorded nothing (the prelude of the image it
 * execs) hands to that image in KEKE_FLOW_IN, which then tells of it: the
 * child needs no file. */
struct keke_prelude_env {
	int pid;		/* of the fork child, the new image's too */
	struct keke_fork_prelude fork;
	const char *path;	/* the program exec'd */
};

/* The flow KEKE_FLOW_IN gives this process, or 0 (not meant for it);
 * fills @h with a prelude (zeros when none). */
uint64_t keke_incoming_flow(struct keke_prelude_env *h);

/* Remembers this run's KEKE_* variables and libkeke.so's path (start-up,
 * before the program can change its environment). */
void keke_remember_run(void);

/* Finds the real exec functions (start-up, so fork children need not). */
void keke_exec_init(void);

/* Writes KEKE_FLOW_IN, giving @flow (and prelude @h, unless NULL) to a
 * process whose parent will be @ppid, into @buf; returns its length. */
int keke_flow_env(char *buf, size_t size, int ppid, uint64_t flow,
		  const struct keke_prelude_env *h);

/* What libkeke.so is called in LD_PRELOAD, and the KEKE_* variables of
 * this run ("NAME=value" each), for the environment of children. */
const char *keke_self_path(void);
const char *const *keke_run_vars(void);

/* Records that this process image ends (once). @has_status: @status is
 * the value given to exit/_exit or returned by main. */
void keke_record_exit(enum keke_exit_how how, bool has_status, int status);

/*
 * Starts the slice of a call of the process family that made or reaped a
 * child (fork, wait): begun at @t0 and over now, with its stack (when
 * stacks are on for @call), its result @pid and the child's pid when
 * @pid > 0; failed with errno @err when @pid < 0. Room for @max_len bytes
 * (keke_rec_begin). Returns false when dropped.
 */
static inline bool keke_child_slice_begin(struct keke_rec *r, unsigned call,
					  int pid, int err, uint64_t t0,
					  size_t max_len)
{
	uint64_t dur = keke_now() - t0;
	uint64_t stack = keke_stack_for(call, &max_len);

	if (!keke_rec_begin(r, KEKE_REC_SLICE, call,
			    pid < 0 ? (unsigned)err : 0, t0, max_len))
		return false;
	keke_rec_int(r, KEKE_KEY_DUR, (int64_t)dur);
	keke_rec_stack(r, stack);
	keke_rec_int(r, KEKE_KEY_RESULT, pid);
	if (pid > 0)
		keke_rec_int(r, KEKE_KEY_CHILD_PID, pid);
	return true;
}

/*
 * The per-character stdio calls (putc, getc, the buffer refills and
 * flushes of the inline macros) a thread is counting on one stream
 * (stream.c): a run, recorded as one slice when it ends.
 */
struct keke_stdio_run {
	uintptr_t key;			/* the stream's address | 1 for a run
					 * of puts, | 2 of gets; 0: no run */
	struct keke_stream_mark *mark;	/* the stream's mark (stream.h) */
	int64_t bytes;			/* moved so far */
	uint32_t calls;			/* made so far */
	int32_t fd;			/* the stream's, when the run began */
};

extern __thread struct keke_stdio_run keke_stdio_run KEKE_TLS;

/* Slow path of keke_stdio_end_run. */
void keke_stdio_run_over(void);

/* Ends the calling thread's run, if any, with its slice (before fork and
 * exec, at the end of a thread). */
static inline void keke_stdio_end_run(void)
{
	if (__builtin_expect(keke_stdio_run.key != 0, 0))
		keke_stdio_run_over();
}

/* This image ends: with exit (@flushes: the C library is about to write
 * what its streams hold), or _exit (what they hold is lost). Counts the
 * bytes the inline macros left in every stream, then ends the run. */
void keke_stdio_exit(bool flushes);

/* In a fork child: what the parent read into the streams' buffers is
 * the parent's, not to count again as this process takes or drops it. */
void keke_stdio_forked(void);

/* @stream is being closed (fclose): counts what the inline macros left in
 * its buffer, which the close writes, ends a run on it, and forgets it. */
struct _IO_FILE;
void keke_stdio_closing(struct _IO_FILE *stream);

/* The flow of the fork the calling thread is making, or 0. */
uint64_t keke_forking_flow(void);

#endif
