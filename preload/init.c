// SPDX-License-Identifier: MIT
/*
 * Start-up and exit of a traced process image: finds or creates the trace
 * dir, opens the record file, records the process start, and records how
 * the image ended (main returning, exit, _exit, _Exit).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fd_name.h"
#include "hook.h"
#include "preload.h"
#include "state.h"
#include "runtime/proc_io.h"
#include "runtime/rusage.h"
#include "runtime/stacks.h"
#include "runtime/text.h"
#include "proc/span.h"
#include "record/trace_context.h"
#include "record/trace_dir.h"

/* KEKE_DIR, or the one made: in the short buffer unless long (once.h). */
static char trace_dir_short[128];
static char trace_dir_long[PATH_MAX] KEKE_BULK;
static char *trace_dir = trace_dir_short;

/* Makes room for a trace dir's path of @len bytes; false when too long. */
static KEKE_ONCE bool trace_dir_room(size_t len)
{
	if (len >= sizeof(trace_dir_long))
		return false;
	trace_dir = len < sizeof(trace_dir_short) ? trace_dir_short :
		    trace_dir_long;
	return true;
}

/* Writes straight to fd 2: stdio may be locked or closed, and a hook on
 * write must not see keke's own messages. */
static KEKE_ONCE void say_parts(const char *const *parts)
{
	for (; *parts; parts++)
		syscall(SYS_write, 2, *parts, strlen(*parts));
}

#define say(...) say_parts((const char *const[]){ "keke: ", __VA_ARGS__, NULL })

/*
 * Bare mode (no KEKE_DIR): this process creates the trace dir where
 * `keke run` would (TMPDIR, else a tmpfs with room, else /tmp) and
 * exports it, so its children join the same trace. Returns NULL, or why
 * it could not.
 */
static KEKE_ONCE const char *create_bare_dir(void)
{
	static const char name[] = "/keke-XXXXXX";
	const char *tmp = getenv("TMPDIR"), *why;
	char pid[24];
	size_t len;

	/* Its children do not try again, and say nothing either. */
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("KEKE_ROOT_PID", pid, 1);
	if (!tmp || !*tmp)
		tmp = keke_default_trace_parent();
	len = strlen(tmp);
	if (!trace_dir_room(len + sizeof(name) - 1))
		return "the path of TMPDIR is too long";
	memcpy(trace_dir, tmp, len + 1);
	if (!keke_clean_dir_path(trace_dir) || trace_dir[0] != '/')
		return "TMPDIR is not a clean absolute path";
	why = keke_untrusted_place(trace_dir);
	if (why)
		return why;
	len = strlen(trace_dir);
	memcpy(trace_dir + len, name, sizeof(name));
	/* The C library's: keke's own call is not the program's. */
	if (!KEKE_HOOK_REAL(mkdtemp)(trace_dir)) {
		trace_dir[len] = '\0';
		return strerror(errno);
	}
	keke_span_bare_root(&keke_image.config);
	setenv("KEKE_DIR", trace_dir, 1);
	return NULL;
}

/*
 * The trace dir @dir from KEKE_DIR: made absolute (the program may change
 * directory; its children then get the absolute path) and clean, a
 * directory of the user's own that nobody else can replace. Returns NULL,
 * or why it is refused.
 */
static KEKE_ONCE const char *take_trace_dir(const char *dir)
{
	size_t len = strlen(dir), cwd_len = 0;
	char cwd[PATH_MAX];

	if (dir[0] != '/') {
		long n = syscall(SYS_getcwd, cwd, sizeof(cwd));

		if (n <= 0)
			return "its path is relative and the working "
			       "directory unknown";
		cwd_len = (size_t)n;	/* with the NUL, which becomes '/' */
		cwd[cwd_len - 1] = '/';
	}
	if (!trace_dir_room(cwd_len + len))
		return "its path is too long";
	memcpy(trace_dir, cwd, cwd_len);
	memcpy(trace_dir + cwd_len, dir, len + 1);
	if (!keke_clean_dir_path(trace_dir))
		return "its path has a . or .. in it";
	if (cwd_len)
		setenv("KEKE_DIR", trace_dir, 1);
	return keke_untrusted_dir(trace_dir);
}

