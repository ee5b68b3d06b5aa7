// SPDX-License-Identifier: MIT
/*
 * The reader on damaged files: every intact record is still returned and
 * each damage is named with its file and byte offset.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "record/reader.h"
#include "runtime/writer.h"

#define RECORDS 7000	/* three chunks of 64 KiB */
#define REC 24		/* bytes a record of setup() takes */
/* Records per chunk: the writer moves on once the room left is below the
 * largest record of this shape (KEKE_REC_MAX_LEN(3, 0) = 56). */
#define PER_CHUNK ((KEKE_CHUNK_SIZE - 16 - 56) / REC + 1)

static char *dir;
static char path[4096];

/* Writes RECORDS slices numbered 0.. into a fresh record file. */
static void setup(void)
{
	struct keke_writer_config cfg = { 0 };
	DIR *d;
	struct dirent *e;

	dir = test_tmpdir();
	cfg.dir = dir;
	cr_assert_eq(keke_writer_start(&cfg), 0);
	for (int i = 0; i < RECORDS; i++) {
		struct keke_rec r;

		cr_assert(keke_rec_begin(&r, KEKE_REC_SLICE, 1, 0, (uint64_t)i,
					 KEKE_REC_MAX_LEN(3, 0)));
		keke_rec_int(&r, KEKE_KEY_DUR, 10);
		keke_rec_int(&r, KEKE_KEY_COUNT, i);
		keke_rec_int(&r, KEKE_KEY_RESULT, 1);
		keke_rec_commit(&r);
	}
	d = opendir(dir);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
	closedir(d);
}

static void teardown(void)
{
	test_rm_rf(dir);
	free(dir);
}

struct read_outcome {
	int records;
	int errors;
	char first_error[KEKE_ERROR_MAX];
	bool in_order;
};

static struct read_outcome read_all(void)
{
	struct read_outcome o = { .in_order = true };
	struct keke_reader r;
	struct keke_record rec;
	char err[KEKE_ERROR_MAX];
	int got;
	int64_t last = -1;

	if (keke_reader_open(&r, path, err) != 0) {
		o.errors = -1;
		strcpy(o.first_error, err);
		return o;
	}
	while ((got = keke_reader_next(&r, &rec, err)) != 0) {
		if (got < 0) {
			if (!o.errors++)
				strcpy(o.first_error, err);
			continue;
		}
		int64_t n = keke_record_field(&rec, KEKE_KEY_COUNT)->i;
		if (n <= last)
			o.in_order = false;
		last = n;
		o.records++;
	}
	keke_reader_close(&r);
	return o;
}

/* Every record written was read, once and in order, without an error. */
static void assert_read_whole(struct read_outcome o)
{
	cr_assert_eq(o.errors, 0, "%s", o.first_error);
	cr_assert_eq(o.records, RECORDS);
	cr_assert(o.in_order);
}

static void patch(off_t off, const void *bytes, size_t n)
{
	int fd = open(path, O_WRONLY);

	cr_assert(fd >= 0);
	cr_assert_eq(pwrite(fd, bytes, n, off), (ssize_t)n);
	close(fd);
}

/* Offset of the thread's chunk number @i of three. The thread writes into
 * the file's first chunk and copies it further on each time it is full:
 * chunks 0 and 1 are the file's second and third, chunk 2 its first. */
static off_t chunk_at(int i)
{
	return KEKE_HEADER_SIZE + (off_t)(i == 2 ? 0 : i + 1) * KEKE_CHUNK_SIZE;
}

/* Offset of the first record of chunk @i. */
static off_t chunk_records(int i)
{
	return chunk_at(i) + (off_t)sizeof(struct keke_chunk_header);
}

Test(reader, intact_file_reads_back_everything, .init = setup,
     .fini = teardown)
{
	assert_read_whole(read_all());
}

Test(reader, truncated_mid_record_keeps_what_came_before, .init = setup,
     .fini = teardown)
{
	off_t cut = chunk_records(1) + 10 * REC + 5;	/* inside a record */

	cr_assert_eq(truncate(path, cut), 0);
	struct read_outcome o = read_all();

	/* chunk 1 is the file's last; chunk 2, the thread's own, is first */
	cr_assert_eq(o.records, PER_CHUNK + 10 + (RECORDS - 2 * PER_CHUNK));
	cr_assert_eq(o.errors, 1);
	cr_assert(strstr(o.first_error, path), "%s", o.first_error);
	cr_assert(strstr(o.first_error, "offset"), "%s", o.first_error);
	cr_assert(strstr(o.first_error, "end of the file"), "%s",
		  o.first_error);
}

Test(reader, torn_tail_is_not_an_error, .init = setup, .fini = teardown)
{
	/* A record whose body was written but whose word never was. */
	uint8_t body[16] = { 0, 0, 0, 0, 1, 0, 0, 0, 9, 9, 9, 9 };
	off_t end = chunk_records(2) + (RECORDS - 2 * PER_CHUNK) * REC;

	patch(end + 4, body + 4, sizeof(body) - 4);
	struct read_outcome o = read_all();
	cr_assert_eq(o.records, RECORDS);
	/* Not trusted, and not damage: what a thread killed mid-record
	 * leaves. */
	cr_assert_eq(o.errors, 0, "%s", o.first_error);
}

