// SPDX-License-Identifier: MIT
/*
 * What keke does to the files it is told to write (keke run, keke merge,
 * keke report): a regular file is replaced atomically in its own
 * directory, a symlink is followed, a device or FIFO is written in place
 * and never replaced, the database refuses anything but a regular file;
 * an output that cannot be written costs only itself, and keke says which
 * outputs it wrote; what a person reads on a terminal has no control byte
 * from the trace in it; a small trace's database is small; and keke.pc
 * makes no program depend on libkeke.so.
 *
 * Tests that need root (device nodes, a small tmpfs) skip when they
 * cannot have it. Device nodes are made in the scratch dir, never the
 * system's.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include "helpers.h"

static char *out;

static void setup(void)
{
	out = test_tmpdir();
}

/* Unmounts what a test mounted in OUT (a failed test leaves it). */
static void teardown(void)
{
	char *cmd;

	cr_assert(asprintf(&cmd, "for m in '%s'/mnt*; do mountpoint -q "
			   "\"$m\" 2>/dev/null && umount \"$m\"; done; true",
			   out) > 0);
	test_sh(cmd, NULL, NULL);
	free(cmd);
	test_rm_rf(out);
	free(out);
}

TestSuite(outputs, .init = setup, .fini = teardown, .timeout = 120);

/* OUT/@name, malloc'd. */
static char *at(const char *name)
{
	return fmt("%s/%s", out, name);
}

/* Runs @cmd (freed here) with /bin/sh from OUT. */
static struct outcome sh_out(char *cmd)
{
	char *full = fmt("cd '%s' && ( %s )", out, cmd);
	struct outcome o = sh(full);

	free(full);
	free(cmd);
	return o;
}

static bool is_root(void)
{
	return geteuid() == 0;
}

/* Makes OUT/@name a character device @maj,@min (skips without root). */
static void make_chardev(const char *name, unsigned maj, unsigned min)
{
	char *p = at(name);

	if (!is_root())
		cr_skip_test("making a device node needs root");
	cr_assert_eq(mknod(p, S_IFCHR | 0666, makedev(maj, min)), 0,
		     "mknod %s: %m", p);
	free(p);
}

/* Whether OUT/@name is still the character device @maj,@min. */
static void assert_chardev(const char *name, unsigned maj, unsigned min)
{
	char *p = at(name);
	struct stat st;

	cr_assert_eq(lstat(p, &st), 0, "%s is gone", p);
	cr_assert(S_ISCHR(st.st_mode), "%s is no longer a character device "
		  "(mode %o)", p, st.st_mode);
	cr_assert(major(st.st_rdev) == maj && minor(st.st_rdev) == min,
		  "%s is another device now", p);
	free(p);
}

static void make_fifo(const char *name)
{
	char *p = at(name);

	cr_assert_eq(mkfifo(p, 0600), 0, "mkfifo %s: %m", p);
	free(p);
}

static void assert_fifo(const char *name)
{
	char *p = at(name);
	struct stat st;

	cr_assert_eq(lstat(p, &st), 0, "%s is gone", p);
	cr_assert(S_ISFIFO(st.st_mode), "%s is no longer a FIFO (mode %o)", p,
		  st.st_mode);
	free(p);
}

/* Whether OUT/@name is a symlink to @target still. */
static void assert_symlink(const char *name, const char *target)
{
	char *p = at(name), buf[4096];
	ssize_t n = readlink(p, buf, sizeof(buf) - 1);

	cr_assert_gt(n, 0, "%s is no longer a symlink", p);
	buf[n] = '\0';
	cr_assert_str_eq(buf, target, "%s points elsewhere now", p);
	free(p);
}

/* No temporary ("*.tmp-*") left anywhere under OUT. */
static void assert_no_temporaries(void)
{
	struct outcome o = sh_out(fmt("find . -name '*.tmp-*'"));

	cr_assert_str_eq(o.out, "", "temporaries left behind:\n%s", o.out);
	outcome_free(&o);
}

