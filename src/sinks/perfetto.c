// SPDX-License-Identifier: MIT
/*
 * The Perfetto sink: writes Perfetto's own trace format, a stream of
 * TracePackets carrying TrackEvents, as its docs on synthetic track events
 * describe. Each thread is one packet sequence: its first packet clears
 * the sequence's state and sets its defaults (the thread's track, and a
 * clock of its own whose timestamps count from the previous packet's), and
 * event names, categories and argument names are interned on it, so that a
 * read(2) is a few dozen bytes where the JSON needs 140.
 *
 * Slices are SLICE_BEGIN/SLICE_END pairs, which must come in time order on
 * their track. The merge sends a thread's slices as they end; a slice
 * that holds others (an image, a user span) is announced by slice_begin,
 * and the END of each slice waits on the thread's stack of begun slices
 * until an event past it comes. A slice that still comes too late (a call
 * a signal handler interrupted, sent after the handler's calls) begins
 * where the track is, and is cut where its parent ends.
 */
#include "sinks/perfetto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/idmap.h"
#include "sinks/process_label.h"

/* Buffered bytes that trigger a write to the spill. */
#define FLUSH_AT (1u << 20)


/* Track uuids: the kind in the low bits, so that none collide. */
#define THREAD_UUID(utid) ((uint64_t)(utid) << 2)
#define PROCESS_UUID(upid) ((uint64_t)(upid) << 2 | 1)
#define COUNTER_UUID(id) ((uint64_t)(id) << 2 | 2)
#define CRITICAL_PROCESS_UUID 3
#define CRITICAL_THREAD_UUID 7

/* The sequence of the critical path; a thread's is its utid + 1, and its
 * later tracks' count from LATER_SEQUENCES. */
#define CRITICAL_SEQUENCE 1
#define LATER_SEQUENCES 0x80000000u

/* An END not known yet: the slice was announced. */
#define END_UNKNOWN INT64_MIN

/* Args a slice shows at most. */
#define MAX_ARGS 64

/* Interned string kinds (InternedData's tables). */
enum { KIND_NAME, KIND_CATEGORY, KIND_ANNOTATION, NKINDS };

static const unsigned interned_field[NKINDS] = {
	[KIND_NAME] = PF_INTERNED_NAMES,
	[KIND_CATEGORY] = PF_INTERNED_CATEGORIES,
	[KIND_ANNOTATION] = PF_INTERNED_ANNOTATION_NAMES,
};

/* A slice begun on a thread whose END is not written yet. */
struct open_slice {
	int64_t id;
	int64_t end_ns;		/* END_UNKNOWN: announced */
	struct pf_mark begin;	/* where its BEGIN is, for its flows */
	bool marked;		/* begin is in the file's marks */
};

/*
 * A packet sequence and its track: one per thread, and the critical
 * path's. A slice that comes after its thread's track has passed its
 * start goes on a later track of the same thread, which Perfetto shows
 * with it, rather than at a time it did not happen.
 */
struct sequence {
	uint32_t id;		/* 0 until its first packet */
	int64_t utid;
	unsigned gen;		/* 0: the thread's first track */
	struct sequence *later;	/* its next track, or NULL */
	uint64_t track;		/* its events' default track */
	int64_t last_ns;	/* the timestamp of its last packet */
	struct open_slice *open;
	unsigned nopen, open_cap;
	/* Interned iids defined on it: kind << 30 | iid, + 1 (0: free). */
	uint32_t *interned;
	unsigned ninterned, interned_cap;	/* a power of two, or 0 */
	int pid, tid;		/* a thread's, for its track */
	bool declared;		/* its thread track is in the head */
};

/* An interned string: one iid for it on every sequence. */
struct string {
	char *s;
	size_t len;
	uint64_t hash;
};

struct pf_sink {
	struct pf_file file;
	char *path;
	struct pb_buf buf;	/* packets not yet spilled */
	struct pb_buf head;	/* track descriptors, written first */
	struct sequence **threads; /* by utid, NULL until used */
	size_t threads_cap;
	uint32_t nlater;	/* later tracks made */
	struct sequence critical;
	struct string *strings;	/* iid - 1 */
	size_t nstrings, strings_cap;
	uint32_t *string_slots;	/* iid, 0: free */
	size_t slots_cap;	/* a power of two */
	struct idmap names;	/* process names by upid, for main threads */
	char **name_list;	/* their owners */
	size_t nname_list;
	struct idmap counter_last; /* a counter track's last ts */
	int64_t realtime_offset_ns;
	int64_t first_ns;	/* the earliest timestamp, for the clock */
	bool have_first;
	bool failed;
	volatile sig_atomic_t *cancel;
	char err[KEKE_SINK_ERROR_MAX];
};

static int fail(struct pf_sink *ps, const char *what, int err)
{
	if (!ps->failed)
		snprintf(ps->err, sizeof(ps->err), "%s %s: %s", what,
			 ps->path, strerror(err));
	ps->failed = true;
	return -1;
}

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 16;
	void *q;

	while (n < need)
		n *= 2;
	if (n == *cap)
		return p;
	q = realloc(p, n * size);
	if (q)
		*cap = n;
	return q;
}

