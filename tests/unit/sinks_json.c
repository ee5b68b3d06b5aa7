// SPDX-License-Identifier: MIT
/*
 * The JSON sink and its string escaping: hand-made processes, threads,
 * slices and flows go through the sink ops into a temporary dir, and the
 * output is checked byte by byte here and strictly by check_trace.py.
 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/json_escape.h"
#include "sinks/sink.h"

static const struct keke_sink_ops *ops = &keke_sink_json;

/* ---- checking output ---------------------------------------------------- */

/*
 * Offset of the first byte of @s that is not well-formed UTF-8, or -1.
 * Decodes each code point and rejects overlong forms, surrogates and
 * values above U+10FFFF (a different method from the sink's).
 */
static long utf8_error_at(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len, k;
		uint32_t cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			len = 2;
			cp = c & 0x1f;
		} else if ((c & 0xf0) == 0xe0) {
			len = 3;
			cp = c & 0x0f;
		} else if ((c & 0xf8) == 0xf0) {
			len = 4;
			cp = c & 0x07;
		} else {
			return (long)i;
		}
		if (i + len > n)
			return (long)i;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (long)i;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (long)i;
		i += len;
	}
	return -1;
}

/* Runs check_trace.py @opts on @path and fails the test with its report
 * unless it accepts the file. */
static void check_trace(const char *path, const char *opts)
{
	const char *src = getenv("KEKE_TESTS_SRC");
	char *cmd, *out = NULL, *err = NULL;
	int status;

	cr_assert(src && *src,
		  "KEKE_TESTS_SRC is not set: run with meson test");
	cr_assert(asprintf(&cmd, "python3 '%s/check_trace.py' %s '%s'", src,
			   opts ? opts : "", path) > 0);
	status = test_sh(cmd, &out, &err);
	cr_assert(test_exit_code(status) == 0,
		  "check_trace.py rejected %s:\n%s%s", path, out ? out : "",
		  err ? err : "");
	cr_assert(out && strncmp(out, "ok: ", 4) == 0, "unexpected: %s", out);
	free(cmd);
	free(out);
	free(err);
}

/* Reads @path, checks it is valid UTF-8 with no raw control byte other
 * than the newlines between events, and returns it (caller frees). */
static char *read_output(const char *path)
{
	size_t len, i;
	char *text = test_read_file(path, &len);
	long bad;

	cr_assert(text, "%s was not written", path);
	bad = utf8_error_at((const unsigned char *)text, len);
	cr_assert(bad < 0, "%s: invalid UTF-8 at byte %ld", path, bad);
	for (i = 0; i < len; i++)
		cr_assert(((unsigned char)text[i] >= 0x20 && text[i] != 0x7f) ||
			  text[i] == '\n',
			  "%s: raw control byte 0x%02x at %zu", path,
			  (unsigned char)text[i], i);
	return text;
}

/* Number of entries of @dir other than . and .. */
static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert(d, "opendir %s: %s", dir, strerror(errno));
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Whether any entry of @dir has ".tmp-" in its name. */
static bool has_temporary(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	cr_assert(d, "opendir %s: %s", dir, strerror(errno));
	while ((e = readdir(d)))
		if (strstr(e->d_name, ".tmp-"))
			found = true;
	closedir(d);
	return found;
}

/* ---- making input ------------------------------------------------------- */

static void *open_sink(const char *path)
{
	char err[KEKE_SINK_ERROR_MAX] = "";
	void *s = ops->open(path, err);

	cr_assert(s, "open %s: %s", path, err);
	return s;
}

static void finish_sink(void *s)
{
	char err[KEKE_SINK_ERROR_MAX] = "";

	cr_assert_eq(ops->finish(s, err), 0, "finish: %s", err);
}

static void put_slice(void *s, int pid, int tid, int64_t ts, int64_t dur,
		      const char *cat, const char *name,
		      const struct keke_arg *args, unsigned nargs)
{
	static int64_t id;
	struct keke_slice sl = {
		.id = ++id, .utid = tid, .pid = pid, .tid = tid,
		.ts_ns = ts, .dur_ns = dur, .category = cat, .name = name,
		.nargs = nargs, .args = args,
	};

	cr_assert_eq(ops->slice(s, &sl), 0, "slice: %s",
		  ops->last_error(s));
}

