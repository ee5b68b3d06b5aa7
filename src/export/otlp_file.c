// SPDX-License-Identifier: MIT
/* keke.db as an OTLP file (otlp_file.h). */
#include "export/otlp_file.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "common/output.h"

struct file_out {
	const char *path;
	struct keke_output out;
	gzFile gz;		/* NULL: not compressed */
};

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

enum keke_otlp_encoding keke_otlp_file_encoding(const char *path)
{
	static const char *const pb[] = { ".pb", ".binpb", ".pb.gz",
					  ".binpb.gz" };

	for (size_t i = 0; i < sizeof(pb) / sizeof(pb[0]); i++)
		if (ends_with(path, pb[i]))
			return KEKE_OTLP_PROTOBUF;
	return KEKE_OTLP_JSON;
}

/* Writes one request to the file (deliver of otlp.h). */
static int write_request(void *ctx, const void *req, size_t len, char *err)
{
	struct file_out *f = ctx;
	const char *p = req;
	int zerr;

	while (len) {
		size_t k = len > (1u << 30) ? 1u << 30 : len;
		ssize_t w = f->gz ? gzwrite(f->gz, p, (unsigned)k) :
				    write(f->out.fd, p, k);

		if (w < 0 && !f->gz && errno == EINTR)
			continue;
		if (w <= 0) {
			snprintf(err, KEKE_OTLP_ERROR_MAX, "%s: %s", f->path,
				 f->gz ? gzerror(f->gz, &zerr) :
				 strerror(errno));
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int keke_otlp_write_file(const char *path, struct keke_otlp_options o,
			 struct keke_otlp_stats *stats, char *err)
{
	struct file_out f = { .path = path };
	int zerr;

	if (keke_output_open(&f.out, path, 0, err, KEKE_OTLP_ERROR_MAX) != 0)
		return -1;
	if (ends_with(path, ".gz")) {
		f.gz = gzdopen(f.out.fd, "wb6");
		if (!f.gz) {
			snprintf(err, KEKE_OTLP_ERROR_MAX, "%s: out of memory",
				 path);
			keke_output_discard(&f.out);
			return -1;
		}
	}
	o.encoding = keke_otlp_file_encoding(path);
	o.deliver = write_request;
	o.ctx = &f;
	if (keke_otlp_export(&o, stats, err) != 0)
		goto fail;
	if (f.gz) {
		zerr = gzclose(f.gz);
		f.gz = NULL;
		f.out.fd = -1;	/* gzclose closed it */
		if (zerr != Z_OK) {
			snprintf(err, KEKE_OTLP_ERROR_MAX, "%s: %s", path,
				 zerr == Z_ERRNO ? strerror(errno) :
				 "compression failed");
			keke_output_discard(&f.out);
			return -1;
		}
	}
	return keke_output_close(&f.out, err, KEKE_OTLP_ERROR_MAX);
fail:
	if (f.gz) {
		gzclose(f.gz);
		f.out.fd = -1;
	}
	keke_output_discard(&f.out);
	return -1;
}
