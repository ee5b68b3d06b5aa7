/* SPDX-License-Identifier: MIT */
/* A vfork child, as the exec hooks see it: see vfork.c. */
#ifndef KEKE_VFORK_H
#define KEKE_VFORK_H

#include <stdbool.h>

#include "preload.h"

/* In a vfork child: true, and @p tells of the vfork (its flow and time)
 * for the image the child execs into. */
bool keke_vfork_child(struct keke_fork_prelude *p);

/* In a vfork child about to exec: the parent's fork record is to tell
 * @path and @argv, so that a child whose new image cannot be traced still
 * shows what it ran; NULL when the exec came back: it tells nothing. */
void keke_vfork_exec(const char *path, char *const argv[]);

/* In a vfork child about to exec again without keke's variables (E2BIG):
 * the parent's fork record is to say that its child runs untraced, until
 * keke_vfork_exec tells of another exec. */
void keke_vfork_untraced(void);

#endif
