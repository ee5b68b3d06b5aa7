// SPDX-License-Identifier: MIT
/*
 * The calls that make, copy or retire fds, and those that copy bytes
 * between fds (preload/fds.c, preload/copy.c), as the record files hold
 * them: tests/progs/fd_calls prints each call it made with its arguments,
 * result and errno, and its records must be exactly those, field by field
 * and no field more, in the same order; every spelling records the same
 * events; the program's output and exit status are what they are without
 * keke. Also: a root process's start tells what its fds 0-2 are.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "record/reader.h"

TEST_SCRATCH_DIR

/* The record files of the trace dir @trace, as "trace/name" (malloc'd),
 * into @paths; returns how many. */
static int record_files(const char *trace, char **paths, int max)
{
	DIR *d = opendir(trace);
	struct dirent *e;
	int n = 0;

	cr_assert(d, "cannot list %s", trace);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);

		if (len < 3 || strcmp(e->d_name + len - 3, ".kr"))
			continue;
		cr_assert_lt(n, max, "more than %d record files in %s", max,
			     trace);
		paths[n++] = fmt("%s/%s", trace, e->d_name);
	}
	closedir(d);
	return n;
}

/* Runs `@env LD_PRELOAD=libkeke.so KEKE_DIR=@trace @cmd` (made first);
 * returns its exit code, with its stdout in *o. */
static int run_traced(const char *trace, const char *env, const char *cmd,
		      char **o)
{
	char *full = fmt("%s KEKE_DIR='%s' LD_PRELOAD='%s' %s", env, trace,
			 test_preload(), cmd);
	int code;

	cr_assert_eq(mkdir(trace, 0700), 0);
	code = test_exit_code(test_sh(full, o, NULL));
	free(full);
	return code;
}

/* The value of a printed "key=value" pair: the rest of the line up to the
 * next " word=" (a name such as "/tmp/#12 (deleted)" has spaces). Cuts
 * the line there and returns where the next pair starts, or NULL. */
static char *split_pair(char *kv)
{
	for (char *sp = strchr(kv, ' '); sp; sp = strchr(sp + 1, ' ')) {
		char *eq = strchr(sp + 1, '=');
		char *next_sp = strchr(sp + 1, ' ');

		if (eq && (!next_sp || eq < next_sp)) {
			*sp = '\0';
			return sp + 1;
		}
	}
	return NULL;
}

/* Checks field @key = @want of record @rec (of call @n, @name). */
static void expect_field(const struct keke_record *rec, int n,
			 const char *name, const char *key, const char *want)
{
	const struct keke_field *f = NULL;

	if (!strcmp(key, "errno")) {
		cr_assert_eq(rec->err, atoi(want), "call %d (%s): errno %u "
			     "recorded, the program saw %s", n, name,
			     rec->err, want);
		return;
	}
	for (unsigned i = 0; i < rec->nfields && !f; i++)
		if (keke_key_name(rec->fields[i].key) &&
		    !strcmp(keke_key_name(rec->fields[i].key), key))
			f = &rec->fields[i];
	cr_assert(f, "call %d (%s): no field %s (the program saw %s)", n,
		  name, key, want);
	if (f->is_str)
		cr_assert(strlen(want) == f->len &&
			  !memcmp(f->s, want, f->len),
			  "call %d (%s): %s is \"%.*s\", the program saw "
			  "\"%s\"", n, name, key, (int)f->len, f->s, want);
	else
		cr_assert_eq(f->i, strtoll(want, NULL, 10), "call %d (%s): "
			     "%s is %lld, the program saw %s", n, name, key,
			     (long long)f->i, want);
}

/* Whether field @key is one every slice may have besides its arguments. */
static bool is_slice_field(unsigned key)
{
	return key == KEKE_KEY_DUR || key == KEKE_KEY_STACK_ID;
}

/*
 * Checks printed line @line ("name key=value ...") against slice @rec,
 * call @n: its name, each value, and no field that the line does not
 * name.
 */
