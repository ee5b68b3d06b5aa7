/* SPDX-License-Identifier: MIT */
/*
 * keke.db as OpenTelemetry traces (OTLP): each process image becomes a
 * span, with its calls of at least a minimum duration and its user spans
 * and instants (keke.h) as child spans; flows become links.
 * The spans are encoded as ExportTraceServiceRequest messages, in
 * protobuf or in OTLP/JSON, of a bounded size each, and handed one by one
 * to the caller (a file, an OTLP/HTTP endpoint).
 *
 * The database's times (CLOCK_MONOTONIC) become Unix times with its
 * metadata realtime_offset_ns. Span ids are the database's own (an
 * image's span_id arg, which TRACEPARENT handed to the program), else
 * derived from the trace id and the slice id, the same on every export.
 */
#ifndef KEKE_OTLP_H
#define KEKE_OTLP_H

#include <stddef.h>
#include <stdint.h>

#define KEKE_OTLP_ERROR_MAX 1024

/* A request size that every OTLP receiver takes (the Collector's gRPC
 * default is 4 MiB; HTTP receivers take at least as much). */
#define KEKE_OTLP_REQUEST_MAX (4000u * 1000u)

enum keke_otlp_encoding {
	KEKE_OTLP_JSON,		/* OTLP/JSON, one request per line */
	KEKE_OTLP_PROTOBUF,	/* binary protobuf */
};

/*
 * Takes one complete request of @len bytes at @req (for JSON, one line
 * with its newline). Returns 0, or -1 after writing why into @err
 * (KEKE_OTLP_ERROR_MAX bytes), which stops the export.
 */
typedef int (*keke_otlp_deliver_fn)(void *ctx, const void *req, size_t len,
				    char *err);

struct keke_otlp_options {
	const char *db;			/* the keke.db to read */
	uint64_t min_dur_ns;		/* calls shorter are left out */
	const char *service_name;	/* NULL: the root command's name */
	enum keke_otlp_encoding encoding;
	size_t request_max;		/* bytes of a request, about; 0: no
					 * limit (one request) */
	keke_otlp_deliver_fn deliver;
	void *ctx;
};

struct keke_otlp_stats {
	uint64_t images;	/* process image spans */
	uint64_t spans;		/* all spans */
	uint64_t left_out;	/* calls under min_dur_ns */
	uint64_t links;
	uint64_t requests;
	uint8_t trace_id[16];
};

/*
 * Exports the database o->db as described above. Returns 0, or -1 with
 * @err (KEKE_OTLP_ERROR_MAX bytes) saying why: the database cannot be
 * read or is no keke database, or delivering a request failed (the
 * requests before it were delivered).
 */
int keke_otlp_export(const struct keke_otlp_options *o,
		     struct keke_otlp_stats *stats, char *err);

#endif
