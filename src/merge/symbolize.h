/* SPDX-License-Identifier: MIT */
/* Addresses in loaded files to function and file:line: see symbolize.c. */
#ifndef KEKE_SYMBOLIZE_H
#define KEKE_SYMBOLIZE_H

#include <stdbool.h>
#include <stdint.h>

struct symbolizer;

struct keke_symbol {
	char function[256];	/* "" when unknown */
	char file[512];		/* "" without debug info */
	int line;
};

struct symbolizer *keke_symbolizer_new(void);
void keke_symbolizer_free(struct symbolizer *s);

/*
 * Symbolizes @rel_pc, an address relative to the load bias of the file at
 * @path (@return_address: it points after a call). Returns 0 with what was
 * found in *out, or -1 when nothing was (*out zeroed).
 */
int keke_symbolize(struct symbolizer *s, const char *path, uint64_t rel_pc,
		   bool return_address, struct keke_symbol *out);

#endif
