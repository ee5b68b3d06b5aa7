// SPDX-License-Identifier: MIT
/*
 * The net family: socket, connect, bind, listen, accept/accept4, shutdown,
 * the send and recv families (sendmmsg and recvmmsg too), getaddrinfo,
 * and the waits poll/ppoll/select/pselect and
 * epoll_wait/epoll_pwait/epoll_pwait2. Addresses are recorded as text:
 * "127.0.0.1:8080", "[::1]:80", "unix:/path", "unix:@abstract".
 */
#define KEKE_WRAP_NET KEKE_WRAP_ON
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/un.h>

#include "fd_name.h"
#include "hook.h"

/* Longest address text: "unix:" and a 108-byte path, or an IPv6 one. */
#define ADDR_MAX 128

/* Appends to a fixed buffer; never overflows (the caller sizes it). */
struct text {
	char *p;
	char *end;
};

static void put_char(struct text *t, char c)
{
	if (t->p < t->end)
		*t->p++ = c;
}

static void put_bytes(struct text *t, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_char(t, s[i]);
}

static void put_dec(struct text *t, unsigned v)
{
	char tmp[12];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put_char(t, tmp[--n]);
}

static void put_hex(struct text *t, unsigned v)
{
	static const char digits[] = "0123456789abcdef";
	bool started = false;

	for (int shift = 12; shift >= 0; shift -= 4) {
		unsigned d = v >> shift & 0xf;

		if (d || started || !shift) {
			put_char(t, digits[d]);
			started = true;
		}
	}
}

static void put_ipv4(struct text *t, const uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			put_char(t, '.');
		put_dec(t, a[i]);
	}
}

/* An IPv6 address as RFC 5952 writes it: lower-case hex, the longest run
 * of two or more zero groups as "::", IPv4-mapped ones as ::ffff:a.b.c.d. */
static void put_ipv6(struct text *t, const uint8_t *a)
{
	unsigned g[8];
	int best = -1, best_len = 0;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
	if (!g[0] && !g[1] && !g[2] && !g[3] && !g[4] && g[5] == 0xffff) {
		put_bytes(t, "::ffff:", 7);
		put_ipv4(t, a + 12);
		return;
	}
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && !g[j])
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 0; i < 8; i++) {
		if (i == best) {
			put_bytes(t, "::", 2);
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			put_char(t, ':');
		put_hex(t, g[i]);
	}
}

/*
 * Writes socket address @sa (@len bytes are valid) as text into @out
 * (ADDR_MAX bytes). Returns the length, 0 for no address.
 */
static size_t format_addr(const struct sockaddr *sa, socklen_t len,
			  char *out)
{
	struct text t = { out, out + ADDR_MAX };

	if (!sa || len < sizeof(sa_family_t))
		return 0;
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const void *)sa;

		if (len < sizeof(*in))
			return 0;
		put_ipv4(&t, (const uint8_t *)&in->sin_addr);
		put_char(&t, ':');
		put_dec(&t, ntohs(in->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		if (len < sizeof(*in6))
			return 0;
		put_char(&t, '[');
		put_ipv6(&t, in6->sin6_addr.s6_addr);
		if (in6->sin6_scope_id) {
			put_char(&t, '%');
			put_dec(&t, in6->sin6_scope_id);
		}
		put_bytes(&t, "]:", 2);
		put_dec(&t, ntohs(in6->sin6_port));
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *un = (const void *)sa;
		size_t n = len - offsetof(struct sockaddr_un, sun_path);

		if (n > sizeof(un->sun_path))
			n = sizeof(un->sun_path);
		put_bytes(&t, "unix:", 5);
		if (n && !un->sun_path[0]) {
			/* Abstract: a name that may hold any byte. */
			put_char(&t, '@');
			put_bytes(&t, un->sun_path + 1, n - 1);
		} else {
			put_bytes(&t, un->sun_path, strnlen(un->sun_path, n));
		}
		break;
	}
	default:
		put_bytes(&t, "family:", 7);
		put_dec(&t, sa->sa_family);
	}
	return (size_t)(t.p - out);
}

/* Adds the ADDR field for @sa (@len bytes), if it is one. */
static void add_addr(struct keke_rec *r, const char *text, size_t len)
{
	if (len)
		keke_rec_str(r, KEKE_KEY_ADDR, text, len);
}

#define ADDR_FIELD_MAX KEKE_STR_MAX_LEN(ADDR_MAX)

/* socket: domain, type (with its flags), protocol, the new fd and its
 * inode (the kernel names it socket:[N]). */