/* ---- strings and interning ---------------------------------------- */

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* Where the iid of @s lies in the slot table (its slot or a free one). */
static uint32_t *string_slot(struct pf_sink *ps, const char *s, size_t n,
			     uint64_t h)
{
	size_t mask = ps->slots_cap - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask) {
		uint32_t iid = ps->string_slots[i];
		const struct string *e = &ps->strings[iid - 1];

		if (!iid || (e->hash == h && e->len == n &&
			     !memcmp(e->s, s, n)))
			return &ps->string_slots[i];
	}
}

static int grow_slots(struct pf_sink *ps)
{
	size_t cap = ps->slots_cap ? ps->slots_cap * 2 : 256;
	uint32_t *old = ps->string_slots;
	size_t old_cap = ps->slots_cap;

	ps->string_slots = calloc(cap, sizeof(*ps->string_slots));
	if (!ps->string_slots) {
		ps->string_slots = old;
		return -1;
	}
	ps->slots_cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		if (!old[i])
			continue;
		const struct string *e = &ps->strings[old[i] - 1];
		*string_slot(ps, e->s, e->len, e->hash) = old[i];
	}
	free(old);
	return 0;
}

/* The iid of @n bytes of @s, the same on every sequence; 0 out of memory. */
static uint32_t string_iid(struct pf_sink *ps, const char *s, size_t n)
{
	uint64_t h = hash_bytes(s, n);
	uint32_t *slot;
	struct string *e;

	if ((ps->nstrings + 1) * 2 > ps->slots_cap && grow_slots(ps))
		return 0;
	slot = string_slot(ps, s, n, h);
	if (*slot)
		return *slot;
	e = grow(ps->strings, &ps->strings_cap, ps->nstrings + 1,
		 sizeof(*e));
	if (!e)
		return 0;
	ps->strings = e;
	e = &ps->strings[ps->nstrings];
	e->s = malloc(n + 1);
	if (!e->s)
		return 0;
	memcpy(e->s, s, n);
	e->s[n] = '\0';
	e->len = n;
	e->hash = h;
	*slot = (uint32_t)++ps->nstrings;
	return *slot;
}

/* Whether @key is in @q's set of defined iids; adds it when not. Returns
 * 1 when it was there, 0 when added, -1 out of memory. */
static int defined_on(struct sequence *q, uint32_t key)
{
	unsigned mask, i;

	if ((q->ninterned + 1) * 2 > q->interned_cap) {
		unsigned cap = q->interned_cap ? q->interned_cap * 2 : 16;
		uint32_t *old = q->interned, *keys = calloc(cap, sizeof(*keys));

		if (!keys)
			return -1;
		for (i = 0; i < q->interned_cap; i++) {
			unsigned j = old[i] * 2654435761u & (cap - 1);

			if (!old[i])
				continue;
			while (keys[j])
				j = (j + 1) & (cap - 1);
			keys[j] = old[i];
		}
		free(old);
		q->interned = keys;
		q->interned_cap = cap;
	}
	mask = q->interned_cap - 1;
	for (i = key * 2654435761u & mask; q->interned[i];
	     i = (i + 1) & mask)
		if (q->interned[i] == key)
			return 1;
	q->interned[i] = key;
	q->ninterned++;
	return 0;
}

/* The strings a packet interns, to define the new ones in it. */
struct fresh_iid {
	unsigned kind;
	uint32_t iid;
};

struct interning {
	struct fresh_iid fresh[3 + MAX_ARGS];
	unsigned nfresh;
};

/*
 * The iid of @s (@n bytes) as a @kind on @q, noted in @in when the packet
 * must define it. Returns 0 out of memory.
 */
static uint32_t intern(struct pf_sink *ps, struct sequence *q,
		       struct interning *in, unsigned kind, const char *s,
		       size_t n)
{
	uint32_t iid = string_iid(ps, s, n);
	int seen;

	if (!iid)
		return 0;
	seen = defined_on(q, (uint32_t)kind << 30 | iid);
	if (seen < 0)
		return 0;
	if (!seen && in->nfresh < sizeof(in->fresh) / sizeof(in->fresh[0]))
		in->fresh[in->nfresh++] = (struct fresh_iid){ kind, iid };
	return iid;
}

/* ---- writing packets ---------------------------------------------- */

static void put_ctext(struct pb_buf *b, unsigned field, const char *s)
{
	pb_text(b, field, s, strlen(s));
}

/* Writes out the buffer once it is full. Returns 0 or -1 (failed). */
static int maybe_spill(struct pf_sink *ps)
{
	if (pb_failed(&ps->buf))
		return fail(ps, "out of memory writing", ENOMEM);
	if (ps->buf.len < FLUSH_AT)
		return ps->failed ? -1 : 0;
	if (pf_file_spill(&ps->file, ps->buf.p, ps->buf.len))
		return fail(ps, "cannot write the spill of", errno);
	ps->buf.len = 0;
	return 0;
}

static void note_time(struct pf_sink *ps, int64_t ts)
{
	if (!ps->have_first || ts < ps->first_ns)
		ps->first_ns = ts;
	ps->have_first = true;
}

