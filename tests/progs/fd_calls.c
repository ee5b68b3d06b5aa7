// SPDX-License-Identifier: MIT
/*
 * fd_calls DIR: makes the calls that make, copy or retire fds, and those
 * that copy bytes between fds, on files in DIR, and prints each call of
 * the file and net families it made as "name key=value ... result=R
 * errno=E", in call order, with the errno it saw after the call (0 on
 * success); lines starting with '#' are other facts. Keys are the record
 * format's (src/record/keys.def). The test compares the lines with what
 * keke recorded, field by field.
 *
 * Built twice: plain, and with -D_FILE_OFFSET_BITS=64 (fcntl64,
 * mkstemp64, tmpfile64, sendfile64... are called): both must record the
 * same events.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "call_lines.h"

static void do_close(int fd)
{
	int rc;

	RUN(rc, close(fd));
	printf("close fd=%d", fd);
	end(rc, err);
}

/* Opens DIR/@name read-write, created empty. */
static int make_file(const char *name)
{
	int fd, flags = O_CREAT | O_RDWR | O_TRUNC;

	RUN(fd, open(at(name), flags, 0600));
	printf("open path=%s flags=%d mode=%d", at(name), flags, 0600);
	end(fd, err);
	return fd;
}

static void do_write(int fd, const char *s)
{
	ssize_t n;

	RUN(n, write(fd, s, strlen(s)));
	printf("write fd=%d count=%zu", fd, strlen(s));
	end(n, err);
}

static void dups(int a)
{
	int fd;

	RUN(fd, dup(a));
	printf("dup fd=%d", a);
	end(fd, err);
	do_close(fd);
	RUN(fd, dup2(a, 100));
	printf("dup2 fd=%d arg=100", a);
	end(fd, err);
	do_close(100);
	RUN(fd, dup3(a, 101, O_CLOEXEC));
	printf("dup3 fd=%d arg=101 flags=%d", a, O_CLOEXEC);
	end(fd, err);
	do_close(101);
	RUN(fd, dup3(a, a, 0));
	printf("dup3 fd=%d arg=%d flags=0", a, a);
	end(fd, err);
	RUN(fd, dup(9999));
	printf("dup fd=9999");
	end(fd, err);
	RUN(fd, dup2(9999, 50));
	printf("dup2 fd=9999 arg=50");
	end(fd, err);

	/* A call that succeeds leaves errno as it was. */
	errno = 1234;
	RUN(fd, dup(a));
	printf("# errno_kept=%d\n", err == 1234);
	printf("dup fd=%d", a);
	end(fd, err);
	do_close(fd);
}

/* An fcntl lock command: prints the lock as given, before the call. */
static void lock(int fd, int cmd, short type, short whence, off_t start,
		 off_t len)
{
	struct flock lk = { .l_type = type, .l_whence = whence,
			    .l_start = start, .l_len = len };
	int rc;

	RUN(rc, fcntl(fd, cmd, &lk));
	/* The lock as the call left it (F_GETLK: the one it found); none
	 * when it failed. */
	printf("fcntl fd=%d cmd=%d", fd, cmd);
	if (rc != -1)
		printf(" arg=%d offset=%lld len=%lld whence=%d", lk.l_type,
		       (long long)lk.l_start, (long long)lk.l_len,
		       lk.l_whence);
	end(rc, err);
}

/* An fcntl command with an int argument. */
static int fcntl_int(int fd, int cmd, int arg)
{
	int rc;

	RUN(rc, fcntl(fd, cmd, arg));
	printf("fcntl fd=%d cmd=%d arg=%d", fd, cmd, arg);
	end(rc, err);
	return rc;
}

/* An fcntl command without an argument. */
static void fcntl_none(int fd, int cmd)
{
	int rc;

	RUN(rc, fcntl(fd, cmd));
	printf("fcntl fd=%d cmd=%d", fd, cmd);
	end(rc, err);
}

