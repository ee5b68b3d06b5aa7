// SPDX-License-Identifier: MIT
/*
 * The SQLite sink: hand-made processes, threads, slices and flows go
 * through the sink ops into a temporary dir, and the database is checked
 * with SQL: every column of every table, NULLs, args, strings that are not
 * valid UTF-8, indexes, and what is left on disk after finish, abort and
 * failures.
 */
#include "helpers.h"

#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sinks/sink.h"

static const struct keke_sink_ops *ops = &keke_sink_sqlite;

/* ---- helpers ------------------------------------------------------------ */

/* Checks that @sql on @db gives the integer @want. */
#define db_int_is(db, sql, want)                                            \
	do {                                                                \
		int64_t got_ = test_db_int((db), (sql));                    \
		cr_assert_eq(got_, (int64_t)(want), "%s: got %lld, want %lld", \
			     (sql), (long long)got_, (long long)(want));    \
	} while (0)

/* Checks that @sql on @db gives the string @want (NULL: SQL NULL). */
static void db_str_is(const char *db, const char *sql, const char *want)
{
	char *got = test_db_str(db, sql);

	if (!want)
		cr_assert_null(got, "%s: got '%s', want NULL", sql, got);
	else
		cr_assert(got && strcmp(got, want) == 0,
			  "%s: got '%s', want '%s'", sql, got ? got : "NULL",
			  want);
	free(got);
}

/* Names in @dir other than . and .., joined by spaces (caller frees). */
static char *dir_names(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *all = strdup("");

	cr_assert(d, "opendir %s: %s", dir, strerror(errno));
	while ((e = readdir(d))) {
		char *more;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		cr_assert(asprintf(&more, "%s%s%s", all, *all ? " " : "",
				   e->d_name) > 0);
		free(all);
		all = more;
	}
	closedir(d);
	return all;
}

static void dir_is(const char *dir, const char *want)
{
	char *names = dir_names(dir);

	cr_assert_str_eq(names, want, "%s holds '%s', expected '%s'", dir,
			 names, want);
	free(names);
}

static void *open_ok(const char *path)
{
	char err[KEKE_SINK_ERROR_MAX] = "";
	void *s = ops->open(path, err);

	cr_assert(s, "open %s: %s", path, err);
	return s;
}

static void finish_ok(void *s)
{
	char err[KEKE_SINK_ERROR_MAX] = "";

	cr_assert_eq(ops->finish(s, err), 0, "finish: %s", err);
}

/* A slice on thread 1 with @nargs args, the rest zero. */
static struct keke_slice plain_slice(int64_t id, const struct keke_arg *args,
				     unsigned nargs)
{
	return (struct keke_slice){
		.id = id,
		.utid = 1,
		.pid = 100,
		.tid = 100,
		.ts_ns = id * 1000,
		.dur_ns = 10,
		.category = "file",
		.name = "read",
		.nargs = nargs,
		.args = args,
	};
}

/* Writes one slice whose only arg is the string @s (@len bytes) into a
 * new database under @dir, and returns the database's path. */
static const char *db_with_string(const char *dir, const char *s, size_t len)
{
	const char *db = test_path(dir, "t.db");
	struct keke_arg a = { .key = "path", .is_str = true, .s = s,
			      .len = len };
	struct keke_slice sl = plain_slice(1, &a, 1);
	void *sink = open_ok(db);

	cr_assert_eq(ops->slice(sink, &sl), 0, "%s", ops->last_error(sink));
	finish_ok(sink);
	return db;
}

/* ---- tables and columns ------------------------------------------------- */

/* Two processes: one with every field set, one with the fields that
 * become NULL; two threads; three slices; one flow; metadata. */
