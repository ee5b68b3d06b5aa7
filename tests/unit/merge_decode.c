// SPDX-License-Identifier: MIT
/*
 * Integer args decoded as strace shows them (merge/decode.h): each
 * decoding on values it names, on 0 (O_RDONLY, F_OK, PROT_NONE, or no
 * text when 0 has no name), on bits it cannot name (shown in hex after
 * the names), on negative and out-of-range values; decodings that read
 * another field of the record; the keys that stay numbers; a buffer too
 * small. Expected texts are written out by hand, as strace prints them.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <dlfcn.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "merge/decode.h"
#include "record/record.h"

/* One value of one field of one call, and its text (NULL: none). */
struct dcase {
	unsigned call, key;
	int64_t value;
	const char *want;
};

#define C(call, key) KEKE_CALL_##call, KEKE_KEY_##key

/*
 * Decodes every case of @cases (@n of them) with the record @rec, and
 * checks the text; and that the merge would ask (merge_may_decode) for
 * every one that has a text.
 */
static void check(const struct dcase *cases, size_t n,
		  const struct keke_record *rec)
{
	for (size_t i = 0; i < n; i++) {
		const struct dcase *c = &cases[i];
		char buf[MERGE_DECODE_MAX];
		size_t len = merge_decode(c->call, c->key, c->value, rec, buf,
					  sizeof(buf));
		const char *call = keke_call_name(c->call);
		const char *key = keke_key_name(c->key);

		call = call ? call : "?";
		key = key ? key : "?";
		if (!c->want) {
			cr_expect_eq(len, 0, "%s %s=%lld: decoded to \"%s\", "
				     "expected the number", call, key,
				     (long long)c->value, len ? buf : "");
			continue;
		}
		cr_expect(len && !strcmp(buf, c->want) && strlen(buf) == len,
			  "%s %s=%lld: decoded to \"%s\", expected \"%s\"",
			  call, key, (long long)c->value, len ? buf : "(none)",
			  c->want);
		cr_expect(merge_may_decode(c->call, c->key),
			  "%s %s has a decoding the merge never asks for",
			  call, key);
	}
}

#define CHECK(cases, rec) check(cases, sizeof(cases) / sizeof(cases[0]), rec)

Test(decode, open_flags_and_modes)
{
	static const struct dcase cases[] = {
		{ C(OPEN, FLAGS), O_WRONLY | O_CREAT | O_TRUNC,
		  "O_WRONLY|O_CREAT|O_TRUNC" },
		{ C(OPEN, FLAGS), 0, "O_RDONLY" },
		{ C(OPENAT, FLAGS), O_RDONLY | O_NONBLOCK | O_CLOEXEC |
					    O_DIRECTORY,
		  "O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY" },
		{ C(OPEN, FLAGS), O_RDONLY | 0x40000000,
		  "O_RDONLY|0x40000000" },
		{ C(OPEN, FLAGS), O_RDWR | O_TMPFILE, "O_RDWR|O_TMPFILE" },
		{ C(OPEN, FLAGS), O_WRONLY | O_SYNC, "O_WRONLY|O_SYNC" },
		{ C(OPEN, FLAGS), O_WRONLY | O_DSYNC, "O_WRONLY|O_DSYNC" },
		{ C(OPEN, FLAGS), O_RDWR | O_APPEND | O_EXCL,
		  "O_RDWR|O_EXCL|O_APPEND" },
		{ C(CREAT, FLAGS), 3, "O_ACCMODE" },
		{ C(OPEN, MODE), 0644, "0644" },
		{ C(OPEN, MODE), 0, "000" },
		{ C(OPEN, MODE), 07, "007" },
		{ C(CREAT, MODE), 04755, "04755" },
		{ C(OPEN, MODE), -1, NULL },
		{ C(MKDIR, MODE), 0750, "0750" },
		{ C(MKDIRAT, MODE), 0700, "0700" },
		{ C(CHMOD, MODE), 01777, "01777" },
		{ C(FCHMODAT, MODE), 0600, "0600" },
		/* fopen's mode is a string: an integer there is a number. */
		{ C(FOPEN, MODE), 0644, NULL },
		{ C(FDOPEN, MODE), 1, NULL },
	};

	CHECK(cases, NULL);
}

