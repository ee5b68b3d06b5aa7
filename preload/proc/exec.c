// SPDX-License-Identifier: MIT
/*
 * The exec family. Every variant ends in one of four real calls (execve,
 * execvpe, execveat, fexecve) made by do_exec(), which
 *  - records the exec (path, argv, a flow to the new image) before the
 *    call, since a successful exec never returns, and marks the record
 *    failed with errno when it does return;
 *  - hands the new image an environment that keeps it traced (env.c), or
 *    leaves libkeke.so out of LD_PRELOAD for a program ld.so could not
 *    load it into (a 32-bit one), so ld.so prints no error;
 *  - in a fork child that has recorded nothing (and so made no file),
 *    exec'ing a program keke will surely run in, records nothing either:
 *    the new image tells of the child and its exec (KEKE_FLOW_IN), which
 *    spares the child a file of its own. An exec that comes back is
 *    recorded then, making the file;
 *  - in a vfork child, which cannot record, hands over likewise and
 *    leaves the program it runs in its parent's fork record (vfork.c);
 *  - when keke's variables take arguments and environment over the
 *    kernel's limit (E2BIG), execs again with the environment the program
 *    would have without keke, untraced, and marks the record so.
 * Like musl's execl, the varargs variants build argv on the stack: nothing
 * here allocates, as a vfork-style child may be running it.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc/env.h"
#include "proc/exec_fields.h"
#include "proc/vfork.h"
#include "hook.h"
#include "raw_syscall.h"
#include "runtime/proc_io.h"
#include "runtime/rusage.h"
#include "runtime/text.h"

extern char **environ;

enum exec_kind { EXECVE, EXECVPE, EXECVEAT, FEXECVE };

struct exec_call {
	enum exec_kind kind;
	int fd;			/* EXECVEAT: dirfd; FEXECVE: the program */
	const char *path;	/* EXECVE, EXECVEAT: path; EXECVPE: file */
	int flags;		/* EXECVEAT */
	char *const *argv;
	char *const *envp;
};

/* What ld.so will do with libkeke.so in LD_PRELOAD of a program. */
enum target {
	TARGET_LOADS,	/* a 64-bit ELF with an interpreter, not set-id nor
			 * with file capabilities: it loads it */
	TARGET_MAYBE,	/* a script, a static or privileged program, an
			 * unreadable file: perhaps not */
	TARGET_FOREIGN,	/* a 32-bit ELF: it cannot, and would complain */
};

#define TARGET_PHDRS_MAX 32

/* Whether the ELF file at @fd, of header @eh, has an interpreter. */
static KEKE_ONCE bool has_interpreter(int fd, const Elf64_Ehdr *eh)
{
	Elf64_Phdr ph[TARGET_PHDRS_MAX];
	long size = (long)eh->e_phnum * (long)sizeof(ph[0]);

	if (eh->e_phentsize != sizeof(ph[0]) || eh->e_phnum > TARGET_PHDRS_MAX ||
	    keke_raw_syscall(SYS_pread64, fd, (long)ph, size,
			     (long)eh->e_phoff) != size)
		return false;
	for (unsigned i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_INTERP)
			return true;
	return false;
}

/* Whether exec'ing the file of status @st, open at @fd, gives no
 * privileges: ld.so ignores a preload with a slash in its path in a
 * privileged image. */
static KEKE_ONCE bool unprivileged(int fd, const struct stat *st)
{
	return !(st->st_mode & (S_ISUID | S_ISGID)) &&
	       keke_raw_syscall(SYS_fgetxattr, fd, (long)"security.capability",
				0, 0) < 0;
}

/*
 * What ld.so will do with libkeke.so in the program at @path; @sure: the
 * caller needs to know whether it loads (else only whether it is
 * foreign, which costs fewer calls). *@missing: there is no such file, so
 * the exec will fail as well.
 *
 * Only a regular file is opened, and read: the kernel execs nothing else,
 * and opening a FIFO waits for a writer, a terminal may become the
 * controlling one, a tape rewinds. A file swapped for another between the
 * stat and the open is opened without waiting (O_NONBLOCK), and is read
 * only if it is still a regular file.
 */