static const char *write_small_run(const char *dir)
{
	const char *db = test_path(dir, "run.db");
	void *s = open_ok(db);
	struct keke_arg args[] = {
		{ .key = "fd", .i = 3 },
		{ .key = "path", .is_str = true, .s = "/etc/passwd",
		  .len = 11 },
		{ .key = "result", .i = -2 },
	};
	struct keke_slice top = {
		.id = 1, .utid = 1, .pid = 100, .tid = 100,
		.ts_ns = 1000, .dur_ns = 9000,
		.category = "process", .name = "make",
	};
	struct keke_slice child = {
		.id = 2, .utid = 1, .pid = 100, .tid = 100,
		.ts_ns = 2000, .dur_ns = 500,
		.category = "file", .name = "openat",
		.depth = 1, .parent_id = 1,
		.nargs = 3, .args = args,
	};
	struct keke_slice other = {
		.id = 3, .utid = 2, .pid = 101, .tid = 101,
		.ts_ns = 5000, .dur_ns = 0,
		.category = "proc", .name = "exit",
	};
	struct keke_process p1 = {
		.upid = 1, .pid = 100, .ppid = 1, .parent_upid = 0,
		.name = "make", .cmdline = "make -j8", .exe = "/usr/bin/make",
		.cwd = "/src", .start_ns = 1000, .end_ns = 10000,
		.has_exit_code = true, .exit_code = 2, .signal = 0,
		.dropped = 7,
	};
	struct keke_process p2 = {
		.upid = 2, .pid = 101, .ppid = 100, .parent_upid = 1,
		.name = "cc", .cmdline = NULL, .exe = NULL, .cwd = NULL,
		.start_ns = 4000, .end_ns = 6000,
		.has_exit_code = false, .signal = 9, .killed = true,
		.untraced = true,
	};
	struct keke_thread t1 = {
		.utid = 1, .tid = 100, .upid = 1, .pid = 100, .name = "make",
		.start_ns = 1000, .end_ns = 10000, .is_main_thread = true,
	};
	struct keke_thread t2 = {
		.utid = 2, .tid = 101, .upid = 2, .pid = 101, .name = NULL,
		.start_ns = 4000, .end_ns = 6000,
	};
	struct keke_flow f = {
		.id = 1, .slice_out = 2, .slice_in = 3,
		.category = "proc", .name = "fork",
	};

	cr_assert_eq(ops->metadata(s, "trace_id", "abc123", 0), 0);
	cr_assert_eq(ops->metadata(s, "start_realtime_ns", NULL, 42), 0);
	cr_assert_eq(ops->slice(s, &child), 0);
	cr_assert_eq(ops->slice(s, &top), 0);
	cr_assert_eq(ops->slice(s, &other), 0);
	cr_assert_eq(ops->process(s, &p1), 0);
	cr_assert_eq(ops->process(s, &p2), 0);
	cr_assert_eq(ops->thread(s, &t1), 0);
	cr_assert_eq(ops->thread(s, &t2), 0);
	cr_assert_eq(ops->flow(s, &f), 0);
	finish_ok(s);
	return db;
}

