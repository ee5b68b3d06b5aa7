// SPDX-License-Identifier: MIT
/*
 * The names decode.c shows, each bound to its number by the system's own
 * header (a macro's spelling is its name), so that a platform whose
 * numbers differ gets its own. Names a header may lack (newer than the C
 * library) are guarded, and then their bits show in hex. Where strace
 * prints a name, it is strace's; so is the order of each list of flags.
 */
#include "merge/decode_names.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
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
#include <time.h>
#include <unistd.h>

/* A name and its number, from one macro. */
#define N(x) { (uint64_t)(x), #x }
/* A list of names. */
#define SET(var, ...)							\
	static const struct dn_name var##_names[] = { __VA_ARGS__ };	\
	const struct dn_set var = {					\
		var##_names,						\
		sizeof(var##_names) / sizeof(var##_names[0])		\
	}

const uint64_t dn_open_accmode = O_ACCMODE;

SET(dn_open_access, N(O_RDONLY), N(O_WRONLY), N(O_RDWR), N(O_ACCMODE));

/* The kernel's O_LARGEFILE, which a 64-bit C library defines as 0 since
 * it needs none; a program may still pass it. */
#if __O_LARGEFILE
#define KERNEL_O_LARGEFILE __O_LARGEFILE
#elif defined(__x86_64__)
#define KERNEL_O_LARGEFILE 0100000
#else
#define KERNEL_O_LARGEFILE 0
#endif

SET(dn_open_flags, N(O_CREAT), N(O_EXCL), N(O_NOCTTY), N(O_TRUNC),
    N(O_APPEND), N(O_NONBLOCK), N(O_SYNC), N(O_DSYNC), N(O_DIRECT),
    { KERNEL_O_LARGEFILE, "O_LARGEFILE" }, N(O_NOFOLLOW), N(O_NOATIME),
    N(O_CLOEXEC), N(O_PATH), N(O_TMPFILE), N(O_DIRECTORY), N(FASYNC));

/* AT_REMOVEDIR and AT_EACCESS share a bit: each has its own list. */
#define AT_COMMON							\
	N(AT_SYMLINK_NOFOLLOW), N(AT_SYMLINK_FOLLOW), N(AT_NO_AUTOMOUNT), \
	N(AT_EMPTY_PATH)
#ifdef AT_STATX_FORCE_SYNC
#define AT_STATX N(AT_STATX_FORCE_SYNC), N(AT_STATX_DONT_SYNC)
#else
#define AT_STATX { 0, NULL }
#endif
#ifdef AT_RECURSIVE
#define AT_RECURSIVE_NAME N(AT_RECURSIVE)
#else
#define AT_RECURSIVE_NAME { 0, NULL }
#endif

SET(dn_at_flags, AT_COMMON, AT_STATX, AT_RECURSIVE_NAME);
SET(dn_unlinkat_flags, N(AT_REMOVEDIR));
SET(dn_faccessat_flags, N(AT_EACCESS), AT_COMMON);

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#define RENAME_EXCHANGE (1 << 1)
#define RENAME_WHITEOUT (1 << 2)
#endif
SET(dn_rename_flags, N(RENAME_NOREPLACE), N(RENAME_EXCHANGE),
    N(RENAME_WHITEOUT));

SET(dn_access_modes, N(R_OK), N(W_OK), N(X_OK));

SET(dn_sock_types, N(SOCK_STREAM), N(SOCK_DGRAM), N(SOCK_RAW), N(SOCK_RDM),
    N(SOCK_SEQPACKET), N(SOCK_DCCP), N(SOCK_PACKET));
SET(dn_sock_flags, N(SOCK_NONBLOCK), N(SOCK_CLOEXEC));

SET(dn_domains, N(AF_UNSPEC), N(AF_UNIX), N(AF_INET), N(AF_AX25),
    N(AF_IPX), N(AF_APPLETALK), N(AF_NETROM), N(AF_BRIDGE), N(AF_ATMPVC),
    N(AF_X25), N(AF_INET6), N(AF_ROSE), N(AF_DECnet), N(AF_NETBEUI),
    N(AF_SECURITY), N(AF_KEY), N(AF_NETLINK), N(AF_PACKET), N(AF_ASH),
    N(AF_ECONET), N(AF_ATMSVC), N(AF_RDS), N(AF_SNA), N(AF_IRDA),
    N(AF_PPPOX), N(AF_WANPIPE), N(AF_LLC), N(AF_IB), N(AF_MPLS), N(AF_CAN),
    N(AF_TIPC), N(AF_BLUETOOTH), N(AF_IUCV), N(AF_RXRPC), N(AF_ISDN),
    N(AF_PHONET), N(AF_IEEE802154), N(AF_CAIF), N(AF_ALG), N(AF_NFC),
    N(AF_VSOCK), N(AF_KCM), N(AF_QIPCRTR), N(AF_SMC),
#ifdef AF_XDP
    N(AF_XDP),
#endif
#ifdef AF_MCTP
    N(AF_MCTP),
#endif
);

SET(dn_ip_protocols, N(IPPROTO_IP), N(IPPROTO_ICMP), N(IPPROTO_IGMP),
    N(IPPROTO_IPIP), N(IPPROTO_TCP), N(IPPROTO_EGP), N(IPPROTO_PUP),
    N(IPPROTO_UDP), N(IPPROTO_IDP), N(IPPROTO_TP), N(IPPROTO_DCCP),
    N(IPPROTO_IPV6), N(IPPROTO_RSVP), N(IPPROTO_GRE), N(IPPROTO_ESP),
    N(IPPROTO_AH), N(IPPROTO_ICMPV6), N(IPPROTO_MTP), N(IPPROTO_BEETPH),
    N(IPPROTO_ENCAP), N(IPPROTO_PIM), N(IPPROTO_COMP), N(IPPROTO_SCTP),
    N(IPPROTO_UDPLITE), N(IPPROTO_MPLS), N(IPPROTO_RAW),
#ifdef IPPROTO_ETHERNET
    N(IPPROTO_ETHERNET),
#endif
#ifdef IPPROTO_MPTCP
    N(IPPROTO_MPTCP),
#endif
);

SET(dn_netlink_protocols, N(NETLINK_ROUTE), N(NETLINK_UNUSED),
    N(NETLINK_USERSOCK), N(NETLINK_FIREWALL), N(NETLINK_SOCK_DIAG),
    N(NETLINK_NFLOG), N(NETLINK_XFRM), N(NETLINK_SELINUX), N(NETLINK_ISCSI),
    N(NETLINK_AUDIT), N(NETLINK_FIB_LOOKUP), N(NETLINK_CONNECTOR),
    N(NETLINK_NETFILTER), N(NETLINK_IP6_FW), N(NETLINK_DNRTMSG),
    N(NETLINK_KOBJECT_UEVENT), N(NETLINK_GENERIC), N(NETLINK_SCSITRANSPORT),
    N(NETLINK_ECRYPTFS), N(NETLINK_RDMA), N(NETLINK_CRYPTO));

SET(dn_msg_flags, N(MSG_OOB), N(MSG_PEEK), N(MSG_DONTROUTE), N(MSG_CTRUNC),
    N(MSG_PROXY), N(MSG_TRUNC), N(MSG_DONTWAIT), N(MSG_EOR), N(MSG_WAITALL),
    N(MSG_FIN), N(MSG_SYN), N(MSG_CONFIRM), N(MSG_RST), N(MSG_ERRQUEUE),
    N(MSG_NOSIGNAL), N(MSG_MORE), N(MSG_WAITFORONE), N(MSG_BATCH),
    N(MSG_ZEROCOPY), N(MSG_FASTOPEN), N(MSG_CMSG_CLOEXEC));

SET(dn_shutdown_how, N(SHUT_RD), N(SHUT_WR), N(SHUT_RDWR));

SET(dn_mmap_prot, N(PROT_READ), N(PROT_WRITE), N(PROT_EXEC),
    N(PROT_GROWSDOWN), N(PROT_GROWSUP));
SET(dn_map_types, N(MAP_SHARED), N(MAP_PRIVATE),
#ifdef MAP_SHARED_VALIDATE
    N(MAP_SHARED_VALIDATE),
#endif
);
SET(dn_mmap_flags, N(MAP_FIXED), N(MAP_ANONYMOUS),
#ifdef MAP_32BIT
    N(MAP_32BIT),
#endif
    N(MAP_GROWSDOWN), N(MAP_DENYWRITE), N(MAP_EXECUTABLE), N(MAP_LOCKED),
    N(MAP_NORESERVE), N(MAP_POPULATE), N(MAP_NONBLOCK), N(MAP_STACK),
    N(MAP_HUGETLB),
#ifdef MAP_SYNC
    N(MAP_SYNC),
#endif
#ifdef MAP_FIXED_NOREPLACE
    N(MAP_FIXED_NOREPLACE),
#endif
);

SET(dn_wait_options, N(WNOHANG), N(WEXITED), N(WSTOPPED), N(WCONTINUED),
    N(WNOWAIT), N(__WCLONE), N(__WALL), N(__WNOTHREAD));

SET(dn_whence, N(SEEK_SET), N(SEEK_CUR), N(SEEK_END), N(SEEK_DATA),
    N(SEEK_HOLE));

SET(dn_clocks, N(CLOCK_REALTIME), N(CLOCK_MONOTONIC),
    N(CLOCK_PROCESS_CPUTIME_ID), N(CLOCK_THREAD_CPUTIME_ID),
    N(CLOCK_MONOTONIC_RAW), N(CLOCK_REALTIME_COARSE),
    N(CLOCK_MONOTONIC_COARSE), N(CLOCK_BOOTTIME), N(CLOCK_REALTIME_ALARM),
    N(CLOCK_BOOTTIME_ALARM), N(CLOCK_TAI));
SET(dn_timer_flags, N(TIMER_ABSTIME));

/* Commands of Linux's own that an older C library may not name. */
#ifndef F_LINUX_SPECIFIC_BASE
#define F_LINUX_SPECIFIC_BASE 1024
#endif
#ifndef F_DUPFD_QUERY
#define F_DUPFD_QUERY (F_LINUX_SPECIFIC_BASE + 3)
#endif
#ifndef F_CREATED_QUERY
#define F_CREATED_QUERY (F_LINUX_SPECIFIC_BASE + 4)
#endif
#ifndef F_CANCELLK
#define F_CANCELLK (F_LINUX_SPECIFIC_BASE + 5)
#endif

SET(dn_fcntl_cmds, N(F_DUPFD), N(F_GETFD), N(F_SETFD), N(F_GETFL),
    N(F_SETFL), N(F_GETLK), N(F_SETLK), N(F_SETLKW), N(F_SETOWN),
    N(F_GETOWN), N(F_SETSIG), N(F_GETSIG), N(F_GETLK64), N(F_SETLK64),
    N(F_SETLKW64), N(F_SETOWN_EX), N(F_GETOWN_EX),
#ifdef F_GETOWNER_UIDS
    N(F_GETOWNER_UIDS),
#endif
    N(F_OFD_GETLK), N(F_OFD_SETLK), N(F_OFD_SETLKW), N(F_SETLEASE),
    N(F_GETLEASE), N(F_NOTIFY), N(F_DUPFD_QUERY), N(F_CREATED_QUERY),
    N(F_CANCELLK), N(F_DUPFD_CLOEXEC), N(F_SETPIPE_SZ), N(F_GETPIPE_SZ),
#ifdef F_ADD_SEALS
    N(F_ADD_SEALS), N(F_GET_SEALS),
#endif
#ifdef F_GET_RW_HINT
    N(F_GET_RW_HINT), N(F_SET_RW_HINT), N(F_GET_FILE_RW_HINT),
    N(F_SET_FILE_RW_HINT),
#endif
);
SET(dn_lock_types, N(F_RDLCK), N(F_WRLCK), N(F_UNLCK));
SET(dn_fd_flags, N(FD_CLOEXEC));
SET(dn_seals,
#ifdef F_SEAL_SEAL
    N(F_SEAL_SEAL), N(F_SEAL_SHRINK), N(F_SEAL_GROW), N(F_SEAL_WRITE),
#endif
#ifdef F_SEAL_FUTURE_WRITE
    N(F_SEAL_FUTURE_WRITE),
#endif
#ifdef F_SEAL_EXEC
    N(F_SEAL_EXEC),
#endif
    { 0, NULL });
SET(dn_dnotify, N(DN_ACCESS), N(DN_MODIFY), N(DN_CREATE), N(DN_DELETE),
    N(DN_RENAME), N(DN_ATTRIB), N(DN_MULTISHOT));

SET(dn_lockf_cmds, N(F_ULOCK), N(F_LOCK), N(F_TLOCK), N(F_TEST));
SET(dn_flock_ops, N(LOCK_SH), N(LOCK_EX), N(LOCK_NB), N(LOCK_UN),
#ifdef LOCK_MAND
    N(LOCK_MAND), N(LOCK_READ), N(LOCK_WRITE),
#endif
);

SET(dn_eventfd_flags, N(EFD_SEMAPHORE), N(EFD_CLOEXEC), N(EFD_NONBLOCK));
SET(dn_timerfd_flags, N(TFD_CLOEXEC), N(TFD_NONBLOCK));
SET(dn_signalfd_flags, N(SFD_CLOEXEC), N(SFD_NONBLOCK));
SET(dn_epoll_flags, N(EPOLL_CLOEXEC));
SET(dn_inotify_flags, N(IN_CLOEXEC), N(IN_NONBLOCK));

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif
#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
SET(dn_memfd_flags, N(MFD_CLOEXEC), N(MFD_ALLOW_SEALING), N(MFD_HUGETLB),
    N(MFD_NOEXEC_SEAL), N(MFD_EXEC));

SET(dn_splice_flags, N(SPLICE_F_MOVE), N(SPLICE_F_NONBLOCK), N(SPLICE_F_MORE),
    N(SPLICE_F_GIFT));

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
SET(dn_close_range_flags, N(CLOSE_RANGE_UNSHARE), N(CLOSE_RANGE_CLOEXEC));

SET(dn_rwf_flags,
#ifdef RWF_HIPRI
    N(RWF_HIPRI), N(RWF_DSYNC), N(RWF_SYNC),
#endif
#ifdef RWF_NOWAIT
    N(RWF_NOWAIT),
#endif
#ifdef RWF_APPEND
    N(RWF_APPEND),
#endif
#ifdef RWF_NOAPPEND
    N(RWF_NOAPPEND),
#endif
    { 0, NULL });

SET(dn_dlopen_flags, N(RTLD_LAZY), N(RTLD_NOW), N(RTLD_NOLOAD),
    N(RTLD_DEEPBIND), N(RTLD_GLOBAL), N(RTLD_NODELETE));

SET(dn_none, { 0, NULL });

/* The signals below the real-time ones, by number. */
static const char *const signals[] = {
	[SIGHUP] = "SIGHUP",	[SIGINT] = "SIGINT",
	[SIGQUIT] = "SIGQUIT",	[SIGILL] = "SIGILL",
	[SIGTRAP] = "SIGTRAP",	[SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS",	[SIGFPE] = "SIGFPE",
	[SIGKILL] = "SIGKILL",	[SIGUSR1] = "SIGUSR1",
	[SIGSEGV] = "SIGSEGV",	[SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE",	[SIGALRM] = "SIGALRM",
	[SIGTERM] = "SIGTERM",
#ifdef SIGSTKFLT
	[SIGSTKFLT] = "SIGSTKFLT",
#endif
	[SIGCHLD] = "SIGCHLD",	[SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP",	[SIGTSTP] = "SIGTSTP",
	[SIGTTIN] = "SIGTTIN",	[SIGTTOU] = "SIGTTOU",
	[SIGURG] = "SIGURG",	[SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ",	[SIGVTALRM] = "SIGVTALRM",
	[SIGPROF] = "SIGPROF",	[SIGWINCH] = "SIGWINCH",
	[SIGIO] = "SIGIO",	[SIGPWR] = "SIGPWR",
	[SIGSYS] = "SIGSYS",
};

/* The kernel's first real-time signal; the C library keeps a few of them
 * for itself and starts SIGRTMIN above it. */
#define KERNEL_SIGRTMIN 32

const char *dn_signal(int64_t sig, char *buf)
{
	size_t n = sizeof(signals) / sizeof(signals[0]);

	if (sig > 0 && (uint64_t)sig < n && signals[sig])
		return signals[sig];
	if (sig < KERNEL_SIGRTMIN || sig > SIGRTMAX)
		return NULL;
	snprintf(buf, DN_SIGNAL_MAX, "SIGRT_%d", (int)(sig - KERNEL_SIGRTMIN));
	return buf;
}
