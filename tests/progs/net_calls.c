// SPDX-License-Identifier: MIT
/*
 * net_calls DIR: makes the calls of the net family over loopback TCP,
 * UDP on ::1 (when the host has IPv6) and a Unix socket in DIR, then
 * resolves "localhost", and prints each call as file_calls does, with
 * addresses written by this program itself (inet_ntop): "127.0.0.1:PORT",
 * "[::1]:PORT", "unix:PATH".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "call_lines.h"

/* An address as keke writes it. */
static const char *text(const struct sockaddr *sa, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
		snprintf(buf, size, "%s:%d", ip, ntohs(in->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, size, "[%s]:%d", ip, ntohs(in6->sin6_port));
	} else {
		snprintf(buf, size, "unix:%s",
			 ((const struct sockaddr_un *)sa)->sun_path);
	}
	return buf;
}

static void tcp(void)
{
	struct sockaddr_in addr = { .sin_family = AF_INET };
	struct sockaddr_storage peer;
	socklen_t len = sizeof(addr), plen = sizeof(peer);
	struct pollfd pfd;
	struct epoll_event ev = { .events = EPOLLIN }, got;
	struct timeval tv = { 1, 500000 };
	struct timespec ts = { 2, 0 };
	char a[128], buf[64];
	int s, c, acc, rc, ep;
	ssize_t n;
	fd_set rfds;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	RUN(s, socket(AF_INET, SOCK_STREAM, 0));
	printf("socket domain=%d type=%d protocol=0", AF_INET, SOCK_STREAM);
	print_inode("inode", s);
	end(s, err);
	RUN(rc, bind(s, (struct sockaddr *)&addr, sizeof(addr)));
	printf("bind fd=%d addr=%s", s, text((void *)&addr, a, sizeof(a)));
	end(rc, err);
	getsockname(s, (struct sockaddr *)&addr, &len);
	RUN(rc, listen(s, 4));
	printf("listen fd=%d backlog=4", s);
	end(rc, err);
	RUN(c, socket(AF_INET, SOCK_STREAM, 0));
	printf("socket domain=%d type=%d protocol=0", AF_INET, SOCK_STREAM);
	print_inode("inode", c);
	end(c, err);
	RUN(rc, connect(c, (struct sockaddr *)&addr, sizeof(addr)));
	printf("connect fd=%d addr=%s", c, text((void *)&addr, a, sizeof(a)));
	end(rc, err);
	RUN(acc, accept(s, (struct sockaddr *)&peer, &plen));
	printf("accept fd=%d addr=%s", s, text((void *)&peer, a, sizeof(a)));
	print_inode("inode", acc);
	end(acc, err);

	RUN(n, send(c, "ping", 4, 0));
	printf("send fd=%d count=4", c);
	end(n, err);
	pfd = (struct pollfd){ .fd = acc, .events = POLLIN };
	RUN(rc, poll(&pfd, 1, 1000));
	printf("poll count=1 timeout_ns=1000000000");
	end(rc, err);
	RUN(n, recv(acc, buf, sizeof(buf), 0));
	printf("recv fd=%d count=%zu", acc, sizeof(buf));
	end(n, err);
	RUN(n, sendto(acc, "pong", 4, 0, NULL, 0));
	printf("sendto fd=%d count=4", acc);
	end(n, err);
	pfd = (struct pollfd){ .fd = c, .events = POLLIN };
	RUN(rc, ppoll(&pfd, 1, &ts, NULL));
	printf("ppoll count=1 timeout_ns=2000000000");
	end(rc, err);
	FD_ZERO(&rfds);
	FD_SET(c, &rfds);
	RUN(rc, select(c + 1, &rfds, NULL, NULL, &tv));
	printf("select count=%d timeout_ns=1500000000", c + 1);
	end(rc, err);
	RUN(n, recvfrom(c, buf, sizeof(buf), 0, NULL, NULL));
	printf("recvfrom fd=%d count=%zu", c, sizeof(buf));
	end(n, err);

	struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
	RUN(n, sendmsg(c, &msg, 0));
	printf("sendmsg fd=%d count=5", c);
	end(n, err);
	RUN(ep, epoll_create1(0));
	printf("epoll_create1 flags=0");
	end(ep, err);
	ev.data.fd = acc;
	epoll_ctl(ep, EPOLL_CTL_ADD, acc, &ev);
	RUN(rc, epoll_wait(ep, &got, 1, -1));
	printf("epoll_wait fd=%d count=1", ep);
	end(rc, err);
	struct iovec riov = { buf, sizeof(buf) };
	struct msghdr rmsg = { .msg_iov = &riov, .msg_iovlen = 1 };
	RUN(n, recvmsg(acc, &rmsg, MSG_DONTWAIT));
	printf("recvmsg fd=%d count=%zu flags=%d", acc, sizeof(buf),
	       MSG_DONTWAIT);
	end(n, err);
	RUN(n, recv(acc, buf, sizeof(buf), MSG_DONTWAIT));
	printf("recv fd=%d count=%zu flags=%d", acc, sizeof(buf),
	       MSG_DONTWAIT);
	end(n, err);
	close(ep);
	close(acc);
	close(c);
	close(s);
	printf("close\nclose\nclose\nclose\n");
}

