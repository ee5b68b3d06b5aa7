// SPDX-License-Identifier: MIT
/*
 * What `keke run` may be trusted with beyond the trace: the orphans of
 * the run it adopts are reaped as they exit; the trace dir is made only
 * where nobody else can swap it, and used through the fd keke holds, so
 * that what is put in its place is never read nor removed; why a program
 * ran untraced is said once.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

TEST_SCRATCH_DIR

static const char *json(void)
{
	return test_path(out, "t.json");
}

static const char *db(void)
{
	return test_path(out, "t.db");
}

/* "scratch dir/@name", valid for the rest of the test (unlike
 * test_path's, for up to 16 names). */
static const char *scratch(const char *name)
{
	static char paths[16][PATH_MAX];
	static int next;
	char *path = paths[next++ % 16];

	snprintf(path, PATH_MAX, "%s/%s", out, name);
	return path;
}

static void pause_ms(long ms)
{
	struct timespec t = { ms / 1000, ms % 1000 * 1000000 };

	nanosleep(&t, NULL);
}

/* How many zombies have @parent as their parent, from /proc. */
static int zombie_children(pid_t parent)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	cr_assert(d, "/proc: %s", strerror(errno));
	while ((e = readdir(d))) {
		char path[300], buf[1024], *close_paren, state;
		int ppid;
		FILE *f;
		size_t len;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		/* "pid (comm) S ppid ...": comm may hold anything. */
		close_paren = strrchr(buf, ')');
		if (close_paren &&
		    sscanf(close_paren + 1, " %c %d", &state, &ppid) == 2 &&
		    state == 'Z' && ppid == parent)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * keke run adopts the orphans of the run (it waits for those still running
 * when the command ends), so it must reap them as they exit: 300 orphans
 * that exit at once while the command goes on must not stay zombies until
 * the command ends. They are all in the trace.
 */
Test(run_trust, orphans_are_reaped_while_the_command_runs, .init = setup,
     .fini = teardown)
{
	const char *ready = scratch("ready"), *go = scratch("go");
	int status, zombies = -1, fd, i;
	pid_t keke;

	keke = fork();
	cr_assert(keke >= 0);
	if (keke == 0) {
		execl(test_keke_bin(), "keke", "run", "-q", "-o", json(),
		      "--db", db(), "--", test_prog("orphan_burst"), "300",
		      ready, go, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 6000 && access(ready, F_OK) != 0; i++) {
		cr_assert_eq(waitpid(keke, &status, WNOHANG), 0,
			     "keke run ended before its command was ready");
		pause_ms(10);
	}
	cr_assert_lt(i, 6000, "orphan_burst did not get ready in a minute");
	/* They have all exited: give keke a moment to reap them. */
	for (i = 0; i < 300; i++) {
		zombies = zombie_children(keke);
		if (zombies == 0)
			break;
		pause_ms(10);
	}
	fd = open(go, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	cr_assert(fd >= 0);
	close(fd);
	cr_assert_eq(waitpid(keke, &status, 0), keke);
	cr_assert_eq(zombies, 0, "%d exited orphans of the run were left "
		     "zombies under keke run while its command ran", zombies);
	cr_assert_eq(test_exit_code(status), 0);
	/* The command, its 300 children and their 300 children. */
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM process"), 601);
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM process WHERE "
				       "killed = 0 AND exit_code = 0"), 601);
}

/* ------------------------------------------------------------------ */
/* The trace dir */

/* Runs the shell command @fmt (printf-style). */
static struct outcome __attribute__((format(printf, 1, 2)))
shf(const char *fmt, ...)
{
	struct outcome o = { 0 };
	va_list ap;
	char *cmd;

	va_start(ap, fmt);
	cr_assert(vasprintf(&cmd, fmt, ap) > 0);
	va_end(ap);
	o.code = test_exit_code(test_sh(cmd, &o.out, &o.err));
	cr_assert(o.out && o.err);
	free(cmd);
	return o;
}

/* How many entries the directory @dir holds. */
static int entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	cr_assert(d, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

/* A new directory @name in the scratch dir, of mode @mode exactly. */
static const char *make_dir(const char *name, mode_t mode)
{
	const char *dir = scratch(name);

	cr_assert_eq(mkdir(dir, 0700), 0, "%s: %s", dir, strerror(errno));
	cr_assert_eq(chmod(dir, mode), 0);
	return dir;
}

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("needs root to give a directory to another user");
}

/*
 * `keke run` with the trace dir's parent named by @how ("--dir X" or
 * "TMPDIR=X", X being @parent) must refuse to run, say @why about @culprit,
 * make nothing in @parent, and not start the command.
 */
static void refused(const char *how, const char *parent, const char *culprit,
		    const char *why)
{
	const char *ran = scratch("ran");
	bool env = !strncmp(how, "TMPDIR", 6);
	char *expect;
	struct outcome o;

	o = shf("cd '%s' && %s%s '%s' run -q %s%s -o t.json --db t.db -- "
	       "touch '%s'", out, env ? how : "", env ? parent : "",
	       test_keke_bin(), env ? "" : how, env ? "" : parent, ran);
	cr_assert_eq(o.code, 1, "keke run %s%s: exit %d: %s", how, parent,
		     o.code, o.err);
	cr_assert(asprintf(&expect, "%s %s", culprit, why) > 0);
	cr_assert(strstr(o.err, "keke: will not make the trace dir in ") &&
		  strstr(o.err, expect), "keke run %s%s did not say '%s': %s",
		  how, parent, expect, o.err);
	cr_assert(access(ran, F_OK) != 0, "the command ran");
	if (access(parent, F_OK) == 0)
		cr_assert_eq(entries(parent), 0, "keke run %s%s made something "
			     "there", how, parent);
	free(expect);
	outcome_free(&o);
}

/* The real path of @path in a static buffer. */
static const char *real(const char *path)
{
	static char buf[PATH_MAX];

	cr_assert(realpath(path, buf), "%s: %s", path, strerror(errno));
	return buf;
}

Test(run_trust, parent_of_another_user_is_refused, .init = setup,
     .fini = teardown)
{
	const char *theirs;

	need_root();
	theirs = make_dir("theirs", 0755);
	cr_assert_eq(chown(theirs, 65534, 65534), 0);
	refused("--dir ", theirs, real(theirs), "belongs to another user");
	refused("TMPDIR=", theirs, real(theirs), "belongs to another user");
	/* Above the parent too: its owner could rename the parent away. */
	make_dir("theirs/mine", 0700);
	refused("--dir ", scratch("theirs/mine"), real(theirs),
		"belongs to another user");
}

Test(run_trust, parent_writable_by_others_is_refused, .init = setup,
     .fini = teardown)
{
	const char *open_dir = make_dir("open", 0777);
	const char *group = make_dir("group", 0770);
	const char *sticky = make_dir("sticky", 01777);
	struct outcome o;

	refused("--dir ", open_dir, real(open_dir),
		"is writable by group or others and not sticky");
	refused("TMPDIR=", group, real(group),
		"is writable by group or others and not sticky");
	/* Sticky, like /tmp: nobody else can move what is ours in it. */
	o = shf("cd '%s' && '%s' run -q --dir '%s' -o t.json --db t.db -- "
	       "true", out, test_keke_bin(), sticky);
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert_eq(entries(sticky), 0, "the trace dir was not removed");
	outcome_free(&o);
}

/* The trace dir keke run makes for --dir @dir and keeps; to free. */
static char *kept_dir(const char *dir)
{
	struct outcome o = shf("cd '%s' && '%s' run -q --keep --dir '%s' "
			      "--no-json --db k.db -- true 2>&1", out,
			      test_keke_bin(), dir);
	char *kept = strstr(o.out, "keke: trace dir kept: ");

	cr_assert_eq(o.code, 0, "keke run --dir %s: %s", dir, o.out);
	cr_assert(kept, "keke run --keep did not say where: %s", o.out);
	kept = strdup(kept + strlen("keke: trace dir kept: "));
	kept[strcspn(kept, "\n")] = '\0';
	outcome_free(&o);
	return kept;
}

/*
 * A symbolic link in --dir, also spelt "link/" or "link/.", is resolved
 * once and its target checked: one to a directory others may write to is
 * refused; one to a safe directory gives a trace dir whose path, handed
 * to every process of the run, holds no link that could be repointed.
 */
Test(run_trust, symlinked_dir_is_checked_at_its_target, .init = setup,
     .fini = teardown)
{
	const char *open_dir = make_dir("open", 0777);
	const char *mine = make_dir("mine", 0700);
	const char *to_open = scratch("to-open");
	const char *to_mine = scratch("to-mine");
	static const char *const spellings[] = { "", "/", "/.", "//." };
	char *dir, *kept, want[PATH_MAX + 8];

	cr_assert_eq(symlink(open_dir, to_open), 0);
	cr_assert_eq(symlink(mine, to_mine), 0);
	snprintf(want, sizeof(want), "%s/keke-", real(mine));
	for (size_t i = 0; i < 4; i++) {
		cr_assert(asprintf(&dir, "%s%s", to_open, spellings[i]) > 0);
		refused("--dir ", dir, real(open_dir),
			"is writable by group or others and not sticky");
		free(dir);
		cr_assert(asprintf(&dir, "%s%s", to_mine, spellings[i]) > 0);
		kept = kept_dir(dir);
		cr_assert(!strncmp(kept, want, strlen(want)) &&
			  !strchr(kept + strlen(want), '/'),
			  "--dir %s: trace dir %s, not in %s", dir, kept,
			  real(mine));
		test_rm_rf(kept);
		free(kept);
		free(dir);
	}
}

/* A relative --dir: the processes of the run find the trace dir after
 * the command changed directory. */
Test(run_trust, relative_dir_survives_chdir, .init = setup, .fini = teardown)
{
	struct outcome o;

	make_dir("traces", 0700);
	o = shf("cd '%s' && '%s' run -q --dir traces -o t.json --db t.db -- "
	       "sh -c \"cd / && '%s' 3 exit; exit 0\"", out, test_keke_bin(),
	       test_prog("exit_status"));
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM process WHERE "
				       "name = 'exit_status' AND exit_code = "
				       "3 AND untraced = 0"), 1,
		     "the process started after the chdir was not traced");
	outcome_free(&o);
}

