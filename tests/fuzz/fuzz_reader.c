// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the reader on any bytes. The input becomes a record
 * file; every record the reader returns must lie inside the file, and
 * every error must name the file. Built with -Dfuzz=enabled (clang).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads every record of the file at @path; aborts on a broken promise. */
void fuzz_read_file(const char *path, size_t size);

void fuzz_read_file(const char *path, size_t size)
{
	struct keke_reader r;
	struct keke_record rec;
	char err[KEKE_ERROR_MAX];
	int got;

	if (keke_reader_open(&r, path, err) != 0) {
		if (!strstr(err, path))
			abort();
		return;
	}
	while ((got = keke_reader_next(&r, &rec, err)) != 0) {
		if (got < 0) {
			if (!strstr(err, path))
				abort();
			continue;
		}
		if (rec.offset >= size || rec.nfields > KEKE_MAX_FIELDS)
			abort();
		for (unsigned i = 0; i < rec.nfields; i++) {
			const struct keke_field *f = &rec.fields[i];

			if (f->is_str && (f->s < (const char *)r.buf ||
					  f->s + f->len >
						  (const char *)r.buf +
							  r.hdr.chunk_size))
				abort();
		}
	}
	keke_reader_close(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/keke-fuzz-XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size)
		fuzz_read_file(path, size);
	close(fd);
	unlink(path);
	return 0;
}
