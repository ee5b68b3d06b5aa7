// SPDX-License-Identifier: MIT
/*
 * `keke run`: runs a command with libkeke.so preloaded into it and into
 * every process it starts, merges the trace dir they wrote into keke.json
 * and keke.db, prints a short summary, and exits as the command did.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "common/tty.h"
#include "find_preload.h"
#include "merge/merge.h"
#include "common/fmt_dur.h"
#include "common/output.h"
#include "otlp_send.h"
#include "outputs.h"
#include "record/duration.h"
#include "record/families.h"
#include "report/report.h"
#include "run_context.h"
#include "signals.h"
#include "sinks/sink.h"
#include "trace_dir.h"

/* What execvp searches when PATH is unset (glibc's confstr(_CS_PATH)). */
#define DEFAULT_PATH "/bin:/usr/bin"
/* How long to wait for processes the command left running. */
#define DEFAULT_WAIT_S 10.0

static const char run_usage[] =
	"Usage: keke run [OPTIONS] -- CMD [ARGS...]\n"
	"       keke run [OPTIONS] CMD [ARGS...]   (when CMD does not start "
	"with '-')\n"
	"\n"
	"Run CMD with libkeke.so preloaded, tracing it and every process it\n"
	"starts; then merge what they recorded into a trace (trace-event JSON\n"
	"for Perfetto, chrome://tracing and DevTools, or Perfetto's own\n"
	"format) and an SQLite database, and print a summary on stderr.\n"
	"\n"
	"Options:\n"
	"  -o, --output FILE  write the trace to FILE (default keke.json, or\n"
	"                     keke.pftrace past 1.5 million events); a name\n"
	"                     ending in .pftrace or .perfetto-trace (or\n"
	"                     either with .gz) chooses Perfetto's format\n"
	"      --format FMT   the trace's format: json or perfetto\n"
	"      --db FILE      write the SQLite database to FILE (default keke.db)\n"
	"      --no-json      do not write the trace\n"
	"      --no-db        do not write the SQLite database\n"
	"      --keep         keep the trace dir of record files; print its path\n"
	"      --dir DIR      make the trace dir in DIR (default $TMPDIR, else\n"
	"                     /dev/shm when it is a tmpfs with 2 GiB free,\n"
	"                     else /tmp); DIR and each directory above it\n"
	"                     must belong to you or root and be writable by\n"
	"                     nobody else, unless sticky like /tmp\n"
	"      --trace LIST   trace these families of calls (KEKE_TRACE):\n"
	"                     proc,file,stdio,net,sync,thread,dl,user,\n"
	"                     all, none, -NAME to leave one out (default all)\n"
	"      --min-dur D    leave out calls shorter than D (10us, 1ms);\n"
	"                     they are counted, not recorded (KEKE_MIN_DUR)\n"
	"      --stacks LIST  record the call stack of the calls of these\n"
	"                     families (KEKE_STACKS), e.g. file,net;\n"
	"                     KEKE_STACK_DEPTH frames at most (default 32)\n"
	"      --env          record each process's environment too (off by\n"
	"                     default: it often holds secrets; argv is always\n"
	"                     recorded)\n"
	"      --otlp-endpoint URL\n"
	"                     then send the run to OpenTelemetry: OTLP/HTTP\n"
	"                     to URL, as `keke export --otlp-endpoint` does\n"
	"                     (calls of 1ms and more)\n"
	"      --traceparent  give each process TRACEPARENT naming its own\n"
	"                     span, for OpenTelemetry SDKs in it (default\n"
	"                     when TRACEPARENT is set; KEKE_TRACEPARENT=1)\n"
	"      --no-traceparent\n"
	"                     leave TRACEPARENT as the programs set it\n"
	"      --wait SEC     when CMD has ended, wait at most SEC seconds for\n"
	"                     the processes it left running (default 10;\n"
	"                     0: do not wait; inf: no limit)\n"
	"  -q, --quiet        print no summary and no progress\n"
	"  -h, --help         show this help and exit\n"
	"\n"
	"Environment:\n"
	"  KEKE_PRELOAD       the libkeke.so to preload (default: the one next\n"
	"                     to keke, in its build tree or install prefix)\n"
	"  KEKE_TRACE_ID      the run's trace id (default: TRACEPARENT's, else\n"
	"                     a random one)\n"
	"  TRACEPARENT        a W3C traceparent: the run's first process is a\n"
	"                     child of the span it names\n"
	"  The other KEKE_* variables reach libkeke.so unchanged.\n"
	"\n"
	"keke ignores ^C (SIGINT, SIGQUIT) while CMD runs, so CMD gets it and\n"
	"keke still writes the trace; SIGTERM and SIGHUP are passed on to CMD.\n"
	"Statically linked and setuid programs cannot be traced inside: ld.so\n"
	"does not preload into them.\n"
	"\n"
	"Exit status: CMD's own, or 128+N when CMD was killed by signal N;\n"
	"1 when keke fails before running CMD, or when CMD succeeded but an\n"
	"output could not be written (each lost one is named, and the trace\n"
	"dir is kept); 2 usage error; 126 CMD cannot be run; 127 CMD not "
	"found.\n";