Test(reader, zeroed_page_loses_only_its_chunk_rest, .init = setup,
     .fini = teardown)
{
	static const uint8_t zeros[4096];

	off_t at = chunk_records(1) + 400 * REC;
	char where[64];

	patch(at, zeros, sizeof(zeros));
	struct read_outcome o = read_all();

	snprintf(where, sizeof(where), "offset %lld", (long long)at);
	cr_assert_eq(o.errors, 1, "%s", o.first_error);
	cr_assert(strstr(o.first_error, where), "%s", o.first_error);
	/* chunk 0 whole, chunk 1 up to the zeroed page, chunk 2 whole */
	cr_assert_eq(o.records, PER_CHUNK + 400 + (RECORDS - 2 * PER_CHUNK));
	cr_assert(o.in_order);
}

Test(reader, record_length_past_its_chunk, .init = setup, .fini = teardown)
{
	uint32_t word = keke_rec_word(0xfff8, KEKE_REC_SLICE, 0);
	off_t at = chunk_records(0) + 100 * REC;

	patch(at, &word, sizeof(word));
	struct read_outcome o = read_all();
	char where[64];

	snprintf(where, sizeof(where), "offset %lld", (long long)at);
	cr_assert_eq(o.errors, 1);
	cr_assert(strstr(o.first_error, where), "%s", o.first_error);
	cr_assert(strstr(o.first_error, "does not fit"), "%s", o.first_error);
	cr_assert_eq(o.records, RECORDS - (PER_CHUNK - 100));
}

Test(reader, corrupt_fields_skip_one_record, .init = setup, .fini = teardown)
{
	/* A string tag whose length runs past the record. */
	off_t at = chunk_records(0) + 7 * REC;

	patch(at + 16, "\x81\xff\xff\xff", 4);
	struct read_outcome o = read_all();

	cr_assert_eq(o.errors, 1);
	cr_assert(strstr(o.first_error, "corrupt fields"), "%s",
		  o.first_error);
	cr_assert_eq(o.records, RECORDS - 1);
}

/* Says yes to every tenth record it is asked about. */
static int asked;
static bool every_tenth(const struct keke_record *head)
{
	cr_assert_eq(head->type, KEKE_REC_SLICE);
	cr_assert_eq(head->name, 1);
	return ++asked % 10 == 0;
}

Test(reader, only_the_records_asked_for_then_all_again, .init = setup,
     .fini = teardown)
{
	struct keke_reader r;
	struct keke_record rec;
	char err[KEKE_ERROR_MAX];
	int got, n = 0, errors = 0;

	/* Corrupt fields in a record skipped go unseen. */
	patch(chunk_records(0) + 7 * REC + 16, "\x81\xff\xff\xff", 4);
	cr_assert_eq(keke_reader_open(&r, path, err), 0, "%s", err);
	cr_assert_eq(keke_reader_threads(&r), 1);
	keke_reader_only(&r, every_tenth);
	while ((got = keke_reader_next(&r, &rec, err)) != 0) {
		cr_assert_eq(got, 1, "%s", err);
		cr_assert_eq(keke_record_int(&rec, KEKE_KEY_COUNT, -1),
			     10 * n + 9);
		n++;
	}
	cr_assert_eq(n, RECORDS / 10);
	/* From the start again, every record, the damaged one said; from
	 * memory this time. */
	cr_assert(keke_reader_hold(&r, SIZE_MAX));
	keke_reader_only(&r, NULL);
	keke_reader_rewind(&r);
	for (n = 0; (got = keke_reader_next(&r, &rec, err)) != 0;)
		got > 0 ? n++ : errors++;
	cr_assert_eq(n, RECORDS - 1);
	cr_assert_eq(errors, 1);
	keke_reader_close(&r);
}

Test(reader, corrupt_chunk_header, .init = setup, .fini = teardown)
{
	uint32_t bad = 0xdeadbeef;

	patch(chunk_at(1), &bad, sizeof(bad));
	struct read_outcome o = read_all();

	cr_assert_eq(o.errors, 1);
	cr_assert(strstr(o.first_error, "corrupt chunk header"), "%s",
		  o.first_error);
	cr_assert_eq(o.records, RECORDS - PER_CHUNK);
}

/*
 * A thread killed while it started a chunk leaves the header's other
 * fields without the magic, which is written last, and nothing after
 * them: not damage. A chunk without its magic that holds records is.
 */
Test(reader, torn_chunk_header_is_not_damage, .init = setup,
     .fini = teardown)
{
	static uint8_t zeros[KEKE_CHUNK_SIZE];
	patch(chunk_at(2), zeros, sizeof(uint32_t));
	patch(chunk_records(2), zeros,
	      KEKE_CHUNK_SIZE - sizeof(struct keke_chunk_header));
	struct read_outcome o = read_all();

	cr_assert_eq(o.errors, 0, "%s", o.first_error);
	cr_assert_eq(o.records, 2 * PER_CHUNK);

	patch(chunk_at(1), zeros, sizeof(uint32_t));
	o = read_all();
	cr_assert_eq(o.errors, 1);
	cr_assert(strstr(o.first_error, "chunk without its header holds "
			 "data"), "%s", o.first_error);
	cr_assert_eq(o.records, PER_CHUNK);
}

