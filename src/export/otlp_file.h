/* SPDX-License-Identifier: MIT */
/*
 * keke.db as an OTLP file: OTLP/JSON with one ExportTraceServiceRequest
 * per line, as the OpenTelemetry Collector's file exporter writes and its
 * otlpjsonfile receiver reads; or, for a name ending in .pb or .binpb,
 * one binary ExportTraceServiceRequest (requests written one after the
 * other are one message to a protobuf decoder). Gzip-compressed when the
 * name ends in .gz. Written as all of keke's outputs are (output.h).
 */
#ifndef KEKE_OTLP_FILE_H
#define KEKE_OTLP_FILE_H

#include "export/otlp.h"

/* The encoding the name @path asks for. */
enum keke_otlp_encoding keke_otlp_file_encoding(const char *path);

/*
 * Exports @o (its encoding and deliver set here) into @path. Returns 0,
 * or -1 with @err (KEKE_OTLP_ERROR_MAX bytes) saying why; the file is
 * then untouched.
 */
int keke_otlp_write_file(const char *path, struct keke_otlp_options o,
			 struct keke_otlp_stats *stats, char *err);

#endif
