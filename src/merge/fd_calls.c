// SPDX-License-Identifier: MIT
/*
 * What each call does to its process's fds (fd_calls.h), from the fields
 * its record holds (the record contract of src/record/calls.def): which
 * fd it makes, copies, renames or retires, with which name and
 * close-on-exec flag, and when.
 *
 * An fd that appears takes effect when its call returns (no other thread
 * can use it before); one that is closed, when its call begins (the
 * kernel frees the number at once, and another thread may get it back
 * before the close returns).
 */
#include "merge/fd_calls.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* The operations of one record, as they are read. */
struct ops {
	const struct keke_record *rec;
	int64_t start, end;
	struct fd_op *v;
	unsigned n;
};

/* The fd in field @key of o->rec, or -1 when it holds none. */
static int64_t fd_in(const struct ops *o, unsigned key)
{
	int64_t fd = keke_record_int(o->rec, key, -1);

	return fd >= 0 && fd <= INT32_MAX ? fd : -1;
}

/* The fd the call returned, or -1 when it failed. */
static int64_t result_fd(const struct ops *o)
{
	return o->rec->err ? -1 : fd_in(o, KEKE_KEY_RESULT);
}

/* Whether integer field @key of the record has @bit set. */
static bool flag(const struct ops *o, unsigned key, int64_t bit)
{
	return (keke_record_int(o->rec, key, 0) & bit) != 0;
}

/* Whether the mode string in field @key (fopen's) says "e": close on
 * exec. */
static bool mode_e(const struct ops *o, unsigned key)
{
	const struct keke_field *f = keke_record_str(o->rec, key);

	return f && memchr(f->s, 'e', f->len);
}

/* Adds an operation on @fd, at the call's end or its start. */
static struct fd_op *add(struct ops *o, enum fd_op_kind kind, int64_t fd,
			 bool at_end)
{
	struct fd_op *op = &o->v[o->n];

	*op = (struct fd_op){
		.t = at_end ? o->end : o->start,
		.start = o->start,
		.sub = (uint8_t)o->n++,
		.kind = (uint8_t)kind,
		.fd = (int32_t)fd,
		.fd2 = -1,
	};
	return op;
}

/* Gives @op the string in field @key of the record, if any. */
static void take_str(const struct ops *o, struct fd_op *op, unsigned key)
{
	const struct keke_field *f = keke_record_str(o->rec, key);

	if (f && f->len) {
		op->s = f->s;
		op->len = f->len;
	}
}

/* @fd (when the call made one) is the path in field @key: made absolute,
 * unless the preload could not join it to its dirfd. */
static void opened(struct ops *o, int64_t fd, unsigned key, bool cloexec)
{
	struct fd_op *op;

	if (fd < 0)
		return;
	op = add(o, FD_OP_OPEN, fd, true);
	op->cloexec = cloexec;
	take_str(o, op, key);
	if (!op->s || (op->s[0] != '/' &&
		       keke_record_field(o->rec, KEKE_KEY_DIRFD)))
		op->kind = FD_OP_NAME;
}

/* @fd (when the call made one) is named @name, as the kernel names fds
 * without a path. */
static void made(struct ops *o, int64_t fd, const char *name, bool cloexec)
{
	struct fd_op *op;

	if (fd < 0)
		return;
	op = add(o, FD_OP_NAME, fd, true);
	op->cloexec = cloexec;
	op->s = name;
	op->len = (uint32_t)strlen(name);
}

/* @from is copied to @to, when the call succeeded and they differ. */
static void dup_op(struct ops *o, int64_t from, int64_t to, bool cloexec)
{
	struct fd_op *op;

	if (from < 0 || to < 0 || from == to)
		return;
	op = add(o, FD_OP_DUP, from, true);
	op->fd2 = (int32_t)to;
	op->cloexec = cloexec;
}

/* fds @first to @last are closed (or marked close-on-exec, which takes
 * effect when the call returns). */
static void closed(struct ops *o, int64_t first, int64_t last, bool cloexec)
{
	struct fd_op *op;

	if (first < 0)
		return;
	op = add(o, cloexec ? FD_OP_CLOEXEC_RANGE : FD_OP_CLOSE, first,
		 cloexec);
	op->fd2 = (int32_t)(last < first ? first : last);
}

/* freopen's old fd is closed within the call, which returns the new. */
static void closed_by_freopen(struct ops *o, int64_t fd)
{
	if (fd < 0)
		return;
	closed(o, fd, fd, false);
	o->v[o->n - 1].t = o->end;
}

