/* SPDX-License-Identifier: MIT */
/*
 * What a process used, as getrusage and wait4 tell it: recorded at each
 * end of a process image, beside the kernel's I/O counters (proc_io.h),
 * and on a wait slice for the child it reaped. The kernel keeps counting
 * across exec, so an image's figures include those of the images before
 * it in the same process; the merge takes the difference.
 */
#ifndef KEKE_RUSAGE_H
#define KEKE_RUSAGE_H

#include <sys/resource.h>
#include <sys/syscall.h>

#include "raw_syscall.h"
#include "runtime/writer.h"

/* cpu_user_ns ... fs_write_blocks: the keys KEKE_KEY_CPU_USER_NS and the
 * eight after it. */
#define KEKE_RUSAGE_N 9

/* Upper bound of what keke_rec_rusage adds to a record. */
#define KEKE_RUSAGE_MAX_LEN (KEKE_RUSAGE_N * (1 + KEKE_VARINT_MAX))

/* Adds @u's figures to the record @r. */
static inline void keke_rec_rusage(struct keke_rec *r, const struct rusage *u)
{
	const int64_t v[KEKE_RUSAGE_N] = {
		u->ru_utime.tv_sec * 1000000000LL + u->ru_utime.tv_usec * 1000,
		u->ru_stime.tv_sec * 1000000000LL + u->ru_stime.tv_usec * 1000,
		u->ru_maxrss, u->ru_minflt, u->ru_majflt, u->ru_nvcsw,
		u->ru_nivcsw, u->ru_inblock, u->ru_oublock,
	};

	for (unsigned i = 0; i < KEKE_RUSAGE_N; i++)
		keke_rec_int(r, KEKE_KEY_CPU_USER_NS + i, v[i]);
}

/*
 * Reads this process's figures into @u, by a raw system call (errno
 * kept). Returns whether it could.
 */
static inline bool keke_rusage_read(struct rusage *u)
{
	return keke_raw_syscall(SYS_getrusage, RUSAGE_SELF, (long)u, 0, 0) == 0;
}

#endif
