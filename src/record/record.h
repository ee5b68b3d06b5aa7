/* SPDX-License-Identifier: MIT */
/*
 * The record file format: the only contract between libkeke.so (which writes)
 * and the keke tools (which read). Everything here is little-endian x86_64
 * layout; a reader on another host reads it with the same structs.
 *
 * A file holds one process image (an exec starts a new file for the same
 * pid). Its layout:
 *
 *     offset 0        struct keke_file_header, padded to KEKE_HEADER_SIZE
 *     KEKE_HEADER_SIZE  chunk 0, chunk 1, ... each exactly chunk_size bytes
 *
 * A chunk belongs to one thread. It starts with struct keke_chunk_header and
 * is followed by records packed back to back, each a multiple of 8 bytes.
 * The unused tail of a chunk is zero (the file is extended with fallocate),
 * so a zero record word ends the chunk. A thread's first chunk is extended
 * a few 4 KiB pages at a time, so the file may end on a page boundary
 * inside a chunk: the rest of that chunk reads as zero. A chunk whose
 * magic is zero was claimed but never started (its thread died or its
 * process was killed): the reader skips it.
 *
 * A thread writes into its first chunk only. When that is full, its
 * records are copied to a new chunk further on (same header, same seq),
 * the first chunk's magic becomes KEKE_CHUNK_COPIED while it is cleared,
 * and it starts again with the next seq. So a thread's chunks stand in the
 * file in any order, and are read in the order of their seq. A writer
 * killed between the copy and that mark leaves two chunks with one seq:
 * the first in the file is whole, the other may be cut (version 2; in
 * version 1 a thread's chunks follow each other in seq order).
 *
 * A record is:
 *
 *     u32 word     length in bytes (16 bits) | type << 16 | flags << 24
 *     u16 name     for KEKE_REC_SLICE: the call id (see calls.def), else 0
 *     u16 err      errno of the call, 0 when it succeeded
 *     u64 ts       start time in clock ticks (see keke_file_header.clock)
 *     fields...    until the length: each a tag byte then a value
 *     zero padding to a multiple of 8
 *
 * The writer fills everything but the word, then stores the word with
 * release order: a record is visible only once complete, so a crash mid
 * record leaves a zero word (a torn tail) that ends the chunk, never a
 * half-written record that a reader would trust.
 *
 * A field's tag byte is its key id (keys.def, 1..127) with KEKE_TAG_STRING
 * set for strings. An integer value is a zigzag LEB128 varint; a string is a
 * varint length then that many bytes (not NUL terminated, may hold NULs:
 * argv is its arguments joined by NUL). A string longer than
 * KEKE_STRING_CAP is cut there and the record gets KEKE_RECF_TRUNCATED.
 * Tag 0 is padding: the fields end there.
 *
 * Time: when the file header's clock is KEKE_CLOCK_TSC, ticks are raw TSC
 * values (invariant TSC only); the header's two anchor pairs (ticks and
 * CLOCK_MONOTONIC ns read together at start, and refreshed at every chunk
 * claim and at exit) let the merge convert them. With KEKE_CLOCK_MONOTONIC,
 * ticks are CLOCK_MONOTONIC nanoseconds.
 */
#ifndef KEKE_RECORD_H
#define KEKE_RECORD_H

#include <stdint.h>

#define KEKE_FILE_MAGIC "KEKEREC"	/* 8 bytes with its NUL */
#define KEKE_FORMAT_VERSION 2
#define KEKE_HEADER_SIZE 4096u
#define KEKE_CHUNK_SIZE 65536u
#define KEKE_CHUNK_MAGIC 0x4b43484bu	/* "KHCK" */
#define KEKE_CHUNK_COPIED 0x4b43504bu	/* "KPCK": copied on, being cleared */
#define KEKE_FILE_SUFFIX ".kr"
/* A process image that could not make or map its record file leaves, in
 * its place, a symbolic link <pid>-<stamp>[-n].why (stamp: CLOCK_MONOTONIC
 * ns) whose target says "<errno> <ppid> <name>": what stopped it (in
 * decimal), its parent, and its name as the kernel keeps it (comm). */
#define KEKE_NOTE_SUFFIX ".why"
#define KEKE_STRING_CAP 8192u
#define KEKE_HOST_MAX 64
#define KEKE_RECORD_MAX 32768u	/* no record is larger */

enum keke_clock {
	KEKE_CLOCK_MONOTONIC = 1,
	KEKE_CLOCK_TSC = 2,
};

/* A pair of clock readings taken back to back. */
struct keke_anchor {
	uint64_t ticks;
	uint64_t mono_ns;
};

