/* SPDX-License-Identifier: MIT */
/*
 * What dlsym(RTLD_NEXT, name) finds, found without dlsym: the first
 * definition of a name in the objects loaded after a given one, read from
 * their GNU hash tables. libkeke.so resolves its hooks so at start-up:
 * 140 calls of dlsym took a traced process 89,000 instructions (most of
 * them dlsym's locking and error handling around each lookup) and about
 * 12 µs; this takes 31,000 and about 8 µs, most of which are the first
 * touches of libc's symbol tables, which any lookup pays.
 *
 * It answers only where its answer is dlsym's: a plain function or object
 * of a global or weak binding, of no version or of its default version.
 * Anything else (an object without a GNU hash table, an IFUNC, a TLS or a
 * unique symbol, too many objects) and a name no object defines give NULL,
 * and the caller asks dlsym.
 */
#ifndef KEKE_NEXT_SYMBOL_H
#define KEKE_NEXT_SYMBOL_H

#include <elf.h>
#include <link.h>
#include <stdbool.h>

#define KEKE_NEXT_OBJECTS_MAX 64	/* objects read; more: dlsym */

/* The dynamic symbols of one loaded object. */
struct keke_symtab {
	ElfW(Addr) base;
	const ElfW(Sym) *syms;
	const char *names;
	const uint32_t *gnu_hash;
	const ElfW(Versym) *versions;	/* NULL: unversioned */
};

struct keke_next_symbols {
	unsigned n;
	bool unsure;		/* some object cannot be read: all to dlsym */
	struct keke_symtab obj[KEKE_NEXT_OBJECTS_MAX];
};

/* Reads the objects that follow @self in load order. */
void keke_next_symbols_init(struct keke_next_symbols *ns,
			    const struct link_map *self);

/* The address dlsym(RTLD_NEXT, @name) gives from @self, or NULL: ask
 * dlsym. */
void *keke_next_symbol(const struct keke_next_symbols *ns, const char *name);

#endif
