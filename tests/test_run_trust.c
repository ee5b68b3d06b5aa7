// SPDX-License-Identifier: MIT
/*
 * What `keke run` may be trusted with beyond the trace: the orphans of
 * the run it adopts are reaped as they exit.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
	const char *ready = test_path(out, "ready"), *go = test_path(out, "go");
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
