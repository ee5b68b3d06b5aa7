// SPDX-License-Identifier: MIT
/*
 * t_handler_every_instruction write N | threads N: a signal handler that
 * makes hooked calls runs after every single instruction of a stretch of
 * the program, so it lands in every window of keke's hooks and writer,
 * not only in those a timer happens to hit.
 *
 * The x86 trap flag does it: with TF set, the CPU raises SIGTRAP after
 * each instruction; the kernel clears TF while the handler runs and
 * sigreturn sets it again.
 *
 *   write N    N calls of write(fd, "m", 1), each with TF set; the handler
 *              writes "h" to another fd. Prints how many of each were
 *              made ("~" lines differ under keke): a trace must hold every one,
 *              or count it dropped.
 *   threads N  N threads, one after another, each writes once, sets TF
 *              and returns: the handler (open and close) runs at every
 *              instruction of the thread's end, keke's among them, until
 *              a destructor of the thread's (a pthread key's) clears TF,
 *              before glibc blocks signals for good.
 *
 * On other architectures it prints "skipped" and exits 0.
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__)
static int main_fd, handler_fd;
static volatile sig_atomic_t handler_writes, handler_bad;
static volatile int threads_mode;

static inline void trap_on(void)
{
	__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq" ::: "memory",
			 "cc");
}

static inline void trap_off(void)
{
	__asm__ volatile("pushfq; andq $~0x100, (%%rsp); popfq" ::: "memory",
			 "cc");
}

static void on_trap(int sig)
{
	(void)sig;
	if (threads_mode) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0 || close(fd) != 0)
			handler_bad++;
		return;
	}
	if (write(handler_fd, "h", 1) == 1)
		handler_writes++;
	else
		handler_bad++;
}

static pthread_key_t trap_key;

static void trap_key_destructor(void *value)
{
	(void)value;
	trap_off();
}

static void *thread_main(void *arg)
{
	(void)arg;
	if (write(main_fd, "t", 1) != 1 ||
	    pthread_setspecific(trap_key, &trap_key) != 0)
		handler_bad++;
	trap_on();
	return NULL;
}

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 100, made = 0;
	struct sigaction sa;

	if (argc < 2)
		return 2;
	main_fd = open("/dev/null", O_WRONLY);
	handler_fd = open("/dev/null", O_WRONLY);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_trap;
	sigemptyset(&sa.sa_mask);
	if (main_fd < 0 || handler_fd < 0 || sigaction(SIGTRAP, &sa, NULL))
		return 1;
	/* Every function is resolved before the first trap. */
	if (write(main_fd, "m", 1) == 1)
		made++;
	if (!strcmp(argv[1], "threads")) {
		threads_mode = 1;
		if (pthread_key_create(&trap_key, trap_key_destructor))
			return 1;
		for (long i = 0; i < n; i++) {
			pthread_t t;

			if (pthread_create(&t, NULL, thread_main, NULL) ||
			    pthread_join(t, NULL))
				return 1;
		}
		printf("threads=%ld bad=%d\n", n, (int)handler_bad);
		return handler_bad != 0;
	}
	for (long i = 0; i < n; i++) {
		ssize_t w;

		trap_on();
		w = write(main_fd, "m", 1);
		trap_off();
		made += w == 1;
	}
	printf("main_writes=%ld\n", made);
	printf("handler bad=%d\n", (int)handler_bad);
	/* How many instructions were run differs under keke. */
	printf("~ handler_writes=%d\n", (int)handler_writes);
	printf("fds main=%d handler=%d\n", main_fd, handler_fd);
	return handler_bad != 0;
}
#else
int main(void)
{
	puts("skipped");
	return 0;
}
#endif
