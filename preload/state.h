/* SPDX-License-Identifier: MIT */
/*
 * The state of this process image: what start-up (init.c) found and
 * decided, which a fork child resets and the end of the image reads.
 */
#ifndef KEKE_STATE_H
#define KEKE_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "preload.h"

struct keke_image_state {
	int started;		/* atomic: keke_init ran */
	int ended;		/* atomic: an exit was recorded */
	int announced;		/* atomic: the bare-mode message was printed */
	bool root;		/* this pid created the trace dir (bare mode):
				 * it alone may say something, once, at its
				 * end (its last image does) */
	int pid;		/* the pid that keke_init ran in (a fork
				 * child that no hook saw keeps root) */
	const char *why_not;	/* why it does not trace, for that */
	bool quiet;
	bool record_env;	/* KEKE_RECORD_ENV=1 */
	int argc;
	char **argv;
	struct keke_writer_config config;
	/* From the fork child exec'd into this image, if it made no file. */
	struct keke_prelude_env prelude;
};

extern struct keke_image_state keke_image;

/* In a fork child: the child's own record file, made at its first record
 * (keke_writer_defer), with @flow_in from its parent's fork. */
void keke_after_fork_child(uint64_t flow_in);

#endif
