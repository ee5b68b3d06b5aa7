// SPDX-License-Identifier: MIT
/*
 * stdio_calls DIR < INPUT: makes the calls of the stdio family on files in
 * DIR, on stdout and on stdin (INPUT holds "12 abc\nrest\n"), and prints
 * on stderr, in call order, each call keke records as
 * "name key=value ... result=R errno=E" with the errno the program saw,
 * and each run of per-character calls (putc, getc, ...) as the slice it
 * ends in: "putc fd=F calls=C result=BYTES", printed before the call that
 * ends it. Lines starting with '#' are other facts. The test compares
 * them with what keke recorded; what the program writes on stdout must
 * be the same with and without keke.
 *
 * Built three ways: -O0 (every call a call), -O2 (putc_unlocked,
 * getc_unlocked and getline are inline: the buffer's own pointers move,
 * and __overflow, __uflow and __getdelim are called), and -O2 with
 * _FORTIFY_SOURCE=2 (__printf_chk, __fprintf_chk, __fgets_chk,
 * __fread_chk...). Every build must record the same events, but for the
 * names of calls its headers made inline (getline is __getdelim,
 * vprintf is vfprintf on stdout). The report is written with write():
 * it is not stdio's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The old names of getc and putc, which headers no longer declare and
 * old binaries still call. */
int _IO_getc(FILE *f);
int _IO_putc(int c, FILE *f);

static const char *dir;
static int err;		/* errno right after the last call */

/* Makes @call, keeping the errno it left before anything else runs. */
#define RUN(var, call)			\
	do {				\
		var = (call);		\
		err = errno;		\
	} while (0)

/* Prints a line of the report on stderr. */
__attribute__((format(printf, 1, 2))) static void say(const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0 && write(2, line, (size_t)n) != n)
		exit(3);
}

/* Ends a line with the result and the errno seen (0 on success). */
static void end(long long result, int e)
{
	say(" result=%lld errno=%d\n", result, result < 0 ? e : 0);
}

