// SPDX-License-Identifier: MIT
/*
 * closed_fds: closes every fd above stderr with closefrom(3) and
 * close_range(3, ~0U, 0), makes every fd from 3 up to the limit (at most
 * 4096) a copy of /dev/null with dup2, closes them all again, and then
 * goes on making calls, in this thread and in a new one. keke keeps no fd,
 * so all of them are recorded, the closing and copying calls too. Prints
 * the main thread's calls as file_calls does.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

static void *late_thread(void *arg)
{
	int *rc = arg;
	int fd = open("/dev/null", O_WRONLY);

	*rc = fd >= 0 && write(fd, "t", 1) == 1 && close(fd) == 0;
	return NULL;
}

int main(void)
{
	struct rlimit rl;
	pthread_t t;
	int fd, rc, err, limit, ok = 0, thread_ok = 0;

	closefrom(3);
	printf("closefrom fd=3 result=0 errno=0\n");
	rc = close_range(3, ~0U, 0);
	err = errno;
	printf("close_range fd=3 arg=%u flags=0 result=%d errno=%d\n", ~0U,
	       rc, rc < 0 ? err : 0);
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return 1;
	limit = rl.rlim_cur > 4096 ? 4096 : (int)rl.rlim_cur;
	fd = open("/dev/null", O_RDWR);
	err = errno;
	printf("open path=/dev/null flags=%d result=%d errno=%d\n", O_RDWR,
	       fd, fd < 0 ? err : 0);
	for (int i = 3; i < limit; i++) {
		if (i == fd) {
			ok++;
			continue;
		}
		rc = dup2(fd, i);
		err = errno;
		ok += rc == i;
		printf("dup2 fd=%d arg=%d result=%d errno=%d\n", fd, i, rc,
		       rc < 0 ? err : 0);
	}
	printf("# dup2_ok=%d\n", ok == limit - 3);
	closefrom(3);
	printf("closefrom fd=3 result=0 errno=0\n");

	fd = open("/dev/null", O_WRONLY);
	err = errno;
	printf("open path=/dev/null flags=%d result=%d errno=%d\n", O_WRONLY,
	       fd, fd < 0 ? err : 0);
	rc = (int)write(fd, "after", 5);
	err = errno;
	printf("write fd=%d count=5 result=%d errno=%d\n", fd, rc,
	       rc < 0 ? err : 0);
	rc = close(fd);
	err = errno;
	printf("close fd=%d result=%d errno=%d\n", fd, rc, rc < 0 ? err : 0);
	rc = pthread_create(&t, NULL, late_thread, &thread_ok);
	printf("pthread_create result=%d errno=%d\n", rc, rc);
	rc = pthread_join(t, NULL);
	printf("pthread_join result=%d errno=%d\n", rc, rc);
	printf("# thread_ok=%d\n", thread_ok);
	return 0;
}
