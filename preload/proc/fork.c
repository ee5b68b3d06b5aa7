// SPDX-License-Identifier: MIT
/*
 * fork and _Fork (and vfork where it is performed as fork): a "fork" slice
 * in the parent with the child's pid and a flow to the child, whose first
 * image starts its own record file knowing that flow. The real vfork is
 * in vfork.c.
 */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hook.h"
#include "state.h"

pid_t _Fork(void);

/* The flow the child of the fork under way continues. */
static __thread uint64_t forking_flow KEKE_TLS;

static KEKE_ONCE void record_fork(uint64_t t0, pid_t pid, int err,
				  uint64_t flow)
{
	struct keke_rec r;

	if (!keke_child_slice_begin(&r, KEKE_CALL_FORK, pid, err, t0,
				    KEKE_REC_MAX_LEN(4, 0)))
		return;
	if (pid > 0)
		keke_rec_int(&r, KEKE_KEY_FLOW_OUT, (int64_t)flow);
	keke_rec_commit(&r);
}

/* Runs @real_fork with a slice around it; in the child, starts its file
 * (unless fork's own atfork handler already did). */
static KEKE_ONCE pid_t traced_fork(pid_t (*real_fork)(void))
{
	uint64_t flow, t0;
	pid_t pid;
	int err;

	if (!keke_writer_active())
		return real_fork();
	keke_stdio_end_run();	/* the child starts with none */
	flow = keke_new_flow();
	forking_flow = flow;
	t0 = keke_now();
	pid = real_fork();
	err = errno;
	if (pid == 0) {
		if (keke_writer_pid() != (int)getpid())
			keke_after_fork_child(flow);
		keke_stdio_forked();
		forking_flow = 0;
		errno = err;
		return 0;
	}
	forking_flow = 0;
	if (keke_traced(KEKE_FAMILY_BIT_PROC))
		record_fork(t0, pid, err, flow);
	errno = err;
	return pid;
}

/* Called by the atfork child handler: the flow of the fork under way. */
KEKE_ONCE uint64_t keke_forking_flow(void)
{
	return forking_flow;
}

KEKE_EXPORT KEKE_ONCE pid_t fork(void)
{
	return traced_fork(KEKE_HOOK_REAL(fork));
}

KEKE_EXPORT KEKE_ONCE pid_t _Fork(void)
{
	/* fork runs the atfork handlers, which tell the stacks this;
	 * _Fork runs none. */
	keke_stacks_before_fork();
	return traced_fork(KEKE_HOOK_REAL(_Fork));
}

#if !defined(__x86_64__)
/* Elsewhere than x86-64, vfork is performed as fork, which POSIX allows
 * (vfork.c). */
KEKE_EXPORT KEKE_ONCE pid_t vfork(void)
{
	return traced_fork(KEKE_HOOK_REAL(fork));
}
#endif
