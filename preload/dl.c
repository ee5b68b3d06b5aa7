// SPDX-License-Identifier: MIT
/*
 * The dl family: dlopen and dlclose, with the path asked for, the file
 * that was loaded and its load address (the module list that symbolizing
 * stacks needs).
 *
 * glibc's dlopen looks at who called it: a bare name ("libfoo.so.1") is
 * searched along the caller's RUNPATH or RPATH, "$ORIGIN" means the
 * caller's directory, and the caller's link-map namespace receives the
 * object. Called from this library, the caller would be libkeke.so, so
 * the hook does what glibc would have done for the real caller: an object
 * already loaded is found by name (RTLD_NOLOAD), a bare name is looked up
 * in LD_LIBRARY_PATH and the caller's RUNPATH (or in its RPATH), $ORIGIN
 * is expanded, and a caller in another namespace gets dlmopen. What is
 * left (the cache, the default dirs, $LIB, $PLATFORM) does not depend on
 * the caller.
 */
#include <elf.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/syscall.h>

#include "hook.h"

/* The object holding @addr, or NULL. */
static struct link_map *map_of(const void *addr)
{
	struct link_map *lm = NULL;
	Dl_info info;

	if (addr && dladdr1(addr, &info, (void **)&lm, RTLD_DL_LINKMAP))
		return lm;
	return NULL;
}

/* The object holding @addr, or the main program (as glibc assumes). */
static struct link_map *caller_map(const void *addr)
{
	struct link_map *lm = map_of(addr);

	return lm ? lm : map_of((const void *)getauxval(AT_ENTRY));
}

/* The string of dynamic entry @tag of @lm (DT_RUNPATH, DT_RPATH), or NULL. */
static const char *dyn_string(const struct link_map *lm, ElfW(Sxword) tag)
{
	uintptr_t strtab = 0, off = 0;
	bool found = false;

	for (const ElfW(Dyn) *d = lm->l_ld; d && d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_STRTAB) {
			strtab = d->d_un.d_ptr;
		} else if (d->d_tag == tag) {
			off = d->d_un.d_val;
			found = true;
		}
	}
	if (!found || !strtab)
		return NULL;
	/* ld.so relocates DT_STRTAB in place where the section is writable;
	 * elsewhere it is still an offset from the load address. */
	if (strtab < lm->l_addr)
		strtab += lm->l_addr;
	return (const char *)strtab + off;
}

/* The directory of object @lm into @buf (PATH_MAX): "" when unknown. */
static void origin_of(const struct link_map *lm, char *buf)
{
	const char *name = lm->l_name;
	size_t len = 0;
	char *slash;

	buf[0] = '\0';
	if (name && name[0] == '/') {
		len = strnlen(name, PATH_MAX - 1);
		memcpy(buf, name, len);
	} else {
		long n = syscall(SYS_readlinkat, AT_FDCWD, "/proc/self/exe",
				 buf, PATH_MAX - 1);

		len = n > 0 ? (size_t)n : 0;
	}
	buf[len] = '\0';
	slash = strrchr(buf, '/');
	if (!slash)
		buf[0] = '\0';
	else
		*(slash == buf ? slash + 1 : slash) = '\0';
}

/*
 * Copies [@s, @s + @n) into @out (PATH_MAX bytes) with $ORIGIN and
 * ${ORIGIN} replaced by @origin. Returns false when it does not fit, the
 * origin is unknown, or another token ($LIB, $PLATFORM) is left, which
 * the caller does not decide.
 */
static bool expand_origin(const char *s, size_t n, const char *origin,
			  char *out)
{
	size_t used = 0, olen = strlen(origin);

	for (size_t i = 0; i < n;) {
		size_t skip = 0;

		if (s[i] == '$' && n - i >= 7 && !memcmp(s + i, "$ORIGIN", 7))
			skip = 7;
		else if (s[i] == '$' && n - i >= 9 &&
			 !memcmp(s + i, "${ORIGIN}", 9))
			skip = 9;
		else if (s[i] == '$')
			return false;
		if (skip) {
			if (!olen || used + olen >= PATH_MAX)
				return false;
			memcpy(out + used, origin, olen);
			used += olen;
			i += skip;
			continue;
		}
		if (used + 1 >= PATH_MAX)
			return false;
		out[used++] = s[i++];
	}
	out[used] = '\0';
	return true;
}

