// SPDX-License-Identifier: MIT
/*
 * The environment a traced process hands to a program it execs or spawns
 * (and the PATH search that finds that program).
 * Whatever the program passes (its environ, its own envp, an empty one from
 * env -i or execle), the child gets LD_PRELOAD with libkeke.so first (the
 * program's other preloads kept, in order), this run's KEKE_* variables,
 * and KEKE_FLOW_IN linking it to its parent's slice. Everything is built
 * in storage the caller puts on its stack: this runs between fork and
 * exec, where malloc may deadlock.
 */
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc/env.h"
#include "raw_syscall.h"
#include "runtime/text.h"

extern char **environ;

#define LD_PRELOAD_EQ "LD_PRELOAD="
#define LD_PRELOAD_EQ_LEN (sizeof(LD_PRELOAD_EQ) - 1)

static KEKE_ONCE const char *their_preload(char *const envp[])
{
	for (size_t i = 0; envp && envp[i]; i++)
		if (keke_starts_with(envp[i], LD_PRELOAD_EQ))
			return envp[i] + LD_PRELOAD_EQ_LEN;
	return "";
}

KEKE_ONCE size_t keke_env_slots(char *const envp[])
{
	size_t n = 0;

	while (envp && envp[n])
		n++;
	for (const char *const *v = keke_run_vars(); v && *v; v++)
		n++;
	return n + 3;	/* KEKE_FLOW_IN, LD_PRELOAD, NULL */
}

/* Room for KEKE_FLOW_IN: 64 bytes, and a prelude's four numbers (21
 * bytes each with its colon), a colon and its path. */
static KEKE_ONCE size_t flow_env_bytes(const struct keke_prelude_env *h)
{
	return 64 + (h ? 4 * 21 + 1 + keke_cstr_len(h->path) : 0);
}

KEKE_ONCE size_t keke_env_bytes(char *const envp[],
				const struct keke_prelude_env *h)
{
	return flow_env_bytes(h) +
	       sizeof(LD_PRELOAD_EQ) + keke_cstr_len(keke_self_path()) + 1 +
	       keke_cstr_len(their_preload(envp));
}

/* Appends @len bytes of @s as one more entry of a ':' list at *p. */
static KEKE_ONCE void add_entry(char **p, const char *list_start, const char *s,
				size_t len)
{
	if (*p != list_start)
		*(*p)++ = ':';
	keke_copy_bytes(*p, s, len);
	*p += len;
}

/* Here and in keke_search_path, loops rather than strcspn or strchr
 * (preload/runtime/text.h says why). */
static KEKE_ONCE bool is_preload_separator(char c)
{
	return c == ':' || c == ' ';
}

/*
 * Writes "LD_PRELOAD=" + libkeke.so (when @ours) + the program's other
 * preloads into @buf. Returns false when the list is empty.
 */
static KEKE_ONCE bool build_preload(char *buf, const char *theirs, bool ours)
{
	const char *self = keke_self_path();
	char *p = buf + LD_PRELOAD_EQ_LEN;
	char *list = p;

	keke_copy_bytes(buf, LD_PRELOAD_EQ, LD_PRELOAD_EQ_LEN);
	if (ours && *self)
		add_entry(&p, list, self, keke_cstr_len(self));
	/* ld.so splits LD_PRELOAD at spaces and colons. */
	while (*theirs) {
		size_t len = 0;

		while (theirs[len] && !is_preload_separator(theirs[len]))
			len++;
		if (len && !(len == keke_cstr_len(self) &&
			     keke_same_bytes(theirs, self, len)))
			add_entry(&p, list, theirs, len);
		theirs += len;
		while (is_preload_separator(*theirs))
			theirs++;
	}
	*p = '\0';
	return p != list;
}

KEKE_ONCE void keke_env_build(char **out, char *buf, char *const envp[],
			      int ppid, uint64_t flow,
			      const struct keke_prelude_env *h, bool preload)
{
	const char *theirs = their_preload(envp);
	size_t n = 0;

	for (size_t i = 0; envp && envp[i]; i++)
		if (!keke_starts_with(envp[i], LD_PRELOAD_EQ) &&
		    !keke_starts_with(envp[i], "KEKE_"))
			out[n++] = envp[i];
	for (const char *const *v = keke_run_vars(); v && *v; v++)
		out[n++] = (char *)*v;
	if (flow) {
		int len = keke_flow_env(buf, flow_env_bytes(h), ppid, flow, h);

		out[n++] = buf;
		buf += len + 1;
	}
	if (build_preload(buf, theirs, preload))
		out[n++] = buf;
	out[n] = NULL;
}

