// SPDX-License-Identifier: MIT
/*
 * Which files each process read and wrote (the file_access table), and
 * the kernel's own count beside it (process.io_*), on real programs:
 * tests/progs/file_ops (probes, creates, renames, removes), cp, tar c |
 * tar x, and, once their calls are hooked, cat (copy_file_range) and
 * sort (stdio); the kernel's counters at least what keke saw, present
 * after an exec and when a program closed every fd, absent when it left
 * no fd free; `keke report --files`; and the report's bytes per path equal
 * to file_access's.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TEST_SCRATCH_DIR

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* Runs `keke run -q --no-json --db OUT/t.db -- CMD` in OUT; returns its
 * exit code. */
static int keke_run(const char *cmd)
{
	char *full = fmt("cd '%s' && '%s' run -q --no-json --db '%s' -- %s",
			 out, test_keke_bin(), db(), cmd);
	char *e = NULL;
	int code = test_exit_code(test_sh(full, NULL, &e));

	if (code)
		cr_log_warn("%s: exit %d: %s", full, code, e ? e : "");
	free(full);
	free(e);
	return code;
}

/* Writes @n bytes of a pattern into OUT/@name. */
static void make_file(const char *name, size_t n)
{
	FILE *f = fopen(test_path(out, name), "w");

	cr_assert(f);
	for (size_t i = 0; i < n; i++)
		fputc('a' + (int)(i % 26), f);
	cr_assert_eq(fclose(f), 0);
}

/* The integer @sql (a printf format, then its arguments) gives on the
 * run's database; -1 for no row. */
__attribute__((format(printf, 1, 2))) static int64_t q(const char *sql, ...)
{
	va_list ap;
	char *s;
	int64_t v;

	va_start(ap, sql);
	cr_assert(vasprintf(&s, sql, ap) > 0);
	va_end(ap);
	v = test_db_int(db(), s);
	free(s);
	return v;
}

/* The column @col of file_access for process @proc and path OUT/@name,
 * summed over rows (-1: none). */
static int64_t col(const char *proc, const char *name, const char *col)
{
	return q("SELECT coalesce(sum(f.%s), -1) FROM file_access f JOIN"
		 " process p USING (upid) WHERE p.name = '%s' AND f.path ="
		 " '%s/%s'", col, proc, out, name);
}

/* Whether libkeke.so defines @symbol: calls that later work hooks. */
static bool hooked(const char *symbol)
{
	char *cmd = fmt("nm -D --defined-only '%s' | grep -qw '%s'",
			test_preload(), symbol);
	int code = test_exit_code(test_sh(cmd, NULL, NULL));

	free(cmd);
	return code == 0;
}

/* Runs file_ops on OUT, with a 50000-byte OUT/in. */
static void run_file_ops(void)
{
	make_file("in", 50000);
	char *cmd = fmt("'%s' '%s'", test_prog("file_ops"), out);

	cr_assert_eq(keke_run(cmd), 0, "file_ops failed");
	free(cmd);
}

Test(file_access, probes_creates_renames_and_removes, .init = setup,
     .fini = teardown)
{
	run_file_ops();
	/* stat, open, and access once it is hooked. */
	cr_assert_eq(col("file_ops", "missing.h", "probed_missing"),
		     2 + hooked("access"));
	cr_assert_eq(col("file_ops", "missing.h", "opened"), 0);
	cr_assert_eq(col("file_ops", "in", "read_bytes"), 50000);
	cr_assert_eq(col("file_ops", "in", "opened"), 1);
	cr_assert_eq(col("file_ops", "in", "created"), 0);
	cr_assert_eq(col("file_ops", "out.tmp", "write_bytes"), 30000);
	cr_assert_eq(col("file_ops", "out.tmp", "created"), 1, "O_EXCL");
	cr_assert_eq(col("file_ops", "out.tmp", "deleted"), 1, "renamed");
	cr_assert_eq(q("SELECT count(*) FROM file_access WHERE path ="
		       " '%s/out.tmp' AND renamed_to = '%s/out'", out, out), 1);
	cr_assert_eq(q("SELECT count(*) FROM file_access WHERE path ="
		       " '%s/out' AND renamed_from = '%s/out.tmp'", out, out),
		     1);
	cr_assert_eq(col("file_ops", "sub", "created"), 1, "mkdir");
	cr_assert_eq(col("file_ops", "sub", "deleted"), 1, "rmdir");
	cr_assert_eq(col("file_ops", "gone", "created"), 1);
	cr_assert_eq(col("file_ops", "gone", "deleted"), 1, "unlink");
	cr_assert_eq(col("file_ops", "later", "probed_missing"), 1);
	cr_assert_eq(col("file_ops", "later", "created"), 1,
		     "an O_CREAT open of a path seen missing made it");
	cr_assert_eq(q("SELECT count(*) FROM file_access WHERE kind IS NULL"
		       " OR kind NOT IN ('file', 'socket', 'pipe', 'fd',"
		       " 'other')"), 0);
	cr_assert_eq(q("SELECT count(*) FROM file_access WHERE first_ts_ns >"
		       " last_ts_ns OR calls < 1"), 0);
}

