/* SPDX-License-Identifier: MIT */
/*
 * What dlsym(RTLD_NEXT, name) finds, found without dlsym: the first
 * definition of a name in the objects loaded after a given one, read from
 * their GNU hash tables. libkeke.so resolves its hooks so, each on its
 * first call: a lookup is a fraction of dlsym's, most of which is its
 * locking and error handling (docs/performance.md), and it takes no lock
 * and allocates nothing, so a first call may come in a signal handler.
 * Resolving each hook on its first call rather than all at start-up, a
 * process pays for the names it calls, not for every hook.
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
	const char *caller_name;	/* its object's, as ld.so has it */
	unsigned n;
	struct keke_symtab obj[KEKE_NEXT_OBJECTS_MAX];
};

/* Reads the objects that follow the one holding the code at @caller (and
 * precede any that dlopen loaded), and that object's name (dladdr's
 * dli_fname; NULL when the walk was not made). */
void keke_next_symbols_init(struct keke_next_symbols *ns, const void *caller);

/* The address dlsym(RTLD_NEXT, @name) gives in @caller's object, or NULL:
 * ask dlsym. */
void *keke_next_symbol(const struct keke_next_symbols *ns, const char *name);

#endif
