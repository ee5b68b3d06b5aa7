// SPDX-License-Identifier: MIT
/*
 * The JSON sink: writes the trace-event format in the dialect that
 * Perfetto, chrome://tracing, Chrome DevTools and speedscope all load.
 *
 *	[
 *	{"ph":"X","cat":"file","name":"open","pid":7,"tid":7,"ts":1.5,...},
 *	{"ph":"M","cat":"__metadata","name":"process_name","pid":7,...}
 *	]
 *
 * One event per line; the first element is a real event and there is no
 * trailing comma. Slices are "X" events, processes and threads "M" events
 * (process_name, process_sort_index, thread_name, thread_sort_index only),
 * flows v1 "s"/"f" pairs. Times are microseconds with at most three
 * decimals, pid and tid are positive integers, strings are valid UTF-8.
 *
 * Events are formatted into one buffer that is written out each time it
 * holds a mebibyte, into a keke_output (output.h): a temporary renamed
 * onto the output by finish, or a device or FIFO written in place.
 */
#include "sinks/sink.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/json_escape.h"
#include "common/output.h"
#include "sinks/process_label.h"

/* Buffered bytes that trigger a write. */
#define FLUSH_AT (1u << 20)


struct proc_name {
	int64_t upid;		/* 0: free slot */
	char *name;
};

struct json_sink {
	struct keke_jbuf buf;
	struct keke_output out;	/* out.fd < 0: closed or never opened */
	char *path;		/* the output, for messages */
	uint64_t events;
	bool failed;		/* an op failed: err says why */
	/* Process names by upid, for the names of main threads. */
	struct proc_name *names;
	size_t names_cap;	/* a power of two, or 0 */
	size_t names_used;
	char err[KEKE_SINK_ERROR_MAX];
};

/* Records the first failure of @js; later ops return -1 at once. */
static int fail(struct json_sink *js, const char *what, int err)
{
	if (!js->failed)
		snprintf(js->err, sizeof(js->err), "%s %s: %s", what,
			 js->path, strerror(err));
	js->failed = true;
	return -1;
}

/* Writes out everything buffered. Returns 0, or -1 (failed, err set). */
static int flush(struct json_sink *js)
{
	const char *p = js->buf.p;
	size_t left = js->buf.len;

	while (left > 0) {
		ssize_t n = write(js->out.fd, p, left);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return fail(js, "cannot write", errno);
		}
		p += n;
		left -= (size_t)n;
	}
	js->buf.len = 0;
	return 0;
}

/* room() when the buffer is full or the sink failed. */
static char *room_slow(struct json_sink *js, size_t n)
{
	if (js->failed)
		return NULL;
	if (keke_jbuf_reserve(&js->buf, n)) {
		fail(js, "out of memory writing", ENOMEM);
		return NULL;
	}
	return js->buf.p + js->buf.len;
}

/*
 * Room for @n more bytes in the buffer: a pointer to them, or NULL (and
 * the sink failed) when memory runs out or an earlier op failed.
 */
static inline char *room(struct json_sink *js, size_t n)
{
	if (js->buf.cap - js->buf.len >= n && !js->failed)
		return js->buf.p + js->buf.len;
	return room_slow(js, n);
}

static inline void put(struct json_sink *js, const char *s, size_t n)
{
	char *o = room(js, n);

	if (!o)
		return;
	memcpy(o, s, n);
	js->buf.len += n;
}

#define PUT_LIT(js, lit) put((js), (lit), sizeof(lit) - 1)

/* Decimal digits of @v at @o; returns how many. */
static inline size_t fmt_u64(char *o, uint64_t v)
{
	char tmp[20];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	for (i = 0; i < n; i++)
		o[i] = tmp[n - 1 - i];
	return n;
}

static inline void put_int(struct json_sink *js, int64_t v)
{
	char *o = room(js, 21);
	size_t n = 0;

	if (!o)
		return;
	if (v < 0) {
		o[n++] = '-';
		n += fmt_u64(o + n, -(uint64_t)v);
	} else {
		n += fmt_u64(o + n, (uint64_t)v);
	}
	js->buf.len += n;
}

/*
 * Nanoseconds @ns as microseconds: the integer part, then at most three
 * decimals without trailing zeros. Negative times are written as 0.
 */
