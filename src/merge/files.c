// SPDX-License-Identifier: MIT
/*
 * The record files of a merge: each dir is opened once and its files
 * relative to it, so a dir renamed or replaced meanwhile is read whole or
 * not at all. Foreign and damaged files, and files of another run, are
 * reported and left out; the notes of images that could not make a file
 * are kept for the tree.
 */
#include "merge/files.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		merge_damage(m, "%s; left out", err);
		free(path);
		return;
	}
	m->files = merge_grow(m->files, m->nfiles + 1, sizeof(*m->files));
	m->files[m->nfiles++] = (struct file_info){
		.path = path,
		.name = path + dir_len + 1,
		.dir = dir,
		.hdr = r.hdr,
		.size = r.size,
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
	merge_damage(m, "%s/%s: not a note of keke's; left out",
		     m->o->dirs[dir], name);
}

/* Opens the dir @dir_index, holding its fd until the merge ends, and
 * adds its record files and notes. Returns 0 or -1 (m->err set). */
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
			merge_damage(m, "%s/%s: not a record file; left out",
				     dir, e->d_name);
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

void merge_trace_id_hex(const uint8_t id[16], char hex[33])
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

/* Counts @id into m->stats->trace_ids unless it is among the @n ids
 * seen so far in @seen (of room for one more). */
static void count_trace_id(struct merge *m, uint8_t (*seen)[16], size_t *n,
			   const uint8_t id[16])
{
	for (size_t i = 0; i < *n; i++)
		if (!memcmp(seen[i], id, 16))
			return;
	memcpy(seen[(*n)++], id, 16);
	m->stats->trace_ids++;
}

/* Leaves out, naming each, the files not of their dir's run; counts the
 * runs' distinct trace ids (dirs of several runs are merged into one
 * trace, which the tools warn of). */
static void check_trace_ids(struct merge *m)
{
	size_t kept = 0, nseen = 0;
	uint8_t (*seen)[16] = merge_grow(NULL, m->o->ndirs + 1,
					 sizeof(*seen));

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
		count_trace_id(m, seen, &nseen, run);
		merge_trace_id_hex(run, run_hex);
		for (size_t i = first; i < end; i++) {
			struct file_info *f = &m->files[i];
			char hex[33];

			if (!memcmp(f->hdr.trace_id, run, 16)) {
				m->files[kept++] = *f;
				continue;
			}
			merge_trace_id_hex(f->hdr.trace_id, hex);
			merge_damage(m, "%s: offset %zu: belongs to another "
				     "trace (id %s, the run's is %s); left out",
				     f->path,
				     offsetof(struct keke_file_header, trace_id),
				     hex, run_hex);
			free(f->path);
		}
	}
	m->nfiles = kept;
	free(seen);
}

int merge_find_files(struct merge *m)
{
	for (size_t i = 0; i < m->o->ndirs; i++)
		if (list_dir(m, i))
			return -1;
	check_trace_ids(m);
	if (m->nfiles)
		qsort(m->files, m->nfiles, sizeof(*m->files), by_dir_pid_start);
	return 0;
}