static void fcntls(int a)
{
	do_close(fcntl_int(a, F_DUPFD, 50));
	do_close(fcntl_int(a, F_DUPFD_CLOEXEC, 60));
	fcntl_none(a, F_GETFD);
	fcntl_int(a, F_SETFD, FD_CLOEXEC);
	fcntl_none(a, F_GETFL);
	fcntl_int(a, F_SETFL, O_APPEND | O_NONBLOCK);
	fcntl_none(9999, F_GETFD);
	lock(a, F_SETLK, F_WRLCK, SEEK_SET, 2, 5);
	lock(a, F_SETLKW, F_UNLCK, SEEK_SET, 2, 5);
	lock(a, F_GETLK, F_RDLCK, SEEK_CUR, 0, 0);
	lock(a, F_OFD_SETLK, F_RDLCK, SEEK_SET, 0, 10);
	lock(a, F_OFD_GETLK, F_WRLCK, SEEK_END, -3, 3);
	lock(a, F_SETLK, 99, SEEK_SET, 0, 1);
}

/* The fd whose lock release_later lets go. */
static int held_fd;

/* Lets go of held_fd's lock after 200 ms (its call is not printed: the
 * test checks the main thread's calls). */
static void *release_later(void *arg)
{
	struct flock lk = { .l_type = F_UNLCK, .l_whence = SEEK_SET };

	(void)arg;
	usleep(200000);
	fcntl(held_fd, F_OFD_SETLK, &lk);
	return NULL;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* F_OFD_SETLKW on a second open of a file whose lock another thread holds
 * for 200 ms: the call waits, and prints how long. */
static void lock_wait(void)
{
	int fd = make_file("lock"), fd2;
	long long t0;
	pthread_t t;

	lock(fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 0);
	RUN(fd2, open(at("lock"), O_RDWR));
	printf("open path=%s flags=%d", at("lock"), O_RDWR);
	end(fd2, err);
	held_fd = fd;
	if (pthread_create(&t, NULL, release_later, NULL) != 0)
		exit(1);
	t0 = now_ns();
	lock(fd2, F_OFD_SETLKW, F_WRLCK, SEEK_SET, 0, 0);
	printf("# lock_wait_ns=%lld\n", now_ns() - t0);
	pthread_join(t, NULL);
	do_close(fd2);
	do_close(fd);
}

static void pipes(void)
{
	int p[2] = { -1, -1 }, rc;

	RUN(rc, pipe(p));
	printf("pipe fd=%d fd2=%d", p[0], p[1]);
	print_inode("inode", p[0]);
	end(rc, err);
	do_close(p[0]);
	do_close(p[1]);
	RUN(rc, pipe2(p, O_CLOEXEC | O_NONBLOCK));
	printf("pipe2 fd=%d fd2=%d flags=%d", p[0], p[1],
	       O_CLOEXEC | O_NONBLOCK);
	print_inode("inode", p[0]);
	end(rc, err);
	do_close(p[0]);
	do_close(p[1]);
	RUN(rc, pipe2(p, -1));
	printf("pipe2 flags=-1");
	end(rc, err);
	RUN(rc, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, p));
	printf("socketpair domain=%d type=%d protocol=0 fd=%d fd2=%d",
	       AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, p[0], p[1]);
	print_inode("inode", p[0]);
	print_inode("inode2", p[1]);
	end(rc, err);
	do_close(p[0]);
	do_close(p[1]);
	RUN(rc, socketpair(AF_INET, SOCK_STREAM, 0, p));
	printf("socketpair domain=%d type=%d protocol=0", AF_INET,
	       SOCK_STREAM);
	end(rc, err);
}

/* Prints the line of an fd-making call and closes the fd. */
static void made(int fd, const char *line)
{
	printf("%s", line);
	end(fd, err);
	if (fd >= 0)
		do_close(fd);
}

