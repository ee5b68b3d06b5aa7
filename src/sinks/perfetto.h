/* SPDX-License-Identifier: MIT */
/*
 * The Perfetto sink's parts (perfetto.c: the events of each thread in
 * order; perfetto_file.c: where they are kept until the trace is whole).
 *
 * Perfetto wants every track declared before its first event, but keke
 * knows processes and threads completely only after their events. So the
 * events go to a spill file (unnamed, next to the output) as they come,
 * and finish writes the output: the clock and every track first, then the
 * spilled events, with the flows, known last too, added to the events
 * where they start and end.
 */
#ifndef KEKE_SINKS_PERFETTO_H
#define KEKE_SINKS_PERFETTO_H

#include <stdbool.h>
#include <stdint.h>

#include "common/output.h"
#include "common/protobuf.h"
#include "sinks/sink.h"

/* Field numbers of perfetto/protos (trace_packet.proto, track_event.proto,
 * track_descriptor.proto, clock_snapshot.proto, interned_data.proto). */
enum {
	PF_TRACE_PACKET = 1,		/* Trace.packet */
	PF_TIMESTAMP = 8,
	PF_CLOCK_SNAPSHOT = 6,
	PF_SEQUENCE_ID = 10,		/* trusted_packet_sequence_id */
	PF_TRACK_EVENT = 11,
	PF_INTERNED_DATA = 12,
	PF_SEQUENCE_FLAGS = 13,
	PF_PACKET_DEFAULTS = 59,
	PF_TRACK_DESCRIPTOR = 60,

	PF_DEFAULTS_CLOCK_ID = 58,	/* TracePacketDefaults */
	PF_DEFAULTS_TRACK_EVENT = 11,
	PF_EVENT_DEFAULTS_TRACK = 11,	/* TrackEventDefaults.track_uuid */

	PF_SNAPSHOT_CLOCK = 1,		/* ClockSnapshot */
	PF_SNAPSHOT_PRIMARY = 2,
	PF_CLOCK_ID = 1,		/* ClockSnapshot.Clock */
	PF_CLOCK_TIMESTAMP = 2,
	PF_CLOCK_INCREMENTAL = 3,

	PF_TRACK_UUID = 1,		/* TrackDescriptor */
	PF_TRACK_NAME = 2,
	PF_TRACK_PROCESS = 3,
	PF_TRACK_THREAD = 4,
	PF_TRACK_PARENT = 5,
	PF_TRACK_COUNTER = 8,
	PF_PROCESS_PID = 1,		/* ProcessDescriptor */
	PF_PROCESS_CMDLINE = 2,
	PF_PROCESS_NAME = 6,
	PF_THREAD_PID = 1,		/* ThreadDescriptor */
	PF_THREAD_TID = 2,
	PF_THREAD_NAME = 5,

	PF_EVENT_CATEGORY = 3,		/* TrackEvent.category_iids */
	PF_EVENT_ANNOTATION = 4,
	PF_EVENT_TYPE = 9,
	PF_EVENT_NAME = 10,		/* name_iid */
	PF_EVENT_TRACK = 11,
	PF_EVENT_COUNTER_VALUE = 30,
	PF_EVENT_FLOW = 47,
	PF_EVENT_TERMINATING_FLOW = 48,

	PF_ANNOTATION_NAME = 1,		/* DebugAnnotation.name_iid */
	PF_ANNOTATION_INT = 4,
	PF_ANNOTATION_STRING = 6,

	PF_INTERNED_CATEGORIES = 1,	/* InternedData; entries: iid 1, */
	PF_INTERNED_NAMES = 2,		/* name 2 */
	PF_INTERNED_ANNOTATION_NAMES = 3,
};

enum {
	PF_SLICE_BEGIN = 1,
	PF_SLICE_END = 2,
	PF_INSTANT = 3,
	PF_COUNTER = 4,
	PF_SEQ_CLEARED = 1,
	PF_SEQ_NEEDS_STATE = 2,
	PF_CLOCK_MONOTONIC = 3,
	PF_CLOCK_REALTIME = 1,
	PF_CLOCK_SEQUENCE = 64,		/* each sequence's own, incremental */
};

/* Where the first packet of a slice that may carry a flow lies in the
 * spill, so that finish can add the flow to its track_event (the
 * packet's last field). */
struct pf_mark {
	int64_t slice_id;
	uint64_t offset;	/* of the packet's tag */
	uint32_t event_size;	/* the track_event's bytes, tag included,
				 * which end the packet */
	int64_t ts_ns;
};

struct pf_flow {
	int64_t id, slice_out, slice_in;
};

/* The spill and the output (perfetto_file.c). */
struct pf_file {
	struct keke_output out;
	bool gzip;		/* the output's name ends in .gz */
	int spill_fd;		/* -1: not open */
	uint64_t spilled;	/* bytes written to it */
	struct pf_mark *marks;	/* in spill order */
	size_t nmarks, marks_cap;
	struct pf_flow *flows;
	size_t nflows, flows_cap;
};

/*
 * Opens the output @path (a temporary, or a device in place) and the spill
 * beside it. Returns 0, or -1 with @err (KEKE_SINK_ERROR_MAX).
 */
int pf_file_open(struct pf_file *f, const char *path, char *err);

/* Appends the @n bytes at @p to the spill. Returns 0, or -1 and errno. */
int pf_file_spill(struct pf_file *f, const void *p, size_t n);

/*
 * Writes the output: @head (the clock and the tracks), then the spill with
 * the flows added where their ends are marked; completes it. Returns 0, or
 * -1 with @err (KEKE_SINK_ERROR_MAX); the output is given up then.
 */
int pf_file_finish(struct pf_file *f, const struct pb_buf *head,
		   volatile sig_atomic_t *cancel, char *err);

/* Gives the output up and frees @f. */
void pf_file_free(struct pf_file *f);

#endif