struct run_opts {
	const char *json;	/* NULL: no trace output */
	const struct keke_sink_ops *trace_sink;
	bool trace_named;	/* -o or --format chose it */
	const char *db;		/* NULL: no database */
	const char *parent;	/* where the trace dir is made */
	double wait_s;		/* for processes left running; may be inf */
	const char *trace;	/* KEKE_TRACE for the run, or NULL */
	const char *min_dur;	/* KEKE_MIN_DUR for the run, or NULL */
	const char *stacks;	/* KEKE_STACKS for the run, or NULL */
	bool env;		/* record the environment (KEKE_RECORD_ENV) */
	const char *otlp_endpoint;	/* export to it after the merge */
	int traceparent;	/* --traceparent 1, --no-traceparent 0, or -1 */
	bool keep;
	bool quiet;
	char **cmd;
};

/* The outcome of running the command. */
struct run_result {
	int pid;
	int status;		/* from waitpid */
	int exec_errno;		/* 0, or why the command could not start */
	int64_t start_ns;	/* CLOCK_MONOTONIC when it was started */
	int64_t elapsed_ns;
	uint64_t orphans;	/* processes it orphaned that keke reaped */
};

/*
 * The value @arg of the option @opt: a list of families of calls
 * (families.h). Returns 0, or the usage exit status after printing why
 * it is not one.
 */
static int check_families(const char *opt, const char *arg)
{
	char why[256];
	uint32_t families;

	if (keke_parse_families(arg, &families, why, sizeof(why)) != 0)
		return keke_usage_error("run", "%s: %s", opt, why);
	return 0;
}

/*
 * Takes the option @c with its value @arg into @o when it is one of
 * `keke run`'s own (not an output's, not --help). Returns 0 when taken,
 * the usage exit status after printing why @arg is refused, or -1 when
 * @c is no such option.
 */
static int take_option(int c, char *arg, struct run_opts *o)
{
	uint64_t ns;
	char *end;

	switch (c) {
	case 'k':
		o->keep = true;
		return 0;
	case 'r':
		o->parent = arg;
		return 0;
	case 'w':
		o->wait_s = strtod(arg, &end);
		if (end == arg || *end || isnan(o->wait_s) || o->wait_s < 0)
			return keke_usage_error("run", "--wait needs a number "
						"of seconds, not '%s'", arg);
		return 0;
	case 't':
		o->trace = arg;
		return check_families("--trace", arg);
	case 'm':
		if (keke_parse_duration(arg, KEKE_NS_PER_US, &ns) != 0)
			return keke_usage_error("run", "--min-dur needs a "
						"duration such as 10us or 1ms, "
						"not '%s'", arg);
		o->min_dur = arg;
		return 0;
	case 'e':
		o->env = true;
		return 0;
	case 'P':
		o->traceparent = 1;
		return 0;
	case 'N':
		o->traceparent = 0;
		return 0;
	case 's':
		o->stacks = arg;
		return check_families("--stacks", arg);
	case 'q':
		o->quiet = true;
		return 0;
	case 'O':
		if (!*arg)
			return keke_usage_error("run", "--otlp-endpoint needs "
						"a URL");
		o->otlp_endpoint = arg;
		return 0;
	}
	return -1;
}

/*
 * Parses the options of `keke run` into @o; option parsing stops at "--"
 * or at the first word that is not an option (the command). Returns -1
 * when the options are good, else the exit status to return (0 after
 * --help, 2 after printing a usage error).
 */
