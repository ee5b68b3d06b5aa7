// SPDX-License-Identifier: MIT
/*
 * vfork, performed as fork. A vfork child borrows its parent's memory and
 * stack until it execs or exits, so a wrapper function cannot return into
 * it, and anything the child recorded would land in the parent's buffers.
 * POSIX lets vfork behave as fork, and programs that use it correctly
 * (exec or _exit right away) cannot tell the difference.
 */
#include <unistd.h>

#include "preload.h"

KEKE_EXPORT pid_t vfork(void)
{
	return fork();
}
