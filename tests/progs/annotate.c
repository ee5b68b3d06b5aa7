// SPDX-License-Identifier: MIT
/*
 * Uses every call of keke.h: nested spans with arguments around a hooked
 * call (waitpid), a KEKE_SPAN scope, an instant, a counter, a named
 * thread, and flows to that thread and to a child process (which gets the
 * flow id in its argv). Prints the same lines with or without keke.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keke.h"

static uint64_t to_worker;

static void *worker(void *arg)
{
	(void)arg;
	keke_thread_name("worker");
	keke_begin("work", "user");
	keke_flow_in(to_worker);
	keke_end();
	return NULL;
}

static void scoped(void)
{
	KEKE_SPAN("scoped");
	keke_instant("tick", "user");
}

int main(int argc, char **argv)
{
	pthread_t t;
	pid_t pid;
	char id[32];

	if (argc == 3) {	/* the child: ends the flow it was given */
		keke_begin("child work", "user");
		keke_flow_in(strtoull(argv[2], NULL, 10));
		keke_end();
		return 0;
	}
	keke_begin("outer", "user");
	keke_begin("inner", "user");
	keke_arg_int("n", 42);
	keke_arg_str("file", "input.txt");
	pid = fork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	keke_end();
	for (int i = 1; i <= 3; i++)
		keke_counter("queue", i * 10);
	scoped();
	to_worker = keke_flow_out();
	pthread_create(&t, NULL, worker, NULL);
	pthread_join(t, NULL);
	keke_begin("to child", "user");
	snprintf(id, sizeof(id), "%llu", (unsigned long long)keke_flow_out());
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "annotate", "child", id, (char *)NULL);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	keke_end();
	keke_end();
	printf("done\n");
	return 0;
}