static void put_process(void *s, int64_t upid, int pid, const char *name,
			bool killed, bool untraced)
{
	struct keke_process p = {
		.upid = upid, .pid = pid, .ppid = 1, .name = name,
		.cmdline = name, .exe = name, .cwd = "/",
		.killed = killed, .untraced = untraced,
	};

	cr_assert_eq(ops->process(s, &p), 0, "process: %s",
		  ops->last_error(s));
}

static void put_thread(void *s, int64_t utid, int64_t upid, int pid, int tid,
		       const char *name)
{
	struct keke_thread t = {
		.utid = utid, .tid = tid, .upid = upid, .pid = pid,
		.name = name, .is_main_thread = pid == tid,
	};

	cr_assert_eq(ops->thread(s, &t), 0, "thread: %s",
		  ops->last_error(s));
}

static void put_flow(void *s, int64_t id, int out_pid, int out_tid,
		     int64_t out_ts, int in_pid, int in_tid, int64_t in_ts,
		     const char *cat, const char *name)
{
	struct keke_flow f = {
		.id = id, .slice_out = 1, .slice_in = 2,
		.out_pid = out_pid, .out_tid = out_tid, .out_ts_ns = out_ts,
		.in_pid = in_pid, .in_tid = in_tid, .in_ts_ns = in_ts,
		.category = cat, .name = name,
	};

	cr_assert_eq(ops->flow(s, &f), 0, "flow: %s",
		  ops->last_error(s));
}

/*
 * A small run: make (pid 100) forks cc (200, two threads) and a shell
 * (300) that was killed; nested slices arrive in the order they ended
 * (children first); two flows link slices of their own category (Chrome
 * DevTools binds a flow only to slices of its cat).
 */
static void write_sample(void *s)
{
	struct keke_arg args[] = {
		{ .key = "path", .is_str = true, .s = "/tmp/a.c", .len = 8 },
		{ .key = "fd", .i = 3 },
		{ .key = "bytes", .i = -1 },
	};

	cr_assert_eq(ops->metadata(s, "trace_id", "0123abcd", 0), 0);
	cr_assert_eq(ops->metadata(s, "host", NULL, 7), 0);
	put_slice(s, 100, 100, 2000, 500, "proc", "fork", NULL, 0);
	put_slice(s, 100, 100, 1000, 9000, "process", "make", NULL, 0);
	put_slice(s, 200, 200, 3000, 100, "thread", "pthread_create", args, 3);
	put_slice(s, 200, 200, 3100, 200, "file", "read", args + 1, 2);
	put_slice(s, 200, 200, 2500, 5000, "process", "cc", NULL, 0);
	put_slice(s, 200, 201, 4000, 1000, "sync", "nanosleep", NULL, 0);
	put_slice(s, 200, 201, 3500, 3000, "thread", "worker", NULL, 0);
	put_slice(s, 300, 300, 6000, 1, "process", "sh", NULL, 0);
	put_process(s, 1, 100, "make", false, false);
	put_process(s, 2, 200, "cc", false, false);
	put_process(s, 3, 300, "sh", true, false);
	put_thread(s, 1, 1, 100, 100, NULL);
	put_thread(s, 2, 2, 200, 200, NULL);
	put_thread(s, 3, 2, 200, 201, "worker");
	put_thread(s, 4, 3, 300, 300, NULL);
	put_flow(s, 1, 100, 100, 1000, 200, 200, 2500, "process", "fork");
	put_flow(s, 2, 200, 200, 3000, 200, 201, 3500, "thread",
		 "pthread_create");
}

/* ---- the sink ----------------------------------------------------------- */

Test(sink_json, sample_run_passes_strict_check)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	void *s = open_sink(path);
	char *text;

	write_sample(s);
	finish_sink(s);
	text = read_output(path);
	cr_assert(strncmp(text, "[\n{\"ph\":", 8) == 0,
		  "does not start with a real event:\n%s", text);
	cr_assert(strstr(text, "}\n]\n") && !strstr(text, ",\n]"),
		  "bad end of array:\n%s", text);
	cr_assert(strstr(text, "\"args\":{\"path\":\"/tmp/a.c\",\"fd\":3,"
			       "\"bytes\":-1}"),
		  "slice args missing:\n%s", text);
	check_trace(path, "--expect-flows 2 --expect-slices 8 "
			  "--expect-processes 3");
	free(text);
	test_rm_rf(dir);
	free(dir);
}

