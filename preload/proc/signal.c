// SPDX-License-Identifier: MIT
/*
 * Signals sent: kill, killpg, tgkill, raise, gsignal, sigqueue and
 * pthread_kill, each a slice of the process family with the signal and
 * whom it was sent to: PID for kill and sigqueue (a process; 0 the
 * caller's process group, -N group N, -1 every process it may signal;
 * killpg's group is recorded as kill's -N), PID and TID for tgkill, and
 * nothing more for raise and pthread_kill, which signal a thread of the
 * caller.
 *
 * A signal may end its sender inside the call (kill(getpid(), SIGTERM),
 * raise(SIGABRT)), so the slice is written before the call, with room
 * for its duration and result, which are filled in when the call returns:
 * a call that never returns shows with its duration 0. As with exec,
 * KEKE_MIN_DUR does not apply. A process sends few signals, and one that
 * stops itself should not fault the hooks' pages in for it: this code is
 * KEKE_ONCE.
 */
#include <errno.h>
#include <signal.h>

#include "hook.h"

/* The bytes of the duration's varint, and of the result's (-8192..8191:
 * errno values too). */
#define DUR_BYTES KEKE_VARINT_MAX
#define RESULT_BYTES 2

/* Writes @v as a varint of exactly @width bytes at @p (the reader takes
 * any length up to KEKE_VARINT_MAX): room that can be filled in later. */
static KEKE_ONCE void put_fixed_varint(uint8_t *p, uint64_t v,
				       unsigned width)
{
	for (unsigned i = 0; i + 1 < width; i++, v >>= 7)
		p[i] = (uint8_t)(v | 0x80);
	p[width - 1] = (uint8_t)(v & 0x7f);
}

/* A slice written before its call. */
struct sent {
	uint8_t *rec;		/* the record, or NULL: none was made */
	uint8_t *dur;		/* where its duration goes */
	uint8_t *result;	/* where its result goes */
	uint64_t seq;		/* the thread's chunk it is in */
	uint64_t t0;
};

/* Writes the slice of @call with the fields @f (@n of them), its
 * duration 0 and its result 0 for now. Leaves errno alone. */
static KEKE_ONCE void send_begin(struct sent *s, unsigned call, unsigned n,
		       const struct keke_int_field *f)
{
	size_t max_len = KEKE_REC_MAX_LEN(n + 2, 0);
	int err = errno;
	uint64_t stack = keke_stack_for(call, &max_len);
	struct keke_rec r;

	s->rec = NULL;
	s->t0 = keke_now();
	if (keke_rec_begin(&r, KEKE_REC_SLICE, call, 0, s->t0, max_len)) {
		*r.p++ = KEKE_KEY_DUR;
		s->dur = r.p;
		put_fixed_varint(r.p, 0, DUR_BYTES);
		r.p += DUR_BYTES;
		keke_rec_stack(&r, stack);
		for (unsigned i = 0; i < n; i++)
			keke_rec_int(&r, f[i].key, f[i].value);
		*r.p++ = KEKE_KEY_RESULT;
		s->result = r.p;
		put_fixed_varint(r.p, 0, RESULT_BYTES);
		r.p += RESULT_BYTES;
		s->rec = r.start;
		s->seq = keke_thread.seq;
		keke_rec_commit(&r);
	}
	errno = err;
}

/*
 * The call returned @rv, failed with error number @err unless 0: fills
 * in the slice. Unless the thread's chunk changed meanwhile (a signal
 * handler filled it): then the old one may be unmapped, and the slice
 * stays as it was written.
 */
static KEKE_ONCE void send_end(const struct sent *s, int64_t rv, int err)
{
	if (!s->rec || keke_thread.seq != s->seq)
		return;
	put_fixed_varint(s->dur, keke_zigzag((int64_t)(keke_now() - s->t0)),
			 DUR_BYTES);
	put_fixed_varint(s->result, keke_zigzag(rv), RESULT_BYTES);
	if (err)
		__atomic_store_n((uint16_t *)(s->rec + 6),
				 keke_rec_err16((unsigned)err),
				 __ATOMIC_RELEASE);
}