Test(decode, every_open_bit_set)
{
	char buf[MERGE_DECODE_MAX];
	size_t len = merge_decode(KEKE_CALL_OPEN, KEKE_KEY_FLAGS, -1, NULL,
				  buf, sizeof(buf));

	cr_assert_gt(len, 0);
	cr_expect(!strncmp(buf, "O_ACCMODE|O_CREAT|O_EXCL|", 25),
		  "flags -1 as the int it is: %s", buf);
	cr_expect(strstr(buf, "|O_CLOEXEC|") && strstr(buf, "|O_TMPFILE|"),
		  "flags -1: %s", buf);
	cr_expect(!strstr(buf, "O_DIRECTORY") && !strstr(buf, "O_DSYNC"),
		  "flags -1: a name whose bits another took: %s", buf);
	cr_expect(!strncmp(strrchr(buf, '|'), "|0x", 3) &&
			  !strstr(buf, "0xffffffff"),
		  "flags -1: the bits left, in hex, last: %s", buf);
}

Test(decode, at_rename_and_access)
{
	static const struct dcase cases[] = {
		{ C(FSTATAT, FLAGS), AT_EMPTY_PATH, "AT_EMPTY_PATH" },
		{ C(FSTATAT, FLAGS), AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH,
		  "AT_SYMLINK_NOFOLLOW|AT_EMPTY_PATH" },
		{ C(STATX, FLAGS), AT_SYMLINK_NOFOLLOW | AT_STATX_DONT_SYNC,
		  "AT_SYMLINK_NOFOLLOW|AT_STATX_DONT_SYNC" },
		{ C(FSTATAT, FLAGS), 0, NULL },
		/* The same bit is AT_REMOVEDIR, AT_EACCESS, or neither. */
		{ C(UNLINKAT, FLAGS), AT_REMOVEDIR, "AT_REMOVEDIR" },
		{ C(FACCESSAT, FLAGS), 0x200, "AT_EACCESS" },
		{ C(FSTATAT, FLAGS), 0x200, "0x200" },
		{ C(UNLINKAT, FLAGS), 0x100, "0x100" },
		{ C(LINKAT, FLAGS), AT_SYMLINK_FOLLOW, "AT_SYMLINK_FOLLOW" },
		{ C(UTIMENSAT, FLAGS), AT_SYMLINK_NOFOLLOW,
		  "AT_SYMLINK_NOFOLLOW" },
		{ C(FCHOWNAT, FLAGS), AT_EMPTY_PATH, "AT_EMPTY_PATH" },
		{ C(RENAMEAT2, FLAGS), 1, "RENAME_NOREPLACE" },
		{ C(RENAMEAT2, FLAGS), 2, "RENAME_EXCHANGE" },
		{ C(RENAMEAT2, FLAGS), 4, "RENAME_WHITEOUT" },
		{ C(RENAMEAT2, FLAGS), 1 | 8, "RENAME_NOREPLACE|0x8" },
		{ C(RENAMEAT2, FLAGS), 0, NULL },
		/* renameat has no flags to name */
		{ C(RENAMEAT, FLAGS), 1, NULL },
		{ C(ACCESS, MODE), R_OK | W_OK, "R_OK|W_OK" },
		{ C(ACCESS, MODE), F_OK, "F_OK" },
		{ C(FACCESSAT, MODE), X_OK, "X_OK" },
		{ C(EUIDACCESS, MODE), R_OK | W_OK | X_OK, "R_OK|W_OK|X_OK" },
		{ C(ACCESS, MODE), 8, "0x8" },
	};

	CHECK(cases, NULL);
}

