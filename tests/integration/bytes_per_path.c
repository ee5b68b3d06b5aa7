// SPDX-License-Identifier: MIT
/*
 * Every byte, attributed: real workloads (make -j2 of generated C files,
 * cat, cp, tar c | tar x, sort, echo, a program that dup2s a file over
 * stdout and prints, a mkstemp user, a Python http.server with its client)
 * run under keke, and the bytes keke.db says each file path read and
 * wrote are what the files hold. Where strace is installed, the same
 * workload runs under strace -f too and the bytes per path must agree
 * within 1 % (tests/integration/strace_bytes.py), for the workload's own
 * files: reads the C library makes on its own behalf (/etc/passwd for a
 * user name, locale files) and the loader's reads of shared libraries go
 * through no call a preload can see.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"

TEST_SCRATCH_DIR

/* Runs the shell script @script in the scratch dir under keke, with the
 * scratch dir's tmp/ as TMPDIR; returns its stdout. */
static char *keke_script(const char *script)
{
	struct outcome o;
	FILE *f = fopen(test_path(out, "work.sh"), "w");

	cr_assert(f);
	fputs(script, f);
	fclose(f);
	o = sh(fmt("cd '%s' && mkdir -p tmp && TMPDIR='%s/tmp' '%s' run -q "
		   "-o keke.json --db keke.db -- sh work.sh", out, out,
		   test_keke_bin()));
	cr_assert_eq(o.code, 0, "keke run: exit %d: %s", o.code, o.err);
	free(o.err);
	return o.out;
}

/* Whether strace can trace here (installed, and ptrace allowed). */
static bool strace_works(void)
{
	return test_exit_code(test_sh("strace -f -o /dev/null true", NULL,
				      NULL)) == 0;
}

/* Runs work.sh under strace, then @clean, then under keke, and compares
 * the bytes per path under the scratch dir. */
static void compare_with_strace(const char *script, const char *clean)
{
	struct outcome o;

	if (!strace_works()) {
		cr_log_warn("strace cannot trace here: comparison skipped");
		free(keke_script(script));
		return;
	}
	FILE *f = fopen(test_path(out, "work.sh"), "w");

	cr_assert(f);
	fputs(script, f);
	fclose(f);
	o = sh(fmt("cd '%s' && mkdir -p tmp st && TMPDIR='%s/tmp' strace -ff "
		   "-y -qq -o st/s -e trace=write,pwrite64,writev,pwritev,"
		   "pwritev2,read,pread64,readv,preadv,preadv2,"
		   "copy_file_range,sendfile,splice sh work.sh && %s",
		   out, out, clean));
	cr_assert_eq(o.code, 0, "under strace: exit %d: %s", o.code, o.err);
	outcome_free(&o);
	free(keke_script(script));
	o = sh(fmt("python3 '%s/integration/strace_bytes.py' '%s/st/s' "
		   "'%s/keke.db' '%s/src' '%s/tmp' '%s/out'",
		   getenv("KEKE_TESTS_SRC"), out, out, out, out, out));
	cr_assert_eq(o.code, 0, "bytes per path differ from strace's:\n%s",
		     o.out);
	outcome_free(&o);
}

/* Bytes keke recorded as read (@column "read_bytes") or written to
 * @path, a path under the scratch dir. */
static int64_t bytes(const char *column, const char *path)
{
	return test_db_int(test_path(out, "keke.db"),
			   fmt("SELECT coalesce(sum(%s), 0) FROM file_access "
			       "WHERE path = '%s/%s'", column, out, path));
}

static int64_t size_of(const char *path)
{
	struct stat st;

	cr_assert_eq(stat(test_path(out, path), &st), 0, "%s is missing",
		     path);
	return st.st_size;
}

/* Writes @n C files of different sizes and a Makefile that compiles
 * them into src/. */
static void make_project(int n)
{
	FILE *mk;

	cr_assert_eq(mkdir(test_path(out, "src"), 0755), 0);
	mk = fopen(test_path(out, "src/Makefile"), "w");
	cr_assert(mk);
	fputs("all:", mk);
	for (int i = 0; i < n; i++) {
		FILE *c = fopen(test_path(out, fmt("src/f%d.c", i)), "w");

		cr_assert(c);
		fprintf(c, "#include <stdio.h>\n#include <string.h>\n");
		for (int j = 0; j < 20 * (i + 1); j++)
			fprintf(c, "int f%d_%d(const char *s) { return "
				"(int)strlen(s) * %d + printf(\"%%s\", s); }\n",
				i, j, j);
		fclose(c);
		fprintf(mk, " f%d.o", i);
	}
	fputs("\n%.o: %.c\n\t$(CC) -O1 -c -o $@ $<\n", mk);
	fclose(mk);
}

#define N_OBJECTS 6

Test(bytes, make_writes_each_object, .init = setup, .fini = teardown)
{
	make_project(N_OBJECTS);
	compare_with_strace("make -s -j2 -C src\n", "rm -f src/*.o");
	for (int i = 0; i < N_OBJECTS; i++) {
		const char *o = fmt("src/f%d.o", i);

		int64_t wrote = bytes("write_bytes", o), size = size_of(o);

		/* as seeks over the alignment padding it leaves as holes:
		 * a few bytes of the file were never written. */
		cr_expect(wrote <= size && wrote >= size * 99 / 100,
			  "%s: %lld bytes written recorded, %lld in the file",
			  o, (long long)wrote, (long long)size);
		cr_expect_gt(bytes("read_bytes", fmt("src/f%d.c", i)), 0);
	}
}

