// SPDX-License-Identifier: MIT
/*
 * Which integer arg of which call is shown how (decode.h), and the
 * writing of it. The merge reads every integer arg of every slice, so a
 * key that is only ever a number (fd, count, result, offset...) is turned
 * away before any call (merge_may_decode), the others by a switch on the
 * key and one on the call; nothing allocates: the text goes into the
 * caller's buffer.
 */
#include "merge/decode.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "merge/decode_names.h"
#include "record/record.h"

/* The text being written; full once something did not fit. */
struct text {
	char *p;
	size_t len, size;
	bool full;
};

/* Appends @n bytes at @s (keeping room for the NUL). */
static void put(struct text *t, const char *s, size_t n)
{
	if (t->full || n >= t->size - t->len) {
		t->full = true;
		return;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

/* Appends the C string @s. */
static void put_str(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

/* Appends @v in hex, "0x" first, as strace shows bits it cannot name. */
static void put_hex(struct text *t, uint64_t v)
{
	char buf[2 + 16], *p = buf + sizeof(buf);

	do {
		*--p = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	*--p = 'x';
	*--p = '0';
	put(t, p, (size_t)(buf + sizeof(buf) - p));
}

/* Appends @v in decimal. */
static void put_dec(struct text *t, int64_t v)
{
	char buf[24];

	put(t, buf, (size_t)snprintf(buf, sizeof(buf), "%" PRId64, v));
}

/* The bits of a flags argument: a C int's as the unsigned it is passed
 * to the kernel as (so -1 is 0xffffffff), a wider value's as they are. */
static uint64_t bits_of(int64_t v)
{
	return v < 0 && v >= INT32_MIN ? (uint32_t)v : (uint64_t)v;
}

/* The name of @v in enum @set, or NULL. */
static const char *name_of(const struct dn_set *set, int64_t v)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->names[i].name && set->names[i].value == (uint64_t)v)
			return set->names[i].name;
	return NULL;
}

/*
 * Appends the names of the flags of @set in @v, joined by '|' and after a
 * '|' when @joined, then the bits left in hex. Returns false when it
 * appended nothing (@v is 0).
 */
static bool put_flags(struct text *t, const struct dn_set *set, uint64_t v,
		      bool joined)
{
	bool put_any = false;

	for (size_t i = 0; i < set->n && v; i++) {
		uint64_t bits = set->names[i].value;

		if (!bits || (v & bits) != bits)
			continue;
		if (joined || put_any)
			put(t, "|", 1);
		put_str(t, set->names[i].name);
		v &= ~bits;
		put_any = true;
	}
	if (v) {
		if (joined || put_any)
			put(t, "|", 1);
		put_hex(t, v);
		put_any = true;
	}
	return put_any;
}

/* Appends the name of enum value @v of @set. Returns false when it has
 * none. */
static bool put_enum(struct text *t, const struct dn_set *set, int64_t v)
{
	const char *name = name_of(set, v);

	if (name)
		put_str(t, name);
	return name != NULL;
}

/* A decoding: appends the text of @v (a field of @rec, which may be
 * NULL) to @t. Returns false when @v has none. */
typedef bool decode_fn(struct text *t, int64_t v,
		       const struct keke_record *rec);

/* Flags with no name for 0: a 0 stays a number. */
#define FLAGS_OF(fn, set)						\
	static bool fn(struct text *t, int64_t v,			\
		       const struct keke_record *rec)			\
	{								\
		(void)rec;						\
		return put_flags(t, &set, bits_of(v), false);		\
	}
/* Flags with a name for 0. */
#define FLAGS_OR_NONE(fn, set, none)					\
	static bool fn(struct text *t, int64_t v,			\
		       const struct keke_record *rec)			\
	{								\
		(void)rec;						\
		if (v)							\
			return put_flags(t, &set, bits_of(v), false);	\
		put_str(t, none);					\
		return true;						\
	}
/* An enum. */
#define ENUM_OF(fn, set)						\
	static bool fn(struct text *t, int64_t v,			\
		       const struct keke_record *rec)			\
	{								\
		(void)rec;						\
		return put_enum(t, &set, v);				\
	}

FLAGS_OF(fd_creation_flags, dn_open_flags)	/* dup3, pipe2, mkostemp */
FLAGS_OF(at_flags, dn_at_flags)
FLAGS_OF(unlinkat_flags, dn_unlinkat_flags)
FLAGS_OF(faccessat_flags, dn_faccessat_flags)
FLAGS_OF(rename_flags, dn_rename_flags)
FLAGS_OF(sock_flags, dn_sock_flags)
FLAGS_OF(msg_flags, dn_msg_flags)
FLAGS_OF(wait_options, dn_wait_options)
FLAGS_OF(flock_ops, dn_flock_ops)
FLAGS_OF(eventfd_flags, dn_eventfd_flags)
FLAGS_OF(timerfd_flags, dn_timerfd_flags)
FLAGS_OF(signalfd_flags, dn_signalfd_flags)
FLAGS_OF(epoll_flags, dn_epoll_flags)
FLAGS_OF(inotify_flags, dn_inotify_flags)
FLAGS_OF(memfd_flags, dn_memfd_flags)
FLAGS_OF(splice_flags, dn_splice_flags)
FLAGS_OF(close_range_flags, dn_close_range_flags)
FLAGS_OF(rwf_flags, dn_rwf_flags)
FLAGS_OF(dlopen_flags, dn_dlopen_flags)
FLAGS_OF(timer_flags, dn_timer_flags)
FLAGS_OF(no_flags, dn_none)	/* copy_file_range: none defined yet */
FLAGS_OR_NONE(access_mode, dn_access_modes, "F_OK")
FLAGS_OR_NONE(mmap_prot, dn_mmap_prot, "PROT_NONE")
ENUM_OF(domain, dn_domains)
ENUM_OF(shutdown_how, dn_shutdown_how)
ENUM_OF(whence, dn_whence)
ENUM_OF(clock_id, dn_clocks)
ENUM_OF(lockf_cmd, dn_lockf_cmds)
ENUM_OF(fcntl_cmd, dn_fcntl_cmds)

/* open's flags: the access mode always (O_RDONLY is 0), then the rest. */
static bool open_flags(struct text *t, int64_t v,
		       const struct keke_record *rec)
{
	uint64_t bits = bits_of(v);

	(void)rec;
	put_enum(t, &dn_open_access, (int64_t)(bits & dn_open_accmode));
	put_flags(t, &dn_open_flags, bits & ~dn_open_accmode, true);
	return true;
}

/* A file mode, in octal as strace writes it ("0644", "000"). */
static bool file_mode(struct text *t, int64_t v,
		      const struct keke_record *rec)
{
	char buf[24];

	(void)rec;
	if (v < 0)
		return false;
	put(t, buf, (size_t)snprintf(buf, sizeof(buf), "%#03" PRIo64,
				     (uint64_t)v));
	return true;
}


/* A signal's name; 0 (a kill that only checks) stays a number. */
static bool signal_name(struct text *t, int64_t v,
			const struct keke_record *rec)
{
	char buf[DN_SIGNAL_MAX];
	const char *name = dn_signal(v, buf);

	(void)rec;
	if (name)
		put_str(t, name);
	return name != NULL;
}

/* A wait status: what happened to the child. */
static bool wait_status(struct text *t, int64_t v,
			const struct keke_record *rec)
{
	int s = (int)v;
	char buf[DN_SIGNAL_MAX];
	const char *sig;

	(void)rec;
	if (v < 0 || v > 0xffff)
		return false;
	if (WIFEXITED(s)) {
		put_str(t, "exited ");
		put_dec(t, WEXITSTATUS(s));
		return true;
	}
	if (WIFSIGNALED(s) || WIFSTOPPED(s)) {
		int n = WIFSIGNALED(s) ? WTERMSIG(s) : WSTOPSIG(s);

		put_str(t, WIFSIGNALED(s) ? "killed by " : "stopped by ");
		sig = dn_signal(n, buf);
		if (sig) {
			put_str(t, sig);
		} else {
			put_str(t, "signal ");
			put_dec(t, n);
		}
		if (WIFSIGNALED(s) && WCOREDUMP(s))
			put_str(t, " (core dumped)");
		return true;
	}
	if (WIFCONTINUED(s)) {
		put_str(t, "continued");
		return true;
	}
	return false;
}

/* The result of system() and pclose(): a wait status, or -1. */
static bool shell_result(struct text *t, int64_t v,
			 const struct keke_record *rec)
{
	return v >= 0 && wait_status(t, v, rec);
}

/*
 * A type in the low four bits of @v, named from @types (in hex when no
 * name fits; left out when 0 has none), then its flags from @flags.
 * Returns false when it appended nothing (@v is 0).
 */
static bool put_typed(struct text *t, const struct dn_set *types,
		      const struct dn_set *flags, int64_t v)
{
	uint64_t bits = bits_of(v), type = bits & 0xf;
	bool any = put_enum(t, types, (int64_t)type);

	if (!any && type) {
		put_hex(t, type);
		any = true;
	}
	return put_flags(t, flags, bits & ~(uint64_t)0xf, any) || any;
}

/* A type and its flags in one argument. */
#define TYPED_OF(fn, types, flags)					\
	static bool fn(struct text *t, int64_t v,			\
		       const struct keke_record *rec)			\
	{								\
		(void)rec;						\
		return put_typed(t, &types, &flags, v);			\
	}

TYPED_OF(sock_type, dn_sock_types, dn_sock_flags) /* SOCK_STREAM|SOCK_.. */
TYPED_OF(mmap_flags, dn_map_types, dn_mmap_flags) /* MAP_PRIVATE|MAP_.. */

/* socket's protocol, whose names depend on the domain: IPPROTO_* for
 * the internet ones (0 is IPPROTO_IP), NETLINK_* for netlink. */
static bool protocol(struct text *t, int64_t v,
		     const struct keke_record *rec)
{
	int64_t dom = rec ? keke_record_int(rec, KEKE_KEY_DOMAIN, -1) : -1;

	if (dom == AF_INET || dom == AF_INET6)
		return put_enum(t, &dn_ip_protocols, v);
	if (dom == AF_NETLINK)
		return put_enum(t, &dn_netlink_protocols, v);
	return false;
}

/* fcntl's argument, whose meaning its command gives. */
static bool fcntl_arg(struct text *t, int64_t v,
		      const struct keke_record *rec)
{
	int64_t cmd = rec ? keke_record_int(rec, KEKE_KEY_CMD, -1) : -1;

	switch (cmd) {
	case F_SETFD:
		return put_flags(t, &dn_fd_flags, bits_of(v), false);
	case F_SETFL:
		return open_flags(t, v, rec);
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
	case F_SETLEASE:
		return put_enum(t, &dn_lock_types, v);
	case F_SETSIG:
		return signal_name(t, v, rec);
	case F_NOTIFY:
		return put_flags(t, &dn_dnotify, bits_of(v), false);
#ifdef F_ADD_SEALS
	case F_ADD_SEALS:
		return put_flags(t, &dn_seals, bits_of(v), false);
#endif
	}
	return false;
}

/* The decoding of a "flags" field of @call. */
static decode_fn *flags_decoding(unsigned call)
{
	switch (call) {
	case KEKE_CALL_OPEN:
	case KEKE_CALL_OPENAT:
	case KEKE_CALL_CREAT:
		return open_flags;
	case KEKE_CALL_DUP3:
	case KEKE_CALL_PIPE2:
	case KEKE_CALL_MKOSTEMP:
	case KEKE_CALL_MKOSTEMPS:
		return fd_creation_flags;
	case KEKE_CALL_STAT:
	case KEKE_CALL_LSTAT:
	case KEKE_CALL_FSTATAT:
	case KEKE_CALL_STATX:
	case KEKE_CALL_FCHMODAT:
	case KEKE_CALL_FCHOWNAT:
	case KEKE_CALL_UTIMENSAT:
	case KEKE_CALL_LINKAT:
		return at_flags;
	case KEKE_CALL_UNLINKAT:
		return unlinkat_flags;
	case KEKE_CALL_FACCESSAT:
		return faccessat_flags;
	case KEKE_CALL_RENAMEAT2:
		return rename_flags;
	case KEKE_CALL_ACCEPT4:
		return sock_flags;
	case KEKE_CALL_SEND:
	case KEKE_CALL_SENDTO:
	case KEKE_CALL_SENDMSG:
	case KEKE_CALL_RECV:
	case KEKE_CALL_RECVFROM:
	case KEKE_CALL_RECVMSG:
	case KEKE_CALL_SENDMMSG:
	case KEKE_CALL_RECVMMSG:
		return msg_flags;
	case KEKE_CALL_PREADV2:
	case KEKE_CALL_PWRITEV2:
		return rwf_flags;
	case KEKE_CALL_MMAP:
		return mmap_flags;
	case KEKE_CALL_EVENTFD:
		return eventfd_flags;
	case KEKE_CALL_TIMERFD_CREATE:
		return timerfd_flags;
	case KEKE_CALL_SIGNALFD:
		return signalfd_flags;
	case KEKE_CALL_EPOLL_CREATE1:
		return epoll_flags;
	case KEKE_CALL_INOTIFY_INIT1:
		return inotify_flags;
	case KEKE_CALL_MEMFD_CREATE:
		return memfd_flags;
	case KEKE_CALL_SPLICE:
	case KEKE_CALL_TEE:
	case KEKE_CALL_VMSPLICE:
		return splice_flags;
	case KEKE_CALL_COPY_FILE_RANGE:
		return no_flags;
	case KEKE_CALL_CLOSE_RANGE:
		return close_range_flags;
	case KEKE_CALL_DLOPEN:
		return dlopen_flags;
	case KEKE_CALL_CLOCK_NANOSLEEP:
		return timer_flags;
	}
	return NULL;
}

/* The decoding of a "mode" field of @call (fopen's is a string). */
static decode_fn *mode_decoding(unsigned call)
{
	switch (call) {
	case KEKE_CALL_OPEN:
	case KEKE_CALL_OPENAT:
	case KEKE_CALL_CREAT:
	case KEKE_CALL_MKDIR:
	case KEKE_CALL_MKDIRAT:
	case KEKE_CALL_CHMOD:
	case KEKE_CALL_FCHMOD:
	case KEKE_CALL_FCHMODAT:
		return file_mode;
	case KEKE_CALL_ACCESS:
	case KEKE_CALL_FACCESSAT:
	case KEKE_CALL_EUIDACCESS:
		return access_mode;
	}
	return NULL;
}

/* The decoding of field @key of @call, or NULL. */
static decode_fn *decoding(unsigned call, unsigned key)
{
	switch (key) {
	case KEKE_KEY_FLAGS:
		return flags_decoding(call);
	case KEKE_KEY_MODE:
		return mode_decoding(call);
	case KEKE_KEY_SIGNAL:
		return signal_name;
	case KEKE_KEY_WHENCE:
		return whence;
	case KEKE_KEY_CLOCK:
		return clock_id;
	case KEKE_KEY_STATUS:
		return call == KEKE_CALL_WAIT ? wait_status : NULL;
	case KEKE_KEY_OPTIONS:
		return call == KEKE_CALL_WAIT ? wait_options : NULL;
	case KEKE_KEY_RESULT:
		return call == KEKE_CALL_SYSTEM || call == KEKE_CALL_PCLOSE ?
			       shell_result : NULL;
	case KEKE_KEY_PROT:
		return call == KEKE_CALL_MMAP ? mmap_prot : NULL;
	case KEKE_KEY_CMD:
		if (call == KEKE_CALL_FCNTL)
			return fcntl_cmd;
		return call == KEKE_CALL_LOCKF ? lockf_cmd : NULL;
	case KEKE_KEY_ARG:
		return call == KEKE_CALL_FCNTL ? fcntl_arg : NULL;
	case KEKE_KEY_HOW:
		if (call == KEKE_CALL_FLOCK)
			return flock_ops;
		return call == KEKE_CALL_SHUTDOWN ? shutdown_how : NULL;
	}
	if (call != KEKE_CALL_SOCKET && call != KEKE_CALL_SOCKETPAIR)
		return NULL;
	switch (key) {
	case KEKE_KEY_DOMAIN:
		return domain;
	case KEKE_KEY_TYPE:
		return sock_type;
	case KEKE_KEY_PROTOCOL:
		return protocol;
	}
	return NULL;
}

size_t merge_decode(unsigned call, unsigned key, int64_t value,
		    const struct keke_record *rec, char *buf, size_t size)
{
	decode_fn *fn = decoding(call, key);
	struct text t = { .p = buf, .size = size };

	if (!fn || !size || !fn(&t, value, rec) || t.full)
		return 0;
	buf[t.len] = '\0';
	return t.len;
}