static KEKE_ONCE const char *program_name(void)
{
	return keke_image.argc > 0 && keke_image.argv && keke_image.argv[0] ?
		keke_image.argv[0] : "?";
}

/* The environment is recorded only with KEKE_RECORD_ENV=1 (keke run
 * --env): it may hold secrets. */
static KEKE_ONCE bool record_environment(void)
{
	const char *want = getenv("KEKE_RECORD_ENV");

	return want && !strcmp(want, "1");
}

/* The bytes of @list's strings joined by NULs (as keke_rec_strv). */
static KEKE_ONCE size_t strv_len(char *const *list)
{
	size_t len = 0;

	for (size_t i = 0; list && list[i] && len < KEKE_STRING_CAP; i++)
		len += strlen(list[i]) + 1;
	return len;
}

/* The program file of this image as exec named it, when that is an
 * absolute path that stays true (not /dev/fd/N); else NULL. It costs
 * nothing, where reading /proc/self/exe is dear for a new process
 * (docs/performance.md). */
static KEKE_ONCE const char *exec_file_name(void)
{
	const char *name = (const char *)getauxval(AT_EXECFN);

	if (!name || name[0] != '/' || !strncmp(name, "/dev/fd/", 8) ||
	    !strncmp(name, "/proc/", 6))
		return NULL;
	return name;
}

/* What fds 0, 1 and 2 name when an image starts (fd_name.h). */
struct std_fds {
	size_t len[3];		/* 0: closed, or no name */
	char name[3][PATH_MAX];
};

static const uint8_t std_keys[3] = {
	KEKE_KEY_STDIN, KEKE_KEY_STDOUT, KEKE_KEY_STDERR,
};

/* The CPUs the run may use, for the report's utilisation: those of the
 * root's affinity mask, as the scheduler gives them to its children. */
static KEKE_ONCE void record_cpus(struct keke_rec *r)
{
	unsigned long mask[1024 / (8 * sizeof(unsigned long))];
	long n = keke_raw_syscall(SYS_sched_getaffinity, 0, sizeof(mask),
				  (long)mask, 0);
	int64_t cpus = 0;

	for (long i = 0; i < n / (long)sizeof(mask[0]); i++)
		cpus += __builtin_popcountl(mask[i]);
	if (cpus > 0)
		keke_rec_int(r, KEKE_KEY_CPUS, cpus);
}

/*
 * Records pid, ppid, executable, cwd and argv of this image (and its
 * environment when asked; the path a fork child exec'd, when it handed
 * itself over; and what its fds 0-2 are, @std, unless NULL). The strings
 * are written straight into the record: this runs in fork children, maybe
 * on a small signal stack. The record's room is worked out closely: a
 * process whose records fit in a page or two then reserves no more.
 */
