// SPDX-License-Identifier: MIT
/*
 * thread_calls N: creates N threads and joins them. Even threads name
 * themselves with pthread_setname_np ("worker-I"), odd ones with
 * prctl(PR_SET_NAME) ("prctl-I"). Prints the main thread's calls as
 * file_calls does, then "# thread TID name=NAME" for each thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

struct worker {
	pthread_t thread;
	int index;
	int tid;
	char name[16];
};

static void *work(void *arg)
{
	struct worker *w = arg;

	w->tid = (int)syscall(SYS_gettid);
	if (w->index % 2 == 0) {
		snprintf(w->name, sizeof(w->name), "worker-%d", w->index);
		pthread_setname_np(pthread_self(), w->name);
	} else {
		snprintf(w->name, sizeof(w->name), "prctl-%d", w->index);
		prctl(PR_SET_NAME, w->name, 0, 0, 0);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 4, rc;
	struct worker *w = calloc((size_t)n, sizeof(*w));

	if (!w)
		return 1;
	for (int i = 0; i < n; i++) {
		w[i].index = i;
		rc = pthread_create(&w[i].thread, NULL, work, &w[i]);
		printf("pthread_create result=%d errno=%d\n", rc, rc);
	}
	for (int i = 0; i < n; i++) {
		rc = pthread_join(w[i].thread, NULL);
		printf("pthread_join result=%d errno=%d\n", rc, rc);
	}
	for (int i = 0; i < n; i++)
		printf("# thread %d name=%s\n", w[i].tid, w[i].name);
	free(w);
	return 0;
}