static inline void put_us(struct json_sink *js, int64_t ns)
{
	char *o = room(js, 24);
	uint64_t v = ns > 0 ? (uint64_t)ns : 0;
	unsigned frac = (unsigned)(v % 1000);
	size_t n;

	if (!o)
		return;
	n = fmt_u64(o, v / 1000);
	if (frac) {
		o[n++] = '.';
		o[n++] = (char)('0' + frac / 100);
		frac %= 100;
		if (frac) {
			o[n++] = (char)('0' + frac / 10);
			frac %= 10;
			if (frac)
				o[n++] = (char)('0' + frac);
		}
	}
	js->buf.len += n;
}

/* @n bytes of @s as a quoted JSON string. */
static void put_str(struct json_sink *js, const char *s, size_t n)
{
	if (!room(js, n + 2))
		return;
	js->buf.p[js->buf.len++] = '"';
	if (keke_json_escape(&js->buf, s, n)) {
		fail(js, "out of memory writing", ENOMEM);
		return;
	}
	put(js, "\"", 1);
}

/* C string @s as a quoted JSON string, or @fallback when @s is NULL or
 * empty (viewers want non-empty names and categories). */
static void put_cstr(struct json_sink *js, const char *s, const char *fallback)
{
	if (!s || !*s)
		s = fallback;
	put_str(js, s, strlen(s));
}

/* A pid as written: missing pids become KEKE_NO_PID. */
static int fix_pid(int pid)
{
	return pid > 0 ? pid : KEKE_NO_PID;
}

/* A tid as written: a missing tid becomes its (fixed) pid. */
static int fix_tid(int pid, int tid)
{
	return tid > 0 ? tid : fix_pid(pid);
}

/* Starts an event line: the separator from the previous one, then
 * {"ph":"<ph>", ... */
static void begin_event(struct json_sink *js, const char *ph)
{
	if (js->events++)
		PUT_LIT(js, ",\n");
	PUT_LIT(js, "{\"ph\":\"");
	put(js, ph, strlen(ph));
	PUT_LIT(js, "\"");
}

/* ,"pid":P,"tid":T with both fixed; tid left out when @tid_too is false. */
static void put_pid_tid(struct json_sink *js, int pid, int tid, bool tid_too)
{
	PUT_LIT(js, ",\"pid\":");
	put_int(js, fix_pid(pid));
	if (!tid_too)
		return;
	PUT_LIT(js, ",\"tid\":");
	put_int(js, fix_tid(pid, tid));
}

/*
 * Closes an event line and writes the buffer out when it is full.
 * Returns 0, or -1 when this or an earlier op failed.
 */
static int end_event(struct json_sink *js)
{
	PUT_LIT(js, "}");
	if (js->failed)
		return -1;
	if (js->buf.len >= FLUSH_AT)
		return flush(js);
	return 0;
}

/*
 * A metadata event @what (process_name, thread_name, ...) for @pid (and
 * @tid when @tid_too) at ts 0, with args {"@key": value}: the string @str
 * when not NULL, else the integer @i.
 */
static int put_meta(struct json_sink *js, const char *what, int pid, int tid,
		    bool tid_too, const char *key, const char *str, int64_t i)
{
	begin_event(js, "M");
	PUT_LIT(js, ",\"cat\":\"__metadata\",\"name\":\"");
	put(js, what, strlen(what));
	PUT_LIT(js, "\"");
	put_pid_tid(js, pid, tid, tid_too);
	PUT_LIT(js, ",\"ts\":0,\"args\":{\"");
	put(js, key, strlen(key));
	PUT_LIT(js, "\":");
	if (str)
		put_str(js, str, strlen(str));
	else
		put_int(js, i);
	PUT_LIT(js, "}");
	return end_event(js);
}

/* Where the name of process @upid is kept (its slot or a free one). */
static struct proc_name *name_slot(struct json_sink *js, int64_t upid)
{
	size_t mask = js->names_cap - 1;
	size_t i = (size_t)((uint64_t)upid * 0x9e3779b97f4a7c15ull) & mask;

	while (js->names[i].upid && js->names[i].upid != upid)
		i = (i + 1) & mask;
	return &js->names[i];
}