/* Starts @q with the packet that clears its state: its track and its
 * clock, which starts at @ts. */
static void start_sequence(struct pf_sink *ps, struct sequence *q,
			   uint32_t id, int64_t ts)
{
	struct pb_buf *b = &ps->buf;
	size_t packet = pb_begin(b, PF_TRACE_PACKET), at, clock;

	q->id = id;
	q->last_ns = ts;
	pb_uint(b, PF_SEQUENCE_ID, id);
	pb_uint(b, PF_SEQUENCE_FLAGS, PF_SEQ_CLEARED);
	at = pb_begin(b, PF_PACKET_DEFAULTS);
	pb_uint(b, PF_DEFAULTS_CLOCK_ID, PF_CLOCK_SEQUENCE);
	size_t defaults = pb_begin(b, PF_DEFAULTS_TRACK_EVENT);
	pb_uint(b, PF_EVENT_DEFAULTS_TRACK, q->track);
	pb_end(b, defaults);
	pb_end(b, at);
	at = pb_begin(b, PF_CLOCK_SNAPSHOT);
	clock = pb_begin(b, PF_SNAPSHOT_CLOCK);
	pb_uint(b, PF_CLOCK_ID, PF_CLOCK_SEQUENCE);
	pb_uint(b, PF_CLOCK_TIMESTAMP, (uint64_t)ts);
	pb_uint(b, PF_CLOCK_INCREMENTAL, 1);
	pb_end(b, clock);
	clock = pb_begin(b, PF_SNAPSHOT_CLOCK);
	pb_uint(b, PF_CLOCK_ID, PF_CLOCK_MONOTONIC);
	pb_uint(b, PF_CLOCK_TIMESTAMP, (uint64_t)ts);
	pb_end(b, clock);
	pb_end(b, at);
	pb_end(b, packet);
	note_time(ps, ts);
}

/*
 * Opens an event packet of @q at @ts (not before its last one) and writes
 * what @in defines; returns where the packet starts, for pb_end(). The
 * track_event comes last.
 */
static size_t begin_event_packet(struct pf_sink *ps, struct sequence *q,
				 int64_t ts, const struct interning *in)
{
	struct pb_buf *b = &ps->buf;
	size_t packet = pb_begin(b, PF_TRACE_PACKET);

	/* An END held under a span that outlived it (a span begun in a
	 * signal handler during a call) ends with the span. */
	if (ts < q->last_ns)
		ts = q->last_ns;
	pb_uint(b, PF_TIMESTAMP, (uint64_t)(ts - q->last_ns));
	q->last_ns = ts;
	pb_uint(b, PF_SEQUENCE_ID, q->id);
	pb_uint(b, PF_SEQUENCE_FLAGS, PF_SEQ_NEEDS_STATE);
	if (in && in->nfresh) {
		size_t data = pb_begin(b, PF_INTERNED_DATA);

		for (unsigned kind = 0; kind < NKINDS; kind++)
			for (unsigned i = 0; i < in->nfresh; i++) {
				uint32_t iid = in->fresh[i].iid;
				const struct string *e = &ps->strings[iid - 1];

				if (in->fresh[i].kind != kind)
					continue;
				size_t entry = pb_begin(b,
							interned_field[kind]);
				pb_uint(b, 1, iid);
				pb_bytes(b, 2, e->s, e->len);
				pb_end(b, entry);
			}
		pb_end(b, data);
	}
	return packet;
}

/* Adds @where to the places flows may be added. Returns 0 or -1. */
static int mark(struct pf_sink *ps, const struct pf_mark *where)
{
	struct pf_file *f = &ps->file;
	struct pf_mark *m = grow(f->marks, &f->marks_cap, f->nmarks + 1,
				 sizeof(*m));

	if (!m)
		return fail(ps, "out of memory writing", ENOMEM);
	f->marks = m;
	f->marks[f->nmarks++] = *where;
	return 0;
}

/* A slice's args as debug annotations. */
static void put_args(struct pf_sink *ps, const struct keke_slice *s,
		     const uint32_t *keys)
{
	struct pb_buf *b = &ps->buf;

	for (unsigned i = 0; i < s->nargs; i++) {
		const struct keke_arg *a = &s->args[i];
		size_t at = pb_begin(b, PF_EVENT_ANNOTATION);

		pb_uint(b, PF_ANNOTATION_NAME, keys[i]);
		if (a->is_str)
			pb_text(b, PF_ANNOTATION_STRING, a->s ? a->s : "",
				 a->s ? a->len : 0);
		else if (a->display)
			pb_text(b, PF_ANNOTATION_STRING, a->display,
				 a->display_len);
		else
			pb_int(b, PF_ANNOTATION_INT, a->i);
		pb_end(b, at);
	}
	if (s->stack) {
		size_t at = pb_begin(b, PF_EVENT_ANNOTATION);

		pb_uint(b, PF_ANNOTATION_NAME, keys[s->nargs]);
		put_ctext(b, PF_ANNOTATION_STRING, s->stack);
		pb_end(b, at);
	}
}

static const char *or(const char *s, const char *fallback)
{
	return s && *s ? s : fallback;
}

