// SPDX-License-Identifier: MIT
/*
 * The writer holds its record file at one high fd (src/writer.c). These
 * hooks keep the program from closing it or replacing it, without the
 * program noticing: dup2 or dup3 onto it first moves keke's fd elsewhere;
 * close_range and closefrom close everything else they were asked to.
 * (close itself is in file.c, with its recording.)
 */
#include <unistd.h>

#include "preload.h"

int close_range(unsigned first, unsigned last, int flags);
void closefrom(int lowfd);

KEKE_EXPORT int dup2(int oldfd, int newfd)
{
	if (newfd >= 0 && newfd != oldfd && newfd == keke_writer_fd())
		keke_writer_move_fd();
	return KEKE_REAL(dup2)(oldfd, newfd);
}

KEKE_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (newfd >= 0 && newfd != oldfd && newfd == keke_writer_fd())
		keke_writer_move_fd();
	return KEKE_REAL(dup3)(oldfd, newfd, flags);
}

KEKE_EXPORT int close_range(unsigned first, unsigned last, int flags)
{
	typeof(close_range) *real = KEKE_REAL(close_range);
	int held = keke_writer_fd(), rc = 0;

	/* Marking it close-on-exec changes nothing: it already is. */
	if (held < 0 || (unsigned)held < first || (unsigned)held > last ||
	    (flags & CLOSE_RANGE_CLOEXEC))
		return real(first, last, flags);
	if ((unsigned)held > first)
		rc = real(first, (unsigned)held - 1, flags);
	if (rc == 0 && (unsigned)held < last)
		rc = real((unsigned)held + 1, last, flags);
	return rc;
}

KEKE_EXPORT void closefrom(int lowfd)
{
	int held = keke_writer_fd();

	if (held >= lowfd && lowfd >= 0) {
		if (held > lowfd)
			KEKE_REAL(close_range)((unsigned)lowfd,
					       (unsigned)held - 1, 0);
		lowfd = held + 1;
	}
	KEKE_REAL(closefrom)(lowfd);
}
