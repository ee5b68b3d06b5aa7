// SPDX-License-Identifier: MIT
/*
 * file_calls DIR: makes the calls of the file family on files in DIR and
 * prints each as "name key=value ... result=R errno=E", in call order,
 * with the errno the program saw after the call; lines starting with '#'
 * are other facts. The test compares them with what keke recorded.
 *
 * Built four times: plain, with -D_FILE_OFFSET_BITS=64 (open64, pread64,
 * lseek64... are called), fortified with -O2 -D_FORTIFY_SOURCE=2
 * (__open_2, __read_chk, __pread_chk...), and both: every build must
 * record the same events. Lengths and flags go through volatile variables
 * so that the fortified build calls the checking spellings.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "printed_calls.h"

static volatile int rdonly = O_RDONLY;
static volatile size_t five = 5, four = 4;

#if defined(__x86_64__)
/* The stat family of binaries linked before glibc 2.33, which newer
 * headers no longer declare: bound to the old symbol versions. */
int old_xstat(int ver, const char *path, struct stat *st);
int old_lxstat(int ver, const char *path, struct stat *st);
int old_fxstat(int ver, int fd, struct stat *st);
int old_fxstatat(int ver, int dirfd, const char *path, struct stat *st,
		 int flags);
__asm__(".symver old_xstat,__xstat@GLIBC_2.2.5");
__asm__(".symver old_lxstat,__lxstat@GLIBC_2.2.5");
__asm__(".symver old_fxstat,__fxstat@GLIBC_2.2.5");
__asm__(".symver old_fxstatat,__fxstatat@GLIBC_2.4");

static void old_stat_family(int dirfd)
{
	struct stat st;
	int rc;

	RUN(rc, old_xstat(1, at("c"), &st));
	printf("stat path=%s", at("c"));
	end(rc, err);
	RUN(rc, old_lxstat(1, at("c"), &st));
	printf("lstat path=%s", at("c"));
	end(rc, err);
	RUN(rc, old_fxstat(1, dirfd, &st));
	printf("fstat fd=%d", dirfd);
	end(rc, err);
	RUN(rc, old_fxstatat(1, dirfd, "c", &st, 0));
	printf("fstatat path=%s", at("c"));
	end(rc, err);
}
#else
static void old_stat_family(int dirfd)
{
	(void)dirfd;
}
#endif

static void write_and_read(void)
{
	char buf[64];
	struct iovec iov[2] = { { "ab", 2 }, { "cde", 3 } };
	struct iovec riov[2] = { { buf, 2 }, { buf + 2, 3 } };
	ssize_t n;
	int fd;

	RUN(fd, open(at("a"), O_CREAT | O_WRONLY | O_TRUNC, 0640));
	printf("open path=%s flags=%d mode=%d", at("a"),
	       O_CREAT | O_WRONLY | O_TRUNC, 0640);
	end(fd, err);
	RUN(n, write(fd, "hello world\n", 12));
	printf("write fd=%d count=12", fd);
	end(n, err);
	RUN(n, pwrite(fd, "XY", 2, 100));
	printf("pwrite fd=%d count=2 offset=100", fd);
	end(n, err);
	RUN(n, writev(fd, iov, 2));
	printf("writev fd=%d count=5", fd);
	end(n, err);
	RUN(n, fsync(fd));
	printf("fsync fd=%d", fd);
	end(n, err);
	RUN(n, fdatasync(fd));
	printf("fdatasync fd=%d", fd);
	end(n, err);
	RUN(n, close(fd));
	printf("close fd=%d", fd);
	end(n, err);

	RUN(fd, open(at("a"), rdonly));
	printf("open path=%s flags=0", at("a"));
	end(fd, err);
	RUN(n, read(fd, buf, five));
	printf("read fd=%d count=5", fd);
	end(n, err);
	RUN(n, pread(fd, buf, four, 100));
	printf("pread fd=%d count=4 offset=100", fd);
	end(n, err);
	RUN(n, readv(fd, riov, 2));
	printf("readv fd=%d count=5", fd);
	end(n, err);
	RUN(n, lseek(fd, 0, SEEK_END));
	printf("lseek fd=%d offset=0 whence=%d", fd, SEEK_END);
	end(n, err);
	RUN(n, preadv(fd, riov, 1, 0));
	printf("preadv fd=%d count=2 offset=0", fd);
	end(n, err);
	struct stat st;
	RUN(n, fstat(fd, &st));
	printf("fstat fd=%d", fd);
	end(n, err);
	RUN(n, close(fd));
	printf("close fd=%d", fd);
	end(n, err);
}

