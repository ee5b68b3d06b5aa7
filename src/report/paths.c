// SPDX-License-Identifier: MIT
/*
 * The per-path table of the report: which file path or peer address each
 * call worked on, and the time, bytes and errors per path.
 *
 * A call names its path with a "path" arg (open, stat, unlink; and any
 * fd call the merge gave one) or an "addr" arg (connect, sendto). Other
 * calls give an fd; each process's descriptors are followed through the
 * calls seen so far in the selection: open/openat/creat/fopen returning
 * an fd name it with their path, connect names its fd with its addr,
 * accept names the fd it returns, close and fclose forget their fd after
 * the call. An fd nobody named is shown as "<stdin>", "<stdout>",
 * "<stderr>" or "<fd N>".
 */
#include "report/context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct path_stat {
	uint64_t calls, errors;
	int64_t time_ns, bytes_in, bytes_out;
};

struct rp_paths {
	struct rp_strtab names;
	struct path_stat *stat;		/* by name id */
	size_t cap;
	struct idmap fds;		/* process << 32 | fd -> name id */
};

int rp_paths_init(struct rp_ctx *c)
{
	c->paths = calloc(1, sizeof(*c->paths));
	if (!c->paths)
		return rp_oom(c);
	idmap_init(&c->paths->fds);
	return 0;
}

/* The key of descriptor @fd of the slice's process in the fd map. */
static uint64_t fd_key(const struct rp_slice *s, int64_t fd)
{
	uint64_t proc = s->proc == RP_NONE ? 0xffffffffu : s->proc;

	return rp_mix(proc << 32 | (uint32_t)fd);
}

/* The id of @len bytes at @str, or -1 when out of memory. */
static int64_t intern(struct rp_ctx *c, const char *str, size_t len)
{
	uint32_t id;

	if (rp_intern(&c->paths->names, str, len, &id))
		return -1;
	return id;
}

int64_t rp_path_of(struct rp_ctx *c, const struct rp_slice *s)
{
	struct rp_paths *ps = c->paths;
	char buf[32];
	int64_t id = -1;

	if (s->path) {
		id = intern(c, s->path, s->path_len);
		if (id >= 0 && (s->kind & RP_OPEN) && s->has_result &&
		    s->result >= 0)
			idmap_put(&ps->fds, fd_key(s, s->result), id);
	} else if (s->addr) {
		id = intern(c, s->addr, s->addr_len);
		if (id >= 0 && (s->kind & RP_CONNECT) && s->has_fd &&
		    !s->failed)
			idmap_put(&ps->fds, fd_key(s, s->fd), id);
		if (id >= 0 && (s->kind & RP_ACCEPT) && s->has_result &&
		    s->result >= 0)
			idmap_put(&ps->fds, fd_key(s, s->result), id);
	} else if (s->has_fd) {
		/* -1: closed. */
		if (!idmap_get(&ps->fds, fd_key(s, s->fd), &id) || id < 0) {
			if (s->fd >= 0 && s->fd <= 2)
				snprintf(buf, sizeof(buf), "<std%s>",
					 s->fd == 0 ? "in" :
					 s->fd == 1 ? "out" : "err");
			else
				snprintf(buf, sizeof(buf), "<fd %lld>",
					 (long long)s->fd);
			id = intern(c, buf, strlen(buf));
		}
		if (s->kind & RP_CLOSE)
			idmap_put(&ps->fds, fd_key(s, s->fd), -1);
	} else {
		return -1;
	}
	if (id < 0) {
		rp_oom(c);
		return -2;
	}
	return id;
}

const char *rp_path_str(const struct rp_ctx *c, int64_t id)
{
	return c->paths->names.str[id];
}

int rp_paths_add(struct rp_ctx *c, const struct rp_slice *s, int64_t id)
{
	struct rp_paths *ps = c->paths;
	struct path_stat *st;

	if ((size_t)id >= ps->cap) {
		struct path_stat *v = rp_grow_zeroed(ps->stat, &ps->cap,
						     (size_t)id, sizeof(*v),
						     256);

		if (!v)
			return rp_oom(c);
		ps->stat = v;
	}
	st = &ps->stat[id];
	st->calls++;
	st->errors += s->failed;
	st->time_ns += s->dur;
	if ((s->kind & RP_BYTES) && s->has_result && s->result >= 0 &&
	    !s->failed) {
		if (s->kind & RP_IN)
			st->bytes_in += s->result;
		else
			st->bytes_out += s->result;
	}
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
	idmap_free(&c->paths->fds);
	free(c->paths->stat);
	free(c->paths);
	c->paths = NULL;
}
