/* SPDX-License-Identifier: MIT */
/* The kernel's I/O counters of a process (kernel_io.c). */
#ifndef KEKE_MERGE_KERNEL_IO_H
#define KEKE_MERGE_KERNEL_IO_H

#include "merge/model.h"

/*
 * Takes the counters that the record @rec at @ts tells, if any: an image's
 * PROCESS_END, or an exec slice (which tells them only if the exec
 * worked), each read as its image ended. The latest told wins: the kernel
 * keeps counting across exec, so the last image's are the process's.
 */
void merge_kernel_io(struct proc *p, const struct keke_record *rec,
		     int64_t ts);

/* Puts @p's counters into its row @out. */
void merge_kernel_io_out(const struct proc *p, struct keke_process *out);

#endif