static void names(void)
{
	struct stat st;
	struct statx stx;
	int dirfd, rc;

	RUN(rc, stat(at("a"), &st));
	printf("stat path=%s", at("a"));
	end(rc, err);
	RUN(rc, lstat(at("a"), &st));
	printf("lstat path=%s", at("a"));
	end(rc, err);
	RUN(dirfd, open(dir, O_RDONLY | O_DIRECTORY));
	printf("open path=%s flags=%d", dir, O_RDONLY | O_DIRECTORY);
	end(dirfd, err);
	RUN(rc, fstatat(dirfd, "a", &st, 0));
	printf("fstatat path=%s", at("a"));
	end(rc, err);
	RUN(rc, fstatat(dirfd, "", &st, AT_EMPTY_PATH));
	printf("fstatat fd=%d flags=%d", dirfd, AT_EMPTY_PATH);
	end(rc, err);
	RUN(rc, statx(dirfd, "a", 0, STATX_SIZE, &stx));
	printf("statx path=%s", at("a"));
	end(rc, err);
	RUN(rc, rename(at("a"), at("b")));
	printf("rename path=%s new_path=%s", at("a"), at("b"));
	end(rc, err);
	RUN(rc, renameat(dirfd, "b", dirfd, "c"));
	printf("renameat path=%s new_path=%s", at("b"), at("c"));
	end(rc, err);
	RUN(rc, mkdir(at("d"), 0750));
	printf("mkdir path=%s mode=%d", at("d"), 0750);
	end(rc, err);
	RUN(rc, mkdirat(dirfd, "e", 0700));
	printf("mkdirat path=%s mode=%d", at("e"), 0700);
	end(rc, err);
	RUN(rc, rmdir(at("d")));
	printf("rmdir path=%s", at("d"));
	end(rc, err);
	RUN(rc, unlinkat(dirfd, "e", AT_REMOVEDIR));
	printf("unlinkat path=%s flags=%d", at("e"), AT_REMOVEDIR);
	end(rc, err);
	RUN(rc, creat(at("f"), 0600));
	printf("creat path=%s mode=%d", at("f"), 0600);
	end(rc, err);
	if (rc >= 0) {
		int fd = rc;

		RUN(rc, close(fd));
		printf("close fd=%d", fd);
		end(rc, err);
	}
	RUN(rc, openat(dirfd, "f", rdonly));
	printf("openat path=%s flags=0", at("f"));
	end(rc, err);
	if (rc >= 0) {
		int fd = rc;

		RUN(rc, close(fd));
		printf("close fd=%d", fd);
		end(rc, err);
	}
	RUN(rc, unlink(at("f")));
	printf("unlink path=%s", at("f"));
	end(rc, err);
	old_stat_family(dirfd);
	RUN(rc, close(dirfd));
	printf("close fd=%d", dirfd);
	end(rc, err);
}

static void streams(void)
{
	FILE *f;
	int fd, rc;

	RUN(f, fopen(at("g"), "w"));
	printf("fopen path=%s mode=w", at("g"));
	end(f ? fileno(f) : -1, err);
	if (!f)
		return;
	fd = fileno(f);
	fputs("through stdio\n", f);
	RUN(rc, fclose(f));
	printf("fclose fd=%d", fd);
	end(rc, err);
	RUN(fd, open(at("g"), rdonly));
	printf("open path=%s flags=0", at("g"));
	end(fd, err);
	RUN(f, fdopen(fd, "r"));
	printf("fdopen fd=%d mode=r", fd);
	end(f ? fd : -1, err);
	if (!f)
		return;
	RUN(rc, fclose(f));
	printf("fclose fd=%d", fd);
	end(rc, err);
	RUN(rc, unlink(at("g")));
	printf("unlink path=%s", at("g"));
	end(rc, err);
}

/* Failing calls: the program sees the real errno after the hook. */
static void failures(void)
{
	struct stat st;
	int fd, rc, null;

	errno = 0;
	RUN(fd, open(at("missing/x"), rdonly));
	printf("open path=%s flags=0", at("missing/x"));
	end(fd, err);
	printf("# open_errno=%d\n", err);
	RUN(rc, stat(at("missing"), &st));
	printf("stat path=%s", at("missing"));
	end(rc, err);
	RUN(rc, close(9999));
	printf("close fd=9999");
	end(rc, err);

	/* A call that succeeds leaves errno as it was. */
	RUN(null, open("/dev/null", O_WRONLY));
	printf("open path=/dev/null flags=%d", O_WRONLY);
	end(null, err);
	errno = 1234;
	RUN(rc, (int)write(null, "x", 1));
	printf("# errno_kept=%d\n", err == 1234);
	printf("write fd=%d count=1", null);
	end(rc, err);
	RUN(rc, close(null));
	printf("close fd=%d", null);
	end(rc, err);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: file_calls DIR\n");
		return 2;
	}
	dir = argv[1];
	write_and_read();
	names();
	streams();
	failures();
	return 0;
}
