// SPDX-License-Identifier: MIT
/*
 * Call stacks: a process image's MODULE records say which files were
 * loaded where, its STACK records give each stack id its return
 * addresses. Each address becomes a frame of a mapping (file), symbolized
 * once for the whole merge; each stack becomes a chain of callsites,
 * shared by every stack with the same outer frames, as in Perfetto's
 * stack_profile tables. Slices carry their innermost callsite, and the
 * stack as text for the JSON.
 */
#include "merge/stacks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "merge/symbolize.h"

#define STACK_TEXT_MAX 8192

struct module {
	int64_t mapping;
	char *path;
	uint64_t base, start, end;
};

struct image_stacks {
	struct module *modules;
	size_t nmodules;
	struct idmap ids;	/* stack id -> index in stacks */
	struct stack {
		int64_t callsite;
		char *text;
	} *stacks;
	size_t nstacks;
};

/* What the whole merge shares: files, frames and callsites seen. */
struct stack_tables {
	struct symbolizer *symbolizer;
	struct idmap mappings;	/* hash of path and start -> mapping id */
	struct idmap frames;	/* hash of mapping, rel_pc -> frame id */
	struct idmap callsites;	/* hash of parent, frame -> callsite id */
	int64_t nmappings, nframes, ncallsites;
	/* the text of each frame, by frame id - 1, for the JSON */
	char **frame_text;
};

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static struct stack_tables *tables(struct merge *m)
{
	struct stack_tables *t = m->stacks;

	if (t)
		return t;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->symbolizer = keke_symbolizer_new();
	idmap_init(&t->mappings);
	idmap_init(&t->frames);
	idmap_init(&t->callsites);
	m->stacks = t;
	return t;
}

void merge_stacks_free(struct merge *m)
{
	struct stack_tables *t = m->stacks;

	if (!t)
		return;
	for (int64_t i = 0; i < t->nframes; i++)
		free(t->frame_text[i]);
	free(t->frame_text);
	keke_symbolizer_free(t->symbolizer);
	idmap_free(&t->mappings);
	idmap_free(&t->frames);
	idmap_free(&t->callsites);
	free(t);
	m->stacks = NULL;
}

void merge_image_stacks_free(struct image *im)
{
	struct image_stacks *s = im->stacks;

	if (!s)
		return;
	for (size_t i = 0; i < s->nmodules; i++)
		free(s->modules[i].path);
	for (size_t i = 0; i < s->nstacks; i++)
		free(s->stacks[i].text);
	free(s->modules);
	free(s->stacks);
	idmap_free(&s->ids);
	free(s);
	im->stacks = NULL;
}

static struct image_stacks *image_stacks(struct image *im)
{
	if (!im->stacks) {
		im->stacks = calloc(1, sizeof(*im->stacks));
		if (im->stacks)
			idmap_init(&im->stacks->ids);
	}
	return im->stacks;
}

int merge_module_record(struct merge *m, struct image *im,
			const struct keke_record *rec)
{
	const struct keke_field *path = keke_record_str(rec, KEKE_KEY_PATH);
	const struct keke_field *id = keke_record_str(rec, KEKE_KEY_BUILD_ID);
	struct image_stacks *s = image_stacks(im);
	struct stack_tables *t = tables(m);
	struct module mod = {
		.base = (uint64_t)keke_record_int(rec, KEKE_KEY_BASE, 0),
		.start = (uint64_t)keke_record_int(rec, KEKE_KEY_START, 0),
		.end = (uint64_t)keke_record_int(rec, KEKE_KEY_END, 0),
	};
	char hex[2 * 64 + 1] = "";
	int64_t mapping;

	if (!s || !t || !path)
		return 0;
	for (size_t i = 0; i < s->nmodules; i++)
		if (s->modules[i].start == mod.start)
			return 0;	/* recorded again after a dlopen */
	mod.path = merge_memdup(path->s, path->len);
	for (uint32_t i = 0; id && i < id->len && i < 64; i++)
		snprintf(hex + 2 * i, 3, "%02x", (uint8_t)id->s[i]);
	uint64_t key = mix(hash_str(mod.path), hash_str(hex));
	if (!idmap_get(&t->mappings, key, &mapping)) {
		mapping = ++t->nmappings;
		idmap_put(&t->mappings, key, mapping);
		struct keke_mapping out = {
			.id = mapping,
			.name = mod.path,
			.build_id = hex,
			.start = (int64_t)mod.start,
			.end = (int64_t)mod.end,
			.load_bias = (int64_t)mod.base,
		};
		if (EACH_SINK(m, mapping, &out)) {
			free(mod.path);
			return -1;
		}
	}
	mod.mapping = mapping;
	s->modules = merge_grow(s->modules, s->nmodules + 1,
				sizeof(*s->modules));
	s->modules[s->nmodules++] = mod;
	return 0;
}