/* Whether @path is an ELF object of this process's class and machine
 * (glibc skips others while it searches). Raw syscalls: no hook sees them.
 * Only a regular file is opened: a FIFO would wait for a writer, a device
 * may act on being opened (see classify in proc/exec.c). */
static bool loadable(const char *path)
{
	ElfW(Ehdr) eh;
	const ElfW(Ehdr) *self = (const void *)getauxval(AT_SYSINFO_EHDR);
	Dl_info info;
	struct stat st;
	long fd, n = -1;

	if (dladdr((void *)loadable, &info) && info.dli_fbase)
		self = info.dli_fbase;
	if (syscall(SYS_newfstatat, AT_FDCWD, path, &st, 0) != 0 ||
	    !S_ISREG(st.st_mode))
		return false;
	fd = syscall(SYS_openat, AT_FDCWD, path,
		     O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return false;
	if (syscall(SYS_fstat, fd, &st) == 0 && S_ISREG(st.st_mode))
		n = syscall(SYS_read, fd, &eh, sizeof(eh));
	syscall(SYS_close, fd);
	return n == (long)sizeof(eh) && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	       (!self || (eh.e_ident[EI_CLASS] == self->e_ident[EI_CLASS] &&
			  eh.e_machine == self->e_machine));
}

/*
 * Looks for @name in the dirs of @list (colon separated, "$ORIGIN" taken
 * as @origin) and writes the first loadable dir/name into @out.
 * Returns whether one was found.
 */
static bool search(const char *list, const char *name, const char *origin,
		   char *out)
{
	char dir[PATH_MAX];
	size_t name_len = strlen(name);

	for (const char *p = list; p;) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		/* An empty entry is the working directory. */
		if (!n ? (strcpy(dir, "."), true) :
			 expand_origin(p, n, origin, dir)) {
			size_t dlen = strlen(dir);

			if (dlen + 1 + name_len < PATH_MAX) {
				memcpy(out, dir, dlen);
				out[dlen] = '/';
				memcpy(out + dlen + 1, name, name_len + 1);
				if (loadable(out))
					return true;
			}
		}
		p = end ? end + 1 : NULL;
	}
	return false;
}

/* dlopen in namespace @lmid (LM_ID_BASE: plain dlopen). */
static void *open_in(Lmid_t lmid, const char *path, int flags)
{
	if (lmid != LM_ID_BASE)
		return dlmopen(lmid, path, flags);
	return KEKE_HOOK_REAL(dlopen)(path, flags);
}

/* dlopen(@path, @flags) as if called from @caller (see the top of this
 * file). */
static void *open_as(const void *caller, const char *path, int flags)
{
	char origin[PATH_MAX], found[PATH_MAX];
	struct link_map *lm;
	Lmid_t lmid = LM_ID_BASE;
	const char *runpath, *rpath;
	bool bare;
	void *h;

	if (!path || (strchr(path, '/') && !strchr(path, '$')))
		return KEKE_HOOK_REAL(dlopen)(path, flags);
	lm = caller_map(caller);
	if (!lm)
		return KEKE_HOOK_REAL(dlopen)(path, flags);
	if (dlinfo(lm, RTLD_DI_LMID, &lmid) != 0)
		lmid = LM_ID_BASE;
	origin_of(lm, origin);
	bare = !strchr(path, '/');
	if (!bare) {
		/* A path with $ORIGIN: the caller's directory. */
		if (getauxval(AT_SECURE) ||
		    !expand_origin(path, strlen(path), origin, found))
			return open_in(lmid, path, flags);
		return open_in(lmid, found, flags);
	}
	h = open_in(lmid, path, flags | RTLD_NOLOAD);
	if (h)
		return h;
	runpath = dyn_string(lm, DT_RUNPATH);
	rpath = runpath ? NULL : dyn_string(lm, DT_RPATH);
	if (runpath) {
		const char *env = getauxval(AT_SECURE) ? NULL :
				  getenv("LD_LIBRARY_PATH");

		if (env && *env && search(env, path, origin, found))
			return open_in(lmid, found, flags);
		if (search(runpath, path, origin, found))
			return open_in(lmid, found, flags);
	} else if (rpath && search(rpath, path, origin, found)) {
		return open_in(lmid, found, flags);
	}
	return open_in(lmid, path, flags);
}