/*
 * A packet of @q at @ts for slice @s: its BEGIN, INSTANT or END (@type),
 * with its name and category (not on an END) and its args (@with_args).
 * Where it lies goes to *@where when not NULL. Returns 0 or -1.
 */
static int slice_packet(struct pf_sink *ps, struct sequence *q, int64_t ts,
			unsigned type, const struct keke_slice *s,
			bool with_args, struct pf_mark *where)
{
	struct interning in = { .nfresh = 0 };
	uint32_t name = 0, category = 0, keys[MAX_ARGS + 1];
	struct pb_buf *b = &ps->buf;
	unsigned nkeys = 0;

	if (type != PF_SLICE_END) {
		const char *n = or(s->name, "unnamed");
		const char *c = or(s->category, "other");

		name = intern(ps, q, &in, KIND_NAME, n, strlen(n));
		category = intern(ps, q, &in, KIND_CATEGORY, c, strlen(c));
		if (!name || !category)
			return fail(ps, "out of memory writing", ENOMEM);
	}
	if (with_args) {
		for (unsigned i = 0; i < s->nargs && i < MAX_ARGS; i++) {
			const char *k = or(s->args[i].key, "arg");

			keys[nkeys] = intern(ps, q, &in, KIND_ANNOTATION, k,
					     strlen(k));
			if (!keys[nkeys++])
				return fail(ps, "out of memory writing",
					    ENOMEM);
		}
		if (s->stack && !(keys[nkeys] = intern(ps, q, &in,
						       KIND_ANNOTATION,
						       "stack", 5)))
			return fail(ps, "out of memory writing", ENOMEM);
	}
	size_t packet = begin_event_packet(ps, q, ts, &in);
	size_t event = b->len;
	size_t at = pb_begin(b, PF_TRACK_EVENT);

	pb_uint(b, PF_EVENT_TYPE, type);
	if (type != PF_SLICE_END) {
		pb_uint(b, PF_EVENT_NAME, name);
		pb_uint(b, PF_EVENT_CATEGORY, category);
	}
	if (with_args) {
		struct keke_slice clipped = *s;

		clipped.nargs = nkeys;
		put_args(ps, &clipped, keys);
	}
	pb_end(b, at);
	size_t event_size = b->len - event;
	pb_end(b, packet);
	if (where)
		/* pb_begin's return is past the tag and the (first) length
		 * byte; the tag does not move when the length grows. */
		*where = (struct pf_mark){
			.slice_id = s->id,
			.offset = ps->file.spilled + packet - 2,
			.event_size = (uint32_t)event_size,
			.ts_ns = ts,
		};
	return maybe_spill(ps);
}

/* An END on @q at @ts, with @s's args when @s is not NULL. */
static int end_packet(struct pf_sink *ps, struct sequence *q, int64_t ts,
		      const struct keke_slice *s)
{
	static const struct keke_slice none = { 0 };

	return slice_packet(ps, q, ts, PF_SLICE_END, s ? s : &none, s != NULL,
			    NULL);
}

/* ---- each thread's events in order -------------------------------- */

/* The first sequence of thread @utid (@pid, @tid), started at @ts if
 * new; NULL (and failed) out of memory. */
static struct sequence *thread_sequence(struct pf_sink *ps, int64_t utid,
					int pid, int tid, int64_t ts)
{
	struct sequence *q;

	if (utid <= 0 || utid >= LATER_SEQUENCES - 1) {
		fail(ps, "a thread id out of range in", ERANGE);
		return NULL;
	}
	if ((size_t)utid >= ps->threads_cap) {
		size_t old = ps->threads_cap;
		struct sequence **t = grow(ps->threads, &ps->threads_cap,
					   (size_t)utid + 1, sizeof(*t));

		if (!t) {
			fail(ps, "out of memory writing", ENOMEM);
			return NULL;
		}
		ps->threads = t;
		memset(t + old, 0, (ps->threads_cap - old) * sizeof(*t));
	}
	q = ps->threads[utid];
	if (!q) {
		q = ps->threads[utid] = calloc(1, sizeof(*q));
		if (!q) {
			fail(ps, "out of memory writing", ENOMEM);
			return NULL;
		}
		q->utid = utid;
		q->track = THREAD_UUID(utid);
		q->pid = pid > 0 ? pid : KEKE_NO_PID;
		q->tid = tid > 0 ? tid : q->pid;
		start_sequence(ps, q, (uint32_t)utid + 1, ts > 0 ? ts : 0);
	}
	return q;
}

/* The first track of @q's thread whose events have not passed @ts: @q, a
 * later one, or a new one; NULL out of memory. */
static struct sequence *sequence_at(struct pf_sink *ps, struct sequence *q,
				    int64_t ts)
{
	for (;; q = q->later) {
		if (ts >= q->last_ns)
			return q;
		if (!q->later)
			break;
	}
	struct sequence *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	*n = (struct sequence){
		.utid = q->utid,
		.gen = q->gen + 1,
		.track = THREAD_UUID(q->utid) | (uint64_t)(q->gen + 1) << 48,
		.pid = q->pid,
		.tid = q->tid,
	};
	q->later = n;
	start_sequence(ps, n, LATER_SEQUENCES + ps->nlater++, ts);
	return n;
}

