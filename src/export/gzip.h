/* SPDX-License-Identifier: MIT */
/* Gzip-compressing a buffer in memory (an OTLP/HTTP request body). */
#ifndef KEKE_EXPORT_GZIP_H
#define KEKE_EXPORT_GZIP_H

#include <stddef.h>

/* Compresses @n bytes at @in into a malloc'd gzip member in *@out of
 * *@out_len bytes. Returns 0, or -1 when memory ran out. */
int keke_gzip(const void *in, size_t n, unsigned char **out,
	      size_t *out_len);

#endif