/* A valid trace-event file at OUT/@name (tests/check_trace.py). */
static void assert_json_trace(const char *name)
{
	struct outcome o = sh_out(fmt("python3 '%s/check_trace.py' '%s'",
				      getenv("KEKE_TESTS_SRC"), name));

	cr_assert_eq(o.code, 0, "%s: %s%s", name, o.out, o.err);
	outcome_free(&o);
}

/* The number of processes named @name in database OUT/@db. */
static int64_t processes_named(const char *db, const char *name)
{
	char *p = at(db), *q = fmt("SELECT count(*) FROM process WHERE "
				   "name = '%s'", name);
	int64_t n = test_db_int(p, q);

	free(p);
	free(q);
	return n;
}

/* `keke run -q ARGS -- true` from OUT. */
static struct outcome keke_run(const char *args)
{
	return sh_out(fmt("'%s' run -q --dir . %s -- true", test_keke_bin(),
			  args));
}

/* A trace dir OUT/trace of one traced /bin/true, in bare mode. */
static void make_trace(void)
{
	struct outcome o;

	o = sh_out(fmt("mkdir -m 700 trace && KEKE_DIR=\"$PWD/trace\" "
		       "LD_PRELOAD='%s' /bin/true", test_preload()));
	cr_assert_eq(o.code, 0, "%s", o.err);
	outcome_free(&o);
}

/* `keke merge trace ARGS` from OUT. */
static struct outcome keke_merge(const char *args)
{
	return sh_out(fmt("'%s' merge trace %s", test_keke_bin(), args));
}

/* Runs @cmd with a reader of FIFO OUT/@fifo alongside (for 60 s at most),
 * which copies what it reads to OUT/@copy. */
static struct outcome with_reader(const char *fifo, const char *copy,
				  char *cmd)
{
	struct outcome o = sh_out(fmt("timeout 60 cat '%s' > '%s' & %s; rc=$?; "
				      "wait; exit $rc", fifo, copy, cmd));

	free(cmd);
	return o;
}

/* ------------------------------------------------------------------ */
/* Where an output goes */

/* -o /dev/null once replaced /dev/null with a regular file. */
/* The page size of database @db, and its size in bytes. */
static void db_pages(const char *db, int64_t *page_size, off_t *size)
{
	struct stat st;

	cr_assert_eq(stat(db, &st), 0, "%s", db);
	*size = st.st_size;
	*page_size = test_db_int(db, "PRAGMA page_size");
}

/* A run of a few calls makes a database of 4 KiB pages, not the 64 KiB
 * pages a big trace's bulk insert is cheaper with, which it keeps. */
Test(outputs, database_pages_fit_the_trace)
{
	const char *small = fmt("%s/small.db", out), *big = fmt("%s/big.db",
								 out);
	int64_t page_size;
	off_t size;

	cr_assert_eq(test_exit_code(test_sh(fmt("'%s' run -q --no-json --db"
						" '%s' -- sh -c 'true; true'",
						test_keke_bin(), small), NULL,
					    NULL)), 0);
	db_pages(small, &page_size, &size);
	cr_assert_eq(page_size, 4096);
	cr_assert_lt(size, 256 * 1024, "a database of %lld bytes",
		     (long long)size);
	cr_assert_str_eq(test_db_str(small, "PRAGMA integrity_check"), "ok");
	cr_assert_eq(test_exit_code(test_sh(fmt("'%s' run -q --no-json --db"
						" '%s' -- '%s' 100000",
						test_keke_bin(), big,
						test_prog("read_loop")), NULL,
					    NULL)), 0);
	db_pages(big, &page_size, &size);
	cr_assert_eq(page_size, 65536);
	cr_assert_eq(test_db_int(big, "SELECT COUNT(*) FROM slice WHERE name"
				 " = 'read'"), 100000);
}

