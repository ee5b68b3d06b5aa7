// SPDX-License-Identifier: MIT
/*
 * meta_calls DIR: makes the calls on paths and on what files are (truncate,
 * access, readlink, symlink, link, chmod, chown, the utime family, chdir,
 * realpath, directory listings, mmap, flock, lockf), shutdown, sendmmsg
 * and recvmmsg, and sends signals, on files in DIR; prints each as
 * "name key=value ... result=R errno=E" in call order, with the errno the
 * program saw (0 on success). The test compares them with what keke
 * recorded. Calls of other hooks it makes on the way (open, close,
 * mkdir...) are not printed.
 *
 * Built three ways: plain, large-file (truncate64, mmap64, readdir64...)
 * and fortified (__readlink_chk, __realpath_chk...): each must record
 * what it made. Sizes go through volatile variables so that the
 * fortified build calls the checking spellings.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <utime.h>

#include "call_lines.h"

static volatile size_t buf_size = 64, four = 4;

static void sizes_and_access(int fd, int dirfd)
{
	int rc;

	RUN(rc, truncate(at("a"), 100));
	printf("truncate path=%s len=100", at("a"));
	end(rc, err);
	RUN(rc, truncate(at("missing/x"), 1));
	printf("truncate path=%s len=1", at("missing/x"));
	end(rc, err);
	RUN(rc, ftruncate(fd, 10));
	printf("ftruncate fd=%d len=10", fd);
	end(rc, err);
	RUN(rc, access(at("a"), R_OK | W_OK));
	printf("access path=%s mode=%d", at("a"), R_OK | W_OK);
	end(rc, err);
	RUN(rc, access(at("nope"), F_OK));
	printf("access path=%s mode=0", at("nope"));
	end(rc, err);
	RUN(rc, faccessat(dirfd, "a", R_OK, AT_EACCESS));
	printf("faccessat path=%s mode=%d flags=%d", at("a"), R_OK,
	       AT_EACCESS);
	end(rc, err);
	RUN(rc, euidaccess(at("a"), W_OK));
	printf("euidaccess path=%s mode=%d", at("a"), W_OK);
	end(rc, err);
	RUN(rc, eaccess(at("a"), X_OK));
	printf("euidaccess path=%s mode=%d", at("a"), X_OK);
	end(rc, err);
}

static void links(int dirfd)
{
	char buf[64];
	ssize_t n;
	int rc;

	RUN(rc, symlink("a", at("s")));
	printf("symlink path=%s target=a", at("s"));
	end(rc, err);
	RUN(rc, symlinkat("missing-target", dirfd, "s2"));
	printf("symlinkat path=%s target=missing-target", at("s2"));
	end(rc, err);
	RUN(n, readlink(at("s"), buf, buf_size));
	printf("readlink path=%s target=a", at("s"));
	end(n, err);
	RUN(n, readlinkat(dirfd, "s2", buf, four));
	printf("readlinkat path=%s target=miss", at("s2"));
	end(n, err);
	RUN(n, readlink(at("a"), buf, buf_size));
	printf("readlink path=%s", at("a"));
	end(n, err);
	RUN(rc, link(at("a"), at("h")));
	printf("link path=%s new_path=%s", at("a"), at("h"));
	end(rc, err);
	RUN(rc, linkat(dirfd, "a", dirfd, "h2", 0));
	printf("linkat path=%s new_path=%s", at("a"), at("h2"));
	end(rc, err);
	RUN(rc, linkat(dirfd, "s", AT_FDCWD, at("h3"), AT_SYMLINK_FOLLOW));
	printf("linkat path=%s new_path=%s flags=%d", at("s"), at("h3"),
	       AT_SYMLINK_FOLLOW);
	end(rc, err);
}

static void owners_and_times(int fd, int dirfd)
{
	int uid = (int)getuid(), gid = (int)getgid(), rc;

	RUN(rc, chmod(at("a"), 0600));
	printf("chmod path=%s mode=%d", at("a"), 0600);
	end(rc, err);
	RUN(rc, fchmod(fd, 0644));
	printf("fchmod fd=%d mode=%d", fd, 0644);
	end(rc, err);
	RUN(rc, fchmodat(dirfd, "a", 0640, 0));
	printf("fchmodat path=%s mode=%d", at("a"), 0640);
	end(rc, err);
	RUN(rc, chown(at("a"), (uid_t)-1, (gid_t)-1));
	printf("chown path=%s uid=-1 gid=-1", at("a"));
	end(rc, err);
	RUN(rc, fchown(fd, (uid_t)uid, (gid_t)gid));
	printf("fchown fd=%d uid=%d gid=%d", fd, uid, gid);
	end(rc, err);
	RUN(rc, lchown(at("s"), (uid_t)-1, (gid_t)gid));
	printf("lchown path=%s uid=-1 gid=%d", at("s"), gid);
	end(rc, err);
	RUN(rc, fchownat(dirfd, "a", (uid_t)-1, (gid_t)-1,
			 AT_SYMLINK_NOFOLLOW));
	printf("fchownat path=%s flags=%d", at("a"), AT_SYMLINK_NOFOLLOW);
	end(rc, err);
	RUN(rc, utimensat(dirfd, "a", NULL, 0));
	printf("utimensat path=%s", at("a"));
	end(rc, err);
	RUN(rc, utimensat(AT_FDCWD, at("s"), NULL, AT_SYMLINK_NOFOLLOW));
	printf("utimensat path=%s flags=%d", at("s"), AT_SYMLINK_NOFOLLOW);
	end(rc, err);
	RUN(rc, futimens(fd, NULL));
	printf("futimens fd=%d", fd);
	end(rc, err);
	RUN(rc, utimes(at("a"), NULL));
	printf("utimes path=%s", at("a"));
	end(rc, err);
	RUN(rc, utime(at("nope"), NULL));
	printf("utime path=%s", at("nope"));
	end(rc, err);
	RUN(rc, lutimes(at("s"), NULL));
	printf("lutimes path=%s", at("s"));
	end(rc, err);
}

static void names(void)
{
	char buf[PATH_MAX], *p;

	RUN(p, realpath(at("s"), NULL));
	printf("realpath path=%s target=%s", at("s"), p ? p : "?");
	end(p ? 0 : -1, err);
	free(p);
	RUN(p, realpath(at("nope"), buf));
	printf("realpath path=%s", at("nope"));
	end(p ? 0 : -1, err);
	RUN(p, canonicalize_file_name(at("h")));
	printf("realpath path=%s target=%s", at("h"), p ? p : "?");
	end(p ? 0 : -1, err);
	free(p);
}

/* The entries in a getdents64 buffer of @n bytes. */
static int entries_in(const char *buf, ssize_t n)
{
	int count = 0;

	for (ssize_t at = 0; at < n;
	     at += ((const struct dirent64 *)(buf + at))->d_reclen)
		count++;
	return count;
}

