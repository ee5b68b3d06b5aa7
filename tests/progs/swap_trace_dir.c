// SPDX-License-Identifier: MIT
/*
 * swap_trace_dir now VICTIM
 *	moves the trace dir it runs in ($KEKE_DIR) to $KEKE_DIR.moved and
 *	puts a symbolic link to VICTIM in its place, then exits.
 * swap_trace_dir at-cleanup VICTIM N DONE
 *	forks N children that exit at once, so the trace dir holds N + 1
 *	record files or more; puts a file of the same name as each into
 *	VICTIM; then leaves a process behind that does the same swap as
 *	above the moment the first file of the trace dir is removed, in the
 *	middle of whatever removes them, and creates the file DONE after;
 *	and exits.
 * Either way, whoever cleans the trace dir up by its path removes what
 * is in VICTIM.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <unistd.h>

static int swap(const char *dir, const char *victim)
{
	char moved[PATH_MAX];

	snprintf(moved, sizeof(moved), "%s.moved", dir);
	if (rename(dir, moved) != 0 || symlink(victim, dir) != 0) {
		perror("swap");
		return 1;
	}
	return 0;
}

/* Puts an empty file in @victim for each entry of @dir. */
static int copy_names(const char *dir, const char *victim)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX];
	int fd;

	if (!d) {
		perror(dir);
		return 1;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", victim, e->d_name);
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		close(fd);
	}
	closedir(d);
	return 0;
}

/* The process left behind: swaps at the first removal in @dir (a
 * minute at most), then creates @done. */
static void __attribute__((noreturn))
swap_at_first_removal(const char *dir, const char *victim, const char *done,
		      int ready)
{
	struct pollfd p = { .events = POLLIN };
	int rc = 1;

	p.fd = inotify_init1(IN_CLOEXEC);
	if (p.fd < 0 || inotify_add_watch(p.fd, dir, IN_DELETE) < 0 ||
	    copy_names(dir, victim) != 0) {
		perror("inotify");
		_exit(1);
	}
	if (write(ready, "r", 1) != 1)
		_exit(1);
	close(ready);
	if (poll(&p, 1, 60000) == 1)
		rc = swap(dir, victim);
	p.fd = open(done, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (p.fd < 0)
		rc = 1;
	_exit(rc);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("KEKE_DIR");
	int fds[2], n;
	pid_t pid;
	char c;

	if (argc == 3 && dir && !strcmp(argv[1], "now"))
		return swap(dir, argv[2]);
	if (argc != 5 || !dir || strcmp(argv[1], "at-cleanup")) {
		fprintf(stderr, "usage: swap_trace_dir now VICTIM, or "
			"at-cleanup VICTIM N DONE; under keke\n");
		return 2;
	}
	n = atoi(argv[3]);
	for (int i = 0; i < n; i++) {
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
			perror("fork");
			return 1;
		}
	}
	if (pipe(fds) != 0) {
		perror("pipe");
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		swap_at_first_removal(dir, argv[2], argv[4], fds[1]);
	}
	close(fds[1]);
	return read(fds[0], &c, 1) == 1 ? 0 : 1;
}
