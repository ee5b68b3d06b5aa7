/* SPDX-License-Identifier: MIT */
/*
 * KEKE_ONCE marks code that runs once or a few times in each process:
 * start-up, fork, exec, exit, claiming record space. It is kept together in
 * .text.startup, so that a short-lived process touches a few pages of it
 * rather than a page per function: the first touch of each page costs a
 * process a page fault, dear on a virtual machine, and a build starts
 * thousands of processes. libkeke.so puts it in a segment apart from the
 * hooks (preload/layout.ld): a function that every process runs must be
 * KEKE_ONCE, or the process maps the hooks' pages too.
 */
#ifndef KEKE_ONCE_H
#define KEKE_ONCE_H

#define KEKE_ONCE __attribute__((section(".text.startup")))

/*
 * KEKE_BULK marks a large buffer of which a process uses a few bytes or
 * none (slots for threads being created; a path or the run's variables
 * when they are long). On x86-64 it goes to .lbss, which the linker places
 * after all other data, so that the small fields every process and every
 * fork child writes share one page instead of being spread over a page
 * per buffer: each page written costs a new process a fault, and a fork
 * child a copy. So a value every process writes, a path for one, has a
 * short buffer among those fields, and a KEKE_BULK one for when it is long.
 */
#if defined(__x86_64__)
#define KEKE_BULK __attribute__((section(".lbss")))
#else
#define KEKE_BULK
#endif

#endif