Test(decode, sockets)
{
	static const struct dcase cases[] = {
		{ C(SOCKET, DOMAIN), AF_INET, "AF_INET" },
		{ C(SOCKET, DOMAIN), AF_UNIX, "AF_UNIX" },
		{ C(SOCKETPAIR, DOMAIN), AF_UNIX, "AF_UNIX" },
		{ C(SOCKET, DOMAIN), AF_INET6, "AF_INET6" },
		{ C(SOCKET, DOMAIN), AF_NETLINK, "AF_NETLINK" },
		{ C(SOCKET, DOMAIN), 9999, NULL },
		{ C(SOCKET, DOMAIN), -1, NULL },
		{ C(SOCKET, TYPE), SOCK_STREAM | SOCK_CLOEXEC,
		  "SOCK_STREAM|SOCK_CLOEXEC" },
		{ C(SOCKET, TYPE), SOCK_DGRAM | SOCK_NONBLOCK,
		  "SOCK_DGRAM|SOCK_NONBLOCK" },
		{ C(SOCKET, TYPE), SOCK_STREAM, "SOCK_STREAM" },
		{ C(SOCKETPAIR, TYPE), SOCK_SEQPACKET, "SOCK_SEQPACKET" },
		{ C(SOCKET, TYPE), 0xf, "0xf" },
		{ C(SOCKET, TYPE), SOCK_STREAM | 0x100, "SOCK_STREAM|0x100" },
		{ C(SOCKET, TYPE), 0, NULL },
		/* No domain known: the protocol stays a number. */
		{ C(SOCKET, PROTOCOL), 6, NULL },
		{ C(ACCEPT4, FLAGS), SOCK_CLOEXEC, "SOCK_CLOEXEC" },
		{ C(ACCEPT4, FLAGS), SOCK_NONBLOCK | SOCK_CLOEXEC,
		  "SOCK_NONBLOCK|SOCK_CLOEXEC" },
		{ C(RECV, FLAGS), MSG_DONTWAIT, "MSG_DONTWAIT" },
		{ C(SENDTO, FLAGS), MSG_NOSIGNAL | MSG_MORE,
		  "MSG_NOSIGNAL|MSG_MORE" },
		{ C(RECVMSG, FLAGS), MSG_PEEK | MSG_TRUNC | MSG_CMSG_CLOEXEC,
		  "MSG_PEEK|MSG_TRUNC|MSG_CMSG_CLOEXEC" },
		{ C(SENDMMSG, FLAGS), MSG_DONTWAIT, "MSG_DONTWAIT" },
		{ C(RECVMMSG, FLAGS), MSG_WAITFORONE, "MSG_WAITFORONE" },
		{ C(SHUTDOWN, HOW), SHUT_WR, "SHUT_WR" },
		{ C(SHUTDOWN, HOW), SHUT_RD, "SHUT_RD" },
		{ C(SHUTDOWN, HOW), SHUT_RDWR, "SHUT_RDWR" },
		{ C(SHUTDOWN, HOW), 7, NULL },
		/* "type" means a socket type only for socket, socketpair */
		{ C(CONNECT, TYPE), SOCK_STREAM, NULL },
	};

	CHECK(cases, NULL);
}

Test(decode, protocol_by_domain)
{
	struct keke_record rec = {
		.name = KEKE_CALL_SOCKET,
		.nfields = 1,
		.fields = { { .key = KEKE_KEY_DOMAIN, .i = AF_INET } },
	};
	static const struct dcase inet[] = {
		{ C(SOCKET, PROTOCOL), IPPROTO_TCP, "IPPROTO_TCP" },
		{ C(SOCKET, PROTOCOL), 0, "IPPROTO_IP" },
		{ C(SOCKET, PROTOCOL), IPPROTO_UDP, "IPPROTO_UDP" },
		{ C(SOCKET, PROTOCOL), 12345, NULL },
	};
	static const struct dcase unix_[] = {
		{ C(SOCKET, PROTOCOL), 0, NULL },
	};
	static const struct dcase netlink[] = {
		{ C(SOCKET, PROTOCOL), 0, "NETLINK_ROUTE" },
		{ C(SOCKETPAIR, PROTOCOL), NETLINK_AUDIT,
		  "NETLINK_AUDIT" },
	};

	CHECK(inet, &rec);
	rec.fields[0].i = AF_INET6;
	CHECK(inet, &rec);
	rec.fields[0].i = AF_UNIX;
	CHECK(unix_, &rec);
	rec.fields[0].i = AF_NETLINK;
	CHECK(netlink, &rec);
}

