// SPDX-License-Identifier: MIT
#include "helpers.h"

#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

char *test_tmpdir(void)
{
	const char *tmp = getenv("TMPDIR");
	char *dir;

	if (!tmp || !*tmp)
		tmp = "/tmp";
	cr_assert(asprintf(&dir, "%s/keke-test-XXXXXX", tmp) > 0);
	cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	return dir;
}

const char *test_path(const char *dir, const char *name)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir, name);
	return b;
}

static const char *env_or_die(const char *name)
{
	const char *v = getenv(name);

	cr_assert(v && *v, "%s is not set: run the tests with meson test",
		  name);
	return v;
}

const char *test_keke_bin(void)
{
	return env_or_die("KEKE_BIN");
}

const char *test_preload(void)
{
	return env_or_die("KEKE_PRELOAD");
}

const char *test_prog(const char *name)
{
	return test_path(env_or_die("KEKE_PROGS"), name);
}

char *test_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			cap = (n + 4096 + 1) * 2;
			buf = realloc(buf, cap);
			cr_assert(buf);
		}
		size_t got = fread(buf + n, 1, 4096, f);
		n += got;
		if (got == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int test_sh(const char *cmd, char **out, char **err)
{
	char *dir = test_tmpdir();
	const char *o = test_path(dir, "stdout");
	const char *e = test_path(dir, "stderr");
	char *full;
	int status;

	cr_assert(asprintf(&full, "( %s ) >'%s' 2>'%s'", cmd, o, e) > 0);
	status = system(full);
	free(full);
	if (out)
		*out = test_read_file(o, NULL);
	if (err)
		*err = test_read_file(e, NULL);
	test_rm_rf(dir);
	free(dir);
	return status;
}

int test_exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

pid_t test_in_child(void (*body)(void))
{
	int status;
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		body();
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "child process failed: status %#x", status);
	return pid;
}

static sqlite3_stmt *query(sqlite3 **db, const char *path, const char *sql)
{
	sqlite3_stmt *st = NULL;

	cr_assert(sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) ==
		  SQLITE_OK, "cannot open %s", path);
	cr_assert(sqlite3_prepare_v2(*db, sql, -1, &st, NULL) == SQLITE_OK,
		  "%s: %s", sql, sqlite3_errmsg(*db));
	return st;
}

int64_t test_db_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st = query(&db, path, sql);
	int64_t v = -1;
	int rc = sqlite3_step(st);

	cr_assert(rc == SQLITE_ROW || rc == SQLITE_DONE, "%s: %s", sql,
		  sqlite3_errmsg(db));
	if (rc == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

char *test_db_str(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st = query(&db, path, sql);
	char *v = NULL;
	int rc = sqlite3_step(st);

	cr_assert(rc == SQLITE_ROW || rc == SQLITE_DONE, "%s: %s", sql,
		  sqlite3_errmsg(db));
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0))
		v = strdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

void test_rm_rf(const char *path)
{
	char *cmd;

	if (asprintf(&cmd, "rm -rf '%s'", path) > 0) {
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", path);
		free(cmd);
	}
}

_Bool test_threads_fail;

typedef int create_fn(pthread_t *, const pthread_attr_t *,
		      void *(*)(void *), void *);

/* A sanitizer's own pthread_create, when its runtime is linked into the
 * program (where dlsym(RTLD_NEXT) would pass it by). */
extern create_fn __interceptor_pthread_create __attribute__((weak));

/* Interposes on pthread_create for the whole test process; the
 * sanitizer's, or else the next definition, does the work. */
int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
		   void *(*start)(void *), void *arg)
{
	static create_fn *next;

	if (test_threads_fail)
		return EAGAIN;
	if (!next)
		next = __interceptor_pthread_create ?
			       __interceptor_pthread_create :
			       (create_fn *)dlsym(RTLD_NEXT, "pthread_create");
	return next(thread, attr, start, arg);
}

struct outcome sh(const char *cmd)
{
	struct outcome o = { 0 };

	o.code = test_exit_code(test_sh(cmd, &o.out, &o.err));
	if (!o.out)
		o.out = strdup("");
	if (!o.err)
		o.err = strdup("");
	cr_assert(o.out && o.err);
	return o;
}

void outcome_free(struct outcome *o)
{
	free(o->out);
	free(o->err);
	o->out = o->err = NULL;
}

/* What fmt made, kept reachable until the test's process ends. */
static char **made;
static size_t nmade, made_cap;

char *fmt(const char *f, ...)
{
	va_list ap;
	char *s;

	va_start(ap, f);
	cr_assert(vasprintf(&s, f, ap) >= 0);
	va_end(ap);
	if (nmade == made_cap) {
		made_cap = made_cap ? 2 * made_cap : 64;
		made = realloc(made, made_cap * sizeof(*made));
		cr_assert(made);
	}
	made[nmade++] = s;
	return s;
}
