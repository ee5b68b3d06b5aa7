// SPDX-License-Identifier: MIT
/*
 * wait, waitpid, wait3, wait4 and waitid: a "wait" slice with the reaped
 * child's pid and its wait status, which gives the merge the exit code or
 * signal of a child that could not say it itself (killed, or untraced).
 * A poll that reaped nothing (WNOHANG returning 0) records nothing.
 * wait, waitpid and wait3 are made through wait4, with an rusage of
 * keke's when the program passes none, so that the slice also tells what
 * the child used: for a child killed, or exec'd out of keke's reach, the
 * only account there is. waitid's libc call has no rusage; it tells none.
 */
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "hook.h"
#include "runtime/rusage.h"

/* @ru: what the child used, or NULL. */
static void record_wait(uint64_t t0, pid_t pid, int status, int options,
			int err, const struct rusage *ru)
{
	struct keke_rec r;

	if (pid == 0)
		return;
	if (!keke_child_slice_begin(&r, KEKE_CALL_WAIT, pid, err, t0,
				    KEKE_REC_MAX_LEN(5, 0) +
				    KEKE_RUSAGE_MAX_LEN))
		return;
	if (pid > 0)
		keke_rec_int(&r, KEKE_KEY_STATUS, status);
	if (options)
		keke_rec_int(&r, KEKE_KEY_OPTIONS, options);
	if (pid > 0 && ru)
		keke_rec_rusage(&r, ru);
	keke_rec_commit(&r);
}

KEKE_EXPORT pid_t wait4(pid_t pid, int *wstatus, int options,
			struct rusage *usage)
{
	int status = 0, err;
	struct rusage own;
	uint64_t t0;
	pid_t got;

	if (!keke_traced(KEKE_FAMILY_BIT_PROC))
		return KEKE_HOOK_REAL(wait4)(pid, wstatus, options, usage);
	t0 = keke_now();
	got = KEKE_HOOK_REAL(wait4)(pid, &status, options,
				    usage ? usage : &own);
	err = errno;
	if (wstatus && got > 0)
		*wstatus = status;
	/* Stopped or continued children are not an end. */
	if (got <= 0 || WIFEXITED(status) || WIFSIGNALED(status))
		record_wait(t0, got, status, options, err,
			    usage ? usage : &own);
	errno = err;
	return got;
}

KEKE_EXPORT pid_t waitpid(pid_t pid, int *wstatus, int options)
{
	return wait4(pid, wstatus, options, NULL);
}

KEKE_EXPORT pid_t wait(int *wstatus)
{
	return wait4(-1, wstatus, 0, NULL);
}

KEKE_EXPORT pid_t wait3(int *wstatus, int options, struct rusage *usage)
{
	return wait4(-1, wstatus, options, usage);
}

/* The wait status a waitid result stands for. */
static int status_of(const siginfo_t *info)
{
	switch (info->si_code) {
	case CLD_EXITED:
		return (info->si_status & 0xff) << 8;
	case CLD_KILLED:
		return info->si_status & 0x7f;
	case CLD_DUMPED:
		return (info->si_status & 0x7f) | 0x80;
	}
	return -1;
}

KEKE_EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t *infop,
		       int options)
{
	uint64_t t0;
	int rc, err;

	if (!keke_traced(KEKE_FAMILY_BIT_PROC) || !infop)
		return KEKE_HOOK_REAL(waitid)(idtype, id, infop, options);
	infop->si_pid = 0;
	t0 = keke_now();
	rc = KEKE_HOOK_REAL(waitid)(idtype, id, infop, options);
	err = errno;
	if (rc < 0)
		record_wait(t0, -1, 0, options, err, NULL);
	else if (infop->si_pid && status_of(infop) >= 0 &&
		 !(options & WNOWAIT))
		record_wait(t0, infop->si_pid, status_of(infop), options, 0,
			    NULL);
	errno = err;
	return rc;
}
