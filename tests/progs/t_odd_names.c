// SPDX-License-Identifier: MIT
/*
 * t_odd_names DIR: file names and arguments that are hard to write out:
 * quotes, a backslash, a newline, a tab and other control characters,
 * valid UTF-8, invalid UTF-8 (stray bytes, a truncated sequence, an
 * encoded surrogate), and a path of about 4 KiB. Each name is a file
 * created, written and stat'ed in DIR; then a child is exec'd with all of
 * them as its arguments and an odd argv[0], and a 4 KiB argument. Prints
 * the names as escaped bytes and what each call returned. The trace must
 * hold every name, as valid UTF-8 in both outputs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const names[] = {
	"quote\"d 'single' `back`",
	"back\\slash",
	"new\nline",
	"tab\tbell\acr\rdel\x7f" "esc\x1b",
	"utf8 \xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
	"bad \xff\xfe bytes",
	"truncated \xe2\x82",
	"surrogate \xed\xa0\x80",
	"overlong \xc0\xaf",
	NULL,
};

/* Prints @s with bytes outside printable ASCII as \xNN. */
static void print_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c >= 0x7f || c == '\\')
			printf("\\x%02x", c);
		else
			putchar(c);
	}
}

static int child(int argc, char **argv)
{
	printf("child argv[0]=");
	print_escaped(argv[0]);
	printf(" argc=%d\n", argc);
	return 0;
}

/* Makes nested dirs of up to 200-byte names under the cwd until their
 * path, with the file's name, is 4095 bytes (PATH_MAX with its NUL);
 * returns the path of that file in the deepest. */
static char *long_path(void)
{
	static const char file[] = "long \"file\"\n\xff.txt";
	static char path[4096];
	size_t len = 0;

	while (len + sizeof(file) - 1 < sizeof(path) - 1) {
		size_t part = sizeof(path) - 1 - (sizeof(file) - 1) - len - 1;

		if (part > 200)
			part = 200;
		memset(path + len, 'd', part);
		len += part;
		path[len] = '\0';
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			return NULL;
		path[len++] = '/';
	}
	memcpy(path + len, file, sizeof(file));
	return path;
}

int main(int argc, char **argv)
{
	char *kids[16], big[4097];
	int n = 0, status, fd;
	struct stat st;
	const char *lp;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "child"))
		return child(argc, argv);
	if (argc < 2 || chdir(argv[1]) != 0)
		return 2;
	for (const char *const *p = names; *p; p++) {
		ssize_t w;
		int c;

		fd = open(*p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		w = write(fd, "x", 1);
		c = close(fd);
		printf("name ");
		print_escaped(*p);
		printf(" open=%d write=%zd close=%d stat=%d\n", fd >= 0, w, c,
		       stat(*p, &st));
	}
	lp = long_path();
	fd = lp ? open(lp, O_WRONLY | O_CREAT, 0600) : -1;
	printf("long path bytes=%zu open=%d\n", lp ? strlen(lp) : 0, fd >= 0);
	close(fd);
	fflush(stdout);

	kids[n++] = "odd\nargv0 \"\xff\"";
	kids[n++] = "child";
	for (const char *const *p = names; *p; p++)
		kids[n++] = (char *)*p;
	memset(big, 'b', 4096);
	big[4096] = '\0';
	kids[n++] = big;
	kids[n] = NULL;
	pid = fork();
	if (pid == 0) {
		execv("/proc/self/exe", kids);
		_exit(127);
	}
	waitpid(pid, &status, 0);
	printf("child exit=%d\n", WEXITSTATUS(status));
	return 0;
}
