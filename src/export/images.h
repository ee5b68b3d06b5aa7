/* SPDX-License-Identifier: MIT */
/* The process images of keke.db, their span ids and parents (trace_db.h). */
#ifndef KEKE_EXPORT_IMAGES_H
#define KEKE_EXPORT_IMAGES_H

#include "export/trace_db.h"

/*
 * Reads into @d (whose processes are read): which process each thread
 * track belongs to, the images of each process in time order, each
 * image's span id (its span_id arg, else derived) and the image its
 * process hangs under: the parent process's image that was running when
 * the process began (its first image). Returns 0, or -1 with @err set.
 */
int otlp_read_images(struct otlp_db *d, char *err);

/* The image of process @proc running at @ts (the last that began at or
 * before it, else its first), or -1 when it has none. */
int64_t otlp_db_image_at(const struct otlp_db *d, size_t proc, int64_t ts);

/* The span id of the image or slice @slice_id. */
void otlp_span_id_of(const struct otlp_db *d, int64_t slice_id,
		     uint8_t span_id[8]);

#endif
