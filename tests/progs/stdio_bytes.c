// SPDX-License-Identifier: MIT
/*
 * stdio_bytes DIR > DIR/stdout.txt: moves bytes through stdio the ways
 * real programs do, and prints on stderr, for each file, the bytes it
 * wrote and read and how many of them went one at a time (putc, getc and
 * their inline macros):
 *
 *	# file PATH written=W read=R putc=P getc=G
 *	# fd 1 written=W putc=P
 *
 * What it does: writes an assembler file as GCC's cc1 does (fputs_unlocked
 * between putc_unlocked, which -O2 makes inline), mixes printf and
 * putchar on stdout and leaves the flush to exit, writes with putc,
 * fprintf and fwrite, writes over a part again after fseek, reads back
 * with getc, getc_unlocked (with ungetc), fgets, fread and getline,
 * writes from a thread, leaving one file for exit to flush, and from a
 * fork child, which inherits buffers it leaves alone.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dir;

/* DIR/name in a rotating static buffer. */
static const char *at(const char *name)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

static void report(const char *name, long w, long r, long p, long g)
{
	fprintf(stderr, "# file %s written=%ld read=%ld putc=%ld getc=%ld\n",
		at(name), w, r, p, g);
}

static FILE *open_or_die(const char *name, const char *mode)
{
	FILE *f = fopen(at(name), mode);

	if (!f) {
		perror(name);
		exit(2);
	}
	return f;
}

/* An assembler file the way cc1 writes one. */
static void write_asm(void)
{
	FILE *f = open_or_die("asm.s", "w");
	long block = 0, chars = 0;

	for (int i = 0; i < 20000; i++) {
		fputs_unlocked("\tmovl\t%eax, ", f);
		putc_unlocked('0' + i % 10, f);
		fputs_unlocked("(%rbp)", f);
		putc_unlocked('\n', f);
		block += 12 + 6;
		chars += 2;
	}
	fclose(f);
	report("asm.s", block + chars, 0, chars, 0);
}

/* printf and putchar on stdout, flushed by exit. */
static void write_stdout(void)
{
	long block = 0, chars = 0;

	for (int i = 0; i < 5000; i++) {
		block += printf("%d:", i);
		putchar('x');
		putchar_unlocked('\n');
		chars += 2;
	}
	fprintf(stderr, "# fd 1 written=%ld putc=%ld\n", block + chars,
		chars);
}

static void write_others(void)
{
	FILE *f = open_or_die("putc.txt", "w");
	long n = 0;

	for (int i = 0; i < 100000; i++)
		n += putc('a' + i % 26, f) != EOF;
	fclose(f);
	report("putc.txt", n, 0, n, 0);

	f = open_or_die("fprintf.txt", "w");
	n = 0;
	for (int i = 0; i < 10000; i++)
		n += fprintf(f, "line %08d of forty bytes, or so....\n", i);
	fclose(f);
	report("fprintf.txt", n, 0, 0, 0);

	/* 3000 bytes, then 10 of them again: 3010 bytes written. */
	f = open_or_die("over.txt", "w");
	for (int i = 0; i < 3000; i++)
		fputc('o', f);
	fseek(f, 100, SEEK_SET);
	fwrite("0123456789", 1, 10, f);
	fclose(f);
	report("over.txt", 3010, 0, 3000, 0);

	/* Written out by fflush(NULL), with every other stream. */
	f = open_or_die("flushed.txt", "w");
	for (int i = 0; i < 2000; i++)
		putc_unlocked('f', f);
	fflush(NULL);
	fclose(f);
	report("flushed.txt", 2000, 0, 2000, 0);
}

static void read_back(void)
{
	char buf[1000], line[256], *lp = NULL;
	long n = 0, g = 0;
	size_t cap = 0;
	ssize_t len;
	FILE *f;
	int c;

	f = open_or_die("putc.txt", "r");
	while ((c = getc(f)) != EOF)
		g++;
	fclose(f);
	n = g;
	f = open_or_die("putc.txt", "r");
	size_t got;
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		n += (long)got;
	fclose(f);
	report("putc.txt", 0, n, 0, g);

	/* getc_unlocked with a byte given back now and then. */
	f = open_or_die("asm.s", "r");
	n = g = 0;
	while ((c = getc_unlocked(f)) != EOF) {
		g++;
		if (c == '(') {
			ungetc(c, f);
			c = getc_unlocked(f);
		}
	}
	fclose(f);
	f = open_or_die("asm.s", "r");
	while (fgets(line, sizeof(line), f))
		n += (long)strlen(line);
	fclose(f);
	f = open_or_die("asm.s", "r");
	while ((len = getline(&lp, &cap, f)) > 0)
		n += len;
	fclose(f);
	free(lp);
	report("asm.s", 0, n + g, 0, g);
}

/* A thread writes one file and closes it, and leaves another (@left,
 * which main opened) to exit. */
static void *thread_writes(void *left)
{
	FILE *f = open_or_die("thread.txt", "w");

	for (int i = 0; i < 30000; i++)
		putc('t', f);
	fclose(f);
	for (int i = 0; i < 1234; i++)
		putc_unlocked('l', left);
	return NULL;
}

/*
 * A fork child writes a file of its own and inherits what the parent had
 * in its buffers, which it neither writes nor reads: 500 bytes not yet
 * written to shared.txt, and fprintf.txt's buffer, read by the parent
 * in the middle of a run of getc. It ends with _exit, which writes no
 * buffer.
 */
static void child_writes(void)
{
	FILE *r, *s;
	long g = 0;
	pid_t pid;
	int status;

	r = open_or_die("fprintf.txt", "r");
	s = open_or_die("shared.txt", "w");
	for (int i = 0; i < 100; i++)
		g += getc(r) != EOF;
	ungetc(getc(r), r);
	for (int i = 0; i < 500; i++)
		putc('s', s);
	pid = fork();
	if (pid == 0) {
		FILE *f = open_or_die("child.txt", "w");

		for (int i = 0; i < 7777; i++)
			putc('c', f);
		fclose(f);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || status != 0)
		exit(4);
	while (getc(r) != EOF)
		g++;
	fclose(r);
	fclose(s);
	report("child.txt", 7777, 0, 7777, 0);
	report("shared.txt", 500, 0, 500, 0);
	report("fprintf.txt", 0, g, 0, g);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc != 2)
		return 2;
	dir = argv[1];
	write_asm();
	write_stdout();
	write_others();
	read_back();
	if (pthread_create(&t, NULL, thread_writes,
			   open_or_die("left.txt", "w")) ||
	    pthread_join(t, NULL))
		return 3;
	report("thread.txt", 30000, 0, 30000, 0);
	report("left.txt", 1234, 0, 1234, 0);
	child_writes();
	return 0;
}
