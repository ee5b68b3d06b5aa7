// SPDX-License-Identifier: MIT
/*
 * vfork, with the "fork" slice of fork.c. On x86-64 it is a real vfork: a
 * fork copies the parent's page tables and makes it take a copy-on-write
 * fault for each page it writes until the child execs, which is what vfork
 * is there to spare (docs/performance.md). A vfork child borrows its
 * parent's memory and stack until it execs or exits, so:
 *   - the entry is written in assembly, as libc's is: a C wrapper could not
 *     return in the child, whose calls overwrite the wrapper's frame, and
 *     then again in the parent;
 *   - the child's thread is marked KEKE_BUSY_VFORK, which the parent clears
 *     when it runs again: every hook the child calls only forwards, and
 *     nothing of keke's state (the parent's) changes;
 *   - its exec hands the child over to the new image as an unstarted fork
 *     child's exec does (exec.c), telling the flow and the times, and
 *     tells the parent's fork record what it runs (keke_vfork_exec).
 * Elsewhere, vfork is performed as fork (fork.c), which POSIX allows, and
 * there is never a vfork child.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"
#include "proc/exec_fields.h"
#include "proc/vfork.h"

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
	size_t max_len = KEKE_REC_MAX_LEN(5, 0) + KEKE_EXEC_FIELDS_MAX;
	bool proc;
	uint64_t stack = 0;

	vforking.traced = keke_writer_active() && !keke_thread.busy;
	if (!vforking.traced)
		return;
	vforking.flow = keke_new_flow();
	/* The stack is the parent's, captured before the child borrows its
	 * memory. */
	proc = keke_traced(KEKE_FAMILY_BIT_PROC);
	if (proc)
		stack = keke_stack_for(KEKE_CALL_FORK, &max_len);
	vforking.t0 = keke_now();
	vforking.has_rec = proc &&
			   keke_rec_begin(&vforking.rec, KEKE_REC_SLICE,
					  KEKE_CALL_FORK, 0, vforking.t0,
					  max_len);
	if (vforking.has_rec)
		keke_rec_stack(&vforking.rec, stack);
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
 * is 16-byte aligned at each call. The CFI directives say where the
 * return address is at each point, so that a stack captured in
 * vfork_enter (or by a debugger) unwinds to vfork's caller.
 */
_Static_assert(SYS_vfork == 58, "the system call number below");

__asm__(".pushsection .text.startup, \"ax\", @progbits\n"
	".globl vfork\n"
	".type vfork, @function\n"
	"vfork:\n"
	"	.cfi_startproc\n"
	"	endbr64\n"
	"	sub $8, %rsp\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	call vfork_enter\n"
	"	add $8, %rsp\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	pop %rdi\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"	.cfi_register %rip, %rdi\n"
	"	mov $58, %eax\n"
	"	syscall\n"
	"	push %rdi\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_offset %rip, -8\n"
	"	test %rax, %rax\n"
	"	jz 1f\n"
	"	mov %rax, %rdi\n"
	"	sub $8, %rsp\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	call vfork_leave\n"
	"	add $8, %rsp\n"
	"	.cfi_adjust_cfa_offset -8\n"
	"1:	ret\n"
	"	.cfi_endproc\n"
	".size vfork, . - vfork\n"
	".popsection\n");
#else
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
