/* SPDX-License-Identifier: MIT */
/*
 * The reader: iterates the records of one record file (record.h).
 *
 * Strings in a record point into the reader's copy of the current chunk:
 * they are valid until the next call.
 *
 * Damage never stops it early: a truncated, torn or corrupt region is
 * reported as an error naming the file and byte offset, and the next call
 * goes on with the next chunk, so every intact record is still returned.
 */
#ifndef KEKE_READER_H
#define KEKE_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record/record.h"

#define KEKE_MAX_FIELDS 32
#define KEKE_ERROR_MAX 512

struct keke_field {
	uint8_t key;		/* enum keke_key (may be unknown to us) */
	bool is_str;
	int64_t i;		/* the integer, when !is_str */
	const char *s;		/* the string's bytes, when is_str */
	uint32_t len;		/* its length (no NUL after it) */
};

struct keke_record {
	uint8_t type;		/* enum keke_rec_type */
	uint8_t flags;		/* KEKE_RECF_* */
	uint16_t name;		/* call id for slices */
	uint16_t err;
	uint64_t ts;		/* ticks, as written */
	int32_t tid;		/* of the chunk it was in */
	uint64_t offset;	/* in the file */
	unsigned nfields;
	struct keke_field fields[KEKE_MAX_FIELDS];
};

struct keke_reader {
	char *path;
	int fd;
	uint8_t *buf;		/* the current chunk, as read */
	uint8_t *held;		/* the whole file, when held */
	const uint8_t *data;	/* the current chunk's bytes: buf or in
				 * held */
	size_t size;
	struct keke_file_header hdr;
	size_t *order;		/* chunk offsets, in the order they are read */
	size_t nchunks;
	size_t next;		/* index in order of the chunk after this */
	size_t chunk;		/* offset of the current chunk */
	size_t pos;		/* offset of the next record, 0 between chunks */
	int32_t tid;		/* of the current chunk */
	size_t nthreads;	/* that wrote chunks */
	/* When set: the records it says no to are skipped (keke_reader_only) */
	bool (*want)(const struct keke_record *head);
};

/*
 * Opens @path and checks its header. Returns 0, or -1 with a message in
 * @err ("PATH: offset N: what") for a file that is not a keke record file
 * of this version or whose header is cut. The reader is unusable then.
 */
int keke_reader_open(struct keke_reader *r, const char *path, char *err);

/*
 * Opens the file @name of the directory open at @dirfd (AT_FDCWD: the
 * current directory), called @path in messages. It reads regular files
 * only: a symbolic link is not followed, and a FIFO, a device or anything
 * else is not opened at all (so nothing blocks), each failing with a
 * message saying what it is. Otherwise as keke_reader_open, which is this
 * with AT_FDCWD.
 */
int keke_reader_openat(struct keke_reader *r, int dirfd, const char *name,
		       const char *path, char *err);

/*
 * Reads the next record into @rec. Returns 1 for a record, 0 at the end,
 * or -1 with a message in @err for damage; after -1 the next call goes on
 * past the damage.
 */
int keke_reader_next(struct keke_reader *r, struct keke_record *rec,
		     char *err);

void keke_reader_close(struct keke_reader *r);

/*
 * From the next call on, keke_reader_next returns only the records @want
 * says yes to, given their type and call (head->type, head->name; nothing
 * else is set), and skips the others without decoding them. NULL: every
 * record.
 */
void keke_reader_only(struct keke_reader *r,
		      bool (*want)(const struct keke_record *head));

/*
 * Reads the whole file into memory when it is at most @max bytes, so that
 * reading it again (keke_reader_rewind) costs no system call and no copy.
 * Returns whether it did; if not, the file is read chunk by chunk as
 * before.
 */
bool keke_reader_hold(struct keke_reader *r, size_t max);

/* Goes back to the first record: the next call reads the file again from
 * its start, in the same order. */
void keke_reader_rewind(struct keke_reader *r);

/* How many threads wrote chunks of the file. A file of one thread is
 * read in the order its records were written. */
size_t keke_reader_threads(const struct keke_reader *r);

/* The first field of @rec with @key, whatever its type, or NULL. */
const struct keke_field *keke_record_field(const struct keke_record *rec,
					    unsigned key);

/* The first field of @rec with @key when it is a string (empty or not),
 * else NULL. */
const struct keke_field *keke_record_str(const struct keke_record *rec,
					  unsigned key);

/* The integer of the first field of @rec with @key, or @fallback when
 * there is none or it is a string. */
int64_t keke_record_int(const struct keke_record *rec, unsigned key,
			int64_t fallback);

/* Decodes the fields of a record body [p, end) into @rec.
 * Returns 0, or -1 when they do not fit exactly. Exposed for fuzzing. */
int keke_decode_fields(struct keke_record *rec, const uint8_t *p,
		       const uint8_t *end);

#endif
