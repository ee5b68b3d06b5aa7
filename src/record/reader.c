// SPDX-License-Identifier: MIT
#include "record/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/fields.h"

static void say(char *err, const char *path, size_t offset, const char *fmt,
		...)
{
	va_list ap;
	int n = snprintf(err, KEKE_ERROR_MAX, "%s: offset %zu: ", path,
			 offset);

	if (n < 0 || n >= KEKE_ERROR_MAX)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, KEKE_ERROR_MAX - (size_t)n, fmt, ap);
	va_end(ap);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static int check_header(struct keke_reader *r, char *err)
{
	const struct keke_file_header *h = &r->hdr;

	if (r->size < sizeof(*h)) {
		char magic[sizeof(h->magic)];

		if (r->size >= sizeof(magic) &&
		    (pread(r->fd, magic, sizeof(magic), 0) !=
			     (ssize_t)sizeof(magic) ||
		     memcmp(magic, KEKE_FILE_MAGIC, sizeof(magic)) != 0))
			goto foreign;
		say(err, r->path, r->size,
		    "truncated header: the file is %zu bytes, a header is %zu",
		    r->size, sizeof(*h));
		return -1;
	}
	if (pread(r->fd, &r->hdr, sizeof(r->hdr), 0) != (ssize_t)sizeof(r->hdr)) {
		say(err, r->path, 0, "cannot read the header: %s",
		    strerror(errno));
		return -1;
	}
	r->hdr.host[KEKE_HOST_MAX - 1] = '\0';
	if (memcmp(h->magic, KEKE_FILE_MAGIC, sizeof(h->magic)) != 0)
		goto foreign;
	if (h->version < 1 || h->version > KEKE_FORMAT_VERSION) {
		say(err, r->path, offsetof(struct keke_file_header, version),
		    "record format version %u; this keke reads versions 1 to "
		    "%u", h->version, KEKE_FORMAT_VERSION);
		return -1;
	}
	if (h->header_size != KEKE_HEADER_SIZE || h->chunk_size < 4096 ||
	    h->chunk_size > (1u << 24) || h->chunk_size % 4096 ||
	    (h->clock != KEKE_CLOCK_MONOTONIC && h->clock != KEKE_CLOCK_TSC)) {
		say(err, r->path, offsetof(struct keke_file_header, header_size),
		    "corrupt header (header size %u, chunk size %u, clock %u)",
		    h->header_size, h->chunk_size, h->clock);
		return -1;
	}
	if (r->size < h->header_size) {
		say(err, r->path, r->size,
		    "truncated header: the file is %zu bytes, a header is %u",
		    r->size, h->header_size);
		return -1;
	}
	return 0;
foreign:
	say(err, r->path, 0, "not a keke record file");
	return -1;
}

/* A chunk's place in the file and what its header says. */
struct slot {
	size_t off;
	int32_t tid;
	uint64_t seq;
};

