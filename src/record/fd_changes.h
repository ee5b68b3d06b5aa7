/* SPDX-License-Identifier: MIT */
/*
 * The calls whose records change a process's fds or working directory,
 * or hand them to a child: the merge follows a process's fds by them
 * (merge/fd_calls.c), so the preload records them whatever they took
 * (KEKE_MIN_DUR leaves none out). A switch on constants: a hook's call
 * is one, and its test folds away.
 */
#ifndef KEKE_RECORD_FD_CHANGES_H
#define KEKE_RECORD_FD_CHANGES_H

#include <stdbool.h>

#include "record/record.h"

static inline bool keke_call_changes_fds(unsigned call)
{
	switch (call) {
	case KEKE_CALL_OPEN: case KEKE_CALL_OPENAT: case KEKE_CALL_CREAT:
	case KEKE_CALL_FOPEN: case KEKE_CALL_FREOPEN: case KEKE_CALL_CLOSE:
	case KEKE_CALL_FCLOSE: case KEKE_CALL_PCLOSE: case KEKE_CALL_OPENDIR:
	case KEKE_CALL_CLOSEDIR: case KEKE_CALL_DUP: case KEKE_CALL_DUP2:
	case KEKE_CALL_DUP3: case KEKE_CALL_FCNTL: case KEKE_CALL_PIPE:
	case KEKE_CALL_PIPE2: case KEKE_CALL_SOCKET: case KEKE_CALL_SOCKETPAIR:
	case KEKE_CALL_ACCEPT: case KEKE_CALL_ACCEPT4: case KEKE_CALL_CONNECT:
	case KEKE_CALL_BIND: case KEKE_CALL_EVENTFD:
	case KEKE_CALL_TIMERFD_CREATE: case KEKE_CALL_SIGNALFD:
	case KEKE_CALL_MEMFD_CREATE: case KEKE_CALL_EPOLL_CREATE:
	case KEKE_CALL_EPOLL_CREATE1: case KEKE_CALL_INOTIFY_INIT:
	case KEKE_CALL_INOTIFY_INIT1: case KEKE_CALL_MKSTEMP:
	case KEKE_CALL_MKOSTEMP: case KEKE_CALL_MKSTEMPS:
	case KEKE_CALL_MKOSTEMPS: case KEKE_CALL_TMPFILE:
	case KEKE_CALL_CLOSE_RANGE: case KEKE_CALL_CLOSEFROM:
	case KEKE_CALL_CHDIR: case KEKE_CALL_FCHDIR: case KEKE_CALL_FORK:
	case KEKE_CALL_SPAWN: case KEKE_CALL_SYSTEM: case KEKE_CALL_POPEN:
		return true;
	}
	return false;
}

#endif