Test(outputs, json_to_a_character_device_is_written_in_place)
{
	struct outcome o;

	make_chardev("null", 1, 3);
	o = keke_run("-o null --db t.db");
	cr_assert_eq(o.code, 0, "%s", o.err);
	assert_chardev("null", 1, 3);
	cr_assert_eq(processes_named("t.db", "true"), 1);
	assert_no_temporaries();
	outcome_free(&o);

	make_trace();
	o = keke_merge("-o null --no-db");
	cr_assert_eq(o.code, 0, "%s", o.err);
	assert_chardev("null", 1, 3);
	outcome_free(&o);
}

Test(outputs, json_to_a_fifo_is_streamed_in_place)
{
	struct outcome o;

	make_fifo("fifo");
	o = with_reader("fifo", "got.json",
			fmt("'%s' run -q --dir . -o fifo --db t.db -- true",
			    test_keke_bin()));
	cr_assert_eq(o.code, 0, "%s", o.err);
	assert_fifo("fifo");
	assert_json_trace("got.json");
	cr_assert_eq(processes_named("t.db", "true"), 1);
	assert_no_temporaries();
	outcome_free(&o);
}

/* SQLite writes a database at random places: it cannot live in a FIFO
 * or a device. Refused before the command runs. */
static void assert_database_refused(const char *node, const char *what)
{
	struct outcome o = sh_out(fmt("'%s' run -q --dir . --db '%s' -- "
				      "touch ran", test_keke_bin(), node));
	char *ran = at("ran"), *args;

	cr_assert_eq(o.code, 1, "--db %s: exit %d\n%s", node, o.code, o.err);
	cr_assert(strstr(o.err, what) && strstr(o.err, "regular file"),
		  "--db %s: %s", node, o.err);
	cr_assert_neq(access(ran, F_OK), 0, "the command ran");
	outcome_free(&o);
	free(ran);

	make_trace();
	args = fmt("--no-json --db '%s'", node);
	o = keke_merge(args);
	free(args);
	cr_assert_eq(o.code, 1, "merge --db %s: exit %d\n%s", node, o.code,
		     o.err);
	cr_assert(strstr(o.err, "regular file"), "%s", o.err);
	outcome_free(&o);
	assert_no_temporaries();
}

Test(outputs, database_refuses_a_fifo)
{
	make_fifo("fifo");
	assert_database_refused("fifo", "FIFO");
	assert_fifo("fifo");
}

Test(outputs, database_refuses_a_character_device)
{
	make_chardev("null", 1, 3);
	assert_database_refused("null", "character device");
	assert_chardev("null", 1, 3);
}

/* The file a symlink points to is replaced, in its own directory; the
 * symlink stays. */
Test(outputs, symlink_output_replaces_the_file_it_points_to)
{
	struct outcome o;
	char *json = at("real/t.json");

	o = sh_out(fmt("mkdir real sub && echo old > real/t.db && echo old > "
		       "real/t.json && ln -s real/t.db link.db && "
		       "ln -s ../real/t.json sub/link.json"));
	cr_assert_eq(o.code, 0, "%s", o.err);
	outcome_free(&o);
	o = keke_run("-o sub/link.json --db link.db");
	cr_assert_eq(o.code, 0, "%s", o.err);
	assert_symlink("link.db", "real/t.db");
	assert_symlink("sub/link.json", "../real/t.json");
	cr_assert_eq(processes_named("real/t.db", "true"), 1);
	assert_json_trace("real/t.json");
	assert_no_temporaries();
	outcome_free(&o);
	free(json);
}

/* As a shell's `>` does: the target of a dangling symlink is created. */
Test(outputs, dangling_symlink_output_creates_its_target)
{
	struct outcome o;

	o = sh_out(fmt("mkdir real && ln -s real/new.json link.json && "
		       "ln -s new.db real/link.db"));
	cr_assert_eq(o.code, 0, "%s", o.err);
	outcome_free(&o);
	o = keke_run("-o link.json --db real/link.db");
	cr_assert_eq(o.code, 0, "%s", o.err);
	assert_symlink("link.json", "real/new.json");
	assert_symlink("real/link.db", "new.db");
	assert_json_trace("real/new.json");
	cr_assert_eq(processes_named("real/new.db", "true"), 1);
	assert_no_temporaries();
	outcome_free(&o);
}

