// SPDX-License-Identifier: MIT
/*
 * The merge: trace dirs in, processes/threads/slices/flows out to sinks.
 *
 * 1. List the record files of every dir and read their headers; report
 *    foreign, damaged or other-trace files and leave them out. Each dir
 *    is opened once and its files relative to it, so a dir renamed or
 *    replaced meanwhile is read whole or not at all.
 * 2. Work out each host's TSC rate from its longest-lived file.
 * 3. Read the files one at a time in (dir, pid, start) order. A file whose
 *    pid's previous image ended without an exit record is that image's
 *    exec successor: same process, same main thread. Slices stream to the
 *    sinks as they are read; each image gets one slice spanning its life.
 * 4. Send processes (with their parents resolved), threads and flows.
 */
#include "merge/merge.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "record/clock.h"
#include "merge/model.h"
#include "record/reader.h"

void *merge_grow(void *p, size_t n, size_t size)
{
	void *q = reallocarray(p, n ? n : 1, size);

	if (!q) {
		fprintf(stderr, "keke: out of memory\n");
		abort();
	}
	return q;
}

/* Copies @n bytes (which may hold NULs) and adds a NUL. */
char *merge_memdup(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (!d) {
		fprintf(stderr, "keke: out of memory\n");
		abort();
	}
	if (n)
		memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void damage(struct merge *m, const char *fmt, ...)
{
	char msg[KEKE_ERROR_MAX + 128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m->stats->damaged++;
	if (m->o->on_damage)
		m->o->on_damage(m->o->ctx, msg);
	else
		fprintf(stderr, "keke: damaged: %s\n", msg);
}

int merge_fail(struct merge *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->err, KEKE_MERGE_ERROR_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

int merge_drop_sink(struct merge *m, size_t i)
{
	struct keke_merge_output *out = m->outs[i];

	snprintf(out->err, sizeof(out->err), "%s",
		 m->ops[i]->last_error(m->sinks[i]));
	m->ops[i]->abort(m->sinks[i]);
	for (; i + 1 < m->nsinks; i++) {
		m->ops[i] = m->ops[i + 1];
		m->sinks[i] = m->sinks[i + 1];
		m->outs[i] = m->outs[i + 1];
	}
	if (--m->nsinks)
		return 0;
	return merge_fail(m, "no output could be written");
}

static void show_progress(struct merge *m, size_t file, bool last)
{
	uint64_t now;

	if (!m->o->progress)
		return;
	now = keke_mono_ns();
	if (!last && (now - m->started_ns < 1000000000u ||
		      now - m->last_progress_ns < 100000000u))
		return;
	if (last && !m->progress_shown)
		return;
	m->last_progress_ns = now;
	m->progress_shown = true;
	fprintf(stderr, "\rkeke: merging file %zu of %zu, %llu events%s",
		file, m->nfiles, (unsigned long long)m->stats->slices,
		last ? "\n" : "");
}

/* --- 1. the files ------------------------------------------------------ */

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

static void add_file(struct merge *m, size_t dir, const char *name)
{
	const char *dir_path = m->o->dirs[dir];
	size_t dir_len = strlen(dir_path), name_len = strlen(name);
	char *path = merge_grow(NULL, dir_len + 1 + name_len + 1, 1);
	struct keke_reader r;
	char err[KEKE_ERROR_MAX];

	memcpy(path, dir_path, dir_len);
	path[dir_len] = '/';
	memcpy(path + dir_len + 1, name, name_len + 1);
	if (keke_reader_openat(&r, m->dirfds[dir], name, path, err) != 0) {
		damage(m, "%s; left out", err);
		free(path);
		return;
	}
	m->files = merge_grow(m->files, m->nfiles + 1, sizeof(*m->files));
	m->files[m->nfiles++] = (struct file_info){
		.path = path,
		.name = path + dir_len + 1,
		.dir = dir,
		.hdr = r.hdr,
	};
	keke_reader_close(&r);
}

/* Keeps the note @name of dir @dir: "<pid>-<stamp>[-n].why", a symbolic
 * link to "<errno> <ppid> <name>" (record.h). */
static void add_note(struct merge *m, size_t dir, const char *name)
{
	char target[64], *end;
	ssize_t n = readlinkat(m->dirfds[dir], name, target,
			       sizeof(target) - 1);
	struct note note = { .dir = dir };
	long v;

	if (n <= 0)
		goto bad;
	target[n] = '\0';
	v = strtol(target, &end, 10);
	if ((*end && *end != ' ') || v <= 0 || v > 4095)
		goto bad;
	note.err = (int)v;
	if (*end) {
		v = strtol(end + 1, &end, 10);
		if (*end != ' ' || v < 0 || v > INT32_MAX)
			goto bad;
		note.ppid = (int)v;
		snprintf(note.name, sizeof(note.name), "%s", end + 1);
	}
	v = strtol(name, &end, 10);
	if (*end != '-' || v <= 0 || v > INT32_MAX)
		goto bad;
	note.pid = (int)v;
	note.stamp = strtoull(end + 1, NULL, 10);
	m->notes = merge_grow(m->notes, m->nnotes + 1, sizeof(*m->notes));
	m->notes[m->nnotes++] = note;
	return;
bad:
	damage(m, "%s/%s: not a note of keke's; left out", m->o->dirs[dir],
	       name);
}

/* Opens the dir @dir_index, holding its fd until the merge ends, and
 * adds its record files. */
static int list_dir(struct merge *m, size_t dir_index)
{
	const char *dir = m->o->dirs[dir_index];
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int list_fd;
	struct dirent *e;
	DIR *d;

	if (fd < 0)
		return merge_fail(m, "%s: %s", dir, strerror(errno));
	m->dirfds[dir_index] = fd;
	/* A stream of its own: closedir closes the fd it is given. */
	list_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	d = list_fd < 0 ? NULL : fdopendir(list_fd);
	if (!d) {
		int saved = errno;

		if (list_fd >= 0)
			close(list_fd);
		return merge_fail(m, "%s: %s", dir, strerror(saved));
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (e->d_type == DT_DIR)
			continue;
		if (has_suffix(e->d_name, KEKE_NOTE_SUFFIX)) {
			add_note(m, dir_index, e->d_name);
			continue;
		}
		if (!has_suffix(e->d_name, KEKE_FILE_SUFFIX)) {
			damage(m, "%s/%s: not a record file; left out", dir,
			       e->d_name);
			continue;
		}
		add_file(m, dir_index, e->d_name);
	}
	closedir(d);
	return 0;
}

static int by_dir_pid_start(const void *a, const void *b)
{
	const struct file_info *x = a, *y = b;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	if (x->hdr.pid != y->hdr.pid)
		return x->hdr.pid < y->hdr.pid ? -1 : 1;
	if (x->hdr.start.mono_ns != y->hdr.start.mono_ns)
		return x->hdr.start.mono_ns < y->hdr.start.mono_ns ? -1 : 1;
	return strcmp(x->path, y->path);
}

static void trace_id_hex(const uint8_t id[16], char hex[33])
{
	for (int i = 0; i < 16; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
}

int keke_trace_id_parse(const char *hex, uint8_t id[16])
{
	uint8_t out[16];

	if (strlen(hex) != 32)
		return -1;
	for (int i = 0; i < 32; i++) {
		char c = hex[i];
		int v = c >= '0' && c <= '9' ? c - '0' :
			c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;

		if (v < 0)
			return -1;
		if (i % 2)
			out[i / 2] |= (uint8_t)v;
		else
			out[i / 2] = (uint8_t)(v << 4);
	}
	memcpy(id, out, sizeof(out));
	return 0;
}

static int by_dir_id_start(const void *a, const void *b)
{
	const struct file_info *x = a, *y = b;
	int c;

	if (x->dir != y->dir)
		return x->dir < y->dir ? -1 : 1;
	c = memcmp(x->hdr.trace_id, y->hdr.trace_id, 16);
	if (c)
		return c;
	if (x->hdr.start.mono_ns != y->hdr.start.mono_ns)
		return x->hdr.start.mono_ns < y->hdr.start.mono_ns ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * The trace id of the run in files [first, end), one dir's, sorted by
 * by_dir_id_start, into @id: the one the caller gave, else the one most
 * of them carry, so that a damaged header or a stray file of another run
 * costs that file alone, even when it is the earliest. On a tie, that of
 * the earliest file among the tied.
 */
static void run_trace_id(const struct merge *m, size_t first, size_t end,
			 uint8_t id[16])
{
	const struct file_info *best = NULL;
	size_t best_n = 0;

	if (m->o->trace_id) {
		memcpy(id, m->o->trace_id, 16);
		return;
	}
	for (size_t i = first, n; i < end; i += n) {
		const struct file_info *f = &m->files[i];

		for (n = 1; i + n < end && !memcmp(f->hdr.trace_id,
						  f[n].hdr.trace_id, 16); n++)
			;
		/* f is the earliest of its id */
		if (n > best_n || (n == best_n && f->hdr.start.mono_ns <
						  best->hdr.start.mono_ns)) {
			best = f;
			best_n = n;
		}
	}
	memcpy(id, best->hdr.trace_id, 16);
}

/* Leaves out, naming each, the files not of their dir's run. */
static void check_trace_ids(struct merge *m)
{
	size_t kept = 0;

	if (m->nfiles)
		qsort(m->files, m->nfiles, sizeof(*m->files), by_dir_id_start);
	for (size_t first = 0, end; first < m->nfiles; first = end) {
		uint8_t run[16];
		char run_hex[33];

		for (end = first + 1; end < m->nfiles &&
				      m->files[end].dir == m->files[first].dir;
		     end++)
			;
		run_trace_id(m, first, end, run);
		trace_id_hex(run, run_hex);
		for (size_t i = first; i < end; i++) {
			struct file_info *f = &m->files[i];
			char hex[33];

			if (!memcmp(f->hdr.trace_id, run, 16)) {
				m->files[kept++] = *f;
				continue;
			}
			trace_id_hex(f->hdr.trace_id, hex);
			damage(m, "%s: offset %zu: belongs to another trace "
			       "(id %s, the run's is %s); left out", f->path,
			       offsetof(struct keke_file_header, trace_id),
			       hex, run_hex);
			free(f->path);
		}
	}
	m->nfiles = kept;
}

/* --- 2. clocks --------------------------------------------------------- */

/* Measures this machine's TSC against CLOCK_MONOTONIC for ~20 ms, once. */
static double calibrate_here(void)
{
	static double rate;
	enum keke_clock saved = keke_clock_kind;
	struct timespec pause = { 0, 20000000 };

	if (rate)
		return rate;
	keke_clock_kind = KEKE_CLOCK_TSC;
	struct keke_anchor a = keke_clock_anchor();
	nanosleep(&pause, NULL);
	struct keke_anchor b = keke_clock_anchor();
	keke_clock_kind = saved;
	rate = (double)(b.mono_ns - a.mono_ns) / (double)(b.ticks - a.ticks);
	return rate;
}

/*
 * Every TSC file of a host gets the rate measured over the longest span
 * any file of that host saw: a short-lived or killed process never
 * refreshed its own anchors for long enough to be accurate.
 */
static void set_clock_rates(struct merge *m)
{
	char here[KEKE_HOST_MAX] = "";
	double local_rate = 0;

	gethostname(here, sizeof(here) - 1);
	for (size_t i = 0; i < m->nfiles; i++) {
		struct file_info *f = &m->files[i];
		uint64_t best_ns = 0;
		double rate = 0;

		if (f->hdr.clock != KEKE_CLOCK_TSC) {
			f->ns_per_tick = 1.0;
			continue;
		}
		for (size_t j = 0; j < m->nfiles; j++) {
			const struct keke_file_header *h = &m->files[j].hdr;
			uint64_t ns = h->latest.mono_ns - h->start.mono_ns;

			if (h->clock != KEKE_CLOCK_TSC ||
			    strcmp(h->host, f->hdr.host) ||
			    h->latest.mono_ns <= h->start.mono_ns ||
			    h->latest.ticks <= h->start.ticks || ns <= best_ns)
				continue;
			best_ns = ns;
			rate = (double)ns /
			       (double)(h->latest.ticks - h->start.ticks);
		}
		if (best_ns < 50000000u && !strcmp(here, f->hdr.host)) {
			if (!local_rate)
				local_rate = calibrate_here();
			rate = local_rate;
		}
		f->ns_per_tick = rate > 0 ? rate : 1.0;
	}
}

/*
 * A damaged file's ticks or rate may be anywhere: times are kept within
 * +-2^61 ns (73 years), so that the sums and differences taken of them
 * later cannot overflow.
 */
#define TIME_LIMIT_NS (INT64_C(1) << 61)

static int64_t clamp_time(int64_t ns)
{
	return ns < -TIME_LIMIT_NS ? -TIME_LIMIT_NS :
	       ns > TIME_LIMIT_NS ? TIME_LIMIT_NS : ns;
}

static int64_t to_ns(const struct file_info *f, uint64_t ticks)
{
	double d;
	int64_t delta;

	if (f->hdr.clock != KEKE_CLOCK_TSC)
		return clamp_time((int64_t)ticks);
	d = (double)(int64_t)(ticks - f->hdr.start.ticks) * f->ns_per_tick;
	if (d > (double)-TIME_LIMIT_NS && d < (double)TIME_LIMIT_NS)
		delta = (int64_t)d;
	else	/* also NaN */
		delta = d > 0 ? TIME_LIMIT_NS : -TIME_LIMIT_NS;
	return clamp_time(clamp_time((int64_t)f->hdr.start.mono_ns) + delta);
}

/* --- 3. the records of one file ----------------------------------------- */

struct flow *merge_flow(struct merge *m, uint64_t id)
{
	int64_t idx;

	if (idmap_get(&m->flow_index, id, &idx))
		return &m->flows[idx];
	m->flows = merge_grow(m->flows, m->nflows + 1, sizeof(*m->flows));
	idmap_put(&m->flow_index, id, (int64_t)m->nflows);
	m->flows[m->nflows] = (struct flow){ .id = id };
	return &m->flows[m->nflows++];
}

struct thr *merge_thread(struct merge *m, size_t proc, int tid, int64_t ts)
{
	uint64_t key = (uint64_t)m->procs[proc].upid << 32 | (uint32_t)tid;
	int64_t idx;
	struct thr *t;

	if (!idmap_get(&m->thr_index, key, &idx)) {
		m->thrs = merge_grow(m->thrs, m->nthrs + 1, sizeof(*m->thrs));
		idx = (int64_t)m->nthrs++;
		m->thrs[idx] = (struct thr){
			.utid = idx + 1,
			.tid = tid,
			.proc = proc,
			.start_ns = ts,
			.end_ns = ts,
		};
		idmap_put(&m->thr_index, key, idx);
	}
	t = &m->thrs[idx];
	if (ts < t->start_ns)
		t->start_ns = ts;
	if (ts > t->end_ns)
		t->end_ns = ts;
	return t;
}

/* The image's thread @tid, through a per-image cache of the lookup. */
static struct thr *image_thread(struct merge *m, struct image *im, int tid,
				int64_t ts)
{
	int64_t idx;
	struct thr *t;

	if (!idmap_get(&im->threads, (uint64_t)tid, &idx)) {
		t = merge_thread(m, im->proc, tid, ts);
		idmap_put(&im->threads, (uint64_t)tid, t - m->thrs);
		return t;
	}
	t = &m->thrs[idx];
	if (ts > t->end_ns)
		t->end_ns = ts;
	return t;
}

const char *merge_basename(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "";
}

char *merge_argv_line(const char *argv, size_t len)
{
	char *line = merge_memdup(argv, len);

	for (size_t i = 0; i < len; i++)
		if (line[i] == '\0')
			line[i] = ' ';
	return line;
}

static char *copy_field(const struct keke_record *rec, unsigned key,
			size_t *len)
{
	const struct keke_field *f = keke_record_field(rec, key);

	if (len)
		*len = f && f->is_str ? f->len : 0;
	return f && f->is_str ? merge_memdup(f->s, f->len) : NULL;
}

static int64_t int_field(const struct keke_record *rec, unsigned key)
{
	const struct keke_field *f = keke_record_field(rec, key);

	return f && !f->is_str ? f->i : 0;
}

static void on_process_start(struct image *im, const struct keke_record *rec)
{
	free(im->exe);
	free(im->cwd);
	free(im->argv);
	im->exe = copy_field(rec, KEKE_KEY_EXE, NULL);
	im->cwd = copy_field(rec, KEKE_KEY_CWD, NULL);
	im->argv = copy_field(rec, KEKE_KEY_ARGV, &im->argv_len);
	free(im->env);
	im->env = copy_field(rec, KEKE_KEY_ENV, &im->env_len);
	free(im->exec_path);
	im->exec_path = copy_field(rec, KEKE_KEY_PATH, NULL);
}

static void on_process_end(struct image *im, const struct keke_record *rec,
			   int64_t ts)
{
	const struct keke_field *status = keke_record_field(rec,
							   KEKE_KEY_STATUS);

	im->exited = true;
	if (status && !status->is_str) {
		im->has_status = true;
		im->status = (int)status->i;
	}
	if (ts > im->end_ns)
		im->end_ns = ts;
}

/*
 * What a process-family slice says about the tree: where its flow leads
 * (with what an untraced child would need), a reaped child, a shell
 * started. An exec that succeeded lasts until the new image starts.
 */
static void note_process_call(struct merge *m, struct image *im,
			      const struct keke_record *rec,
			      struct keke_slice *s, uint64_t flow_out)
{
	struct flow *f;

	switch (rec->name) {
	case KEKE_CALL_WAIT:
		if (int_field(rec, KEKE_KEY_CHILD_PID) <= 0)
			return;
		m->reaped = merge_grow(m->reaped, m->nreaped + 1,
				       sizeof(*m->reaped));
		m->reaped[m->nreaped++] = (struct reaped){
			.dir = im->file->dir,
			.parent_pid = s->pid,
			.pid = (int)int_field(rec, KEKE_KEY_CHILD_PID),
			.status = (int)int_field(rec, KEKE_KEY_STATUS),
			.ts_ns = s->ts_ns + s->dur_ns,
		};
		return;
	case KEKE_CALL_SYSTEM:
	case KEKE_CALL_POPEN:
		m->shells = merge_grow(m->shells, m->nshells + 1,
				       sizeof(*m->shells));
		m->shells[m->nshells++] = (struct shell_call){
			.proc = im->proc,
			.at = { s->id, s->pid, s->tid, s->ts_ns },
			.end_ns = s->ts_ns + s->dur_ns,
		};
		return;
	case KEKE_CALL_EXEC:
		m->procs[im->proc].last_exec_flow = flow_out;
		if (im->next && im->next->hdr.flow_in == flow_out) {
			int64_t next = clamp_time(
				(int64_t)im->next->hdr.start.mono_ns);

			/* Up to just before the new image, leaving room for
			 * the old image's end (see emit_image_slice). */
			if (next - 2 > s->ts_ns)
				s->dur_ns = next - 2 - s->ts_ns;
		}
		break;
	case KEKE_CALL_FORK:
	case KEKE_CALL_SPAWN:
		break;
	default:
		return;
	}
	if (!flow_out)
		return;
	f = merge_flow(m, flow_out);
	f->call = rec->name;
	f->out_proc = im->proc;
	f->child_pid = rec->name == KEKE_CALL_EXEC ?
		s->pid : (int)int_field(rec, KEKE_KEY_CHILD_PID);
	f->out_end_ns = s->ts_ns + s->dur_ns;
	f->vfork = int_field(rec, KEKE_KEY_VFORK) != 0;
	f->no_room = rec->flags & KEKE_RECF_UNTRACED;
	free(f->path);
	free(f->argv);
	f->path = copy_field(rec, KEKE_KEY_PATH, NULL);
	f->argv = copy_field(rec, KEKE_KEY_ARGV, &f->argv_len);
}

/* A slice record: the call's name and category, its args, its flows. */
static int on_slice(struct merge *m, struct image *im, struct thr *t,
		    const struct keke_record *rec, int64_t ts)
{
	struct keke_arg args[KEKE_MAX_FIELDS + 3];
	const struct keke_field *given = keke_record_field(rec, KEKE_KEY_NAME);
	const char *name = keke_call_name(rec->name);
	const char *category = keke_call_category(rec->name);
	char name_buf[256];
	char argv_buf[KEKE_STRING_CAP];
	unsigned nargs = 0;
	int64_t dur = 0;
	uint64_t flow_out = 0, flow_in = 0;
	int64_t stack_id = 0;
	struct proc *p = &m->procs[im->proc];

	for (unsigned i = 0; i < rec->nfields; i++) {
		const struct keke_field *f = &rec->fields[i];
		const char *key = keke_key_name(f->key);

		switch (f->key) {
		case KEKE_KEY_DUR:
			dur = f->is_str ? 0 : (int64_t)((double)f->i *
							im->file->ns_per_tick);
			continue;
		case KEKE_KEY_NAME:
		case KEKE_KEY_CAT:
			continue;
		case KEKE_KEY_FLOW_OUT:
			flow_out = (uint64_t)f->i;
			continue;
		case KEKE_KEY_FLOW_IN:
			flow_in = (uint64_t)f->i;
			continue;
		case KEKE_KEY_STACK_ID:
			stack_id = f->is_str ? 0 : f->i;
			continue;
		}
		args[nargs++] = (struct keke_arg){
			.key = key ? key : "unknown",
			.is_str = f->is_str,
			.i = f->i,
			.s = f->s,
			.len = f->len,
		};
		if (f->key == KEKE_KEY_ARGV && f->is_str &&
		    f->len <= sizeof(argv_buf)) {
			/* Shown as a command line, like cmdline. */
			for (uint32_t j = 0; j < f->len; j++)
				argv_buf[j] = f->s[j] ? f->s[j] : ' ';
			args[nargs - 1].s = argv_buf;
		}
	}
	if (rec->err) {
		const char *e = strerrorname_np(rec->err);

		args[nargs++] = (struct keke_arg){ .key = "errno",
						   .i = rec->err };
		if (e)
			args[nargs++] = (struct keke_arg){
				.key = "error", .is_str = true, .s = e,
				.len = strlen(e) };
		/* A failed call started nothing. */
		flow_out = 0;
	}
	const char *fd_path = merge_fd_note(p, rec);
	if (fd_path)
		args[nargs++] = (struct keke_arg){ .key = "path",
						   .is_str = true,
						   .s = fd_path,
						   .len = strlen(fd_path) };
	if (given && given->is_str && given->len) {
		snprintf(name_buf, sizeof(name_buf), "%.*s", (int)given->len,
			 given->s);
		name = name_buf;
	} else if (!name) {
		snprintf(name_buf, sizeof(name_buf), "call#%u", rec->name);
		name = name_buf;
	}
	if (!category)
		category = "call";

	struct keke_slice s = {
		.id = m->next_slice_id++,
		.utid = t->utid,
		.pid = p->pid,
		.tid = t->tid,
		.ts_ns = ts,
		.dur_ns = dur > 0 ? dur : 0,
		.category = category,
		.name = name,
		.nargs = nargs,
		.args = args,
	};
	merge_place(m, im, t, &s);
	if (stack_id)
		merge_slice_stack(im, stack_id, &s);
	note_process_call(m, im, rec, &s, flow_out);
	struct flow_end here = { s.id, p->pid, t->tid, ts };
	if (flow_out) {
		struct flow *f = merge_flow(m, flow_out);
		f->out = here;
		f->category = category;
		if (!f->out_end_ns)
			f->out_end_ns = ts + s.dur_ns;
	}
	if (flow_in)
		merge_flow(m, flow_in)->in = here;
	if (ts + s.dur_ns > t->end_ns)
		t->end_ns = ts + s.dur_ns;
	if (ts + s.dur_ns > im->end_ns)
		im->end_ns = ts + s.dur_ns;
	m->stats->slices++;
	return EACH_SINK(m, slice, &s);
}

unsigned merge_process_args(struct keke_arg *args, const char *cmdline,
			    const char *exe, const char *cwd)
{
	unsigned n = 0;

	args[n++] = (struct keke_arg){ .key = "cmdline", .is_str = true,
				       .s = cmdline, .len = strlen(cmdline) };
	if (exe)
		args[n++] = (struct keke_arg){ .key = "exe", .is_str = true,
					       .s = exe, .len = strlen(exe) };
	if (cwd)
		args[n++] = (struct keke_arg){ .key = "cwd", .is_str = true,
					       .s = cwd, .len = strlen(cwd) };
	return n;
}

/* The slice that spans an image's life, on its main thread; the process
 * takes the facts of its latest image. */
static int emit_image_slice(struct merge *m, struct image *im)
{
	struct proc *p = &m->procs[im->proc];
	struct keke_arg args[10];
	unsigned n = 0;
	char *cmdline = merge_argv_line(im->argv, im->argv_len);
	/* As ps names it: argv[0] ("sh", not the "dash" it links to). */
	const char *name = merge_basename(im->argv_len ? im->argv : im->exe);
	struct thr *main_thread = merge_thread(m, im->proc, p->pid,
					       im->start_ns);
	int rc;

	if (!*name)
		name = "process";
	n = merge_process_args(args, cmdline, im->exe, im->cwd);
	if (im->env) {
		/* One variable a line. */
		for (size_t i = 0; i < im->env_len; i++)
			if (!im->env[i])
				im->env[i] = '\n';
		args[n++] = (struct keke_arg){ .key = "env", .is_str = true,
					       .s = im->env,
					       .len = im->env_len };
	}
	if (im->has_status)
		args[n++] = (struct keke_arg){ .key = "exit_code",
					       .i = im->status & 0xff };
	if (!im->exited && !p->last_exec_flow)
		args[n++] = (struct keke_arg){
			.key = "ended", .is_str = true,
			.s = "without an exit record (killed?)", .len = 32 };
	if (im->file->hdr.dropped)
		args[n++] = (struct keke_arg){
			.key = "dropped_events",
			.i = (int64_t)im->file->hdr.dropped };
	if (im->file->hdr.filtered)
		args[n++] = (struct keke_arg){
			.key = "short_calls_left_out",
			.i = (int64_t)im->file->hdr.filtered };

	struct keke_slice s = {
		.id = im->slice_id,
		.utid = main_thread->utid,
		.pid = p->pid,
		.tid = p->pid,
		.ts_ns = im->start_ns,
		/* A nanosecond past its last event: viewers that add ts and
		 * dur in floating point take equal ends, or an end equal to
		 * the next image's start, for overlaps. */
		.dur_ns = im->end_ns + 1 - im->start_ns,
		.category = "process",
		.name = name,
		.nargs = n,
		.args = args,
	};
	if (im->file->hdr.flow_in)
		merge_flow(m, im->file->hdr.flow_in)->in =
			(struct flow_end){ s.id, p->pid, p->pid, s.ts_ns };
	if (s.ts_ns + s.dur_ns > main_thread->end_ns)
		main_thread->end_ns = s.ts_ns + s.dur_ns;
	m->stats->slices++;
	rc = EACH_SINK(m, slice, &s);

	free(p->name);
	free(p->cmdline);
	free(p->exe);
	free(p->cwd);
	p->name = merge_memdup(name, strlen(name));
	p->cmdline = cmdline;
	p->exe = im->exe;
	p->cwd = im->cwd;
	im->exe = im->cwd = NULL;
	p->end_ns = im->end_ns;
	p->last_image_exited = im->exited;
	p->has_exit_code = im->has_status;
	p->exit_code = im->status & 0xff;
	p->dropped += im->file->hdr.dropped;
	m->stats->dropped += im->file->hdr.dropped;
	return rc;
}

size_t merge_new_proc(struct merge *m, size_t dir, int pid, int ppid,
		      int64_t start_ns)
{
	m->procs = merge_grow(m->procs, m->nprocs + 1, sizeof(*m->procs));
	m->procs[m->nprocs] = (struct proc){
		.upid = (int64_t)m->nprocs + 1,
		.dir = dir,
		.pid = pid,
		.ppid = ppid,
		.start_ns = start_ns,
		.end_ns = start_ns,
	};
	return m->nprocs++;
}

/*
 * The process of a file whose image a fork child exec'd into without a
 * file of its own (record.h, prelude_flow_in): a new one, which starts with
 * that child's image (its slices are sent by merge_tree).
 */
static size_t prelude_process(struct merge *m, const struct file_info *f,
			      int64_t start_ns)
{
	int64_t fork_ns = to_ns(f, f->hdr.prelude_start);
	int64_t exec_ns = to_ns(f, f->hdr.prelude_exec);
	struct prelude *pl;
	size_t i;

	/* Each step after the one before, and the exec before the image
	 * it made, whatever a damaged header says. */
	if (fork_ns > start_ns - 2)
		fork_ns = start_ns - 2;
	if (exec_ns < fork_ns || exec_ns > start_ns - 2)
		exec_ns = fork_ns;
	if (m->nprocs)
		merge_fd_drop(&m->procs[m->nprocs - 1]);
	i = merge_new_proc(m, f->dir, f->hdr.pid, f->hdr.ppid, fork_ns);
	m->preludes = merge_grow(m->preludes, m->npreludes + 1,
				 sizeof(*m->preludes));
	pl = &m->preludes[m->npreludes++];
	*pl = (struct prelude){
		.proc = i,
		.image_slice = m->next_slice_id++,
		.exec_slice = m->next_slice_id++,
		.exec_flow = f->hdr.flow_in,
		.start_ns = fork_ns,
		.exec_ns = exec_ns,
		.end_ns = start_ns,
	};
	m->procs[i].first_flow_in = f->hdr.prelude_flow_in;
	m->procs[i].first_slice = pl->image_slice;
	merge_thread(m, i, f->hdr.pid, fork_ns);
	return i;
}

/*
 * The process a file belongs to: its pid's previous image when that one
 * exec'd into this one (its exec's flow is this file's incoming flow; or,
 * for traces without process events, it ended without exiting), else a
 * new process.
 */
static size_t process_for(struct merge *m, const struct file_info *f,
			  int64_t start_ns)
{
	if (f->hdr.prelude_flow_in)
		return prelude_process(m, f, start_ns);
	if (m->nprocs) {
		struct proc *last = &m->procs[m->nprocs - 1];
		bool same_pid = last->dir == f->dir && last->pid == f->hdr.pid;
		bool exec_flow = f->hdr.flow_in &&
				 last->last_exec_flow == f->hdr.flow_in;
		bool vanished = !f->hdr.flow_in && !last->last_image_exited &&
				last->end_ns <= start_ns;

		if (same_pid && (exec_flow || vanished)) {
			last->last_exec_flow = 0;
			return m->nprocs - 1;
		}
	}
	/* Files come in pid order: the previous process is done. */
	if (m->nprocs)
		merge_fd_drop(&m->procs[m->nprocs - 1]);
	size_t i = merge_new_proc(m, f->dir, f->hdr.pid, f->hdr.ppid,
				  start_ns);
	m->procs[i].first_flow_in = f->hdr.flow_in;
	m->procs[i].first_slice = m->next_slice_id;
	return i;
}

static int merge_file(struct merge *m, const struct file_info *f,
		      const struct file_info *next)
{
	struct keke_reader r;
	struct keke_record rec;
	char err[KEKE_ERROR_MAX];
	int64_t start = to_ns(f, f->hdr.image_start ? f->hdr.image_start :
				 f->hdr.start.ticks);
	struct image im = {
		.file = f,
		.next = next,
		.proc = process_for(m, f, start),
		.slice_id = m->next_slice_id++,
		.start_ns = start,
		.end_ns = start,
	};
	int rc = 0, got;

	if (keke_reader_openat(&r, m->dirfds[f->dir], f->name, f->path,
			       err) != 0) {
		damage(m, "%s; left out", err);
		return 0;
	}
	idmap_init(&im.threads);
	while (!rc && (got = keke_reader_next(&r, &rec, err)) != 0) {
		if (m->o->cancel && *m->o->cancel) {
			rc = merge_fail(m, "interrupted");
			break;
		}
		if (got < 0) {
			damage(m, "%s", err);
			continue;
		}
		int64_t ts = to_ns(f, rec.ts);
		struct thr *t = image_thread(m, &im, rec.tid, ts);

		switch (rec.type) {
		case KEKE_REC_PROCESS_START:
			on_process_start(&im, &rec);
			break;
		case KEKE_REC_PROCESS_END:
			on_process_end(&im, &rec, ts);
			break;
		case KEKE_REC_SLICE:
			rc = on_slice(m, &im, t, &rec, ts);
			break;
		case KEKE_REC_THREAD_NAME:
			free(t->name);
			t->name = copy_field(&rec, KEKE_KEY_NAME, NULL);
			break;
		case KEKE_REC_MODULE:
			rc = merge_module_record(m, &im, &rec);
			break;
		case KEKE_REC_STACK:
			rc = merge_stack_record(m, &im, &rec);
			break;
		default:
			rc = merge_user_record(m, &im, t, &rec, ts);
			break;
		}
		if (ts > im.end_ns)
			im.end_ns = ts;
	}
	keke_reader_close(&r);
	if (!rc)
		rc = merge_close_spans(m, &im);
	if (f->hdr.prelude_flow_in) {
		struct prelude *pl = &m->preludes[m->npreludes - 1];

		pl->path = im.exec_path;
		pl->argv = merge_memdup(im.argv ? im.argv : "", im.argv_len);
		pl->argv_len = im.argv_len;
		im.exec_path = NULL;
	}
	if (!rc)
		rc = emit_image_slice(m, &im);
	idmap_free(&im.threads);
	merge_image_stacks_free(&im);
	free(im.exe);
	free(im.cwd);
	free(im.argv);
	free(im.env);
	free(im.exec_path);
	return rc;
}

static int emit_metadata(struct merge *m)
{
	char hex[33];

	if (!m->nfiles)
		return 0;
	/* The earliest file: the run's first process. */
	const struct file_info *first = &m->files[0];
	for (size_t i = 1; i < m->nfiles; i++)
		if (m->files[i].hdr.start.mono_ns < first->hdr.start.mono_ns)
			first = &m->files[i];
	trace_id_hex(first->hdr.trace_id, hex);
	if (EACH_SINK(m, metadata, "trace_id", hex, 0) ||
	    EACH_SINK(m, metadata, "host", first->hdr.host, 0) ||
	    EACH_SINK(m, metadata, "realtime_offset_ns", NULL,
		      (int64_t)(first->hdr.start_realtime_ns -
				first->hdr.start.mono_ns)) ||
	    EACH_SINK(m, metadata, "trace_start_ns", NULL,
		      (int64_t)first->hdr.start.mono_ns) ||
	    EACH_SINK(m, metadata, "format_version", NULL,
		      KEKE_FORMAT_VERSION))
		return -1;
	return 0;
}

static int open_sinks(struct merge *m)
{
	const struct keke_sink_ops *ops[] = { &keke_sink_json,
					      &keke_sink_sqlite };
	const char *paths[] = { m->o->json_path, m->o->db_path };
	struct keke_merge_output *outs[] = { &m->stats->json,
					     &m->stats->db };
	char err[KEKE_SINK_ERROR_MAX];

	for (size_t i = 0; i < 2; i++) {
		if (!paths[i])
			continue;
		void *s = ops[i]->open(paths[i], err);
		if (!s)
			return merge_fail(m, "%s", err);
		if (ops[i]->cancel_on && m->o->cancel)
			ops[i]->cancel_on(s, m->o->cancel);
		m->ops[m->nsinks] = ops[i];
		m->outs[m->nsinks] = outs[i];
		m->sinks[m->nsinks++] = s;
		m->nopened++;
	}
	return 0;
}

static void free_merge(struct merge *m)
{
	for (size_t i = 0; i < m->nfiles; i++)
		free(m->files[i].path);
	for (size_t i = 0; i < m->nprocs; i++) {
		merge_fd_drop(&m->procs[i]);
		free(m->procs[i].name);
		free(m->procs[i].cmdline);
		free(m->procs[i].exe);
		free(m->procs[i].cwd);
	}
	for (size_t i = 0; i < m->nthrs; i++) {
		free(m->thrs[i].name);
		merge_free_spans(&m->thrs[i]);
	}
	for (size_t i = 0; i < m->nflows; i++) {
		free(m->flows[i].path);
		free(m->flows[i].argv);
	}
	for (size_t i = 0; i < m->npreludes; i++) {
		free(m->preludes[i].path);
		free(m->preludes[i].argv);
	}
	free(m->preludes);
	free(m->files);
	for (size_t i = 0; m->dirfds && i < m->o->ndirs; i++)
		if (m->dirfds[i] >= 0)
			close(m->dirfds[i]);
	free(m->dirfds);
	free(m->procs);
	free(m->thrs);
	free(m->flows);
	free(m->reaped);
	free(m->notes);
	free(m->shells);
	idmap_free(&m->thr_index);
	idmap_free(&m->flow_index);
	idmap_free(&m->counter_tracks);
	merge_stacks_free(m);
}

enum keke_merge_result keke_merge(const struct keke_merge_options *o,
				  struct keke_merge_stats *stats, char *err)
{
	struct merge m = {
		.o = o,
		.stats = stats,
		.err = err,
		.next_slice_id = 1,
		.started_ns = keke_mono_ns(),
	};
	size_t written = 0, opened;
	int rc = 0;

	memset(stats, 0, sizeof(*stats));
	err[0] = '\0';
	idmap_init(&m.thr_index);
	idmap_init(&m.flow_index);
	idmap_init(&m.counter_tracks);
	m.dirfds = merge_grow(NULL, o->ndirs, sizeof(*m.dirfds));
	for (size_t i = 0; i < o->ndirs; i++)
		m.dirfds[i] = -1;
	for (size_t i = 0; i < o->ndirs && !rc; i++)
		rc = list_dir(&m, i);
	if (rc)
		goto out;
	check_trace_ids(&m);
	if (m.nfiles)
		qsort(m.files, m.nfiles, sizeof(*m.files), by_dir_pid_start);
	set_clock_rates(&m);
	stats->files = m.nfiles;
	rc = open_sinks(&m);
	if (!rc)
		rc = emit_metadata(&m);
	for (size_t i = 0; i < m.nfiles && !rc; i++) {
		const struct file_info *f = &m.files[i], *next = f + 1;

		if (i + 1 == m.nfiles || next->dir != f->dir ||
		    next->hdr.pid != f->hdr.pid)
			next = NULL;
		rc = merge_file(&m, f, next);
		show_progress(&m, i + 1, false);
	}
	show_progress(&m, m.nfiles, true);
	if (!rc)
		rc = merge_tree(&m);
	if (!rc && o->cancel && *o->cancel)
		rc = merge_fail(&m, "interrupted");
	/* The last sink (SQLite, whose indexes take long) first: an
	 * interrupt during its finish then leaves no output at all. A sink
	 * that fails otherwise costs its own output only: each output is
	 * complete on its own. */
	for (size_t i = m.nsinks; i-- > 0;) {
		struct keke_merge_output *mo = m.outs[i];

		if (rc) {
			m.ops[i]->abort(m.sinks[i]);
			continue;
		}
		if (m.ops[i]->finish(m.sinks[i], mo->err) == 0) {
			mo->written = true;
			written++;
		} else if (!written && o->cancel && *o->cancel) {
			rc = merge_fail(&m, "interrupted");
			mo->err[0] = '\0';
		}
	}
	if (!rc && !written)
		rc = merge_fail(&m, "no output could be written");
out:
	opened = m.nopened;
	free_merge(&m);
	if (rc)
		return KEKE_MERGE_FAILED;
	if (written < opened)
		return KEKE_MERGE_INCOMPLETE;
	return stats->damaged ? KEKE_MERGE_PARTIAL : KEKE_MERGE_OK;
}