Test(sink_sqlite, process_columns)
{
	char *dir = test_tmpdir();
	const char *db = write_small_run(dir);

	db_int_is(db, "SELECT count(*) FROM process", 2);
	db_str_is(db,
		  "SELECT printf('%d|%d|%s|%s|%d|%d|%s|%d|%s|%s|%s|%d|%d|%d',"
		  " upid, pid, name, cmdline, start_ts, end_ts,"
		  " quote(parent_upid), exit_code, quote(signal), exe, cwd,"
		  " killed, untraced, dropped) FROM process WHERE upid = 1",
		  "1|100|make|make -j8|1000|10000|NULL|2|NULL|/usr/bin/make|"
		  "/src|0|0|7");
	db_str_is(db,
		  "SELECT printf('%d|%d|%s|%s|%d|%d|%d|%s|%d|%s|%s|%d|%d|%d',"
		  " upid, pid, name, quote(cmdline), start_ts, end_ts,"
		  " parent_upid, quote(exit_code), signal, quote(exe),"
		  " quote(cwd), killed, untraced, dropped)"
		  " FROM process WHERE upid = 2",
		  "2|101|cc|NULL|4000|6000|1|NULL|9|NULL|NULL|1|1|0");
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, thread_and_track_columns)
{
	char *dir = test_tmpdir();
	const char *db = write_small_run(dir);

	db_int_is(db, "SELECT count(*) FROM thread", 2);
	db_str_is(db,
		  "SELECT group_concat(printf('%d|%d|%s|%d|%d|%d|%d', utid,"
		  " tid, quote(name), upid, start_ts, end_ts, is_main_thread),"
		  " ' ') FROM (SELECT * FROM thread ORDER BY utid)",
		  "1|100|'make'|1|1000|10000|1 2|101|NULL|2|4000|6000|0");
	/* One track per thread, with the thread's id. */
	db_str_is(db,
		  "SELECT group_concat(id || ':' || utid, ' ')"
		  " FROM (SELECT * FROM thread_track ORDER BY id)",
		  "1:1 2:2");
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, slice_columns)
{
	char *dir = test_tmpdir();
	const char *db = write_small_run(dir);

	db_int_is(db, "SELECT count(*) FROM slice", 3);
	db_str_is(db,
		  "SELECT group_concat(printf('%d|%d|%d|%d|%s|%s|%d|%s|%s', id,"
		  " ts, dur, track_id, category, name, depth, quote(parent_id),"
		  " quote(arg_set_id)), ' ') FROM (SELECT * FROM slice"
		  " ORDER BY id)",
		  "1|1000|9000|1|process|make|0|NULL|NULL "
		  "2|2000|500|1|file|openat|1|1|2 "
		  "3|5000|0|2|proc|exit|0|NULL|NULL");
	/* The thread_slice-like join people write against Perfetto. */
	db_str_is(db,
		  "SELECT group_concat(s.name, ',') FROM slice s"
		  " JOIN thread_track tt ON s.track_id = tt.id"
		  " JOIN thread USING(utid) WHERE thread.tid = 100"
		  " ORDER BY s.ts",
		  "make,openat");
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, flow_and_metadata_columns)
{
	char *dir = test_tmpdir();
	const char *db = write_small_run(dir);

	db_str_is(db, "SELECT id || '|' || slice_out || '|' || slice_in"
		      " FROM flow",
		  "1|2|3");
	db_int_is(db, "SELECT count(*) FROM flow", 1);
	db_int_is(db, "SELECT count(*) FROM metadata", 2);
	db_str_is(db, "SELECT quote(int_value) || '|' || str_value"
		      " FROM metadata WHERE name = 'trace_id'",
		  "NULL|abc123");
	db_str_is(db, "SELECT int_value || '|' || quote(str_value)"
		      " FROM metadata WHERE name = 'start_realtime_ns'",
		  "42|NULL");
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, args_int_and_string)
{
	char *dir = test_tmpdir();
	const char *db = write_small_run(dir);

	db_int_is(db, "SELECT count(*) FROM args", 3);
	/* In the order the slice gave them. */
	db_str_is(db,
		  "SELECT group_concat(printf('%d|%s|%s|%s|%s|%s|%s',"
		  " arg_set_id, flat_key, key, quote(int_value),"
		  " quote(string_value), quote(real_value), value_type), ' ')"
		  " FROM (SELECT * FROM args ORDER BY rowid)",
		  "2|fd|fd|3|NULL|NULL|int "
		  "2|path|path|NULL|'/etc/passwd'|NULL|string "
		  "2|result|result|-2|NULL|NULL|int");
	db_str_is(db, "SELECT typeof(string_value) FROM args"
		      " WHERE key = 'path'",
		  "text");
	/* The usual Perfetto join. */
	db_str_is(db,
		  "SELECT a.string_value FROM slice s JOIN args a"
		  " USING(arg_set_id) WHERE s.name = 'openat'"
		  " AND a.key = 'path'",
		  "/etc/passwd");
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, int_args_extremes)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "t.db");
	struct keke_arg a[] = {
		{ .key = "min", .i = INT64_MIN },
		{ .key = "max", .i = INT64_MAX },
		{ .key = "zero", .i = 0 },
		{ .key = "empty", .is_str = true, .s = NULL, .len = 0 },
	};
	struct keke_slice sl = plain_slice(5, a, 4);
	void *s = open_ok(db);

	cr_assert_eq(ops->slice(s, &sl), 0);
	finish_ok(s);
	db_int_is(db, "SELECT int_value = -9223372036854775807 - 1 FROM args"
		      " WHERE key = 'min'", 1);
	db_int_is(db, "SELECT int_value = 9223372036854775807 FROM args"
		      " WHERE key = 'max'", 1);
	db_str_is(db, "SELECT quote(int_value) || value_type FROM args"
		      " WHERE key = 'zero'", "0int");
	db_str_is(db, "SELECT quote(string_value) || value_type FROM args"
		      " WHERE key = 'empty'", "''string");
	db_int_is(db, "SELECT count(DISTINCT arg_set_id) FROM args", 1);
	db_int_is(db, "SELECT arg_set_id FROM slice", 5);
	test_rm_rf(dir);
	free(dir);
}

