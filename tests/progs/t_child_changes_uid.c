// SPDX-License-Identifier: MIT
/*
 * t_child_changes_uid: (as root) forks a child that becomes user 65534
 * and execs this program again ("child"), so that a trace dir of root's
 * own is closed to it; that image opens /dev/null and exits 4. Prints
 * the child's exit status.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int status;
	pid_t child;

	if (argc > 1)
		return open("/dev/null", O_RDONLY) >= 0 ? 4 : 2;
	fflush(stdout);
	child = fork();
	if (child == 0) {
		if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534,
								65534))
			_exit(1);
		execl("/proc/self/exe", argv[0], "child", (char *)NULL);
		_exit(3);
	}
	if (child < 0 || waitpid(child, &status, 0) != child)
		return 1;
	printf("child exit=%d\n", WEXITSTATUS(status));
	return 0;
}