/*
 * Makes @call_expr, a signal call recorded as @call with the fields
 * that follow; @errnum: it returns an error number (pthread_kill), not
 * -1 and errno. Evaluates to what it returned.
 */
#define SEND(call, errnum, call_expr, ...)				\
	({								\
		struct keke_int_field f_[] = { __VA_ARGS__ };		\
		struct sent s_;						\
		int rv_, err_;						\
									\
		send_begin(&s_, call, sizeof(f_) / sizeof(f_[0]), f_);	\
		rv_ = call_expr;					\
		err_ = errno;						\
		send_end(&s_, rv_, errnum ? rv_ : rv_ < 0 ? err_ : 0);	\
		errno = err_;						\
		rv_;							\
	})

KEKE_EXPORT KEKE_ONCE int kill(pid_t pid, int sig)
{
	keke_kill_fn *real = KEKE_HOOK_REAL(kill);

	if (!keke_hook_on(KEKE_FAMILY_BIT_PROC))
		return real(pid, sig);
	return SEND(KEKE_CALL_KILL, false, real(pid, sig),
		    { KEKE_KEY_PID, pid }, { KEKE_KEY_SIGNAL, sig });
}

KEKE_EXPORT KEKE_ONCE int killpg(pid_t pgrp, int sig)
{
	keke_killpg_fn *real = KEKE_HOOK_REAL(killpg);

	if (!keke_hook_on(KEKE_FAMILY_BIT_PROC))
		return real(pgrp, sig);
	return SEND(KEKE_CALL_KILL, false, real(pgrp, sig),
		    { KEKE_KEY_PID, -(int64_t)pgrp },
		    { KEKE_KEY_SIGNAL, sig });
}

KEKE_EXPORT KEKE_ONCE int tgkill(pid_t tgid, pid_t tid, int sig)
{
	keke_tgkill_fn *real = KEKE_HOOK_REAL(tgkill);

	if (!keke_hook_on(KEKE_FAMILY_BIT_PROC))
		return real(tgid, tid, sig);
	return SEND(KEKE_CALL_TGKILL, false, real(tgid, tid, sig),
		    { KEKE_KEY_PID, tgid }, { KEKE_KEY_TID, tid },
		    { KEKE_KEY_SIGNAL, sig });
}

KEKE_EXPORT KEKE_ONCE int raise(int sig)
{
	keke_raise_fn *real = KEKE_HOOK_REAL(raise);

	if (!keke_hook_on(KEKE_FAMILY_BIT_PROC))
		return real(sig);
	return SEND(KEKE_CALL_RAISE, false, real(sig),
		    { KEKE_KEY_SIGNAL, sig });
}

KEKE_EXPORT KEKE_ONCE int gsignal(int sig)
{
	keke_gsignal_fn *real = KEKE_HOOK_REAL(gsignal);

	if (!keke_hook_on(KEKE_FAMILY_BIT_PROC))
		return real(sig);
	return SEND(KEKE_CALL_RAISE, false, real(sig),
		    { KEKE_KEY_SIGNAL, sig });
}

KEKE_EXPORT KEKE_ONCE int sigqueue(pid_t pid, int sig,
				   const union sigval value)
{
	keke_sigqueue_fn *real = KEKE_HOOK_REAL(sigqueue);

	if (!keke_hook_on(KEKE_FAMILY_BIT_PROC))
		return real(pid, sig, value);
	return SEND(KEKE_CALL_SIGQUEUE, false, real(pid, sig, value),
		    { KEKE_KEY_PID, pid }, { KEKE_KEY_SIGNAL, sig });
}

KEKE_EXPORT KEKE_ONCE int pthread_kill(pthread_t thread, int sig)
{
	keke_pthread_kill_fn *real = KEKE_HOOK_REAL(pthread_kill);

	if (!keke_hook_on(KEKE_FAMILY_BIT_PROC))
		return real(thread, sig);
	return SEND(KEKE_CALL_PTHREAD_KILL, true, real(thread, sig),
		    { KEKE_KEY_SIGNAL, sig });
}
