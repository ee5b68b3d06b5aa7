// SPDX-License-Identifier: MIT
/* The fields that tell of an exec (exec_fields.h). */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "proc/exec_fields.h"
#include "record/once.h"

KEKE_ONCE void keke_exec_fields(struct keke_rec *r, const char *path,
				char *const argv[])
{
	char *p;
	long n;

	/* Written in place, not staged on the stack: this may run in a
	 * signal handler on a small stack. /proc/self/fd/N is shown as
	 * what it stands for. */
	p = keke_rec_str_begin(r, KEKE_KEY_PATH);
	n = strncmp(path, "/proc/self/fd/", 14) ? -1 :
		syscall(SYS_readlink, path, p, KEKE_STRING_CAP);
	if (n <= 0) {
		n = (long)strnlen(path, KEKE_STRING_CAP);
		memcpy(p, path, (size_t)n);
	}
	keke_rec_str_end(r, (size_t)n);
	keke_rec_strv(r, KEKE_KEY_ARGV, argv);
}
