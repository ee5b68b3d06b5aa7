// SPDX-License-Identifier: MIT
/*
 * sync_calls: the sleeps, a mutex lock that has to wait for another
 * thread, 1000 uncontended locks (which record nothing), a condition wait
 * that times out and one that is signalled, and a join. Prints the main
 * thread's calls as file_calls does.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int holding, go, ready;

/* Holds the mutex long enough for main to wait for it, then signals
 * the condition once main asks. */
static void *other(void *arg)
{
	struct timespec hold = { 0, 200000000 }, tick = { 0, 1000000 };

	(void)arg;
	pthread_mutex_lock(&mutex);
	__atomic_store_n(&holding, 1, __ATOMIC_RELEASE);
	nanosleep(&hold, NULL);
	pthread_mutex_unlock(&mutex);
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		nanosleep(&tick, NULL);
	pthread_mutex_lock(&mutex);
	ready = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&mutex);
	return NULL;
}

static void end(int result, int e)
{
	printf(" result=%d errno=%d\n", result, e);
}

int main(void)
{
	struct timespec ms1 = { 0, 1000000 }, bad = { 0, 2000000000 };
	struct timespec deadline;
	pthread_t t;
	int rc, err;

	rc = nanosleep(&ms1, NULL);
	err = errno;
	printf("nanosleep timeout_ns=1000000");
	end(rc, rc ? err : 0);
	rc = nanosleep(&bad, NULL);
	err = errno;
	printf("nanosleep timeout_ns=2000000000");
	end(rc, rc ? err : 0);
	rc = clock_nanosleep(CLOCK_MONOTONIC, 0, &ms1, NULL);
	printf("clock_nanosleep timeout_ns=1000000");
	end(rc, rc);
	rc = usleep(1000);
	err = errno;
	printf("usleep timeout_ns=1000000");
	end(rc, rc ? err : 0);
	rc = (int)sleep(0);
	printf("sleep timeout_ns=0");
	end(rc, 0);

	rc = pthread_create(&t, NULL, other, NULL);
	printf("pthread_create");
	end(rc, rc);
	while (!__atomic_load_n(&holding, __ATOMIC_ACQUIRE))
		;
	/* Taken by the other thread for 200 ms: this lock waits. */
	if (pthread_mutex_trylock(&mutex) == EBUSY) {
		rc = pthread_mutex_lock(&mutex);
		printf("pthread_mutex_lock");
		end(rc, rc);
	}
	pthread_mutex_unlock(&mutex);
	for (int i = 0; i < 1000; i++) {
		pthread_mutex_lock(&mutex);
		pthread_mutex_unlock(&mutex);
	}

	pthread_mutex_lock(&mutex);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_nsec += 10000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	rc = pthread_cond_timedwait(&cond, &mutex, &deadline);
	printf("pthread_cond_timedwait");
	end(rc, rc);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	while (!ready) {
		rc = pthread_cond_wait(&cond, &mutex);
		printf("pthread_cond_wait");
		end(rc, rc);
	}
	pthread_mutex_unlock(&mutex);
	rc = pthread_join(t, NULL);
	printf("pthread_join");
	end(rc, rc);
	return 0;
}