/* DIR/name in a rotating static buffer. */
static const char *at(const char *name)
{
	static char bufs[4][4096];
	static int next;
	char *b = bufs[next++ % 4];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

/* Sizes the compiler cannot see, so that fread_unlocked and
 * fwrite_unlocked stay calls at -O2, and fgets' buffer size, so that the
 * fortified build checks it. */
static volatile size_t one = 1, four = 4, five = 5;
static volatile int zero;

static int my_vfprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

static int my_vprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* Writes DIR/w with every writing call. */
static void writes(void)
{
	FILE *w;
	size_t n;
	int fd, rc;

	RUN(w, fopen(at("w"), "w"));
	if (!w)
		exit(2);
	fd = fileno(w);
	say("fopen path=%s mode=w result=%d errno=0\n", at("w"), fd);
	RUN(n, fwrite("abcdefghijkl", four, 3, w));
	say("fwrite fd=%d path=%s count=12 size=4", fd, at("w"));
	end((long long)(n * 4), err);
	RUN(rc, fputs("hello\n", w));
	say("fputs fd=%d path=%s", fd, at("w"));
	end(rc < 0 ? -1 : 6, err);
	RUN(rc, fprintf(w, "%d-%s\n", 42, "x"));
	say("fprintf fd=%d", fd);
	end(rc, err);
	RUN(rc, my_vfprintf(w, "%s\n", "via vfprintf"));
	say("fprintf fd=%d", fd);
	end(rc, err);
	RUN(rc, fputs_unlocked("unlocked\n", w));
	say("fputs fd=%d", fd);
	end(rc < 0 ? -1 : 9, err);
	RUN(n, fwrite_unlocked("0123456789", one, 10, w));
	say("fwrite fd=%d count=10 size=1", fd);
	end((long long)n, err);
	/* 10 + 5 + 7 + 3 + 1 per-character calls, one run. */
	for (int i = 0; i < 10; i++)
		putc('p', w);
	for (int i = 0; i < 5; i++)
		fputc('f', w);
	for (int i = 0; i < 7; i++)
		putc_unlocked('u', w);
	for (int i = 0; i < 3; i++)
		fputc_unlocked('v', w);
	_IO_putc('\n', w);
	say("putc fd=%d path=%s calls=26 result=26\n", fd, at("w"));
	RUN(rc, fflush(w));
	say("fflush fd=%d", fd);
	end(rc, err);
	RUN(rc, fseek(w, 2, SEEK_SET));
	say("fseek fd=%d offset=2 whence=0", fd);
	end(rc, err);
	long pos;
	RUN(pos, ftell(w));
	say("ftell fd=%d", fd);
	end(pos, err);
	RUN(rc, fseek(w, 0, 42));
	say("fseek fd=%d offset=0 whence=42", fd);
	end(rc, err);
	errno = 0;
	rewind(w);
	err = errno;
	say("rewind fd=%d", fd);
	end(0, err);
	fpos_t fp;
	RUN(rc, fgetpos(w, &fp));
	say("fgetpos fd=%d offset=0", fd);
	end(rc, err);
	RUN(rc, fseeko(w, 0, SEEK_END));
	say("fseek fd=%d offset=0 whence=2", fd);
	end(rc, err);
	off_t o;
	RUN(o, ftello(w));
	say("ftell fd=%d", fd);
	end((long long)o, err);
	RUN(rc, fsetpos(w, &fp));
	say("fsetpos fd=%d offset=0", fd);
	end(rc, err);
	RUN(rc, fseek(w, 0, SEEK_END));
	say("fseek fd=%d offset=0 whence=2", fd);
	end(rc, err);
	/* A read on a stream open for writing fails. */
	char line[64];
	char *got;
	RUN(got, fgets(line, (int)sizeof(line), w));
	say("fgets fd=%d count=64", fd);
	end(got ? (long long)strlen(got) : -1, err);
	RUN(rc, fclose(w));
	say("fclose fd=%d", fd);
	end(rc, err);
}

/* Reads DIR/w back with every reading call. */
static void reads(void)
{
	char buf[64], line[64], *got, *lp = NULL;
	size_t n, cap = 0;
	ssize_t len;
	FILE *r;
	int fd, rc, c;

	RUN(r, fopen(at("w"), "r"));
	if (!r)
		exit(2);
	fd = fileno(r);
	say("fopen path=%s mode=r result=%d errno=0\n", at("w"), fd);
	RUN(n, fread(buf, five, 2, r));
	say("fread fd=%d path=%s count=10 size=5", fd, at("w"));
	end((long long)(n * 5), err);
	RUN(got, fgets(line, (int)sizeof(line) - zero, r));
	say("fgets fd=%d count=64", fd);
	end(got ? (long long)strlen(got) : -1, err);
	RUN(n, fread_unlocked(buf, one, 3, r));
	say("fread fd=%d count=3 size=1", fd);
	end((long long)n, err);
	RUN(got, fgets_unlocked(line, (int)sizeof(line) - zero, r));
	say("fgets fd=%d count=64", fd);
	end(got ? (long long)strlen(got) : -1, err);
	/* 5 + 1 + 1 per-character calls, one of them giving back a byte
	 * that is read again: 7 calls, 5 bytes. */
	c = getc(r);
	c = fgetc(r);
	c = getc_unlocked(r);
	c = fgetc_unlocked(r);
	c = _IO_getc(r);
	ungetc(c, r);
	c = getc(r);
	/* The run goes on over recorded calls on its own stream. */
	RUN(len, getline(&lp, &cap, r));
#ifdef __USE_EXTERN_INLINES
	say("getdelim fd=%d", fd);	/* getline is inline: __getdelim */
#else
	say("getline fd=%d", fd);
#endif
	end(len, err);
	RUN(len, getdelim(&lp, &cap, '\n', r));
	say("getdelim fd=%d", fd);
	end(len, err);
	/* To the end, byte by byte: the last call meets it. The run goes
	 * on to the fclose. */
	int more = 0;
	while ((c = getc(r)) != EOF)
		more++;
	/* At the end: no errno. */
	RUN(got, fgets(line, (int)sizeof(line), r));
	say("fgets fd=%d count=64", fd);
	end(got ? (long long)strlen(got) : -1, 0);
	RUN(len, getdelim(&lp, &cap, '\n', r));
	say("getdelim fd=%d", fd);
	end(len, 0);
	RUN(n, fread(buf, one, 10, r));
	say("fread fd=%d count=10 size=1", fd);
	end((long long)n, err);
	/* A write on a stream open for reading fails. */
	RUN(rc, fputs("no", r));
	say("fputs fd=%d", fd);
	end(rc < 0 ? -1 : 2, err);
	say("getc fd=%d path=%s calls=%d result=%d\n", fd, at("w"), 8 + more,
	    5 + more);
	RUN(rc, fclose(r));
	say("fclose fd=%d", fd);
	end(rc, err);
	free(lp);
}

/* stdout, stdin, dprintf, freopen, fflush(NULL). */
static void standard_streams(void)
{
	char word[64];
	int rc, num, fd, c;
	FILE *w;

	RUN(rc, printf("x=%d\n", 5));
	say("printf fd=1");
	end(rc, err);
	RUN(rc, my_vprintf("%s\n", "via vprintf"));
#ifdef __USE_EXTERN_INLINES
	say("fprintf fd=1");	/* vprintf is inline: vfprintf(stdout) */
#else
	say("printf fd=1");
#endif
	end(rc, err);
	RUN(rc, puts("hello"));
	say("puts fd=1");
	end(rc < 0 ? -1 : 6, err);
	putchar('a');
	putchar('b');
	putchar_unlocked('\n');
	/* %m prints the errno of before the call. */
	errno = ENOENT;
	RUN(rc, printf("%m\n"));
	say("printf fd=1");
	end(rc, err);
	say("putc fd=1 calls=3 result=3\n");
	RUN(rc, fflush(stdout));
	say("fflush fd=1");
	end(rc, err);
	RUN(rc, scanf("%d %63s", &num, word));
	say("scanf fd=0 items=%d", rc);
	end(6, err);
	c = getchar();
	RUN(rc, fscanf(stdin, "%63s", word));
	say("fscanf fd=0 items=%d", rc);
	end(4, err);
	c = getchar_unlocked();
	c = getchar();
	say("getc fd=0 calls=3 result=2\n");
	RUN(rc, fflush(stdin));
	say("fflush fd=0");
	end(rc, err);
	(void)c;
	RUN(w, fopen(at("d"), "w"));
	fd = fileno(w);
	say("fopen path=%s mode=w result=%d errno=0\n", at("d"), fd);
	RUN(rc, dprintf(fd, "%s\n", "dprintf"));
	say("dprintf fd=%d", fd);
	end(rc, err);
	RUN(w, freopen(at("e"), "w", w));
	say("freopen path=%s mode=w fd=%d", at("e"), fd);
	end(w ? fileno(w) : -1, err);
	RUN(rc, fputs("reopened\n", w));
	say("fputs fd=%d", fileno(w));
	end(rc < 0 ? -1 : 9, err);
	RUN(rc, fflush(NULL));
	say("fflush fd=-1");
	end(rc, err);
	RUN(rc, fclose(w));
	say("fclose fd=%d", fd);
	end(rc, err);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	dir = argv[1];
	writes();
	reads();
	standard_streams();
	/* A call that succeeds leaves errno as it was. */
	int rc, kept;
	errno = 1234;
	RUN(rc, fputs("kept\n", stdout));
	kept = errno == 1234;
	say("fputs fd=1");
	end(rc < 0 ? -1 : 5, err);
	putchar('\n');
	/* The run ends at exit, which counts the byte left in stdout. */
	say("putc fd=1 calls=1 result=1\n");
	say("# errno_kept=%d\n", kept && errno == 1234);
	return 0;
}
