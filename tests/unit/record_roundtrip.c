// SPDX-License-Identifier: MIT
/*
 * The record format round trip: what the writer writes, the reader returns
 * exactly, from one thread and from many, across chunk boundaries.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record/boot_id.h"
#include "record/clock.h"
#include "helpers.h"
#include "record/reader.h"
#include "runtime/writer.h"

static char *dir;

static void setup(void)
{
	struct keke_writer_config cfg = { .trace_id = { 1, 2, 3, 4 } };

	dir = test_tmpdir();
	cfg.dir = dir;
	cr_assert_eq(keke_writer_start(&cfg), 0);
}

static void teardown(void)
{
	test_rm_rf(dir);
	free(dir);
}

/* The one record file in the trace dir. */
static const char *only_file(void)
{
	static char path[4096];
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			n++;
		}
	closedir(d);
	cr_assert_eq(n, 1, "expected one record file, found %d", n);
	return path;
}

/* Writes a slice record shaped like a read(fd, buf, count) call. */
static void write_read_call(uint64_t ts, int fd, int64_t count,
			    int64_t result)
{
	struct keke_rec r = { 0 };

	cr_assert(keke_rec_begin(&r, KEKE_REC_SLICE, KEKE_CALL_EXIT, 0, ts,
				 KEKE_REC_MAX_LEN(4, 0)));
	keke_rec_int(&r, KEKE_KEY_DUR, 1500);
	keke_rec_int(&r, KEKE_KEY_FD, fd);
	keke_rec_int(&r, KEKE_KEY_COUNT, count);
	keke_rec_int(&r, KEKE_KEY_RESULT, result);
	keke_rec_commit(&r);
}

Test(record, header_identifies_the_process, .init = setup, .fini = teardown)
{
	struct keke_reader r;
	char err[KEKE_ERROR_MAX];
	char host[KEKE_HOST_MAX] = "";

	cr_assert_eq(keke_reader_open(&r, only_file(), err), 0, "%s", err);
	cr_assert_eq(r.hdr.version, KEKE_FORMAT_VERSION);
	cr_assert_eq(r.hdr.pid, getpid());
	cr_assert_eq(r.hdr.ppid, getppid());
	cr_assert_eq(r.hdr.trace_id[3], 4);
	gethostname(host, sizeof(host) - 1);
	cr_assert_str_eq(r.hdr.host, host);
	cr_assert(r.hdr.start.mono_ns > 0);
	cr_assert(r.hdr.start_realtime_ns > r.hdr.start.mono_ns);
	keke_reader_close(&r);
}

/* The header carries this boot's id, as the kernel spells it. */
Test(record, header_names_the_boot, .init = setup, .fini = teardown)
{
	struct keke_reader r;
	char err[KEKE_ERROR_MAX], kernel[64] = "", ours[37];
	FILE *f = fopen(KEKE_BOOT_ID_PATH, "r");

	cr_assert(f && fgets(kernel, sizeof(kernel), f));
	fclose(f);
	kernel[strcspn(kernel, "\n")] = '\0';
	cr_assert_eq(keke_reader_open(&r, only_file(), err), 0, "%s", err);
	keke_boot_id_format(r.hdr.boot_id, ours);
	cr_assert_str_eq(ours, kernel);
	keke_reader_close(&r);
}

/* Only the kernel's spelling of a boot id is taken. */
Test(record, boot_id_text_is_checked)
{
	uint8_t id[16] = { 0 };
	char back[37];
	const char *good = "D61A0691-2403-484e-a25b-167e88ee89a8\n";

	cr_assert_eq(keke_boot_id_parse(good, strlen(good), id), 0);
	keke_boot_id_format(id, back);
	cr_assert_str_eq(back, "d61a0691-2403-484e-a25b-167e88ee89a8");
	cr_assert_eq(keke_boot_id_parse(good, 35, id), -1, "cut short");
	cr_assert_eq(keke_boot_id_parse("d61a0691x2403-484e-a25b-167e88ee89a8",
					36, id), -1, "a dash missing");
	cr_assert_eq(keke_boot_id_parse("g61a0691-2403-484e-a25b-167e88ee89a8",
					36, id), -1, "not hex");
	cr_assert_eq(keke_boot_id_parse("d61a0691-2403-484e-a25b-167e88ee89a8x",
					37, id), -1, "trailing junk");
	cr_assert(!keke_boot_id_unknown(id));
}

