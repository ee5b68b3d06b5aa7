/* SPDX-License-Identifier: MIT */
/*
 * What the export reads of keke.db before it walks the slices: the trace
 * (metadata), the processes with their host, and each process image (a
 * depth-0 slice of category "process") with its span id and the image
 * span its process hangs under. Works with and without the columns and
 * tables of newer databases: metadata trace_state and
 * remote_parent_span_id, the span_id arg of an image (or of a process
 * row's arg_set_id), the machine table and process.machine_id.
 */
#ifndef KEKE_EXPORT_TRACE_DB_H
#define KEKE_EXPORT_TRACE_DB_H

#include <sqlite3.h>
#include <stdint.h>

#include "common/idmap.h"
#include "export/otlp.h"
#include "export/span.h"

struct otlp_process {
	int64_t upid, pid;
	int64_t parent;		/* index of the parent process, or -1 */
	int64_t exit_code;
	bool has_exit_code;
	int64_t signal;		/* 0: none */
	const char *host;	/* host.name (owned by the db's strings) */
	size_t first_image, nimages;	/* its images, in time order */
};

struct otlp_image {
	int64_t slice_id, ts, dur, arg_set_id;
	size_t proc;		/* index of its process */
	char *name;
	uint8_t span_id[8];
	int64_t parent_image;	/* index of the image it hangs under, or
				 * -1: a root of the trace */
};

struct otlp_db {
	sqlite3 *db;
	const char *path;
	struct otlp_trace trace;
	int64_t realtime_offset_ns;	/* Unix ns = monotonic ns + this */
	char *host;			/* metadata host */
	char **machines;		/* host names of the machine table */
	size_t nmachines;
	struct otlp_process *procs;
	size_t nprocs;
	struct otlp_image *images;	/* by process, then time */
	size_t nimages;
	struct idmap image_of_slice;	/* slice id -> image index */
	struct idmap proc_of_track;	/* track id -> process index */
	const char *root_name;		/* the first root image's name */
};

/* Opens @path read-only and reads all of the above into @d. Returns 0,
 * or -1 with @err (KEKE_OTLP_ERROR_MAX bytes) saying why. */
int otlp_db_open(struct otlp_db *d, const char *path, char *err);

void otlp_db_close(struct otlp_db *d);

#endif
