/* SPDX-License-Identifier: MIT */
/*
 * What processes used (usage.c): CPU time, peak RSS, page faults, context
 * switches and file system blocks, as libkeke.so recorded them at each
 * image end (getrusage) and on the wait that reaped a child (wait4).
 */
#ifndef KEKE_MERGE_USAGE_H
#define KEKE_MERGE_USAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "record/reader.h"
#include "sinks/sink.h"

struct image;
struct merge;
struct proc;

/* The figures in the order of their keys, KEKE_KEY_CPU_USER_NS on. */
#define MERGE_USAGE_N 9

struct usage {
	bool have;
	int64_t v[MERGE_USAGE_N];
};

/* The figures @rec tells, into @u (have false when it tells none). */
void merge_usage_of(const struct keke_record *rec, struct usage *u);

/* @u as a row's resources. */
void merge_usage_out(const struct usage *u, struct keke_rusage *out);

/*
 * Adds to @args what image @im used, the figures it told at its end less
 * those of @p's image before it (the kernel counts across exec; peak RSS
 * is the process's so far), and makes its figures @p's latest. Returns
 * how many args (MERGE_USAGE_N or 0).
 */
unsigned merge_usage_image(const struct image *im, struct proc *p,
			   struct keke_arg *args);

/*
 * Settles where @p's row takes its figures from: its own, when its last
 * image told them at its exit; else @reaped's, the wait that reaped it
 * (NULL: none), which add those of the children it reaped.
 */
void merge_usage_settle(struct proc *p, const struct usage *reaped);

/*
 * Once every row is settled and has its parent: takes off the figures a
 * wait gave those of the children the process reaped (the children that
 * ended before it, with their own children's), so that every row says
 * what its process used itself. Peak RSS stays: a maximum cannot be
 * taken apart.
 */
void merge_usage_own(struct merge *m);

#endif
