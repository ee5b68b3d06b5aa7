/* SPDX-License-Identifier: MIT */
/*
 * The operations that change a process's fds, each taking effect at a
 * moment of its call (fd_calls.h reads them from records), carried out
 * on its table, with what the process hands its children (fd_ops.c).
 */
#ifndef KEKE_MERGE_FD_OPS_H
#define KEKE_MERGE_FD_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "merge/fd_history.h"
#include "merge/fd_table.h"
#include "merge/model.h"

enum fd_op_kind {
	FD_OP_OPEN,		/* fd is the path s, made absolute */
	FD_OP_NAME,		/* fd is named s as it is (NULL: unknown) */
	FD_OP_KERNEL_NAME,	/* fd is what the kernel names s (empty:
				 * closed) at an image's start */
	FD_OP_PIPE,		/* fd and fd2 are the ends of a new pipe */
	FD_OP_SOCKET,		/* fd (and fd2 unless -1) are new sockets */
	FD_OP_MEMFD,		/* fd is a memfd called s */
	FD_OP_RENAME,		/* fd, open already, is named s (its peer) */
	FD_OP_DUP,		/* fd2 is what fd is */
	FD_OP_CLOEXEC,		/* fd's close-on-exec flag becomes cloexec */
	FD_OP_CLOSE,		/* fds fd to fd2 are closed */
	FD_OP_CLOEXEC_RANGE,	/* fds fd to fd2 close on exec */
	FD_OP_CHDIR,		/* the working directory is s, made absolute */
	FD_OP_FCHDIR,		/* the working directory is fd's */
	FD_OP_HAND_BEGIN,	/* a fork, posix_spawn, system() or popen()
				 * copies the fd table from here on */
	FD_OP_HAND_END,		/* ... until here: the child gets it */
};

/* One operation. */
struct fd_op {
	int64_t t;		/* ns: when it takes effect */
	int64_t start;		/* ns: when its call began */
	uint32_t seq;		/* its record's place among the image's
				 * fd-changing records (fd_record_changes) */
	uint8_t sub;		/* its place among its record's */
	uint8_t kind;		/* enum fd_op_kind */
	bool cloexec;
	bool shell;		/* hand: system() or popen(), not fork */
	bool execs;		/* hand: vfork or posix_spawn, whose child
				 * execs before it records anything */
	bool popen;		/* hand: popen() */
	int32_t fd, fd2;	/* popen: the parent's end, the child's
				 * fd (0, 1, or -1: not told) */
	uint64_t inode, inode2;	/* pipe, socket: of fd and fd2 (0: not
				 * known) */
	int child_pid;		/* fork */
	uint64_t flow;		/* fork */
	const char *s;		/* not NUL terminated */
	uint32_t len;
};

struct fd_window;

/* Where operations are carried out. */
struct fd_state {
	struct merge *m;	/* numbers pipes and sockets, keeps what
				 * children are handed */
	struct fd_table *table;	/* the process's, as of now */
	struct fd_history *history;	/* when not NULL: each change is
					 * noted there too */
	size_t dir;		/* the process's dir and pid */
	int pid;
	struct fd_window *windows;	/* hands begun, not yet ended */
	size_t nwindows;
};

/* Carries out @op on @st. Operations come in the order of their moments:
 * (t, seq), and a record's in the order fd_ops_of gave them. */
void fd_op_apply(struct fd_state *st, const struct fd_op *op);

/* Frees the hands @st began and never ended. */
void fd_state_done(struct fd_state *st);

#endif