static const struct module *module_at(const struct image_stacks *s,
				      uint64_t pc)
{
	for (size_t i = 0; i < s->nmodules; i++)
		if (pc >= s->modules[i].start && pc < s->modules[i].end)
			return &s->modules[i];
	return NULL;
}

/* The frame of @pc (made and sent the first time), or 0. */
static int64_t frame_of(struct merge *m, struct stack_tables *t,
			const struct image_stacks *s, uint64_t pc)
{
	const struct module *mod = module_at(s, pc);
	uint64_t rel = mod ? pc - mod->base : pc;
	uint64_t key = mix((uint64_t)(mod ? mod->mapping : 0), rel);
	struct keke_symbol sym;
	char text[1024];
	int64_t id;

	if (idmap_get(&t->frames, key, &id))
		return id;
	if (!mod || keke_symbolize(t->symbolizer, mod->path, rel, true,
				   &sym) != 0)
		memset(&sym, 0, sizeof(sym));
	id = ++t->nframes;
	idmap_put(&t->frames, key, id);
	if (sym.function[0] && sym.file[0])
		snprintf(text, sizeof(text), "%s (%s:%d)", sym.function,
			 sym.file, sym.line);
	else if (sym.function[0])
		snprintf(text, sizeof(text), "%s (%s)", sym.function,
			 mod ? merge_basename(mod->path) : "?");
	else
		snprintf(text, sizeof(text), "%s+%#llx",
			 mod ? merge_basename(mod->path) : "?",
			 (unsigned long long)rel);
	t->frame_text = merge_grow(t->frame_text, (size_t)t->nframes,
				   sizeof(*t->frame_text));
	t->frame_text[id - 1] = merge_memdup(text, strlen(text));
	struct keke_frame out = {
		.id = id,
		.mapping = mod ? mod->mapping : 0,
		.rel_pc = (int64_t)rel,
		.name = sym.function[0] ? sym.function : NULL,
		.source_file = sym.file[0] ? sym.file : NULL,
		.line = sym.line,
	};
	return EACH_SINK(m, frame, &out) ? -1 : id;
}

/* The callsite of @frame below @parent (made and sent the first time). */
static int64_t callsite_of(struct merge *m, struct stack_tables *t,
			   int64_t parent, int depth, int64_t frame)
{
	uint64_t key = mix((uint64_t)parent, (uint64_t)frame);
	int64_t id;

	if (idmap_get(&t->callsites, key, &id))
		return id;
	id = ++t->ncallsites;
	idmap_put(&t->callsites, key, id);
	struct keke_callsite out = {
		.id = id,
		.depth = depth,
		.parent_id = parent,
		.frame_id = frame,
	};
	return EACH_SINK(m, callsite, &out) ? -1 : id;
}

int merge_stack_record(struct merge *m, struct image *im,
		       const struct keke_record *rec)
{
	const struct keke_field *pcs = keke_record_str(rec, KEKE_KEY_STACK);
	struct image_stacks *s = image_stacks(im);
	struct stack_tables *t = tables(m);
	int64_t id = keke_record_int(rec, KEKE_KEY_STACK_ID, 0), parent = 0;
	size_t n, used = 0;
	char *text;

	if (!s || !t || !pcs || !id)
		return 0;
	n = pcs->len / sizeof(uint64_t);
	text = malloc(STACK_TEXT_MAX);
	if (!text)
		return 0;
	text[0] = '\0';
	/* Recorded innermost first; callsites go from the outermost. */
	for (size_t i = n; i-- > 0;) {
		uint64_t pc;
		int64_t frame;

		memcpy(&pc, pcs->s + i * sizeof(pc), sizeof(pc));
		frame = frame_of(m, t, s, pc);
		if (frame < 0 ||
		    (parent = callsite_of(m, t, parent, (int)(n - 1 - i),
					  frame)) < 0) {
			free(text);
			return -1;
		}
	}
	/* The text, innermost first, one frame a line. */
	for (size_t i = 0; i < n && used < STACK_TEXT_MAX - 1; i++) {
		uint64_t pc;
		int64_t frame;

		memcpy(&pc, pcs->s + i * sizeof(pc), sizeof(pc));
		frame = frame_of(m, t, s, pc);
		used += (size_t)snprintf(text + used, STACK_TEXT_MAX - used,
					 "%s%s", i ? "\n" : "",
					 t->frame_text[frame - 1]);
	}
	s->stacks = merge_grow(s->stacks, s->nstacks + 1, sizeof(*s->stacks));
	s->stacks[s->nstacks] = (struct stack){ parent, text };
	idmap_put(&s->ids, (uint64_t)id, (int64_t)s->nstacks++);
	return 0;
}

void merge_slice_stack(const struct image *im, int64_t stack_id,
		       struct keke_slice *slice)
{
	const struct image_stacks *s = im->stacks;
	int64_t idx;

	if (!s || !idmap_get(&s->ids, (uint64_t)stack_id, &idx))
		return;
	slice->stack_id = s->stacks[idx].callsite;
	slice->stack = s->stacks[idx].text;
}
