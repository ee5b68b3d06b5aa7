// SPDX-License-Identifier: MIT
/*
 * This image's span (span.h). Every image gets a random span id of its
 * own, written in its record file's header. The run's first image may
 * continue a span from outside the run, as W3C's TRACEPARENT named it when
 * the run began (its remote parent). And when the run hands spans down,
 * each image's program runs with TRACEPARENT naming that image's span, so
 * that an OpenTelemetry SDK inside it parents its spans there; TRACESTATE
 * and BAGGAGE stay as they are. Otherwise keke leaves TRACEPARENT alone.
 *
 * What the images of a run share, as the environment hands it down (env.c
 * puts KEKE_* back when a program drops them):
 *	KEKE_TRACEPARENT	"1": hand spans down; anything else: do not.
 *				Unset: as TRACEPARENT was valid or not
 *				when the run began, which `keke run` and a
 *				bare-mode root settle for the run.
 *	KEKE_TRACE_FLAGS	the W3C trace flags of the run (2 hex
 *				digits), when TRACEPARENT brought some
 * and, from `keke run` to its command's first image only, which takes it
 * out of the environment:
 *	KEKE_REMOTE_PARENT	the span that image continues (16 hex)
 */
#include <stdlib.h>
#include <sys/random.h>
#include <sys/syscall.h>

#include "proc/span.h"
#include "preload.h"
#include "raw_syscall.h"
#include "record/trace_context.h"
#include "runtime/text.h"

#define TRACEPARENT_EQ "TRACEPARENT="
#define TRACEPARENT_EQ_LEN (sizeof(TRACEPARENT_EQ) - 1)

static struct {
	bool bare_root;		/* this image made the run's trace dir */
	bool began_with_parent;	/* a valid TRACEPARENT, at a bare root */
	bool out;		/* the program gets TRACEPARENT */
	bool exported;		/* it got var */
	bool have_flags;	/* flags came with TRACEPARENT */
	uint8_t flags;
	const char *state;	/* TRACESTATE, with a remote parent */
	const char *bad;	/* a malformed TRACEPARENT, at a bare root */
	char var[TRACEPARENT_EQ_LEN + KEKE_TRACEPARENT_LEN + 1];
} span = { .flags = KEKE_TRACE_FLAGS_DEFAULT };

/* @n random bytes into @id (never all zero): from getrandom, else from
 * the clock, the pid and the stack's random address. A raw system call:
 * this runs in fork children too. */
static KEKE_ONCE void random_id(uint8_t *id, size_t n)
{
	if (keke_raw_syscall(SYS_getrandom, (long)id, (long)n, GRND_NONBLOCK,
			     0) != (long)n) {
		uint64_t x = keke_now() ^
			     (uint64_t)keke_raw_syscall(SYS_getpid, 0, 0, 0,
							0) << 32 ^
			     (uintptr_t)&x;

		for (size_t i = 0; i < n; i++) {
			x = (x ^ x >> 29) * 0x9e3779b97f4a7c15ull;
			id[i] = (uint8_t)(x >> 56);
		}
	}
	if (keke_id_is_zero(id, n))
		id[n - 1] = 1;
}

/* The user's KEKE_TRACE_ID into @id when it is valid (32 hex digits, not
 * all zero); false, @id untouched, when it is not there or not valid. */
static KEKE_ONCE bool users_trace_id(uint8_t id[16])
{
	uint8_t got[16];

	if (!keke_hex_parse(getenv("KEKE_TRACE_ID"), 16,
			    KEKE_HEX_WHOLE | KEKE_HEX_ANY_CASE, got) ||
	    keke_id_is_zero(got, 16))
		return false;
	keke_copy_bytes(id, got, 16);
	return true;
}

/*
 * A span of another trace is no parent: when the user's KEKE_TRACE_ID
 * differs from TRACEPARENT's trace, the run keeps the user's and has no
 * remote parent. Bare mode says nothing of that, nor of a malformed
 * TRACEPARENT, on the program's stderr: the merge warns of the latter
 * (keke_span_bad_traceparent).
 */