/* Sends slice @id with the one arg @a. */
static void send_one_arg(void *s, int64_t id, const struct keke_arg *a)
{
	struct keke_slice sl = plain_slice(id, a, 1);

	cr_assert_eq(ops->slice(s, &sl), 0, "%s", ops->last_error(s));
}

/*
 * A slice whose args equal an earlier slice's shares its set; args that
 * differ in one byte of a value (at every length around the hash's
 * eight-byte words), in their key or in their kind get a set of their own.
 */
Test(sink_sqlite, equal_arg_sets_are_shared)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "t.db");
	void *s = open_ok(db);
	char a[20], b[20];
	int64_t id = 1;

	for (size_t len = 1; len < sizeof(a); len++) {
		memset(a, 'a', len);
		memcpy(b, a, len);
		b[len - 1] = 'b';
		struct keke_arg one[] = {
			{ .key = "path", .is_str = true, .s = a, .len = len },
		};
		struct keke_arg other[] = {
			{ .key = "path", .is_str = true, .s = b, .len = len },
		};

		send_one_arg(s, id++, one);
		send_one_arg(s, id++, other);
		send_one_arg(s, id++, one);
	}
	struct keke_arg zero[] = { { .key = "n", .i = 0 } };
	struct keke_arg other_key[] = { { .key = "m", .i = 0 } };
	struct keke_arg empty[] = { { .key = "n", .is_str = true } };

	send_one_arg(s, id++, zero);
	send_one_arg(s, id++, other_key);
	send_one_arg(s, id++, empty);
	send_one_arg(s, id++, zero);
	finish_ok(s);
	/* Per length: sets 3n+1 and 3n+2; the third slice uses 3n+1. */
	db_int_is(db, "SELECT count(*) FROM slice WHERE id % 3 = 0 AND id < 58"
		      " AND arg_set_id = id - 2", 19);
	db_int_is(db, "SELECT count(*) FROM slice WHERE id % 3 != 0 AND id < 58"
		      " AND arg_set_id = id", 38);
	db_int_is(db, "SELECT count(DISTINCT arg_set_id) FROM args", 38 + 3);
	db_str_is(db, "SELECT group_concat(arg_set_id) FROM slice WHERE id > 57",
		  "58,59,60,58");
	test_rm_rf(dir);
	free(dir);
}

/*
 * A decoded integer keeps its number in int_value (bit tests work) with
 * its text in display_value; any other arg's display_value is its value
 * as text. Equal numbers with different texts (the same bits are
 * different flags in another call) get sets of their own.
 */