static void expect_record(char *line, const struct keke_record *rec, int n)
{
	char *name = line, *kv = split_pair(line);
	unsigned named = 0, extra = 0;

	cr_assert_str_eq(keke_call_name(rec->name), name, "call %d: recorded "
			 "%s, the program made %s", n, keke_call_name(rec->name),
			 name);
	while (kv) {
		char *next = split_pair(kv), *eq = strchr(kv, '=');

		cr_assert(eq, "bad program output: %s", kv);
		*eq = '\0';
		expect_field(rec, n, name, kv, eq + 1);
		named += strcmp(kv, "errno") != 0;
		kv = next;
	}
	for (unsigned i = 0; i < rec->nfields; i++)
		extra += !is_slice_field(rec->fields[i].key);
	cr_assert_eq(extra, named, "call %d (%s): %u fields recorded, the "
		     "program named %u", n, name, extra, named);
}

/* Whether slice @rec is a call of the file or net family. */
static bool is_fd_family(const struct keke_record *rec)
{
	const char *cat = keke_call_category(rec->name);

	return rec->type == KEKE_REC_SLICE && cat &&
	       (!strcmp(cat, "file") || !strcmp(cat, "net"));
}

/*
 * Checks the calls @printed says were made (one line each, '#' lines
 * skipped) against the file and net slices of the main thread in record
 * file @path, in order, and that nothing was dropped.
 */
static void expect_records(const char *printed, const char *path)
{
	char err[KEKE_ERROR_MAX], *copy = strdup(printed), *save = NULL;
	char *line = strtok_r(copy, "\n", &save);
	struct keke_reader r;
	struct keke_record rec;
	int n = 0, got;

	cr_assert_eq(keke_reader_open(&r, path, err), 0, "%s", err);
	while ((got = keke_reader_next(&r, &rec, err)) != 0) {
		cr_assert_eq(got, 1, "%s", err);
		if (!is_fd_family(&rec) || rec.tid != (int32_t)r.hdr.pid)
			continue;
		while (line && line[0] == '#')
			line = strtok_r(NULL, "\n", &save);
		cr_assert(line, "recorded %s after the %d calls the program "
			  "made", keke_call_name(rec.name), n);
		expect_record(line, &rec, ++n);
		line = strtok_r(NULL, "\n", &save);
	}
	while (line && line[0] == '#')
		line = strtok_r(NULL, "\n", &save);
	cr_assert_null(line, "not recorded: %s (after %d calls)", line, n);
	cr_assert_eq(r.hdr.dropped, 0, "%llu events dropped",
		     (unsigned long long)r.hdr.dropped);
	keke_reader_close(&r);
	free(copy);
}

/* Whether @printed has the line @line. */
static bool has_line(const char *printed, const char *line)
{
	const char *p = strstr(printed, line);

	return p && (p == printed || p[-1] == '\n') &&
	       (p[strlen(line)] == '\n' || !p[strlen(line)]);
}

/* Runs fd_calls build @prog traced, in a fresh dir, and checks its one
 * record file against what it printed; returns that output. */
static char *run_fd_calls(const char *prog)
{
	const char *trace = test_path(out, fmt("%s.trace", prog));
	char *dir = strdup(test_path(out, prog)), *o = NULL, *cmd, *path;

	cr_assert_eq(mkdir(dir, 0700), 0);
	cmd = fmt("'%s' '%s'", test_prog(prog), dir);
	cr_assert_eq(run_traced(trace, "", cmd, &o), 0, "%s failed", prog);
	cr_assert_eq(record_files(trace, &path, 1), 1);
	expect_records(o, path);
	cr_assert(has_line(o, "# errno_kept=1"), "%s: a successful dup "
		  "changed errno:\n%s", prog, o);
	cr_assert(has_line(o, "# closed=1"), "%s: closefrom left an fd "
		  "open:\n%s", prog, o);
	free(path);
	free(cmd);
	free(dir);
	return o;
}

/* @printed with the made-up names (mkstemp, mkdtemp, tmpfile), the dir
 * and the time a lock waited written "*", so that two runs compare. */