static int parse_args(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		KEKE_OUTPUT_LONGOPTS,
		{ "keep", no_argument, NULL, 'k' },
		{ "dir", required_argument, NULL, 'r' },
		{ "wait", required_argument, NULL, 'w' },
		{ "trace", required_argument, NULL, 't' },
		{ "min-dur", required_argument, NULL, 'm' },
		{ "env", no_argument, NULL, 'e' },
		{ "traceparent", no_argument, NULL, 'P' },
		{ "no-traceparent", no_argument, NULL, 'N' },
		{ "stacks", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "otlp-endpoint", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct keke_output_opts out = KEKE_OUTPUT_OPTS_DEFAULT;
	int c, status;

	o->wait_s = DEFAULT_WAIT_S;
	o->traceparent = -1;
	optind = 1;
	opterr = 0;
	/* '+': stop at the command, whose own options are not ours. */
	while ((c = getopt_long(argc, argv, "+:o:qh", longopts, NULL)) != -1) {
		if (c == 'h') {
			fputs(run_usage, stdout);
			return KEKE_EXIT_OK;
		}
		if (keke_output_opts_take(&out, c, optarg))
			continue;
		status = take_option(c, optarg, o);
		if (status < 0)
			return keke_option_error("run", c, argv);
		if (status > 0)
			return status;
	}
	if (optind >= argc)
		return keke_usage_error("run", "no command given");
	status = keke_output_opts_settle(&out, "run");
	if (status)
		return status;
	if (!out.json && !out.db && !o->keep)
		return keke_usage_error("run", "--no-json and --no-db leave "
					"nothing to write (add --keep to keep "
					"the record files only)");
	if (o->otlp_endpoint && !out.db)
		return keke_usage_error("run", "--otlp-endpoint exports the "
					"database: it cannot go with --no-db");
	o->json = out.json;
	o->trace_sink = keke_trace_sink(&out);
	o->trace_named = out.named_json || out.format;
	o->db = out.db;
	o->cmd = argv + optind;
	return -1;
}

/*
 * Finds @name like execvp would: as given when it holds a '/', else in
 * each directory of $PATH. Writes the file found to @path (PATH_MAX).
 * Returns 0, ENOENT when there is none, EISDIR for a directory named with
 * a '/', or EACCES when the only matches cannot be executed.
 */
static int resolve_command(const char *name, char *path)
{
	const char *dirs = getenv("PATH");
	bool denied = false;
	struct stat st;

	if (!*name)
		return ENOENT;
	if (strchr(name, '/')) {
		if (stat(name, &st) != 0)
			return errno == EACCES ? EACCES : ENOENT;
		if (S_ISDIR(st.st_mode))
			return EISDIR;
		if (!S_ISREG(st.st_mode) || access(name, X_OK) != 0)
			return EACCES;
		snprintf(path, PATH_MAX, "%s", name);
		return 0;
	}
	if (!dirs)
		dirs = DEFAULT_PATH;
	for (const char *p = dirs;; p++) {
		const char *end = strchrnul(p, ':');
		int len = (int)(end - p);

		/* An empty entry is the current directory. */
		if (snprintf(path, PATH_MAX, "%.*s%s%s", len, p,
			     len ? "/" : "", name) < PATH_MAX &&
		    stat(path, &st) == 0) {
			if (S_ISREG(st.st_mode) && access(path, X_OK) == 0)
				return 0;
			denied = true;
		} else if (errno == EACCES) {
			denied = true;
		}
		if (!*end)
			break;
		p = end;
	}
	return denied ? EACCES : ENOENT;
}

/*
 * Looks at the program headers of the ELF file @fd: sets *@is_static when
 * it has no PT_INTERP (no dynamic loader, so nothing is preloaded into it).
 * Returns 0, or -1 when @fd is not an ELF file of this machine's byte
 * order (then nothing is known).
 */
static int elf_is_static(int fd, bool *is_static)
{
	union {
		unsigned char ident[EI_NIDENT];
		Elf32_Ehdr e32;
		Elf64_Ehdr e64;
	} h;
	uint64_t phoff;
	unsigned phnum, phentsize;
	bool is64;

	if (pread(fd, &h, sizeof(h), 0) < (ssize_t)sizeof(h.e32) ||
	    memcmp(h.ident, ELFMAG, SELFMAG) != 0)
		return -1;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (h.ident[EI_DATA] != ELFDATA2LSB)
		return -1;
#else
	if (h.ident[EI_DATA] != ELFDATA2MSB)
		return -1;
#endif
	is64 = h.ident[EI_CLASS] == ELFCLASS64;
	if (!is64 && h.ident[EI_CLASS] != ELFCLASS32)
		return -1;
	phoff = is64 ? h.e64.e_phoff : h.e32.e_phoff;
	phnum = is64 ? h.e64.e_phnum : h.e32.e_phnum;
	phentsize = is64 ? h.e64.e_phentsize : h.e32.e_phentsize;
	if (phentsize < (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)))
		return -1;
	for (unsigned i = 0; i < phnum; i++) {
		/* p_type is the first word of both layouts. */
		uint32_t type;

		if (pread(fd, &type, sizeof(type),
			  (off_t)(phoff + (uint64_t)i * phentsize)) !=
		    sizeof(type))
			return -1;
		if (type == PT_INTERP) {
			*is_static = false;
			return 0;
		}
	}
	*is_static = true;
	return 0;
}

/*
 * The interpreter of a "#!" script @fd into @interp (PATH_MAX), or -1 when
 * @fd is not a script.
 */