/* dlopen: the path asked for, the flags, the file loaded and its load
 * address (a handle is a link map, in glibc), 0 or -1 (dlerror has why;
 * errno does not). */
static void record_dlopen(uint64_t t0, uint64_t dur, const char *path,
			  int flags, void *h)
{
	const struct link_map *lm = h;
	const char *module = lm && lm->l_name && lm->l_name[0] ?
			     lm->l_name : NULL;
	size_t path_len = keke_strlen(path), module_len = keke_strlen(module);
	struct keke_rec r;

	if (!keke_slice_begin(&r, KEKE_CALL_DLOPEN, 0, t0, dur,
			      KEKE_REC_MAX_LEN(4,
					       KEKE_STR_MAX_LEN(path_len) +
					       KEKE_STR_MAX_LEN(module_len))))
		return;
	keke_rec_cstr(&r, KEKE_KEY_PATH, path, path_len);
	keke_rec_int(&r, KEKE_KEY_FLAGS, flags);
	keke_rec_cstr(&r, KEKE_KEY_MODULE, module, module_len);
	if (lm)
		keke_rec_int(&r, KEKE_KEY_BASE, (int64_t)lm->l_addr);
	keke_rec_int(&r, KEKE_KEY_RESULT, h ? 0 : -1);
	keke_rec_commit(&r);
}

/* Not inlined: the caller is this function's return address. */
KEKE_EXPORT __attribute__((noinline)) void *dlopen(const char *path,
						   int flags)
{
	const void *caller = __builtin_extract_return_addr(
		__builtin_return_address(0));
	uint64_t t0, dur;
	void *h;
	int err;

	if (!keke_hook_on(KEKE_FAMILY_BIT_DL))
		return open_as(caller, path, flags);
	t0 = keke_now();
	h = open_as(caller, path, flags);
	err = errno;
	dur = keke_now() - t0;
	if (keke_hook_keep(KEKE_CALL_DLOPEN, dur))
		record_dlopen(t0, dur, path, flags, h);
	if (h)
		keke_modules_record();	/* for stacks, when they are on */
	errno = err;
	return h;
}

/* Longest module path recorded for dlclose. */
#define CLOSE_PATH_MAX 1024

KEKE_EXPORT int dlclose(void *handle)
{
	keke_dlclose_fn *real = KEKE_HOOK_REAL(dlclose);
	const struct link_map *lm = handle;
	char path[CLOSE_PATH_MAX];
	size_t len = 0;
	uint64_t t0, dur;
	int rc, err;

	if (!keke_hook_on(KEKE_FAMILY_BIT_DL))
		return real(handle);
	/* The link map may be gone after the call. (A NULL or bad handle
	 * crashes here as it would in glibc's dlclose.) */
	if (lm->l_name) {
		len = strnlen(lm->l_name, sizeof(path));
		memcpy(path, lm->l_name, len);
	}
	t0 = keke_now();
	rc = real(handle);
	err = errno;
	dur = keke_now() - t0;
	if (!rc)
		keke_modules_record();
	if (keke_hook_keep(KEKE_CALL_DLCLOSE, dur)) {
		struct keke_rec r;

		if (keke_slice_begin(&r, KEKE_CALL_DLCLOSE, 0, t0, dur,
				     KEKE_REC_MAX_LEN(2,
						      KEKE_STR_MAX_LEN(len)))) {
			if (len)
				keke_rec_str(&r, KEKE_KEY_PATH, path, len);
			keke_rec_int(&r, KEKE_KEY_RESULT, rc);
			keke_rec_commit(&r);
		}
	}
	errno = err;
	return rc;
}
