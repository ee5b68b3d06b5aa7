/* SPDX-License-Identifier: MIT */
/*
 * A system call without libc's syscall(), for the code between fork and
 * exec: like libc's string functions (preload/runtime/text.h says why), syscall()
 * would cost a fork child a page fault of libc's code to reach.
 */
#ifndef KEKE_RAW_SYSCALL_H
#define KEKE_RAW_SYSCALL_H

#include <errno.h>
#include <unistd.h>

/* System call @nr with up to four arguments; returns what the kernel does
 * (-errno on failure) and leaves errno alone. */
static inline long keke_raw_syscall(long nr, long a, long b, long c, long d)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
#else
	int saved = errno;
	long ret = syscall(nr, a, b, c, d);

	if (ret == -1)
		ret = -errno;
	errno = saved;
	return ret;
#endif
}

#endif