/* The two fds of pipe/pipe2 and socketpair. */
static void pair(struct ops *o, enum fd_op_kind kind, bool cloexec)
{
	int64_t fd = fd_in(o, KEKE_KEY_FD), fd2 = fd_in(o, KEKE_KEY_FD2);
	struct fd_op *op;

	if (o->rec->err || fd < 0 || fd2 < 0)
		return;
	op = add(o, kind, fd, true);
	op->fd2 = (int32_t)fd2;
	op->cloexec = cloexec;
	op->inode = (uint64_t)keke_record_int(o->rec, KEKE_KEY_INODE, 0);
	op->inode2 = (uint64_t)keke_record_int(o->rec, KEKE_KEY_INODE2, 0);
}

/* A socket made by socket() or accept(): named by its peer when told. */
static void socket_op(struct ops *o, int64_t fd, unsigned addr_key,
		      bool cloexec)
{
	struct fd_op *op;

	if (fd < 0)
		return;
	op = add(o, FD_OP_SOCKET, fd, true);
	op->cloexec = cloexec;
	op->inode = (uint64_t)keke_record_int(o->rec, KEKE_KEY_INODE, 0);
	if (addr_key) {
		take_str(o, op, addr_key);
		if (op->s)
			op->kind = FD_OP_NAME;
	}
}

/* connect, bind: the socket is named by the address, once the call
 * succeeded (or is under way, for a non-blocking connect). */
static void renamed(struct ops *o)
{
	int64_t fd = fd_in(o, KEKE_KEY_FD);
	struct fd_op *op;

	if (fd < 0 || (o->rec->err && o->rec->err != EINPROGRESS) ||
	    !keke_record_str(o->rec, KEKE_KEY_ADDR))
		return;
	op = add(o, FD_OP_RENAME, fd, true);
	take_str(o, op, KEKE_KEY_ADDR);
	if (!op->s)
		o->n--;
}

/* fcntl: the commands that copy an fd or set its close-on-exec flag. */
static void fcntl_op(struct ops *o)
{
	int64_t fd = fd_in(o, KEKE_KEY_FD);
	int64_t cmd = keke_record_int(o->rec, KEKE_KEY_CMD, -1);

	if (o->rec->err || fd < 0)
		return;
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) {
		dup_op(o, fd, result_fd(o), cmd == F_DUPFD_CLOEXEC);
	} else if (cmd == F_SETFD) {
		struct fd_op *op = add(o, FD_OP_CLOEXEC, fd, true);

		op->cloexec = flag(o, KEKE_KEY_ARG, FD_CLOEXEC);
	}
}

/* freopen: the old fd is closed, the new one opened (or, without a
 * path, the same file on a new fd); a failed freopen closed the stream. */
static void freopen_op(struct ops *o)
{
	int64_t old = fd_in(o, KEKE_KEY_FD), fd = result_fd(o);
	bool cloexec = mode_e(o, KEKE_KEY_MODE);

	if (fd < 0) {
		closed(o, old, old, false);
		return;
	}
	if (!keke_record_str(o->rec, KEKE_KEY_PATH))
		dup_op(o, old, fd, cloexec);
	if (old != fd)
		closed_by_freopen(o, old);
	if (keke_record_str(o->rec, KEKE_KEY_PATH))
		opened(o, fd, KEKE_KEY_PATH, cloexec);
}

/* close_range: fds FD to ARG (an unsigned int: ~0U may read as -1) are
 * closed, or marked close-on-exec. */
static void close_range_op(struct ops *o)
{
	int64_t last = keke_record_int(o->rec, KEKE_KEY_ARG, INT32_MAX);

	if (o->rec->err)
		return;
	if (last < 0 || last > INT32_MAX)
		last = INT32_MAX;
	closed(o, fd_in(o, KEKE_KEY_FD), last,
	       flag(o, KEKE_KEY_FLAGS, CLOSE_RANGE_CLOEXEC));
}

/* chdir, fchdir, and the working directory an image starts in. */
static void chdir_op(struct ops *o, unsigned key, bool at_end)
{
	struct fd_op *op;

	if (o->rec->err || !keke_record_str(o->rec, key))
		return;
	op = add(o, FD_OP_CHDIR, -1, at_end);
	take_str(o, op, key);
	if (!op->s)
		o->n--;
}

