/* SPDX-License-Identifier: MIT */
/*
 * KEKE_ONCE marks code that runs once or a few times in each process:
 * start-up, fork, exec, exit, claiming record space. It is kept together in
 * .text.startup, so that a short-lived process touches a few pages of it
 * rather than a page per function: on a virtual machine the first touch of
 * each page costs a process a fault of 10 µs or more, and a build starts
 * thousands of processes.
 */
#ifndef KEKE_ONCE_H
#define KEKE_ONCE_H

#define KEKE_ONCE __attribute__((section(".text.startup")))

#endif