/* Finds @file the way execvp does, into @buf; returns @file itself when it
 * has a slash or is not found. */
KEKE_ONCE const char *keke_search_path(const char *file, char *buf,
				       size_t size)
{
	const char *path = NULL;

	/* not getenv, for the reason above */
	for (char **e = environ; e && *e && !path; e++)
		if (keke_starts_with(*e, "PATH="))
			path = *e + 5;

	for (const char *c = file; *c; c++)
		if (*c == '/')
			return file;
	if (!*file)
		return file;
	if (!path)
		path = "/bin:/usr/bin";
	while (*path) {
		size_t len = 0;

		while (path[len] && path[len] != ':')
			len++;
		struct keke_text t = keke_text_start(buf, size);

		/* "dir/file", or "file" for an empty entry (the cwd) */
		keke_text_add_n(&t, path, len);
		if (len)
			keke_text_add(&t, "/");
		keke_text_add(&t, file);
		if (t.ok && keke_raw_syscall(SYS_access, (long)buf, X_OK, 0,
					     0) == 0)
			return buf;
		path += len;
		path += *path == ':';
	}
	return file;
}

/* Whether the LD_PRELOAD variable @var names libkeke.so. */
static KEKE_ONCE bool preloads_self(const char *var)
{
	const char *self = keke_self_path();
	size_t self_len = keke_cstr_len(self);
	const char *s = var + LD_PRELOAD_EQ_LEN;

	while (self_len && *s) {
		size_t len = 0;

		while (s[len] && !is_preload_separator(s[len]))
			len++;
		if (len == self_len && keke_same_bytes(s, self, len))
			return true;
		s += len;
		while (is_preload_separator(*s))
			s++;
	}
	return false;
}

/*
 * Copies the LD_PRELOAD variable @var into @dst without libkeke.so, the
 * rest as written (its separators too, but those that went with
 * libkeke.so). Returns false when no preload is left.
 */
static KEKE_ONCE bool preload_without_self(char *dst, const char *var)
{
	const char *self = keke_self_path();
	size_t self_len = keke_cstr_len(self);
	const char *s = var + LD_PRELOAD_EQ_LEN;
	char *p = dst + LD_PRELOAD_EQ_LEN;
	bool left = false, dropped_last = false;

	keke_copy_bytes(dst, LD_PRELOAD_EQ, LD_PRELOAD_EQ_LEN);
	while (*s) {
		size_t len = 0, seps = 0;

		while (s[len] && !is_preload_separator(s[len]))
			len++;
		while (is_preload_separator(s[len + seps]))
			seps++;
		dropped_last = len == self_len &&
			       keke_same_bytes(s, self, len);
		if (!dropped_last) {
			keke_copy_bytes(p, s, len + seps);
			p += len + seps;
			left |= len > 0;
		}
		s += len + seps;
	}
	/* "theirs:libkeke.so" leaves "theirs", not "theirs:" */
	while (dropped_last && p > dst + LD_PRELOAD_EQ_LEN &&
	       is_preload_separator(p[-1]))
		p--;
	*p = '\0';
	return left;
}

KEKE_ONCE char **keke_env_untraced(char *const envp[], size_t *size)
{
	size_t n = 0, k = 0, bytes = 0;
	bool kekes = false;
	char **out;
	char *buf;

	for (; envp && envp[n]; n++) {
		if (keke_starts_with(envp[n], "KEKE_")) {
			kekes = true;
		} else if (keke_starts_with(envp[n], LD_PRELOAD_EQ) &&
			   preloads_self(envp[n])) {
			kekes = true;
			bytes += keke_cstr_len(envp[n]) + 1;
		}
	}
	*size = 0;
	if (!kekes)
		return (char **)envp;
	*size = (n + 1) * sizeof(*out) + bytes;
	/* mmap, not malloc: this may run in a vfork-like child. */
	out = (char **)syscall(SYS_mmap, NULL, *size, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (out == MAP_FAILED) {
		*size = 0;
		return NULL;
	}
	buf = (char *)(out + n + 1);
	for (size_t i = 0; i < n; i++) {
		if (keke_starts_with(envp[i], "KEKE_"))
			continue;
		if (!keke_starts_with(envp[i], LD_PRELOAD_EQ) ||
		    !preloads_self(envp[i])) {
			out[k++] = envp[i];
		} else if (preload_without_self(buf, envp[i])) {
			out[k++] = buf;
			buf += keke_cstr_len(buf) + 1;
		}
	}
	out[k] = NULL;
	return out;
}