/* A listing left after one entry, its stream closed, then another of a
 * stream at the same address on another fd: two listings. */
static void left_listing(void)
{
	DIR *d = opendir(dir);
	int fd, count = 0, null;

	if (!d)
		return;
	fd = dirfd(d);
	readdir(d);
	closedir(d);
	null = open("/dev/null", O_RDONLY);
	printf("readdir fd=%d entries=1", fd);
	end(0, 0);
	d = opendir(dir);
	if (!d)
		return;
	fd = dirfd(d);
	while (readdir(d))
		count++;
	printf("readdir fd=%d entries=%d", fd, count);
	end(0, 0);
	closedir(d);
	close(null);
}

static void listings(int dir_fd)
{
	char buf[4096];
	struct dirent *e;
	ssize_t n;
	DIR *d;
	int count = 0, fd;

	RUN(n, getdents64(dir_fd, buf, sizeof(buf)));
	printf("getdents64 fd=%d count=%zu entries=%d", dir_fd, sizeof(buf),
	       entries_in(buf, n));
	end(n, err);
	lseek(dir_fd, 0, SEEK_SET);
	d = opendir(dir);
	if (!d)
		return;
	fd = dirfd(d);
	errno = 0;
	while ((e = readdir(d)))
		count++;
	err = errno;
	printf("readdir fd=%d entries=%d", fd, count);
	end(err ? -1 : 0, err);
	closedir(d);
	left_listing();
}

static void maps_and_locks(int fd)
{
	void *p;
	int rc;

	RUN(p, mmap(NULL, 10, PROT_READ, MAP_PRIVATE, fd, 0));
	printf("mmap fd=%d len=10 prot=%d flags=%d offset=0", fd, PROT_READ,
	       MAP_PRIVATE);
	end(p == MAP_FAILED ? -1 : (long long)(intptr_t)p, err);
	if (p != MAP_FAILED)
		munmap(p, 10);
	/* Memory, not a file: not recorded. */
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED)
		munmap(p, 4096);
	RUN(p, mmap(NULL, 10, PROT_READ, MAP_SHARED, 9999, 4096));
	printf("mmap fd=9999 len=10 prot=%d flags=%d offset=4096", PROT_READ,
	       MAP_SHARED);
	end(p == MAP_FAILED ? -1 : (long long)(intptr_t)p, err);
	RUN(rc, flock(fd, LOCK_EX));
	printf("flock fd=%d how=%d", fd, LOCK_EX);
	end(rc, err);
	RUN(rc, flock(fd, LOCK_UN));
	printf("flock fd=%d how=%d", fd, LOCK_UN);
	end(rc, err);
	RUN(rc, lockf(fd, F_TLOCK, 5));
	printf("lockf fd=%d cmd=%d len=5", fd, F_TLOCK);
	end(rc, err);
	RUN(rc, lockf(fd, F_ULOCK, 5));
	printf("lockf fd=%d cmd=%d len=5", fd, F_ULOCK);
	end(rc, err);
}

