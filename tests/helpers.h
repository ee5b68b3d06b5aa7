/* SPDX-License-Identifier: MIT */
/* Helpers shared by the tests: temporary dirs, running commands, queries. */
#ifndef KEKE_TEST_HELPERS_H
#define KEKE_TEST_HELPERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

/* A new empty directory under $TMPDIR (or /tmp); abort on failure.
 * The caller frees the string. */
char *test_tmpdir(void);

/* "dir/name" in a static rotating buffer (valid for 8 more calls). */
const char *test_path(const char *dir, const char *name);

/* Where the build put things (from the meson test environment). */
const char *test_keke_bin(void);
const char *test_preload(void);
/* A test program of tests/progs by name. */
const char *test_prog(const char *name);

/*
 * Runs @cmd with /bin/sh -c, stdout and stderr captured into *out and
 * *err (malloc'd, NUL terminated; either may be NULL to discard).
 * Returns the wait status.
 */
int test_sh(const char *cmd, char **out, char **err);

/* Exit code of a wait status, or 128 + signal. */
int test_exit_code(int status);

/* Runs @body in a child process, which then exits 0, and waits for it;
 * the test fails unless it exited 0. Returns its pid. */
pid_t test_in_child(void (*body)(void));

/* What a command did: exit code (128 + signal when killed), output. */
struct outcome {
	int code;
	char *out;	/* never NULL */
	char *err;	/* never NULL */
};

/* Runs @cmd with /bin/sh; returns its exit code and output. */
struct outcome sh(const char *cmd);

void outcome_free(struct outcome *o);

/* printf into a malloc'd string (aborts the test on failure), which the
 * caller may free or leave to the end of the test (each test runs in a
 * process of its own, which keeps it). */
__attribute__((format(printf, 1, 2))) char *fmt(const char *f, ...);

/* First column of the first row of @sql on database @db as an integer
 * (or -1 when there is no row); aborts the test on SQL errors. */
int64_t test_db_int(const char *db, const char *sql);

/* Same, as a malloc'd string (NULL when no row or NULL). */
char *test_db_str(const char *db, const char *sql);

/* Reads a whole file (malloc'd, NUL terminated) or NULL. */
char *test_read_file(const char *path, size_t *len);

/* Removes a directory tree (best effort). */
void test_rm_rf(const char *path);

/* While true, pthread_create in the test's own process fails with EAGAIN,
 * as it does when threads run out: code that falls back to working on the
 * caller's thread is tested so. */
extern _Bool test_threads_fail;

/*
 * Declares `out`, a scratch dir made afresh for each test, and setup() and
 * teardown() that make and remove it, to name as a test's .init and .fini.
 */
#define TEST_SCRATCH_DIR                                                     \
	static char *out;                                                    \
	static void setup(void)                                              \
	{                                                                    \
		out = test_tmpdir();                                         \
	}                                                                    \
	static void teardown(void)                                           \
	{                                                                    \
		test_rm_rf(out);                                             \
		free(out);                                                   \
	}

/* The same with two scratch dirs: dir for record files, out for what is
 * made of them. */
#define TEST_RECORD_AND_OUT_DIRS                                             \
	static char *dir;                                                    \
	static char *out;                                                    \
	static void setup(void)                                              \
	{                                                                    \
		dir = test_tmpdir();                                         \
		out = test_tmpdir();                                         \
	}                                                                    \
	static void teardown(void)                                           \
	{                                                                    \
		test_rm_rf(dir);                                             \
		test_rm_rf(out);                                             \
		free(dir);                                                   \
		free(out);                                                   \
	}

#endif