/* A directory full of files, which keke run must never touch. */
static const char *make_victim(int files)
{
	const char *victim = make_dir("victim", 0700);
	char *cmd;

	cr_assert(asprintf(&cmd, "cd '%s' && for i in $(seq %d); do echo "
			   "precious > file-$i; done", victim, files) > 0);
	cr_assert_eq(test_exit_code(test_sh(cmd, NULL, NULL)), 0);
	free(cmd);
	return victim;
}

/*
 * The command replaces the trace dir by a symbolic link to a directory
 * full of files: keke run merges the dir it made, which the link does not
 * lead to, removes its files wherever it now is, leaves the link, and
 * never touches the files the link leads to.
 */
Test(run_trust, trace_dir_swapped_for_a_symlink, .init = setup,
     .fini = teardown)
{
	const char *victim = make_victim(50);
	const char *traces = make_dir("traces", 0700);
	struct outcome o;

	o = shf("cd '%s' && '%s' run -q --dir traces -o t.json --db t.db -- "
	       "'%s' now '%s'", out, test_keke_bin(),
	       test_prog("swap_trace_dir"), victim);
	cr_assert_eq(o.code, 0, "exit %d: %s", o.code, o.err);
	cr_assert_eq(entries(victim), 50, "keke run removed files the link "
		     "to the trace dir led to: %s", o.err);
	cr_assert_eq(test_db_int(db(), "SELECT count(*) FROM process WHERE "
				       "name = 'swap_trace_dir' AND "
				       "exit_code = 0"), 1,
		     "the trace is not the one made in the trace dir: %s",
		     o.err);
	cr_assert(strstr(o.err, "was replaced while the command ran"), "%s",
		  o.err);
	/* traces holds the link and the moved trace dir, emptied. */
	cr_assert_eq(entries(traces), 2);
	outcome_free(&o);
	o = shf("ls -A '%s'/keke-*.moved | wc -l", traces);
	cr_assert_str_eq(o.out, "0\n", "the moved trace dir was not emptied");
	outcome_free(&o);
}