Test(decode, mmap)
{
	static const struct dcase cases[] = {
		{ C(MMAP, PROT), PROT_READ | PROT_WRITE,
		  "PROT_READ|PROT_WRITE" },
		{ C(MMAP, PROT), PROT_READ | PROT_EXEC, "PROT_READ|PROT_EXEC" },
		{ C(MMAP, PROT), 0, "PROT_NONE" },
		{ C(MMAP, PROT), PROT_READ | 0x10, "PROT_READ|0x10" },
		{ C(MMAP, FLAGS), MAP_PRIVATE, "MAP_PRIVATE" },
		{ C(MMAP, FLAGS), MAP_SHARED | MAP_FIXED,
		  "MAP_SHARED|MAP_FIXED" },
		{ C(MMAP, FLAGS), MAP_PRIVATE | MAP_DENYWRITE,
		  "MAP_PRIVATE|MAP_DENYWRITE" },
		{ C(MMAP, FLAGS), MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		  "MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE" },
		{ C(MMAP, FLAGS), MAP_ANONYMOUS, "MAP_ANONYMOUS" },
		{ C(MMAP, FLAGS), 0xf, "0xf" },
		{ C(MMAP, FLAGS), 0, NULL },
		/* prot is mmap's only */
		{ C(MUNMAP, PROT), PROT_READ, NULL },
	};

	CHECK(cases, NULL);
}

Test(decode, wait_status_and_options)
{
	static const struct dcase cases[] = {
		{ C(WAIT, STATUS), 3 << 8, "exited 3" },
		{ C(WAIT, STATUS), 0, "exited 0" },
		{ C(WAIT, STATUS), 255 << 8, "exited 255" },
		{ C(WAIT, STATUS), SIGSEGV | 0x80,
		  "killed by SIGSEGV (core dumped)" },
		{ C(WAIT, STATUS), SIGKILL, "killed by SIGKILL" },
		{ C(WAIT, STATUS), SIGTERM, "killed by SIGTERM" },
		{ C(WAIT, STATUS), 77, "killed by signal 77" },
		{ C(WAIT, STATUS), SIGSTOP << 8 | 0x7f, "stopped by SIGSTOP" },
		{ C(WAIT, STATUS), SIGTSTP << 8 | 0x7f, "stopped by SIGTSTP" },
		{ C(WAIT, STATUS), 0xffff, "continued" },
		{ C(WAIT, STATUS), -1, NULL },
		{ C(WAIT, STATUS), 0x10000, NULL },
		{ C(WAIT, OPTIONS), WNOHANG, "WNOHANG" },
		{ C(WAIT, OPTIONS), WNOHANG | WUNTRACED, "WNOHANG|WSTOPPED" },
		{ C(WAIT, OPTIONS), WEXITED | WNOWAIT, "WEXITED|WNOWAIT" },
		{ C(WAIT, OPTIONS), __WALL, "__WALL" },
		{ C(WAIT, OPTIONS), WNOHANG | 0x100, "WNOHANG|0x100" },
		/* system() and pclose() return a wait status */
		{ C(SYSTEM, RESULT), 1 << 8, "exited 1" },
		{ C(SYSTEM, RESULT), 127 << 8, "exited 127" },
		{ C(SYSTEM, RESULT), -1, NULL },
		{ C(PCLOSE, RESULT), 0, "exited 0" },
		{ C(PCLOSE, RESULT), SIGPIPE, "killed by SIGPIPE" },
		/* other calls' status and result are numbers */
		{ C(EXIT, STATUS), 3 << 8, NULL },
		{ C(READ, RESULT), 768, NULL },
		{ C(POPEN, RESULT), 3, NULL },
	};

	CHECK(cases, NULL);
}

