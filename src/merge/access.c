// SPDX-License-Identifier: MIT
/*
 * file_access: what each process did to each file, summed from its calls
 * as they are read, and sent to the sinks (sinks/sink.h, struct
 * keke_file_access) once its files are read.
 *
 * A row is named as the calls name what they work on: the "path" a call
 * records or the merge gave its fd (fds.c), a copy's source by its
 * "path_in", a socket call without either by its "addr", and an fd the
 * merge could not name by "<fd N>" (read and write calls only, so that
 * every byte a process moved has a row). Its kind says what the name is:
 * "file" (a path, or a name a path call gave), "socket" (a peer or an
 * address), "pipe", "fd" (unnamed) or "other" (anon_inode:, memfd:).
 *
 * Bytes go the way record/call_io.h says, copies counting on both rows.
 * What a call did to the file, when it worked:
 *   opened	open, openat, creat, fopen, freopen, opendir, mkstemp and
 *		its kin, tmpfile; exec, posix_spawn and dlopen of a program
 *		or library; connect and accept on a peer;
 *   opened_write  of those, with write access (O_WRONLY, O_RDWR; fopen's
 *		"w", "a", "+");
 *   created	only what surely made it: an open with O_CREAT|O_EXCL,
 *		mkstemp and its kin, tmpfile, mkdir, mkdtemp, symlink, the
 *		new name of link; and an O_CREAT open (creat) of a path this
 *		process last saw missing (a call that failed with ENOENT on
 *		it, or its own unlink or rename away). An O_CREAT open of a
 *		path it knew nothing of may have made it or opened what was
 *		there: that counts in opened_write (and truncated), not here;
 *   truncated	an open with O_TRUNC, truncate, ftruncate;
 *   deleted	unlink, unlinkat, rmdir, and rename away (renamed_to then
 *		names where; the new name's row gets renamed_from);
 *   probed	stat, lstat, fstatat, statx, access, faccessat,
 *		euidaccess, readlink, readlinkat, realpath, chdir;
 *   probed_missing  any call naming the path itself that failed with
 *		ENOENT (the file, or a directory on its way, was not there):
 *		the dependencies a build system cannot see in what was read.
 * Any call on a row counts in calls, its time in dur_ns, its start and
 * end in first_ts_ns and last_ts_ns. The calls of the kinds the kernel
 * counts in rchar and wchar add up, per process, to traced_rchar and
 * traced_wchar (on the process's row), for the report to set beside the
 * kernel's own.
 *
 * Memory grows with the distinct paths of one process: its rows are sent
 * and freed when the merge moves on to another.
 */
#include "merge/access.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/call_io.h"

/* What this process last saw of a path. */
enum state { UNKNOWN, MISSING, PRESENT };

/* How a call named what it worked on. */
enum source {
	BY_PATH,	/* a path field of its own */
	BY_FD,		/* the name the merge gave its fd */
	BY_ADDR,	/* a socket address field */
	UNNAMED,	/* an fd nobody named: "<fd N>" */
};

struct row {
	char *path;
	size_t len;
	int64_t next;		/* the next row of the same hash, or -1 */
	enum state state;
	char *renamed_to, *renamed_from;
	struct keke_file_access a;
};

struct access_table {
	size_t proc;		/* index in merge.procs */
	struct row *rows;
	size_t nrows, cap;
	struct idmap index;	/* hash of a path -> its last row made */
	int64_t traced_rchar, traced_wchar;
};

/* One call as the rows see it. */
struct call {
	const struct keke_record *rec;
	const struct keke_slice *s;
	bool ok;		/* it did not fail */
};

/* FNV-1a of the @n bytes at @s, in 63 bits (idmap keys stop short of
 * UINT64_MAX). */
static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h >> 1;
}

/* The kind of a row first named @path by @src (see the top). */
static const char *kind_of(const char *path, enum source src)
{
	if (src == UNNAMED)
		return "fd";
	if (src == BY_ADDR)
		return "socket";
	if (path[0] == '/' || src == BY_PATH)
		return "file";
	if (!strncmp(path, "pipe:", 5))
		return "pipe";
	if (!strncmp(path, "anon_inode:", 11) || !strncmp(path, "memfd:", 6))
		return "other";
	/* fds.c names an fd by its path or by its socket's peer. */
	return "socket";
}

/* The row of the @n bytes at @path in @t, made (named by @src) when new. */
static struct row *row_of(struct access_table *t, const char *path, size_t n,
			  enum source src)
{
	uint64_t h = hash(path, n);
	int64_t idx = -1, first = -1;
	struct row *r;

