// SPDX-License-Identifier: MIT
/*
 * The sync family: time a thread spent waiting. The sleeps (nanosleep,
 * clock_nanosleep, usleep, sleep) with the time asked for, pthread_join,
 * the condition waits, and pthread_mutex_lock only when the mutex was
 * taken (an uncontended lock records nothing and costs one trylock).
 */
#define KEKE_WRAP_SYNC KEKE_WRAP_ON
#include "hook.h"

/* A call that reports failure as -1 and errno. */
static void record_sleep(unsigned call, uint64_t t0, uint64_t dur, int rv,
			 int err, int64_t ns, int flags)
{
	struct keke_rec r;

	if (!keke_slice_begin(&r, call, rv < 0 ? (unsigned)err : 0, t0, dur,
			      KEKE_REC_MAX_LEN(4, 0)))
		return;
	keke_rec_timeout(&r, ns);
	if (flags)
		keke_rec_int(&r, KEKE_KEY_FLAGS, flags);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* clock_nanosleep returns the error number itself. */
static void record_sleep_rc(unsigned call, uint64_t t0, uint64_t dur, int rv,
			    int err, int64_t ns, int flags)
{
	(void)err;
	record_sleep(call, t0, dur, rv ? -1 : 0, rv, ns, flags);
}

/* sleep returns the seconds left (after a signal) and never fails. */
static void record_sleep_left(unsigned call, uint64_t t0, uint64_t dur,
			      unsigned rv, int err, int64_t ns)
{
	struct keke_rec r;

	(void)err;
	if (!keke_slice_begin(&r, call, 0, t0, dur, KEKE_REC_MAX_LEN(3, 0)))
		return;
	keke_rec_timeout(&r, ns);
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/* pthread_join and the condition waits: the result is an error number
 * (ETIMEDOUT for a timed wait that ran out). */
static void record_errnum(unsigned call, uint64_t t0, uint64_t dur, int rv,
			  int err)
{
	struct keke_rec r;

	(void)err;
	if (!keke_slice_begin(&r, call, (unsigned)rv, t0, dur,
			      KEKE_REC_MAX_LEN(2, 0)))
		return;
	keke_rec_int(&r, KEKE_KEY_RESULT, rv);
	keke_rec_commit(&r);
}

/*
 * A lock is a wait only when someone else holds the mutex: a trylock
 * first, which takes a free mutex exactly as a lock would (a recursive one
 * owned by this thread, a robust one whose owner died: EOWNERDEAD), and
 * only on EBUSY the real lock, timed. A mutex this thread holds gives
 * EBUSY too, and then the lock's own answer (EDEADLK, or a deadlock for a
 * normal mutex, as without keke).
 */
KEKE_EXPORT int pthread_mutex_lock(pthread_mutex_t *mutex)
{
	keke_pthread_mutex_lock_fn *real = KEKE_HOOK_REAL(pthread_mutex_lock);
	uint64_t t0, dur;
	int rc, err;

	if (!keke_hook_on(KEKE_FAMILY_BIT_SYNC))
		return real(mutex);
	rc = pthread_mutex_trylock(mutex);
	if (rc != EBUSY)
		return rc;
	t0 = keke_now();
	rc = real(mutex);
	err = errno;
	dur = keke_now() - t0;
	if (keke_hook_keep(KEKE_CALL_PTHREAD_MUTEX_LOCK, dur))
		record_errnum(KEKE_CALL_PTHREAD_MUTEX_LOCK, t0, dur, rc, 0);
	errno = err;
	return rc;
}

#include "hook_wrappers.h"