Test(record, fields_round_trip, .init = setup, .fini = teardown)
{
	static const int64_t ints[] = { 0, 1, -1, 127, 128, -129, INT64_MAX,
					INT64_MIN, 1ll << 40 };
	const char with_nul[] = "a\0b\n\xff";
	struct keke_rec w = { 0 };
	struct keke_reader r;
	struct keke_record rec;
	char err[KEKE_ERROR_MAX];

	cr_assert(keke_rec_begin(&w, KEKE_REC_SLICE, 7, 13, 42,
				 KEKE_REC_MAX_LEN(9, KEKE_STR_MAX_LEN(6))));
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		keke_rec_int(&w, KEKE_KEY_RESULT, ints[i]);
	keke_rec_str(&w, KEKE_KEY_PATH, with_nul, sizeof(with_nul) - 1);
	keke_rec_commit(&w);

	cr_assert_eq(keke_reader_open(&r, only_file(), err), 0, "%s", err);
	cr_assert_eq(keke_reader_next(&r, &rec, err), 1, "%s", err);
	cr_assert_eq(rec.type, KEKE_REC_SLICE);
	cr_assert_eq(rec.name, 7);
	cr_assert_eq(rec.err, 13);
	cr_assert_eq(rec.ts, 42);
	cr_assert_eq(rec.tid, gettid());
	cr_assert_eq(rec.nfields, 10);
	for (size_t i = 0; i < 9; i++) {
		cr_assert(!rec.fields[i].is_str);
		cr_assert_eq(rec.fields[i].i, ints[i], "field %zu", i);
	}
	cr_assert(rec.fields[9].is_str);
	cr_assert_eq(rec.fields[9].len, sizeof(with_nul) - 1);
	cr_assert_eq(memcmp(rec.fields[9].s, with_nul, sizeof(with_nul) - 1),
		     0);
	cr_assert_eq(keke_reader_next(&r, &rec, err), 0);
	keke_reader_close(&r);
}

Test(record, long_strings_are_cut_and_flagged, .init = setup,
     .fini = teardown)
{
	size_t n = KEKE_STRING_CAP + 100;
	char *s = malloc(n);
	struct keke_rec w = { 0 };
	struct keke_reader r;
	struct keke_record rec;
	char err[KEKE_ERROR_MAX];

	memset(s, 'x', n);
	cr_assert(keke_rec_begin(&w, KEKE_REC_THREAD_NAME, 0, 0, 1,
				 KEKE_REC_MAX_LEN(0, KEKE_STR_MAX_LEN(n))));
	keke_rec_str(&w, KEKE_KEY_NAME, s, n);
	keke_rec_commit(&w);
	cr_assert_eq(keke_reader_open(&r, only_file(), err), 0, "%s", err);
	cr_assert_eq(keke_reader_next(&r, &rec, err), 1, "%s", err);
	cr_assert(rec.flags & KEKE_RECF_TRUNCATED);
	cr_assert_eq(rec.fields[0].len, KEKE_STRING_CAP);
	keke_reader_close(&r);
	free(s);
}

/* S1: a fixed-argument call (duration, fd, count, result) stays within
 * 32 bytes on disk. */
Test(record, a_read_call_takes_32_bytes, .init = setup, .fini = teardown)
{
	struct keke_reader r;
	struct keke_record a, b;
	char err[KEKE_ERROR_MAX];

	write_read_call(1000, 3, 1, 1);
	write_read_call(2000, 3, 65536, 65536);
	cr_assert_eq(keke_reader_open(&r, only_file(), err), 0, "%s", err);
	cr_assert_eq(keke_reader_next(&r, &a, err), 1);
	cr_assert_eq(keke_reader_next(&r, &b, err), 1);
	cr_assert_leq(b.offset - a.offset, 32,
		      "a read record takes %llu bytes",
		      (unsigned long long)(b.offset - a.offset));
	keke_reader_close(&r);
}