static int script_interpreter(int fd, char *interp)
{
	char line[256];
	ssize_t n = pread(fd, line, sizeof(line) - 1, 0);
	char *p, *end;

	if (n < 3 || line[0] != '#' || line[1] != '!')
		return -1;
	line[n] = '\0';
	p = line + 2;
	p += strspn(p, " \t");
	end = p + strcspn(p, " \t\n");
	if (end == p)
		return -1;
	*end = '\0';
	snprintf(interp, PATH_MAX, "%s", p);
	return 0;
}

/*
 * Warns on stderr, one line per reason, when ld.so will not preload
 * libkeke.so into @path (the program @name, or the interpreter of that
 * script): it is statically linked, or runs setuid/setgid. The program
 * still runs; only its lifetime can be seen then. Returns how many
 * reasons it gave. Only a regular file is opened (the kernel runs
 * nothing else): a FIFO would wait for a writer, a device may act on
 * being opened; one swapped in after the stat is opened without waiting.
 */
static int warn_untraceable(const char *name, const char *path, int depth)
{
	char interp[PATH_MAX];
	bool is_static = false;
	struct stat st;
	int fd, said = 0;

	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if (((st.st_mode & S_ISUID) && st.st_uid != getuid()) ||
	    ((st.st_mode & S_ISGID) && st.st_gid != getgid())) {
		fprintf(stderr, "keke: %s is set%cid: ld.so does not preload "
			"libkeke.so into it, so only its lifetime is in the "
			"trace\n", name, st.st_mode & S_ISUID ? 'u' : 'g');
		said++;
	}
	if (elf_is_static(fd, &is_static) == 0) {
		if (is_static) {
			fprintf(stderr, "keke: %s is statically linked: no "
				"ld.so runs in it to preload libkeke.so, so "
				"only its lifetime is in the trace\n", name);
			said++;
		}
	} else if (depth == 0 && script_interpreter(fd, interp) == 0) {
		said += warn_untraceable(interp, interp, 1);
	}
out:
	close(fd);
	return said;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static volatile sig_atomic_t child_pid;

/* SIGTERM/SIGHUP sent to keke: passed on to the command. */
static void forward_signal(int sig)
{
	if (child_pid > 0)
		kill(child_pid, sig);
}

/*
 * In the forked child: sets up the environment of a traced run (the root
 * of a new trace: no root pid, no incoming flow of an enclosing one) and
 * execs the command; never returns. On failure it writes errno to
 * @report_fd.
 */
static void __attribute__((noreturn))
exec_traced(const struct run_opts *o, const char *dir,
	    const struct run_context *ctx, const char *preload, int report_fd)
{
	const char *old = getenv("LD_PRELOAD");
	char *value = NULL;
	int err;

	errno = 0;
	if (old && *old) {
		if (asprintf(&value, "%s:%s", preload, old) < 0)
			value = NULL;
	} else {
		value = strdup(preload);
	}
	if (!value || setenv("LD_PRELOAD", value, 1) != 0 ||
	    setenv("KEKE_DIR", dir, 1) != 0 ||
	    keke_run_context_export(ctx) != 0 ||
	    unsetenv("KEKE_ROOT_PID") != 0 ||
	    unsetenv("KEKE_FLOW_IN") != 0 ||
	    (o->trace && setenv("KEKE_TRACE", o->trace, 1) != 0) ||
	    (o->min_dur && setenv("KEKE_MIN_DUR", o->min_dur, 1) != 0) ||
	    (o->env && setenv("KEKE_RECORD_ENV", "1", 1) != 0) ||
	    (o->stacks && setenv("KEKE_STACKS", o->stacks, 1) != 0)) {
		err = errno ? errno : ENOMEM;
		goto fail;
	}
	keke_restore_sigxfsz();
	execvp(o->cmd[0], o->cmd);
	err = errno;
fail:
	while (write(report_fd, &err, sizeof(err)) < 0 && errno == EINTR)
		;
	_exit(err == ENOENT ? 127 : 126);
}

/*
 * Reads from the pipe @fd the errno the child writes when it cannot exec
 * the command, and closes @fd. Returns that errno, or 0 when the exec
 * closed the pipe without a word.
 */
static int read_exec_errno(int fd)
{
	int err = 0;
	ssize_t n;

	do
		n = read(fd, &err, sizeof(err));
	while (n < 0 && errno == EINTR);
	close(fd);
	return n == (ssize_t)sizeof(err) ? err : 0;
}

/*
 * Waits for the command @pid to end, into @res->status. Orphans of the
 * run that exit meanwhile are reaped at once and counted in
 * @res->orphans: left as keke's zombies, a run that makes many would fill
 * the process table before its command ends.
 */
static void wait_for_command(pid_t pid, struct run_result *res)
{
	int status;
	pid_t r;

	for (;;) {
		r = waitpid(-1, &status, 0);
		if (r == pid) {
			res->status = status;
			return;
		}
		if (r > 0) {
			res->orphans++;
			continue;
		}
		if (errno != EINTR) {
			fprintf(stderr, "keke: waitpid: %s\n", strerror(errno));
			res->status = 1 << 8;
			return;
		}
	}
}

/* The signals sent to keke that go on to the command. */
static const int forwarded[] = { SIGTERM, SIGHUP };
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

/*
 * From now on the forwarded signals sent to keke go on to the command
 * @pid, but for those the user set to be ignored, which stay ignored.
 * Saves what they did in @old, for stop_forwarding().
 */
static void start_forwarding(pid_t pid, struct sigaction old[NFORWARDED])
{
	struct sigaction fwd = { .sa_handler = forward_signal,
				 .sa_flags = SA_RESTART };

	child_pid = pid;
	for (size_t i = 0; i < NFORWARDED; i++) {
		sigaction(forwarded[i], NULL, &old[i]);
		if (old[i].sa_handler != SIG_IGN)
			sigaction(forwarded[i], &fwd, NULL);
	}
}

/* Gives the forwarded signals back what they did before
 * start_forwarding(), which saved it in @old. */
static void stop_forwarding(const struct sigaction old[NFORWARDED])
{
	child_pid = 0;
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &old[i], NULL);
}