Test(sink_sqlite, decoded_ints_keep_their_number)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "t.db");
	void *s = open_ok(db);
	struct keke_arg open_args[] = {
		{ .key = "path", .is_str = true, .s = "/tmp/a", .len = 6 },
		{ .key = "flags", .i = 577,
		  .display = "O_WRONLY|O_CREAT|O_TRUNC", .display_len = 24 },
		{ .key = "result", .i = 3 },
	};
	struct keke_arg same_bits[] = { { .key = "flags", .i = 2048,
					  .display = "SOCK_NONBLOCK",
					  .display_len = 13 } };
	struct keke_arg other_call[] = { { .key = "flags", .i = 2048,
					   .display = "O_NONBLOCK",
					   .display_len = 10 } };
	struct keke_arg plain[] = { { .key = "flags", .i = 2048 } };
	struct keke_slice sl = plain_slice(1, open_args, 3);

	cr_assert_eq(ops->slice(s, &sl), 0, "%s", ops->last_error(s));
	send_one_arg(s, 2, same_bits);
	send_one_arg(s, 3, other_call);
	send_one_arg(s, 4, same_bits);
	send_one_arg(s, 5, plain);
	finish_ok(s);
	db_str_is(db,
		  "SELECT group_concat(printf('%s|%s|%s|%s', key,"
		  " quote(int_value), value_type, display_value), ' ')"
		  " FROM (SELECT * FROM args WHERE arg_set_id = 1"
		  " ORDER BY rowid)",
		  "path|NULL|string|/tmp/a "
		  "flags|577|int|O_WRONLY|O_CREAT|O_TRUNC "
		  "result|3|int|3");
	db_int_is(db, "SELECT count(*) FROM args WHERE key = 'flags' AND"
		      " int_value & 64", 1);
	db_str_is(db, "SELECT group_concat(arg_set_id) FROM slice WHERE id > 1",
		  "2,3,2,5");
	db_str_is(db, "SELECT group_concat(display_value, ',') FROM"
		      " (SELECT display_value FROM args WHERE int_value = 2048"
		      " ORDER BY rowid)", "SOCK_NONBLOCK,O_NONBLOCK,2048");
	test_rm_rf(dir);
	free(dir);
}

/* Empty strings stay empty strings, never NULL. */
Test(sink_sqlite, empty_strings_are_not_null)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "t.db");
	struct keke_slice sl = plain_slice(1, NULL, 0);
	void *s = open_ok(db);

	sl.category = "";
	sl.name = "";
	cr_assert_eq(ops->metadata(s, "", "", 0), 0);
	cr_assert_eq(ops->slice(s, &sl), 0);
	finish_ok(s);
	db_str_is(db, "SELECT quote(category) || quote(name) FROM slice",
		  "''''");
	db_str_is(db, "SELECT quote(name) || quote(str_value) FROM metadata",
		  "''''");
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, metadata_last_value_wins)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "t.db");
	void *s = open_ok(db);

	cr_assert_eq(ops->metadata(s, "host", "first", 0), 0);
	cr_assert_eq(ops->metadata(s, "host", "second", 0), 0);
	finish_ok(s);
	db_int_is(db, "SELECT count(*) FROM metadata", 1);
	db_str_is(db, "SELECT str_value FROM metadata", "second");
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, empty_run_has_every_table)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "t.db");
	static const char *const tables[] = {
		"process", "thread", "thread_track", "slice",
		"args", "flow", "metadata",
	};

	finish_ok(open_ok(db));
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		char sql[128];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s",
			 tables[i]);
		db_int_is(db, sql, 0);
	}
	db_str_is(db, "PRAGMA integrity_check", "ok");
	test_rm_rf(dir);
	free(dir);
}

/* ---- strings ------------------------------------------------------------ */

/* Bytes in, the hex of the TEXT stored. (Arrays, not pointers: the
 * parameters are copied into the process that runs the test.) */
struct utf8_case {
	char in[24];
	size_t len;
	char hex[64];
};

#define FFFD "EFBFBD"

