// SPDX-License-Identifier: MIT
/*
 * What the processes of one run share and hand down: flow ids unique in
 * the run, the KEKE_* variables and the LD_PRELOAD entry that keep a child
 * traced (env.c puts them in its environment), and the incoming flow a
 * process finds in its own.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "preload.h"

#define RUN_VARS_MAX 16

static struct {
	uint64_t flow_base;	/* random: flows are flow_base + n */
	uint64_t flows;		/* atomic: flows made so far */
	char self[PATH_MAX];	/* libkeke.so as ld.so loaded it */
	char vars[4096];	/* KEKE_* of this run, NUL separated */
	const char *var_list[RUN_VARS_MAX + 1];
} run;

uint64_t keke_new_flow(void)
{
	uint64_t id = run.flow_base +
		      __atomic_add_fetch(&run.flows, 1, __ATOMIC_RELAXED);

	return id ? id : keke_new_flow();
}

/* Flow ids of a process and of its fork children must differ. */
void keke_seed_flows(void)
{
	if (syscall(SYS_getrandom, &run.flow_base, sizeof(run.flow_base),
		    0) != sizeof(run.flow_base))
		run.flow_base = keke_mono_ns() * 0x9e3779b97f4a7c15ull ^
				  (uint64_t)getpid() << 40;
	run.flows = 0;
}

/* KEKE_FLOW_IN is "<parent pid>:<flow id>": a child whose parent is not
 * that pid inherited it by accident (system(), popen() and other children
 * of the environment's owner) and has no incoming flow. */
int keke_flow_env(char *buf, size_t size, int ppid, uint64_t flow)
{
	return snprintf(buf, size, "KEKE_FLOW_IN=%d:%llu", ppid,
			(unsigned long long)flow);
}

uint64_t keke_incoming_flow(void)
{
	const char *v = getenv("KEKE_FLOW_IN");
	unsigned long long flow;
	int ppid;

	if (!v || sscanf(v, "%d:%llu", &ppid, &flow) != 2 ||
	    ppid != (int)getppid())
		return 0;
	return flow;
}

const char *keke_self_path(void)
{
	return run.self;
}

const char *const *keke_run_vars(void)
{
	return run.var_list;
}

/* Copies this run's KEKE_* variables (but KEKE_FLOW_IN, which is per
 * child) and finds what LD_PRELOAD calls this library. */
void keke_remember_run(void)
{
	extern char **environ;
	Dl_info info;
	size_t used = 0, n = 0;

	if (dladdr((void *)keke_init, &info) && info.dli_fname)
		snprintf(run.self, sizeof(run.self), "%s", info.dli_fname);
	for (char **e = environ; e && *e && n < RUN_VARS_MAX; e++) {
		size_t len = strlen(*e) + 1;

		if (strncmp(*e, "KEKE_", 5) || !strncmp(*e, "KEKE_FLOW_IN=", 13))
			continue;
		if (used + len > sizeof(run.vars))
			break;
		memcpy(run.vars + used, *e, len);
		run.var_list[n++] = run.vars + used;
		used += len;
	}
	run.var_list[n] = NULL;
}
