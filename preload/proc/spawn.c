// SPDX-License-Identifier: MIT
/*
 * posix_spawn, posix_spawnp, system, popen and pclose.
 *
 * posix_spawn hands the child an environment that keeps it traced, and a
 * flow from the "spawn" slice. glibc's system() and popen() start their
 * shell with an internal spawn no hook sees, from environ (which already
 * holds what a child needs, unless the program scrubbed it): their slices
 * carry the command, and the merge links the shell they started to them
 * by its parent pid and start time.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd_name.h"
#include "proc/env.h"
#include "hook.h"

extern char **environ;

typedef int spawn_fn(pid_t *, const char *, const posix_spawn_file_actions_t *,
		     const posix_spawnattr_t *, char *const[], char *const[]);

/* @untraced: the child runs without keke's variables (see do_exec). */
static void record_spawn(uint64_t t0, const char *path, char *const argv[],
			 int rc, pid_t child, uint64_t flow, bool untraced)
{
	size_t path_len = strnlen(path, KEKE_STRING_CAP);
	size_t max_len = KEKE_REC_MAX_LEN(4, KEKE_STR_MAX_LEN(path_len) + 3 +
					  KEKE_STRING_CAP);
	uint64_t dur = keke_now() - t0;
	uint64_t stack = keke_stack_for(KEKE_CALL_SPAWN, &max_len);
	struct keke_rec r;

	if (!keke_rec_begin(&r, KEKE_REC_SLICE, KEKE_CALL_SPAWN, (unsigned)rc,
			    t0, max_len))
		return;
	keke_rec_int(&r, KEKE_KEY_DUR, (int64_t)dur);
	keke_rec_stack(&r, stack);
	keke_rec_str(&r, KEKE_KEY_PATH, path, path_len);
	keke_rec_strv(&r, KEKE_KEY_ARGV, argv);
	keke_rec_int(&r, KEKE_KEY_RESULT, rc);
	if (!rc) {
		keke_rec_int(&r, KEKE_KEY_CHILD_PID, child);
		keke_rec_int(&r, KEKE_KEY_FLOW_OUT, (int64_t)flow);
		if (untraced)
			r.flags |= KEKE_RECF_UNTRACED;
	}
	keke_rec_commit(&r);
}

static int traced_spawn(spawn_fn *real, bool search, pid_t *pid,
			const char *path,
			const posix_spawn_file_actions_t *actions,
			const posix_spawnattr_t *attr, char *const argv[],
			char *const envp[])
{
	char found[4096];
	pid_t child = 0;
	uint64_t flow, t0;
	int saved = errno, rc;
	bool untraced = false;

	if (!keke_writer_active())
		return real(pid, path, actions, attr, argv, envp);
	flow = keke_new_flow();
	KEKE_CHILD_ENV(env, envp, (int)getpid(), flow, NULL, true);
	t0 = keke_now();
	errno = saved;
	rc = real(&child, path, actions, attr, argv, env);
	if (rc == E2BIG) {
		/* As in do_exec: as without keke, untraced, rather than
		 * not at all. */
		size_t size;
		char **plain = keke_env_untraced(envp, &size);

		errno = saved;
		rc = real(&child, path, actions, attr, argv,
			  plain ? plain : envp);
		untraced = !rc;
		if (size)
			syscall(SYS_munmap, plain, size);
	}
	saved = errno;
	if (pid && !rc)
		*pid = child;
	if (keke_traced(KEKE_FAMILY_BIT_PROC))
		record_spawn(t0, search ? keke_search_path(path, found,
							   sizeof(found)) :
				 path, argv, rc, child, flow, untraced);
	errno = saved;
	return rc;
}

KEKE_EXPORT int posix_spawn(pid_t *pid, const char *path,
			    const posix_spawn_file_actions_t *actions,
			    const posix_spawnattr_t *attr, char *const argv[],
			    char *const envp[])
{
	return traced_spawn(KEKE_HOOK_REAL(posix_spawn), false, pid, path,
			    actions, attr, argv, envp);
}

