// SPDX-License-Identifier: MIT
/*
 * t_counted_malloc: replaces malloc, calloc and realloc with counting ones
 * (as programs with their own allocator do), then makes hooked calls:
 * threads started and joined, file calls, a fork, a posix_spawn. Prints
 * how many allocations each step made. keke must add none: the program's
 * allocator is the program's business (it may lock, count, or open
 * files to size its arenas).
 */
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t n, size_t size);
void *__libc_realloc(void *p, size_t size);

static unsigned long allocations;

static void counted(void)
{
	__atomic_add_fetch(&allocations, 1, __ATOMIC_RELAXED);
}

void *malloc(size_t size)
{
	counted();
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	counted();
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	counted();
	return __libc_realloc(p, size);
}

static void *thread_main(void *arg)
{
	return arg;
}

static void threads(void)
{
	pthread_t t[20];

	for (int i = 0; i < 20; i++)
		pthread_create(&t[i], NULL, thread_main, NULL);
	for (int i = 0; i < 20; i++)
		pthread_join(t[i], NULL);
}

static void files(void)
{
	char buf[16];
	struct stat st;
	int fd = open("/dev/zero", O_RDONLY);

	if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		return;
	fstat(fd, &st);
	stat("/", &st);
	close(fd);
}

static void forked(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
}

static void spawned(void)
{
	char *argv[] = { "true", NULL };
	pid_t pid;

	if (posix_spawn(&pid, "/bin/true", NULL, NULL, argv, environ) == 0)
		waitpid(pid, NULL, 0);
}

static void step(const char *name, void (*fn)(void))
{
	unsigned long before = __atomic_load_n(&allocations, __ATOMIC_RELAXED);

	fn();
	printf("%s: %lu allocations\n", name,
	       __atomic_load_n(&allocations, __ATOMIC_RELAXED) - before);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	step("threads", threads);
	step("files", files);
	step("fork", forked);
	step("posix_spawn", spawned);
	return 0;
}