/*
 * Runs the command traced into @dir and waits for it, ignoring SIGINT and
 * SIGQUIT meanwhile (as system() does) and passing SIGTERM and SIGHUP on.
 * Fills @res. Returns 0, or -1 after printing why when it could not fork.
 */
static int run_command(const struct run_opts *o, const char *dir,
		       const struct run_context *ctx, const char *preload,
		       struct run_result *res)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	struct sigaction old_int, old_quit, old_chld, old_fwd[NFORWARDED];
	int fds[2], ret = -1;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0) {
		fprintf(stderr, "keke: pipe: %s\n", strerror(errno));
		return -1;
	}
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	/* An inherited SIG_IGN would reap the child before waitpid. */
	sigaction(SIGCHLD, &dfl, &old_chld);
	/* Orphans of the run become keke's children: it can wait for those
	 * still running when the command ends (daemons), so their ends are
	 * in the trace; it reaps the others as they exit. */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	res->start_ns = now_ns();
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "keke: fork: %s\n", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		goto out;
	}
	if (pid == 0) {
		close(fds[0]);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGQUIT, &old_quit, NULL);
		sigaction(SIGCHLD, &old_chld, NULL);
		exec_traced(o, dir, ctx, preload, fds[1]);
	}
	res->pid = pid;
	close(fds[1]);
	start_forwarding(pid, old_fwd);
	res->exec_errno = read_exec_errno(fds[0]);
	wait_for_command(pid, res);
	res->elapsed_ns = now_ns() - res->start_ns;
	stop_forwarding(old_fwd);
	ret = 0;
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	sigaction(SIGCHLD, &old_chld, NULL);
	return ret;
}

static volatile sig_atomic_t stop_waiting;

static void stop_waiting_handler(int sig)
{
	stop_waiting = 1;
}

/*
 * After the command ended: waits at most @limit_s seconds (inf: no limit)
 * for the processes it left running, so their ends are in the trace too,
 * and adds those it reaped to *@reaped. keke is their subreaper, so they
 * are its children now; it gives that role up afterwards, so what they
 * orphan later goes to init rather than waiting for keke to exit.
 * SIGINT, SIGQUIT, SIGTERM and SIGHUP end the wait. Says on stderr why
 * keke still waits after a second (unless @quiet), and when it gives up.
 */
static void wait_for_leftovers(const char *name, double limit_s, bool quiet,
			       uint64_t *reaped)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP };
	struct sigaction stop = { .sa_handler = stop_waiting_handler };
	struct sigaction old[4];
	const struct timespec tick = { 0, 10000000 };
	int64_t start = now_ns(), waited;
	bool said = false;
	int status;
	pid_t r;

	while ((r = waitpid(-1, &status, WNOHANG)) > 0)
		++*reaped;
	if (r < 0 || limit_s <= 0)
		goto out;
	stop_waiting = 0;
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &stop, &old[i]);
	for (;;) {
		r = waitpid(-1, &status, WNOHANG);
		if (r > 0) {
			++*reaped;
			continue;
		}
		if (r < 0 || stop_waiting)
			break;
		waited = now_ns() - start;
		if (waited >= limit_s * 1e9) {
			fprintf(stderr, "keke: %s left processes running; "
				"their trace ends here\n", name);
			break;
		}
		if (!said && !quiet && waited >= 1000000000) {
			fprintf(stderr, "keke: %s ended; waiting for the "
				"processes it left running (^C: stop "
				"waiting)\n", name);
			said = true;
		}
		nanosleep(&tick, NULL);
	}
	for (int i = 0; i < 4; i++)
		sigaction(sigs[i], &old[i], NULL);
