// SPDX-License-Identifier: MIT
/*
 * A multithreaded parent forking while other threads record events: 4
 * threads each fork and reap 25 children that exit with their index.
 * Neither the parent's file nor the children's may be corrupted, and no
 * child may deadlock.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define THREADS 4
#define FORKS 25

static void *forker(void *arg)
{
	long bad = 0;

	(void)arg;
	for (int i = 0; i < FORKS; i++) {
		int status;
		pid_t pid = fork();

		if (pid == 0)
			_exit(i);
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    WEXITSTATUS(status) != i)
			bad++;
	}
	return (void *)bad;
}

int main(void)
{
	pthread_t t[THREADS];
	long bad = 0;

	for (int i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, forker, NULL);
	for (int i = 0; i < THREADS; i++) {
		void *r;

		pthread_join(t[i], &r);
		bad += (long)r;
	}
	printf("forks %d, bad %ld\n", THREADS * FORKS, bad);
	return bad != 0;
}