/* A socket cannot be opened as a file: refused, and left alone. */
Test(outputs, socket_output_is_refused)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char *path = at("sock");
	struct outcome o;
	struct stat st;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	cr_assert_geq(fd, 0);
	cr_assert_lt(strlen(path), sizeof(sa.sun_path),
		     "scratch dir too deep for a socket");
	strcpy(sa.sun_path, path);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "%m");
	o = keke_run("-o sock --db t.db");
	cr_assert_eq(o.code, 1, "exit %d: %s", o.code, o.err);
	cr_assert(strstr(o.err, "sock: is a socket"), "%s", o.err);
	cr_assert(lstat(path, &st) == 0 && S_ISSOCK(st.st_mode),
		  "the socket was replaced");
	outcome_free(&o);
	close(fd);
	free(path);
}

/* keke report's -o and --html follow the same rules. */
Test(outputs, report_outputs_follow_the_same_rules)
{
	struct outcome o = keke_run("--no-json --db t.db");
	char *got;

	cr_assert_eq(o.code, 0, "%s", o.err);
	outcome_free(&o);
	make_fifo("fifo");
	o = sh_out(fmt("echo old > real.txt && ln -s real.txt link.txt"));
	outcome_free(&o);
	o = with_reader("fifo", "got.html",
			fmt("'%s' report t.db -o link.txt --html fifo",
			    test_keke_bin()));
	cr_assert_eq(o.code, 0, "%s", o.err);
	assert_fifo("fifo");
	assert_symlink("link.txt", "real.txt");
	got = test_read_file(test_path(out, "got.html"), NULL);
	cr_assert(got && strstr(got, "</html>"), "no page came through the "
		  "FIFO");
	free(got);
	got = test_read_file(test_path(out, "real.txt"), NULL);
	cr_assert(got && strstr(got, "keke report: t.db"), "%s", got);
	free(got);
	outcome_free(&o);

	if (is_root()) {
		make_chardev("null", 1, 3);
		o = sh_out(fmt("'%s' report t.db -o null --html null",
			       test_keke_bin()));
		cr_assert_eq(o.code, 0, "%s", o.err);
		assert_chardev("null", 1, 3);
		outcome_free(&o);
	}
	assert_no_temporaries();
}

/* ------------------------------------------------------------------ */
/* An output that fails costs only itself, and keke says so */

/* Mounts a full tmpfs on OUT/mnt (skips without root). */
static void mount_full_tmpfs(void)
{
	struct outcome o;

	if (!is_root())
		cr_skip_test("mounting a tmpfs needs root");
	o = sh_out(fmt("mkdir mnt && mount -t tmpfs -o size=64k tmpfs mnt"));
	if (o.code != 0)
		cr_skip_test("cannot mount a tmpfs: %s", o.err);
	outcome_free(&o);
	/* Every block taken: the next write fails with ENOSPC. */
	o = sh_out(fmt("dd if=/dev/zero of=mnt/fill bs=4k 2>/dev/null; "
		       "test \"$(df --output=avail mnt | tail -1)\" -eq 0"));
	cr_assert_eq(o.code, 0, "the tmpfs did not fill up: %s", o.err);
	outcome_free(&o);
}

/* Nothing but the filler in OUT/mnt: no output, no temporary. */
static void assert_mnt_untouched(void)
{
	struct outcome o = sh_out(fmt("ls -A mnt"));

	cr_assert_str_eq(o.out, "fill\n", "left in the full disk:\n%s", o.out);
	outcome_free(&o);
}

/* The JSON on a full disk once made keke say "no trace written" although
 * the database held everything. */