static void directories(int dirfd)
{
	char cwd[PATH_MAX];
	int rc;

	RUN(rc, chdir(dir));
	printf("chdir path=%s", dir);
	end(rc, err);
	mkdir("sub", 0700);
	if (!getcwd(cwd, sizeof(cwd)))
		return;
	RUN(rc, chdir("sub"));
	printf("chdir path=%s/sub", cwd);
	end(rc, err);
	if (!getcwd(cwd, sizeof(cwd)))
		return;
	RUN(rc, chdir("missing"));
	printf("chdir path=%s/missing", cwd);
	end(rc, err);
	RUN(rc, fchdir(dirfd));
	printf("fchdir fd=%d", dirfd);
	end(rc, err);
}

static void messages(void)
{
	char a[16], b[16];
	struct iovec iov[2] = { { "abc", 3 }, { "defg", 4 } };
	struct iovec riov[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct mmsghdr out[2], in[2];
	struct timespec tmo = { 0, 1000 };
	int sv[2], rc;

	memset(out, 0, sizeof(out));
	memset(in, 0, sizeof(in));
	for (int i = 0; i < 2; i++) {
		out[i].msg_hdr.msg_iov = &iov[i];
		out[i].msg_hdr.msg_iovlen = 1;
		in[i].msg_hdr.msg_iov = &riov[i];
		in[i].msg_hdr.msg_iovlen = 1;
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return;
	RUN(rc, sendmmsg(sv[0], out, 2, 0));
	printf("sendmmsg fd=%d count=7", sv[0]);
	end(rc, err);
	RUN(rc, recvmmsg(sv[1], in, 2, MSG_DONTWAIT, NULL));
	printf("recvmmsg fd=%d count=7 flags=%d", sv[1], MSG_DONTWAIT);
	end(rc, err);
	RUN(rc, recvmmsg(sv[1], in, 2, MSG_DONTWAIT, &tmo));
	printf("recvmmsg fd=%d count=0 flags=%d timeout_ns=1000", sv[1],
	       MSG_DONTWAIT);
	end(rc, err);
	RUN(rc, shutdown(sv[0], SHUT_WR));
	printf("shutdown fd=%d how=%d", sv[0], SHUT_WR);
	end(rc, err);
	RUN(rc, shutdown(9999, SHUT_RDWR));
	printf("shutdown fd=9999 how=%d", SHUT_RDWR);
	end(rc, err);
	close(sv[0]);
	close(sv[1]);
}

static volatile sig_atomic_t caught;

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

static void signals(void)
{
	int pid = (int)getpid(), rc;

	signal(SIGUSR1, on_usr1);
	RUN(rc, kill(pid, 0));
	printf("kill pid=%d signal=0", pid);
	end(rc, err);
	RUN(rc, kill(pid, SIGUSR1));
	printf("kill pid=%d signal=%d", pid, SIGUSR1);
	end(rc, err);
	RUN(rc, kill(0x3fffffff, SIGTERM));
	printf("kill pid=%d signal=%d", 0x3fffffff, SIGTERM);
	end(rc, err);
	RUN(rc, killpg(getpgrp(), 0));
	printf("kill pid=%d signal=0", -(int)getpgrp());
	end(rc, err);
	RUN(rc, raise(SIGUSR1));
	printf("raise signal=%d", SIGUSR1);
	end(rc, err);
	RUN(rc, gsignal(SIGUSR1));
	printf("raise signal=%d", SIGUSR1);
	end(rc, err);
	RUN(rc, sigqueue(pid, SIGUSR1, (union sigval){ .sival_int = 7 }));
	printf("sigqueue pid=%d signal=%d", pid, SIGUSR1);
	end(rc, err);
	RUN(rc, tgkill(pid, gettid(), SIGUSR1));
	printf("tgkill pid=%d tid=%d signal=%d", pid, gettid(), SIGUSR1);
	end(rc, err);
	/* pthread_kill returns an error number, and leaves errno alone. */
	rc = pthread_kill(pthread_self(), SIGUSR1);
	printf("pthread_kill signal=%d result=%d errno=%d\n", SIGUSR1, rc,
	       rc);
	rc = pthread_kill(pthread_self(), 1000);
	printf("pthread_kill signal=1000 result=%d errno=%d\n", rc, rc);
	printf("# caught=%d\n", (int)caught);
}

int main(int argc, char **argv)
{
	int fd, dirfd;

	if (argc != 2) {
		fprintf(stderr, "usage: meta_calls DIR\n");
		return 2;
	}
	dir = argv[1];
	fd = open(at("a"), O_CREAT | O_RDWR | O_TRUNC, 0640);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || dirfd < 0) {
		perror(dir);
		return 1;
	}
	sizes_and_access(fd, dirfd);
	links(dirfd);
	owners_and_times(fd, dirfd);
	names();
	listings(dirfd);
	maps_and_locks(fd);
	directories(dirfd);
	messages();
	signals();
	return 0;
}
