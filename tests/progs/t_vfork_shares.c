// SPDX-License-Identifier: MIT
/*
 * t_vfork_shares: counts on vfork's borrowed memory, as shells and build
 * drivers do. The child of a failed exec tells its parent the errno
 * through a variable; another child closes every descriptor and replaces
 * fd 3 up to 1023 with dup2 before it execs a shell (keke's own fd among
 * them, in the child only); then the parent opens a file of its own,
 * which keke must still record. Prints what the parent saw.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int reap(pid_t pid)
{
	int status;

	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		perror("vfork/waitpid");
		exit(1);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int main(int argc, char **argv)
{
	volatile int child_errno = 0;
	const char *marker = argc > 1 ? argv[1] : "/dev/null";
	pid_t pid;
	int fd, status;

	pid = vfork();
	if (pid == 0) {
		execl("/nonexistent/program", "program", (char *)NULL);
		child_errno = errno;
		_exit(127);
	}
	status = reap(pid);
	printf("failed exec: errno=%s status=%d\n",
	       child_errno == ENOENT ? "ENOENT" : strerror(child_errno),
	       status);

	fflush(stdout);
	pid = vfork();
	if (pid == 0) {
		for (fd = 3; fd < 1024; fd++)
			dup2(1, fd);
		for (fd = 3; fd < 1024; fd++)
			close(fd);
		execl("/bin/sh", "sh", "-c", "echo shell ran; exit 5",
		      (char *)NULL);
		_exit(127);
	}
	printf("shell: status=%d\n", reap(pid));

	fd = open(marker, O_RDONLY);
	printf("parent open after the children: %s\n",
	       fd >= 0 ? "ok" : strerror(errno));
	if (fd >= 0)
		close(fd);
	return 0;
}
