// SPDX-License-Identifier: MIT
/*
 * t_setuid_ids: installed setuid root by the test; prints whether it runs
 * with another effective user than the real one, and exits 9. ld.so runs
 * it in secure mode and will not preload libkeke.so from a path.
 */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	printf("setuid=%d euid=%d\n", getuid() != geteuid(), (int)geteuid());
	return 9;
}