static off_t file_size(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(path, &st), 0);
	return st.st_size;
}

/* Reads the one record file back; returns the records, all in order. */
static int read_back_counts(void)
{
	struct keke_reader r;
	struct keke_record rec;
	char err[KEKE_ERROR_MAX];
	int n = 0, got;

	cr_assert_eq(keke_reader_open(&r, only_file(), err), 0, "%s", err);
	while ((got = keke_reader_next(&r, &rec, err)) == 1)
		cr_assert_eq(keke_record_field(&rec, KEKE_KEY_COUNT)->i, n++);
	cr_assert_eq(got, 0, "%s", err);
	cr_assert_eq(r.hdr.dropped, 0);
	keke_reader_close(&r);
	return n;
}

Test(record, first_chunk_grows_a_few_pages_at_a_time, .init = setup,
     .fini = teardown)
{
	/* A process that records little reserves little. */
	write_read_call(0, 3, 0, 0);
	cr_assert_eq(file_size(only_file()), KEKE_HEADER_SIZE + 8192);
	/* 1000 x 24 bytes: the file ends inside the chunk, on a page
	 * boundary, and is whole. */
	for (int i = 1; i < 1000; i++)
		write_read_call((uint64_t)i, 3, i, i);
	cr_assert_lt(file_size(only_file()),
		     KEKE_HEADER_SIZE + KEKE_CHUNK_SIZE);
	cr_assert_eq(file_size(only_file()) % 4096, 0);
	cr_assert_eq(read_back_counts(), 1000);
	/* A full chunk is copied to a second, reserved whole, and the
	 * thread's chunk starts again. */
	for (int i = 1000; i < 3000; i++)
		write_read_call((uint64_t)i, 3, i, i);
	cr_assert_eq(file_size(only_file()),
		     KEKE_HEADER_SIZE + 2 * KEKE_CHUNK_SIZE);
	cr_assert_eq(read_back_counts(), 3000);
}

#define THREADS 4
#define PER_THREAD 20000	/* 4 x 20000 x 32 bytes: many chunks */

static void *writer_thread(void *arg)
{
	intptr_t id = (intptr_t)arg;

	for (int i = 0; i < PER_THREAD; i++)
		write_read_call((uint64_t)i, (int)id, i, i);
	return (void *)(intptr_t)gettid();
}