static void udp6(void)
{
	struct sockaddr_in6 addr = { .sin6_family = AF_INET6 };
	struct sockaddr_in6 from;
	socklen_t len = sizeof(addr), flen = sizeof(from);
	char a[128], buf[16];
	int s, rc;
	ssize_t n;

	addr.sin6_addr = in6addr_loopback;
	RUN(s, socket(AF_INET6, SOCK_DGRAM, 0));
	printf("socket domain=%d type=%d protocol=0", AF_INET6, SOCK_DGRAM);
	print_inode("inode", s);
	end(s, err);
	if (s < 0)
		return;
	RUN(rc, bind(s, (struct sockaddr *)&addr, sizeof(addr)));
	printf("bind fd=%d addr=%s", s, text((void *)&addr, a, sizeof(a)));
	end(rc, err);
	if (rc == 0) {
		getsockname(s, (struct sockaddr *)&addr, &len);
		RUN(n, sendto(s, "v6", 2, 0, (struct sockaddr *)&addr,
			      sizeof(addr)));
		printf("sendto fd=%d count=2 addr=%s", s,
		       text((void *)&addr, a, sizeof(a)));
		end(n, err);
		RUN(n, recvfrom(s, buf, sizeof(buf), 0,
				(struct sockaddr *)&from, &flen));
		printf("recvfrom fd=%d count=%zu addr=%s", s, sizeof(buf),
		       text((void *)&from, a, sizeof(a)));
		end(n, err);
	}
	close(s);
	printf("close\n");
}

static void unix_stream(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char a[256];
	int s, c, rc;

	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/sock", dir);
	RUN(s, socket(AF_UNIX, SOCK_STREAM, 0));
	printf("socket domain=%d type=%d protocol=0", AF_UNIX, SOCK_STREAM);
	print_inode("inode", s);
	end(s, err);
	RUN(rc, bind(s, (struct sockaddr *)&addr, sizeof(addr)));
	printf("bind fd=%d addr=%s", s, text((void *)&addr, a, sizeof(a)));
	end(rc, err);
	RUN(rc, listen(s, 1));
	printf("listen fd=%d backlog=1", s);
	end(rc, err);
	RUN(c, socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
	printf("socket domain=%d type=%d protocol=0", AF_UNIX,
	       SOCK_STREAM | SOCK_CLOEXEC);
	print_inode("inode", c);
	end(c, err);
	RUN(rc, connect(c, (struct sockaddr *)&addr, sizeof(addr)));
	printf("connect fd=%d addr=%s", c, text((void *)&addr, a, sizeof(a)));
	end(rc, err);
	RUN(rc, accept4(s, NULL, NULL, SOCK_CLOEXEC));
	printf("accept4 fd=%d flags=%d", s, SOCK_CLOEXEC);
	print_inode("inode", rc);
	end(rc, err);
	if (rc >= 0) {
		close(rc);
		printf("close\n");
	}
	close(c);
	close(s);
	printf("close\nclose\n");

	/* A connect that fails: nothing is there. */
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/nobody", dir);
	RUN(c, socket(AF_UNIX, SOCK_STREAM, 0));
	printf("socket domain=%d type=%d protocol=0", AF_UNIX, SOCK_STREAM);
	print_inode("inode", c);
	end(c, err);
	RUN(rc, connect(c, (struct sockaddr *)&addr, sizeof(addr)));
	printf("connect fd=%d addr=%s", c, text((void *)&addr, a, sizeof(a)));
	end(rc, err);
	close(c);
	printf("close\n");
}

static void resolve(void)
{
	struct addrinfo hints = { .ai_family = AF_INET,
				  .ai_socktype = SOCK_STREAM };
	struct addrinfo *res = NULL;
	char a[128];
	int rc;

	rc = getaddrinfo("localhost", "80", &hints, &res);
	printf("getaddrinfo host=localhost service=80");
	if (!rc && res)
		printf(" addr=%s", text(res->ai_addr, a, sizeof(a)));
	printf(" result=%d\n", rc);
	if (res)
		freeaddrinfo(res);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: net_calls DIR\n");
		return 2;
	}
	tcp();
	udp6();
	dir = argv[1];
	unix_stream();
	resolve();
	return 0;
}