static void anonymous(void)
{
	char line[256];
	sigset_t mask;
	int fd, fd2;

	RUN(fd, eventfd(3, EFD_CLOEXEC));
	snprintf(line, sizeof(line), "eventfd count=3 flags=%d", EFD_CLOEXEC);
	made(fd, line);
	RUN(fd, timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
	snprintf(line, sizeof(line), "timerfd_create clock=%d flags=%d",
		 CLOCK_MONOTONIC, TFD_CLOEXEC);
	made(fd, line);
	RUN(fd, timerfd_create(12345, 0));
	made(fd, "timerfd_create clock=12345 flags=0");
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	RUN(fd, signalfd(-1, &mask, SFD_CLOEXEC));
	printf("signalfd fd=-1 flags=%d", SFD_CLOEXEC);
	end(fd, err);
	RUN(fd2, signalfd(fd, &mask, 0));
	snprintf(line, sizeof(line), "signalfd fd=%d flags=0", fd);
	made(fd2, line);
	RUN(fd, memfd_create("keke-test", MFD_CLOEXEC));
	snprintf(line, sizeof(line), "memfd_create name=keke-test flags=%d",
		 MFD_CLOEXEC);
	made(fd, line);
	RUN(fd, epoll_create(4));
	made(fd, "epoll_create");
	RUN(fd, epoll_create1(EPOLL_CLOEXEC));
	snprintf(line, sizeof(line), "epoll_create1 flags=%d", EPOLL_CLOEXEC);
	made(fd, line);
	RUN(fd, epoll_create1(-1));
	made(fd, "epoll_create1 flags=-1");
	RUN(fd, inotify_init());
	made(fd, "inotify_init");
	RUN(fd, inotify_init1(IN_CLOEXEC));
	snprintf(line, sizeof(line), "inotify_init1 flags=%d", IN_CLOEXEC);
	made(fd, line);
}

/* What the kernel names @fd, read without a call keke hooks. */
static const char *fd_name(int fd)
{
	static char name[4096];
	char link[64];
	long n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = syscall(SYS_readlinkat, AT_FDCWD, link, name, sizeof(name) - 1);
	name[n > 0 ? n : 0] = '\0';
	return name;
}

static void temps(void)
{
	char *t1 = at("mkXXXXXX"), *t2 = at("moXXXXXX"), *t3 = at("msXXXXXX.c");
	char *t4 = at("mosXXXXXX.c"), *t5 = at("dXXXXXX");
	char *t6 = at("missing/dXXXXXX"), bad[] = "bad", line[4200];
	FILE *f;
	char *d;
	int fd;

	RUN(fd, mkstemp(t1));
	snprintf(line, sizeof(line), "mkstemp path=%s", t1);
	made(fd, line);
	RUN(fd, mkostemp(t2, O_CLOEXEC));
	snprintf(line, sizeof(line), "mkostemp path=%s flags=%d", t2,
		 O_CLOEXEC);
	made(fd, line);
	RUN(fd, mkstemps(t3, 2));
	snprintf(line, sizeof(line), "mkstemps path=%s", t3);
	made(fd, line);
	RUN(fd, mkostemps(t4, 2, O_APPEND));
	snprintf(line, sizeof(line), "mkostemps path=%s flags=%d", t4,
		 O_APPEND);
	made(fd, line);
	RUN(fd, mkstemp(bad));
	made(fd, "mkstemp path=bad");
	RUN(d, mkdtemp(t5));
	printf("mkdtemp path=%s", t5);
	end(d ? 0 : -1, err);
	RUN(d, mkdtemp(t6));
	printf("mkdtemp path=%s", t6);
	end(d ? 0 : -1, err);
	RUN(f, tmpfile());
	fd = f ? fileno(f) : -1;
	printf("tmpfile");
	if (f)
		printf(" path=%s", fd_name(fd));
	end(fd, err);
	if (f) {
		int rc;

		RUN(rc, fclose(f));
		printf("fclose fd=%d", fd);
		end(rc, err);
	}
}

static void dirs(int a)
{
	DIR *d;
	int fd, rc;

	RUN(d, opendir(dir));
	fd = d ? dirfd(d) : -1;
	printf("opendir path=%s", dir);
	end(fd, err);
	if (d) {
		RUN(rc, closedir(d));
		printf("closedir fd=%d", fd);
		end(rc, err);
	}
	RUN(d, opendir(at("missing")));
	printf("opendir path=%s", at("missing"));
	end(d ? dirfd(d) : -1, err);
	RUN(fd, open(dir, O_RDONLY | O_DIRECTORY));
	printf("open path=%s flags=%d", dir, O_RDONLY | O_DIRECTORY);
	end(fd, err);
	RUN(d, fdopendir(fd));
	printf("fdopendir fd=%d", fd);
	end(d ? fd : -1, err);
	if (d) {
		RUN(rc, closedir(d));
		printf("closedir fd=%d", fd);
		end(rc, err);
	}
	RUN(d, fdopendir(9999));
	printf("fdopendir fd=9999");
	end(d ? 9999 : -1, err);
	RUN(d, fdopendir(a));
	printf("fdopendir fd=%d", a);
	end(d ? a : -1, err);
}

static void closes(void)
{
	int x = make_file("x"), y = make_file("y"), z = make_file("z"), rc;

	RUN(rc, close_range(x, y, 0));
	printf("close_range fd=%d arg=%d flags=0", x, y);
	end(rc, err);
	RUN(rc, close_range(10, 5, 0));
	printf("close_range fd=10 arg=5 flags=0");
	end(rc, err);
	RUN(rc, close_range(z, z, CLOSE_RANGE_CLOEXEC));
	printf("close_range fd=%d arg=%d flags=%d", z, z,
	       CLOSE_RANGE_CLOEXEC);
	end(rc, err);
	closefrom(z);
	printf("closefrom fd=%d result=0 errno=0\n", z);
	printf("# closed=%d\n", fcntl(z, F_GETFD) < 0 && errno == EBADF);
	printf("fcntl fd=%d cmd=%d result=-1 errno=%d\n", z, F_GETFD, EBADF);
}

/* The copies: between files, through pipes, from memory. */
static void copies(void)
{
	int src = make_file("src"), dst = make_file("dst"), p[2], q[2];
	struct iovec iov[2] = { { "abc", 3 }, { "defg", 4 } };
	off64_t in = 10, out = 0;
	off_t off = 0;
	loff_t lin = 0, lout = 200;
	ssize_t n;
	int rc;

	do_write(src, "0123456789abcdefghijklmnopqrstuvwxyz"
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");
	RUN(n, copy_file_range(src, &in, dst, &out, 20, 0));
	printf("copy_file_range fd_in=%d offset_in=10 fd=%d offset=0 count=20 "
	       "flags=0", src, dst);
	end(n, err);
	RUN(n, copy_file_range(src, NULL, dst, NULL, 5, 0));
	printf("copy_file_range fd_in=%d fd=%d count=5 flags=0", src, dst);
	end(n, err);
	RUN(n, copy_file_range(9999, NULL, dst, NULL, 5, 0));
	printf("copy_file_range fd_in=9999 fd=%d count=5 flags=0", dst);
	end(n, err);
	RUN(n, sendfile(dst, src, &off, 30));
	printf("sendfile fd=%d fd_in=%d offset_in=0 count=30", dst, src);
	end(n, err);
	RUN(n, sendfile(dst, src, NULL, 5));
	printf("sendfile fd=%d fd_in=%d count=5", dst, src);
	end(n, err);
	RUN(rc, pipe(p));
	printf("pipe fd=%d fd2=%d", p[0], p[1]);
	print_inode("inode", p[0]);
	end(rc, err);
	RUN(rc, pipe(q));
	printf("pipe fd=%d fd2=%d", q[0], q[1]);
	print_inode("inode", q[0]);
	end(rc, err);
	RUN(n, splice(src, &lin, p[1], NULL, 40, 0));
	printf("splice fd_in=%d offset_in=0 fd=%d count=40 flags=0", src,
	       p[1]);
	end(n, err);
	RUN(n, tee(p[0], q[1], 40, 0));
	printf("tee fd_in=%d fd=%d count=40 flags=0", p[0], q[1]);
	end(n, err);
	RUN(n, tee(p[0], p[0], 40, 0));
	printf("tee fd_in=%d fd=%d count=40 flags=0", p[0], p[0]);
	end(n, err);
	RUN(n, splice(p[0], NULL, dst, &lout, 40, SPLICE_F_MOVE));
	printf("splice fd_in=%d fd=%d offset=200 count=40 flags=%d", p[0], dst,
	       SPLICE_F_MOVE);
	end(n, err);
	RUN(n, splice(9999, NULL, p[1], NULL, 1, 0));
	printf("splice fd_in=9999 fd=%d count=1 flags=0", p[1]);
	end(n, err);
	RUN(n, vmsplice(p[1], iov, 2, 0));
	printf("vmsplice fd=%d count=7 flags=0", p[1]);
	end(n, err);
	printf("# offsets in=%lld out=%lld off=%lld lin=%lld lout=%lld\n",
	       (long long)in, (long long)out, (long long)off, (long long)lin,
	       (long long)lout);
	do_close(p[0]);
	do_close(p[1]);
	do_close(q[0]);
	do_close(q[1]);
	do_close(src);
	do_close(dst);
}

int main(int argc, char **argv)
{
	int a;

	if (argc != 2) {
		fprintf(stderr, "usage: fd_calls DIR\n");
		return 2;
	}
	dir = argv[1];
	a = make_file("a");
	do_write(a, "0123456789");
	dups(a);
	fcntls(a);
	lock_wait();
	pipes();
	anonymous();
	temps();
	dirs(a);
	do_close(a);
	copies();
	closes();
	return 0;
}