/* Remembers @name for process @upid. Returns 0, or -1 out of memory. */
static int remember_name(struct json_sink *js, int64_t upid, const char *name)
{
	struct proc_name *slot;
	char *copy;

	if (js->names_used + 1 > js->names_cap / 2) {
		size_t cap = js->names_cap ? js->names_cap * 2 : 64;
		struct proc_name *old = js->names;
		size_t old_cap = js->names_cap, i;

		js->names = calloc(cap, sizeof(*js->names));
		if (!js->names) {
			js->names = old;
			return -1;
		}
		js->names_cap = cap;
		for (i = 0; i < old_cap; i++)
			if (old[i].upid)
				*name_slot(js, old[i].upid) = old[i];
		free(old);
	}
	copy = strdup(name);
	if (!copy)
		return -1;
	slot = name_slot(js, upid);
	if (slot->upid) {
		free(slot->name);
	} else {
		slot->upid = upid;
		js->names_used++;
	}
	slot->name = copy;
	return 0;
}

/* The name remembered for process @upid, or NULL. */
static const char *process_name(struct json_sink *js, int64_t upid)
{
	if (!js->names_cap || upid <= 0)
		return NULL;
	return name_slot(js, upid)->name;
}

/* Frees everything @js owns, after giving up its output unless that was
 * completed (js->out.fd < 0). */
static void destroy(struct json_sink *js)
{
	size_t i;

	if (js->out.fd >= 0)
		keke_output_discard(&js->out);
	for (i = 0; i < js->names_cap; i++)
		free(js->names[i].name);
	free(js->names);
	keke_jbuf_free(&js->buf);
	free(js->path);
	free(js);
}

/*
 * Starts the output @path (output.h: a temporary with the mode a new file
 * would get, or a device or FIFO in place) and the array in it.
 * Returns the sink, or NULL with @err saying which path failed and why.
 */
static void *json_open(const char *path, char *err)
{
	struct json_sink *js = calloc(1, sizeof(*js));

	if (!js || !(js->path = strdup(path)) ||
	    keke_jbuf_reserve(&js->buf, FLUSH_AT + 65536)) {
		snprintf(err, KEKE_SINK_ERROR_MAX, "%s: out of memory", path);
		goto fail;
	}
	if (keke_output_open(&js->out, path, 0, err, KEKE_SINK_ERROR_MAX))
		goto fail;
	PUT_LIT(js, "[\n");
	return js;
fail:
	if (js) {
		js->out.fd = -1;
		destroy(js);
	}
	return NULL;
}

/* The trace-event array has no place for facts about the whole trace that
 * every viewer accepts: they are left to the other sinks. */
static int json_metadata(void *sink, const char *key, const char *str,
			 int64_t value)
{
	struct json_sink *js = sink;

	return js->failed ? -1 : 0;
}

/*
 * One "X" event, its keke_args as "args": integers as numbers, or as the
 * text they decode to (only the text: a viewer's reader wants
 * "O_WRONLY|O_CREAT|O_TRUNC", and keke.db keeps the number beside it).
 */
static int json_slice(void *sink, const struct keke_slice *s)
{
	struct json_sink *js = sink;
	unsigned i;

	if (js->failed)
		return -1;
	begin_event(js, s->instant ? "i" : "X");
	PUT_LIT(js, ",\"cat\":");
	put_cstr(js, s->category, "other");
	PUT_LIT(js, ",\"name\":");
	put_cstr(js, s->name, "unnamed");
	put_pid_tid(js, s->pid, s->tid, true);
	PUT_LIT(js, ",\"ts\":");
	put_us(js, s->ts_ns);
	if (s->instant) {
		PUT_LIT(js, ",\"s\":\"t\"");
	} else {
		PUT_LIT(js, ",\"dur\":");
		put_us(js, s->dur_ns);
	}
	if (s->nargs || s->stack) {
		PUT_LIT(js, ",\"args\":{");
		for (i = 0; i < s->nargs; i++) {
			const struct keke_arg *a = &s->args[i];

			if (i)
				PUT_LIT(js, ",");
			put_cstr(js, a->key, "arg");
			PUT_LIT(js, ":");
			if (a->is_str && a->s)
				put_str(js, a->s, a->len);
			else if (a->is_str)
				PUT_LIT(js, "\"\"");
			else if (a->display)
				put_str(js, a->display, a->display_len);
			else
				put_int(js, a->i);
		}
		if (s->stack) {
			if (s->nargs)
				PUT_LIT(js, ",");
			PUT_LIT(js, "\"stack\":");
			put_str(js, s->stack, strlen(s->stack));
		}
		PUT_LIT(js, "}");
	}
	return end_event(js);
}