/*
 * The same swap in the middle of keke run's removal of the record files,
 * when it has removed one: the files of the same names in the directory
 * the link leads to are not removed.
 */
Test(run_trust, trace_dir_swapped_during_cleanup, .init = setup,
     .fini = teardown)
{
	const char *victim = make_victim(50);
	const char *done = scratch("done");
	struct outcome o;
	int i;

	make_dir("traces", 0700);
	o = shf("cd '%s' && '%s' run -q --wait 0 --dir traces -o t.json --db "
	       "t.db -- '%s' at-cleanup '%s' 200 '%s'", out, test_keke_bin(),
	       test_prog("swap_trace_dir"), victim, done);
	cr_assert_eq(o.code, 0, "exit %d: %s", o.code, o.err);
	for (i = 0; i < 3000 && access(done, F_OK) != 0; i++)
		pause_ms(10);
	cr_assert_lt(i, 3000, "the trace dir was never swapped");
	/* 50 files, and one for the record file of the command and of each
	 * of its 200 children at least. */
	cr_assert_geq(entries(victim), 50 + 201, "keke run removed files "
		      "the link to the trace dir led to: %s", o.err);
	outcome_free(&o);
}

/* The merge reads the trace dir through keke's fd; damage it reports
 * still names the trace dir by its path. */
