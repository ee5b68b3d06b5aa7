// SPDX-License-Identifier: MIT
/*
 * The writer when the system says no: a full disk, no file descriptors, an
 * unusable trace dir. Events are dropped and counted; nothing crashes and
 * the caller's errno is untouched.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "helpers.h"
#include "record/reader.h"
#include "runtime/writer.h"
#include "runtime/writer_sys.h"

static char *dir;
static int fallocate_calls;

static void setup(void)
{
	dir = test_tmpdir();
	fallocate_calls = 0;
}

static void teardown(void)
{
	keke_writer_sys_reset();
	test_rm_rf(dir);
	free(dir);
}

static int start(void)
{
	struct keke_writer_config cfg = { .dir = dir };

	return keke_writer_start(&cfg);
}

/* Returns how many of @n small events were accepted. */
static int write_events(int n)
{
	int ok = 0;

	for (int i = 0; i < n; i++) {
		struct keke_rec r;

		if (!keke_rec_begin(&r, KEKE_REC_SLICE, 1, 0, (uint64_t)i,
				    KEKE_REC_MAX_LEN(2, 0)))
			continue;
		keke_rec_int(&r, KEKE_KEY_DUR, 1);
		keke_rec_int(&r, KEKE_KEY_COUNT, i);
		keke_rec_commit(&r);
		ok++;
	}
	return ok;
}

static struct keke_file_header read_header(int *records)
{
	struct keke_reader r;
	struct keke_record rec;
	char err[KEKE_ERROR_MAX];
	struct keke_file_header h;

	cr_assert_eq(keke_reader_open(&r, keke_writer_path(), err), 0, "%s",
		     err);
	*records = 0;
	while (keke_reader_next(&r, &rec, err) == 1)
		(*records)++;
	h = r.hdr;
	keke_reader_close(&r);
	return h;
}

static int full_disk_after_header(int fd, int mode, off_t off, off_t len)
{
	(void)mode;
	fallocate_calls++;
	if (off == 0)
		return posix_fallocate(fd, off, len) ? -1 : 0;
	errno = ENOSPC;
	return -1;
}

Test(writer_fault, full_disk_drops_and_counts, .init = setup,
     .fini = teardown)
{
	int records;

	keke_writer_sys.fallocate = full_disk_after_header;
	cr_assert_eq(start(), 0);
	errno = EINTR;
	/* What the file's first reservation (made with its header) holds is
	 * kept, the rest dropped. */
	int ok = write_events(10000);
	cr_assert_gt(ok, 0);
	cr_assert_lt(ok, 1000);
	cr_assert_eq(errno, EINTR, "the writer changed errno");
	/* It does not retry on every event: no syscall per event. */
	cr_assert_lt(fallocate_calls, 10, "%d fallocate calls",
		     fallocate_calls);
	struct keke_file_header h = read_header(&records);
	cr_assert_eq(records, ok);
	cr_assert_eq(h.dropped, (uint64_t)(10000 - ok));
}

static int emfile_open(const char *path, int flags, int mode)
{
	(void)path, (void)flags, (void)mode;
	errno = EMFILE;
	return -1;
}

static ssize_t eio_pwrite(int fd, const void *buf, size_t n, off_t off)
{
	(void)fd, (void)buf, (void)n, (void)off;
	errno = EIO;
	return -1;
}

Test(writer_fault, failed_copy_keeps_the_chunk_then_recovers, .init = setup,
     .fini = teardown)
{
	int records;

	cr_assert_eq(start(), 0);
	/* A full chunk is copied further into the file with pwrite: when
	 * that fails, the chunk keeps its records and new ones are dropped. */
	keke_writer_sys.pwrite = eio_pwrite;
	int first = write_events(10000);
	cr_assert_gt(first, 1000);
	cr_assert_lt(first, 10000);
	keke_writer_sys_reset();
	int ok = write_events(10000);
	cr_assert_gt(ok, 5000);
	struct keke_file_header h = read_header(&records);
	cr_assert_eq(records, first + ok);
	cr_assert_eq(h.dropped, (uint64_t)(20000 - first - ok));
}