out:
	prctl(PR_SET_CHILD_SUBREAPER, 0);
}

/* The command's exit status as a shell reports it: 128+N for signal N. */
static int exit_status_of(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 1;
}

/* The command's name as the summary shows it: its base name. */
static const char *command_name(const struct run_opts *o)
{
	const char *slash = strrchr(o->cmd[0], '/');

	return slash && slash[1] ? slash + 1 : o->cmd[0];
}

/* The summary of a run, at most a dozen lines on stderr. */
static void print_summary(const struct run_opts *o,
			  const struct run_result *res,
			  const struct keke_merge_stats *stats, bool merged)
{
	const char *name = command_name(o);
	char dur[KEKE_FMT_DUR_MAX], outputs[2 * PATH_MAX];
	int sig;

	keke_fmt_dur(dur, res->elapsed_ns);
	fputs("keke: ", stderr);
	keke_tty_put(stderr, name, SIZE_MAX);
	if (WIFSIGNALED(res->status)) {
		sig = WTERMSIG(res->status);
		fprintf(stderr, " was killed by signal %d (%s)%s after %s\n",
			sig, strsignal(sig),
			WCOREDUMP(res->status) ? ", core dumped" : "", dur);
	} else {
		fprintf(stderr, " exited with status %d after %s\n",
			exit_status_of(res->status), dur);
	}
	if (!merged)
		return;
	keke_describe_outputs(outputs, sizeof(outputs),
			      stats->json.written ? o->json : NULL,
			      stats->db.written ? o->db : NULL);
	fprintf(stderr, "keke: wrote %s: %" PRIu64 " %s, %" PRIu64 " %s, %"
		PRIu64 " %s\n", outputs,
		stats->processes, keke_plural(stats->processes, "process",
					 "processes"),
		stats->threads, keke_plural(stats->threads, "thread", "threads"),
		stats->slices, keke_plural(stats->slices, "event", "events"));
	keke_print_machines(stats);
	if (stats->dropped)
		fprintf(stderr, "keke: %" PRIu64 " %s dropped (no space in "
			"the trace dir)\n", stats->dropped,
			keke_plural(stats->dropped, "event was", "events were"));
	if (stats->killed)
		fprintf(stderr, "keke: %" PRIu64 " %s without an exit record "
			"(killed or crashed)\n", stats->killed,
			keke_plural(stats->killed, "process ended",
			       "processes ended"));
	if (stats->db.written)
		keke_report_top_processes(stderr, o->db);
}

/*
 * Warns about program @exe, which ran untraced inside the run (a static,
 * setuid or 32-bit program that a traced process started, or one that
 * keke's variables left no room for): one line per reason, the merge's
 * @why when it gave one, else what the program's file tells, else that
 * it ran untraced. Called by keke_report_untraced for each such program
 * but the command itself, which was looked at before it ran.
 */
static void warn_untraced_child(void *arg, const char *exe, const char *why)
{
	(void)arg;
	if (why && strcmp(why, KEKE_UNTRACED_NOTE) != 0)
		fprintf(stderr, "keke: %s ran untraced (%s): only its "
			"lifetime is in the trace\n", exe, why);
	else if (warn_untraceable(exe, exe, 0) == 0)
		fprintf(stderr, "keke: %s ran untraced: ld.so did not "
			"preload libkeke.so into it, so only its "
			"lifetime is in the trace\n", exe);
}

/* Set by SIGINT, SIGTERM or SIGHUP during the merge. */
static volatile sig_atomic_t interrupted;

/*
 * A damaged place the merge reports: printed with the trace dir named by
 * its path, where the merge, which reads it through the fd keke holds,
 * names it /proc/self/fd/N.
 */
static void report_damage(void *ctx, const char *msg)
{
	const struct keke_trace_dir *td = ctx;
	size_t n = strlen(td->fd_path);
	const char *hit;

	fputs("keke: damaged: ", stderr);
	while (n && (hit = strstr(msg, td->fd_path))) {
		fwrite(msg, 1, (size_t)(hit - msg), stderr);
		if (hit[n] == '/' || !hit[n])
			fputs(td->path, stderr);
		else
			fwrite(hit, 1, n, stderr);
		msg = hit + n;
	}
	fprintf(stderr, "%s\n", msg);
}

/* The CPUs this process may run on, which its command inherits. */
static int cpus_of_this_process(void)
{
	cpu_set_t set;

	return sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set)
							    : 0;
}

/*
 * Merges the trace dir @td into the outputs of @o, telling the merge how
 * the command @run ended and the run's @trace_id (a file of another is
 * not the run's, however many there are). Returns the merge result;
 * damage has been printed, and a failure too.
 */