ParameterizedTestParameters(sink_sqlite, invalid_utf8_becomes_fffd)
{
	static struct utf8_case cases[] = {
		{ "plain", 5, "706C61696E" },
		/* Valid 2, 3 and 4 byte sequences are kept. */
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9,
		  "C3A9E282ACF09F9880" },
		{ "a\xff" "b", 3, "61" FFFD "62" },
		/* A lone continuation byte. */
		{ "\x80", 1, FFFD },
		/* A truncated sequence is one maximal subpart: one U+FFFD. */
		{ "x\xe2\x82", 3, "78" FFFD },
		{ "\xf0\x9f\x98" "z", 4, FFFD "7A" },
		/* Overlong forms. */
		{ "\xc0\xaf", 2, FFFD FFFD },
		{ "\xe0\x80\xaf", 3, FFFD FFFD FFFD },
		/* A surrogate. */
		{ "\xed\xa0\x80", 3, FFFD FFFD FFFD },
		/* Above U+10FFFF. */
		{ "\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD },
		/* NUL bytes are replaced, and nothing after them is lost. */
		{ "a\0b", 3, "61" FFFD "62" },
		{ "\0\0", 2, FFFD FFFD },
		/* Past the 8-byte fast path. */
		{ "0123456789abcdef\xfe", 17,
		  "30313233343536373839616263646566" FFFD },
	};

	return cr_make_param_array(struct utf8_case, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct utf8_case *c, sink_sqlite, invalid_utf8_becomes_fffd)
{
	char *dir = test_tmpdir();
	const char *db = db_with_string(dir, c->in, c->len);

	db_str_is(db, "SELECT hex(string_value) FROM args", c->hex);
	db_str_is(db, "SELECT typeof(string_value) FROM args", "text");
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, c_strings_are_made_valid_too)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "t.db");
	struct keke_process p = {
		.upid = 1, .pid = 7, .name = "bad\xff", .cmdline = "x \xc0",
		.exe = "/bin/\xe2\x82", .cwd = "/d\x80",
	};
	struct keke_thread t = { .utid = 1, .tid = 7, .upid = 1,
				 .name = "\xfe" };
	struct keke_slice sl = plain_slice(1, NULL, 0);
	void *s = open_ok(db);

	sl.name = "n\xff";
	sl.category = "c\xff";
	cr_assert_eq(ops->metadata(s, "k\xff", "v\xff", 0), 0);
	cr_assert_eq(ops->slice(s, &sl), 0);
	cr_assert_eq(ops->process(s, &p), 0);
	cr_assert_eq(ops->thread(s, &t), 0);
	finish_ok(s);
	db_str_is(db, "SELECT hex(name) || hex(cmdline) || hex(exe) ||"
		      " hex(cwd) FROM process",
		  "626164" FFFD "7820" FFFD "2F62696E2F" FFFD "2F64" FFFD);
	db_str_is(db, "SELECT hex(name) FROM thread", FFFD);
	db_str_is(db, "SELECT hex(name) || hex(category) FROM slice",
		  "6E" FFFD "63" FFFD);
	db_str_is(db, "SELECT hex(name) || hex(str_value) FROM metadata",
		  "6B" FFFD "76" FFFD);
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, long_strings_round_trip)
{
	char *dir = test_tmpdir();
	size_t sizes[] = { 4096, 1 << 20 };

	for (size_t k = 0; k < 2; k++) {
		size_t n = sizes[k];
		char *s = malloc(n + 1);
		char *got;
		const char *db;

		cr_assert(s);
		for (size_t i = 0; i < n; i++)
			s[i] = (char)('a' + i % 26);
		s[n] = '\0';
		db = db_with_string(dir, s, n);
		got = test_db_str(db, "SELECT string_value FROM args");
		cr_assert(got && strlen(got) == n && memcmp(got, s, n) == 0,
			  "a %zu-byte string did not round-trip", n);
		free(got);
		free(s);
	}
	test_rm_rf(dir);
	free(dir);
}

/* ---- the database as a whole -------------------------------------------- */

