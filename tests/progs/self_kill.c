// SPDX-License-Identifier: MIT
/*
 * Starts a thread that stays alive, forks one child that exits normally,
 * then kills itself with SIGKILL: no exit record is ever written, and the
 * trace must still hold the process, its thread and its child.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

int main(void)
{
	pthread_t t;
	pid_t child;

	if (pthread_create(&t, NULL, idle, NULL) != 0)
		return 1;
	child = fork();
	if (child == 0)
		_exit(7);
	waitpid(child, NULL, 0);
	printf("about to die\n");
	fflush(stdout);
	kill(getpid(), SIGKILL);
	return 0;
}