static KEKE_ONCE enum target classify(const char *path, bool sure,
				      bool *missing)
{
	Elf64_Ehdr eh;
	struct stat st;
	enum target kind = TARGET_MAYBE;
	long n = keke_raw_syscall(SYS_newfstatat, AT_FDCWD, (long)path,
				  (long)&st, 0);
	int fd;

	*missing = n == -ENOENT || n == -ENOTDIR;
	if (n < 0 || !S_ISREG(st.st_mode))
		return TARGET_MAYBE;
	fd = (int)keke_raw_syscall(SYS_openat, AT_FDCWD, (long)path,
				   O_RDONLY | O_NONBLOCK | O_NOCTTY |
				   O_CLOEXEC, 0);
	if (fd < 0)
		return TARGET_MAYBE;
	if (keke_raw_syscall(SYS_fstat, fd, (long)&st, 0, 0) < 0 ||
	    !S_ISREG(st.st_mode))
		goto out;
	n = keke_raw_syscall(SYS_read, fd, (long)&eh, sizeof(eh), 0);
	if (n < EI_CLASS + 1 || !keke_same_bytes(eh.e_ident, ELFMAG, SELFMAG))
		goto out;
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		kind = TARGET_FOREIGN;
	else if (sure && n == sizeof(eh) && has_interpreter(fd, &eh) &&
		 unprivileged(fd, &st))
		kind = TARGET_LOADS;
out:
	keke_raw_syscall(SYS_close, fd, 0, 0, 0);
	return kind;
}

/* The program an exec call will run, as a path we can show and open. */
static KEKE_ONCE const char *target_of(const struct exec_call *c, char *buf,
				       size_t size)
{
	switch (c->kind) {
	case EXECVE:
		return c->path;
	case EXECVPE:
		return keke_search_path(c->path, buf, size);
	case FEXECVE:
		snprintf(buf, size, "/proc/self/fd/%d", c->fd);
		return buf;
	case EXECVEAT:
		if (c->path[0] == '/' || c->fd == AT_FDCWD)
			return c->path;
		if (!c->path[0] && (c->flags & AT_EMPTY_PATH))
			snprintf(buf, size, "/proc/self/fd/%d", c->fd);
		else
			snprintf(buf, size, "/proc/self/fd/%d/%s", c->fd,
				 c->path);
		return buf;
	}
	return c->path;
}

/* Writes the exec slice of a call made at @ts, with the kernel's I/O
 * counters @io when they were read and what the image used, @ru, unless
 * NULL; returns the record, to mark it failed later. */
static KEKE_ONCE uint8_t *record_exec(const char *path, char *const argv[],
				      uint64_t flow, uint64_t ts,
				      const struct keke_proc_io *io,
				      const struct rusage *ru)
{
	size_t max_len = KEKE_REC_MAX_LEN(2, 0) + KEKE_EXEC_FIELDS_MAX +
			 KEKE_PROC_IO_MAX_LEN + KEKE_RUSAGE_MAX_LEN;
	uint64_t stack = keke_stack_for(KEKE_CALL_EXEC, &max_len);
	struct keke_rec r;
	uint8_t *rec;

	if (!keke_rec_begin(&r, KEKE_REC_SLICE, KEKE_CALL_EXEC, 0, ts,
			    max_len))
		return NULL;
	keke_rec_int(&r, KEKE_KEY_DUR, 0);
	keke_rec_stack(&r, stack);
	keke_exec_fields(&r, path, argv);
	keke_rec_int(&r, KEKE_KEY_FLOW_OUT, (int64_t)flow);
	keke_rec_proc_io(&r, io);
	if (ru)
		keke_rec_rusage(&r, ru);
	rec = r.start;
	keke_rec_commit(&r);
	return rec;
}

/* The exec came back: its record gets the errno (and the merge then links
 * no new image to it). */
static KEKE_ONCE void mark_failed(uint8_t *rec, int err)
{
	uint16_t e = err > 0 && err < 0xffff ? (uint16_t)err : 0xffff;

	__atomic_store_n((uint16_t *)(rec + 6), e, __ATOMIC_RELEASE);
}

/* The exec is made again without keke's variables (@on), or that came
 * back too (!@on): the record says whether its new image runs untraced. */
static KEKE_ONCE void mark_untraced(uint8_t *rec, bool on)
{
	uint32_t flag = (uint32_t)KEKE_RECF_UNTRACED << 24;

	if (on)
		__atomic_or_fetch((uint32_t *)rec, flag, __ATOMIC_RELEASE);
	else
		__atomic_and_fetch((uint32_t *)rec, ~flag, __ATOMIC_RELEASE);
}

/* The real exec calls are found at start-up: a fork child that execs at
 * once then runs no dlsym, whose code and tables would cost it page
 * faults. */
KEKE_ONCE void keke_exec_init(void)
{
	keke_hook_resolve_early(KEKE_HOOK_ID_execve);
	keke_hook_resolve_early(KEKE_HOOK_ID_execvpe);
	keke_hook_resolve_early(KEKE_HOOK_ID_execveat);
	keke_hook_resolve_early(KEKE_HOOK_ID_fexecve);
}

