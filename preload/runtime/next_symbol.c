// SPDX-License-Identifier: MIT
/*
 * RTLD_NEXT searches the program's global scope after the caller: the
 * program, the preloaded libraries, then the libraries they need, breadth
 * first. ld.so loads them in that order and lists its objects
 * (dl_iterate_phdr) in it, so the objects after the caller's in that list
 * are those dlsym would search, with two exceptions: the vDSO is listed
 * but not in the scope, and an object a constructor dlopen'ed before
 * keke's start-up is listed after them, in the scope or not. ld.so comes
 * after libc (it is libc's dependency), so the walk stops there: a name
 * not found by then, which no hooked name is, goes to dlsym.
 *
 * Within an object the lookup follows the GNU hash scheme and glibc's
 * rules for dlsym: an unversioned definition wins; else the only default
 * version does (two make none); hidden versions, which are for old
 * binaries, never do.
 */
#include "runtime/next_symbol.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "record/once.h"

#define BLOOM_BITS (8 * sizeof(ElfW(Addr)))
#define VERSION_HIDDEN 0x8000
#define VERSION_INDEX 0x7fff	/* 0 local, 1 global: unversioned */

/* Whether @addr lies in one of @info's loaded segments. */
static KEKE_ONCE bool in_object(const struct dl_phdr_info *info,
				ElfW(Addr) addr)
{
	for (ElfW(Half) k = 0; k < info->dlpi_phnum; k++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[k];
		ElfW(Addr) start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type == PT_LOAD && addr >= start &&
		    addr - start < ph->p_memsz)
			return true;
	}
	return false;
}

/*
 * Reads @info's symbol tables into @t. ld.so makes the .dynamic addresses
 * of an object absolute when it loads it, unless the object sits at its
 * link address or its .dynamic is read-only (then they stay offsets from
 * the base). Returns false when a table is missing or lies outside the
 * object.
 */
static KEKE_ONCE bool read_object(const struct dl_phdr_info *info,
				  struct keke_symtab *t)
{
	const ElfW(Dyn) *dyn = NULL;
	bool absolute = false;

	for (ElfW(Half) k = 0; k < info->dlpi_phnum; k++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[k];

		if (ph->p_type == PT_DYNAMIC) {
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr +
						   ph->p_vaddr);
			absolute = info->dlpi_addr && (ph->p_flags & PF_W);
		}
	}
	*t = (struct keke_symtab){ .base = info->dlpi_addr };
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		const void *p = (const void *)(dyn->d_un.d_ptr +
					       (absolute ? 0 : info->dlpi_addr));

		switch (dyn->d_tag) {
		case DT_SYMTAB:
			t->syms = p;
			break;
		case DT_STRTAB:
			t->names = p;
			break;
		case DT_GNU_HASH:
			t->gnu_hash = p;
			break;
		case DT_VERSYM:
			t->versions = p;
			break;
		}
	}
	return t->syms && t->names && t->gnu_hash &&
	       in_object(info, (ElfW(Addr))t->syms) &&
	       in_object(info, (ElfW(Addr))t->names) &&
	       in_object(info, (ElfW(Addr))t->gnu_hash) &&
	       (!t->versions || in_object(info, (ElfW(Addr))t->versions));
}

/* The walk over ld.so's list of objects. */
struct walk {
	struct keke_next_symbols *ns;
	ElfW(Addr) caller;
	ElfW(Addr) vdso_phdr;	/* where the vDSO's program headers are */
	ElfW(Addr) ldso_base;
	bool after_caller;
};

static KEKE_ONCE int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct walk *w = arg;
	struct keke_next_symbols *ns = w->ns;

	(void)size;
	if (!w->after_caller) {
		w->after_caller = in_object(info, w->caller);
		if (w->after_caller)
			ns->caller_name = info->dlpi_name;
		return 0;
	}
	if ((ElfW(Addr))info->dlpi_phdr == w->vdso_phdr)
		return 0;
	if (ns->n == KEKE_NEXT_OBJECTS_MAX ||
	    !read_object(info, &ns->obj[ns->n]))
		return 1;
	ns->n++;
	return info->dlpi_addr == w->ldso_base;
}

