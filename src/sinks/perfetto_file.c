// SPDX-License-Identifier: MIT
/*
 * Where the Perfetto sink's packets wait, and how they become the output
 * (perfetto.h): a spill file that no name points to, in the output's own
 * directory (or $TMPDIR when the output is a device or FIFO), and at the
 * end the output written through keke_output, gzip-compressed when its
 * name ends in ".gz".
 */
#include "sinks/perfetto.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* Bytes read from the spill at a time. */
#define CHUNK (1u << 20)

/* An unnamed file in @dir: O_TMPFILE, or a name removed at once where
 * the file system has no O_TMPFILE. Returns its fd or -1 (errno). */
static int unnamed_file(const char *dir)
{
	char *tmpl;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR &&
			errno != EINVAL))
		return fd;
	if (asprintf(&tmpl, "%s/.keke-spill-XXXXXX", dir) < 0)
		return -1;
	fd = mkostemp(tmpl, O_CLOEXEC);
	if (fd >= 0)
		unlink(tmpl);
	free(tmpl);
	return fd;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

int pf_file_open(struct pf_file *f, const char *path, char *err)
{
	char *dir;
	const char *tmp = getenv("TMPDIR");

	f->gzip = ends_with(path, ".gz");
	if (keke_output_open(&f->out, path, 0, err, KEKE_SINK_ERROR_MAX))
		return -1;
	if (f->out.tmp) {
		dir = strdup(f->out.tmp);
		if (dir && strrchr(dir, '/'))
			*strrchr(dir, '/') = '\0';
		else if (dir)
			strcpy(dir, ".");
	} else {
		dir = strdup(tmp && *tmp ? tmp : "/tmp");
	}
	if (!dir) {
		snprintf(err, KEKE_SINK_ERROR_MAX, "%s: out of memory", path);
		return -1;
	}
	f->spill_fd = unnamed_file(dir);
	if (f->spill_fd < 0)
		snprintf(err, KEKE_SINK_ERROR_MAX,
			 "cannot make a spill file in %s for %s: %s", dir,
			 path, strerror(errno));
	free(dir);
	return f->spill_fd < 0 ? -1 : 0;
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

int pf_file_spill(struct pf_file *f, const void *p, size_t n)
{
	if (write_all(f->spill_fd, p, n))
		return -1;
	f->spilled += n;
	return 0;
}

/* The output being written: straight, or through zlib. */
struct sink_out {
	int fd;
	gzFile gz;
	bool failed;
	int err;		/* errno of the failure, 0: zlib's */
};

static int out_write(struct sink_out *o, const void *p, size_t n)
{
	if (o->failed)
		return -1;
	if (!o->gz) {
		if (write_all(o->fd, p, n) == 0)
			return 0;
		o->err = errno;
	} else {
		const char *c = p;

		while (n) {
			unsigned k = n > CHUNK ? CHUNK : (unsigned)n;

			if (gzwrite(o->gz, c, k) != (int)k) {
				int zerr;

				gzerror(o->gz, &zerr);
				o->err = zerr == Z_ERRNO ? errno : 0;
				o->failed = true;
				return -1;
			}
			c += k;
			n -= k;
		}
		return 0;
	}
	o->failed = true;
	return -1;
}

/* What finish adds to one marked packet. */
struct patch {
	uint64_t offset;	/* the packet's, in the spill */
	bool terminating;	/* terminating_flow_ids, else flow_ids */
	int64_t flow;
};

static int by_mark(const void *a, const void *b)
{
	const struct patch *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return (x->flow > y->flow) - (x->flow < y->flow);
}

/* The mark of slice @id in @f's marks, sorted by slice id. */
static const struct pf_mark *find_mark(const struct pf_file *f, int64_t id)
{
	size_t lo = 0, hi = f->nmarks;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->marks[mid].slice_id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < f->nmarks && f->marks[lo].slice_id == id)
		return &f->marks[lo];
	return NULL;
}