Test(writer_fault, no_descriptors_then_recovery, .init = setup,
     .fini = teardown)
{
	int records;

	cr_assert_eq(start(), 0);
	/* keke holds no fd: the program has none left for keke to open its
	 * file with. */
	keke_writer_sys.open = emfile_open;
	/* Only what the first reservation holds gets in. */
	int first = write_events(10000);
	cr_assert_lt(first, 1000);
	keke_writer_sys_reset();
	/* Claims are retried after a few thousand drops, then succeed. */
	int ok = write_events(10000);
	cr_assert_gt(ok, 5000);
	struct keke_file_header h = read_header(&records);
	cr_assert_eq(records, first + ok);
	cr_assert_eq(h.dropped, (uint64_t)(20000 - first - ok));
}

/*
 * Another file put in place of the record file (by its owner: the trace
 * dir is nobody else's) is never written or extended: the file mapped
 * keeps what its reservations hold, the rest is dropped, and nothing
 * faults (extending the new file and storing past the mapped one's end
 * would be SIGBUS).
 */
Test(writer_fault, replaced_file_is_never_extended, .init = setup,
     .fini = teardown)
{
	char moved[4096];
	struct stat st;
	int records, fd;

	snprintf(moved, sizeof(moved), "%s", test_path(dir, "moved.kr"));
	cr_assert_eq(start(), 0);
	cr_assert_eq(rename(keke_writer_path(), moved), 0);
	fd = open(keke_writer_path(), O_RDWR | O_CREAT | O_EXCL, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	int ok = write_events(100000);
	cr_assert_gt(ok, 0);
	cr_assert_lt(ok, 1000, "%d events went past the first reservation",
		     ok);
	cr_assert_eq(stat(keke_writer_path(), &st), 0);
	cr_assert_eq(st.st_size, 0, "the file put in its place was extended");
	cr_assert_eq(rename(moved, keke_writer_path()), 0);
	struct keke_file_header h = read_header(&records);
	cr_assert_eq(records, ok);
	cr_assert_eq(h.dropped, (uint64_t)(100000 - ok));
}

Test(writer_fault, missing_dir_leaves_the_writer_off, .init = setup,
     .fini = teardown)
{
	struct keke_writer_config cfg = { .dir = "/nonexistent/keke" };

	errno = 0;
	cr_assert_eq(keke_writer_start(&cfg), -ENOENT);
	cr_assert_eq(errno, 0);
	cr_assert(!keke_writer_active());
	cr_assert_eq(write_events(10), 0);
	cr_assert_str_eq(keke_writer_path(), "");
}

Test(writer_fault, files_are_private_and_exclusive, .init = setup,
     .fini = teardown)
{
	struct stat st;

	cr_assert_eq(start(), 0);
	cr_assert_eq(stat(keke_writer_path(), &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	/* A second start in the same ns range gets another name. */
	char first[4096];
	snprintf(first, sizeof(first), "%s", keke_writer_path());
	cr_assert_eq(start(), 0);
	cr_assert_str_neq(first, keke_writer_path());
}

static int no_fallocate(int fd, int mode, off_t off, off_t len)
{
	(void)fd, (void)mode, (void)off, (void)len;
	errno = EOPNOTSUPP;
	return -1;
}

Test(writer_fault, file_systems_without_fallocate, .init = setup,
     .fini = teardown)
{
	int records;

	keke_writer_sys.fallocate = no_fallocate;
	cr_assert_eq(start(), 0);
	cr_assert_eq(write_events(5000), 5000);
	struct keke_file_header h = read_header(&records);
	cr_assert_eq(records, 5000);
	cr_assert_eq(h.dropped, 0);
}