/* Writes the ENDs of @q's begun slices that ended by @ts. */
static int close_until(struct pf_sink *ps, struct sequence *q, int64_t ts)
{
	while (q->nopen) {
		const struct open_slice *top = &q->open[q->nopen - 1];

		if (top->end_ns == END_UNKNOWN || top->end_ns > ts)
			break;
		if (end_packet(ps, q, top->end_ns, NULL))
			return -1;
		q->nopen--;
	}
	return 0;
}

static int push_open(struct pf_sink *ps, struct sequence *q,
		     const struct open_slice *o_new)
{
	size_t cap = q->open_cap;
	struct open_slice *o = grow(q->open, &cap, q->nopen + 1, sizeof(*o));

	if (!o)
		return fail(ps, "out of memory writing", ENOMEM);
	q->open = o;
	q->open_cap = (unsigned)cap;
	q->open[q->nopen++] = *o_new;
	return 0;
}

/*
 * Begins slice @s (@end_ns its end, or END_UNKNOWN) on the first track of
 * @q's thread that has not passed its start; ended where its parent ends
 * when it would end after. Returns 0 or -1.
 */
static int begin_slice(struct pf_sink *ps, struct sequence *q,
		       const struct keke_slice *s, int64_t end_ns)
{
	int64_t ts = s->ts_ns;

	q = sequence_at(ps, q, ts);
	if (!q)
		return fail(ps, "out of memory writing", ENOMEM);
	if (close_until(ps, q, ts))
		return -1;
	if (end_ns != END_UNKNOWN) {
		if (end_ns < ts)
			end_ns = ts;
		if (q->nopen && q->open[q->nopen - 1].end_ns != END_UNKNOWN &&
		    q->open[q->nopen - 1].end_ns < end_ns)
			end_ns = q->open[q->nopen - 1].end_ns;
	}
	struct open_slice o = { .id = s->id, .end_ns = end_ns,
				.marked = s->flow_end };

	if (slice_packet(ps, q, ts, PF_SLICE_BEGIN, s, end_ns != END_UNKNOWN,
			 &o.begin) ||
	    (o.marked && mark(ps, &o.begin)))
		return -1;
	return push_open(ps, q, &o);
}

/* The sequence of @s's thread, or NULL once the sink has failed. */
static struct sequence *slice_sequence(struct pf_sink *ps,
				       const struct keke_slice *s)
{
	if (ps->failed)
		return NULL;
	return thread_sequence(ps, s->utid, s->pid, s->tid, s->ts_ns);
}

static int pf_slice_begin(void *sink, const struct keke_slice *s)
{
	struct pf_sink *ps = sink;
	struct sequence *q = slice_sequence(ps, s);

	return q ? begin_slice(ps, q, s, END_UNKNOWN) : -1;
}

/* The end of announced slice @s on @q: the ENDs of what it holds, then
 * its own, with its args. Returns 0 or -1. */
static int end_announced(struct pf_sink *ps, struct sequence *q,
			 const struct keke_slice *s, unsigned at)
{
	int64_t end = s->ts_ns + s->dur_ns;

	if (end < q->last_ns)
		end = q->last_ns;
	if (close_until(ps, q, end))
		return -1;
	/* Slices inside it that would end after it end with it. */
	while (q->nopen > at + 1) {
		if (end_packet(ps, q, end, NULL))
			return -1;
		q->nopen--;
	}
	q->nopen--;
	/* A span that a flow touched is known so only at its end. */
	if (s->flow_end && !q->open[at].marked &&
	    mark(ps, &q->open[at].begin))
		return -1;
	return end_packet(ps, q, end, s);
}

static int pf_slice(void *sink, const struct keke_slice *s)
{
	struct pf_sink *ps = sink;
	struct sequence *q = slice_sequence(ps, s);

	if (!q)
		return -1;
	for (struct sequence *a = q; a; a = a->later)
		for (unsigned i = a->nopen; i-- > 0;)
			if (a->open[i].id == s->id &&
			    a->open[i].end_ns == END_UNKNOWN)
				return end_announced(ps, a, s, i);
	if (s->instant) {
		int64_t ts = s->ts_ns;
		struct pf_mark where;

		q = sequence_at(ps, q, ts);
		if (!q)
			return fail(ps, "out of memory writing", ENOMEM);
		if (close_until(ps, q, ts) ||
		    slice_packet(ps, q, ts, PF_INSTANT, s, true, &where))
			return -1;
		return s->flow_end ? mark(ps, &where) : 0;
	}
	return begin_slice(ps, q, s, s->ts_ns + s->dur_ns);
}

/* Ends every slice still open on @q, at its end or where the track is. */
static int close_sequence(struct pf_sink *ps, struct sequence *q)
{
	while (q->nopen) {
		int64_t end = q->open[q->nopen - 1].end_ns;

		if (end == END_UNKNOWN || end < q->last_ns)
			end = q->last_ns;
		if (end_packet(ps, q, end, NULL))
			return -1;
		q->nopen--;
	}
	return 0;
}

/* ---- counters ------------------------------------------------------ */

