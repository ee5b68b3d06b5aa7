/* SPDX-License-Identifier: MIT */
/*
 * A slice's args as span attributes, named as OpenTelemetry's semantic
 * conventions name them where they have a name (file.path,
 * network.peer.address and .port, network.local.* for bind), else
 * keke.<key>; a flag or enum as its text (O_WRONLY|O_CREAT). The error
 * arg (an errno name) becomes the span's ERROR status instead.
 */
#ifndef KEKE_EXPORT_ARG_ATTRS_H
#define KEKE_EXPORT_ARG_ATTRS_H

#include <sqlite3.h>

#include "export/span.h"

/* What an image's args say of the process, for its resource. */
struct otlp_image_args {
	char exe[4096];
	char cmdline[8192];
	char status[128];	/* "exited 2", as the db shows it */
	int64_t exit_code;
	bool has_exit_code;
};

/* A statement that reads an arg set (otlp_args_prepare), or NULL with
 * SQLite's error in @db. */
sqlite3_stmt *otlp_args_prepare(sqlite3 *db);

/*
 * Adds the args of @arg_set_id to span @s, made by the call @call (its
 * name). With @image (an image's slice), its exe, cmdline, status and
 * exit code go there rather than to attributes. Returns 0, or -1 when
 * SQLite failed.
 */
int otlp_args_to_span(sqlite3_stmt *st, int64_t arg_set_id, const char *call,
		      struct otlp_span *s, struct otlp_image_args *image);

#endif