static void record_socket(unsigned call, uint64_t t0, uint64_t dur, int rv,
			  int err, int domain, int type, int protocol)
{
	keke_record_ints(call, t0, dur, rv, err, rv >= 0 ? 4 : 3,
			 (struct keke_int_field[]){
				 { KEKE_KEY_DOMAIN, domain },
				 { KEKE_KEY_TYPE, type },
				 { KEKE_KEY_PROTOCOL, protocol },
				 { KEKE_KEY_INODE,
				   rv >= 0 ? keke_fd_inode(rv) : 0 } });
}

/* connect, bind: the fd, the address, the result. */
static void record_addr(unsigned call, uint64_t t0, uint64_t dur, int rv,
			int err, int fd, const struct sockaddr *sa,
			socklen_t len)
{
	char text[ADDR_MAX];
	size_t n = format_addr(sa, len, text);
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(3, ADDR_FIELD_MAX)))
		return;
	keke_rec_int(&r, KEKE_KEY_FD, fd);
	add_addr(&r, text, n);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* accept, recvfrom: the size of the program's address buffer. The kernel
 * writes back the address's full size, which may be larger. */
static inline socklen_t before_accept(const socklen_t *lenp)
{
	return lenp ? *lenp : 0;
}

#define before_recv before_accept

/* The valid bytes of an address the kernel returned. */
static socklen_t returned_len(socklen_t cap, const socklen_t *lenp)
{
	if (!lenp)
		return 0;
	return *lenp < cap ? *lenp : cap;
}

/* accept, accept4: the listening fd, the peer, the flags, the new fd and
 * its inode. */
static void record_accept(unsigned call, uint64_t t0, uint64_t dur, int rv,
			  int err, socklen_t cap, int fd, struct sockaddr *sa,
			  const socklen_t *lenp, int flags)
{
	char text[ADDR_MAX];
	size_t n = rv >= 0 ? format_addr(sa, returned_len(cap, lenp), text) :
			     0;
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(5, ADDR_FIELD_MAX)))
		return;
	keke_rec_int(&r, KEKE_KEY_FD, fd);
	add_addr(&r, text, n);
	if (flags)
		keke_rec_int(&r, KEKE_KEY_FLAGS, flags);
	if (rv >= 0)
		keke_rec_int(&r, KEKE_KEY_INODE, keke_fd_inode(rv));
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* listen: the fd, the backlog, the result. */
static void record_listen(unsigned call, uint64_t t0, uint64_t dur, int rv,
			  int err, int fd, int backlog)
{
	keke_record_ints(call, t0, dur, rv, err, 2,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_BACKLOG, backlog } });
}

/* One of send/recv and their to/from forms. */
static void record_xfer(unsigned call, uint64_t t0, uint64_t dur,
			ssize_t rv, int err, int fd, size_t n, int flags,
			const struct sockaddr *sa, socklen_t len)
{
	char text[ADDR_MAX];
	size_t text_len = format_addr(sa, len, text);
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(5, ADDR_FIELD_MAX)))
		return;
	keke_rec_int(&r, KEKE_KEY_FD, fd);
	keke_rec_int(&r, KEKE_KEY_COUNT, (int64_t)n);
	if (flags)
		keke_rec_int(&r, KEKE_KEY_FLAGS, flags);
	add_addr(&r, text, text_len);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* send, sendto: the fd, the bytes, the flags, the destination if given. */
static void record_send(unsigned call, uint64_t t0, uint64_t dur,
			ssize_t rv, int err, int fd, size_t n, int flags,
			const struct sockaddr *sa, socklen_t len)
{
	record_xfer(call, t0, dur, rv, err, fd, n, flags, sa, len);
}

/* recv, recvfrom: the fd, the bytes, the flags, the source if asked. */
static void record_recv(unsigned call, uint64_t t0, uint64_t dur,
			ssize_t rv, int err, socklen_t cap, int fd, size_t n,
			int flags, const struct sockaddr *sa,
			const socklen_t *lenp)
{
	record_xfer(call, t0, dur, rv, err, fd, n, flags, rv >= 0 ? sa : NULL,
		    returned_len(cap, lenp));
}

/* sendmsg, recvmsg: the size of the address buffer before the call. */
static inline socklen_t before_msg(const struct msghdr *msg)
{
	return msg && msg->msg_name ? msg->msg_namelen : 0;
}

/* sendmsg, recvmsg: the bytes of all buffers, the address if any. */
static void record_msg(unsigned call, uint64_t t0, uint64_t dur,
		       ssize_t rv, int err, socklen_t cap, int fd,
		       const struct msghdr *msg, int flags)
{
	const struct sockaddr *sa = NULL;
	socklen_t len = 0;
	uint64_t n = 0;

	if (msg) {
		for (size_t i = 0; msg->msg_iov && i < msg->msg_iovlen; i++)
			n += msg->msg_iov[i].iov_len;
		if (rv >= 0 && msg->msg_name) {
			sa = msg->msg_name;
			len = returned_len(cap, &msg->msg_namelen);
		}
	}
	record_xfer(call, t0, dur, rv, err, fd, n, flags, sa, len);
}