	if (idmap_get(&t->index, h, &first))
		for (idx = first; idx >= 0; idx = t->rows[idx].next)
			if (t->rows[idx].len == n &&
			    !memcmp(t->rows[idx].path, path, n))
				return &t->rows[idx];
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->rows = merge_grow(t->rows, t->cap, sizeof(*t->rows));
	}
	r = &t->rows[t->nrows];
	*r = (struct row){ .path = merge_memdup(path, n), .len = n,
			   .next = first };
	r->a.kind = kind_of(r->path, src);
	r->a.first_ts_ns = INT64_MAX;
	r->a.last_ts_ns = INT64_MIN;
	idmap_put(&t->index, h, (int64_t)t->nrows++);
	return r;
}

/* The string arg @key of @s, or NULL when it has none or an empty one. */
static const struct keke_arg *arg_of(const struct keke_slice *s,
				     const char *key)
{
	for (unsigned i = 0; i < s->nargs; i++)
		if (s->args[i].is_str && s->args[i].len &&
		    !strcmp(s->args[i].key, key))
			return &s->args[i];
	return NULL;
}

/*
 * The row of what the call works on through its arg @key ("path",
 * "path_in" or "new_path"; "path" falls back on "addr"), which its own
 * field @own_key (0: none) gives when it is not the merge's name for an
 * fd; else, when @fd_key is not 0, the row of its fd field @fd_key as
 * "<fd N>". NULL when it names nothing.
 */
static struct row *named(struct access_table *t, const struct call *c,
			 const char *key, unsigned own_key, unsigned fd_key)
{
	const struct keke_arg *a = arg_of(c->s, key);
	char buf[32];
	int64_t fd;

	if (a)
		return row_of(t, a->s, a->len,
			      own_key && keke_record_str(c->rec, own_key) ?
			      BY_PATH : BY_FD);
	if (!strcmp(key, "path") && (a = arg_of(c->s, "addr")))
		return row_of(t, a->s, a->len, BY_ADDR);
	fd = fd_key ? keke_record_int(c->rec, fd_key, -1) : -1;
	if (fd < 0)
		return NULL;
	snprintf(buf, sizeof(buf), "<fd %lld>", (long long)fd);
	return row_of(t, buf, strlen(buf), UNNAMED);
}

/* Counts the call in @r: once more, its time, its span. */
static void touch(struct row *r, const struct call *c)
{
	int64_t end = c->s->ts_ns + c->s->dur_ns;

	r->a.calls++;
	r->a.dur_ns += c->s->dur_ns;
	if (c->s->ts_ns < r->a.first_ts_ns)
		r->a.first_ts_ns = c->s->ts_ns;
	if (end > r->a.last_ts_ns)
		r->a.last_ts_ns = end;
}

/* The bytes the read- or write-like call moved (@io its call_io bits),
 * or -1 when it moved none. */
static int64_t bytes_of(const struct call *c, unsigned io)
{
	int64_t result = keke_record_int(c->rec, KEKE_KEY_RESULT, -1);

	if (!c->ok || result < 0)
		return -1;
	if (io & KEKE_IO_BYTES_IN_COUNT)
		return keke_record_int(c->rec, KEKE_KEY_COUNT, -1);
	return result;
}

/* A read- or write-like call, or a copy: its bytes on its rows. */
static void on_io(struct access_table *t, const struct call *c, unsigned io)
{
	int64_t bytes = bytes_of(c, io);
	struct row *from = NULL, *to = NULL;
	int64_t from_idx = -1;

	if (io & (KEKE_IO_IN | KEKE_IO_COPY))
		from = io & KEKE_IO_COPY ?
		       named(t, c, "path_in", 0, KEKE_KEY_FD_IN) :
		       named(t, c, "path", KEKE_KEY_PATH, KEKE_KEY_FD);
	if (from)
		from_idx = from - t->rows;
	if (io & (KEKE_IO_OUT | KEKE_IO_COPY))
		to = named(t, c, "path", KEKE_KEY_PATH, KEKE_KEY_FD);
	/* named() may have moved the rows. */
	from = from_idx >= 0 ? &t->rows[from_idx] : NULL;
	if (from) {
		touch(from, c);
		if (bytes >= 0) {
			from->a.read_bytes += bytes;
			from->a.reads++;
		}
	}
	if (to) {
		touch(to, c);
		if (bytes >= 0) {
			to->a.write_bytes += bytes;
			to->a.writes++;
		}
	}
	if (bytes <= 0 || !(io & KEKE_IO_KERNEL_COUNTED))
		return;
	/* A stream without an fd (fmemopen) moves nothing through the
	 * kernel, and names no row. */
	if (from)
		t->traced_rchar += bytes;
	if (to)
		t->traced_wchar += bytes;
}