/* A "C" event: the counter's value in args, under its own name. */
static int json_counter(void *sink, const struct keke_counter *c)
{
	struct json_sink *js = sink;

	if (js->failed)
		return -1;
	begin_event(js, "C");
	PUT_LIT(js, ",\"cat\":\"user\",\"name\":");
	put_cstr(js, c->name, "counter");
	put_pid_tid(js, c->pid, c->tid, true);
	PUT_LIT(js, ",\"ts\":");
	put_us(js, c->ts_ns);
	PUT_LIT(js, ",\"args\":{");
	put_cstr(js, c->name, "counter");
	PUT_LIT(js, ":");
	put_int(js, c->value);
	PUT_LIT(js, "}");
	return end_event(js);
}

/* Stack tables are the database's: the JSON has each slice's stack as
 * text in its args. */
static int json_mapping(void *sink, const struct keke_mapping *m)
{
	return ((struct json_sink *)sink)->failed ? -1 : 0;
}

static int json_frame(void *sink, const struct keke_frame *f)
{
	return ((struct json_sink *)sink)->failed ? -1 : 0;
}

static int json_callsite(void *sink, const struct keke_callsite *c)
{
	return ((struct json_sink *)sink)->failed ? -1 : 0;
}

/*
 * process_name (keke_process_label: "<name>", after "<host>: " when the
 * trace has several machines, with " [killed]" or " [untraced]" when
 * so) and process_sort_index (the upid, so processes list in start
 * order). Command line and exit status are in the process's own slice.
 */
static int json_process(void *sink, const struct keke_process *p)
{
	struct json_sink *js = sink;
	const char *name = p->name && *p->name ? p->name : NULL;
	char *label;
	int rc;

	if (js->failed)
		return -1;
	if (name && p->upid > 0 && remember_name(js, p->upid, name))
		return fail(js, "out of memory writing", ENOMEM);
	label = keke_process_label(p);
	if (!label)
		return fail(js, "out of memory writing", ENOMEM);
	rc = put_meta(js, "process_name", p->pid, 0, false, "name", label, 0);
	free(label);
	if (rc)
		return rc;
	return put_meta(js, "process_sort_index", p->pid, 0, false,
			"sort_index", NULL, p->upid);
}

/*
 * thread_name (its own name; for a main thread without one, the process's
 * name; else "thread <tid>"), and thread_sort_index -1 for the main thread
 * so it is listed first.
 */
static int json_thread(void *sink, const struct keke_thread *t)
{
	struct json_sink *js = sink;
	const char *name = t->name && *t->name ? t->name : NULL;
	char label[32];
	int tid = fix_tid(t->pid, t->tid);

	if (js->failed)
		return -1;
	if (!name && t->is_main_thread)
		name = process_name(js, t->upid);
	if (!name) {
		snprintf(label, sizeof(label), "thread %d", tid);
		name = label;
	}
	if (put_meta(js, "thread_name", t->pid, t->tid, true, "name", name, 0))
		return -1;
	if (!t->is_main_thread)
		return 0;
	return put_meta(js, "thread_sort_index", t->pid, t->tid, true,
			"sort_index", NULL, -1);
}

/* One end of flow @f: "s" at the source slice's start on its thread, or
 * "f" (binding to the enclosing slice) at the destination slice's start. */
static void put_flow_end(struct json_sink *js, const struct keke_flow *f,
			 bool out)
{
	begin_event(js, out ? "s" : "f");
	if (!out)
		PUT_LIT(js, ",\"bp\":\"e\"");
	PUT_LIT(js, ",\"id\":");
	put_int(js, f->id);
	PUT_LIT(js, ",\"cat\":");
	put_cstr(js, f->category, "flow");
	PUT_LIT(js, ",\"name\":");
	put_cstr(js, f->name, "flow");
	if (out)
		put_pid_tid(js, f->out_pid, f->out_tid, true);
	else
		put_pid_tid(js, f->in_pid, f->in_tid, true);
	PUT_LIT(js, ",\"ts\":");
	put_us(js, out ? f->out_ts_ns : f->in_ts_ns);
}