static KEKE_ONCE void record_process_start(const struct std_fds *std)
{
	extern char **environ;
	const char *exe = exec_file_name();
	const char *exec_path = keke_image.prelude.path;
	size_t exe_len = exe ? strlen(exe) : PATH_MAX;
	size_t exec_path_len = exec_path ? strlen(exec_path) : 0;
	size_t env_len = keke_image.record_env ? strv_len(environ) : 0;
	size_t argv_len = strv_len(keke_image.argv);
	const char *state = keke_span_trace_state();
	const char *bad = keke_span_bad_traceparent();
	size_t state_len = state ? strlen(state) : 0;
	size_t bad_len = bad ? strlen(bad) : 0;
	size_t std_len = 0;
	struct keke_rec r;
	long n;
	char *p;

	for (int fd = 0; std && fd < 3; fd++)
		std_len += KEKE_STR_MAX_LEN(std->len[fd]);
	if (!keke_rec_begin(&r, KEKE_REC_PROCESS_START, 0, 0,
			    keke_writer_image_start(),
			    KEKE_REC_MAX_LEN(3, KEKE_STR_MAX_LEN(exe_len) +
						KEKE_STR_MAX_LEN(PATH_MAX) +
						KEKE_STR_MAX_LEN(argv_len) +
						KEKE_STR_MAX_LEN(env_len) +
						KEKE_STR_MAX_LEN(exec_path_len) +
						KEKE_STR_MAX_LEN(state_len) +
						KEKE_STR_MAX_LEN(bad_len) +
						std_len)))
		return;
	keke_rec_int(&r, KEKE_KEY_PID, keke_writer_pid());
	keke_rec_int(&r, KEKE_KEY_PPID, getppid());
	if (exe) {
		keke_rec_str(&r, KEKE_KEY_EXE, exe, exe_len);
	} else {
		p = keke_rec_str_begin(&r, KEKE_KEY_EXE);
		n = syscall(SYS_readlink, "/proc/self/exe", p, PATH_MAX);
		keke_rec_str_end(&r, n > 0 ? (size_t)n : 0);
	}
	p = keke_rec_str_begin(&r, KEKE_KEY_CWD);
	/* getcwd returns the length including the NUL. */
	n = syscall(SYS_getcwd, p, PATH_MAX);
	keke_rec_str_end(&r, n > 0 ? (size_t)n - 1 : 0);
	keke_rec_strv(&r, KEKE_KEY_ARGV, keke_image.argv);
	if (keke_image.record_env)
		keke_rec_strv(&r, KEKE_KEY_ENV, environ);
	if (exec_path)
		keke_rec_str(&r, KEKE_KEY_PATH, exec_path, exec_path_len);
	for (int fd = 0; std && fd < 3; fd++)
		keke_rec_str(&r, std_keys[fd], std->name[fd], std->len[fd]);
	if (state)
		keke_rec_str(&r, KEKE_KEY_TRACE_STATE, state, state_len);
	if (bad)
		keke_rec_str(&r, KEKE_KEY_BAD_TRACEPARENT, bad, bad_len);
	if (keke_image.root && keke_writer_pid() == (int)getpid())
		record_cpus(&r);
	keke_rec_commit(&r);
}

/* The process start of a fork child's own file (keke_writer_defer): its
 * fds are its parent's, which the parent's records tell. */
static KEKE_ONCE void record_child_start(void)
{
	record_process_start(NULL);
}

/*
 * The process start of a new image: with the names of its fds 0-2 (an
 * empty name: closed), which nothing keke recorded may tell: a root's
 * came from outside, and a vfork or posix_spawn child may change them
 * unseen before its exec. Their buffers stay out of the frame of fork
 * children, which may run on a small stack.
 */
static KEKE_ONCE __attribute__((noinline)) void record_image_start(void)
{
	struct std_fds std;

	for (int fd = 0; fd < 3; fd++)
		std.len[fd] = keke_fd_name(fd, std.name[fd],
					   sizeof(std.name[fd]));
	record_process_start(&std);
}

/* For forks no hook saw (a fork called from inside libc): the child must
 * not write into its parent's file. The fork hooks get here first. */
static KEKE_ONCE void fork_child(void)
{
	if (keke_writer_pid() != (int)getpid())
		keke_after_fork_child(keke_forking_flow());
}

/*
 * Finds this process's trace dir into trace_dir: KEKE_DIR, or the one the
 * bare-mode root makes. Returns false when the process does not trace;
 * keke_image.why_not then says why, which the root alone tells.
 */
static KEKE_ONCE bool find_trace_dir(void)
{
	const char *dir = getenv("KEKE_DIR"), *root = getenv("KEKE_ROOT_PID");
	uint64_t root_pid;

	/* The root: the process that finds no trace dir (bare mode), and
	 * the images it execs into. */
	if (dir && !*dir)
		dir = NULL;
	keke_image.root = root ? keke_parse_u64(&root, &root_pid) &&
			    root_pid == (uint64_t)getpid() : !dir;
	if (keke_image.root)
		keke_image.pid = (int)getpid();
	if (dir) {
		keke_image.why_not = take_trace_dir(dir);
		if (!keke_hex_parse(getenv("KEKE_TRACE_ID"), 16,
				    KEKE_HEX_WHOLE | KEKE_HEX_ANY_CASE,
				    keke_image.config.trace_id))
			memset(keke_image.config.trace_id, 0, 16);
	} else if (keke_image.root) {
		keke_image.why_not = create_bare_dir();
	} else {
		return false;	/* the root could not make one, and says so */
	}
	/* Said by the bare-mode root only: anything else libkeke.so
	 * printed would land on a program's stderr. */
	return !keke_image.why_not;
}

/* libunwind's loader (keke_stacks_init): the real dlopen, looked up only
 * when stacks are asked for. */