/* The open(2) flags of fopen's mode string @mode (@n bytes). */
static int fopen_flags(const char *mode, size_t n)
{
	int flags = O_RDONLY;

	if (n && mode[0] == 'w')
		flags = O_WRONLY | O_CREAT | O_TRUNC;
	else if (n && mode[0] == 'a')
		flags = O_WRONLY | O_CREAT | O_APPEND;
	for (size_t i = 1; i < n; i++) {
		if (mode[i] == '+')
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		else if (mode[i] == 'x')
			flags |= O_EXCL;
	}
	return flags;
}

/* The open(2) flags an opening call @c opened with. */
static int open_flags(const struct call *c)
{
	const struct keke_field *mode;

	switch (c->rec->name) {
	case KEKE_CALL_OPEN:
	case KEKE_CALL_OPENAT:
		return (int)keke_record_int(c->rec, KEKE_KEY_FLAGS, O_RDONLY);
	case KEKE_CALL_CREAT:
		return O_WRONLY | O_CREAT | O_TRUNC;
	case KEKE_CALL_FOPEN:
	case KEKE_CALL_FREOPEN:
		mode = keke_record_str(c->rec, KEKE_KEY_MODE);
		return mode ? fopen_flags(mode->s, mode->len) : O_RDONLY;
	case KEKE_CALL_MKSTEMP:
	case KEKE_CALL_MKOSTEMP:
	case KEKE_CALL_MKSTEMPS:
	case KEKE_CALL_MKOSTEMPS:
	case KEKE_CALL_TMPFILE:
		return O_RDWR | O_CREAT | O_EXCL;
	}
	return O_RDONLY;
}

/* An opening call @c that worked, on @r. */
static void on_open(struct row *r, const struct call *c)
{
	int flags = open_flags(c);

	r->a.opened++;
	if ((flags & O_ACCMODE) != O_RDONLY)
		r->a.opened_write++;
	if (flags & O_TRUNC)
		r->a.truncated++;
	if ((flags & O_CREAT) && ((flags & O_EXCL) || r->state == MISSING))
		r->a.created++;
	r->state = PRESENT;
}

static void made(struct row *r)
{
	r->a.created++;
	r->state = PRESENT;
}

static void gone(struct row *r)
{
	r->a.deleted++;
	r->state = MISSING;
}

/* Replaces the name *@dst by @src's path. */
static void set_name(char **dst, const struct row *src)
{
	free(*dst);
	*dst = merge_memdup(src->path, src->len);
}

/* A rename @c of @r that worked: @r is gone to the new name, unless the
 * two were exchanged (renameat2's RENAME_EXCHANGE, 2). */
static void on_rename(struct access_table *t, struct row *r,
		      const struct call *c)
{
	size_t idx = (size_t)(r - t->rows);
	struct row *to = named(t, c, "new_path", KEKE_KEY_NEW_PATH, 0);
	bool exchange = keke_record_int(c->rec, KEKE_KEY_FLAGS, 0) & 2;

	if (!to)
		return;
	r = &t->rows[idx];	/* named() may have moved the rows */
	touch(to, c);
	set_name(&r->renamed_to, to);
	set_name(&to->renamed_from, r);
	to->state = PRESENT;
	if (exchange) {
		set_name(&to->renamed_to, r);
		set_name(&r->renamed_from, to);
	} else {
		gone(r);
	}
}

/* A link @c of @r that worked: its new name is made. */
static void on_link(struct access_table *t, const struct call *c)
{
	struct row *to = named(t, c, "new_path", KEKE_KEY_NEW_PATH, 0);

	if (to) {
		touch(to, c);
		made(to);
	}
}