/*
 * A fork hands its child the fd table as it was during the call; system()
 * and popen() hand their shell what survives its exec, and popen the end
 * of its pipe at fd 0 or 1 (its mode, when told, says which). A vfork's
 * child and a posix_spawn's exec first: they are handed what survives the
 * exec, and may have changed fds unrecorded before it (in the parent's
 * memory, or by file actions), which their image's start corrects for
 * fds 0-2, where the changes go (start_op); a change to another fd is
 * not seen.
 */
static void hand(struct ops *o)
{
	const struct keke_record *rec = o->rec;
	const struct keke_field *mode;
	struct fd_op *begin, *end;
	bool shell = rec->name == KEKE_CALL_SYSTEM ||
		     rec->name == KEKE_CALL_POPEN;

	if (rec->err || keke_record_int(rec, KEKE_KEY_RESULT, 0) < 0)
		return;
	if (!shell && (!keke_record_int(rec, KEKE_KEY_FLOW_OUT, 0) ||
		       keke_record_int(rec, KEKE_KEY_CHILD_PID, 0) <= 0))
		return;
	begin = add(o, FD_OP_HAND_BEGIN, -1, false);
	begin->shell = shell;
	begin->execs = rec->name == KEKE_CALL_SPAWN ||
		       keke_record_int(rec, KEKE_KEY_VFORK, 0);
	begin->flow = (uint64_t)keke_record_int(rec, KEKE_KEY_FLOW_OUT, 0);
	begin->child_pid = (int)keke_record_int(rec, KEKE_KEY_CHILD_PID, 0);
	if (rec->name == KEKE_CALL_POPEN) {
		begin->popen = true;
		mode = keke_record_str(rec, KEKE_KEY_MODE);
		begin->fd = (int32_t)fd_in(o, KEKE_KEY_FD);
		begin->fd2 = !mode || !mode->len ? -1 :
			     mode->s[0] == 'r' ? 1 : mode->s[0] == 'w' ? 0 : -1;
		begin->cloexec = mode_e(o, KEKE_KEY_MODE);
		begin->inode = (uint64_t)keke_record_int(rec, KEKE_KEY_INODE,
							 0);
	}
	end = add(o, FD_OP_HAND_END, -1, true);
	*end = *begin;
	end->kind = FD_OP_HAND_END;
	end->t = o->end;
	end->sub = begin->sub + 1;
}

/* What an image's first record says: its working directory, and, unless
 * it is a fork child's, what the kernel names its fds 0 to 2. */
static void start_op(struct ops *o)
{
	static const unsigned keys[] = { KEKE_KEY_STDIN, KEKE_KEY_STDOUT,
					 KEKE_KEY_STDERR };

	chdir_op(o, KEKE_KEY_CWD, false);
	for (unsigned i = 0; i < 3; i++) {
		struct fd_op *op;

		if (!keke_record_str(o->rec, keys[i]))
			continue;
		op = add(o, FD_OP_KERNEL_NAME, i, false);
		take_str(o, op, keys[i]);
	}
}

/* The calls that make an fd of their own kind, without a path. */
static bool anon_op(struct ops *o)
{
	int64_t fd = result_fd(o);

	switch (o->rec->name) {
	case KEKE_CALL_EVENTFD:
		made(o, fd, "anon_inode:[eventfd]",
		     flag(o, KEKE_KEY_FLAGS, EFD_CLOEXEC));
		return true;
	case KEKE_CALL_TIMERFD_CREATE:
		made(o, fd, "anon_inode:[timerfd]",
		     flag(o, KEKE_KEY_FLAGS, TFD_CLOEXEC));
		return true;
	case KEKE_CALL_SIGNALFD:
		/* Given an fd, signalfd changes its mask. */
		if (keke_record_int(o->rec, KEKE_KEY_FD, -1) == -1)
			made(o, fd, "anon_inode:[signalfd]",
			     flag(o, KEKE_KEY_FLAGS, SFD_CLOEXEC));
		return true;
	case KEKE_CALL_EPOLL_CREATE:
	case KEKE_CALL_EPOLL_CREATE1:
		made(o, fd, "anon_inode:[eventpoll]",
		     flag(o, KEKE_KEY_FLAGS, EPOLL_CLOEXEC));
		return true;
	case KEKE_CALL_INOTIFY_INIT:
	case KEKE_CALL_INOTIFY_INIT1:
		made(o, fd, "anon_inode:inotify",
		     flag(o, KEKE_KEY_FLAGS, IN_CLOEXEC));
		return true;
	case KEKE_CALL_MEMFD_CREATE:
		if (fd >= 0) {
			struct fd_op *op = add(o, FD_OP_MEMFD, fd, true);

			op->cloexec = flag(o, KEKE_KEY_FLAGS, MFD_CLOEXEC);
			take_str(o, op, KEKE_KEY_NAME);
		}
		return true;
	}
	return false;
}