Test(decode, signals)
{
	static const struct dcase cases[] = {
		{ C(KILL, SIGNAL), SIGTERM, "SIGTERM" },
		{ C(KILL, SIGNAL), SIGKILL, "SIGKILL" },
		{ C(KILL, SIGNAL), SIGHUP, "SIGHUP" },
		{ C(KILL, SIGNAL), SIGSYS, "SIGSYS" },
		{ C(KILL, SIGNAL), 0, NULL },
		{ C(KILL, SIGNAL), -1, NULL },
		{ C(TGKILL, SIGNAL), SIGUSR1, "SIGUSR1" },
		{ C(RAISE, SIGNAL), SIGABRT, "SIGABRT" },
		{ C(SIGQUEUE, SIGNAL), SIGCHLD, "SIGCHLD" },
		{ C(PTHREAD_KILL, SIGNAL), SIGUSR2, "SIGUSR2" },
		/* real-time signals counted from the kernel's first (32) */
		{ C(KILL, SIGNAL), 32, "SIGRT_0" },
		{ C(KILL, SIGNAL), 34, "SIGRT_2" },
		{ C(KILL, SIGNAL), 64, "SIGRT_32" },
		{ C(KILL, SIGNAL), 65, NULL },
		{ C(KILL, SIGNAL), 1000, NULL },
	};

	CHECK(cases, NULL);
}