Test(sink_json, names_processes_and_threads)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	void *s = open_sink(path);
	char *text;

	write_sample(s);
	put_process(s, 4, 400, "gone", false, true);
	put_process(s, 5, 500, NULL, false, false);
	put_thread(s, 5, 5, 500, 501, NULL);
	finish_sink(s);
	text = read_output(path);
	cr_assert(strstr(text, "\"name\":\"process_name\",\"pid\":300,"
			       "\"ts\":0,\"args\":{\"name\":\"sh [killed]\"}"),
		  "killed process not marked:\n%s", text);
	cr_assert(strstr(text, "{\"name\":\"gone [untraced]\"}"), "%s", text);
	cr_assert(strstr(text, "{\"name\":\"process 500\"}"), "%s", text);
	cr_assert(strstr(text, "\"name\":\"process_sort_index\",\"pid\":200,"
			       "\"ts\":0,\"args\":{\"sort_index\":2}"),
		  "%s", text);
	/* A main thread without a name takes its process's. */
	cr_assert(strstr(text, "\"name\":\"thread_name\",\"pid\":200,"
			       "\"tid\":200,\"ts\":0,"
			       "\"args\":{\"name\":\"cc\"}"),
		  "%s", text);
	cr_assert(strstr(text, "\"tid\":201,\"ts\":0,\"args\":"
			       "{\"name\":\"worker\"}"), "%s", text);
	cr_assert(strstr(text, "{\"name\":\"thread 501\"}"), "%s", text);
	cr_assert(strstr(text, "\"name\":\"thread_sort_index\",\"pid\":200,"
			       "\"tid\":200,\"ts\":0,\"args\":"
			       "{\"sort_index\":-1}"), "%s", text);
	cr_assert(!strstr(text, "trace_id") && !strstr(text, "0123abcd"),
		  "metadata must not become a non-event:\n%s", text);
	check_trace(path, NULL);
	free(text);
	test_rm_rf(dir);
	free(dir);
}

Test(sink_json, empty_names_and_categories_are_filled)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	void *s = open_sink(path);
	struct keke_arg arg = { .key = "", .is_str = true, .s = NULL };
	char *text;

	put_slice(s, 1, 1, 0, 10, "", "", &arg, 1);
	put_slice(s, 1, 1, 20, 10, NULL, NULL, NULL, 0);
	put_flow(s, 9, 1, 1, 0, 1, 1, 20, NULL, "");
	finish_sink(s);
	text = read_output(path);
	cr_assert(strstr(text, "\"cat\":\"other\",\"name\":\"unnamed\""),
		  "%s", text);
	cr_assert(strstr(text, "\"args\":{\"arg\":\"\"}"), "%s", text);
	cr_assert(strstr(text, "\"cat\":\"flow\",\"name\":\"flow\""),
		  "%s", text);
	check_trace(path, "--expect-flows 1 --any-flow-cat");
	free(text);
	test_rm_rf(dir);
	free(dir);
}

/* ts and dur: microseconds, at most 3 decimals, no exponent, clamped. */
Test(sink_json, times_in_microseconds)
{
	static const struct {
		int64_t ns;
		const char *text;
	} cases[] = {
		{ 0, "0" },
		{ 1, "0.001" },
		{ 10, "0.01" },
		{ 999, "0.999" },
		{ 1000, "1" },
		{ 1500, "1.5" },
		{ 1230, "1.23" },
		{ 1001, "1.001" },
		{ 1234567891, "1234567.891" },
		{ 86400000000000000, "86400000000000" },
		{ INT64_MAX, "9223372036854775.807" },
		{ -1, "0" },
		{ INT64_MIN, "0" },
	};
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	void *s = open_sink(path);
	char *text, want[128];
	size_t i, n = sizeof(cases) / sizeof(cases[0]);

	for (i = 0; i < n; i++)
		put_slice(s, 10, (int)(1000 + i), cases[i].ns, cases[i].ns,
			  "t", "t", NULL, 0);
	finish_sink(s);
	text = read_output(path);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "\"tid\":%d,\"ts\":%s,\"dur\":%s}",
			 (int)(1000 + i), cases[i].text, cases[i].text);
		cr_assert(strstr(text, want), "%lld ns: no %s in\n%s",
			  (long long)cases[i].ns, want, text);
	}
	check_trace(path, NULL);
	free(text);
	test_rm_rf(dir);
	free(dir);
}