Test(sink_sqlite, integrity_and_indexes)
{
	char *dir = test_tmpdir();
	const char *db = write_small_run(dir);
	static const char *const indexes[][2] = {
		{ "slice", "ts" },	  { "slice", "name" },
		{ "slice", "track_id" }, { "args", "arg_set_id" },
		{ "thread", "upid" },	  { "process", "pid" },
	};

	db_str_is(db, "PRAGMA integrity_check", "ok");
	for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
		char sql[256];

		snprintf(sql, sizeof(sql),
			 "SELECT count(*) FROM sqlite_master m,"
			 " pragma_index_info(m.name) i WHERE m.type = 'index'"
			 " AND m.tbl_name = '%s' AND i.name = '%s'"
			 " AND i.seqno = 0",
			 indexes[i][0], indexes[i][1]);
		db_int_is(db, sql, 1);
	}
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, output_mode_follows_umask)
{
	char *dir = test_tmpdir();
	const char *db;
	struct stat st;
	mode_t old = umask(022);

	db = write_small_run(dir);
	umask(old);
	cr_assert_eq(stat(db, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0644, "mode %o", st.st_mode & 0777);
	test_rm_rf(dir);
	free(dir);
}

/*
 * Many slices, each with three args, cross many batch boundaries (the
 * count is not a multiple of a batch); every row arrives, whether the
 * inserts and the index sorts run on threads of their own or, when none
 * can be started, on the caller's. Prints the rate, which is for
 * information only.
 */
static void many_slices(bool threads)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "t.db");
	const int64_t n = 100003;
	struct timespec t0, t1;
	char path[64];
	void *s;

	test_threads_fail = !threads;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s = open_ok(db);
	for (int64_t i = 1; i <= n; i++) {
		int len = snprintf(path, sizeof(path), "/usr/include/f%lld.h",
				   (long long)(i % 1000));
		struct keke_arg a[] = {
			{ .key = "fd", .i = i % 100 },
			{ .key = "path", .is_str = true, .s = path,
			  .len = (size_t)len },
			{ .key = "count", .i = i * 7 },
		};
		struct keke_slice sl = plain_slice(i, a, 3);

		sl.utid = 1 + i % 4;
		cr_assert_eq(ops->slice(s, &sl), 0, "%s", ops->last_error(s));
	}
	finish_ok(s);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	test_threads_fail = false;

	double secs = (double)(t1.tv_sec - t0.tv_sec) +
		      (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;

	cr_log_info("%lld slices with 3 args each in %.3f s: %.0f slices/s%s",
		    (long long)n, secs, (double)n / secs,
		    threads ? "" : " without threads");
	db_int_is(db, "SELECT count(*) FROM slice", n);
	db_int_is(db, "SELECT sum(id) FROM slice", n * (n + 1) / 2);
	db_int_is(db, "SELECT count(*) FROM args", 3 * n);
	db_int_is(db, "SELECT count(*) FROM args WHERE value_type = 'string'",
		  n);
	db_str_is(db, "SELECT group_concat(key || '=' ||"
		      " coalesce(int_value, string_value), ' ') FROM args"
		      " WHERE arg_set_id = 100003",
		  "fd=3 path=/usr/include/f3.h count=700021");
	db_str_is(db, "PRAGMA integrity_check", "ok");
	db_int_is(db, "SELECT count(*) FROM slice INDEXED BY slice_track_id"
		      " WHERE track_id = 2", (n + 3) / 4);
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, many_slices, .timeout = 120)
{
	many_slices(true);
}

Test(sink_sqlite, many_slices_without_threads, .timeout = 120)
{
	many_slices(false);
}

/* ---- files on disk ------------------------------------------------------ */

Test(sink_sqlite, temporary_next_to_output_until_finish)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "out.db");
	void *s = open_ok(db);
	char *names = dir_names(dir);

	cr_assert(strncmp(names, "out.db.tmp-", 11) == 0 &&
			  strlen(names) == 17,
		  "while writing, the dir holds '%s'", names);
	free(names);
	finish_ok(s);
	dir_is(dir, "out.db");
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, abort_leaves_nothing)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "out.db");
	struct keke_slice sl = plain_slice(1, NULL, 0);
	void *s = open_ok(db);

	cr_assert_eq(ops->slice(s, &sl), 0);
	ops->abort(s);
	dir_is(dir, "");
	test_rm_rf(dir);
	free(dir);
}

/* An interrupt while the indexes are built: finish fails, leaves
 * nothing. */