Test(outputs, json_on_a_full_disk_costs_only_the_json)
{
	struct outcome o;

	mount_full_tmpfs();
	make_trace();
	o = keke_merge("-o mnt/t.json --db t.db");
	cr_assert_eq(o.code, 1, "exit %d: %s", o.code, o.err);
	cr_assert(strstr(o.err, "JSON output mnt/t.json NOT written: ") &&
		  strstr(o.err, "No space left on device"), "%s", o.err);
	cr_assert(strstr(o.err, " into t.db\n"),
		  "keke merge does not say it wrote t.db:\n%s", o.err);
	cr_assert(!strstr(o.err, "no output written"), "%s", o.err);
	cr_assert_eq(processes_named("t.db", "true"), 1);
	assert_mnt_untouched();
	outcome_free(&o);

	/* keke run: fails although the command succeeded, says what it
	 * wrote, and keeps the record files for another try. */
	o = sh_out(fmt("'%s' run --dir . -o mnt/r.json --db r.db -- true",
		       test_keke_bin()));
	cr_assert_eq(o.code, 1, "exit %d: %s", o.code, o.err);
	cr_assert(strstr(o.err, "JSON output mnt/r.json NOT written: ") &&
		  strstr(o.err, "No space left on device"), "%s", o.err);
	cr_assert(strstr(o.err, "keke: wrote r.db: 1 process,"), "%s",
		  o.err);
	cr_assert(!strstr(o.err, "no trace written"), "%s", o.err);
	cr_assert(strstr(o.err, "retry with: keke merge"), "%s", o.err);
	cr_assert_eq(processes_named("r.db", "true"), 1);
	assert_mnt_untouched();
	outcome_free(&o);
}

/* The same when the JSON goes in place to a device that is always full. */
Test(outputs, json_to_a_full_device_costs_only_the_json)
{
	struct outcome o;

	make_chardev("full", 1, 7);
	make_trace();
	o = keke_merge("-o full --db t.db");
	cr_assert_eq(o.code, 1, "exit %d: %s", o.code, o.err);
	cr_assert(strstr(o.err, "JSON output full NOT written: ") &&
		  strstr(o.err, "No space left on device"), "%s", o.err);
	cr_assert(strstr(o.err, " into t.db\n"), "%s", o.err);
	cr_assert_eq(processes_named("t.db", "true"), 1);
	assert_chardev("full", 1, 7);
	outcome_free(&o);
}

/* Both outputs lost: each is named with its reason, then "no output". */
Test(outputs, both_outputs_lost_are_each_named)
{
	struct outcome o;

	make_chardev("full", 1, 7);
	mount_full_tmpfs();
	make_trace();
	o = keke_merge("-o full --db mnt/t.db");
	cr_assert_eq(o.code, 1, "exit %d: %s", o.code, o.err);
	cr_assert(strstr(o.err, "JSON output full NOT written: "), "%s",
		  o.err);
	cr_assert(strstr(o.err, "database mnt/t.db NOT written: "), "%s",
		  o.err);
	cr_assert(strstr(o.err, "no output written"), "%s", o.err);
	cr_assert(!strstr(o.err, "merged "), "%s", o.err);
	assert_mnt_untouched();
	outcome_free(&o);
}

/* A FIFO whose reader leaves before the trace is written: the JSON fails
 * with EPIPE, keke is not killed by SIGPIPE, the database is written. */
Test(outputs, fifo_reader_leaving_costs_only_the_json)
{
	struct outcome o;

	make_fifo("fifo");
	make_trace();
	o = sh_out(fmt("(exec 3<fifo; exec 3<&-) & '%s' merge trace -o fifo "
		       "--db t.db", test_keke_bin()));
	cr_assert_neq(o.code, 128 + 13, "keke was killed by SIGPIPE");
	cr_assert_eq(o.code, 1, "exit %d: %s", o.code, o.err);
	cr_assert(strstr(o.err, "JSON output fifo NOT written: ") &&
		  strstr(o.err, "Broken pipe"), "%s", o.err);
	cr_assert_eq(processes_named("t.db", "true"), 1);
	assert_fifo("fifo");
	outcome_free(&o);
}

/* ------------------------------------------------------------------ */
/* What a person reads */

