// SPDX-License-Identifier: MIT
/*
 * How a process image ends: main returning (seen by wrapping main through
 * __libc_start_main), exit, _exit and _Exit. Each records its status and
 * then does exactly what the real call does.
 */
#include <stdlib.h>
#include <unistd.h>

#include "hook.h"

typedef int main_fn(int, char **, char **);

static main_fn *real_main;

static KEKE_ONCE int traced_main(int argc, char **argv, char **envp)
{
	int status = real_main(argc, argv, envp);

	keke_stdio_exit(true);
	keke_record_exit(KEKE_EXIT_MAIN_RETURN, true, status);
	return status;
}

/* Not declared by the C library's headers. */
keke___libc_start_main_fn __libc_start_main;

KEKE_EXPORT KEKE_ONCE int
__libc_start_main(main_fn *main, int argc, char **argv, void (*init)(void),
		  void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
	real_main = main;
	return KEKE_HOOK_REAL(__libc_start_main)(traced_main, argc, argv, init,
						 fini, rtld_fini, stack_end);
}

KEKE_EXPORT KEKE_ONCE void exit(int status)
{
	keke_stdio_exit(true);
	keke_record_exit(KEKE_EXIT_EXIT, true, status);
	KEKE_HOOK_REAL(exit)(status);
	__builtin_unreachable();
}

KEKE_EXPORT KEKE_ONCE void _exit(int status)
{
	keke_stdio_exit(false);
	keke_record_exit(KEKE_EXIT_UNDERSCORE, true, status);
	KEKE_HOOK_REAL(_exit)(status);
	__builtin_unreachable();
}

KEKE_EXPORT KEKE_ONCE void _Exit(int status)
{
	keke_stdio_exit(false);
	keke_record_exit(KEKE_EXIT_UNDERSCORE, true, status);
	KEKE_HOOK_REAL(_Exit)(status);
	__builtin_unreachable();
}