/* Record files in the trace dir. */
static int count_files(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

static void write_first_record(void)
{
	struct keke_rec r = { 0 };

	cr_assert(keke_rec_begin(&r, KEKE_REC_PROCESS_START, 0, 0,
				 keke_writer_image_start(),
				 KEKE_REC_MAX_LEN(1, 0)));
	keke_rec_int(&r, KEKE_KEY_PID, getpid());
	keke_rec_commit(&r);
}

Test(record, deferred_file_is_made_at_the_first_record, .fini = teardown)
{
	struct keke_writer_config cfg = {
		.begin = write_first_record,
		.span_id = { 1, 2, 3, 4, 5, 6, 7, 8 },
		.remote_parent_span_id = { 9, 9, 9, 9, 9, 9, 9, 9 },
		.trace_flags = 1,
	};
	static const uint8_t child_span[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
	struct keke_fork_prelude p;
	struct keke_reader r;
	struct keke_record rec;
	char err[KEKE_ERROR_MAX], path[4096];
	uint64_t before;

	dir = test_tmpdir();
	cfg.dir = dir;
	cr_assert_eq(keke_writer_start(&cfg), 0);
	cr_assert_eq(count_files(), 1);
	before = keke_now();
	keke_writer_defer(77, child_span);	/* as in a fork child */
	cr_assert(keke_writer_active());
	cr_assert(keke_writer_unstarted(&p));
	cr_assert_eq(p.flow_in, 77);
	cr_assert_geq(p.start, before);
	keke_writer_drop(2);	/* counted in the file to come */
	cr_assert_eq(count_files(), 1, "a file was made before any record");

	write_read_call(keke_now(), 3, 1, 1);
	cr_assert_not(keke_writer_unstarted(&p));
	cr_assert_eq(count_files(), 2);
	snprintf(path, sizeof(path), "%s", keke_writer_path());
	cr_assert_eq(keke_reader_open(&r, path, err), 0, "%s", err);
	cr_assert_eq(r.hdr.flow_in, 77);
	cr_assert_eq(r.hdr.image_start, p.start);
	cr_assert_leq(r.hdr.image_start, r.hdr.start.ticks);
	cr_assert_eq(r.hdr.dropped, 2);
	cr_assert_eq(r.hdr.prelude_flow_in, 0);
	/* a span of its own, whose parent is its parent's, not remote */
	cr_assert_arr_eq(r.hdr.span_id, child_span, 8);
	cr_assert_eq(r.hdr.remote_parent_span_id[0], 0);
	cr_assert_eq(r.hdr.trace_flags, 0);
	/* begin's record first, at the image's start, then the one that
	 * made the file */
	cr_assert_eq(keke_reader_next(&r, &rec, err), 1, "%s", err);
	cr_assert_eq(rec.type, KEKE_REC_PROCESS_START);
	cr_assert_eq(rec.ts, p.start);
	cr_assert_eq(keke_reader_next(&r, &rec, err), 1, "%s", err);
	cr_assert_eq(rec.type, KEKE_REC_SLICE);
	cr_assert_eq(keke_reader_next(&r, &rec, err), 0, "%s", err);
	keke_reader_close(&r);
}

Test(record, threads_write_their_own_chunks, .init = setup, .fini = teardown)
{
	pthread_t t[THREADS];
	int tids[THREADS];
	int counts[THREADS] = { 0 };
	struct keke_reader r;
	struct keke_record rec;
	char err[KEKE_ERROR_MAX];
	int got;

	for (intptr_t i = 0; i < THREADS; i++)
		cr_assert_eq(pthread_create(&t[i], NULL, writer_thread,
					    (void *)i), 0);
	for (int i = 0; i < THREADS; i++) {
		void *ret;

		pthread_join(t[i], &ret);
		tids[i] = (int)(intptr_t)ret;
	}
	cr_assert_eq(keke_reader_open(&r, only_file(), err), 0, "%s", err);
	int64_t next[THREADS] = { 0 };
	while ((got = keke_reader_next(&r, &rec, err)) == 1) {
		int fd = (int)keke_record_field(&rec, KEKE_KEY_FD)->i;

		cr_assert(fd >= 0 && fd < THREADS);
		cr_assert_eq(rec.tid, tids[fd], "record of thread %d in a "
			     "chunk of tid %d", tids[fd], rec.tid);
		/* Each thread's records come back in the order written. */
		cr_assert_eq(keke_record_field(&rec, KEKE_KEY_COUNT)->i,
			     next[fd]++);
		counts[fd]++;
	}
	cr_assert_eq(got, 0, "%s", err);
	for (int i = 0; i < THREADS; i++)
		cr_assert_eq(counts[i], PER_THREAD, "thread %d: %d records", i,
			     counts[i]);
	cr_assert_eq(r.hdr.dropped, 0);
	keke_reader_close(&r);
}

Test(record, errno_is_left_alone, .init = setup, .fini = teardown)
{
	errno = EBADF;
	write_read_call(1, 1, 1, 1);
	for (int i = 0; i < 5000; i++)	/* forces chunk claims */
		write_read_call(1, 1, 1, 1);
	cr_assert_eq(errno, EBADF);
}

Test(record, clock_ticks_convert_with_the_anchors)
{
	keke_clock_init(NULL);
	struct keke_anchor a = keke_clock_anchor();
	usleep(20000);
	struct keke_anchor b = keke_clock_anchor();

	cr_assert(b.ticks > a.ticks);
	cr_assert(b.mono_ns - a.mono_ns >= 20000000u);
	keke_clock_init("monotonic");
	cr_assert_eq(keke_clock_kind, KEKE_CLOCK_MONOTONIC);
	uint64_t t = keke_now(), ns = keke_mono_ns();
	cr_assert(ns >= t && ns - t < 1000000000u);
}