/* keke merge once said "merged 1 processes, 1 threads ... from 1 files". */
Test(outputs, summaries_count_in_singular_and_plural)
{
	struct outcome o;

	make_trace();
	o = keke_merge("-o t.json --db t.db");
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert(strstr(o.err, "keke: merged 1 process, 1 thread, "),
		  "%s", o.err);
	cr_assert(strstr(o.err, " from 1 file into t.json and t.db\n"),
		  "%s", o.err);
	outcome_free(&o);

	o = sh_out(fmt("echo junk > trace/junk.kr"));
	outcome_free(&o);
	o = keke_merge("-o t.json --db t.db");
	cr_assert_eq(o.code, 3, "%s", o.err);
	cr_assert(strstr(o.err, "from 1 file into"), "%s", o.err);
	cr_assert(strstr(o.err, "merge is partial: 1 damaged place, "),
		  "%s", o.err);
	outcome_free(&o);

	o = sh_out(fmt("'%s' run --dir . -o r.json --db r.db -- true",
		       test_keke_bin()));
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert(strstr(o.err, "keke: wrote r.json and r.db: 1 process, "
			 "1 thread, "), "%s", o.err);
	outcome_free(&o);

	o = sh_out(fmt("'%s' run -q --dir . --no-json --db p.db -- sh -c 'echo "
		       "junk > \"$KEKE_DIR/junk.kr\"'", test_keke_bin()));
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert(strstr(o.err, "merge is partial: 1 damaged place, "),
		  "%s", o.err);
	outcome_free(&o);
}

/* Every byte below 0x20 but the newline, and DEL. */
static const char *control_byte(const char *s)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && *s != '\n') || *s == 0x7f)
			return s;
	return NULL;
}

/* The traced program reads a file whose name holds ESC and BEL: they
 * must reach no terminal raw, and JSON and CSV must keep them exactly. */
Test(outputs, report_escapes_control_bytes_from_the_trace)
{
	static const char name[] = "a\x1b[31mb\ac";
	struct outcome o;
	const char *bad;
	char *path = at(name), *py;
	FILE *f = fopen(path, "w");

	cr_assert(f, "%s: %m", path);
	fputs("hello\n", f);
	fclose(f);
	o = sh_out(fmt("'%s' run -q --dir . --no-json --db t.db -- cat '%s'",
		       test_keke_bin(), path));
	cr_assert_eq(o.code, 0, "%s", o.err);
	outcome_free(&o);

	o = sh_out(fmt("'%s' report t.db", test_keke_bin()));
	cr_assert_eq(o.code, 0, "%s", o.err);
	bad = control_byte(o.out);
	cr_assert(!bad, "the text report has byte 0x%02x raw, at: %.60s",
		  (unsigned char)*bad, bad > o.out + 20 ? bad - 20 : o.out);
	cr_assert(strstr(o.out, "a\\x1b[31mb\\x07c"),
		  "the path is not shown escaped:\n%s", o.out);
	outcome_free(&o);

	o = sh_out(fmt("'%s' report t.db --html r.html", test_keke_bin()));
	cr_assert_eq(o.code, 0, "%s", o.err);
	outcome_free(&o);
	char *html = test_read_file(test_path(out, "r.html"), NULL);
	cr_assert(html && !strchr(html, '\x1b') && !strchr(html, '\a'),
		  "the HTML report has raw control bytes");
	cr_assert(strstr(html, "a\\x1b[31mb\\x07c"), "no escaped path");
	free(html);

	/* JSON and CSV are read by programs: the path exactly, in valid
	 * documents. */
	py = fmt("python3 -c 'import csv, json, sys\n"
		 "want = sys.argv[1]\n"
		 "def has(v):\n"
		 "    if isinstance(v, dict): return any(map(has, v.values()))\n"
		 "    if isinstance(v, list): return any(map(has, v))\n"
		 "    return isinstance(v, str) and v.endswith(want)\n"
		 "j = json.load(open(\"r.json\"))\n"
		 "rows = list(csv.reader(open(\"r.csv\", newline=\"\")))\n"
		 "assert has(j), \"not in the JSON\"\n"
		 "assert has(rows), \"not in the CSV\"\n"
		 "' '%s'", name);
	o = sh_out(fmt("'%s' report t.db -f json -o r.json && '%s' report "
		       "t.db -f csv -o r.csv && %s", test_keke_bin(),
		       test_keke_bin(), py));
	cr_assert_eq(o.code, 0, "%s%s", o.out, o.err);
	outcome_free(&o);
	free(py);
	free(path);
}

