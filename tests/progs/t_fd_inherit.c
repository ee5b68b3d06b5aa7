// SPDX-License-Identifier: MIT
/*
 * t_fd_inherit: fds a program did not open where it writes to them.
 *
 *   t_fd_inherit dup2 FILE   opens FILE, dup2s it over stdout, closes
 *                            the original, then prints 6 bytes with printf
 *                            and writes 8 with write(1)
 *   t_fd_inherit fork FILE   opens FILE; a forked child writes 6 bytes to
 *                            that fd, then the parent 7
 *   t_fd_inherit popen CMD   reads what popen(CMD, "r") prints, and
 *                            prints it
 *
 * Exits 0 when everything worked.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int over_stdout(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || dup2(fd, 1) != 1 || close(fd))
		return 2;
	printf("hello\n");
	fflush(stdout);
	return write(1, "written\n", 8) == 8 ? 0 : 3;
}

static int to_child(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600), status;
	pid_t child;

	if (fd < 0)
		return 4;
	child = fork();
	if (child == 0)
		_exit(write(fd, "child\n", 6) == 6 ? 0 : 5);
	if (child < 0 || waitpid(child, &status, 0) != child || status)
		return 6;
	return write(fd, "parent\n", 7) == 7 ? 0 : 7;
}

static int from_popen(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	char buf[256];
	size_t n;

	if (!f)
		return 8;
	n = fread(buf, 1, sizeof(buf), f);
	if (pclose(f) != 0)
		return 9;
	return fwrite(buf, 1, n, stdout) == n ? 0 : 10;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "dup2"))
		return over_stdout(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "fork"))
		return to_child(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "popen"))
		return from_popen(argv[2]);
	fprintf(stderr, "usage: t_fd_inherit dup2|fork FILE, popen CMD\n");
	return 1;
}