/* Missing pids and tids (0 or negative) never reach the output, and every
 * event of one thread keeps landing on the same substitute. */
Test(sink_json, pid_and_tid_never_zero)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	void *s = open_sink(path);
	char *text;

	put_slice(s, 0, 0, 100, 10, "c", "no pid no tid", NULL, 0);
	put_slice(s, 7, 0, 100, 10, "c", "no tid", NULL, 0);
	put_slice(s, 7, -3, 200, 10, "c", "negative tid", NULL, 0);
	put_slice(s, -1, 9, 100, 10, "c", "negative pid", NULL, 0);
	put_process(s, 1, 0, "zero", false, false);
	put_process(s, 2, 7, "seven", false, false);
	put_thread(s, 1, 1, 0, 0, NULL);
	put_thread(s, 2, 2, 7, 0, NULL);
	put_flow(s, 1, 0, 0, 100, 7, 0, 200, "c", "f");
	put_flow(s, 2, 7, -3, 100, -1, 9, 100, "c", "f");
	finish_sink(s);
	text = read_output(path);
	cr_assert(!strstr(text, "\"pid\":0") && !strstr(text, "\"tid\":0"),
		  "pid or tid 0 written:\n%s", text);
	cr_assert(!strstr(text, "\"pid\":-") && !strstr(text, "\"tid\":-"),
		  "negative pid or tid written:\n%s", text);
	cr_assert(strstr(text, "\"name\":\"no tid\",\"pid\":7,\"tid\":7,"),
		  "a missing tid should become the pid:\n%s", text);
	check_trace(path, "--expect-flows 2");
	free(text);
	test_rm_rf(dir);
	free(dir);
}

/* Every byte value, in names and in string args, gives valid JSON and
 * valid UTF-8. */
Test(sink_json, every_byte_value)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	void *s = open_sink(path);
	char all[257], name[4], key[4];
	struct keke_arg args[257];
	int b, tid = 1;
	char *text;

	for (b = 0; b < 256; b++) {
		all[b] = (char)b;
		args[b] = (struct keke_arg){
			.key = "k", .is_str = true, .s = all + b, .len = 1,
		};
	}
	all[256] = '\0';	/* all + 1: every byte but NUL, as a C string */
	args[256] = (struct keke_arg){
		.key = "all", .is_str = true, .s = all, .len = 256,
	};
	/* One slice per byte, the byte in its name, cat and arg key. */
	for (b = 1; b < 256; b++) {
		name[0] = (char)b;
		name[1] = '\0';
		key[0] = 'k';
		key[1] = (char)b;
		key[2] = '\0';
		args[b].key = key;
		put_slice(s, 1, tid++, 0, 10, name, name, args + b, 1);
		put_thread(s, b, 1, 1, tid - 1, name);
	}
	put_slice(s, 1, tid++, 0, 10, "all", all + 1, args, 257);
	put_process(s, 1, 1, all + 1, true, false);
	finish_sink(s);
	text = read_output(path);
	cr_assert(strstr(text, "\"k\":\"\\u0000\""), "NUL arg:\n%s", text);
	cr_assert(strstr(text, "\"name\":\"\\u007f\""), "DEL:\n%s", text);
	cr_assert(strstr(text, "\"name\":\"\\ufffd\""), "lone high byte");
	check_trace(path, "--expect-slices 256");
	free(text);
	test_rm_rf(dir);
	free(dir);
}

/* ---- files: temporaries, renames, failures ----------------------------- */

/* A decoded integer is written as its text, and only that; others as
 * their numbers. */