Test(file_access, kernel_counts_at_least_what_keke_saw, .init = setup,
     .fini = teardown)
{
	run_file_ops();
	cr_assert_eq(q("SELECT count(*) FROM process WHERE name = 'file_ops'"
		       " AND io_rchar IS NOT NULL AND io_wchar IS NOT NULL AND"
		       " io_syscr > 0 AND io_ts > 0"), 1,
		     "no kernel counters");
	/* Its only reads and writes. */
	cr_assert_eq(q("SELECT traced_rchar FROM process WHERE name ="
		       " 'file_ops'"), 50000);
	cr_assert_eq(q("SELECT traced_wchar FROM process WHERE name ="
		       " 'file_ops'"), 30000);
	cr_assert_eq(q("SELECT io_rchar >= traced_rchar AND io_wchar >="
		       " traced_wchar FROM process WHERE name = 'file_ops'"),
		     1);
	cr_assert_eq(q("SELECT p.io_rchar >= sum(f.read_bytes) AND"
		       " p.io_wchar >= sum(f.write_bytes) FROM process p JOIN"
		       " file_access f USING (upid) WHERE p.name ="
		       " 'file_ops'"), 1);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE io_rchar <"
		       " traced_rchar"), 0);
}

Test(file_access, counters_follow_exec_and_reaped_children, .init = setup,
     .fini = teardown)
{
	char *cmd;

	make_file("in", 50000);
	/* sh runs file_ops, reaps it, then execs it again. */
	cmd = fmt("sh -c \"'%s' '%s'; cd '%s'; rm out later; exec '%s' '%s'\"",
		  test_prog("file_ops"), out, out, test_prog("file_ops"), out);
	cr_assert_eq(keke_run(cmd), 0);
	free(cmd);
	/* The exec slice tells what the image read before it. */
	cr_assert_eq(q("SELECT count(*) FROM slice s JOIN args a ON"
		       " a.arg_set_id = s.arg_set_id WHERE s.name = 'exec'"
		       " AND a.key = 'rchar' AND a.int_value > 0"), 1);
	/* The exec'd image counts on from there, and its parent's count
	 * holds the child it reaped. */
	cr_assert_eq(q("SELECT count(*) FROM process WHERE name = 'file_ops'"
		       " AND io_rchar > (SELECT max(a.int_value) FROM args a"
		       " WHERE a.key = 'rchar') + 50000"), 1,
		     "the exec'd process's count did not go on");
	cr_assert_eq(q("SELECT count(*) FROM process p WHERE p.name ="
		       " 'file_ops' AND p.io_rchar >= 50000 AND p.io_rchar <="
		       " (SELECT io_rchar FROM process WHERE upid ="
		       " p.parent_upid)"), 1, "the reaped child's count is not"
		     " in its parent's");
}

Test(file_access, counters_with_no_fd_free_or_all_closed, .init = setup,
     .fini = teardown)
{
	char *cmd = fmt("'%s' --close-all", test_prog("file_ops"));

	cr_assert_eq(keke_run(cmd), 0);
	free(cmd);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE io_rchar IS NOT"
		       " NULL"), 1, "counters read with every fd closed");

	/* Every fd taken: no counters, and nothing else changes. */
	cmd = fmt("'%s' 16 >/dev/null", test_prog("t_fd_exhaust"));
	cr_assert_eq(keke_run(cmd), 0);
	free(cmd);
	cr_assert_eq(q("SELECT count(*) FROM process WHERE name ="
		       " 't_fd_exhaust' AND pid = (SELECT min(pid) FROM process"
		       " WHERE name = 't_fd_exhaust') AND io_rchar IS NULL"),
		     1);
}