Test(run_trust, damage_names_the_trace_dir_by_its_path, .init = setup,
     .fini = teardown)
{
	const char *traces = make_dir("traces", 0700);
	struct outcome o;
	char *expect;

	o = shf("cd '%s' && '%s' run -q --dir traces -o t.json --db t.db -- "
	       "sh -c 'echo junk > \"$KEKE_DIR/junk\"'", out, test_keke_bin());
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert(asprintf(&expect, "keke: damaged: %s/keke-", real(traces)) >
		  0);
	cr_assert(strstr(o.err, expect) && strstr(o.err, "/junk: "),
		  "not '%s...': %s", expect, o.err);
	cr_assert(!strstr(o.err, "/proc/"), "%s", o.err);
	free(expect);
	outcome_free(&o);
}

/* ------------------------------------------------------------------ */
/* What keke run says about programs it cannot trace inside */

/* The lines of @text that hold @word, counted; the last one in *@line
 * (to free) when not NULL. */
static int lines_with(const char *text, const char *word, char **line)
{
	const char *p = text;
	int n = 0;

	while (*p) {
		size_t len = strcspn(p, "\n");
		char *l = strndup(p, len);

		if (strstr(l, word)) {
			n++;
			if (line) {
				free(*line);
				*line = l;
				l = NULL;
			}
		}
		free(l);
		p += len + (p[len] == '\n');
	}
	return n;
}

/* keke run says once why a static program it met ran untraced, whether
 * the command itself or a child of it. */
Test(run_trust, static_program_is_told_once, .init = setup, .fini = teardown)
{
	static const char *const cmds[] = { "'%s' 7; true",
					    "sh -c \"'%s' 7; true\"" };
	char *line = NULL;

	for (size_t i = 0; i < 2; i++) {
		char cmd[8192];
		struct outcome o;

		snprintf(cmd, sizeof(cmd), cmds[i], test_prog("t_static_exit"));
		o = shf("'%s' run -q -o '%s' --db '%s' -- %s", test_keke_bin(),
		       json(), db(), cmd);
		cr_assert_eq(lines_with(o.err, "t_static_exit", &line), 1,
			     "%s: not one line about t_static_exit:\n%s", cmd,
			     o.err);
		cr_assert(strstr(line, "is statically linked") &&
			  strstr(line, "only its lifetime is in the trace"),
			  "%s", line);
		free(line);
		line = NULL;
		outcome_free(&o);
	}
}

/* A setuid program started by a traced shell of an unprivileged user:
 * one line says why it ran untraced. */
Test(run_trust, setuid_program_is_told_once, .init = setup, .fini = teardown)
{
	const char *dir = make_dir("su", 0755);
	char prog[PATH_MAX], *line = NULL;
	struct outcome o;

	if (geteuid() != 0)
		cr_skip_test("making a setuid root program needs root");
	snprintf(prog, sizeof(prog), "%s/t_setuid_ids", dir);
	cr_assert_eq(chmod(out, 0755), 0);
	o = shf("cp '%s' '%s' && chmod 4755 '%s'", test_prog("t_setuid_ids"),
	       prog, prog);
	cr_assert_eq(o.code, 0, "%s", o.err);
	outcome_free(&o);
	cr_assert_eq(chown(dir, 65534, 65534), 0);
	o = shf("cd '%s' && setpriv --reuid=65534 --regid=65534 --clear-groups "
	       "env TMPDIR='%s' '%s' run -q -o t.json --db t.db -- sh -c "
	       "\"'%s'; echo rc=\\$?\"", dir, dir, test_keke_bin(), prog);
	if (!strstr(o.out, "setuid=1"))
		cr_skip_test("cannot run a setuid program as nobody here "
			     "(nosuid mount, no setpriv?): %s%s", o.out, o.err);
	cr_assert_eq(o.code, 0, "%s", o.err);
	cr_assert_eq(lines_with(o.err, "t_setuid_ids", &line), 1,
		     "not one line about t_setuid_ids:\n%s", o.err);
	cr_assert(strstr(line, "is setuid") &&
		  strstr(line, "only its lifetime is in the trace"), "%s", line);
	free(line);
	outcome_free(&o);
}
