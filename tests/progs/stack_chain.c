// SPDX-License-Identifier: MIT
/*
 * Known call chains for stack capture: main -> outer_step -> inner_step ->
 * open("/dev/null") and main -> other_path -> open("/dev/zero"), built with
 * -g and without inlining, so every frame has a name and a line.
 */
#include <fcntl.h>
#include <unistd.h>

__attribute__((noinline)) static int inner_step(const char *path)
{
	int fd = open(path, O_RDONLY);	/* the line of the first call */

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

__attribute__((noinline)) static int outer_step(const char *path)
{
	return inner_step(path) + 1;
}

__attribute__((noinline)) static int other_path(void)
{
	int fd = open("/dev/zero", O_RDONLY);

	if (fd >= 0)
		close(fd);
	return fd >= 0;
}

int main(void)
{
	int n = 0;

	for (int i = 0; i < 3; i++)
		n += outer_step("/dev/null");
	n += other_path();
	return n == 7 ? 0 : 1;
}