static enum keke_merge_result merge_trace(const struct run_opts *o,
					  const struct keke_trace_dir *td,
					  const char *trace_id,
					  const char *cmd_path,
					  const struct run_result *run,
					  struct keke_merge_stats *stats)
{
	/* Read through the fd keke holds, not by a name that could have
	 * been taken over since. */
	const char *dirs[1] = { td->fd_path[0] ? td->fd_path : td->path };
	uint8_t id[16];
	struct keke_merge_options mo = {
		.dirs = dirs,
		.ndirs = 1,
		.json_sink = o->trace_sink,
		.json_path = o->json,
		.db_sink = &keke_sink_sqlite,
		.db_path = o->db,
		.on_damage = report_damage,
		.ctx = (void *)td,
		.progress = isatty(STDERR_FILENO) && !o->quiet,
		/* Only keke saw how the first process ended. */
		.have_root_status = true,
		.root_pid = run->pid,
		.root_status = run->status,
		.root_exe = cmd_path,
		.root_start_ns = run->start_ns,
		.root_end_ns = run->start_ns + run->elapsed_ns,
		.cpu_count = cpus_of_this_process(),
		.trace_id = keke_trace_id_parse(trace_id, id) == 0 ? id : NULL,
		.cancel = &interrupted,
	};
	char err[KEKE_MERGE_ERROR_MAX] = "";
	enum keke_merge_result res;
	unsigned lost;

	keke_catch_interrupts(&interrupted);
	res = keke_merge(&mo, stats, err);
	/* Each output lost on its own is named with its reason. */
	lost = keke_print_lost_outputs(o->json, o->db, stats);
	if (res == KEKE_MERGE_FAILED && lost)
		fputs("keke: MERGE FAILED, no trace written\n", stderr);
	else if (res == KEKE_MERGE_FAILED)
		fprintf(stderr, "keke: MERGE FAILED, no trace written: %s\n",
			err[0] ? err : "unknown error");
	return res;
}

/*
 * A run of more events than this writes Perfetto's format when no trace
 * output was named: as JSON (about 146 bytes an event) it would come
 * near the 256 MB that most viewers of JSON load. Estimated from the
 * record files, where the smallest event, a call on an fd, takes 32
 * bytes.
 */
#define BIG_RUN_EVENTS 1500000
#define RECORD_BYTES_PER_EVENT 32

/* Writes the trace of @td in Perfetto's format, and says so, when the run
 * is big and @o leaves the trace's name and format to keke. */
static void choose_trace_format(struct run_opts *o,
				const struct keke_trace_dir *td)
{
	static const char big_name[] = "keke.pftrace";
	char err[PATH_MAX + 256];
	uint64_t events;

	if (!o->json || o->trace_named)
		return;
	events = keke_trace_dir_record_bytes(td) / RECORD_BYTES_PER_EVENT;
	if (events <= BIG_RUN_EVENTS ||
	    keke_output_check(big_name, 0, err, sizeof(err)) != 0)
		return;
	o->json = big_name;
	o->trace_sink = &keke_sink_perfetto;
	fprintf(stderr, "keke: about %.1f million events: writing %s "
		"(Perfetto's format) rather than keke.json, which few viewers "
		"load at this size (-o keke.json writes it anyway)\n",
		(double)events / 1e6, big_name);
}

/*
 * Finds what `keke run` needs before it makes its trace dir: libkeke.so
 * into @preload (PATH_MAX), the outputs of @o writable, and the command
 * of @o (into @cmd_path, PATH_MAX), warning when it will run untraced.
 * Returns -1 when all is there, else the exit status to return after
 * printing why: 1, or as a shell's for a command it cannot run (127 not
 * found, 126 not runnable).
 */
static int prepare_run(const struct run_opts *o, char *preload,
		       char *cmd_path)
{
	char perr[KEKE_FIND_PRELOAD_ERROR_MAX];
	int e;

	if (keke_find_preload(preload, PATH_MAX, perr) != 0) {
		fprintf(stderr, "keke: %s\n", perr);
		return KEKE_EXIT_FAILURE;
	}
	if (keke_check_merge_outputs(o->json, o->db) != 0)
		return KEKE_EXIT_FAILURE;
	e = resolve_command(o->cmd[0], cmd_path);
	if (e == ENOENT && !strchr(o->cmd[0], '/')) {
		fprintf(stderr, "keke: %s: command not found\n", o->cmd[0]);
		return 127;
	}
	if (e) {
		fprintf(stderr, "keke: %s: %s\n", o->cmd[0], strerror(e));
		return e == ENOENT ? 127 : 126;
	}
	warn_untraceable(o->cmd[0], cmd_path, 0);
	return -1;
}

