// SPDX-License-Identifier: MIT
/* Gzip-compressing a buffer in memory (gzip.h). */
#include "export/gzip.h"

#include <stdlib.h>
#include <zlib.h>

int keke_gzip(const void *in, size_t n, unsigned char **out,
	      size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap;
	unsigned char *buf;
	int rc;

	/* windowBits 15 + 16: a gzip header and trailer, not zlib's. */
	if (n > (1u << 30) || deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
					  Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	cap = deflateBound(&z, (uLong)n);
	buf = malloc(cap);
	if (!buf) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = buf;
	z.avail_out = (uInt)cap;
	rc = deflate(&z, Z_FINISH);
	*out_len = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return -1;
	}
	*out = buf;
	return 0;
}