static KEKE_ONCE int real_exec(const struct exec_call *c, char *const envp[])
{
	switch (c->kind) {
	case EXECVE:
		return KEKE_HOOK_REAL(execve)(c->path, c->argv, envp);
	case EXECVPE:
		return KEKE_HOOK_REAL(execvpe)(c->path, c->argv, envp);
	case EXECVEAT:
		return KEKE_HOOK_REAL(execveat)(c->fd, c->path, c->argv, envp,
						c->flags);
	case FEXECVE:
		return KEKE_HOOK_REAL(fexecve)(c->fd, c->argv, envp);
	}
	errno = EINVAL;
	return -1;
}

/*
 * Whether the calling process hands itself over to the image it execs
 * (see the top of this file): then fills and returns @h, else NULL.
 * Sets *@vforked (it is a vfork child), *@kind (what ld.so will do with
 * libkeke.so in the program at @target) and *@missing (classify).
 */
static KEKE_ONCE const struct keke_prelude_env *
plan_prelude(const char *target, struct keke_prelude_env *h, bool *vforked,
	     enum target *kind, bool *missing)
{
	bool unstarted;

	/* A fork child that has recorded nothing hands itself over to an
	 * image surely traced, which then records its exec; unless the exec
	 * is to have a stack, which only the child can capture. A vfork
	 * child cannot record at all: it hands itself over to any image
	 * that may be traced (a script's interpreter is). */
	*vforked = keke_vfork_child(&h->fork);
	unstarted = keke_traced(KEKE_FAMILY_BIT_PROC) &&
		    (*vforked ||
		     (!keke_stack_capturable(KEKE_CALL_EXEC) &&
		      keke_writer_unstarted(&h->fork)));
	*kind = classify(target, unstarted, missing);
	if (!unstarted || !(*kind == TARGET_LOADS ||
			    (*vforked && *kind == TARGET_MAYBE)))
		return NULL;
	h->pid = *vforked ? (int)keke_raw_syscall(SYS_getpid, 0, 0, 0, 0) :
			    keke_writer_pid();
	h->fork.exec = keke_now();
	h->path = target;
	return h;
}

/*
 * Tells of the exec before it is made, since a successful one never
 * returns: a vfork child in its parent's fork record, any other process
 * in an exec slice of its own unless it hands itself over (@prelude).
 * Returns that slice, to mark later, or NULL.
 */
static KEKE_ONCE uint8_t *record_before(const struct exec_call *c,
					const char *target, uint64_t flow,
					bool vforked,
					const struct keke_prelude_env *prelude,
					bool missing)
{
	struct keke_proc_io io = { 0 };
	struct rusage ru;
	bool have_ru = false;
	uint8_t *rec = NULL;

	if (vforked) {
		keke_vfork_exec(target, c->argv);
		return NULL;
	}
	/* What the image read and wrote, should it end here; not for a
	 * program that is not there (a PATH search), which is no end. */
	if (keke_traced(KEKE_FAMILY_BIT_PROC) && !prelude) {
		if (!missing) {
			keke_proc_io_read(&io);
			have_ru = keke_rusage_read(&ru);
		}
		rec = record_exec(target, c->argv, flow, keke_now(), &io,
				  have_ru ? &ru : NULL);
	}
	/* For the image's end, if the exec works. A program that searches
	 * its PATH by exec'ing each place in turn (dash, Python's
	 * subprocess) tries many that do not exist, and is spared the clock
	 * reads for those (docs/performance.md). */
	if (!missing)
		keke_writer_refresh_anchor();
	return rec;
}

/*
 * The exec failed with E2BIG: keke's variables, those it adds and those
 * this process holds, tipped arguments and environment over the limit.
 * Runs the program as it would run without keke, untraced, rather than
 * not at all, and marks its slice @rec (unless NULL) so meanwhile.
 * Returns what that exec returns, its errno in *@err; @saved is the
 * program's errno to make it with.
 */
static KEKE_ONCE int exec_untraced(const struct exec_call *c, uint8_t *rec,
				   int saved, int *err)
{
	size_t size;
	char **plain = keke_env_untraced(c->envp, &size);
	int rc;

	if (rec)
		mark_untraced(rec, true);
	keke_vfork_untraced();
	errno = saved;
	rc = real_exec(c, plain ? plain : c->envp);
	*err = errno;
	if (size)
		keke_raw_syscall(SYS_munmap, (long)plain, (long)size, 0, 0);
	if (rec)
		mark_untraced(rec, false);
	return rc;
}