Test(sink_json, decoded_ints_as_text)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	void *s = open_sink(path);
	struct keke_arg args[] = {
		{ .key = "flags", .i = 577,
		  .display = "O_WRONLY|O_CREAT|O_TRUNC", .display_len = 24 },
		{ .key = "mode", .i = 420, .display = "0644",
		  .display_len = 4 },
		{ .key = "result", .i = 3 },
	};
	char *text;

	put_slice(s, 100, 100, 1000, 10, "file", "open", args, 3);
	finish_sink(s);
	text = read_output(path);
	cr_assert(strstr(text, "\"args\":{\"flags\":\"O_WRONLY|O_CREAT|"
			       "O_TRUNC\",\"mode\":\"0644\",\"result\":3}"),
		  "%s", text);
	check_trace(path, NULL);
	free(text);
	test_rm_rf(dir);
	free(dir);
}

Test(sink_json, finish_renames_and_leaves_no_temporary)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	void *s = open_sink(path);
	struct stat st;

	cr_assert(has_temporary(dir), "no temporary while writing");
	cr_assert(stat(path, &st) < 0, "output exists before finish");
	write_sample(s);
	finish_sink(s);
	cr_assert_eq(dir_entries(dir), 1, "left behind: %d entries",
		  dir_entries(dir));
	cr_assert(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
	test_rm_rf(dir);
	free(dir);
}

Test(sink_json, output_mode_follows_umask)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	void *s;
	struct stat st;

	umask(027);
	s = open_sink(path);
	finish_sink(s);
	cr_assert(stat(path, &st) == 0);
	cr_assert_eq(st.st_mode & 0777, 0640, "mode %o",
		  st.st_mode & 0777);
	test_rm_rf(dir);
	free(dir);
}

Test(sink_json, empty_trace_is_an_empty_array)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	void *s = open_sink(path);
	char *text;

	finish_sink(s);
	text = read_output(path);
	cr_assert_str_eq(text, "[\n]\n");
	free(text);
	test_rm_rf(dir);
	free(dir);
}

Test(sink_json, replaces_an_existing_output)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	char cmd[4200];
	void *s;

	snprintf(cmd, sizeof(cmd), "echo old > '%s'", path);
	cr_assert_eq(test_sh(cmd, NULL, NULL), 0);
	s = open_sink(path);
	write_sample(s);
	finish_sink(s);
	check_trace(path, "--expect-flows 2");
	cr_assert_eq(dir_entries(dir), 1);
	test_rm_rf(dir);
	free(dir);
}

Test(sink_json, abort_leaves_nothing)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	void *s = open_sink(path);
	int i;

	for (i = 0; i < 100000; i++)	/* some of it already written out */
		put_slice(s, 1, 1, i * 10, 5, "c", "n", NULL, 0);
	ops->abort(s);
	cr_assert_eq(dir_entries(dir), 0, "abort left %d entries",
		  dir_entries(dir));
	test_rm_rf(dir);
	free(dir);
}

Test(sink_json, open_fails_in_a_missing_dir)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "no/such/dir/keke.json");
	char err[KEKE_SINK_ERROR_MAX] = "";

	cr_assert_null(ops->open(path, err));
	cr_assert(strstr(err, path), "error does not name the path: %s", err);
	cr_assert(strstr(err, strerror(ENOENT)), "error lacks the cause: %s",
		  err);
	cr_assert_eq(dir_entries(dir), 0);
	test_rm_rf(dir);
	free(dir);
}

/* A write error (here the file size limit, EFBIG) fails the op or finish
 * with the path and the cause, and removes the temporary. */
Test(sink_json, write_failure_is_reported_and_cleaned_up)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	struct rlimit rl = { .rlim_cur = 64 * 1024, .rlim_max = RLIM_INFINITY };
	char err[KEKE_SINK_ERROR_MAX] = "";
	struct keke_slice sl = {
		.utid = 1, .pid = 1, .tid = 1, .dur_ns = 5,
		.category = "c", .name = "n",
	};
	void *s;
	int i, rc = 0;

	signal(SIGXFSZ, SIG_IGN);
	cr_assert(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	s = open_sink(path);
	for (i = 0; i < 100000 && rc == 0; i++) {
		sl.ts_ns = i * 10;
		rc = ops->slice(s, &sl);
	}
	cr_assert_eq(rc, -1, "no write failure after %d slices", i);
	cr_assert(strstr(ops->last_error(s), path), "error: %s",
		  ops->last_error(s));
	cr_assert(strstr(ops->last_error(s), strerror(EFBIG)), "error: %s",
		  ops->last_error(s));
	cr_assert_eq(ops->slice(s, &sl), -1, "ops go on after failure");
	cr_assert_eq(ops->finish(s, err), -1);
	cr_assert(strstr(err, path) && strstr(err, strerror(EFBIG)),
		  "finish error: %s", err);
	cr_assert_eq(dir_entries(dir), 0, "left %d entries",
		  dir_entries(dir));
	test_rm_rf(dir);
	free(dir);
}