KEKE_ONCE void keke_span_bare_root(struct keke_writer_config *cfg)
{
	const char *value = getenv("TRACEPARENT");
	struct keke_traceparent tp;
	char hex[33];

	span.bare_root = true;
	span.began_with_parent = keke_traceparent_parse(value, &tp);
	if (value && *value && !span.began_with_parent)
		span.bad = value;
	if (!users_trace_id(cfg->trace_id)) {
		if (span.began_with_parent)
			keke_copy_bytes(cfg->trace_id, tp.trace_id, 16);
		else
			random_id(cfg->trace_id, 16);
		keke_hex_format(cfg->trace_id, 16, hex);
		setenv("KEKE_TRACE_ID", hex, 1);
	}
	if (!span.began_with_parent ||
	    !keke_same_bytes(cfg->trace_id, tp.trace_id, 16))
		return;
	keke_copy_bytes(cfg->remote_parent_span_id, tp.span_id, 8);
	cfg->trace_flags = tp.flags;
	span.flags = tp.flags;
	span.have_flags = true;
	span.state = getenv("TRACESTATE");
}

/* The run's trace flags from KEKE_TRACE_FLAGS, in an image that did not
 * make the run. */
static KEKE_ONCE void read_run_flags(void)
{
	span.have_flags = keke_hex_parse(getenv("KEKE_TRACE_FLAGS"), 1,
					 KEKE_HEX_WHOLE, &span.flags);
}

/* The first image of `keke run`'s command: the remote parent it names.
 * Taken out of the environment (unsetenv allocates nothing): children
 * that start without keke's hooks (system(), popen()) inherit it else. */
static KEKE_ONCE void read_remote_parent(struct keke_writer_config *cfg)
{
	const char *value = getenv("KEKE_REMOTE_PARENT");
	uint8_t id[8];

	if (!value)
		return;
	unsetenv("KEKE_REMOTE_PARENT");
	if (!keke_hex_parse(value, 8, KEKE_HEX_WHOLE, id) ||
	    keke_id_is_zero(id, 8))
		return;
	keke_copy_bytes(cfg->remote_parent_span_id, id, 8);
	cfg->trace_flags = span.flags;
	span.state = getenv("TRACESTATE");
}

/* A bare-mode root settles, for its run, what it decided of the spans. */
static KEKE_ONCE void export_run_setting(bool asked)
{
	char hex[3];

	if (!span.out)
		return;
	if (!asked)
		setenv("KEKE_TRACEPARENT", "1", 1);
	if (span.have_flags) {
		keke_hex_format(&span.flags, 1, hex);
		setenv("KEKE_TRACE_FLAGS", hex, 1);
	}
}

KEKE_ONCE void keke_span_init(struct keke_writer_config *cfg)
{
	const char *on = getenv("KEKE_TRACEPARENT");

	random_id(cfg->span_id, sizeof(cfg->span_id));
	if (!span.bare_root) {
		read_run_flags();
		read_remote_parent(cfg);
	}
	span.out = on ? on[0] == '1' && !on[1] :
		   span.bare_root && span.began_with_parent;
	if (span.bare_root)
		export_run_setting(on != NULL);
}

/*
 * putenv keeps the string it is given: TRACEPARENT lives in a static
 * buffer, which a fork child can rewrite in place. It allocates only to
 * grow the environment's array when the variable is new, as setenv would;
 * this runs at start-up, before main, where libc is the program's
 * alone.
 */
KEKE_ONCE void keke_span_export(const struct keke_writer_config *cfg)
{
	if (!span.out)
		return;
	keke_copy_bytes(span.var, TRACEPARENT_EQ, TRACEPARENT_EQ_LEN);
	keke_traceparent_format(span.var + TRACEPARENT_EQ_LEN, cfg->trace_id,
				cfg->span_id, span.flags);
	span.exported = putenv(span.var) == 0;
}

KEKE_ONCE void keke_span_fork_child(uint8_t id[8])
{
	/* Where the span id stands in "00-<trace id>-<span id>-<flags>". */
	char *at = span.var + TRACEPARENT_EQ_LEN + 36;

	random_id(id, 8);
	span.state = span.bad = NULL;	/* the parent's process start's */
	if (!span.exported)
		return;
	keke_hex_format(id, 8, at);
	at[16] = '-';	/* over the NUL keke_hex_format ended with */
}

KEKE_ONCE const char *keke_span_trace_state(void)
{
	return span.state;
}

KEKE_ONCE const char *keke_span_bad_traceparent(void)
{
	return span.bad;
}