/* keke run's summary names the top processes: a program whose name holds
 * an escape sequence is shown escaped there too. */
Test(outputs, run_summary_escapes_control_bytes)
{
	struct outcome o;

	o = sh_out(fmt("cp /bin/true 't\x1b]0;x\a' && '%s' run --dir . "
		       "--no-json --db t.db -- ./'t\x1b]0;x\a'",
		       test_keke_bin()));
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert(!strchr(o.err, '\x1b') && !strchr(o.err, '\a'),
		  "raw control bytes in the summary:\n%s", o.err);
	cr_assert(strstr(o.err, "t\\x1b]0;x\\x07"), "%s", o.err);
	outcome_free(&o);
}

/* ------------------------------------------------------------------ */
/* keke.pc */

/* The "Libs:" line of the .pc file at @path, or "" (static). */
static const char *libs_of(const char *path)
{
	static char line[4096];
	char *pc = test_read_file(path, NULL), *l;

	cr_assert(pc, "%s is missing", path);
	l = strstr(pc, "\nLibs:");
	line[0] = '\0';
	if (l)
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(l + 1, "\n"),
			 l + 1);
	free(pc);
	return line;
}

/* keke.h needs no library: a program built with `pkg-config --libs keke`
 * once needed libkeke.so to start (exit 127 without it). */
Test(outputs, pkg_config_adds_no_library)
{
	char *build = strdup(test_keke_bin()), *pc, *upc;
	struct outcome o;

	/* BUILD/tools/keke */
	*strrchr(build, '/') = '\0';
	*strrchr(build, '/') = '\0';
	pc = fmt("%s/meson-private/keke.pc", build);
	upc = fmt("%s/meson-uninstalled/keke-uninstalled.pc", build);
	cr_assert(!strstr(libs_of(pc), "-lkeke"), "%s: %s", pc, libs_of(pc));
	cr_assert(!strstr(libs_of(upc), "-lkeke"), "%s: %s", upc,
		  libs_of(upc));

	o = sh_out(fmt("command -v cc && command -v pkg-config"));
	if (o.code != 0)
		cr_skip_test("no cc or pkg-config to build a program with");
	outcome_free(&o);
	o = sh_out(fmt("printf '#include \"keke.h\"\\nint main(void)\\n{\\n"
		       "\\tkeke_begin(\"pc span\", 0);\\n\\tkeke_end();\\n"
		       "\\treturn 0;\\n}\\n' > a.c && "
		       "cc -o annotated a.c -I'%s/../preload' "
		       "$(PKG_CONFIG_PATH='%s/meson-uninstalled' pkg-config "
		       "--cflags --libs keke)", getenv("KEKE_TESTS_SRC"),
		       build));
	cr_assert_eq(o.code, 0, "%s", o.err);
	outcome_free(&o);
	/* Untraced it runs, wherever libkeke.so is or is not. */
	o = sh_out(fmt("env -u LD_LIBRARY_PATH -u LD_PRELOAD ./annotated"));
	cr_assert_eq(o.code, 0, "exit %d: %s", o.code, o.err);
	outcome_free(&o);
	/* Traced, its span is in the trace. */
	o = sh_out(fmt("'%s' run -q --dir . --no-json --db t.db -- ./annotated",
		       test_keke_bin()));
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert_eq(test_db_int(test_path(out, "t.db"), "SELECT count(*) "
				 "FROM slice WHERE name = 'pc span'"), 1);
	outcome_free(&o);
	free(pc);
	free(upc);
	free(build);
}
