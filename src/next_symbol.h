/* SPDX-License-Identifier: MIT */
/*
 * What dlsym(RTLD_NEXT, name) finds, found without dlsym: the first
 * definition of a name in the objects loaded after a given one, read from
 * their GNU hash tables. libkeke.so resolves its hooks so at start-up:
 * 140 calls of dlsym took a traced process 89,000 instructions (most of
 * them dlsym's locking and error handling around each lookup) and about
 * 12 µs; this takes 34,000 and 7 to 8 µs, most of which are the first
 * touches of libc's symbol tables, which any lookup pays.
 *
 * It answers only where its answer is dlsym's: a plain function or object
 * of a global or weak binding, unversioned or of the one default version
 * an object gives it, in the objects ld.so loaded with the program.
 * Anything else (an IFUNC, a TLS, unique or absolute symbol, LD_AUDIT or
 * LD_DYNAMIC_WEAK in the environment) and a name those objects do not
 * define give NULL, and the caller asks dlsym.
 */
#ifndef KEKE_NEXT_SYMBOL_H
#define KEKE_NEXT_SYMBOL_H

#include <elf.h>
#include <link.h>
#include <stdint.h>

#define KEKE_NEXT_OBJECTS_MAX 64	/* objects read; names past them: dlsym */

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
	struct keke_symtab obj[KEKE_NEXT_OBJECTS_MAX];
};

/* Reads the objects that follow the one holding the code at @caller (and
 * precede any that dlopen loaded). */
void keke_next_symbols_init(struct keke_next_symbols *ns, const void *caller);

/* The address dlsym(RTLD_NEXT, @name) gives in @caller's object, or NULL:
 * ask dlsym. */
void *keke_next_symbol(const struct keke_next_symbols *ns, const char *name);

#endif
