/* SPDX-License-Identifier: MIT */
/* The environment of a child: see env.c. */
#ifndef KEKE_ENV_H
#define KEKE_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "preload.h"

/* Pointer slots, and bytes of strings, that keke_env_build needs. */
size_t keke_env_slots(char *const envp[]);
size_t keke_env_bytes(char *const envp[], const struct keke_prelude_env *h);

/*
 * Fills @out (keke_env_slots(envp) slots) with @envp's variables plus this
 * run's, KEKE_FLOW_IN for @flow (when not 0, with prelude @h unless NULL)
 * expecting @ppid as the child's parent, and LD_PRELOAD with libkeke.so
 * first, or without it when !@preload (a program ld.so could not preload
 * it into). Strings it makes go into @buf (keke_env_bytes(envp, h)
 * bytes). Allocates nothing.
 */
void keke_env_build(char **out, char *buf, char *const envp[], int ppid,
		    uint64_t flow, const struct keke_prelude_env *h,
		    bool preload);

/* Finds @file the way execvp does, into @buf (@size bytes); returns @file
 * itself when it has a slash or is not found. */
const char *keke_search_path(const char *file, char *buf, size_t size);

/*
 * @envp without keke's variables, for a program that is to run untraced,
 * as it would without keke: no KEKE_*, and LD_PRELOAD without libkeke.so
 * (or none, when it named nothing else). In memory mapped for the purpose
 * (*@size bytes, to munmap), or @envp itself when it holds none of them
 * (*@size 0). NULL when no memory can be had.
 */
char **keke_env_untraced(char *const envp[], size_t *size);

/* Declares the storage for the child environment of @envp on the stack
 * and builds it into @name. */
#define KEKE_CHILD_ENV(name, envp, ppid, flow, prelude, preload)           \
	char *name[keke_env_slots(envp)];                                   \
	char name##_buf[keke_env_bytes(envp, prelude)];                     \
	keke_env_build(name, name##_buf, (envp), (ppid), (flow), (prelude), \
		       (preload))

#endif
