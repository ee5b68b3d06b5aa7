// SPDX-License-Identifier: MIT
/* Sending OTLP/HTTP requests with libcurl (otlp_http.h). */
#include "otlp_http.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "export/gzip.h"
#include "export/otlp.h"

#define CONNECT_TIMEOUT_S 10L
#define REQUEST_TIMEOUT_S 60L
#define RETRY_AFTER_MAX_S 30
#define RETRY_TOTAL_MAX_S 60
#define ANSWER_MAX 4096		/* bytes of an answer kept for errors */

struct keke_otlp_http {
	CURL *curl;
	struct curl_slist *headers;
	char *url;
	char answer[ANSWER_MAX];
	char curl_err[CURL_ERROR_SIZE];
	size_t answer_len;
	long waited_s;		/* retry waits so far, all requests */
};

/* Keeps the start of the answer's body (libcurl's write callback). */
static size_t keep_answer(char *p, size_t size, size_t n, void *ctx)
{
	struct keke_otlp_http *h = ctx;
	size_t len = size * n, room = sizeof(h->answer) - 1 - h->answer_len;

	if (len < room)
		room = len;
	memcpy(h->answer + h->answer_len, p, room);
	h->answer_len += room;
	h->answer[h->answer_len] = '\0';
	return len;
}

struct keke_otlp_http *keke_otlp_http_new(const char *url,
					  char *const *headers, char *err,
					  size_t size)
{
	static bool initialized;
	struct keke_otlp_http *h;
	struct curl_slist *l = NULL, *next;
	static const char *const fixed[] = {
		"Content-Type: application/x-protobuf",
		"Content-Encoding: gzip",
		"Expect:",	/* no 100-continue round trip */
	};

	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) {
		snprintf(err, size, "%s: not an http:// or https:// URL",
			 url);
		return NULL;
	}
	if (!initialized && curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		snprintf(err, size, "libcurl failed to start");
		return NULL;
	}
	initialized = true;
	h = calloc(1, sizeof(*h));
	if (!h || !(h->url = strdup(url)) || !(h->curl = curl_easy_init()))
		goto oom;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		next = curl_slist_append(l, fixed[i]);
		if (!next)
			goto oom;
		l = next;
	}
	for (size_t i = 0; headers && headers[i]; i++) {
		next = curl_slist_append(l, headers[i]);
		if (!next)
			goto oom;
		l = next;
	}
	h->headers = l;
	curl_easy_setopt(h->curl, CURLOPT_URL, h->url);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "keke");
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, REQUEST_TIMEOUT_S);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->curl_err);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, keep_answer);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	return h;
oom:
	snprintf(err, size, "out of memory");
	curl_slist_free_all(l);
	if (h)
		h->headers = NULL;
	keke_otlp_http_free(h);
	return NULL;
}

/* Whether the answer @code asks to try again later (OTLP/HTTP spec). */
static bool retryable(long code)
{
	return code == 429 || code == 502 || code == 503 || code == 504;
}

/* Reads a varint of @p (@n bytes) at *@i into *@v. */
static bool varint(const unsigned char *p, size_t n, size_t *i, uint64_t *v)
{
	*v = 0;
	for (unsigned shift = 0; *i < n && shift < 64; shift += 7) {
		unsigned char b = p[(*i)++];

		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return true;
	}
	return false;
}

/* The message (field 2) of the google.rpc.Status @p (@n bytes) that an
 * OTLP/HTTP server answers a failure with, in *@s and *@len. */
static bool status_message(const unsigned char *p, size_t n,
			   const unsigned char **s, size_t *len)
{
	size_t i = 0;
	uint64_t tag, v;

	while (i < n) {
		if (!varint(p, n, &i, &tag) || !varint(p, n, &i, &v))
			return false;
		if ((tag & 7) == 0)
			continue;
		if ((tag & 7) != 2 || v > n - i)
			return false;
		if (tag >> 3 == 2) {
			*s = p + i;
			*len = (size_t)v;
			return true;
		}
		i += (size_t)v;
	}
	return false;
}