/*
 * A v1 flow: an "s" event and its "f" event, same id, cat and name.
 * Chrome DevTools binds each to the slice with the same ts, pid, tid and
 * cat, so the arrow shows there only when both slices have the flow's
 * category; Perfetto binds to the enclosing slice whatever its category.
 */
static int json_flow(void *sink, const struct keke_flow *f)
{
	struct json_sink *js = sink;

	if (js->failed)
		return -1;
	put_flow_end(js, f, true);
	if (end_event(js))
		return -1;
	put_flow_end(js, f, false);
	return end_event(js);
}

/*
 * Closes the array, writes everything out and completes the output (the
 * temporary renamed onto it); frees the sink. Returns 0, or -1 with @err
 * set and the temporary removed.
 */
static int json_finish(void *sink, char *err)
{
	struct json_sink *js = sink;
	int rc = -1;

	if (js->events)
		PUT_LIT(js, "\n");
	PUT_LIT(js, "]\n");
	if (js->failed || flush(js))
		goto out;
	if (keke_output_close(&js->out, js->err, sizeof(js->err)) < 0) {
		js->failed = true;
		goto out;
	}
	rc = 0;
out:
	if (rc)
		snprintf(err, KEKE_SINK_ERROR_MAX, "%s", js->err);
	destroy(js);
	return rc;
}

/* Removes the temporary and frees the sink. */
static void json_abort(void *sink)
{
	destroy(sink);
}

static const char *json_last_error(void *sink)
{
	struct json_sink *js = sink;

	return js->failed ? js->err : "";
}

/*
 * The critical path as a process of its own, listed first: one slice per
 * segment, named after the process the path is in, with the segment's
 * state as its category, so that a viewer shows the chain at a glance.
 */
static int json_segment(void *sink, const struct keke_segment *g)
{
	struct json_sink *js = sink;

	if (js->failed)
		return -1;
	if (g->id == 1 &&
	    (put_meta(js, "process_name", KEKE_CRITICAL_PATH_PID, 0, false, "name",
		      "critical path", 0) ||
	     put_meta(js, "process_sort_index", KEKE_CRITICAL_PATH_PID, 0, false,
		      "sort_index", NULL, -1) ||
	     put_meta(js, "thread_name", KEKE_CRITICAL_PATH_PID, KEKE_CRITICAL_PATH_PID,
		      true, "name", "critical path", 0)))
		return -1;
	begin_event(js, "X");
	PUT_LIT(js, ",\"cat\":");
	put_cstr(js, g->state, "running");
	PUT_LIT(js, ",\"name\":");
	put_cstr(js, g->name, "process");
	put_pid_tid(js, KEKE_CRITICAL_PATH_PID, KEKE_CRITICAL_PATH_PID, true);
	PUT_LIT(js, ",\"ts\":");
	put_us(js, g->ts_ns);
	/* A nanosecond short of the next segment: viewers that add ts and
	 * dur in floating point would see the two overlap. */
	PUT_LIT(js, ",\"dur\":");
	put_us(js, g->dur_ns > 1 ? g->dur_ns - 1 : g->dur_ns);
	PUT_LIT(js, ",\"args\":{\"pid\":");
	put_int(js, g->pid);
	PUT_LIT(js, ",\"state\":");
	put_cstr(js, g->state, "running");
	if (g->call) {
		PUT_LIT(js, ",\"call\":");
		put_cstr(js, g->call, "");
	}
	if (g->waiting_pid) {
		PUT_LIT(js, ",\"waiting_on_pid\":");
		put_int(js, g->waiting_pid);
	}
	PUT_LIT(js, "}");
	return end_event(js);
}

const struct keke_sink_ops keke_sink_json = {
	.name = "json",
	.open = json_open,
	.metadata = json_metadata,
	.slice = json_slice,
	.counter = json_counter,
	.mapping = json_mapping,
	.frame = json_frame,
	.callsite = json_callsite,
	.process = json_process,
	.thread = json_thread,
	.flow = json_flow,
	.segment = json_segment,
	.finish = json_finish,
	.abort = json_abort,
	.last_error = json_last_error,
};
