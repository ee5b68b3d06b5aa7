// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the merge on a trace dir of damaged files. The input
 * is split at the first two occurrences of "\nKEKESPLIT\n" into up to three
 * record files; a valid header (and chunk header) is put in front of the
 * first so the fuzzer reaches the records quickly. The merge must finish
 * (OK or PARTIAL) without a sanitizer error, and leave nothing but its
 * output behind.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "merge/merge.h"
#include "record/record.h"
#include "sinks/sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

static void write_file(const char *dir, int n, const uint8_t *data,
		       size_t size, bool with_header)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d-%d.kr", dir, 100 + n, n);
	f = fopen(path, "wb");
	if (!f)
		return;
	if (with_header) {
		static uint8_t header[KEKE_HEADER_SIZE];
		struct keke_file_header *h = (void *)header;
		struct keke_chunk_header c = { KEKE_CHUNK_MAGIC, 100 + n, 0 };

		memcpy(h->magic, KEKE_FILE_MAGIC, 8);
		h->version = KEKE_FORMAT_VERSION;
		h->header_size = KEKE_HEADER_SIZE;
		h->chunk_size = KEKE_CHUNK_SIZE;
		h->clock = KEKE_CLOCK_MONOTONIC;
		h->pid = 100 + n;
		h->ppid = 100;
		fwrite(header, 1, sizeof(header), f);
		fwrite(&c, 1, sizeof(c), f);
	}
	fwrite(data, 1, size, f);
	fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sep[] = "\nKEKESPLIT\n";
	char dir[] = "/tmp/keke-fuzz-merge-XXXXXX";
	char json[300], err[KEKE_MERGE_ERROR_MAX];
	const char *dirs[] = { dir };
	struct keke_merge_stats stats;
	int n = 0;

	if (!mkdtemp(dir))
		return 0;
	while (n < 2) {
		const uint8_t *at = memmem(data, size, sep, sizeof(sep) - 1);

		if (!at)
			break;
		write_file(dir, n, data, (size_t)(at - data), n == 0);
		size -= (size_t)(at - data) + sizeof(sep) - 1;
		data = at + sizeof(sep) - 1;
		n++;
	}
	write_file(dir, n, data, size, n == 0);
	snprintf(json, sizeof(json), "%s/out.json", dir);
	/* JSON only: the SQLite sink is slow to set up and has its own
	 * tests; what is fuzzed here is the merge. */
	struct keke_merge_options o = {
		.dirs = dirs,
		.ndirs = 1,
		.json_sink = &keke_sink_json,
		.json_path = json,
		.on_damage = quiet,
	};
	keke_merge(&o, &stats, err);
	for (int i = 0; i <= n; i++) {
		char path[300];

		snprintf(path, sizeof(path), "%s/%d-%d.kr", dir, 100 + i, i);
		unlink(path);
	}
	unlink(json);
	if (rmdir(dir) != 0)
		abort();
	return 0;
}