/* The "message" of the JSON google.rpc.Status @p (@n bytes) in *@p and
 * *@n, when it has one; else they are left alone. */
static void json_message(const unsigned char **p, size_t *n)
{
	const char *at = strstr((const char *)*p, "\"message\":\"");
	size_t k = 0;

	if (!at)
		return;
	at += strlen("\"message\":\"");
	while (at[k] && at[k] != '"')
		k += at[k] == '\\' && at[k + 1] ? 2 : 1;
	*p = (const unsigned char *)at;
	*n = k;
}

/*
 * The message of the answer kept in @h, made one printable line into
 * @out (@size bytes): a google.rpc.Status's message when the answer is
 * protobuf, else the body's text.
 */
static void answer_message(const struct keke_otlp_http *h, char *out,
			   size_t size)
{
	const unsigned char *p = (const unsigned char *)h->answer;
	size_t n = h->answer_len, k = 0;
	char *type = NULL;

	curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &type);
	if (type && strstr(type, "protobuf") &&
	    !status_message(p, h->answer_len, &p, &n))
		n = 0;
	else if (type && strstr(type, "json"))
		json_message(&p, &n);
	for (size_t i = 0; i < n && k + 1 < size; i++)
		out[k++] = p[i] < 0x20 || p[i] == 0x7f ? ' ' : (char)p[i];
	out[k] = '\0';
}

/* Sleeps @s seconds. */
static void wait_s(long s)
{
	struct timespec t = { .tv_sec = s };

	while (nanosleep(&t, &t) != 0)
		;
}

/* Posts @body (@len bytes) until it is taken, refused or out of tries. */
static int post(struct keke_otlp_http *h, const unsigned char *body,
		size_t len, char *err)
{
	char msg[512];
	long code, backoff = 1;
	curl_off_t after;
	CURLcode rc;

	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)len);
	for (;;) {
		h->answer_len = 0;
		h->answer[0] = '\0';
		h->curl_err[0] = '\0';
		rc = curl_easy_perform(h->curl);
		if (rc != CURLE_OK) {
			snprintf(err, KEKE_OTLP_ERROR_MAX, "%s", h->curl_err[0] ?
				 h->curl_err : curl_easy_strerror(rc));
			return -1;
		}
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code >= 200 && code < 300)
			return 0;
		answer_message(h, msg, sizeof(msg));
		if (!retryable(code)) {
			snprintf(err, KEKE_OTLP_ERROR_MAX, "HTTP %ld%s%s",
				 code, msg[0] ? ": " : "", msg);
			return -1;
		}
		after = -1;
		if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &after) !=
		    CURLE_OK || after <= 0)
			after = backoff;
		if (after > RETRY_AFTER_MAX_S)
			after = RETRY_AFTER_MAX_S;
		if (h->waited_s + after > RETRY_TOTAL_MAX_S) {
			snprintf(err, KEKE_OTLP_ERROR_MAX, "still busy (HTTP "
				 "%ld) after %ld s of retries%s%s", code,
				 h->waited_s, msg[0] ? ": " : "", msg);
			return -1;
		}
		wait_s((long)after);
		h->waited_s += (long)after;
		if (backoff < RETRY_AFTER_MAX_S)
			backoff *= 2;
	}
}

int keke_otlp_http_send(void *ctx, const void *req, size_t len, char *err)
{
	struct keke_otlp_http *h = ctx;
	unsigned char *body;
	size_t n;
	int rc;

	if (keke_gzip(req, len, &body, &n) != 0) {
		snprintf(err, KEKE_OTLP_ERROR_MAX, "out of memory compressing "
			 "a request");
		return -1;
	}
	rc = post(h, body, n, err);
	free(body);
	return rc;
}

void keke_otlp_http_free(struct keke_otlp_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	free(h->url);
	free(h);
}