static char *normalized(const char *printed, const char *dir)
{
	size_t dlen = strlen(dir);
	char *r = malloc(strlen(printed) + 1), *w = r;

	cr_assert(r);
	for (const char *p = printed; *p;) {
		bool made = !strncmp(p, "mk", 2) || !strncmp(p, "tmpfile", 7);
		const char *eol = strchrnul(p, '\n');
		const char *v = made ? strstr(p, " path=") : NULL;

		if (!strncmp(p, "# lock_wait_ns=", 15)) {
			w = stpcpy(w, "# lock_wait_ns=*");
			p = eol;
			continue;
		}

		if (v && v < eol) {
			const char *rest = strstr(v, " result=");

			memcpy(w, p, (size_t)(v - p));
			w += v - p;
			w = stpcpy(w, " path=*");
			p = rest;
			continue;
		}
		if (!strncmp(p, dir, dlen)) {
			*w++ = '*';
			p += dlen;
			continue;
		}
		/* A pipe's or socket's inode differs from run to run. */
		if (!strncmp(p, " inode=", 7) || !strncmp(p, " inode2=", 8)) {
			const char *eq = strchr(p, '=');

			memcpy(w, p, (size_t)(eq - p));
			w = stpcpy(w + (eq - p), "=*");
			p = eq + 1 + strspn(eq + 1, "0123456789");
			continue;
		}
		*w++ = *p++;
	}
	*w = '\0';
	return r;
}

TestSuite(fds, .init = setup, .fini = teardown, .timeout = 240);

Test(fds, every_call_is_recorded_with_its_fields)
{
	free(run_fd_calls("fd_calls"));
}

/* With -D_FILE_OFFSET_BITS=64 a program calls fcntl64, mkstemp64,
 * tmpfile64, sendfile64...: the same events. */
Test(fds, large_file_spellings_record_the_same_events)
{
	static const char *const spellings[] = {
		"fcntl64", "mkstemp64", "mkostemp64", "mkstemps64",
		"mkostemps64", "tmpfile64", "sendfile64",
	};
	char *plain = run_fd_calls("fd_calls");
	char *lfs = run_fd_calls("fd_calls_lfs");
	char *a = normalized(plain, test_path(out, "fd_calls"));
	char *b = normalized(lfs, test_path(out, "fd_calls_lfs"));

	for (size_t i = 0; i < sizeof(spellings) / sizeof(*spellings); i++) {
		char *cmd = fmt("nm -D --undefined-only '%s' | grep -qw %s",
				test_prog("fd_calls_lfs"), spellings[i]);

		cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0,
			     "fd_calls_lfs does not call %s", spellings[i]);
		free(cmd);
	}
	cr_assert_str_eq(b, a, "fd_calls_lfs made other calls than fd_calls");
	free(a);
	free(b);
	free(plain);
	free(lfs);
}

/* The lines of @printed that are calls of @name. */
static int64_t lines_named(const char *printed, const char *name)
{
	char *want = fmt("%s ", name);
	int64_t n = 0;

	for (const char *p = printed; *p; p = strchrnul(p, '\n'), p += !!*p)
		n += !strncmp(p, want, strlen(want));
	free(want);
	return n;
}

/* The slice of fd_calls's F_OFD_SETLKW, which waited for a lock
 * (printed in @printed as "# lock_wait_ns=N"), lasts that wait. */
static void expect_lock_wait(const char *db, const char *printed)
{
	const char *at = strstr(printed, "# lock_wait_ns=");
	char *sql = fmt("SELECT s.dur FROM slice s JOIN args a ON "
			"a.arg_set_id = s.arg_set_id WHERE s.name = 'fcntl' "
			"AND a.key = 'cmd' AND a.int_value = %d", F_OFD_SETLKW);
	long long waited, dur;

	cr_assert(at, "fd_calls did not say how long its lock waited");
	waited = atoll(at + strlen("# lock_wait_ns="));
	cr_assert_geq(waited, 100000000, "the lock was held %lld ns, not "
		      "200 ms", waited);
	dur = test_db_int(db, sql);
	cr_expect(dur >= waited * 9 / 10 && dur <= waited, "the lock's "
		  "fcntl took %lld ns, the program waited %lld ns", dur,
		  waited);
	free(sql);
}

