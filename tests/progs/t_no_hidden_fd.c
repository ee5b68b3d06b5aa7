// SPDX-License-Identifier: MIT
/*
 * t_no_hidden_fd: looks for an fd the program did not open, every way a
 * program can: fcntl(F_GETFD) and fstat on every number below the limit,
 * /proc/self/fd, close of a high number twice, F_DUPFD from a high
 * number, and how many files it can open before EMFILE. Prints what it
 * found; without keke and under keke it must be the same.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	struct rlimit rl;
	struct stat st;
	struct dirent *e;
	DIR *d;
	int opened = 0, rc1, rc2, err2, high = 1007;

	closefrom(3);
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1;
	/* A bounded scan; fds kept below 1024 by select() stay in it. */
	if (rl.rlim_cur > 2048) {
		rl.rlim_cur = 2048;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			return 1;
	}
	printf("open by fcntl and fstat:");
	for (rlim_t fd = 0; fd < rl.rlim_cur; fd++)
		if (fcntl((int)fd, F_GETFD) >= 0 || fstat((int)fd, &st) == 0)
			printf(" %d", (int)fd);
	printf("\n/proc/self/fd:");
	d = opendir("/proc/self/fd");
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != dirfd(d))
			printf(" %s", e->d_name);
	if (d)
		closedir(d);
	rc1 = close(high);
	rc2 = close(high);
	err2 = errno;
	printf("\nclose of %d twice: %d %d %s\n", high, rc1, rc2,
	       rc2 ? strerrorname_np(err2) : "");
	printf("F_DUPFD from %d: %d\n", high, fcntl(0, F_DUPFD, high));
	while (open("/dev/null", O_RDONLY) >= 0)
		opened++;
	printf("opened until %s: %d\n", strerrorname_np(errno), opened);
	return 0;
}