Test(file_access, cp_copies_through_read_and_write, .init = setup,
     .fini = teardown)
{
	char *cmd;

	make_file("in", 200000);
	cmd = fmt("cp --reflink=never '%s/in' '%s/copy'", out, out);
	cr_assert_eq(keke_run(cmd), 0);
	free(cmd);
	cr_assert_eq(col("cp", "in", "read_bytes"), 200000);
	cr_assert_eq(col("cp", "copy", "write_bytes"), 200000);
	cr_assert_geq(col("cp", "copy", "opened_write"), 1);
	cr_assert_geq(col("cp", "copy", "created"), 1,
		      "cp made the file it looked for in vain");
}

Test(file_access, cat_copies_with_copy_file_range, .init = setup,
     .fini = teardown)
{
	char *cmd;

	if (!hooked("copy_file_range"))
		cr_skip_test("copy_file_range is not hooked in this build");
	make_file("in", 200000);
	cmd = fmt("sh -c \"cat '%s/in' > '%s/cat.out'\"", out, out);
	cr_assert_eq(keke_run(cmd), 0);
	free(cmd);
	cr_assert_eq(col("cat", "in", "read_bytes"), 200000);
	cr_assert_eq(q("SELECT sum(write_bytes) FROM file_access WHERE path"
		       " = '%s/cat.out'", out), 200000,
		     "cat's stdout, opened by the shell, is not named");
}

Test(file_access, sort_writes_through_stdio, .init = setup,
     .fini = teardown)
{
	char *cmd;
	FILE *f;

	if (!hooked("fwrite") || !hooked("fread"))
		cr_skip_test("stdio is not hooked in this build");
	f = fopen(test_path(out, "lines"), "w");
	cr_assert(f);
	for (int i = 0; i < 10000; i++)
		fprintf(f, "line %05d\n", (i * 7919) % 10000);
	cr_assert_eq(fclose(f), 0);
	cmd = fmt("sort -o '%s/sorted' '%s/lines'", out, out);
	cr_assert_eq(keke_run(cmd), 0);
	free(cmd);
	cr_assert_eq(col("sort", "lines", "read_bytes"), 110000);
	cr_assert_eq(col("sort", "sorted", "write_bytes"), 110000);
}

/* The bytes file_access gives tar processes on the file @name of @dir,
 * however its path is spelled (OUT/dst/./f1, ./f1...). */
static int64_t tar_bytes(const char *column, const char *dir,
			 const char *name)
{
	return q("SELECT coalesce(sum(f.%s), 0) FROM file_access f JOIN"
		 " process p USING (upid) WHERE p.name = 'tar' AND (f.path IN"
		 " ('%s/%s/%s', './%s', '%s') OR f.path LIKE '%s/%s/%%/%s')",
		 column, out, dir, name, name, name, out, dir, name);
}

Test(file_access, tar_c_piped_to_tar_x, .init = setup, .fini = teardown)
{
	static const struct {
		const char *name;
		size_t size;
	} files[] = { { "f1", 1000 }, { "f2", 20000 }, { "f3", 300000 } };
	char *cmd;

	cr_assert_eq(mkdir(test_path(out, "src"), 0755), 0);
	cr_assert_eq(mkdir(test_path(out, "dst"), 0755), 0);
	for (size_t i = 0; i < 3; i++) {
		char name[64];

		snprintf(name, sizeof(name), "src/%s", files[i].name);
		make_file(name, files[i].size);
	}
	cmd = fmt("sh -c \"tar cf - -C '%s/src' . | tar xf - -C '%s/dst'\"",
		  out, out);
	cr_assert_eq(keke_run(cmd), 0);
	free(cmd);
	for (size_t i = 0; i < 3; i++) {
		cr_assert_eq(tar_bytes("read_bytes", "src", files[i].name),
			     (int64_t)files[i].size, "%s read",
			     files[i].name);
		cr_assert_eq(tar_bytes("write_bytes", "dst", files[i].name),
			     (int64_t)files[i].size, "%s written",
			     files[i].name);
	}
}