Test(sink_sqlite, interrupted_finish_leaves_nothing)
{
	static volatile sig_atomic_t interrupted = 1;
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "out.db");
	char err[KEKE_SINK_ERROR_MAX] = "";
	void *s = open_ok(db);

	for (int64_t id = 1; id <= 1000; id++) {
		struct keke_slice sl = plain_slice(id, NULL, 0);

		cr_assert_eq(ops->slice(s, &sl), 0);
	}
	ops->cancel_on(s, &interrupted);
	cr_assert_eq(ops->finish(s, err), -1);
	cr_assert(strstr(err, "interrupted"), "%s", err);
	dir_is(dir, "");
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, finish_replaces_existing_file)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "out.db");
	struct keke_slice sl = plain_slice(1, NULL, 0);
	FILE *f = fopen(db, "w");
	char *old;
	void *s;

	cr_assert(f);
	fputs("an older output", f);
	fclose(f);
	s = open_ok(db);
	cr_assert_eq(ops->slice(s, &sl), 0);
	/* Untouched until finish. */
	old = test_read_file(db, NULL);
	cr_assert_str_eq(old, "an older output");
	free(old);
	finish_ok(s);
	dir_is(dir, "out.db");
	db_int_is(db, "SELECT count(*) FROM slice", 1);
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, open_in_missing_dir_names_the_path)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "no/such/dir/out.db");
	char err[KEKE_SINK_ERROR_MAX] = "";

	cr_assert_null(ops->open(db, err));
	cr_assert(strstr(err, db), "'%s' does not name %s", err, db);
	cr_assert(strstr(err, strerror(ENOENT)), "'%s' does not say why",
		  err);
	test_rm_rf(dir);
	free(dir);
}

Test(sink_sqlite, rename_failure_leaves_no_temporary)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "out.db");
	char err[KEKE_SINK_ERROR_MAX] = "";
	void *s;

	s = open_ok(db);
	/* A non-empty directory comes where the output should go (one
	 * there at open is refused then). */
	cr_assert_eq(mkdir(db, 0700), 0);
	cr_assert_eq(mkdir(test_path(db, "x"), 0700), 0);
	cr_assert_eq(ops->finish(s, err), -1);
	cr_assert(strstr(err, db), "'%s' does not name %s", err, db);
	dir_is(dir, "out.db");
	test_rm_rf(dir);
	free(dir);
}

/* Files may grow to @bytes at most; writes past it fail with EFBIG. */
static void limit_file_size(rlim_t bytes)
{
	struct rlimit r = { bytes, bytes };

	signal(SIGXFSZ, SIG_IGN);
	cr_assert_eq(setrlimit(RLIMIT_FSIZE, &r), 0);
}

/* Data that fits in SQLite's cache reaches the disk in finish, which
 * fails on a write error and leaves nothing behind. */
Test(sink_sqlite, write_error_fails_finish)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "out.db");
	char err[KEKE_SINK_ERROR_MAX] = "";
	void *s;

	limit_file_size(1536 * 1024);
	s = open_ok(db);
	for (int64_t i = 1; i <= 20000; i++) {
		struct keke_arg a = { .key = "path", .is_str = true,
				      .s = "/a/path/of/some/length",
				      .len = 22 };
		struct keke_slice sl = plain_slice(i, &a, 1);

		cr_assert_eq(ops->slice(s, &sl), 0, "%s", ops->last_error(s));
	}
	cr_assert_eq(ops->finish(s, err), -1, "finish succeeded");
	cr_assert(strstr(err, db), "'%s' does not name %s", err, db);
	dir_is(dir, "");
	test_rm_rf(dir);
	free(dir);
}

/* More data than the cache: a write fails during an op, which returns -1
 * with a message; later ops refuse; abort leaves nothing. */
Test(sink_sqlite, write_error_fails_op, .timeout = 120)
{
	char *dir = test_tmpdir();
	const char *db = test_path(dir, "out.db");
	struct keke_arg a = { .key = "path", .is_str = true,
			      .s = "/a/path/of/some/length", .len = 22 };
	struct keke_slice sl = plain_slice(1, &a, 1);
	struct keke_flow f = { .id = 1, .slice_out = 1, .slice_in = 2 };
	int64_t i;
	void *s;

	limit_file_size(2048 * 1024);
	s = open_ok(db);
	for (i = 1; i <= 2000000; i++) {
		sl.id = i;
		if (ops->slice(s, &sl) != 0)
			break;
	}
	cr_assert(i <= 2000000, "no op failed");
	cr_assert(strstr(ops->last_error(s), db), "'%s' does not name %s",
		  ops->last_error(s), db);
	cr_assert_eq(ops->flow(s, &f), -1);
	ops->abort(s);
	dir_is(dir, "");
	test_rm_rf(dir);
	free(dir);
}