static int by_slice(const void *a, const void *b)
{
	const struct pf_mark *x = a, *y = b;

	return (x->slice_id > y->slice_id) - (x->slice_id < y->slice_id);
}

static int by_offset(const void *a, const void *b)
{
	const struct pf_mark *x = a, *y = b;

	return (x->offset > y->offset) - (x->offset < y->offset);
}

/*
 * The flows as patches of their ends' packets, in spill order. A flow
 * whose end comes before its start in the file, or before it in time,
 * cannot be written so that a reader follows it: it is left out. Returns the patches (*n of them), or NULL with *n 0.
 */
static struct patch *flow_patches(struct pf_file *f, size_t *n)
{
	struct patch *p;
	size_t k = 0;

	*n = 0;
	if (!f->nflows || !f->nmarks)
		return NULL;
	p = malloc(2 * f->nflows * sizeof(*p));
	if (!p)
		return NULL;
	qsort(f->marks, f->nmarks, sizeof(*f->marks), by_slice);
	for (size_t i = 0; i < f->nflows; i++) {
		const struct pf_mark *out = find_mark(f, f->flows[i].slice_out);
		const struct pf_mark *in = find_mark(f, f->flows[i].slice_in);

		if (!out || !in || out == in || out->offset > in->offset ||
		    out->ts_ns > in->ts_ns)
			continue;
		p[k++] = (struct patch){ out->offset, false, f->flows[i].id };
		p[k++] = (struct patch){ in->offset, true, f->flows[i].id };
	}
	qsort(f->marks, f->nmarks, sizeof(*f->marks), by_offset);
	qsort(p, k, sizeof(*p), by_mark);
	*n = k;
	return p;
}

/* Reads @n bytes of the spill at @off into @p. */
static int spill_read(const struct pf_file *f, void *p, size_t n, uint64_t off)
{
	char *c = p;

	while (n) {
		ssize_t r = pread(f->spill_fd, c, n, (off_t)off);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EIO;
			return -1;
		}
		c += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

/* Copies the spill from @from to @to into @o. */
static int copy_span(const struct pf_file *f, struct sink_out *o,
		     uint64_t from, uint64_t to, char *chunk)
{
	while (from < to) {
		size_t n = to - from > CHUNK ? CHUNK : (size_t)(to - from);

		if (spill_read(f, chunk, n, from)) {
			o->err = errno;
			o->failed = true;
			return -1;
		}
		if (out_write(o, chunk, n))
			return -1;
		from += n;
	}
	return 0;
}

static size_t read_varint(const uint8_t *p, size_t n, uint64_t *v)
{
	size_t i = 0;

	*v = 0;
	while (i < n && i < 10) {
		*v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i++] & 0x80))
			return i;
	}
	return 0;
}

/*
 * The packet at spill offset @off with the flows of patches @p (@n of
 * them, same packet) added to its track_event, which ends it; @event_size
 * is that track_event's size. Returns the packet's size in the spill, or 0
 * (o failed).
 */