/* `keke report ARGS` on the run's database; its stdout (caller frees). */
static char *report(const char *args)
{
	char *cmd = fmt("'%s' report %s '%s'", test_keke_bin(), args, db());
	char *o = NULL, *e = NULL;
	int code = test_exit_code(test_sh(cmd, &o, &e));

	cr_assert_eq(code, 0, "%s: %s", cmd, e);
	free(cmd);
	free(e);
	return o;
}

/* Whether a line of @text ends with @end and starts with @start. */
static bool has_line(const char *text, const char *start, const char *end)
{
	size_t n = strlen(end);

	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		const char *nl = strchr(l, '\n');

		if (!nl)
			break;
		if ((size_t)(nl - l) >= n && !strncmp(nl - n, end, n) &&
		    !strncmp(l, start, strlen(start)))
			return true;
	}
	return false;
}

Test(file_access, report_files_lists_them, .init = setup, .fini = teardown)
{
	char *o, *line, *line2, *py = NULL;

	run_file_ops();
	o = report("--files");
	cr_assert(strstr(o, "\nFiles per executable\n"), "%s", o);
	/* Read: in; written: out.tmp, gone, later; created: those and sub;
	 * removed: out.tmp, sub, gone; missing: missing.h, later. */
	cr_assert(strstr(o, "\nfile_ops (1 process): 1 read, 3 written, 4 "
			 "created, 3 removed, 2 missing\n"), "%s", o);
	line = fmt("  %s/out.tmp -> %s/out", out, out);
	cr_assert(has_line(o, "  wrote,created,removed ", line),
		  "no rename line in:\n%s", o);
	free(line);
	line = fmt("  %s/missing.h", out);
	cr_assert(has_line(o, "  missing ", line), "%s", o);
	free(line);
	line = fmt("  %s/later", out);
	cr_assert(has_line(o, "  wrote,created,missing ", line), "%s", o);
	free(line);
	cr_assert(strstr(o, "\nI/O per process: keke's calls and the "
			 "kernel's count\n"), "%s", o);
	free(o);

	o = report("--files --path '*missing*' --process file_ops -f json");
	line = fmt("python3 -c 'import json,sys; r=json.loads(sys.argv[1]);"
		   " p=r[\"files\"][\"processes\"][0];"
		   " print(len(p[\"files\"]), p[\"files\"][0][\"roles\"],"
		   " p[\"files\"][0][\"probed_missing\"])' '%s'", o);
	free(o);
	cr_assert_eq(test_exit_code(test_sh(line, &py, NULL)), 0);
	line2 = fmt("1 ['missing'] %d\n", 2 + hooked("access"));
	cr_assert_str_eq(py, line2);
	free(line2);
	free(py);
	free(line);
}

Test(file_access, report_paths_agree_with_file_access, .init = setup,
     .fini = teardown)
{
	char *cmd, *o = NULL, *e = NULL;

	make_file("in", 50000);
	make_file("in2", 70000);
	cmd = fmt("sh -c \"'%s' '%s' && cp --reflink=never '%s/in2'"
		  " '%s/copy2'\"", test_prog("file_ops"), out, out, out);
	cr_assert_eq(keke_run(cmd), 0);
	free(cmd);
	/* Every path the report has bytes for, with file_access's sums. */
	cmd = fmt("'%s' report -f json --top 100000 '%s' | python3 -c '"
		  "import json, sqlite3, sys\n"
		  "r = json.load(sys.stdin)\n"
		  "db = sqlite3.connect(sys.argv[1])\n"
		  "n = 0\n"
		  "for p in r[\"paths_by_bytes\"]:\n"
		  "    got = db.execute(\"SELECT sum(read_bytes),"
		  " sum(write_bytes) FROM file_access WHERE path = ?\","
		  " (p[\"path\"],)).fetchone()\n"
		  "    if got != (p[\"bytes_in\"], p[\"bytes_out\"]):\n"
		  "        print(p, got); sys.exit(1)\n"
		  "    n += 1\n"
		  "print(n >= 4)' '%s'", test_keke_bin(), db(), db());
	cr_assert_eq(test_exit_code(test_sh(cmd, &o, &e)), 0, "%s%s", o, e);
	cr_assert_str_eq(o, "True\n");
	free(o);
	free(e);
	free(cmd);
}
