// SPDX-License-Identifier: MIT
/*
 * RTLD_NEXT searches the program's global scope after the caller: the
 * program, the preloaded libraries, then the libraries they need, breadth
 * first. ld.so loads them in that order and keeps its list of loaded
 * objects (link_map.l_next) in it, so at start-up, before any dlopen, the
 * objects after libkeke.so in that list are those dlsym would search. The
 * one exception is the vDSO, which is in the list (second, after the
 * program) but not in the scope.
 *
 * A lookup follows the GNU hash scheme ld.so uses: a Bloom filter that
 * rules most objects out in a few instructions, a bucket, then a chain of
 * hashes to compare before any name is.
 */
#include "next_symbol.h"

#include <string.h>
#include <sys/auxv.h>

#include "once.h"

#define BLOOM_BITS (8 * sizeof(ElfW(Addr)))

/* A .dynamic address: ld.so makes them absolute when it loads an object,
 * but leaves offsets from its base in a .dynamic that is read-only (as
 * the vDSO's, and some architectures' every one). */
static KEKE_ONCE const void *dyn_ptr(const struct link_map *l, ElfW(Addr) p)
{
	return (const void *)(p < l->l_addr ? p + l->l_addr : p);
}

/* Reads @l's symbol tables into @t. Returns false when it has no GNU hash
 * table (or no symbols). */
static KEKE_ONCE bool read_object(const struct link_map *l,
				  struct keke_symtab *t)
{
	*t = (struct keke_symtab){ .base = l->l_addr };
	for (const ElfW(Dyn) *d = l->l_ld; d && d->d_tag != DT_NULL; d++) {
		switch (d->d_tag) {
		case DT_SYMTAB:
			t->syms = dyn_ptr(l, d->d_un.d_ptr);
			break;
		case DT_STRTAB:
			t->names = dyn_ptr(l, d->d_un.d_ptr);
			break;
		case DT_GNU_HASH:
			t->gnu_hash = dyn_ptr(l, d->d_un.d_ptr);
			break;
		case DT_VERSYM:
			t->versions = dyn_ptr(l, d->d_un.d_ptr);
			break;
		}
	}
	return t->syms && t->names && t->gnu_hash;
}

KEKE_ONCE void keke_next_symbols_init(struct keke_next_symbols *ns,
				      const struct link_map *self)
{
	ElfW(Addr) vdso = getauxval(AT_SYSINFO_EHDR);

	ns->n = 0;
	ns->unsure = !self;
	for (const struct link_map *l = self ? self->l_next : NULL; l;
	     l = l->l_next) {
		if (vdso && l->l_addr == vdso)
			continue;
		if (ns->n == KEKE_NEXT_OBJECTS_MAX ||
		    !read_object(l, &ns->obj[ns->n])) {
			ns->unsure = true;
			return;
		}
		ns->n++;
	}
}

static KEKE_ONCE uint32_t gnu_hash(const char *name)
{
	uint32_t h = 5381;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = h * 33 + *c;
	return h;
}

enum match { NO, YES, UNSURE };

/* Whether symbol @i of @t is the definition dlsym takes for @name. */
static KEKE_ONCE enum match matches(const struct keke_symtab *t, uint32_t i,
				    const char *name)
{
	const ElfW(Sym) *s = &t->syms[i];
	/* ELF32_ST_TYPE and _BIND are the same macros. */
	unsigned type = ELF64_ST_TYPE(s->st_info);
	unsigned bind = ELF64_ST_BIND(s->st_info);

	if (s->st_shndx == SHN_UNDEF || strcmp(t->names + s->st_name, name))
		return NO;
	/* A version other than the default one is for old binaries. */
	if (t->versions && (t->versions[i] & 0x7fff) >= 2 &&
	    (t->versions[i] & 0x8000))
		return NO;
	if ((type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) ||
	    (bind != STB_GLOBAL && bind != STB_WEAK) || !s->st_value)
		return UNSURE;
	return YES;
}

/* Looks @name (hash @h) up in @t: sets *@fn when found. */
static KEKE_ONCE enum match find_in(const struct keke_symtab *t,
				    const char *name, uint32_t h, void **fn)
{
	const uint32_t *ht = t->gnu_hash;
	uint32_t nbuckets = ht[0], first = ht[1], nbloom = ht[2];
	uint32_t shift = ht[3];
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)(ht + 4);
	const uint32_t *buckets = (const uint32_t *)(bloom + nbloom);
	const uint32_t *chain = buckets + nbuckets;

	if (!nbuckets || !nbloom)
		return NO;
	ElfW(Addr) word = bloom[(h / BLOOM_BITS) % nbloom];
	ElfW(Addr) bits = (ElfW(Addr))1 << (h % BLOOM_BITS) |
			  (ElfW(Addr))1 << ((h >> shift) % BLOOM_BITS);

	if ((word & bits) != bits)
		return NO;
	uint32_t i = buckets[h % nbuckets];

	if (i < first)
		return NO;
	for (;; i++) {
		uint32_t hi = chain[i - first];

		if ((hi | 1) == (h | 1)) {
			enum match m = matches(t, i, name);

			if (m == YES)
				*fn = (void *)(t->base + t->syms[i].st_value);
			if (m != NO)
				return m;
		}
		if (hi & 1)
			return NO;
	}
}

KEKE_ONCE void *keke_next_symbol(const struct keke_next_symbols *ns,
				 const char *name)
{
	uint32_t h = gnu_hash(name);
	void *fn = NULL;

	if (ns->unsure)
		return NULL;
	for (unsigned k = 0; k < ns->n; k++)
		if (find_in(&ns->obj[k], name, h, &fn) != NO)
			return fn;
	return NULL;
}
