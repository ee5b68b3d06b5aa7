/* SPDX-License-Identifier: MIT */
/*
 * Sending OTLP/HTTP requests (binary protobuf, gzip-compressed) to an
 * endpoint with libcurl: 429, 502, 503 and 504 are retried, after the
 * Retry-After the server asked for (at most 30 s) or else a backoff of
 * 1, 2, 4... s, for at most 60 s of waiting in all; any other answer
 * but 2xx, or no answer, fails with one line saying why.
 */
#ifndef KEKE_OTLP_HTTP_H
#define KEKE_OTLP_HTTP_H

#include <stddef.h>

struct keke_otlp_http;

/*
 * A sender to @url with the extra header lines @headers ("Key: value",
 * NULL-terminated; may be NULL). Returns NULL with @err (@size bytes)
 * saying why.
 */
struct keke_otlp_http *keke_otlp_http_new(const char *url,
					  char *const *headers, char *err,
					  size_t size);

/* Sends the request of @len bytes at @req (deliver of export/otlp.h,
 * with the sender as @ctx). Returns 0, or -1 with @err set. */
int keke_otlp_http_send(void *ctx, const void *req, size_t len, char *err);

void keke_otlp_http_free(struct keke_otlp_http *h);

#endif