/*
 * After the merge ended with @merged: keeps the trace dir @td when @keep
 * asks for it, or when the merge could not write all the outputs (`keke
 * merge` can retry from it), saying where; else removes it. Closes its
 * fds either way.
 */
static void keep_or_remove_trace_dir(struct keke_trace_dir *td, bool keep,
				     enum keke_merge_result merged)
{
	if (keep) {
		fprintf(stderr, "keke: trace dir kept: %s\n", td->path);
		keke_trace_dir_close(td);
	} else if (merged == KEKE_MERGE_FAILED ||
		   merged == KEKE_MERGE_INCOMPLETE) {
		fprintf(stderr, "keke: the record files are kept in %s; "
			"retry with: keke merge %s\n", td->path, td->path);
		keke_trace_dir_close(td);
	} else {
		keke_trace_dir_remove(td);
	}
}

/* Says on stderr how many processes of the merge (@stats) could not write
 * their record file, and why the first could not. */
static void warn_unrecorded(const struct keke_merge_stats *stats)
{
	uint64_t n = stats->unrecorded;
	int e = stats->unrecorded_errno;

	if (!n)
		return;
	fprintf(stderr, "keke: %" PRIu64 " %s could not write %s record "
		"file%s%s%s: the trace shows %s without %s calls\n", n,
		keke_plural(n, "process", "processes"),
		n == 1 ? "its" : "their",
		!e ? "" : n > 1 ? " (the first: " : " (",
		e ? strerror(e) : "", e ? ")" : "",
		n == 1 ? "it" : "them", n == 1 ? "its" : "their");
}

/*
 * Sends the run to the OTLP endpoint @o names, if any, from the database
 * the merge wrote (@stats). Returns 0, or -1 after saying why not.
 */
static int export_run(const struct run_opts *o,
		      const struct keke_merge_stats *stats)
{
	struct keke_otlp_target t = {
		.endpoint = o->otlp_endpoint,
		.min_dur_ns = KEKE_OTLP_MIN_DUR_NS,
		.quiet = o->quiet,
	};

	if (!o->otlp_endpoint)
		return 0;
	if (!stats->db.written) {
		fprintf(stderr, "keke: spans NOT sent to OTLP endpoint %s: no "
			"database was written\n", o->otlp_endpoint);
		return -1;
	}
	return keke_otlp_send(o->db, &t);
}

int keke_cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	struct run_result res = { 0 };
	struct keke_merge_stats stats = { 0 };
	enum keke_merge_result merged = KEKE_MERGE_OK;
	char preload[PATH_MAX], cmd_path[PATH_MAX];
	struct run_context ctx;
	struct keke_trace_dir dir;
	bool do_merge;
	int status, exported;

	status = parse_args(argc, argv, &o);
	if (status >= 0)
		return status;
	status = prepare_run(&o, preload, cmd_path);
	if (status >= 0)
		return status;
	if (keke_run_context(o.traceparent, &ctx) != 0 ||
	    keke_trace_dir_make(o.parent, &dir) != 0)
		return KEKE_EXIT_FAILURE;

	if (run_command(&o, dir.path, &ctx, preload, &res) != 0) {
		keke_trace_dir_remove(&dir);
		return KEKE_EXIT_FAILURE;
	}
	if (res.exec_errno) {
		fprintf(stderr, "keke: %s: %s\n", o.cmd[0],
			strerror(res.exec_errno));
		keke_trace_dir_remove(&dir);
		return res.exec_errno == ENOENT ? 127 : 126;
	}
	status = exit_status_of(res.status);
	wait_for_leftovers(command_name(&o), o.wait_s, o.quiet, &res.orphans);

	do_merge = o.json || o.db;
	choose_trace_format(&o, &dir);
	if (do_merge)
		merged = merge_trace(&o, &dir, ctx.trace_id, cmd_path, &res,
				     &stats);
	keep_or_remove_trace_dir(&dir, o.keep, merged);
	if (!o.quiet)
		print_summary(&o, &res, &stats,
			      do_merge && merged != KEKE_MERGE_FAILED);
	if (!o.quiet && stats.json.written && o.trace_sink == &keke_sink_json)
		keke_advise_big_json(o.json);
	if (stats.db.written && stats.untraced > stats.unrecorded)
		keke_report_untraced(o.db, cmd_path, warn_untraced_child, NULL);
	if (merged != KEKE_MERGE_FAILED) {
		warn_unrecorded(&stats);
		keke_print_partial(&stats);
	}
	exported = export_run(&o, &stats);
	/* The command's status wins; a lost output must not look like
	 * success either. */
	if ((merged == KEKE_MERGE_FAILED ||
	     merged == KEKE_MERGE_INCOMPLETE || exported != 0) && status == 0)
		return KEKE_EXIT_FAILURE;
	return status;
}
