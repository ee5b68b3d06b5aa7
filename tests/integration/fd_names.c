// SPDX-License-Identifier: MIT
/*
 * What fds stand for, on real programs under keke run: every call that
 * uses an fd is named with the file or peer that fd was at that moment,
 * whichever thread made it and whichever process it came from: threads
 * that open, write and close files at once, a threaded server whose
 * connections reuse fd numbers, a fork child writing to an fd its parent
 * opened, a file dup2'd over stdout, a shell's redirection, a pipeline's
 * pipe and a vfork child's stdout redirected where no hook sees it.
 */
#include <criterion/criterion.h>
#include <limits.h>
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

/* Runs `keke run -- CMD` in the scratch dir; returns CMD's stdout. */
static char *keke_run(const char *cmd)
{
	char *full, *o = NULL, *e = NULL;
	int code;

	full = fmt("cd '%s' && '%s' run -q -o t.json --db t.db -- %s", out,
		   test_keke_bin(), cmd);
	code = test_exit_code(test_sh(full, &o, &e));
	cr_assert_eq(code, 0, "%s: exit %d: %s", full, code, e);
	free(full);
	free(e);
	return o;
}

/* The scratch dir as the kernel names it (no symbolic links). */
static char *real_out(void)
{
	char *r = realpath(out, NULL);

	cr_assert(r);
	return r;
}

/* Whether libkeke.so hooks @symbol: some calls come with hooks that
 * other work adds, and the tests of their names wait for those. */
static bool hooked(const char *symbol)
{
	char *cmd = fmt("nm -D --defined-only '%s' | grep -qw '%s'",
			test_preload(), symbol);
	bool yes = test_exit_code(test_sh(cmd, NULL, NULL)) == 0;

	free(cmd);
	return yes;
}

/* The "path" of the one call named @name with count @count. */
static char *path_of(const char *name, int64_t count)
{
	char *sql = fmt("SELECT p.string_value FROM slice s "
			"JOIN args c ON c.arg_set_id = s.arg_set_id "
			"AND c.key = 'count' AND c.int_value = %lld "
			"LEFT JOIN args p ON p.arg_set_id = s.arg_set_id "
			"AND p.key = 'path' WHERE s.name = '%s'",
			(long long)count, name);
	char *path = test_db_str(db(), sql);

	free(sql);
	return path;
}

/*
 * Checks the output @o of a server that printed "conn <n> <port>" for
 * each of its @want connections: the send of its answer (1000 + n bytes)
 * is named by that connection's peer.
 */
