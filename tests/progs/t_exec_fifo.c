// SPDX-License-Identifier: MIT
/*
 * t_exec_fifo MODE DIR: makes DIR/fifo, a FIFO with its execute bits set
 * and no writer, and tries to run it, which the kernel refuses at once
 * with EACCES (not a regular file); prints what the call returned:
 *	execl		execl(DIR/fifo)
 *	execvp		execvp("fifo") with PATH=DIR
 *	fexecve		fexecve on the FIFO opened O_PATH
 *	posix_spawn	posix_spawn(DIR/fifo)
 *	sh		sh -c DIR/fifo in a child, which prints the shell's
 *			exit status (the shell says why on stderr)
 *
 * Anything that opens the FIFO to read, without O_NONBLOCK, waits for a
 * writer. A watchdog thread is one: every 20 ms it opens the FIFO to
 * write without waiting, which works only while a reader has it open,
 * and so lets it go on; at the end the program says whether that
 * happened (bare, nothing ever opens the FIFO). The alarm is for what
 * still hangs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char fifo[4096];
static bool done, reader_seen;

static void *watchdog(void *unused)
{
	struct timespec tick = { 0, 20 * 1000 * 1000 };

	(void)unused;
	while (!__atomic_load_n(&done, __ATOMIC_ACQUIRE)) {
		int fd = open(fifo, O_WRONLY | O_NONBLOCK);

		if (fd >= 0) {
			__atomic_store_n(&reader_seen, true, __ATOMIC_RELEASE);
			close(fd);
		}
		nanosleep(&tick, NULL);
	}
	return NULL;
}

/* Stops the watchdog; says whether it found a reader. */
static void stop_watchdog(pthread_t t)
{
	__atomic_store_n(&done, true, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	if (__atomic_load_n(&reader_seen, __ATOMIC_ACQUIRE))
		printf("something opened the FIFO to read, and waited\n");
}

static void say(const char *mode, int err)
{
	printf("%s: %s\n", mode, strerror(err));
}

int main(int argc, char **argv)
{
	char *fifo_argv[] = { "fifo", NULL };
	const char *mode = argc > 2 ? argv[1] : "";
	pthread_t t;
	pid_t pid;
	int status, fd;

	if (argc != 3) {
		fprintf(stderr, "usage: t_exec_fifo MODE DIR\n");
		return 2;
	}
	alarm(20);
	snprintf(fifo, sizeof(fifo), "%s/fifo", argv[2]);
	unlink(fifo);
	if (mkfifo(fifo, 0700) || chmod(fifo, 0755)) {
		perror("mkfifo");
		return 1;
	}
	if (pthread_create(&t, NULL, watchdog, NULL)) {
		fprintf(stderr, "pthread_create failed\n");
		return 1;
	}
	if (!strcmp(mode, "execl")) {
		execl(fifo, "fifo", (char *)NULL);
		say(mode, errno);
	} else if (!strcmp(mode, "execvp")) {
		setenv("PATH", argv[2], 1);
		execvp("fifo", fifo_argv);
		say(mode, errno);
	} else if (!strcmp(mode, "fexecve")) {
		fd = open(fifo, O_PATH);
		if (fd < 0) {
			perror("open");
			return 1;
		}
		fexecve(fd, fifo_argv, environ);
		say(mode, errno);
	} else if (!strcmp(mode, "posix_spawn")) {
		say(mode, posix_spawn(&pid, fifo, NULL, NULL, fifo_argv,
				      environ));
	} else if (!strcmp(mode, "sh")) {
		fflush(stdout);
		pid = fork();
		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", fifo, (char *)NULL);
			_exit(127);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid) {
			perror("fork");
			return 1;
		}
		if (WIFSIGNALED(status))
			printf("sh: killed by signal %d\n", WTERMSIG(status));
		else
			printf("sh: exit %d\n", WEXITSTATUS(status));
	} else {
		fprintf(stderr, "unknown mode %s\n", mode);
		return 2;
	}
	stop_watchdog(t);
	return 0;
}
