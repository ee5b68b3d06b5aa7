// SPDX-License-Identifier: MIT
/*
 * t_first_call_in_handler DIR: calls mkdir, fdatasync and rmdir for the
 * first time inside a signal handler, and unlinkat for the first time in
 * a vfork child, so that a tracer resolves their real functions there.
 * It defines dlsym itself, answering nothing, as a reminder of what a
 * handler must not reach: dlsym's locks and error buffers. keke finds
 * those functions in the libraries' symbol tables; should it ever ask
 * dlsym, it learns nothing and says so. Prints what each call returned
 * and how often dlsym was asked.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[4096], file[4096];
static int fd = -1;
static volatile sig_atomic_t mkdir_rc = 9, sync_rc = 9, rmdir_rc = 9;
static volatile sig_atomic_t dlsym_calls;

void *dlsym(void *handle, const char *name)
{
	(void)handle;
	(void)name;
	dlsym_calls++;
	return NULL;
}

static void on_usr1(int sig)
{
	(void)sig;
	mkdir_rc = mkdir(dir, 0700);
	sync_rc = fdatasync(fd);
	rmdir_rc = rmdir(dir);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	int status = -1;
	pid_t pid;

	if (argc != 2)
		return 2;
	snprintf(dir, sizeof(dir), "%s/handler_dir", argv[1]);
	snprintf(file, sizeof(file), "%s/vfork_file", argv[1]);
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || sigaction(SIGUSR1, &sa, NULL) != 0)
		return 1;
	raise(SIGUSR1);
	pid = vfork();
	if (pid == 0)
		_exit(unlinkat(AT_FDCWD, file, 0) == 0 ? 0 : 1);
	waitpid(pid, &status, 0);
	printf("handler: mkdir=%d fdatasync=%d rmdir=%d\n", (int)mkdir_rc,
	       (int)sync_rc, (int)rmdir_rc);
	printf("vfork child: unlinkat %s\n",
	       WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "ok" : "failed");
	printf("file gone: %s\n", access(file, F_OK) != 0 ? "yes" : "no");
	printf("dlsym calls: %d\n", (int)dlsym_calls);
	return 0;
}