/* The same when the failure only shows at finish (the last buffer). */
Test(sink_json, failure_in_finish_is_reported_and_cleaned_up)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	struct rlimit rl = { .rlim_cur = 16, .rlim_max = RLIM_INFINITY };
	char err[KEKE_SINK_ERROR_MAX] = "";
	void *s;

	signal(SIGXFSZ, SIG_IGN);
	s = open_sink(path);
	write_sample(s);
	cr_assert(setrlimit(RLIMIT_FSIZE, &rl) == 0);
	cr_assert_eq(ops->finish(s, err), -1);
	cr_assert(strstr(err, path) && strstr(err, strerror(EFBIG)),
		  "finish error: %s", err);
	cr_assert_eq(dir_entries(dir), 0, "left %d entries",
		  dir_entries(dir));
	test_rm_rf(dir);
	free(dir);
}

Test(sink_json, rename_failure_is_reported_and_cleaned_up)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	char err[KEKE_SINK_ERROR_MAX] = "";
	void *s;

	s = open_sink(path);
	write_sample(s);
	/* A dir comes in the way (one there at open is refused then). */
	cr_assert(mkdir(path, 0700) == 0);
	cr_assert(mkdir(test_path(path, "x"), 0700) == 0);
	cr_assert_eq(ops->finish(s, err), -1);
	cr_assert(strstr(err, "rename") && strstr(err, path), "error: %s",
		  err);
	cr_assert(!has_temporary(dir), "temporary left behind");
	test_rm_rf(dir);
	free(dir);
}

