// SPDX-License-Identifier: MIT
/*
 * t_pthread_keys: starts a thread that writes (so that keke has set up
 * everything it does for threads), then creates pthread keys until
 * pthread_key_create fails, and prints how many it got: without keke,
 * PTHREAD_KEYS_MAX; under keke, the same.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *writes(void *arg)
{
	(void)arg;
	return write(1, "", 0) == 0 ? NULL : (void *)1;
}

int main(void)
{
	pthread_key_t key;
	pthread_t t;
	void *ret;
	int n = 0;

	if (pthread_create(&t, NULL, writes, NULL) || pthread_join(t, &ret) ||
	    ret)
		return 1;
	while (pthread_key_create(&key, NULL) == 0)
		n++;
	printf("keys=%d\n", n);
	return 0;
}