static KEKE_ONCE void *open_unwinder(const char *path, int flags)
{
	return KEKE_HOOK_REAL(dlopen)(path, flags);
}

/* Start-up: reads the environment, opens the record file, records the
 * process start, then turns the hooks on. Runs once. */
static KEKE_ONCE void keke_init(void)
{
	int err;

	if (__atomic_exchange_n(&keke_image.started, 1, __ATOMIC_ACQ_REL))
		return;
	keke_hooks_locate();
	keke_image.quiet = getenv("KEKE_QUIET") &&
			   !strcmp(getenv("KEKE_QUIET"), "1");
	if (!find_trace_dir())
		return;
	keke_image.record_env = record_environment();
	keke_clock_init(getenv("KEKE_CLOCK"));
	keke_image.config.dir = trace_dir;
	keke_image.config.flow_in = keke_incoming_flow(&keke_image.prelude);
	keke_image.config.prelude = keke_image.prelude.fork;
	keke_image.config.begin = record_child_start;
	keke_span_init(&keke_image.config);
	err = keke_writer_start(&keke_image.config);
	if (err) {
		keke_image.why_not = strerror(-err);
		return;
	}
	keke_seed_flows(keke_image.config.flow_in);
	keke_remember_run();
	keke_span_export(&keke_image.config);
	keke_exec_init();
	pthread_atfork(NULL, NULL, fork_child);
	record_image_start();
	keke_stacks_init(open_unwinder);
	/* KEKE_TRACE and KEKE_MIN_DUR; the first process says what is wrong. */
	keke_families = keke_hooks_setup(keke_image.quiet || !keke_image.root);
}

/* Runs before main; glibc passes a preloaded library's constructors the
 * program's argc and argv. */
__attribute__((constructor)) static KEKE_ONCE void
keke_constructor(int argc, char **argv)
{
	keke_image.argc = argc;
	keke_image.argv = argv;
	keke_init();
}

/*
 * Bare mode's one message, at the end of the process that made the trace
 * dir: where its trace is, or why there is none. No other process of a
 * run writes on its stderr: that is the program's.
 */
static KEKE_ONCE void announce(void)
{
	if (!keke_image.root || keke_image.quiet ||
	    keke_image.pid != (int)getpid() ||
	    __atomic_exchange_n(&keke_image.announced, 1, __ATOMIC_ACQ_REL))
		return;
	if (keke_image.why_not) {
		say("not tracing ", program_name(), ": trace dir ", trace_dir,
		    ": ", keke_image.why_not, "\n");
		return;
	}
	say("trace of ", program_name(), " in ", trace_dir, "\n");
	say("merge it with: keke merge ", trace_dir,
	    " -o keke.json --db keke.db\n");
}

KEKE_ONCE void keke_record_exit(enum keke_exit_how how, bool has_status,
				int status)
{
	struct keke_proc_io io = { 0 };
	struct rusage ru;
	bool have_ru = false;
	struct keke_rec r;

	if (keke_in_vfork_child())	/* the parent's state, not ours */
		return;
	__atomic_store_n(&keke_image.ended, 1, __ATOMIC_RELEASE);
	if (keke_writer_active()) {
		keke_proc_io_read(&io);
		have_ru = keke_rusage_read(&ru);
	}
	if (keke_writer_active() &&
	    keke_rec_begin(&r, KEKE_REC_PROCESS_END, 0, 0, keke_now(),
			   KEKE_REC_MAX_LEN(2, 0) + KEKE_PROC_IO_MAX_LEN +
			   KEKE_RUSAGE_MAX_LEN)) {
		if (has_status)
			keke_rec_int(&r, KEKE_KEY_STATUS, status);
		keke_rec_int(&r, KEKE_KEY_HOW, how);
		keke_rec_proc_io(&r, &io);
		if (have_ru)
			keke_rec_rusage(&r, &ru);
		keke_rec_commit(&r);
		keke_writer_refresh_anchor();
	}
	announce();
}

/* Last resort for exits no hook saw (exit called from inside libc). */
KEKE_ONCE __attribute__((destructor)) static void keke_destructor(void)
{
	if (!__atomic_load_n(&keke_image.ended, __ATOMIC_ACQUIRE))
		keke_record_exit(KEKE_EXIT_DESTRUCTOR, false, 0);
	else
		announce();
}
