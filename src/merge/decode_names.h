/* SPDX-License-Identifier: MIT */
/*
 * The names of flag bits and enum values that decode.c shows
 * (decode_names.c), taken from the system's headers so that each number
 * is the one this platform uses.
 */
#ifndef KEKE_MERGE_DECODE_NAMES_H
#define KEKE_MERGE_DECODE_NAMES_H

#include <stddef.h>
#include <stdint.h>

/* A flag (one bit or several that go together) or an enum value. */
struct dn_name {
	uint64_t value;
	const char *name;
};

/* A list of names: the flags of one argument, in the order strace
 * prints them (a name whose bits include another's comes first), or the
 * values of one enum. */
struct dn_set {
	const struct dn_name *names;
	size_t n;
};

/* Flags. */
extern const struct dn_set dn_open_access;	/* O_RDONLY...: by value */
extern const struct dn_set dn_open_flags;	/* O_CREAT... */
extern const struct dn_set dn_at_flags;		/* AT_EMPTY_PATH... */
extern const struct dn_set dn_unlinkat_flags;	/* AT_REMOVEDIR */
extern const struct dn_set dn_faccessat_flags;	/* AT_EACCESS... */
extern const struct dn_set dn_rename_flags;	/* RENAME_NOREPLACE... */
extern const struct dn_set dn_access_modes;	/* R_OK|W_OK|X_OK */
extern const struct dn_set dn_sock_flags;	/* SOCK_NONBLOCK... */
extern const struct dn_set dn_msg_flags;	/* MSG_DONTWAIT... */
extern const struct dn_set dn_mmap_prot;	/* PROT_READ... */
extern const struct dn_set dn_mmap_flags;	/* MAP_FIXED... (not type) */
extern const struct dn_set dn_wait_options;	/* WNOHANG... */
extern const struct dn_set dn_flock_ops;	/* LOCK_EX|LOCK_NB */
extern const struct dn_set dn_fd_flags;		/* FD_CLOEXEC */
extern const struct dn_set dn_seals;		/* F_SEAL_... */
extern const struct dn_set dn_dnotify;		/* DN_... */
extern const struct dn_set dn_eventfd_flags;
extern const struct dn_set dn_timerfd_flags;
extern const struct dn_set dn_signalfd_flags;
extern const struct dn_set dn_epoll_flags;
extern const struct dn_set dn_inotify_flags;
extern const struct dn_set dn_memfd_flags;
extern const struct dn_set dn_splice_flags;
extern const struct dn_set dn_close_range_flags;
extern const struct dn_set dn_rwf_flags;	/* preadv2, pwritev2 */
extern const struct dn_set dn_dlopen_flags;	/* RTLD_NOW... */
extern const struct dn_set dn_timer_flags;	/* TIMER_ABSTIME */
extern const struct dn_set dn_none;		/* flags with no names */

/* Enums. */
extern const struct dn_set dn_sock_types;	/* SOCK_STREAM... */
extern const struct dn_set dn_domains;		/* AF_INET... */
extern const struct dn_set dn_ip_protocols;	/* IPPROTO_TCP... */
extern const struct dn_set dn_netlink_protocols;
extern const struct dn_set dn_map_types;	/* MAP_PRIVATE... */
extern const struct dn_set dn_shutdown_how;	/* SHUT_WR... */
extern const struct dn_set dn_whence;		/* SEEK_SET... */
extern const struct dn_set dn_clocks;		/* CLOCK_MONOTONIC... */
extern const struct dn_set dn_fcntl_cmds;	/* F_DUPFD_CLOEXEC... */
extern const struct dn_set dn_lock_types;	/* F_RDLCK... */
extern const struct dn_set dn_lockf_cmds;	/* F_LOCK... */

/* Room for a signal's name made by dn_signal. */
#define DN_SIGNAL_MAX 24

/* The name of signal @sig ("SIGTERM"; "SIGRT_3" for real-time signals,
 * counted from the kernel's first as strace does), or NULL when @sig is
 * no signal. Written into @buf (DN_SIGNAL_MAX bytes) when made. */
const char *dn_signal(int64_t sig, char *buf);

/* The bits of the O_ACCMODE field of open's flags. */
extern const uint64_t dn_open_accmode;

#endif