/* Under keke run the program prints what it prints bare, exits as it
 * does bare, and each of its calls is a slice of the database. */
Test(fds, the_program_sees_what_it_sees_bare)
{
	const char *dir = test_path(out, "d");
	char *db = strdup(test_path(out, "t.db"));
	char *bare = NULL, *traced = NULL, *cmd, *a, *b, *save = NULL;
	int bare_code, code;

	cr_assert_eq(mkdir(dir, 0700), 0);
	cmd = fmt("'%s' '%s'", test_prog("fd_calls"), dir);
	bare_code = test_exit_code(test_sh(cmd, &bare, NULL));
	free(cmd);
	cmd = fmt("'%s' run -q -o '%s' --db '%s' -- '%s' '%s'",
		  test_keke_bin(), test_path(out, "t.json"), db,
		  test_prog("fd_calls"), dir);
	code = test_exit_code(test_sh(cmd, &traced, NULL));
	cr_assert_eq(code, bare_code, "exit %d under keke, %d bare", code,
		     bare_code);
	a = normalized(bare, dir);
	b = normalized(traced, dir);
	cr_assert_str_eq(b, a, "the output differs under keke");
	for (char *line = strtok_r(a, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *name = line, *sql;
		int64_t calls;

		if (name[0] == '#')
			continue;
		*strchrnul(name, ' ') = '\0';
		calls = lines_named(bare, name);
		sql = fmt("SELECT count(*) FROM slice s JOIN thread_track tt "
			  "ON tt.id = s.track_id JOIN thread t ON t.utid = "
			  "tt.utid JOIN process p ON p.upid = t.upid WHERE "
			  "t.tid = p.pid AND s.name = '%s'", name);
		cr_expect_eq(test_db_int(db, sql), calls, "%s: %lld slices "
			     "on the main thread for %lld calls", name,
			     (long long)test_db_int(db, sql), (long long)calls);
		free(sql);
	}
	expect_lock_wait(db, traced);
	free(cmd);
	free(a);
	free(b);
	free(bare);
	free(traced);
	free(db);
}

/* Counts the slices of the one record file of @trace: socketpair's in
 * *socketpairs, the others in *others. */
static void count_slices(const char *trace, int *socketpairs, int *others)
{
	char *path, err[KEKE_ERROR_MAX];
	struct keke_reader r;
	struct keke_record rec;
	int got;

	*socketpairs = *others = 0;
	cr_assert_eq(record_files(trace, &path, 1), 1);
	cr_assert_eq(keke_reader_open(&r, path, err), 0, "%s", err);
	while ((got = keke_reader_next(&r, &rec, err)) == 1) {
		if (rec.type != KEKE_REC_SLICE)
			continue;
		if (rec.name == KEKE_CALL_SOCKETPAIR)
			(*socketpairs)++;
		else
			(*others)++;
	}
	cr_assert_eq(got, 0, "%s", err);
	keke_reader_close(&r);
	free(path);
}

/* socketpair is of the net family, the others of the file family. */
Test(fds, keke_trace_chooses_their_families)
{
	const char *dir = test_path(out, "d");
	const char *net = test_path(out, "net"), *file = test_path(out, "file");
	char *cmd = fmt("'%s' '%s'", test_prog("fd_calls"), dir), *o = NULL;
	int socketpairs, others;

	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(run_traced(net, "KEKE_TRACE=net", cmd, &o), 0);
	free(o);
	cr_assert_eq(run_traced(file, "KEKE_TRACE=file", cmd, &o), 0);
	free(o);
	count_slices(net, &socketpairs, &others);
	cr_expect_eq(socketpairs, 2, "KEKE_TRACE=net: %d socketpair slices",
		     socketpairs);
	cr_expect_eq(others, 0, "KEKE_TRACE=net: %d file slices", others);
	count_slices(file, &socketpairs, &others);
	cr_expect_eq(socketpairs, 0, "KEKE_TRACE=file: %d socketpair slices",
		     socketpairs);
	cr_expect_gt(others, 100, "KEKE_TRACE=file: only %d file slices",
		     others);
	free(cmd);
}

/* The string field @key of @rec as a malloc'd string, or NULL. */
static char *str_field(const struct keke_record *rec, unsigned key)
{
	const struct keke_field *f = keke_record_str(rec, key);

	return f ? strndup(f->s, f->len) : NULL;
}

/*
 * Each image tells in its start what fds 0, 1 and 2 are, as the kernel
 * names them: the root's came from outside, and a vfork or posix_spawn
 * child may have changed them unseen before its exec.
 */
Test(fds, each_image_names_its_standard_fds)
{
	const char *trace = test_path(out, "trace");
	char *outfile = strdup(test_path(out, "o.txt")), real[PATH_MAX];
	char *cmd, *paths[4], err[KEKE_ERROR_MAX];
	int n, roots = 0, children = 0;

	/* stdin /dev/null, stdout a file, stderr a pipe into cat. */
	cmd = fmt("sh -c '%s 0 exit; %s 0 exit' </dev/null 2>&1 >'%s' | cat",
		  test_prog("exit_status"), test_prog("exit_status"),
		  outfile);
	cr_assert_eq(run_traced(trace, "", cmd, NULL), 0);
	cr_assert(realpath(outfile, real));
	n = record_files(trace, paths, 4);
	for (int i = 0; i < n; i++) {
		struct keke_reader r;
		struct keke_record rec;

		cr_assert_eq(keke_reader_open(&r, paths[i], err), 0, "%s",
			     err);
		while (keke_reader_next(&r, &rec, err) == 1) {
			char *in, *o, *e;

			if (rec.type != KEKE_REC_PROCESS_START)
				continue;
			in = str_field(&rec, KEKE_KEY_STDIN);
			o = str_field(&rec, KEKE_KEY_STDOUT);
			e = str_field(&rec, KEKE_KEY_STDERR);
			cr_expect_str_eq(in, "/dev/null");
			cr_expect_str_eq(o, real);
			cr_expect(e && !strncmp(e, "pipe:[", 6),
				  "stderr is %s, not a pipe", e);
			if (r.hdr.flow_in)
				children++;
			else
				roots++;
			free(in);
			free(o);
			free(e);
		}
		keke_reader_close(&r);
		free(paths[i]);
	}
	cr_assert_eq(roots, 1, "%d root processes", roots);
	cr_assert_geq(children, 2, "%d started processes", children);
	free(cmd);
	free(outfile);
}

/* A closed standard fd has an empty name. */
Test(fds, a_closed_standard_fd_has_an_empty_name)
{
	const char *trace = test_path(out, "trace");
	char *cmd = fmt("'%s' 0 exit <&- >/dev/null 2>/dev/null",
			test_prog("exit_status"));
	char *paths[1], err[KEKE_ERROR_MAX];
	struct keke_reader r;
	struct keke_record rec;
	bool found = false;

	cr_assert_eq(run_traced(trace, "", cmd, NULL), 0);
	cr_assert_eq(record_files(trace, paths, 1), 1);
	cr_assert_eq(keke_reader_open(&r, paths[0], err), 0, "%s", err);
	while (!found && keke_reader_next(&r, &rec, err) == 1) {
		char *o, *e;

		if (rec.type != KEKE_REC_PROCESS_START)
			continue;
		found = true;
		o = str_field(&rec, KEKE_KEY_STDOUT);
		e = str_field(&rec, KEKE_KEY_STDERR);
		cr_expect(keke_record_str(&rec, KEKE_KEY_STDIN) &&
			  !keke_record_str(&rec, KEKE_KEY_STDIN)->len);
		cr_expect_str_eq(o, "/dev/null");
		cr_expect_str_eq(e, "/dev/null");
		free(o);
		free(e);
	}
	cr_assert(found, "no process start recorded");
	keke_reader_close(&r);
	free(paths[0]);
	free(cmd);
}