Test(decode, fcntl_and_locks)
{
	static const struct dcase cases[] = {
		{ C(FCNTL, CMD), F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC" },
		{ C(FCNTL, CMD), F_SETLKW, "F_SETLKW" },
		{ C(FCNTL, CMD), F_DUPFD, "F_DUPFD" },
		{ C(FCNTL, CMD), F_SETFL, "F_SETFL" },
		{ C(FCNTL, CMD), F_OFD_SETLKW, "F_OFD_SETLKW" },
		{ C(FCNTL, CMD), F_GETPIPE_SZ, "F_GETPIPE_SZ" },
		{ C(FCNTL, CMD), 12345, NULL },
		/* Without its command, the argument stays a number. */
		{ C(FCNTL, ARG), F_WRLCK, NULL },
		{ C(FCNTL, WHENCE), SEEK_SET, "SEEK_SET" },
		{ C(LSEEK, WHENCE), SEEK_END, "SEEK_END" },
		{ C(LSEEK, WHENCE), SEEK_DATA, "SEEK_DATA" },
		{ C(LSEEK, WHENCE), SEEK_HOLE, "SEEK_HOLE" },
		{ C(FSEEK, WHENCE), SEEK_CUR, "SEEK_CUR" },
		{ C(LSEEK, WHENCE), 9, NULL },
		{ C(LSEEK, WHENCE), -1, NULL },
		{ C(LOCKF, CMD), F_ULOCK, "F_ULOCK" },
		{ C(LOCKF, CMD), F_TLOCK, "F_TLOCK" },
		{ C(LOCKF, CMD), F_TEST, "F_TEST" },
		{ C(FLOCK, HOW), LOCK_EX | LOCK_NB, "LOCK_EX|LOCK_NB" },
		{ C(FLOCK, HOW), LOCK_UN, "LOCK_UN" },
		{ C(FLOCK, HOW), LOCK_SH, "LOCK_SH" },
		{ C(FLOCK, HOW), 0, NULL },
	};

	CHECK(cases, NULL);
}

/* fcntl's argument as its command @cmd gives it. */
static void check_fcntl_arg(int cmd, const struct dcase *cases, size_t n)
{
	struct keke_record rec = {
		.name = KEKE_CALL_FCNTL,
		.nfields = 1,
		.fields = { { .key = KEKE_KEY_CMD, .i = cmd } },
	};

	check(cases, n, &rec);
}

Test(decode, fcntl_arg_by_command)
{
	static const struct dcase locks[] = {
		{ C(FCNTL, ARG), F_WRLCK, "F_WRLCK" },
		{ C(FCNTL, ARG), F_RDLCK, "F_RDLCK" },
		{ C(FCNTL, ARG), F_UNLCK, "F_UNLCK" },
		{ C(FCNTL, ARG), 7, NULL },
	};
	static const struct dcase setfd[] = {
		{ C(FCNTL, ARG), FD_CLOEXEC, "FD_CLOEXEC" },
		{ C(FCNTL, ARG), 0, NULL },
	};
	static const struct dcase setfl[] = {
		{ C(FCNTL, ARG), O_RDWR | O_NONBLOCK, "O_RDWR|O_NONBLOCK" },
		{ C(FCNTL, ARG), O_APPEND, "O_RDONLY|O_APPEND" },
	};
	static const struct dcase plain[] = {
		{ C(FCNTL, ARG), 10, NULL },
	};
	static const struct dcase setsig[] = {
		{ C(FCNTL, ARG), SIGIO, "SIGIO" },
	};

	check_fcntl_arg(F_SETLKW, locks, 4);
	check_fcntl_arg(F_SETLK, locks, 4);
	check_fcntl_arg(F_GETLK, locks, 4);
	check_fcntl_arg(F_OFD_SETLKW, locks, 4);
	check_fcntl_arg(F_SETFD, setfd, 2);
	check_fcntl_arg(F_SETFL, setfl, 2);
	check_fcntl_arg(F_DUPFD_CLOEXEC, plain, 1);
	check_fcntl_arg(F_SETPIPE_SZ, plain, 1);
	check_fcntl_arg(F_SETSIG, setsig, 1);
}

Test(decode, fds_made_with_flags)
{
	static const struct dcase cases[] = {
		{ C(DUP3, FLAGS), O_CLOEXEC, "O_CLOEXEC" },
		{ C(PIPE2, FLAGS), O_CLOEXEC | O_NONBLOCK,
		  "O_NONBLOCK|O_CLOEXEC" },
		{ C(PIPE2, FLAGS), O_DIRECT, "O_DIRECT" },
		{ C(PIPE2, FLAGS), 0, NULL },
		{ C(MKOSTEMP, FLAGS), O_CLOEXEC | O_APPEND,
		  "O_APPEND|O_CLOEXEC" },
		{ C(MKOSTEMPS, FLAGS), O_SYNC, "O_SYNC" },
		{ C(EVENTFD, FLAGS), EFD_CLOEXEC | EFD_NONBLOCK,
		  "EFD_CLOEXEC|EFD_NONBLOCK" },
		{ C(EVENTFD, FLAGS), EFD_SEMAPHORE, "EFD_SEMAPHORE" },
		{ C(TIMERFD_CREATE, FLAGS), TFD_CLOEXEC | TFD_NONBLOCK,
		  "TFD_CLOEXEC|TFD_NONBLOCK" },
		{ C(SIGNALFD, FLAGS), SFD_NONBLOCK, "SFD_NONBLOCK" },
		{ C(MEMFD_CREATE, FLAGS), MFD_CLOEXEC | MFD_ALLOW_SEALING,
		  "MFD_CLOEXEC|MFD_ALLOW_SEALING" },
		{ C(MEMFD_CREATE, FLAGS), MFD_CLOEXEC | 0x1000,
		  "MFD_CLOEXEC|0x1000" },
		{ C(EPOLL_CREATE1, FLAGS), EPOLL_CLOEXEC, "EPOLL_CLOEXEC" },
		{ C(INOTIFY_INIT1, FLAGS), IN_NONBLOCK | IN_CLOEXEC,
		  "IN_CLOEXEC|IN_NONBLOCK" },
		{ C(CLOSE_RANGE, FLAGS), 1 << 2, "CLOSE_RANGE_CLOEXEC" },
		{ C(CLOSE_RANGE, FLAGS), 1 << 1, "CLOSE_RANGE_UNSHARE" },
		{ C(COPY_FILE_RANGE, FLAGS), 0, NULL },
		{ C(COPY_FILE_RANGE, FLAGS), 1, "0x1" },
		{ C(SPLICE, FLAGS), SPLICE_F_MOVE | SPLICE_F_MORE,
		  "SPLICE_F_MOVE|SPLICE_F_MORE" },
		{ C(TEE, FLAGS), SPLICE_F_NONBLOCK, "SPLICE_F_NONBLOCK" },
		{ C(VMSPLICE, FLAGS), SPLICE_F_GIFT, "SPLICE_F_GIFT" },
		{ C(PREADV2, FLAGS), RWF_NOWAIT, "RWF_NOWAIT" },
		{ C(PWRITEV2, FLAGS), RWF_DSYNC | RWF_APPEND,
		  "RWF_DSYNC|RWF_APPEND" },
		{ C(DLOPEN, FLAGS), RTLD_NOW | RTLD_GLOBAL,
		  "RTLD_NOW|RTLD_GLOBAL" },
		{ C(DLOPEN, FLAGS), RTLD_LAZY, "RTLD_LAZY" },
	};

	CHECK(cases, NULL);
}

Test(decode, clocks)
{
	static const struct dcase cases[] = {
		{ C(TIMERFD_CREATE, CLOCK), CLOCK_MONOTONIC,
		  "CLOCK_MONOTONIC" },
		{ C(TIMERFD_CREATE, CLOCK), CLOCK_REALTIME, "CLOCK_REALTIME" },
		{ C(TIMERFD_CREATE, CLOCK), CLOCK_BOOTTIME, "CLOCK_BOOTTIME" },
		{ C(CLOCK_NANOSLEEP, CLOCK), CLOCK_TAI, "CLOCK_TAI" },
		/* a process's CPU clock is made from its pid: negative */
		{ C(TIMERFD_CREATE, CLOCK), -6, NULL },
		{ C(TIMERFD_CREATE, CLOCK), 99, NULL },
		{ C(CLOCK_NANOSLEEP, FLAGS), TIMER_ABSTIME, "TIMER_ABSTIME" },
		{ C(CLOCK_NANOSLEEP, FLAGS), 0, NULL },
	};

	CHECK(cases, NULL);
}

Test(decode, plain_numbers_stay_numbers)
{
	static const struct dcase cases[] = {
		{ C(READ, FD), 3, NULL },
		{ C(READ, COUNT), 577, NULL },
		{ C(WRITE, RESULT), 577, NULL },
		{ C(OPEN, RESULT), 3, NULL },
		{ C(OPEN, OFFSET), 64, NULL },
		{ C(LSEEK, OFFSET), 0, NULL },
		{ C(SOCKET, RESULT), 3, NULL },
		{ C(SOCKET, FLAGS), SOCK_CLOEXEC, NULL },
		{ C(CLOSE, FD), 0, NULL },
		{ C(WAIT, CHILD_PID), 768, NULL },
		/* the fds of dup2 and close_range's last fd */
		{ C(DUP2, ARG), 1, NULL },
		{ C(CLOSE_RANGE, ARG), -1, NULL },
		/* a call or key this build does not know */
		{ 250, KEKE_KEY_FLAGS, O_CREAT, NULL },
		{ KEKE_CALL_OPEN, 99, O_CREAT, NULL },
		{ KEKE_CALL_NONE, KEKE_KEY_FLAGS, O_CREAT, NULL },
	};

	CHECK(cases, NULL);
	cr_expect(!merge_may_decode(KEKE_CALL_READ, KEKE_KEY_FD));
	cr_expect(!merge_may_decode(KEKE_CALL_READ, KEKE_KEY_COUNT));
	cr_expect(!merge_may_decode(KEKE_CALL_READ, KEKE_KEY_RESULT));
	cr_expect(!merge_may_decode(KEKE_CALL_OPEN, 200));
}

/* open's flags 577 decoded into @size bytes at @buf. */
static size_t flags_577(char *buf, size_t size)
{
	return merge_decode(KEKE_CALL_OPEN, KEKE_KEY_FLAGS, 577, NULL, buf,
			    size);
}

Test(decode, text_that_does_not_fit_is_not_written)
{
	const char *want = "O_WRONLY|O_CREAT|O_TRUNC";
	size_t n = strlen(want);
	char buf[64];

	memset(buf, 'x', sizeof(buf));
	cr_expect_eq(flags_577(buf, 0), 0);
	cr_expect_eq(buf[0], 'x', "something written in no room");
	cr_expect_eq(flags_577(buf, n), 0, "no room for the NUL");
	cr_expect_eq(flags_577(buf, n + 1), n);
	cr_expect_str_eq(buf, want);
	cr_expect_eq(merge_decode(KEKE_CALL_WAIT, KEKE_KEY_STATUS, 3 << 8, NULL,
				  buf, 5), 0, "\"exited 3\" in 5 bytes");
}