static uint64_t patched_packet(const struct pf_file *f, struct sink_out *o,
			       uint64_t off, uint32_t event_size,
			       const struct patch *p, size_t n, char *chunk)
{
	struct pb_buf b = { 0 };
	uint8_t head[11], ev_head[11];
	uint64_t len, ev_len;
	size_t hl, el;

	size_t got = f->spilled - off < sizeof(head) ?
		     (size_t)(f->spilled - off) : sizeof(head);

	if (off >= f->spilled || spill_read(f, head, got, off))
		goto broken;
	hl = read_varint(head + 1, got - 1, &len);
	if (!hl || len > CHUNK || event_size > len)
		goto broken;
	if (spill_read(f, chunk, len, off + 1 + hl))
		goto broken;
	/* The track_event: its tag, its length, its fields. */
	size_t ev = len - event_size;
	memcpy(ev_head, chunk + ev, event_size < 11 ? event_size : 11);
	el = read_varint(ev_head + 1, 10, &ev_len);
	if (!el || 1 + el + ev_len != event_size)
		goto broken;
	pb_raw(&b, chunk + ev + 1 + el, ev_len);
	for (size_t i = 0; i < n; i++)
		pb_fixed64(&b, p[i].terminating ? PF_EVENT_TERMINATING_FLOW :
			   PF_EVENT_FLOW, (uint64_t)p[i].flow);
	struct pb_buf packet = { 0 };
	pb_tag(&packet, PF_TRACE_PACKET, PB_LEN);
	pb_varint(&packet, ev + 1 + pb_varint_size(b.len) + b.len);
	pb_raw(&packet, chunk, ev);
	pb_bytes(&packet, PF_TRACK_EVENT, b.p, b.len);
	pb_free(&b);
	if (pb_failed(&packet)) {
		o->err = ENOMEM;
		o->failed = true;
		pb_free(&packet);
		return 0;
	}
	out_write(o, packet.p, packet.len);
	pb_free(&packet);
	return o->failed ? 0 : 1 + hl + len;
broken:
	pb_free(&b);
	o->err = EIO;
	o->failed = true;
	return 0;
}

/* Writes @head and the patched spill into @o. Returns 0 or -1. */
static int write_trace(struct pf_file *f, const struct pb_buf *head,
		       struct sink_out *o, volatile sig_atomic_t *cancel)
{
	size_t npatches, i = 0;
	struct patch *p = flow_patches(f, &npatches);
	char *chunk = malloc(CHUNK);
	uint64_t at = 0;

	if (!chunk || (f->nflows && f->nmarks && !p)) {
		o->err = ENOMEM;
		o->failed = true;
	}
	out_write(o, head->p, head->len);
	while (!o->failed && i < npatches) {
		uint64_t off = p[i].offset, m;
		size_t j = i;
		const struct pf_mark key = { .offset = off };
		const struct pf_mark *mk = bsearch(&key, f->marks, f->nmarks,
						   sizeof(*f->marks),
						   by_offset);

		while (j < npatches && p[j].offset == off)
			j++;
		if (cancel && *cancel)
			break;
		if (!mk || copy_span(f, o, at, off, chunk))
			break;
		m = patched_packet(f, o, off, mk->event_size, p + i, j - i,
				   chunk);
		if (!m)
			break;
		at = off + m;
		i = j;
	}
	if (!o->failed && !(cancel && *cancel))
		copy_span(f, o, at, f->spilled, chunk);
	free(chunk);
	free(p);
	return o->failed || (cancel && *cancel) ? -1 : 0;
}

int pf_file_finish(struct pf_file *f, const struct pb_buf *head,
		   volatile sig_atomic_t *cancel, char *err)
{
	struct sink_out o = { .fd = f->out.fd };
	int rc;

	if (f->gzip) {
		int fd = dup(f->out.fd);

		o.gz = fd < 0 ? NULL : gzdopen(fd, "wb1");
		if (!o.gz) {
			if (fd >= 0)
				close(fd);
			snprintf(err, KEKE_SINK_ERROR_MAX,
				 "cannot compress %s: out of memory",
				 f->out.path);
			return -1;
		}
	}
	rc = write_trace(f, head, &o, cancel);
	if (o.gz && gzclose(o.gz) != Z_OK && !rc) {
		o.err = errno;
		rc = -1;
	}
	if (rc) {
		if (cancel && *cancel)
			snprintf(err, KEKE_SINK_ERROR_MAX, "interrupted");
		else
			snprintf(err, KEKE_SINK_ERROR_MAX,
				 "cannot write %s: %s", f->out.path,
				 o.err ? strerror(o.err) : "compression failed");
		return -1;
	}
	return keke_output_close(&f->out, err, KEKE_SINK_ERROR_MAX);
}

void pf_file_free(struct pf_file *f)
{
	if (f->out.fd >= 0)
		keke_output_discard(&f->out);
	if (f->spill_fd >= 0)
		close(f->spill_fd);
	f->spill_fd = -1;
	free(f->marks);
	free(f->flows);
}