KEKE_ONCE void keke_next_symbols_init(struct keke_next_symbols *ns,
				      const void *caller)
{
	ElfW(Addr) vdso = getauxval(AT_SYSINFO_EHDR);
	struct walk w = {
		.ns = ns,
		.caller = (ElfW(Addr))caller,
		.vdso_phdr = vdso ? vdso + ((const ElfW(Ehdr) *)vdso)->e_phoff :
				    0,
		.ldso_base = getauxval(AT_BASE),
	};

	ns->n = 0;
	ns->caller_name = NULL;
	/* Either changes what dlsym answers. */
	if (getenv("LD_AUDIT") || getenv("LD_DYNAMIC_WEAK"))
		return;
	dl_iterate_phdr(visit, &w);
}

static KEKE_ONCE uint32_t gnu_hash(const char *name)
{
	uint32_t h = 5381;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = h * 33 + *c;
	return h;
}

/* Whether glibc's lookup considers symbol @s at all (check_match). */
static KEKE_ONCE bool candidate(const ElfW(Sym) *s)
{
	/* ELF32_ST_TYPE is the same macro. */
	unsigned type = ELF64_ST_TYPE(s->st_info);

	if (!s->st_value && type != STT_TLS)
		return false;
	return type == STT_NOTYPE || type == STT_OBJECT || type == STT_FUNC ||
	       type == STT_COMMON || type == STT_TLS || type == STT_GNU_IFUNC;
}

/* The index of @t's definition of @name (hash @h) that dlsym takes, or
 * 0: none. */
static KEKE_ONCE uint32_t find_in(const struct keke_symtab *t,
				  const char *name, uint32_t h)
{
	const uint32_t *ht = t->gnu_hash;
	uint32_t nbuckets = ht[0], first = ht[1], nbloom = ht[2];
	uint32_t shift = ht[3];
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)(ht + 4);
	const uint32_t *buckets = (const uint32_t *)(bloom + nbloom);
	const uint32_t *chain = buckets + nbuckets;
	uint32_t versioned = 0, nversioned = 0;

	if (!nbuckets || !nbloom)
		return 0;
	ElfW(Addr) word = bloom[(h / BLOOM_BITS) % nbloom];
	ElfW(Addr) bits = (ElfW(Addr))1 << (h % BLOOM_BITS) |
			  (ElfW(Addr))1 << ((h >> shift) % BLOOM_BITS);

	if ((word & bits) != bits)
		return 0;
	uint32_t i = buckets[h % nbuckets];

	if (i < first)
		return 0;
	for (;; i++) {
		uint32_t hi = chain[i - first];

		if ((hi | 1) == (h | 1) && candidate(&t->syms[i]) &&
		    !strcmp(t->names + t->syms[i].st_name, name)) {
			unsigned v = t->versions ? t->versions[i] : 0;

			if ((v & VERSION_INDEX) < 2)
				return i;
			if (!(v & VERSION_HIDDEN) && nversioned++ == 0)
				versioned = i;
		}
		if (hi & 1)
			break;
	}
	return nversioned == 1 ? versioned : 0;
}

/* The address of symbol @i of @t, or NULL when only dlsym can say. */
static KEKE_ONCE void *address(const struct keke_symtab *t, uint32_t i)
{
	const ElfW(Sym) *s = &t->syms[i];
	unsigned type = ELF64_ST_TYPE(s->st_info);
	unsigned bind = ELF64_ST_BIND(s->st_info);

	if ((type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE) ||
	    (bind != STB_GLOBAL && bind != STB_WEAK) ||
	    s->st_shndx == SHN_UNDEF || s->st_shndx >= SHN_LORESERVE)
		return NULL;
	return (void *)(t->base + s->st_value);
}

KEKE_ONCE void *keke_next_symbol(const struct keke_next_symbols *ns,
				 const char *name)
{
	uint32_t h = gnu_hash(name);

	for (unsigned k = 0; k < ns->n; k++) {
		uint32_t i = find_in(&ns->obj[k], name, h);

		if (i)
			return address(&ns->obj[k], i);
	}
	return NULL;
}