/* Makes src/words (unsorted lines) and src/tree/ (a few files). */
static void make_inputs(void)
{
	FILE *w;

	cr_assert_eq(mkdir(test_path(out, "src"), 0755), 0);
	cr_assert_eq(mkdir(test_path(out, "src/tree"), 0755), 0);
	cr_assert_eq(mkdir(test_path(out, "out"), 0755), 0);
	w = fopen(test_path(out, "src/words"), "w");
	cr_assert(w);
	for (int i = 0; i < 20000; i++)
		fprintf(w, "%08x line %d\n", (unsigned)(i * 2654435761u), i);
	fclose(w);
	for (int i = 0; i < 4; i++) {
		FILE *f = fopen(test_path(out, fmt("src/tree/t%d", i)), "w");

		cr_assert(f);
		for (int j = 0; j < 3000 * (i + 1); j++)
			fputc('a' + j % 26, f);
		fclose(f);
	}
}

#define SHELL_TOOLS							\
	"cat src/words > out/cat\n"					\
	"cp src/words out/cp\n"						\
	"tar cf - src/tree | (cd out && tar xf -)\n"			\
	"sort src/words > out/sorted\n"					\
	"/bin/echo hi > out/echo\n"

Test(bytes, shell_tools_match_their_files, .init = setup, .fini = teardown)
{
	int64_t words;

	make_inputs();
	compare_with_strace(SHELL_TOOLS, "rm -rf out/* tmp/*");
	words = size_of("src/words");
	cr_expect_eq(bytes("write_bytes", "out/cat"), words);
	cr_expect_eq(bytes("write_bytes", "out/cp"), words);
	cr_expect_eq(bytes("write_bytes", "out/sorted"), words);
	cr_expect_eq(bytes("write_bytes", "out/echo"), 3);
	/* cat, cp and sort each read it whole. */
	cr_expect_eq(bytes("read_bytes", "src/words"), 3 * words);
	for (int i = 0; i < 4; i++) {
		const char *t = fmt("out/src/tree/t%d", i);

		cr_expect_eq(bytes("write_bytes", t), size_of(t), "%s", t);
	}
}

Test(bytes, printf_after_dup2_goes_to_the_file, .init = setup,
     .fini = teardown)
{
	cr_assert_eq(mkdir(test_path(out, "out"), 0755), 0);
	compare_with_strace(fmt("'%s' out/printed\n",
				test_prog("dup2_printf")),
			    "rm -f out/printed");
	cr_expect_eq(bytes("write_bytes", "out/printed"),
		     size_of("out/printed"));
}

Test(bytes, mkstemp_file_is_named, .init = setup, .fini = teardown)
{
	char *made;

	cr_assert_eq(mkdir(test_path(out, "tmp"), 0755), 0);
	made = keke_script(fmt("'%s' \"$TMPDIR\"\n",
			       test_prog("mkstemp_user")));
	made[strcspn(made, "\n")] = '\0';
	cr_assert_eq(strncmp(made, out, strlen(out)), 0, "%s", made);
	cr_expect_eq(bytes("write_bytes", made + strlen(out) + 1), 5000);
	cr_expect_eq(bytes("read_bytes", made + strlen(out) + 1), 5000);
	free(made);
}

/*
 * The server's recv calls on each connection are named with that
 * connection's peer and add up to what the client sent on it, and none
 * is left unnamed: its handler threads use fd numbers that its main
 * thread's accept gives again to the next connection.
 */
Test(bytes, http_server_names_each_peer, .init = setup, .fini = teardown)
{
	const char *db = test_path(out, "keke.db");
	char *printed, *save = NULL;
	int conns = 0;

	printed = keke_script(fmt("python3 '%s/integration/http_pair.py'\n",
				  getenv("KEKE_TESTS_SRC")));
	for (char *line = strtok_r(printed, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		int port, sent;

		cr_assert_eq(sscanf(line, "%d %d", &port, &sent), 2, "%s",
			     line);
		cr_expect_eq(test_db_int(db, fmt(
			"SELECT coalesce(sum(read_bytes), 0) FROM "
			"file_access WHERE path = '127.0.0.1:%d'", port)),
			sent, "connection from port %d", port);
		conns++;
	}
	cr_assert_eq(conns, 5);
	cr_expect_eq(test_db_int(db,
		"SELECT count(*) FROM slice s JOIN args a ON "
		"a.arg_set_id = s.arg_set_id AND a.key = 'fd' "
		"WHERE s.name IN ('recv', 'recvfrom', 'send', 'sendto') "
		"AND a.int_value > 2 AND NOT EXISTS (SELECT 1 FROM args p "
		"WHERE p.arg_set_id = s.arg_set_id AND p.key = 'path')"), 0,
		"socket calls without a peer");
	free(printed);
}