KEKE_EXPORT int posix_spawnp(pid_t *pid, const char *file,
			     const posix_spawn_file_actions_t *actions,
			     const posix_spawnattr_t *attr, char *const argv[],
			     char *const envp[])
{
	return traced_spawn(KEKE_HOOK_REAL(posix_spawnp), true, pid, file,
			    actions, attr, argv, envp);
}

/*
 * A slice for system/popen/pclose: the command, the stream's fd (@fd >= 0:
 * popen's, with its @mode and its pipe's inode, and pclose's), the
 * result.
 */
static void record_shell(unsigned call, uint64_t t0, const char *command,
			 int fd, const char *mode, int64_t result, int err)
{
	size_t len = command ? strlen(command) : 0;
	size_t mode_len = mode ? strnlen(mode, 8) : 0;
	size_t max_len = KEKE_REC_MAX_LEN(5, KEKE_STR_MAX_LEN(len) +
					     KEKE_STR_MAX_LEN(mode_len));
	uint64_t dur = keke_now() - t0;
	uint64_t stack = keke_stack_for(call, &max_len);
	struct keke_rec r;

	if (!keke_rec_begin(&r, KEKE_REC_SLICE, call, (unsigned)err, t0,
			    max_len))
		return;
	keke_rec_int(&r, KEKE_KEY_DUR, (int64_t)dur);
	keke_rec_stack(&r, stack);
	if (command)
		keke_rec_str(&r, KEKE_KEY_COMMAND, command, len);
	if (fd >= 0)
		keke_rec_int(&r, KEKE_KEY_FD, fd);
	if (mode) {
		keke_rec_str(&r, KEKE_KEY_MODE, mode, mode_len);
		keke_rec_int(&r, KEKE_KEY_INODE, keke_fd_inode(fd));
	}
	keke_rec_int(&r, KEKE_KEY_RESULT, result);
	keke_rec_commit(&r);
}

KEKE_EXPORT int system(const char *command)
{
	uint64_t t0;
	int rc, err;

	if (!command || !keke_traced(KEKE_FAMILY_BIT_PROC))
		return KEKE_HOOK_REAL(system)(command);
	t0 = keke_now();
	rc = KEKE_HOOK_REAL(system)(command);
	err = errno;
	record_shell(KEKE_CALL_SYSTEM, t0, command, -1, NULL, rc,
		     rc == -1 ? err : 0);
	errno = err;
	return rc;
}

KEKE_EXPORT FILE *popen(const char *command, const char *mode)
{
	uint64_t t0;
	FILE *f;
	int err;

	if (!keke_traced(KEKE_FAMILY_BIT_PROC))
		return KEKE_HOOK_REAL(popen)(command, mode);
	t0 = keke_now();
	f = KEKE_HOOK_REAL(popen)(command, mode);
	err = errno;
	if (f)
		record_shell(KEKE_CALL_POPEN, t0, command, fileno_unlocked(f),
			     mode, 0, 0);
	else
		record_shell(KEKE_CALL_POPEN, t0, command, -1, NULL, -1, err);
	errno = err;
	return f;
}

KEKE_EXPORT int pclose(FILE *stream)
{
	uint64_t t0;
	int rc, err, fd;

	if (!keke_traced(KEKE_FAMILY_BIT_PROC))
		return KEKE_HOOK_REAL(pclose)(stream);
	/* Read before the call, which frees the stream: one that pclose
	 * could not read faults here instead of in pclose. */
	fd = stream ? fileno_unlocked(stream) : -1;
	t0 = keke_now();
	rc = KEKE_HOOK_REAL(pclose)(stream);
	err = errno;
	record_shell(KEKE_CALL_PCLOSE, t0, NULL, fd, NULL, rc,
		     rc == -1 ? err : 0);
	errno = err;
	return rc;
}