static KEKE_ONCE int do_exec(const struct exec_call *c)
{
	/* Only for a path target_of builds: a page more of stack would cost
	 * a fork child another page fault. */
	char buf[c->kind == EXECVE ? 1 : PATH_MAX];
	const char *target;
	const struct keke_prelude_env *prelude;
	struct keke_prelude_env h;
	bool vforked, missing;
	enum target kind;
	uint8_t *rec;
	uint64_t flow;
	int saved = errno, rc, err;

	if (!keke_writer_active())
		return real_exec(c, c->envp);
	keke_stdio_end_run();
	target = target_of(c, buf, sizeof(buf));
	flow = keke_new_flow();
	prelude = plan_prelude(target, &h, &vforked, &kind, &missing);
	int ppid = (int)keke_raw_syscall(SYS_getppid, 0, 0, 0, 0);
	KEKE_CHILD_ENV(env, c->envp, ppid, flow, prelude,
		       kind != TARGET_FOREIGN);
	rec = record_before(c, target, flow, vforked, prelude, missing);
	errno = saved;
	rc = real_exec(c, env);
	err = errno;
	if (prelude)	/* it came back: record it after all */
		rec = record_exec(target, c->argv, flow, prelude->fork.exec,
				  &(struct keke_proc_io){ 0 }, NULL);
	if (err == E2BIG)
		rc = exec_untraced(c, rec, saved, &err);
	if (rec)
		mark_failed(rec, err);
	if (vforked)	/* it came back */
		keke_vfork_exec(NULL, NULL);
	errno = err;
	return rc;
}

KEKE_EXPORT KEKE_ONCE int execve(const char *path, char *const argv[],
				 char *const envp[])
{
	struct exec_call c = { EXECVE, -1, path, 0, argv, envp };

	return do_exec(&c);
}

KEKE_EXPORT KEKE_ONCE int execv(const char *path, char *const argv[])
{
	struct exec_call c = { EXECVE, -1, path, 0, argv, environ };

	return do_exec(&c);
}

KEKE_EXPORT KEKE_ONCE int execvp(const char *file, char *const argv[])
{
	struct exec_call c = { EXECVPE, -1, file, 0, argv, environ };

	return do_exec(&c);
}

KEKE_EXPORT KEKE_ONCE int execvpe(const char *file, char *const argv[],
				  char *const envp[])
{
	struct exec_call c = { EXECVPE, -1, file, 0, argv, envp };

	return do_exec(&c);
}

KEKE_EXPORT KEKE_ONCE int execveat(int dirfd, const char *path,
				   char *const argv[], char *const envp[],
				   int flags)
{
	struct exec_call c = { EXECVEAT, dirfd, path, flags, argv, envp };

	return do_exec(&c);
}

KEKE_EXPORT KEKE_ONCE int fexecve(int fd, char *const argv[],
				  char *const envp[])
{
	struct exec_call c = { FEXECVE, fd, "", 0, argv, envp };

	return do_exec(&c);
}

/* How many arguments an exec's list holds before its NULL, @arg0 in. */
static KEKE_ONCE size_t count_args(va_list ap)
{
	size_t n = 1;

	while (va_arg(ap, char *))
		n++;
	return n;
}

/*
 * execl, execlp, execle: exec's @kind with argv built on the stack from
 * @arg0 and @ap (@n arguments, then their NULL, then for execle
 * (@has_envp) the environment).
 */
static KEKE_ONCE int exec_list(enum exec_kind kind, const char *path,
			       const char *arg0, size_t n, va_list ap,
			       bool has_envp)
{
	char *argv[n + 1];
	char *const *envp = environ;

	argv[0] = (char *)arg0;
	for (size_t i = 1; i <= n; i++)
		argv[i] = va_arg(ap, char *);
	if (has_envp)
		envp = va_arg(ap, char *const *);

	struct exec_call c = { kind, -1, path, 0, argv, envp };

	return do_exec(&c);
}

/* The body of a variadic exec export: counts its arguments, then reads
 * them again for exec_list. */
#define EXEC_LIST(kind, path, arg0, has_envp)				     \
	({								     \
		va_list ap_;						     \
		size_t n_;						     \
		int rc_;						     \
									     \
		va_start(ap_, arg0);					     \
		n_ = count_args(ap_);					     \
		va_end(ap_);						     \
		va_start(ap_, arg0);					     \
		rc_ = exec_list(kind, path, arg0, n_, ap_, has_envp);	     \
		va_end(ap_);						     \
		rc_;							     \
	})

KEKE_EXPORT KEKE_ONCE int execl(const char *path, const char *arg, ...)
{
	return EXEC_LIST(EXECVE, path, arg, false);
}

KEKE_EXPORT KEKE_ONCE int execlp(const char *file, const char *arg, ...)
{
	return EXEC_LIST(EXECVPE, file, arg, false);
}

KEKE_EXPORT KEKE_ONCE int execle(const char *path, const char *arg, ...)
{
	return EXEC_LIST(EXECVE, path, arg, true);
}