/* The descriptor of counter track @c, before its first value. */
static void counter_track(struct pf_sink *ps, const struct keke_counter *c)
{
	struct pb_buf *b = &ps->buf;
	size_t packet = pb_begin(b, PF_TRACE_PACKET);
	size_t desc = pb_begin(b, PF_TRACK_DESCRIPTOR);

	pb_uint(b, PF_TRACK_UUID, COUNTER_UUID(c->track_id));
	pb_uint(b, PF_TRACK_PARENT, PROCESS_UUID(c->upid));
	put_ctext(b, PF_TRACK_NAME, or(c->name, "counter"));
	pb_end(b, pb_begin(b, PF_TRACK_COUNTER));
	pb_end(b, desc);
	pb_end(b, packet);
}

static int pf_counter(void *sink, const struct keke_counter *c)
{
	struct pf_sink *ps = sink;
	struct pb_buf *b = &ps->buf;
	struct sequence *q;
	int64_t ts, last;

	if (ps->failed)
		return -1;
	q = thread_sequence(ps, c->utid, c->pid, c->tid, c->ts_ns);
	if (!q)
		return -1;
	q = sequence_at(ps, q, c->ts_ns);
	if (!q)
		return fail(ps, "out of memory writing", ENOMEM);
	ts = c->ts_ns;
	/* One track takes values from every thread of its process: a value
	 * that comes late for it is shown when the one before it ends. */
	if (idmap_get(&ps->counter_last, (uint64_t)c->track_id, &last) &&
	    last > ts)
		ts = last;
	idmap_put(&ps->counter_last, (uint64_t)c->track_id, ts);
	if (c->new_track)
		counter_track(ps, c);
	if (close_until(ps, q, ts))
		return -1;
	size_t packet = begin_event_packet(ps, q, ts, NULL);
	size_t at = pb_begin(b, PF_TRACK_EVENT);
	pb_uint(b, PF_EVENT_TYPE, PF_COUNTER);
	pb_uint(b, PF_EVENT_TRACK, COUNTER_UUID(c->track_id));
	pb_int(b, PF_EVENT_COUNTER_VALUE, c->value);
	pb_end(b, at);
	pb_end(b, packet);
	return maybe_spill(ps);
}

/* ---- tracks: processes and threads --------------------------------- */

/* Remembers @name as process @upid's, for its main thread. */
static int remember_name(struct pf_sink *ps, int64_t upid, const char *name)
{
	char **list = realloc(ps->name_list,
			      (ps->nname_list + 1) * sizeof(*list));
	char *copy = strdup(name);

	if (list)
		ps->name_list = list;
	if (!list || !copy) {
		free(copy);
		return -1;
	}
	list[ps->nname_list] = copy;
	idmap_put(&ps->names, (uint64_t)upid, (int64_t)ps->nname_list++);
	return 0;
}

/* A process track in the head: pid, name (keke_process_label, as the
 * JSON has it) and command line. */
static int pf_process(void *sink, const struct keke_process *p)
{
	struct pf_sink *ps = sink;
	struct pb_buf *b = &ps->head;
	char plain[64];
	const char *name = or(p->name, NULL);
	char *label;

	if (ps->failed)
		return -1;
	if (!name) {
		snprintf(plain, sizeof(plain), "process %d", p->pid);
		name = plain;
	}
	if (p->upid > 0 && remember_name(ps, p->upid, name))
		return fail(ps, "out of memory writing", ENOMEM);
	size_t packet = pb_begin(b, PF_TRACE_PACKET);
	size_t desc = pb_begin(b, PF_TRACK_DESCRIPTOR);
	pb_uint(b, PF_TRACK_UUID, PROCESS_UUID(p->upid));
	size_t proc = pb_begin(b, PF_TRACK_PROCESS);
	pb_int(b, PF_PROCESS_PID, p->pid > 0 ? p->pid : KEKE_NO_PID);
	if (p->cmdline && *p->cmdline)
		put_ctext(b, PF_PROCESS_CMDLINE, p->cmdline);
	label = keke_process_label(p);
	if (!label)
		return fail(ps, "out of memory writing", ENOMEM);
	put_ctext(b, PF_PROCESS_NAME, label);
	free(label);
	pb_end(b, proc);
	pb_end(b, desc);
	pb_end(b, packet);
	return pb_failed(b) ? fail(ps, "out of memory writing", ENOMEM) : 0;
}

/* A thread track in @b, in the process track @parent (0: none). */
static void thread_track(struct pb_buf *b, uint64_t uuid, uint64_t parent,
			 int pid, int tid, const char *name)
{
	size_t packet = pb_begin(b, PF_TRACE_PACKET);
	size_t desc = pb_begin(b, PF_TRACK_DESCRIPTOR);

	pb_uint(b, PF_TRACK_UUID, uuid);
	if (parent)
		pb_uint(b, PF_TRACK_PARENT, parent);
	size_t thr = pb_begin(b, PF_TRACK_THREAD);
	pb_int(b, PF_THREAD_PID, pid);
	pb_int(b, PF_THREAD_TID, tid);
	if (name)
		put_ctext(b, PF_THREAD_NAME, name);
	pb_end(b, thr);
	pb_end(b, desc);
	pb_end(b, packet);
}