/* Throughput: the merge should never wait on this sink. */
Test(sink_json, writes_a_million_slices_quickly)
{
	char *dir = test_tmpdir();
	const char *path = test_path(dir, "keke.json");
	struct keke_arg args[] = {
		{ .key = "path", .is_str = true,
		  .s = "/usr/include/x86_64-linux-gnu/bits/types.h",
		  .len = 42 },
		{ .key = "fd", .i = 3 },
	};
	struct keke_slice sl = {
		.utid = 1, .pid = 4242, .tid = 4243, .dur_ns = 999,
		.category = "file", .name = "openat", .nargs = 2, .args = args,
	};
	struct timespec t0, t1;
	void *s;
	int i, n = 1000000;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = open_sink(path);
	for (i = 0; i < n; i++) {
		sl.id = i + 1;
		sl.ts_ns = 1000000000ll + i * 1000ll;
		cr_assert(ops->slice(s, &sl) == 0, "%s", ops->last_error(s));
	}
	finish_sink(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	       (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	cr_log_info("%.0f slices/s", n / secs);
	/* Loose: sanitizer and debug builds run several times slower. */
	cr_assert(n / secs > 200000, "only %.0f slices/s", n / secs);
	test_rm_rf(dir);
	free(dir);
}

/* ---- the escaping itself ------------------------------------------------ */

/* keke_json_escape of @n bytes at @s, as a malloc'd C string. */
static char *escape(const void *s, size_t n)
{
	struct keke_jbuf b = { 0 };
	char *out;

	cr_assert_eq(keke_json_escape(&b, s, n), 0);
	out = malloc(b.len + 1);
	cr_assert(out);
	if (b.len)
		memcpy(out, b.p, b.len);
	out[b.len] = '\0';
	keke_jbuf_free(&b);
	return out;
}

/*
 * The expected escape, computed another way: decode a code point from the
 * lead byte's bit pattern, then reject it if too short, overlong, a
 * surrogate or too large.
 */
static void reference_escape(const unsigned char *s, size_t n,
			     struct keke_jbuf *b)
{
	static const char from[] = "\n\t\r\b\f", to[] = "ntrbf";
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		char e[8];
		size_t len = 0, k;
		uint32_t cp = 0;
		bool ok = true;

		if (c == '"' || c == '\\') {
			snprintf(e, sizeof(e), "\\%c", c);
		} else if (c && strchr(from, (int)c)) {
			snprintf(e, sizeof(e), "\\%c", to[strchr(from, (int)c) -
							  from]);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(e, sizeof(e), "\\u%04x", c);
		} else if (c < 0x80) {
			e[0] = (char)c;
			e[1] = '\0';
		} else {
			len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
			ok = len && c < 0xf8 && i + len <= n;
			if (ok)
				cp = c & (0x7f >> len);
			for (k = 1; ok && k < len; k++) {
				ok = (s[i + k] & 0xc0) == 0x80;
				cp = cp << 6 | (s[i + k] & 0x3f);
			}
			ok = ok && cp <= 0x10ffff &&
			     !(cp >= 0xd800 && cp <= 0xdfff) &&
			     cp >= (len == 2 ? 0x80u : len == 3 ? 0x800u :
				    0x10000u);
			if (ok) {
				keke_jbuf_put(b, s + i, len);
				i += len;
				continue;
			}
			strcpy(e, "\\ufffd");
		}
		keke_jbuf_put(b, e, strlen(e));
		i++;
	}
}

static void assert_escape(const char *in, size_t n, const char *want)
{
	char *got = escape(in, n);

	cr_assert_str_eq(got, (char *)want, "escaping %zu bytes", n);
	free(got);
}

#define ESC(lit, want) assert_escape(lit, sizeof(lit) - 1, want)
#define FFFD "\\ufffd"

Test(json_escape, ascii_and_controls)
{
	ESC("", "");
	ESC("plain text /a/b.c", "plain text /a/b.c");
	ESC("say \"hi\" \\ o/", "say \\\"hi\\\" \\\\ o/");
	ESC("\n\t\r\b\f", "\\n\\t\\r\\b\\f");
	ESC("a\0b", "a\\u0000b");
	ESC("\x01\x1f\x7f", "\\u0001\\u001f\\u007f");
	ESC(" ~", " ~");
}

Test(json_escape, valid_utf8_is_kept)
{
	ESC("caf\xc3\xa9", "caf\xc3\xa9");			/* U+00E9 */
	ESC("\xc2\x80", "\xc2\x80");				/* U+0080 */
	ESC("\xe0\xa0\x80", "\xe0\xa0\x80");			/* U+0800 */
	ESC("\xe2\x82\xac", "\xe2\x82\xac");			/* U+20AC */
	ESC("\xed\x9f\xbf", "\xed\x9f\xbf");			/* U+D7FF */
	ESC("\xee\x80\x80", "\xee\x80\x80");			/* U+E000 */
	ESC("\xef\xbf\xbf", "\xef\xbf\xbf");			/* U+FFFF */
	ESC("\xf0\x90\x80\x80", "\xf0\x90\x80\x80");		/* U+10000 */
	ESC("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");		/* U+1F600 */
	ESC("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");		/* U+10FFFF */
	ESC("\xe2\x80\xa8", "\xe2\x80\xa8");			/* U+2028 */
}

Test(json_escape, invalid_utf8_becomes_fffd)
{
	ESC("\x80", FFFD);					/* stray */
	ESC("a\xbf" "b", "a" FFFD "b");
	ESC("\xff", FFFD);
	ESC("\xfe\xfe", FFFD FFFD);
	ESC("\xc0\xaf", FFFD FFFD);				/* overlong / */
	ESC("\xc1\xbf", FFFD FFFD);
	ESC("\xe0\x80\xaf", FFFD FFFD FFFD);
	ESC("\xe0\x9f\xbf", FFFD FFFD FFFD);
	ESC("\xf0\x80\x80\xaf", FFFD FFFD FFFD FFFD);
	ESC("\xf0\x8f\xbf\xbf", FFFD FFFD FFFD FFFD);
	ESC("\xed\xa0\x80", FFFD FFFD FFFD);			/* U+D800 */
	ESC("\xed\xbf\xbf", FFFD FFFD FFFD);			/* U+DFFF */
	ESC("\xed\xa0\xbd\xed\xb8\x80", FFFD FFFD FFFD FFFD FFFD FFFD);
	ESC("\xf4\x90\x80\x80", FFFD FFFD FFFD FFFD);		/* > 10FFFF */
	ESC("\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD);
	ESC("\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD);
	ESC("\xe2\x82", FFFD FFFD);				/* truncated */
	ESC("\xe2\x82" "A", FFFD FFFD "A");
	ESC("\xf0\x9f\x98", FFFD FFFD FFFD);
	ESC("a\xc3", "a" FFFD);
	ESC("\xc3\xc3\xa9", FFFD "\xc3\xa9");
	ESC("\xe2\x82\xac\x80", "\xe2\x82\xac" FFFD);
}

/* Specials at every position of a word, so both the 8-byte fast path and
 * the tail see them. */
Test(json_escape, specials_at_every_offset)
{
	static const char *const specials[][2] = {
		{ "\"", "\\\"" }, { "\\", "\\\\" }, { "\x1f", "\\u001f" },
		{ "\x7f", "\\u007f" }, { "\x80", FFFD }, { "\0", "\\u0000" },
		{ "\xc3\xa9", "\xc3\xa9" }, { " ", " " }, { "~", "~" },
	};
	char in[64], want[128];
	size_t k, pos, len;

	for (k = 0; k < sizeof(specials) / sizeof(specials[0]); k++) {
		size_t sl = specials[k][0][0] ? strlen(specials[k][0]) : 1;

		for (len = 1; len <= 40; len++) {
			for (pos = 0; pos + sl <= len; pos++) {
				memset(in, 'x', len);
				memcpy(in + pos, specials[k][0], sl);
				memset(want, 'x', pos);
				strcpy(want + pos, specials[k][1]);
				memset(want + strlen(want), 'x',
				       len - pos - sl);
				want[pos + strlen(specials[k][1]) + len - pos -
				     sl] = '\0';
				assert_escape(in, len, want);
			}
		}
	}
}

/* Long strings cross the escaper's internal pieces; a sequence split by
 * a piece boundary must survive. */
Test(json_escape, long_strings_across_pieces)
{
	size_t n = 3 * 4096 + 17, i, shift;
	char *in = malloc(n), *got;
	struct keke_jbuf want = { 0 };

	cr_assert(in);
	for (shift = 0; shift < 4; shift++) {
		memset(in, 'a', n);
		for (i = 4096 - shift; i + 4 <= n; i += 4096)
			memcpy(in + i, "\xf0\x9f\x98\x80", 4);
		in[n - 1] = '"';
		want.len = 0;
		reference_escape((unsigned char *)in, n, &want);
		got = escape(in, n);
		cr_assert_eq(strlen(got), want.len);
		cr_assert(memcmp(got, want.p, want.len) == 0, "shift %zu",
			  shift);
		free(got);
	}
	keke_jbuf_free(&want);
	free(in);
}

/* Random bytes, mostly high ones: same as the reference, valid UTF-8. */
Test(json_escape, random_bytes_match_reference)
{
	size_t n = 1 << 20, i;
	unsigned char *in = malloc(n);
	unsigned seed = 12345;
	struct keke_jbuf got = { 0 }, want = { 0 };
	int round;

	cr_assert(in);
	for (round = 0; round < 4; round++) {
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			in[i] = (unsigned char)(seed >> 16);
			/* Rounds 1..3 favour text, UTF-8 heads and tails. */
			if (round && (seed >> 8 & 3) == 0)
				in[i] = (unsigned char)(0x80 | (in[i] & 0x3f));
			else if (round == 2 && (seed >> 10 & 1))
				in[i] = (unsigned char)('a' + in[i] % 26);
		}
		got.len = 0;
		want.len = 0;
		cr_assert_eq(keke_json_escape(&got, in, n), 0);
		reference_escape(in, n, &want);
		cr_assert_eq(got.len, want.len, "round %d", round);
		cr_assert(memcmp(got.p, want.p, got.len) == 0, "round %d",
			  round);
		cr_assert(utf8_error_at((unsigned char *)got.p, got.len) < 0);
	}
	keke_jbuf_free(&got);
	keke_jbuf_free(&want);
	free(in);
}
