/* SPDX-License-Identifier: MIT */
/*
 * Where OTLP/HTTP spans go, as OpenTelemetry's exporters read it from
 * the environment (the SDK configuration spec): the endpoint from
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT used as it is, else
 * OTEL_EXPORTER_OTLP_ENDPOINT with /v1/traces appended; headers from
 * OTEL_EXPORTER_OTLP_TRACES_HEADERS, else OTEL_EXPORTER_OTLP_HEADERS, as
 * "key=value,key2=value2" with both sides URL-encoded.
 */
#ifndef KEKE_OTLP_ENV_H
#define KEKE_OTLP_ENV_H

#include <stddef.h>

/* The endpoint the environment names into @url (@size bytes). Returns
 * 0, or -1 when it names none (or one too long). */
int keke_otlp_env_endpoint(char *url, size_t size);

/*
 * The headers the environment names, as "Key: value" lines in a
 * malloc'd NULL-terminated array (free with keke_otlp_headers_free).
 * Returns 0, or -1 with @err (@size bytes) naming the bad entry.
 */
int keke_otlp_env_headers(char ***headers, char *err, size_t size);

void keke_otlp_headers_free(char **headers);

#endif