/* A thread's track: its own name, or its process's for a main thread
 * without one, as the JSON names it. */
static int pf_thread(void *sink, const struct keke_thread *t)
{
	struct pf_sink *ps = sink;
	const char *name = or(t->name, NULL);
	int64_t i;
	int pid = t->pid > 0 ? t->pid : KEKE_NO_PID;
	char label[32];

	if (ps->failed)
		return -1;
	if (!name && t->is_main_thread && idmap_get(&ps->names,
						    (uint64_t)t->upid, &i))
		name = ps->name_list[i];
	if (!name) {
		snprintf(label, sizeof(label), "thread %d",
			 t->tid > 0 ? t->tid : pid);
		name = label;
	}
	struct sequence *q = t->utid > 0 && (size_t)t->utid < ps->threads_cap ?
			     ps->threads[t->utid] : NULL;

	thread_track(&ps->head, THREAD_UUID(t->utid),
		     t->upid > 0 ? PROCESS_UUID(t->upid) : 0, pid,
		     t->tid > 0 ? t->tid : pid, name);
	for (; q; q = q->later) {
		if (q->gen)
			thread_track(&ps->head, q->track,
				     t->upid > 0 ? PROCESS_UUID(t->upid) : 0,
				     pid, t->tid > 0 ? t->tid : pid, name);
		q->declared = true;
	}
	return pb_failed(&ps->head) ? fail(ps, "out of memory writing",
					   ENOMEM) : 0;
}

/* Flows are added to their ends' packets by finish. */
static int pf_flow(void *sink, const struct keke_flow *fl)
{
	struct pf_sink *ps = sink;
	struct pf_file *f = &ps->file;
	struct pf_flow *p;

	if (ps->failed)
		return -1;
	p = grow(f->flows, &f->flows_cap, f->nflows + 1, sizeof(*p));
	if (!p)
		return fail(ps, "out of memory writing", ENOMEM);
	f->flows = p;
	f->flows[f->nflows++] = (struct pf_flow){ fl->id, fl->slice_out,
						   fl->slice_in };
	return 0;
}

/* The critical path: a process and thread of its own, as in the JSON, a
 * slice per segment named after its process, its state the category. */
static int pf_segment(void *sink, const struct keke_segment *g)
{
	struct pf_sink *ps = sink;
	struct sequence *q = &ps->critical;
	struct keke_arg args[4];
	unsigned n = 0;

	if (ps->failed)
		return -1;
	if (!q->id) {
		q->track = CRITICAL_THREAD_UUID;
		start_sequence(ps, q, CRITICAL_SEQUENCE, g->ts_ns);
	}
	args[n++] = (struct keke_arg){ .key = "pid", .i = g->pid };
	args[n++] = (struct keke_arg){ .key = "state", .is_str = true,
				       .s = or(g->state, "running"),
				       .len = strlen(or(g->state,
							"running")) };
	if (g->call)
		args[n++] = (struct keke_arg){ .key = "call", .is_str = true,
					       .s = g->call,
					       .len = strlen(g->call) };
	if (g->waiting_pid)
		args[n++] = (struct keke_arg){ .key = "waiting_on_pid",
					       .i = g->waiting_pid };
	struct keke_slice s = {
		.id = g->id,
		.ts_ns = g->ts_ns,
		.dur_ns = g->dur_ns,
		.category = or(g->state, "running"),
		.name = or(g->name, "process"),
		.nargs = n,
		.args = args,
	};
	return begin_slice(ps, q, &s, s.ts_ns + s.dur_ns);
}

/* The run's clock: when it is known, its realtime offset, so Perfetto can
 * show wall-clock times. */
static int pf_metadata(void *sink, const char *key, const char *str,
		       int64_t value)
{
	struct pf_sink *ps = sink;

	if (!strcmp(key, "realtime_offset_ns"))
		ps->realtime_offset_ns = value;
	return ps->failed ? -1 : 0;
}

/* ---- the whole file ------------------------------------------------ */

static void destroy(struct pf_sink *ps)
{
	for (size_t i = 0; i < ps->threads_cap; i++)
		for (struct sequence *q = ps->threads[i], *next; q; q = next) {
			next = q->later;
			free(q->open);
			free(q->interned);
			free(q);
		}
	free(ps->threads);
	free(ps->critical.open);
	free(ps->critical.interned);
	for (size_t i = 0; i < ps->nstrings; i++)
		free(ps->strings[i].s);
	free(ps->strings);
	free(ps->string_slots);
	for (size_t i = 0; i < ps->nname_list; i++)
		free(ps->name_list[i]);
	free(ps->name_list);
	idmap_free(&ps->names);
	idmap_free(&ps->counter_last);
	pb_free(&ps->buf);
	pb_free(&ps->head);
	pf_file_free(&ps->file);
	free(ps->path);
	free(ps);
}

static void *pf_open(const char *path, char *err)
{
	struct pf_sink *ps = calloc(1, sizeof(*ps));

	if (!ps || !(ps->path = strdup(path))) {
		snprintf(err, KEKE_SINK_ERROR_MAX, "%s: out of memory", path);
		free(ps);
		return NULL;
	}
	ps->file.spill_fd = -1;
	ps->file.out.fd = -1;
	idmap_init(&ps->names);
	idmap_init(&ps->counter_last);
	if (pf_file_open(&ps->file, path, err)) {
		destroy(ps);
		return NULL;
	}
	return ps;
}