/* The calls that open a path, make or copy an fd. */
static bool open_op(struct ops *o)
{
	int64_t fd = result_fd(o), from = fd_in(o, KEKE_KEY_FD);
	bool cloexec = flag(o, KEKE_KEY_FLAGS, O_CLOEXEC);

	switch (o->rec->name) {
	case KEKE_CALL_OPEN:
	case KEKE_CALL_OPENAT:
	case KEKE_CALL_MKOSTEMP:
	case KEKE_CALL_MKOSTEMPS:
		opened(o, fd, KEKE_KEY_PATH, cloexec);
		return true;
	case KEKE_CALL_CREAT:
	case KEKE_CALL_MKSTEMP:
	case KEKE_CALL_MKSTEMPS:
		opened(o, fd, KEKE_KEY_PATH, false);
		return true;
	case KEKE_CALL_FOPEN:
		opened(o, fd, KEKE_KEY_PATH, mode_e(o, KEKE_KEY_MODE));
		return true;
	case KEKE_CALL_OPENDIR:
		opened(o, fd, KEKE_KEY_PATH, true);	/* glibc: O_CLOEXEC */
		return true;
	case KEKE_CALL_TMPFILE:
		if (fd >= 0)
			take_str(o, add(o, FD_OP_NAME, fd, true),
				 KEKE_KEY_PATH);
		return true;
	case KEKE_CALL_DUP:
	case KEKE_CALL_DUP2:
		dup_op(o, from, fd, false);
		return true;
	case KEKE_CALL_DUP3:
		dup_op(o, from, fd, cloexec);
		return true;
	case KEKE_CALL_PIPE:
	case KEKE_CALL_PIPE2:
		pair(o, FD_OP_PIPE, cloexec);
		return true;
	case KEKE_CALL_SOCKETPAIR:
		pair(o, FD_OP_SOCKET,
		     flag(o, KEKE_KEY_TYPE, SOCK_CLOEXEC));
		return true;
	case KEKE_CALL_SOCKET:
		socket_op(o, fd, 0, flag(o, KEKE_KEY_TYPE, SOCK_CLOEXEC));
		return true;
	case KEKE_CALL_ACCEPT:
	case KEKE_CALL_ACCEPT4:
		socket_op(o, fd, KEKE_KEY_ADDR,
			  flag(o, KEKE_KEY_FLAGS, SOCK_CLOEXEC));
		return true;
	}
	return anon_op(o);
}

unsigned fd_ops_of(const struct keke_record *rec, int64_t start, int64_t end,
		   struct fd_op *ops)
{
	struct ops o = { rec, start, end < start ? start : end, ops, 0 };
	int64_t fd = fd_in(&o, KEKE_KEY_FD);

	if (rec->type == KEKE_REC_PROCESS_START) {
		start_op(&o);
		return o.n;
	}
	if (rec->type != KEKE_REC_SLICE || open_op(&o))
		return o.n;
	switch (rec->name) {
	case KEKE_CALL_CLOSE:
	case KEKE_CALL_FCLOSE:
	case KEKE_CALL_PCLOSE:
	case KEKE_CALL_CLOSEDIR:
		/* The fd is gone even when the call reports an error. */
		closed(&o, fd, fd, false);
		break;
	case KEKE_CALL_CLOSE_RANGE:
		close_range_op(&o);
		break;
	case KEKE_CALL_CLOSEFROM:
		closed(&o, fd, INT32_MAX, false);
		break;
	case KEKE_CALL_FCNTL:
		fcntl_op(&o);
		break;
	case KEKE_CALL_FREOPEN:
		freopen_op(&o);
		break;
	case KEKE_CALL_CONNECT:
	case KEKE_CALL_BIND:
		renamed(&o);
		break;
	case KEKE_CALL_CHDIR:
		chdir_op(&o, KEKE_KEY_PATH, true);
		break;
	case KEKE_CALL_FCHDIR:
		if (!rec->err && fd >= 0)
			add(&o, FD_OP_FCHDIR, fd, true);
		break;
	case KEKE_CALL_FORK:
	case KEKE_CALL_SPAWN:
	case KEKE_CALL_SYSTEM:
	case KEKE_CALL_POPEN:
		hand(&o);
		break;
	}
	return o.n;
}
