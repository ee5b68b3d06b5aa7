// SPDX-License-Identifier: MIT
/*
 * The signal dispositions keke sets for itself, and gives back to the
 * command it runs.
 */
#include <signal.h>
#include <stddef.h>

#include "signals.h"

static struct sigaction original_sigxfsz;

void keke_ignore_sigxfsz(void)
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	sigaction(SIGXFSZ, &ignore, &original_sigxfsz);
}

void keke_restore_sigxfsz(void)
{
	sigaction(SIGXFSZ, &original_sigxfsz, NULL);
}

static volatile sig_atomic_t *interrupt_flag;

static void on_interrupt(int sig)
{
	(void)sig;
	*interrupt_flag = 1;
}

void keke_catch_interrupts(volatile sig_atomic_t *flag)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa = { .sa_handler = on_interrupt };
	struct sigaction ignore = { .sa_handler = SIG_IGN };

	interrupt_flag = flag;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	sigaction(SIGPIPE, &ignore, NULL);
}