/* The head's first packet: the trace's clock, CLOCK_MONOTONIC, and the
 * realtime it stood for. */
static void clock_packet(struct pf_sink *ps, struct pb_buf *b)
{
	uint64_t at = ps->have_first ? (uint64_t)ps->first_ns : 0;
	size_t packet = pb_begin(b, PF_TRACE_PACKET);
	size_t snap = pb_begin(b, PF_CLOCK_SNAPSHOT);
	size_t clock = pb_begin(b, PF_SNAPSHOT_CLOCK);

	pb_uint(b, PF_CLOCK_ID, PF_CLOCK_MONOTONIC);
	pb_uint(b, PF_CLOCK_TIMESTAMP, at);
	pb_end(b, clock);
	if (ps->realtime_offset_ns) {
		clock = pb_begin(b, PF_SNAPSHOT_CLOCK);
		pb_uint(b, PF_CLOCK_ID, PF_CLOCK_REALTIME);
		pb_uint(b, PF_CLOCK_TIMESTAMP, at + ps->realtime_offset_ns);
		pb_end(b, clock);
	}
	pb_uint(b, PF_SNAPSHOT_PRIMARY, PF_CLOCK_MONOTONIC);
	pb_end(b, snap);
	pb_end(b, packet);
}

/*
 * The head into @head: the clock, the tracks the sink was told of, those
 * only events told of (a thread the merge sent no thread for) and the
 * critical path's. Returns 0 or -1 out of memory.
 */
static int build_head(struct pf_sink *ps, struct pb_buf *head)
{
	clock_packet(ps, head);
	pb_raw(head, ps->head.p, ps->head.len);
	for (size_t i = 1; i < ps->threads_cap; i++)
		for (const struct sequence *q = ps->threads[i]; q; q = q->later)
			if (!q->declared)
				thread_track(head, q->track, 0, q->pid, q->tid,
					     NULL);
	if (ps->critical.id) {
		size_t packet = pb_begin(head, PF_TRACE_PACKET);
		size_t desc = pb_begin(head, PF_TRACK_DESCRIPTOR);

		pb_uint(head, PF_TRACK_UUID, CRITICAL_PROCESS_UUID);
		size_t proc = pb_begin(head, PF_TRACK_PROCESS);
		pb_int(head, PF_PROCESS_PID, KEKE_CRITICAL_PATH_PID);
		put_ctext(head, PF_PROCESS_NAME, "critical path");
		pb_end(head, proc);
		pb_end(head, desc);
		pb_end(head, packet);
		thread_track(head, CRITICAL_THREAD_UUID, CRITICAL_PROCESS_UUID,
			     KEKE_CRITICAL_PATH_PID, KEKE_CRITICAL_PATH_PID,
			     "critical path");
	}
	return pb_failed(head) ? -1 : 0;
}

static int pf_finish(void *sink, char *err)
{
	struct pf_sink *ps = sink;
	struct pb_buf head = { 0 };
	int rc = -1;

	for (size_t i = 1; i < ps->threads_cap; i++)
		for (struct sequence *q = ps->threads[i]; q && !ps->failed;
		     q = q->later)
			close_sequence(ps, q);
	if (ps->critical.id && !ps->failed)
		close_sequence(ps, &ps->critical);
	if (ps->failed)
		goto out;
	if (pb_failed(&ps->buf) ||
	    (ps->buf.len && pf_file_spill(&ps->file, ps->buf.p, ps->buf.len))) {
		fail(ps, "cannot write the spill of", pb_failed(&ps->buf) ?
		     ENOMEM : errno);
		goto out;
	}
	if (build_head(ps, &head)) {
		fail(ps, "out of memory writing", ENOMEM);
		goto out;
	}
	if (pf_file_finish(&ps->file, &head, ps->cancel, ps->err)) {
		ps->failed = true;
		goto out;
	}
	rc = 0;
out:
	if (rc)
		snprintf(err, KEKE_SINK_ERROR_MAX, "%s", ps->err);
	pb_free(&head);
	destroy(ps);
	return rc;
}

static void pf_abort(void *sink)
{
	destroy(sink);
}

static void pf_cancel_on(void *sink, volatile sig_atomic_t *flag)
{
	((struct pf_sink *)sink)->cancel = flag;
}

static const char *pf_last_error(void *sink)
{
	struct pf_sink *ps = sink;

	return ps->failed ? ps->err : "";
}

const struct keke_sink_ops keke_sink_perfetto = {
	.name = "perfetto",
	.open = pf_open,
	.metadata = pf_metadata,
	.slice_begin = pf_slice_begin,
	.slice = pf_slice,
	.counter = pf_counter,
	.process = pf_process,
	.thread = pf_thread,
	.flow = pf_flow,
	.segment = pf_segment,
	.finish = pf_finish,
	.abort = pf_abort,
	.cancel_on = pf_cancel_on,
	.last_error = pf_last_error,
};