/* Copies the first @n bytes of chunk 2, the thread's own, to a fourth
 * chunk at the file's end: what a writer killed while it copied its chunk
 * leaves (writer.c, flush_chunk). */
static void copy_last_chunk(size_t n)
{
	static uint8_t buf[KEKE_CHUNK_SIZE];
	int fd = open(path, O_RDWR);

	cr_assert(fd >= 0);
	cr_assert_eq(pread(fd, buf, n, chunk_at(2)), (ssize_t)n);
	cr_assert_eq(ftruncate(fd, KEKE_HEADER_SIZE + 4 * KEKE_CHUNK_SIZE), 0);
	cr_assert_eq(pwrite(fd, buf, n, KEKE_HEADER_SIZE +
			    3 * KEKE_CHUNK_SIZE), (ssize_t)n);
	close(fd);
}

Test(reader, chunk_and_its_copy_are_read_once, .init = setup,
     .fini = teardown)
{
	/* Killed after the copy, before the chunk was marked copied. */
	copy_last_chunk(KEKE_CHUNK_SIZE);
	assert_read_whole(read_all());
}

Test(reader, cut_copy_gives_way_to_the_whole_chunk, .init = setup,
     .fini = teardown)
{
	/* Killed in the middle of the copy: the chunk itself is whole. */
	copy_last_chunk(sizeof(struct keke_chunk_header) + 300 * REC);
	assert_read_whole(read_all());
}

Test(reader, chunk_marked_copied_is_read_in_its_copy, .init = setup,
     .fini = teardown)
{
	/* Killed while the writer cleared its chunk to start it again. */
	static const uint8_t zeros[4096];
	uint32_t copied = KEKE_CHUNK_COPIED;

	copy_last_chunk(KEKE_CHUNK_SIZE);
	patch(chunk_at(2), &copied, sizeof(copied));
	patch(chunk_records(2), zeros, sizeof(zeros));
	assert_read_whole(read_all());
}

Test(reader, wrong_version_is_refused_by_name, .init = setup,
     .fini = teardown)
{
	uint32_t v = 99;

	patch(offsetof(struct keke_file_header, version), &v, sizeof(v));
	struct read_outcome o = read_all();

	cr_assert_eq(o.errors, -1);
	cr_assert(strstr(o.first_error, "version 99"), "%s", o.first_error);
	cr_assert(strstr(o.first_error, path), "%s", o.first_error);
}

Test(reader, random_bytes_are_a_foreign_file, .init = setup, .fini = teardown)
{
	char cmd[8192];

	snprintf(cmd, sizeof(cmd), "head -c 100000 /dev/urandom > '%s'", path);
	cr_assert_eq(system(cmd), 0);
	struct read_outcome o = read_all();
	cr_assert_eq(o.errors, -1);
	cr_assert(strstr(o.first_error, "not a keke record file"), "%s",
		  o.first_error);
}

Test(reader, empty_and_short_files, .init = setup, .fini = teardown)
{
	cr_assert_eq(truncate(path, 0), 0);
	struct read_outcome o = read_all();
	cr_assert_eq(o.errors, -1);
	cr_assert(strstr(o.first_error, "empty file"), "%s", o.first_error);

	/* Our magic, then the file ends. */
	cr_assert_eq(truncate(path, 0), 0);
	patch(0, KEKE_FILE_MAGIC, 8);
	o = read_all();
	cr_assert_eq(o.errors, -1);
	cr_assert(strstr(o.first_error, "truncated header"), "%s",
		  o.first_error);
}

Test(reader, decode_rejects_fields_past_the_end)
{
	struct keke_record rec;
	const uint8_t varint_runs_out[] = { KEKE_KEY_FD, 0x80, 0x80 };
	const uint8_t string_too_long[] = { KEKE_KEY_PATH | KEKE_TAG_STRING, 5,
					    'a', 'b' };
	const uint8_t ok_then_padding[] = { KEKE_KEY_FD, 6, 0, 0, 0 };
	const uint8_t data_after_padding[] = { KEKE_KEY_FD, 6, 0, 1 };

	cr_assert_eq(keke_decode_fields(&rec, varint_runs_out,
					varint_runs_out + 3), -1);
	cr_assert_eq(keke_decode_fields(&rec, string_too_long,
					string_too_long + 4), -1);
	cr_assert_eq(keke_decode_fields(&rec, ok_then_padding,
					ok_then_padding + 5), 0);
	cr_assert_eq(rec.nfields, 1);
	cr_assert_eq(rec.fields[0].i, 3);
	cr_assert_eq(keke_decode_fields(&rec, data_after_padding,
					data_after_padding + 4), -1);
}
