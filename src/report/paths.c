// SPDX-License-Identifier: MIT
/*
 * The per-path table of the report: which file path or peer address each
 * call worked on, and the time, bytes and errors per path.
 *
 * A call names what it worked on with a "path" arg (open, stat, unlink;
 * and any fd call, which the merge gives the name of its fd), an "addr"
 * arg (connect, sendto) or, for a copy's source, a "path_in" arg. An fd
 * the merge could not name is "<fd N>". Bytes go the way
 * record/call_io.h says, a copy's counting as read from its source and
 * written to its target: the same sums as the merge's file_access table.
 */
#include "report/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/call_io.h"

struct path_stat {
	uint64_t calls, errors;
	int64_t time_ns, bytes_in, bytes_out;
};

struct rp_paths {
	struct rp_strtab names;
	struct path_stat *stat;		/* by name id */
	size_t cap;
};

int rp_paths_init(struct rp_ctx *c)
{
	c->paths = calloc(1, sizeof(*c->paths));
	if (!c->paths)
		return rp_oom(c);
	return 0;
}

/* The id of @len bytes at @str, or -2 when out of memory (c->err set). */
static int64_t intern(struct rp_ctx *c, const char *str, size_t len)
{
	uint32_t id;

	if (rp_intern(&c->paths->names, str, len, &id)) {
		rp_oom(c);
		return -2;
	}
	return id;
}

int64_t rp_path_of(struct rp_ctx *c, const struct rp_slice *s, int which)
{
	bool has_fd = which == RP_PATH ? s->a.has_fd : s->a.has_fd_in;
	int64_t fd = which == RP_PATH ? s->a.fd : s->a.fd_in;
	char buf[32];

	if (s->str[which])
		return intern(c, s->str[which], s->a.len[which]);
	if (which == RP_PATH && s->str[RP_ADDR])
		return intern(c, s->str[RP_ADDR], s->a.len[RP_ADDR]);
	if (!has_fd)
		return -1;
	snprintf(buf, sizeof(buf), "<fd %lld>", (long long)fd);
	return intern(c, buf, strlen(buf));
}

const char *rp_path_str(const struct rp_ctx *c, int64_t id)
{
	return c->paths->names.str[id];
}

/* The stats of path @id, grown to hold it; NULL when out of memory. */
static struct path_stat *stat_of(struct rp_ctx *c, int64_t id)
{
	struct rp_paths *ps = c->paths;

	if ((size_t)id >= ps->cap) {
		struct path_stat *v = rp_grow_zeroed(ps->stat, &ps->cap,
						     (size_t)id, sizeof(*v),
						     256);

		if (!v)
			return NULL;
		ps->stat = v;
	}
	return &ps->stat[id];
}

/* Counts call @s in @st: its time, whether it failed. */
static void count_call(struct path_stat *st, const struct rp_slice *s)
{
	st->calls++;
	st->errors += s->a.failed;
	st->time_ns += s->dur;
}

int rp_paths_add(struct rp_ctx *c, const struct rp_slice *s, int64_t id,
		 int64_t in_id)
{
	int64_t bytes = rp_slice_bytes(s);
	struct path_stat *st;

	if (in_id >= 0) {
		st = stat_of(c, in_id);
		if (!st)
			return rp_oom(c);
		count_call(st, s);
		if (bytes >= 0)
			st->bytes_in += bytes;
	}
	if (id < 0)
		return 0;
	st = stat_of(c, id);
	if (!st)
		return rp_oom(c);
	count_call(st, s);
	if (bytes < 0)
		return 0;
	if (s->io & KEKE_IO_IN)
		st->bytes_in += bytes;
	else
		st->bytes_out += bytes;
	return 0;
}

static int cmp_time(const void *a, const void *b)
{
	const struct keke_report_path *x = a, *y = b;

	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? 1 : -1;
	return strcmp(x->path, y->path);
}

static int cmp_bytes(const void *a, const void *b)
{
	const struct keke_report_path *x = a, *y = b;
	int64_t bx = x->bytes_in + x->bytes_out;
	int64_t by = y->bytes_in + y->bytes_out;

	if (bx != by)
		return bx < by ? 1 : -1;
	return strcmp(x->path, y->path);
}

/* Copies the first @n of @all into a new array at *@out (paths strdup'd). */
static int take_top(const struct keke_report_path *all, size_t n,
		    struct keke_report_path **out, size_t *nout)
{
	*out = calloc(n ? n : 1, sizeof(**out));
	if (!*out)
		return -1;
	for (size_t i = 0; i < n; i++) {
		(*out)[i] = all[i];
		(*out)[i].path = strdup(all[i].path);
		if (!(*out)[i].path)
			return -1;
		(*nout)++;
	}
	return 0;
}

int rp_paths_finish(struct rp_ctx *c)
{
	struct rp_paths *ps = c->paths;
	struct keke_report *r = c->r;
	struct keke_report_path *all;
	size_t n = 0, nbytes = 0;
	int ret = -1;

	all = calloc(ps->names.n ? ps->names.n : 1, sizeof(*all));
	if (!all)
		return rp_oom(c);
	for (size_t id = 0; id < ps->names.n && id < ps->cap; id++) {
		const struct path_stat *st = &ps->stat[id];

		if (!st->calls)
			continue;
		all[n++] = (struct keke_report_path){
			.path = ps->names.str[id],
			.calls = st->calls,
			.errors = st->errors,
			.time_ns = st->time_ns,
			.bytes_in = st->bytes_in,
			.bytes_out = st->bytes_out,
		};
		nbytes += st->bytes_in + st->bytes_out > 0;
	}
	r->npaths = n;
	qsort(all, n, sizeof(*all), cmp_time);
	if (take_top(all, n < c->top ? n : c->top, &r->paths_by_time,
		     &r->npaths_by_time))
		goto oom;
	qsort(all, n, sizeof(*all), cmp_bytes);
	if (nbytes > c->top)
		nbytes = c->top;
	if (take_top(all, nbytes, &r->paths_by_bytes, &r->npaths_by_bytes))
		goto oom;
	ret = 0;
	goto out;
oom:
	rp_oom(c);
out:
	free(all);
	return ret;
}

void rp_paths_free(struct rp_ctx *c)
{
	if (!c->paths)
		return;
	rp_strtab_free(&c->paths->names);
	free(c->paths->stat);
	free(c->paths);
	c->paths = NULL;
}