/* What a call that names a path or peer did to it (see the top). */
static void on_path_call(struct access_table *t, struct row *r,
			 const struct call *c)
{
	unsigned call = c->rec->name;

	if (call == KEKE_CALL_CONNECT && c->rec->err == EINPROGRESS) {
		r->a.opened++;
		return;
	}
	if (!c->ok) {
		/* Not there, if the path was the call's own (not an fd's). */
		if (c->rec->err == ENOENT &&
		    keke_record_str(c->rec, KEKE_KEY_PATH)) {
			r->a.probed_missing++;
			r->state = MISSING;
		}
		return;
	}
	switch (call) {
	case KEKE_CALL_OPEN:
	case KEKE_CALL_OPENAT:
	case KEKE_CALL_CREAT:
	case KEKE_CALL_FOPEN:
	case KEKE_CALL_FREOPEN:
	case KEKE_CALL_OPENDIR:
	case KEKE_CALL_MKSTEMP:
	case KEKE_CALL_MKOSTEMP:
	case KEKE_CALL_MKSTEMPS:
	case KEKE_CALL_MKOSTEMPS:
	case KEKE_CALL_TMPFILE:
	case KEKE_CALL_EXEC:
	case KEKE_CALL_SPAWN:
	case KEKE_CALL_DLOPEN:
	case KEKE_CALL_CONNECT:
	case KEKE_CALL_ACCEPT:
	case KEKE_CALL_ACCEPT4:
		on_open(r, c);
		return;
	case KEKE_CALL_MKDIR:
	case KEKE_CALL_MKDIRAT:
	case KEKE_CALL_MKDTEMP:
	case KEKE_CALL_SYMLINK:
	case KEKE_CALL_SYMLINKAT:
		made(r);
		return;
	case KEKE_CALL_STAT:
	case KEKE_CALL_LSTAT:
	case KEKE_CALL_FSTATAT:
	case KEKE_CALL_STATX:
	case KEKE_CALL_ACCESS:
	case KEKE_CALL_FACCESSAT:
	case KEKE_CALL_EUIDACCESS:
	case KEKE_CALL_READLINK:
	case KEKE_CALL_READLINKAT:
	case KEKE_CALL_REALPATH:
	case KEKE_CALL_CHDIR:
		r->a.probed++;
		r->state = PRESENT;
		return;
	case KEKE_CALL_UNLINK:
	case KEKE_CALL_UNLINKAT:
	case KEKE_CALL_RMDIR:
		gone(r);
		return;
	case KEKE_CALL_TRUNCATE:
	case KEKE_CALL_FTRUNCATE:
		r->a.truncated++;
		return;
	case KEKE_CALL_RENAME:
	case KEKE_CALL_RENAMEAT:
	case KEKE_CALL_RENAMEAT2:
		on_rename(t, r, c);
		return;
	case KEKE_CALL_LINK:
	case KEKE_CALL_LINKAT:
		on_link(t, c);
		return;
	}
}

/* The table of process @proc, made when none is. */
static struct access_table *table_of(struct merge *m, size_t proc)
{
	struct access_table *t = m->access;

	if (!t) {
		t = m->access = calloc(1, sizeof(*t));
		if (!t) {
			fprintf(stderr, "keke: out of memory\n");
			abort();
		}
		idmap_init(&t->index);
		t->proc = proc;
	}
	return t;
}

int merge_access_call(struct merge *m, const struct image *im,
		      const struct keke_record *rec,
		      const struct keke_slice *s)
{
	struct call c = { rec, s, !rec->err };
	unsigned io = keke_call_io(rec->name);
	struct access_table *t;
	struct row *r;

	if (m->access && m->access->proc != im->proc &&
	    merge_access_flush(m))
		return -1;
	t = table_of(m, im->proc);
	if (keke_io_moves(io)) {
		on_io(t, &c, io);
		return 0;
	}
	r = named(t, &c, "path", KEKE_KEY_PATH, 0);
	if (r) {
		size_t idx = (size_t)(r - t->rows);

		touch(r, &c);
		on_path_call(t, &t->rows[idx], &c);
	}
	return 0;
}

/* Sends row @r of process @upid to every sink that takes it. Returns 0,
 * or -1 (m->err set) when no sink is left. */
static int send_row(struct merge *m, int64_t upid, struct row *r)
{
	r->a.upid = upid;
	r->a.path = r->path;
	r->a.renamed_to = r->renamed_to;
	r->a.renamed_from = r->renamed_from;
	return EACH_SINK(m, file_access, &r->a);
}

int merge_access_flush(struct merge *m)
{
	struct access_table *t = m->access;
	struct proc *p;
	int rc = 0;

	if (!t)
		return 0;
	p = &m->procs[t->proc];
	p->traced_rchar += t->traced_rchar;
	p->traced_wchar += t->traced_wchar;
	for (size_t i = 0; i < t->nrows && !rc; i++)
		rc = send_row(m, p->upid, &t->rows[i]);
	merge_access_free(m);
	return rc;
}

void merge_access_free(struct merge *m)
{
	struct access_table *t = m->access;

	if (!t)
		return;
	for (size_t i = 0; i < t->nrows; i++) {
		free(t->rows[i].path);
		free(t->rows[i].renamed_to);
		free(t->rows[i].renamed_from);
	}
	free(t->rows);
	idmap_free(&t->index);
	free(t);
	m->access = NULL;
}
