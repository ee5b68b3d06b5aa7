// SPDX-License-Identifier: MIT
/*
 * What the processes of one run share and hand down: the KEKE_* variables
 * and the LD_PRELOAD entry that keep a child traced (env.c puts them in
 * its environment), and the incoming flow a process finds in its own.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "preload.h"
#include "runtime/text.h"

#define RUN_VARS_MAX 16

static struct {
	const char *self;	/* libkeke.so as ld.so loaded it */
	const char *var_list[RUN_VARS_MAX + 1];
} run;

/* KEKE_* of this run, NUL separated: in the short buffer as far as they
 * fit, then in the long one (once.h). */
static char vars_short[512];
static char vars_long[4096] KEKE_BULK;

/*
 * KEKE_FLOW_IN is "<parent pid>:<flow id>": a child whose parent is not
 * that pid inherited it by accident (system(), popen() and other children
 * of the environment's owner) and has no incoming flow. A prelude from a
 * fork child adds ":<its pid>:<its flow>:<its start>:<its exec>:<path>",
 * and is for the image of that pid, whatever its parent is by then (it
 * may have been orphaned).
 */
KEKE_ONCE int keke_flow_env(char *buf, size_t size, int ppid, uint64_t flow,
			    const struct keke_prelude_env *h)
{
	struct keke_text t = keke_text_start(buf, size);

	keke_text_add(&t, "KEKE_FLOW_IN=");
	keke_text_add_int(&t, ppid);
	keke_text_add(&t, ":");
	keke_text_add_u64(&t, flow);
	if (h) {
		keke_text_add(&t, ":");
		keke_text_add_int(&t, h->pid);
		keke_text_add(&t, ":");
		keke_text_add_u64(&t, h->fork.flow_in);
		keke_text_add(&t, ":");
		keke_text_add_u64(&t, h->fork.start);
		keke_text_add(&t, ":");
		keke_text_add_u64(&t, h->fork.exec);
		keke_text_add(&t, ":");
		keke_text_add(&t, h->path);
	}
	return (int)(t.p - buf);
}

/* Reads "<n>:"; false when not there. */
static KEKE_ONCE bool parse_part(const char **v, uint64_t *n)
{
	return keke_parse_u64(v, n) && *(*v)++ == ':';
}

KEKE_ONCE uint64_t keke_incoming_flow(struct keke_prelude_env *h)
{
	const char *v = getenv("KEKE_FLOW_IN");
	uint64_t ppid, flow, pid;
	struct keke_prelude_env got = { 0 };

	*h = got;
	if (!v || !parse_part(&v, &ppid))
		return 0;
	if (!keke_parse_u64(&v, &flow))
		return 0;
	if (!*v)
		return ppid == (uint64_t)getppid() ? flow : 0;
	if (*v++ != ':' || !parse_part(&v, &pid) ||
	    pid != (uint64_t)getpid() ||
	    !parse_part(&v, &got.fork.flow_in) ||
	    !parse_part(&v, &got.fork.start) ||
	    !parse_part(&v, &got.fork.exec))
		return 0;
	got.pid = (int)pid;
	got.path = v;
	*h = got;
	return flow;
}

KEKE_ONCE const char *keke_self_path(void)
{
	return run.self ? run.self : "";
}

KEKE_ONCE const char *const *keke_run_vars(void)
{
	return run.var_list;
}

/* Bytes of vars_short and of vars_long taken. */
struct vars_used {
	size_t in_short, in_long;
};

/* Adds @var ("NAME=value") to the run's variables; false when full. */
static KEKE_ONCE bool add_run_var(const char *var, struct vars_used *used,
				  size_t *n)
{
	size_t len = strlen(var) + 1;
	char *to;

	if (*n >= RUN_VARS_MAX)
		return false;
	if (used->in_short + len <= sizeof(vars_short)) {
		to = vars_short + used->in_short;
		used->in_short += len;
	} else if (used->in_long + len <= sizeof(vars_long)) {
		to = vars_long + used->in_long;
		used->in_long += len;
	} else {
		return false;
	}
	memcpy(to, var, len);
	run.var_list[(*n)++] = to;
	return true;
}

/*
 * Copies this run's KEKE_* variables (but KEKE_FLOW_IN, which is per
 * child), adds KEKE_CLOCK with this process's choice when unset (so that
 * children need not ask the CPU again), and finds what LD_PRELOAD calls
 * this library.
 */
KEKE_ONCE void keke_remember_run(void)
{
	extern char **environ;
	char clock[32] = "KEKE_CLOCK=";
	Dl_info info;
	struct vars_used used = { 0, 0 };
	size_t n = 0;
	bool have_clock = false;

	/* ld.so keeps that name while the library is loaded: for good. */
	run.self = keke_loaded_as();
	if (!run.self)
		run.self = dladdr((void *)keke_remember_run, &info) &&
			   info.dli_fname ? info.dli_fname : "";
	for (char **e = environ; e && *e; e++) {
		/* The first byte first: most variables are not keke's. */
		if (**e != 'K' || strncmp(*e, "KEKE_", 5) ||
		    !strncmp(*e, "KEKE_FLOW_IN=", 13))
			continue;
		have_clock |= !strncmp(*e, clock, strlen(clock));
		if (!add_run_var(*e, &used, &n))
			break;
	}
	if (!have_clock) {
		strcat(clock, keke_clock_setting());
		add_run_var(clock, &used, &n);
	}
	run.var_list[n] = NULL;
}
