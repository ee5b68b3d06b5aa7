// SPDX-License-Identifier: MIT
/*
 * Stops itself with SIGSTOP, then exits 0 once continued: a test can look
 * at the process (its mappings) as start-up left it. It calls nothing
 * that keke hooks.
 */
#include <signal.h>

int main(void)
{
	raise(SIGSTOP);
	return 0;
}