static int by_thread_then_offset(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

static int by_thread_then_seq(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/*
 * Reads the headers of the file's @n chunks: each keeps its place in
 * r->order for now, and each that a thread started gets a slot in
 * @slots. Returns how many did.
 */
static size_t live_chunks(struct keke_reader *r, size_t n, struct slot *slots)
{
	size_t first = r->hdr.header_size, full = r->hdr.chunk_size;
	size_t live = 0;

	for (size_t i = 0; i < n; i++) {
		struct keke_chunk_header h;
		size_t off = first + i * full;

		r->order[i] = off;
		if (pread(r->fd, &h, sizeof(h), (off_t)off) != sizeof(h) ||
		    h.magic != KEKE_CHUNK_MAGIC || h.tid <= 0)
			continue;
		slots[live++] = (struct slot){ off, h.tid, h.seq };
	}
	return live;
}

/*
 * Gives the k-th place of a thread (in @by_off, the @live slots sorted
 * by thread then offset) its k-th chunk by number (in @by_seq, the same
 * sorted by thread then seq), in r->order. A copy gives up its thread's
 * last place, which becomes SIZE_MAX there.
 */
static void number_places(struct keke_reader *r, struct slot *by_off,
			  const struct slot *by_seq, size_t live)
{
	size_t first = r->hdr.header_size, full = r->hdr.chunk_size;

	for (size_t i = 0, k = 0; i < live; i++) {
		bool copy = i > 0 && by_seq[i].tid == by_seq[i - 1].tid &&
			    by_seq[i].seq == by_seq[i - 1].seq;

		while (by_off[k].tid != by_seq[i].tid)
			k++;
		if (copy) {
			size_t last = k;

			while (last + 1 < live && by_off[last + 1].tid ==
						  by_seq[i].tid)
				last++;
			r->order[(by_off[last].off - first) / full] = SIZE_MAX;
			by_off[last].tid = 0;	/* that place is taken */
			continue;
		}
		r->order[(by_off[k].off - first) / full] = by_seq[i].off;
		k++;
	}
}

/*
 * Decides the order chunks are read in (r->order). A thread writes its
 * records into one chunk and copies it further into the file when it is
 * full (writer.c), so its chunks stand in the file in any order: each
 * thread's take the places its chunks have, in the order of their
 * numbers. A chunk and its copy (the writer was killed before it marked
 * the copy done) are read once: the earlier is the thread's own, which is
 * whole. Every other chunk (unused, copied, damaged) keeps its place, for
 * enter_chunk to judge.
 */
static int order_chunks(struct keke_reader *r)
{
	size_t first = r->hdr.header_size, full = r->hdr.chunk_size;
	size_t n = r->size > first ? (r->size - first + full - 1) / full : 0;
	struct slot *by_off = NULL, *by_seq = NULL;
	size_t live;

	r->order = malloc((n ? n : 1) * sizeof(*r->order));
	by_off = malloc((n ? n : 1) * sizeof(*by_off));
	by_seq = malloc((n ? n : 1) * sizeof(*by_seq));
	if (!r->order || !by_off || !by_seq) {
		free(by_off);
		free(by_seq);
		return -1;
	}
	live = live_chunks(r, n, by_off);
	memcpy(by_seq, by_off, live * sizeof(*by_seq));
	qsort(by_off, live, sizeof(*by_off), by_thread_then_offset);
	qsort(by_seq, live, sizeof(*by_seq), by_thread_then_seq);
	for (size_t i = 0; i < live; i++)
		r->nthreads += !i || by_seq[i].tid != by_seq[i - 1].tid;
	number_places(r, by_off, by_seq, live);
	free(by_off);
	free(by_seq);
	/* The places of copies read nothing. */
	size_t kept = 0;
	for (size_t i = 0; i < n; i++)
		if (r->order[i] != SIZE_MAX)
			r->order[kept++] = r->order[i];
	r->nchunks = kept;
	return 0;
}

/* Says in @err that @path is not a regular file but what @mode says. */
static void not_regular(char *err, const char *path, mode_t mode)
{
	const char *what;

	switch (mode & S_IFMT) {
	case S_IFLNK:
		snprintf(err, KEKE_ERROR_MAX,
			 "%s: a symbolic link, not followed", path);
		return;
	case S_IFIFO:
		what = "a FIFO";
		break;
	case S_IFSOCK:
		what = "a socket";
		break;
	case S_IFCHR:
		what = "a character device";
		break;
	case S_IFBLK:
		what = "a block device";
		break;
	case S_IFDIR:
		what = "a directory";
		break;
	default:
		what = "of an unknown type";
		break;
	}
	snprintf(err, KEKE_ERROR_MAX, "%s: %s, not a regular file", path,
		 what);
}

int keke_reader_open(struct keke_reader *r, const char *path, char *err)
{
	return keke_reader_openat(r, AT_FDCWD, path, path, err);
}

/*
 * Opens the regular file @name of the directory open at @dirfd, called
 * @path in messages, neither following a link nor waiting. Returns its fd
 * with its size in *size, or -1 with a message in @err.
 */
static int open_regular(int dirfd, const char *name, const char *path,
			size_t *size, char *err)
{
	struct stat st;
	int fd;

	/* Looked at before it is opened: opening a FIFO waits for a
	 * writer, and opening a device may act on the device. */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		snprintf(err, KEKE_ERROR_MAX, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		not_regular(err, path, st.st_mode);
		return -1;
	}
	/* It may have been replaced since: the open neither follows a link
	 * nor waits, and what it opened is looked at again. */
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW |
				 O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ELOOP) {
		not_regular(err, path, S_IFLNK);
		return -1;
	}
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, KEKE_ERROR_MAX, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		not_regular(err, path, st.st_mode);
		goto fail;
	}
	*size = (size_t)st.st_size;
	return fd;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

int keke_reader_openat(struct keke_reader *r, int dirfd, const char *name,
		       const char *path, char *err)
{
	int fd;

	memset(r, 0, sizeof(*r));
	r->path = strdup(path);
	if (!r->path) {
		snprintf(err, KEKE_ERROR_MAX, "%s: out of memory", path);
		return -1;
	}
	fd = open_regular(dirfd, name, path, &r->size, err);
	if (fd < 0)
		goto fail;
	if (r->size == 0) {
		say(err, path, 0, "empty file");
		goto fail;
	}
	r->fd = fd;
	if (check_header(r, err) != 0)
		goto fail;
	r->buf = malloc(r->hdr.chunk_size);
	if (!r->buf || order_chunks(r) != 0) {
		snprintf(err, KEKE_ERROR_MAX, "%s: out of memory", path);
		goto fail;
	}
	r->chunk = r->nchunks ? r->order[0] : r->size;
	r->next = 1;
	return 0;
fail:
	if (fd >= 0 && r->fd != fd)
		close(fd);
	keke_reader_close(r);
	return -1;
}

void keke_reader_close(struct keke_reader *r)
{
	if (r->fd > 0)
		close(r->fd);
	free(r->buf);
	free(r->held);
	free(r->order);
	free(r->path);
	memset(r, 0, sizeof(*r));
}

/* Bytes at file offset @off of the current chunk (read in enter_chunk). */
static const uint8_t *at_offset(const struct keke_reader *r, size_t off)
{
	return r->data + (off - r->chunk);
}

int keke_decode_fields(struct keke_record *rec, const uint8_t *p,
		       const uint8_t *end)
{
	rec->nfields = 0;
	while (p < end && *p) {
		struct keke_field *f;
		uint8_t tag = *p++;
		uint64_t v;

		if (rec->nfields == KEKE_MAX_FIELDS)
			return -1;
		if (keke_get_varint(&p, end, &v) != 0)
			return -1;
		f = &rec->fields[rec->nfields++];
		f->key = tag & KEKE_TAG_KEY_MASK;
		f->is_str = tag & KEKE_TAG_STRING;
		if (!f->is_str) {
			f->i = keke_unzigzag(v);
			f->s = NULL;
			f->len = 0;
			continue;
		}
		if (v > KEKE_STRING_CAP || v > (uint64_t)(end - p))
			return -1;
		f->i = 0;
		f->s = (const char *)p;
		f->len = (uint32_t)v;
		p += v;
	}
	/* Only padding may follow the fields. */
	return all_zero(p, (size_t)(end - p)) ? 0 : -1;
}

/*
 * Whether the file ends at @end inside the chunk that ends at @full_end
 * other than by design: the writer reserves a thread's first chunk a few
 * 4 KiB pages at a time, so a file may end on a page boundary in a chunk.
 */
static bool file_cut(const struct keke_reader *r, size_t end, size_t full_end)
{
	size_t into = end - (full_end - r->hdr.chunk_size);

	return end < full_end && into % 4096 != 0;
}

/* Leaves the current chunk; the next call starts the following one. */
static void next_chunk(struct keke_reader *r)
{
	r->chunk = r->next < r->nchunks ? r->order[r->next++] : r->size;
	r->pos = 0;
}

/*
 * Makes r->data the @n bytes of the chunk at r->chunk: read into r->buf,
 * or where keke_reader_hold keeps them. Read, not mapped: reading a hole
 * in a file on a full tmpfs through a mapping raises SIGBUS; pread
 * returns its zeros. Returns how many bytes are there, or -1 (errno set).
 */
static ssize_t read_chunk(struct keke_reader *r, size_t n)
{
	if (r->held) {
		r->data = r->held + r->chunk;
		return (ssize_t)n;
	}
	r->data = r->buf;
	return pread(r->fd, r->buf, n, (off_t)r->chunk);
}

/* Enters the chunk at r->chunk. Returns 1 when records may follow, 0 for
 * an unused chunk (skipped), -1 for damage (skipped). */
static int enter_chunk(struct keke_reader *r, char *err)
{
	struct keke_chunk_header h;
	size_t avail = r->size - r->chunk;
	size_t full = r->hdr.chunk_size;

	if (avail < sizeof(h)) {
		say(err, r->path, r->chunk,
		    "the file ends %zu bytes into a chunk", avail);
		next_chunk(r);
		return -1;
	}
	size_t n = avail < full ? avail : full;
	ssize_t got = read_chunk(r, n);

	if (got < (ssize_t)sizeof(h)) {
		say(err, r->path, r->chunk, "cannot read the chunk: %s",
		    got < 0 ? strerror(errno) : "the file shrank");
		r->chunk = r->size;
		r->pos = 0;
		return -1;
	}
	if ((size_t)got < n)	/* the file shrank: read what is left */
		r->size = r->chunk + (size_t)got;
	memcpy(&h, r->data, sizeof(h));
	if (h.magic == KEKE_CHUNK_COPIED) {
		/* The thread's chunk, copied further on and being started
		 * again when the writer stopped: its records are in the copy. */
		next_chunk(r);
		return 0;
	}
	if (h.magic == 0) {
		size_t at = r->chunk;
		/* Whatever the other header fields hold: a thread killed
		 * while it started the chunk wrote them, but not the magic,
		 * which comes last, nor any record. */
		bool empty = all_zero(r->data + sizeof(h),
				      (size_t)got - sizeof(h));

		next_chunk(r);
		if (empty)
			return 0;
		say(err, r->path, at, "chunk without its header holds data");
		return -1;
	}
	if (h.magic != KEKE_CHUNK_MAGIC || h.tid <= 0) {
		say(err, r->path, r->chunk,
		    "corrupt chunk header (magic %#x, tid %d)", h.magic, h.tid);
		next_chunk(r);
		return -1;
	}
	r->tid = h.tid;
	r->pos = r->chunk + sizeof(h);
	return 1;
}

/*
 * Leaves the current chunk, which holds no more records; its bytes in the
 * file end at @end, and would end at @full_end were the file whole.
 * Returns 0 when it ended as the writer leaves chunks, or -1 with a
 * message in @err when the file was cut inside it.
 */
static int leave_chunk(struct keke_reader *r, size_t end, size_t full_end,
		       char *err)
{
	bool cut = file_cut(r, end, full_end);

	next_chunk(r);
	if (!cut)
		return 0;
	say(err, r->path, end, "the file ends %zu bytes into a chunk",
	    end - (full_end - r->hdr.chunk_size));
	return -1;
}

/*
 * Leaves the current chunk at the zero word at r->pos. A thread that died
 * in the middle of a record (killed, or ended by another thread's exec)
 * leaves at most one record's body after it: a torn tail, by design. More
 * data than that is damage. Returns 0, or -1 with a message in @err.
 */
static int leave_at_zero_word(struct keke_reader *r, size_t end,
			      size_t full_end, char *err)
{
	size_t at = r->pos;
	bool rest_empty = end - at <= KEKE_RECORD_MAX ||
			  all_zero(at_offset(r, at) + KEKE_RECORD_MAX,
				   end - at - KEKE_RECORD_MAX);

	if (rest_empty)
		return leave_chunk(r, end, full_end, err);
	next_chunk(r);
	say(err, r->path, at, "zeroed record followed by data");
	return -1;
}

/*
 * Decodes into @rec the record at r->pos, whose word is @word, and moves
 * r->pos past it. Returns 1, or -1 with a message in @err for a record
 * that does not fit its chunk (the rest of the chunk is skipped) or that
 * is corrupt itself (only it is skipped).
 */
static int decode_record(struct keke_reader *r, uint32_t word, size_t end,
			 size_t full_end, struct keke_record *rec, char *err)
{
	uint32_t len = keke_rec_len(word);
	unsigned type = keke_rec_type(word);
	size_t at = r->pos;
	const uint8_t *p = at_offset(r, at);

	if (len < KEKE_REC_HEAD_SIZE || len > end - at) {
		next_chunk(r);
		say(err, r->path, at,
		    len > end - at && end < full_end ?
		    "record of %u bytes runs past the end of the file" :
		    "record of %u bytes does not fit its chunk", len);
		return -1;
	}
	r->pos = at + ((len + 7u) & ~7u);
	if (r->pos > end)
		r->pos = end;
	if (type == 0 || type >= KEKE_REC_TYPE_MAX) {
		say(err, r->path, at, "unknown record type %u", type);
		return -1;
	}
	rec->type = (uint8_t)type;
	rec->flags = (uint8_t)keke_rec_flags(word);
	memcpy(&rec->name, p + 4, 2);
	memcpy(&rec->err, p + 6, 2);
	memcpy(&rec->ts, p + 8, 8);
	rec->tid = r->tid;
	rec->offset = at;
	if (keke_decode_fields(rec, p + KEKE_REC_HEAD_SIZE, p + len) != 0) {
		say(err, r->path, at, "corrupt fields in a record");
		return -1;
	}
	return 1;
}

/*
 * Moves r->pos past the records r->want says no to (their type and call
 * are put in @rec to ask), to the next one it takes, to a zero word or a
 * damaged head (which record_in_chunk then judges), or to @end.
 */
static void skip_unwanted(struct keke_reader *r, size_t end,
			  struct keke_record *rec)
{
	const uint8_t *chunk = at_offset(r, r->chunk);
	size_t pos = r->pos - r->chunk, stop = end - r->chunk;

	while (stop - pos >= sizeof(uint32_t)) {
		uint32_t word, len;
		unsigned type;

		memcpy(&word, chunk + pos, sizeof(word));
		len = keke_rec_len(word);
		type = keke_rec_type(word);
		if (len < KEKE_REC_HEAD_SIZE || len > stop - pos || type == 0 ||
		    type >= KEKE_REC_TYPE_MAX)
			break;
		rec->type = (uint8_t)type;
		memcpy(&rec->name, chunk + pos + 4, 2);
		if (r->want(rec))
			break;
		pos += (len + 7u) & ~7u;
		if (pos > stop)
			pos = stop;
	}
	r->pos = r->chunk + pos;
}

/* The next record of the current chunk (that r->want takes), into @rec.
 * Returns 1, 0 when the chunk holds no more, or -1 with a message in @err
 * for damage. */
static int record_in_chunk(struct keke_reader *r, struct keke_record *rec,
			   char *err)
{
	size_t full_end = r->chunk + r->hdr.chunk_size;
	size_t end = full_end < r->size ? full_end : r->size;
	uint32_t word;

	if (r->want)
		skip_unwanted(r, end, rec);
	if (end - r->pos < sizeof(word))
		return leave_chunk(r, end, full_end, err);
	memcpy(&word, at_offset(r, r->pos), sizeof(word));
	if (word == 0)
		return leave_at_zero_word(r, end, full_end, err);
	return decode_record(r, word, end, full_end, rec, err);
}

int keke_reader_next(struct keke_reader *r, struct keke_record *rec,
		     char *err)
{
	for (;;) {
		int got;

		if (r->pos == 0) {
			if (r->chunk >= r->size)
				return 0;
			got = enter_chunk(r, err);
			if (got < 0)
				return -1;
			if (got == 0)
				continue;
		}
		got = record_in_chunk(r, rec, err);
		if (got != 0)
			return got;
	}
}

void keke_reader_only(struct keke_reader *r,
		      bool (*want)(const struct keke_record *head))
{
	r->want = want;
}

void keke_reader_rewind(struct keke_reader *r)
{
	r->chunk = r->nchunks ? r->order[0] : r->size;
	r->next = 1;
	r->pos = 0;
}

bool keke_reader_hold(struct keke_reader *r, size_t max)
{
	uint8_t *all;
	size_t done = 0;

	if (r->held)
		return true;
	if (r->size > max || !(all = malloc(r->size ? r->size : 1)))
		return false;
	while (done < r->size) {
		ssize_t got = pread(r->fd, all + done, r->size - done,
				    (off_t)done);

		if (got <= 0)
			break;
		done += (size_t)got;
	}
	if (done < r->size) {	/* it shrank: read as before */
		free(all);
		return false;
	}
	r->held = all;
	if (r->pos)		/* inside a chunk */
		r->data = all + r->chunk;
	return true;
}

size_t keke_reader_threads(const struct keke_reader *r)
{
	return r->nthreads;
}

const struct keke_field *keke_record_field(const struct keke_record *rec,
					    unsigned key)
{
	for (unsigned i = 0; i < rec->nfields; i++)
		if (rec->fields[i].key == key)
			return &rec->fields[i];
	return NULL;
}

const struct keke_field *keke_record_str(const struct keke_record *rec,
					  unsigned key)
{
	const struct keke_field *f = keke_record_field(rec, key);

	return f && f->is_str ? f : NULL;
}

int64_t keke_record_int(const struct keke_record *rec, unsigned key,
			int64_t fallback)
{
	const struct keke_field *f = keke_record_field(rec, key);

	return f && !f->is_str ? f->i : fallback;
}
