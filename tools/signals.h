/* SPDX-License-Identifier: MIT */
/*
 * The signal dispositions keke sets for itself, and gives back to the
 * command it runs.
 */
#ifndef KEKE_SIGNALS_H
#define KEKE_SIGNALS_H

#include <signal.h>

/*
 * Ignores SIGXFSZ, so that an output past RLIMIT_FSIZE fails with EFBIG,
 * which keke reports, rather than killing keke. Remembers what it did
 * before, for keke_restore_sigxfsz().
 */
void keke_ignore_sigxfsz(void);

/*
 * Gives SIGXFSZ back what it did before keke_ignore_sigxfsz(): for the
 * command `keke run` execs, which gets what keke was given.
 */
void keke_restore_sigxfsz(void);

/*
 * From now on SIGINT, SIGTERM and SIGHUP set *@flag instead of killing
 * keke, so a merge under way can stop and remove its temporaries; and
 * SIGPIPE is ignored, so an output whose reader went away (a FIFO) fails
 * with EPIPE and is reported, while the other outputs are still written.
 */
void keke_catch_interrupts(volatile sig_atomic_t *flag);

#endif