/* shutdown: the fd, how (SHUT_RD...). */
static void record_shutdown(unsigned call, uint64_t t0, uint64_t dur, int rv,
			    int err, int fd, int how)
{
	keke_record_ints(call, t0, dur, rv, err, 2,
			 (struct keke_int_field[]){
				 { KEKE_KEY_FD, fd },
				 { KEKE_KEY_HOW, how } });
}

/* recvmmsg: its timeout before the call changes it. */
static inline int64_t before_mmsg(const struct timespec *timeout)
{
	return keke_ts_ns(timeout);
}

/* sendmmsg, recvmmsg: the fd, the bytes of the messages done (the first
 * @rv of @vec), the flags, the timeout (unless none), the messages. */
static void record_mmsg(unsigned call, uint64_t t0, uint64_t dur, int rv,
			int err, int64_t timeout_ns, int fd,
			const struct mmsghdr *vec, int flags)
{
	struct keke_rec r;
	uint64_t n = 0;

	for (int i = 0; vec && i < rv; i++)
		n += vec[i].msg_len;
	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(5, 0)))
		return;
	keke_rec_int(&r, KEKE_KEY_FD, fd);
	keke_rec_int(&r, KEKE_KEY_COUNT, (int64_t)n);
	if (flags)
		keke_rec_int(&r, KEKE_KEY_FLAGS, flags);
	keke_rec_timeout(&r, timeout_ns);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* poll, ppoll, pselect, epoll_wait...: the epoll fd (unless -1), how many
 * fds (or events) at most, the timeout (unless none), the ready count. */
static void record_wait(unsigned call, uint64_t t0, uint64_t dur, int rv,
			int err, int fd, int64_t count, int64_t timeout_ns)
{
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(5, 0)))
		return;
	if (fd >= 0)
		keke_rec_int(&r, KEKE_KEY_FD, fd);
	keke_rec_int(&r, KEKE_KEY_COUNT, count);
	keke_rec_timeout(&r, timeout_ns);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* select: its timeout before the call changes it. */
static inline int64_t before_wait_tv(const struct timeval *tv)
{
	return tv ? (int64_t)tv->tv_sec * 1000000000 + tv->tv_usec * 1000 :
		    -1;
}

static void record_wait_tv(unsigned call, uint64_t t0, uint64_t dur, int rv,
			   int err, int64_t timeout_ns, int fd, int nfds)
{
	record_wait(call, t0, dur, rv, err, fd, nfds, timeout_ns);
}

/* getaddrinfo: the host and service, the result (an EAI_* code; errno
 * only with EAI_SYSTEM), the first address found. */
static void record_getaddrinfo(uint64_t t0, uint64_t dur, int rv, int err,
			       const char *node, const char *service,
			       const struct addrinfo *res)
{
	size_t node_len = keke_strlen(node), service_len = keke_strlen(service);
	char text[ADDR_MAX];
	size_t n = !rv && res ? format_addr(res->ai_addr, res->ai_addrlen,
					    text) : 0;
	struct keke_rec r;

	if (!keke_slice_begin(&r, KEKE_CALL_GETADDRINFO,
			      rv == EAI_SYSTEM ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(2,
					       KEKE_STR_MAX_LEN(node_len) +
					       KEKE_STR_MAX_LEN(service_len) +
					       ADDR_FIELD_MAX)))
		return;
	keke_rec_cstr(&r, KEKE_KEY_HOST, node, node_len);
	keke_rec_cstr(&r, KEKE_KEY_SERVICE, service, service_len);
	add_addr(&r, text, n);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/*
 * getaddrinfo reads files and talks to name servers, and the NSS modules
 * it loads may do so through hooked symbols: that is the resolver's work,
 * not the program's, so the thread counts as inside keke meanwhile.
 */
KEKE_EXPORT int getaddrinfo(const char *node, const char *service,
			    const struct addrinfo *hints,
			    struct addrinfo **res)
{
	keke_getaddrinfo_fn *real = KEKE_HOOK_REAL(getaddrinfo);
	uint64_t t0, dur;
	int rc, err;

	if (!keke_hook_on(KEKE_FAMILY_BIT_NET))
		return real(node, service, hints, res);
	t0 = keke_now();
	keke_busy_set(KEKE_BUSY_INTERNAL);
	rc = real(node, service, hints, res);
	keke_busy_clear();
	err = errno;
	dur = keke_now() - t0;
	if (keke_hook_keep(KEKE_CALL_GETADDRINFO, dur))
		record_getaddrinfo(t0, dur, rc, err, node, service,
				   res ? *res : NULL);
	errno = err;
	return rc;
}

#include "hook_wrappers.h"
