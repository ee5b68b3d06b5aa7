// SPDX-License-Identifier: MIT
/*
 * Addresses to function names and source lines, with libdwfl (elfutils):
 * the symbol tables (.symtab, else .dynsym, so stripped binaries still get
 * their exported names) and, where debug info exists (in the file or in a
 * separate debug file found by build-id), file:line. One Dwfl per file,
 * kept for the whole merge: many processes run the same programs.
 */
#include "merge/symbolize.h"

#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/idmap.h"

struct symbolizer {
	struct idmap by_path;	/* hash of path -> index in files */
	struct file {
		char *path;
		Dwfl *dwfl;
		Dwfl_Module *mod;	/* NULL: the file could not be read */
	} *files;
	size_t nfiles;
};

static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

struct symbolizer *keke_symbolizer_new(void)
{
	struct symbolizer *s = calloc(1, sizeof(*s));

	if (s)
		idmap_init(&s->by_path);
	return s;
}

void keke_symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nfiles; i++) {
		if (s->files[i].dwfl)
			dwfl_end(s->files[i].dwfl);
		free(s->files[i].path);
	}
	free(s->files);
	idmap_free(&s->by_path);
	free(s);
}

static uint64_t hash_path(const char *path)
{
	uint64_t h = 1469598103934665603ull;

	for (; *path; path++)
		h = (h ^ (uint8_t)*path) * 1099511628211ull;
	return h;
}

/* The file at @path, opened once (at bias 0: addresses are relative to
 * its load bias). */
static struct file *file_of(struct symbolizer *s, const char *path)
{
	uint64_t key = hash_path(path);
	int64_t idx;
	struct file *f;

	if (idmap_get(&s->by_path, key, &idx) &&
	    !strcmp(s->files[idx].path, path))
		return &s->files[idx];
	f = realloc(s->files, (s->nfiles + 1) * sizeof(*s->files));
	if (!f)
		return NULL;
	s->files = f;
	f = &s->files[s->nfiles];
	*f = (struct file){ .path = strdup(path) };
	if (!f->path)
		return NULL;
	f->dwfl = dwfl_begin(&callbacks);
	if (f->dwfl) {
		dwfl_report_begin(f->dwfl);
		f->mod = dwfl_report_elf(f->dwfl, path, path, -1, 0, false);
		dwfl_report_end(f->dwfl, NULL, NULL);
	}
	idmap_put(&s->by_path, key, (int64_t)s->nfiles);
	return &s->files[s->nfiles++];
}

int keke_symbolize(struct symbolizer *s, const char *path, uint64_t rel_pc,
		   bool return_address, struct keke_symbol *out)
{
	struct file *f = file_of(s, path);
	/* A return address points after the call: its line is the call's. */
	GElf_Addr addr = rel_pc - (return_address && rel_pc ? 1 : 0);
	const char *name, *file;
	Dwfl_Line *line;
	int lineno = 0;

	memset(out, 0, sizeof(*out));
	if (!f || !f->mod)
		return -1;
	name = dwfl_module_addrname(f->mod, addr);
	if (name)
		snprintf(out->function, sizeof(out->function), "%s", name);
	line = dwfl_module_getsrc(f->mod, addr);
	file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) :
		      NULL;
	if (file) {
		snprintf(out->file, sizeof(out->file), "%s", file);
		out->line = lineno;
	}
	return name || file ? 0 : -1;
}