struct keke_file_header {
	char magic[8];			/* KEKE_FILE_MAGIC */
	uint32_t version;		/* KEKE_FORMAT_VERSION */
	uint32_t header_size;		/* KEKE_HEADER_SIZE */
	uint32_t chunk_size;		/* KEKE_CHUNK_SIZE */
	uint32_t clock;			/* enum keke_clock */
	int32_t pid;
	int32_t ppid;
	uint8_t trace_id[16];		/* same for every file of one run */
	uint64_t start_realtime_ns;	/* CLOCK_REALTIME read with start */
	struct keke_anchor start;	/* read when the file was created */
	struct keke_anchor latest;	/* refreshed at chunk claims, exit */
	uint64_t dropped;		/* events lost (no space, no chunk) */
	uint64_t flow_in;		/* flow that led to this image, or 0 */
	uint64_t filtered;		/* calls left out: below KEKE_MIN_DUR */
	char host[KEKE_HOST_MAX];	/* NUL terminated */
	/* Fields added to version 1; a file without them has zeros here. */
	uint64_t image_start;		/* ticks: when the image started, if
					 * before the file was made (a fork
					 * child makes it at its first
					 * record); 0: at start.ticks */
	/* A fork child that exec'd before it recorded anything made no file:
	 * the image it exec'd into tells of it (prelude_flow_in 0: none). Its
	 * exec call's path is then the PROCESS_START record's path field,
	 * and its exec's flow is flow_in. */
	uint64_t prelude_flow_in;	/* flow that led to that fork child */
	uint64_t prelude_start;		/* ticks: when it started */
	uint64_t prelude_exec;		/* ticks: when it called exec */
	/* Fields for traces that reach beyond one run on one boot of one
	 * host; zeros in older files. */
	uint8_t boot_id[16];		/* the kernel's boot id: monotonic
					 * times of two boots, or hosts, are
					 * never compared */
	uint8_t span_id[8];		/* this image's span, as TRACEPARENT
					 * names it to the program; zeros:
					 * none */
	uint8_t remote_parent_span_id[8];	/* the span outside the
					 * run that TRACEPARENT named when
					 * the run began (root image only);
					 * zeros: none */
	uint8_t trace_flags;		/* W3C trace flags that came with it */
};

struct keke_chunk_header {
	uint32_t magic;			/* KEKE_CHUNK_MAGIC; written last */
	int32_t tid;
	uint64_t seq;			/* per-thread chunk number from 0 */
};

#define KEKE_REC_HEAD_SIZE 16u

enum keke_rec_type {
	KEKE_REC_PROCESS_START = 1,	/* pid ppid exe cwd argv [env]
					 * [path: see prelude_flow_in] */
	KEKE_REC_PROCESS_END = 2,	/* status how */
	KEKE_REC_SLICE = 3,		/* a completed call: dur + args */
	KEKE_REC_THREAD_NAME = 4,	/* name */
	KEKE_REC_SPAN_BEGIN = 5,	/* name cat: keke_begin() */
	KEKE_REC_SPAN_END = 6,		/* keke_end() */
	KEKE_REC_ARG = 7,		/* name value: of the open span */
	KEKE_REC_INSTANT = 8,		/* name cat */
	KEKE_REC_COUNTER = 9,		/* name value */
	KEKE_REC_FLOW = 10,		/* flow_out or flow_in, at the open
					 * span (or here) */
	KEKE_REC_STACK = 11,		/* stack_id, stack: return addresses
					 * (8 bytes each), innermost first */
	KEKE_REC_MODULE = 12,		/* path base start end build_id: a
					 * loaded object, for symbolizing */
	KEKE_REC_TYPE_MAX
};

#define KEKE_RECF_TRUNCATED 0x01	/* a string was cut at the cap */
/* An exec, a spawn, or a vfork whose child exec'd: keke's variables took
 * the new image's arguments and environment over the kernel's limit
 * (E2BIG), so it runs without them, untraced, as it would without keke. */
#define KEKE_RECF_UNTRACED 0x02

#define KEKE_TAG_STRING 0x80
#define KEKE_TAG_KEY_MASK 0x7f

/* How a process ended, the value of the "how" field of PROCESS_END. */
enum keke_exit_how {
	KEKE_EXIT_MAIN_RETURN = 1,
	KEKE_EXIT_EXIT = 2,
	KEKE_EXIT_UNDERSCORE = 3,	/* _exit or _Exit */
	KEKE_EXIT_DESTRUCTOR = 4,	/* seen only in a destructor */
};

enum keke_key {
	KEKE_KEY_NONE = 0,
#define KEKE_KEY(id, sym, text) KEKE_KEY_##sym = id,
#include "record/keys.def"
#undef KEKE_KEY
	KEKE_KEY_MAX
};

static inline uint32_t keke_rec_word(uint32_t len, unsigned type,
				     unsigned flags)
{
	return len | (uint32_t)type << 16 | (uint32_t)flags << 24;
}

static inline uint32_t keke_rec_len(uint32_t word)
{
	return word & 0xffff;
}

static inline unsigned keke_rec_type(uint32_t word)
{
	return (word >> 16) & 0xff;
}

static inline unsigned keke_rec_flags(uint32_t word)
{
	return word >> 24;
}

enum keke_call {
	KEKE_CALL_NONE = 0,
#define KEKE_CALL(id, sym, text, cat) KEKE_CALL_##sym = id,
#include "record/calls.def"
#undef KEKE_CALL
	KEKE_CALL_MAX
};

/* Names of ids, or NULL for an id this build does not know. */
const char *keke_key_name(unsigned key);
const char *keke_call_name(unsigned call);
const char *keke_call_category(unsigned call);

#endif
