// SPDX-License-Identifier: MIT
/*
 * The thread family: pthread_create links the creator to the new thread
 * with a flow (the creator's "pthread_create" slice carries it out, the
 * new thread's first record, a "thread_start" slice, carries it in; both
 * in category "thread", as viewers bind a flow only between slices of its
 * category), and thread names (pthread_setname_np on the calling thread,
 * prctl(PR_SET_NAME)) become thread-name records.
 *
 * Neither end of a flow is left out by KEKE_MIN_DUR: they are structure,
 * like the process records, not calls to measure.
 */
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/prctl.h>

#include "hook.h"

/* What the new thread needs to start the program's routine. */
struct start {
	void *(*routine)(void *);
	void *arg;
	uint64_t flow;
	int in_use;		/* atomic: a slot of start_pool */
	bool mapped;		/* a page of its own, to unmap */
};

/*
 * Where a struct start waits for its thread: not in malloc'ed memory,
 * which the program would notice (malloc can meet a locked arena and make
 * a new one, which opens a file to count the CPUs, taking an fd number
 * the program was about to get). A fork child may inherit slots claimed
 * for threads of the parent, which stay taken: the pool is only a cache.
 */
#define START_SLOTS 64
static struct start start_pool[START_SLOTS] KEKE_BULK;

static struct start *claim_start(void)
{
	for (unsigned i = 0; i < START_SLOTS; i++)
		if (!__atomic_load_n(&start_pool[i].in_use, __ATOMIC_RELAXED) &&
		    !__atomic_exchange_n(&start_pool[i].in_use, 1,
					 __ATOMIC_ACQUIRE))
			return &start_pool[i];
	/* 64 threads created and not yet started: a page for this one. */
	struct start *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (s == MAP_FAILED)
		return NULL;
	s->mapped = true;
	return s;
}

static void release_start(struct start *s)
{
	if (s->mapped)
		munmap(s, sizeof(*s));
	else
		__atomic_store_n(&s->in_use, 0, __ATOMIC_RELEASE);
}

/* The "thread_start" slice, the first record of a new thread. */
static void record_thread_start(uint64_t t0, uint64_t flow)
{
	struct keke_rec r;
	uint64_t dur = keke_now() - t0;

	if (!keke_slice_begin(&r, KEKE_CALL_THREAD_START, 0, t0, dur,
			      KEKE_REC_MAX_LEN(2, 0)))
		return;
	keke_rec_int(&r, KEKE_KEY_FLOW_IN, (int64_t)flow);
	keke_rec_commit(&r);
}

/* Cleanup handler of thread_start. */
static void thread_end(void *unused)
{
	(void)unused;
	keke_stdio_end_run();
	keke_writer_thread_end();
}

/*
 * The routine every thread created through the hook starts in. However
 * the thread ends (its routine returns, it calls pthread_exit, or it is
 * cancelled), the cleanup handler gives its chunk back: keke takes no
 * pthread key for that, which would leave the program one fewer.
 */
static void *thread_start(void *p)
{
	struct start s = *(struct start *)p;
	uint64_t t0 = keke_now();
	int err = errno;
	void *ret;

	release_start(p);
	if (s.flow && keke_hook_on(KEKE_FAMILY_BIT_THREAD))
		record_thread_start(t0, s.flow);
	errno = err;
	pthread_cleanup_push(thread_end, NULL);
	ret = s.routine(s.arg);
	pthread_cleanup_pop(1);
	return ret;
}

static void record_create(uint64_t t0, uint64_t dur, int rc, uint64_t flow)
{
	struct keke_rec r;

	if (!keke_slice_begin(&r, KEKE_CALL_PTHREAD_CREATE, (unsigned)rc, t0,
			      dur, KEKE_REC_MAX_LEN(3, 0)))
		return;
	keke_rec_int(&r, KEKE_KEY_RESULT, rc);
	if (!rc)
		keke_rec_int(&r, KEKE_KEY_FLOW_OUT, (int64_t)flow);
	keke_rec_commit(&r);
}

KEKE_EXPORT int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
			       void *(*start)(void *), void *arg)
{
	keke_pthread_create_fn *real = KEKE_HOOK_REAL(pthread_create);
	struct start *s;
	uint64_t t0, dur, flow = 0;
	bool traced = keke_hook_on(KEKE_FAMILY_BIT_THREAD);
	int rc, err = errno;

	/* Released by the new thread. Threads start in thread_start even
	 * when they are not traced: they record other calls. */
	s = keke_writer_active() && !keke_in_vfork_child() ? claim_start() :
							     NULL;
	errno = err;
	if (!s)
		return real(thread, attr, start, arg);
	if (traced)
		flow = keke_new_flow();
	s->routine = start;
	s->arg = arg;
	s->flow = flow;
	t0 = keke_now();
	rc = real(thread, attr, thread_start, s);
	err = errno;
	dur = keke_now() - t0;
	if (rc)
		release_start(s);	/* on success, the new thread's */
	if (traced)
		record_create(t0, dur, rc, flow);
	errno = err;
	return rc;
}

/* A thread-name record for the calling thread. */
static void record_name(const char *name, size_t len)
{
	struct keke_rec r;

	if (!keke_rec_begin(&r, KEKE_REC_THREAD_NAME, 0, 0, keke_now(),
			    KEKE_REC_MAX_LEN(0, KEKE_STR_MAX_LEN(len))))
		return;
	keke_rec_str(&r, KEKE_KEY_NAME, name, len);
	keke_rec_commit(&r);
}

/* Linux keeps at most 15 bytes of a thread's name. */
#define NAME_MAX_LEN 15

/*
 * pthread_setname_np: recorded when the thread names itself. (A name given
 * to another thread would need that thread's id in the record, which the
 * format cannot say yet.)
 */
KEKE_EXPORT int pthread_setname_np(pthread_t thread, const char *name)
{
	keke_pthread_setname_np_fn *real = KEKE_HOOK_REAL(pthread_setname_np);
	int rc, err;

	if (!keke_hook_on(KEKE_FAMILY_BIT_THREAD))
		return real(thread, name);
	rc = real(thread, name);
	err = errno;
	if (!rc && pthread_equal(thread, pthread_self()))
		record_name(name, strnlen(name, NAME_MAX_LEN));
	errno = err;
	return rc;
}

/* prctl is variadic: its four optional arguments are all word-sized. */
KEKE_EXPORT int prctl(int option, ...)
{
	keke_prctl_fn *real = KEKE_HOOK_REAL(prctl);
	unsigned long a2, a3, a4, a5;
	va_list ap;
	int rc, err;

	va_start(ap, option);
	a2 = va_arg(ap, unsigned long);
	a3 = va_arg(ap, unsigned long);
	a4 = va_arg(ap, unsigned long);
	a5 = va_arg(ap, unsigned long);
	va_end(ap);
	if (option != PR_SET_NAME || !keke_hook_on(KEKE_FAMILY_BIT_THREAD))
		return real(option, a2, a3, a4, a5);
	rc = real(option, a2, a3, a4, a5);
	err = errno;
	if (!rc && a2)
		record_name((const char *)a2,
			    strnlen((const char *)a2, NAME_MAX_LEN));
	errno = err;
	return rc;
}