static void expect_peers(char *o, int want)
{
	char *save = NULL;
	int conns = 0;

	for (char *line = strtok_r(o, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int n, port;
		char *peer, *got;

		cr_assert_eq(sscanf(line, "conn %d %d", &n, &port), 2, "%s",
			     line);
		peer = fmt("127.0.0.1:%d", port);
		got = path_of("send", 1000 + n);
		cr_expect(got && !strcmp(got, peer),
			  "connection %d: its answer is named %s, its peer "
			  "is %s", n, got ? got : "(nothing)", peer);
		free(peer);
		free(got);
		conns++;
	}
	cr_assert_eq(conns, want);
}

Test(fd_names, threads_open_write_and_close_files_at_once,
     .init = setup, .fini = teardown)
{
	char *dir = real_out(), *cmd, *sql, *o, *detail = NULL;
	int64_t n;

	cr_assert_eq(mkdir(test_path(out, "files"), 0700), 0);
	cmd = fmt("'%s' files '%s/files'", test_prog("t_threads_fds"), dir);
	o = keke_run(cmd);
	free(cmd);
	/* Each write's size names its file. */
	cr_assert_eq(test_db_int(db(), "SELECT COUNT(*) FROM slice WHERE "
				       "name = 'write'"), 201);
	sql = fmt("SELECT COUNT(*) FROM slice s "
		  "JOIN args c ON c.arg_set_id = s.arg_set_id "
		  "AND c.key = 'count' JOIN args p ON "
		  "p.arg_set_id = s.arg_set_id AND p.key = 'path' "
		  "WHERE s.name = 'write' AND "
		  "p.string_value = '%s/files/f-' || c.int_value", dir);
	n = test_db_int(db(), sql);
	if (n != 200)
		detail = test_db_str(db(), "SELECT group_concat(c.int_value "
				     "|| '->' || coalesce(p.string_value, "
				     "'none'), ' ') FROM slice s JOIN args c "
				     "ON c.arg_set_id = s.arg_set_id AND "
				     "c.key = 'count' LEFT JOIN args p ON "
				     "p.arg_set_id = s.arg_set_id AND "
				     "p.key = 'path' WHERE s.name = 'write'");
	cr_expect_eq(n, 200, "writes named otherwise: %s", detail);
	free(detail);
	/* Each close names what it closed: one of the 200 files. */
	free(sql);
	sql = fmt("SELECT COUNT(DISTINCT p.string_value) FROM slice s JOIN "
		  "args p ON p.arg_set_id = s.arg_set_id AND p.key = 'path' "
		  "WHERE s.name = 'close' AND p.string_value LIKE "
		  "'%s/files/f-%%'", dir);
	cr_expect_eq(test_db_int(db(), sql), 200);
	free(sql);
	/* The main thread, read first, wrote to an fd another opened. */
	sql = fmt("%s/files/handed", dir);
	detail = path_of("write", 300);
	cr_expect(detail && !strcmp(detail, sql), "write to handed fd: %s",
		  detail);
	free(detail);
	free(sql);
	free(o);
	free(dir);
}

Test(fd_names, a_threaded_server_names_each_connection_by_its_peer,
     .init = setup, .fini = teardown)
{
	char *cmd = fmt("'%s' server", test_prog("t_threads_fds"));
	char *o = keke_run(cmd), *sql;

	free(cmd);
	expect_peers(o, 15);
	/* Each worker thread received from the peer it sent to. */
	sql = fmt("SELECT COUNT(*) FROM slice r JOIN slice s ON "
		  "r.track_id = s.track_id AND r.name = 'recv' AND "
		  "s.name = 'send' JOIN args rc ON rc.arg_set_id = "
		  "r.arg_set_id AND rc.key = 'count' AND rc.int_value = 31 "
		  "JOIN args rp ON rp.arg_set_id = r.arg_set_id AND "
		  "rp.key = 'path' JOIN args sp ON sp.arg_set_id = "
		  "s.arg_set_id AND sp.key = 'path' WHERE "
		  "rp.string_value = sp.string_value");
	cr_expect_eq(test_db_int(db(), sql), 15);
	free(sql);
	free(o);
}

Test(fd_names, pythons_http_server_names_each_connection_by_its_peer,
     .init = setup, .fini = teardown)
{
	char *cmd, *o;

	if (test_exit_code(test_sh("python3 -c pass", NULL, NULL)))
		cr_skip_test("python3 is not installed");
	cmd = fmt("python3 '%s/progs/t_http_server.py'",
		  getenv("KEKE_TESTS_SRC"));
	o = keke_run(cmd);
	expect_peers(o, 20);
	free(cmd);
	free(o);
}

/* Checks that the write of @count bytes was named @name in the scratch
 * dir, where the program that made it ran. */
static void expect_written(int64_t count, const char *name)
{
	char *dir = real_out(), *want = fmt("%s/%s", dir, name);
	char *got = path_of("write", count);

	cr_expect(got && !strcmp(got, want), "the write of %lld bytes was "
		  "named %s, not %s", (long long)count, got, want);
	free(got);
	free(want);
	free(dir);
}

/* Runs @prog of tests/progs with @args under keke run; frees its output. */
static void run_prog(const char *prog, const char *args)
{
	char *cmd = fmt("'%s' %s", test_prog(prog), args);

	free(keke_run(cmd));
	free(cmd);
}

Test(fd_names, a_fork_child_writes_to_the_file_its_parent_opened,
     .init = setup, .fini = teardown)
{
	run_prog("t_fd_inherit", "fork f");
	expect_written(6, "f");		/* the child */
	expect_written(7, "f");		/* the parent */
	cr_expect_eq(test_db_int(db(), "SELECT COUNT(*) FROM process"), 2);
}

Test(fd_names, a_file_dup2d_over_stdout_names_its_writes, .init = setup,
     .fini = teardown)
{
	if (!hooked("dup2"))
		cr_skip_test("dup2 is not hooked in this build");
	run_prog("t_fd_inherit", "dup2 g");
	expect_written(8, "g");		/* write(1) */
}

Test(fd_names, a_shells_redirection_names_its_write, .init = setup,
     .fini = teardown)
{
	if (!hooked("dup2") || !hooked("fcntl"))
		cr_skip_test("dup2 and fcntl are not hooked in this build");
	free(keke_run("sh -c 'echo hi > f'"));
	expect_written(3, "f");
}

/* The path that process @exe moved @n bytes to or from (@column
 * "write_bytes" or "read_bytes" of file_access). */
static char *path_moved(const char *exe, const char *column, int64_t n)
{
	char *sql = fmt("SELECT f.path FROM file_access f JOIN process p "
			"USING (upid) WHERE p.name = '%s' AND f.%s = %lld",
			exe, column, (long long)n);
	char *path = test_db_str(db(), sql);

	free(sql);
	return path;
}

/* Checks that the @n bytes @exe wrote and @reader read went through one
 * pipe, named as the kernel does: "pipe:[INODE]". */
static void expect_one_pipe(const char *exe, const char *reader, int64_t n)
{
	char *w = path_moved(exe, "write_bytes", n);
	char *r = path_moved(reader, "read_bytes", n);
	unsigned long long inode;
	char end;

	cr_expect(w && sscanf(w, "pipe:[%llu%c", &inode, &end) == 2 &&
		  end == ']', "%s wrote to %s", exe, w);
	cr_expect(w && r && !strcmp(w, r), "%s wrote to %s, %s read from %s",
		  exe, w, reader, r);
	free(w);
	free(r);
}

Test(fd_names, a_pipelines_pipe_has_the_kernels_name_on_both_sides,
     .init = setup, .fini = teardown)
{
	free(keke_run("sh -c '/bin/echo hello | /bin/cat > f'"));
	expect_one_pipe("echo", "cat", 6);
}

/* Python's subprocess starts its child with vfork, which dup2s the pipe
 * over its stdout where no hook sees it: the child's start tells. */
Test(fd_names, a_vfork_childs_redirected_stdout_is_named,
     .init = setup, .fini = teardown)
{
	free(keke_run("python3 -c 'import subprocess, sys; "
		      "sys.stdout.write(subprocess.run([\"/bin/echo\", "
		      "\"hello\"], stdout=subprocess.PIPE).stdout.decode())'"));
	expect_one_pipe("echo", "python3", 6);
}

/* popen's shell writes into the pipe the program reads from, by the
 * child's fd 1 that popen made where no hook sees it. */
Test(fd_names, a_popen_pipe_has_one_name_on_both_sides, .init = setup,
     .fini = teardown)
{
	FILE *f = fopen(test_path(out, "f"), "w");

	cr_assert(f && fputs("popen'd cat\n", f) >= 0 && !fclose(f));
	run_prog("t_fd_inherit", "popen '/bin/cat f'");
	expect_one_pipe("cat", "t_fd_inherit", 12);
}
