// SPDX-License-Identifier: MIT
/*
 * fork, _Fork and vfork: a "fork" slice in the parent with the child's pid
 * and a flow to the child, whose first image starts its own record file
 * knowing that flow.
 *
 * vfork is a real vfork: a fork copies the parent's page tables and makes
 * it take a copy-on-write fault for each page it writes until the child
 * execs, about 1.5 ms for a compiler driver here, which is what vfork is
 * there to spare. A vfork child borrows its parent's memory and stack
 * until it execs or exits, so:
 *   - the entry is written in assembly, as libc's is: a C wrapper could not
 *     return in the child, whose calls overwrite the wrapper's frame, and
 *     then again in the parent;
 *   - the child's thread is marked KEKE_BUSY_VFORK, which the parent clears
 *     when it runs again: every hook the child calls only forwards, and
 *     nothing of keke's state (the parent's) changes;
 *   - its exec hands the child over to the new image as an unstarted fork
 *     child's exec does (proc_exec.c), telling the flow and the times.
 * Elsewhere than x86-64, vfork is performed as fork, which POSIX allows.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hook.h"

pid_t _Fork(void);

/* The flow the child of the fork under way continues. */
static __thread uint64_t forking_flow KEKE_TLS;

static KEKE_ONCE void record_fork(uint64_t t0, pid_t pid, int err,
				  uint64_t flow)
{
	struct keke_rec r;

	if (!keke_rec_begin(&r, KEKE_REC_SLICE, KEKE_CALL_FORK,
			    pid < 0 ? (unsigned)err : 0, t0,
			    KEKE_REC_MAX_LEN(3, 0)))
		return;
	keke_rec_int(&r, KEKE_KEY_DUR, (int64_t)(keke_now() - t0));
	keke_rec_int(&r, KEKE_KEY_RESULT, pid);
	if (pid > 0) {
		keke_rec_int(&r, KEKE_KEY_CHILD_PID, pid);
		keke_rec_int(&r, KEKE_KEY_FLOW_OUT, (int64_t)flow);
	}
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
	flow = keke_new_flow();
	forking_flow = flow;
	t0 = keke_now();
	pid = real_fork();
	err = errno;
	if (pid == 0) {
		if (keke_writer_pid() != (int)getpid())
			keke_after_fork_child(flow);
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
	return traced_fork(KEKE_HOOK_REAL(_Fork));
}

#if defined(__x86_64__)
/*
 * What the parent set before vfork, which the child reads too: the fork
 * record is begun then and committed after, so that the child can add the
 * program it execs to it.
 */
static __thread struct {
	bool traced;
	bool has_rec;
	uint64_t flow;
	uint64_t t0;
	struct keke_rec rec;
	uint8_t *fields;	/* where the child's fields go */
	uint8_t *written;	/* the end of what the child wrote */
} vforking KEKE_TLS;

/* Called by vfork before the system call. */
__attribute__((used, noinline)) static KEKE_ONCE void vfork_enter(void)
{
	vforking.traced = keke_writer_active() && !keke_thread.busy;
	if (!vforking.traced)
		return;
	vforking.flow = keke_new_flow();
	vforking.t0 = keke_now();
	vforking.has_rec = keke_traced(KEKE_FAMILY_BIT_PROC) &&
			   keke_rec_begin(&vforking.rec, KEKE_REC_SLICE,
					  KEKE_CALL_FORK, 0, vforking.t0,
					  KEKE_REC_MAX_LEN(5, 0) +
					  KEKE_EXEC_FIELDS_MAX);
	vforking.fields = vforking.written = vforking.rec.p;
	keke_busy_set(KEKE_BUSY_VFORK);
}

/* Called by vfork in the parent when the system call returned @rc (the
 * child's pid, or -errno); returns what vfork returns. */
__attribute__((used, noinline)) static KEKE_ONCE pid_t vfork_leave(long rc)
{
	int err = rc < 0 ? (int)-rc : errno;
	struct keke_rec *r = &vforking.rec;

	if (!vforking.traced)
		goto out;
	vforking.traced = false;
	/* The record begun before the vfork is finished now. */
	if (!vforking.has_rec) {
		keke_busy_clear();
		goto out;
	}
	keke_busy_set(KEKE_BUSY_WRITING);
	if (rc < 0)
		keke_rec_set_err(r, (unsigned)err);
	keke_rec_int(r, KEKE_KEY_DUR, (int64_t)(keke_now() - vforking.t0));
	keke_rec_int(r, KEKE_KEY_RESULT, rc < 0 ? -1 : rc);
	keke_rec_int(r, KEKE_KEY_VFORK, 1);
	if (rc > 0) {
		keke_rec_int(r, KEKE_KEY_CHILD_PID, rc);
		keke_rec_int(r, KEKE_KEY_FLOW_OUT, (int64_t)vforking.flow);
	}
	/* Past the record's end, the bytes of a longer exec the child tried
	 * before must be zero again, as the rest of the chunk is. */
	if (vforking.written > r->p)
		memset(r->p, 0, (size_t)(vforking.written - r->p));
	keke_rec_commit(r);
out:
	errno = err;
	return rc < 0 ? -1 : (pid_t)rc;
}

KEKE_ONCE bool keke_vfork_child(struct keke_fork_prelude *p)
{
	if (!keke_in_vfork_child())
		return false;
	p->flow_in = vforking.flow;
	p->start = vforking.t0;
	return true;
}

KEKE_ONCE void keke_vfork_exec(const char *path, char *const argv[])
{
	struct keke_rec *r = &vforking.rec;

	if (!keke_in_vfork_child() || !vforking.has_rec)
		return;
	r->p = vforking.fields;
	r->flags &= (uint8_t)~KEKE_RECF_UNTRACED;
	if (path)
		keke_exec_fields(r, path, argv);
	if (r->p > vforking.written)
		vforking.written = r->p;
}

KEKE_ONCE void keke_vfork_untraced(void)
{
	if (keke_in_vfork_child() && vforking.has_rec)
		vforking.rec.flags |= KEKE_RECF_UNTRACED;
}

/*
 * The return address is kept in %rdi across the system call, not on the
 * stack, which the child overwrites; the parent pushes it back. The stack
 * is 16-byte aligned at each call.
 */
_Static_assert(SYS_vfork == 58, "the system call number below");

__asm__(".pushsection .text.startup, \"ax\", @progbits\n"
	".globl vfork\n"
	".type vfork, @function\n"
	"vfork:\n"
	"	endbr64\n"
	"	sub $8, %rsp\n"
	"	call vfork_enter\n"
	"	add $8, %rsp\n"
	"	pop %rdi\n"
	"	mov $58, %eax\n"
	"	syscall\n"
	"	push %rdi\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	mov %rax, %rdi\n"
	"	sub $8, %rsp\n"
	"	call vfork_leave\n"
	"	add $8, %rsp\n"
	"1:	ret\n"
	".size vfork, . - vfork\n"
	".popsection\n");
#else
KEKE_EXPORT KEKE_ONCE pid_t vfork(void)
{
	return traced_fork(KEKE_HOOK_REAL(fork));
}

KEKE_ONCE bool keke_vfork_child(struct keke_fork_prelude *p)
{
	(void)p;
	return false;
}

KEKE_ONCE void keke_vfork_exec(const char *path, char *const argv[])
{
	(void)path;
	(void)argv;
}

KEKE_ONCE void keke_vfork_untraced(void)
{
}
#endif
