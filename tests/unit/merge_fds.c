// SPDX-License-Identifier: MIT
/*
 * The merge's fd table: stand-in processes write records with chosen
 * times (through the writer libkeke.so uses), the merge names each call's
 * fd, and the names are checked in the database. Each call that uses an
 * fd carries a COUNT no other call has, to find it by.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers.h"
#include "merge/merge.h"
#include "record/clock.h"
#include "runtime/writer.h"
#include "sinks/sink.h"

TEST_RECORD_AND_OUT_DIRS

static const uint8_t trace_id[16] = { 0xfd };

/* Times are steps from the image's start (the clock is CLOCK_MONOTONIC:
 * a tick is a nanosecond). */
#define STEP 1000
static uint64_t base;

/* A field of a record: an integer, or a string when s is not NULL. */
struct field {
	unsigned key;
	int64_t i;
	const char *s;
};

#define I(k, v) { KEKE_KEY_##k, (v), NULL }
#define S(k, v) { KEKE_KEY_##k, 0, (v) }

/* Records a slice of @call at step @at lasting @dur steps, failed with
 * @err (0: succeeded), with @n fields. */
static void call_at(unsigned call, int64_t at, int64_t dur, int err,
		    const struct field *fs, size_t n)
{
	struct keke_rec r;
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		len += fs[i].s ? strlen(fs[i].s) : 0;
	if (!keke_rec_begin(&r, KEKE_REC_SLICE, call, (unsigned)err,
			    base + (uint64_t)(at * STEP),
			    KEKE_REC_MAX_LEN(n + 1, KEKE_STR_MAX_LEN(len))))
		_exit(102);
	keke_rec_int(&r, KEKE_KEY_DUR, dur * STEP);
	for (size_t i = 0; i < n; i++) {
		if (fs[i].s)
			keke_rec_str(&r, fs[i].key, fs[i].s, strlen(fs[i].s));
		else
			keke_rec_int(&r, fs[i].key, fs[i].i);
	}
	keke_rec_commit(&r);
}

#define FIELDS(...) (struct field[]){ __VA_ARGS__ },                         \
	sizeof((struct field[]){ __VA_ARGS__ }) / sizeof(struct field)
/* CALL(OPEN, at, dur, fields...): a call that succeeded. */
#define CALL(c, at, dur, ...) call_at(KEKE_CALL_##c, at, dur, 0,              \
				      FIELDS(__VA_ARGS__))
/* A read of @fd at step @at, found by its count @id. */
#define READ(at, fd, id) CALL(READ, at, 1, I(FD, fd), I(COUNT, id),          \
			      I(RESULT, 0))

/*
 * Starts an image of this process: flow @flow_in led to it (0: none),
 * its working directory is @cwd, and its fds 0 to 2 are named as
 * @stdio[0..2] say (NULL: not told).
 */
static void start_image(uint64_t flow_in, const char *cwd,
			const char *const stdio[3])
{
	static const unsigned keys[] = { KEKE_KEY_STDIN, KEKE_KEY_STDOUT,
					 KEKE_KEY_STDERR };
	struct keke_writer_config cfg = { .dir = dir, .flow_in = flow_in };
	struct keke_rec r;

	memcpy(cfg.trace_id, trace_id, sizeof(trace_id));
	if (keke_writer_start(&cfg) != 0)
		_exit(100);
	if (!keke_rec_begin(&r, KEKE_REC_PROCESS_START, 0, 0, keke_now(),
			    KEKE_REC_MAX_LEN(8, 5 * KEKE_STR_MAX_LEN(256))))
		_exit(101);
	keke_rec_int(&r, KEKE_KEY_PID, getpid());
	keke_rec_int(&r, KEKE_KEY_PPID, getppid());
	keke_rec_str(&r, KEKE_KEY_EXE, "/bin/standin", 12);
	keke_rec_str(&r, KEKE_KEY_ARGV, "standin", 7);
	if (cwd)
		keke_rec_str(&r, KEKE_KEY_CWD, cwd, strlen(cwd));
	for (int i = 0; stdio && i < 3; i++)
		if (stdio[i])
			keke_rec_str(&r, keys[i], stdio[i], strlen(stdio[i]));
	keke_rec_commit(&r);
	base = keke_now() + STEP;
}

/* Runs @body on a second thread of this process, and waits for it. */
static void on_thread(void *(*body)(void *))
{
	pthread_t t;

	if (pthread_create(&t, NULL, body, NULL) || pthread_join(t, NULL))
		_exit(103);
}

static void merge(void)
{
	const char *dirs[] = { dir };
	char err[KEKE_MERGE_ERROR_MAX];
	static char db[4096];
	struct keke_merge_options o = {
		.dirs = dirs,
		.ndirs = 1,
		.db_sink = &keke_sink_sqlite,
		.db_path = strcpy(db, test_path(out, "t.db")),
	};
	struct keke_merge_stats stats;

	cr_assert_eq(keke_merge(&o, &stats, err), KEKE_MERGE_OK, "%s", err);
}

/* The string arg @key of the slice with count @id, or NULL. */
static char *arg_of(int id, const char *key)
{
	char sql[512];

	snprintf(sql, sizeof(sql),
		 "SELECT a.string_value FROM slice s "
		 "JOIN args c ON c.arg_set_id = s.arg_set_id "
		 "AND c.key = 'count' AND c.int_value = %d "
		 "JOIN args a ON a.arg_set_id = s.arg_set_id AND a.key = '%s'",
		 id, key);
	return test_db_str(test_path(out, "t.db"), sql);
}

/* Checks that the call with count @id named its fd @want (NULL: no
 * name). */
static void expect_path(int id, const char *want)
{
	char *got = arg_of(id, "path");

	if (want)
		cr_expect(got && !strcmp(got, want),
			  "call %d: path %s, expected %s", id,
			  got ? got : "(none)", want);
	else
		cr_expect(!got, "call %d: path %s, expected none", id, got);
	free(got);
}

/* Checks the string arg @key of the first slice named @name. */
static void expect_arg(const char *name, const char *key, const char *want)
{
	char sql[512], *got;

	snprintf(sql, sizeof(sql),
		 "SELECT a.string_value FROM slice s JOIN args a ON "
		 "a.arg_set_id = s.arg_set_id AND a.key = '%s' WHERE "
		 "s.name = '%s' ORDER BY s.ts LIMIT 1", key, name);
	got = test_db_str(test_path(out, "t.db"), sql);
	cr_expect(got && !strcmp(got, want), "%s: %s is %s, expected %s",
		  name, key, got ? got : "(none)", want);
	free(got);
}

static const char *const terminal[3] = { "/dev/pts/7", "/dev/pts/7",
					 "/dev/pts/7" };

/* A file dup2'd over stdout: writes to fd 1 name it from then on. */
static void dup2_over_stdout(void)
{
	start_image(0, "/work", terminal);
	CALL(WRITE, 0, 1, I(FD, 1), I(COUNT, 1), I(RESULT, 1));
	CALL(OPEN, 1, 1, S(PATH, "out.txt"), I(FLAGS, O_WRONLY | O_CREAT),
	     I(RESULT, 3));
	CALL(DUP2, 3, 1, I(FD, 3), I(ARG, 1), I(RESULT, 1));
	CALL(CLOSE, 5, 1, I(FD, 3), I(RESULT, 0));
	CALL(WRITE, 7, 1, I(FD, 1), I(COUNT, 2), I(RESULT, 2));
	CALL(WRITE, 8, 1, I(FD, 2), I(COUNT, 3), I(RESULT, 3));
	CALL(WRITE, 9, 1, I(FD, 3), I(COUNT, 4), I(RESULT, -1));
}

Test(merge_fds, dup2_over_stdout_names_the_file, .init = setup,
     .fini = teardown)
{
	test_in_child(dup2_over_stdout);
	merge();
	expect_path(1, "/dev/pts/7");
	expect_path(2, "/work/out.txt");
	expect_path(3, "/dev/pts/7");
	expect_path(4, NULL);
	expect_arg("dup2", "path", "/work/out.txt");
	expect_arg("close", "path", "/work/out.txt");
}

/*
 * The main thread accepts one connection as fd 5, then blocks in accept
 * while a worker thread receives on fd 5 and closes it (slowly: the
 * number is free again at once); the accept returns the next connection
 * as fd 5 before that close returns, and the worker receives on it. The
 * main thread's records are all read first.
 */
static void *worker_of_server(void *arg)
{
	(void)arg;
	CALL(RECV, 12, 1, I(FD, 5), I(COUNT, 1), I(RESULT, 10));
	CALL(CLOSE, 14, 20, I(FD, 5), I(RESULT, 0));
	CALL(RECV, 40, 1, I(FD, 5), I(COUNT, 2), I(RESULT, 10));
	return NULL;
}

static void server(void)
{
	start_image(0, "/", NULL);
	CALL(SOCKET, 0, 1, I(DOMAIN, AF_INET), I(TYPE, SOCK_STREAM),
	     I(RESULT, 4));
	CALL(BIND, 1, 1, I(FD, 4), S(ADDR, "0.0.0.0:8000"));
	CALL(ACCEPT, 2, 8, I(FD, 4), S(ADDR, "127.0.0.1:1111"),
	     I(RESULT, 5));
	CALL(ACCEPT, 11, 20, I(FD, 4), S(ADDR, "127.0.0.1:2222"),
	     I(RESULT, 5));
	on_thread(worker_of_server);
}

Test(merge_fds, threads_are_named_in_time_order, .init = setup,
     .fini = teardown)
{
	test_in_child(server);
	merge();
	expect_path(1, "127.0.0.1:1111");
	expect_path(2, "127.0.0.1:2222");
	expect_arg("close", "path", "127.0.0.1:1111");
}

/* A worker thread accepts and opens (a path relative to the image's
 * working directory); the main thread, whose records are read first,
 * uses the fds after they were made, and before. */
static void *acceptor(void *arg)
{
	(void)arg;
	CALL(ACCEPT, 2, 2, I(FD, 4), S(ADDR, "10.0.0.1:80"), I(RESULT, 6));
	CALL(OPEN, 20, 2, S(PATH, "data/log"), I(FLAGS, O_RDONLY),
	     I(RESULT, 7));
	return NULL;
}

static void reader_first(void)
{
	start_image(0, "/srv", NULL);
	READ(1, 6, 1);		/* before the accept ended */
	READ(10, 6, 2);
	READ(21, 7, 3);		/* while the open ran */
	READ(30, 7, 4);
	on_thread(acceptor);
}

Test(merge_fds, a_thread_read_first_sees_later_fds, .init = setup,
     .fini = teardown)
{
	test_in_child(reader_first);
	merge();
	expect_path(1, NULL);
	expect_path(2, "10.0.0.1:80");
	expect_path(3, NULL);
	expect_path(4, "/srv/data/log");
}

/* An fd closed and its number used again. */
static void reuse(void)
{
	start_image(0, "/", NULL);
	CALL(OPEN, 0, 1, S(PATH, "/a"), I(FLAGS, O_RDONLY), I(RESULT, 3));
	READ(2, 3, 1);
	CALL(CLOSE, 3, 1, I(FD, 3), I(RESULT, 0));
	READ(5, 3, 2);
	CALL(OPEN, 6, 1, S(PATH, "/b"), I(FLAGS, O_RDONLY), I(RESULT, 3));
	READ(8, 3, 3);
	/* A failed close still closed it (EINTR on Linux). */
	call_at(KEKE_CALL_CLOSE, 9, 1, 4, FIELDS(I(FD, 3), I(RESULT, -1)));
	READ(11, 3, 4);
	/* A failed open names nothing. */
	call_at(KEKE_CALL_OPEN, 12, 1, 2, FIELDS(S(PATH, "/c"),
						 I(RESULT, -1)));
	READ(14, 3, 5);
}

Test(merge_fds, a_closed_number_used_again, .init = setup, .fini = teardown)
{
	test_in_child(reuse);
	merge();
	expect_path(1, "/a");
	expect_path(2, NULL);
	expect_path(3, "/b");
	expect_path(4, NULL);
	expect_path(5, NULL);
}

/* Fds that close on exec, by every way of saying so, and fds that do
 * not; the image after the exec sees only the latter. */
static void before_exec(void)
{
	start_image(0, "/", NULL);
	CALL(OPEN, 0, 1, S(PATH, "/cloexec"), I(FLAGS, O_CLOEXEC),
	     I(RESULT, 3));
	CALL(OPEN, 1, 1, S(PATH, "/kept"), I(FLAGS, 0), I(RESULT, 4));
	CALL(FOPEN, 2, 1, S(PATH, "/fopen-e"), S(MODE, "re"), I(RESULT, 5));
	CALL(SOCKET, 3, 1, I(TYPE, SOCK_STREAM | SOCK_CLOEXEC),
	     I(RESULT, 6));
	CALL(PIPE2, 4, 1, I(FLAGS, O_CLOEXEC), I(FD, 7), I(FD2, 8),
	     I(RESULT, 0));
	CALL(FCNTL, 5, 1, I(FD, 4), I(CMD, F_DUPFD_CLOEXEC), I(ARG, 9),
	     I(RESULT, 9));
	CALL(DUP3, 6, 1, I(FD, 4), I(ARG, 10), I(FLAGS, O_CLOEXEC),
	     I(RESULT, 10));
	CALL(OPEN, 7, 1, S(PATH, "/setfd"), I(FLAGS, 0), I(RESULT, 11));
	CALL(FCNTL, 8, 1, I(FD, 11), I(CMD, F_SETFD), I(ARG, FD_CLOEXEC),
	     I(RESULT, 0));
	CALL(OPEN, 9, 1, S(PATH, "/unset"), I(FLAGS, O_CLOEXEC),
	     I(RESULT, 12));
	CALL(FCNTL, 10, 1, I(FD, 12), I(CMD, F_SETFD), I(ARG, 0),
	     I(RESULT, 0));
	CALL(EVENTFD, 11, 1, I(COUNT, 0), I(FLAGS, 02000000), I(RESULT, 13));
	CALL(OPEN, 12, 1, S(PATH, "/range"), I(FLAGS, 0), I(RESULT, 20));
	CALL(CLOSE_RANGE, 13, 1, I(FD, 20), I(ARG, 30), I(FLAGS, 4),
	     I(RESULT, 0));
	CALL(EXEC, 14, 0, S(PATH, "/bin/next"), I(FLOW_OUT, 77));
	start_image(77, "/", NULL);
	for (int fd = 3; fd <= 13; fd++)
		READ(1 + fd, fd, fd);
	READ(30, 20, 20);
}

Test(merge_fds, exec_keeps_the_fds_that_do_not_close_on_exec,
     .init = setup, .fini = teardown)
{
	test_in_child(before_exec);
	merge();
	cr_assert_eq(test_db_int(test_path(out, "t.db"),
				 "SELECT COUNT(*) FROM process"), 1);
	expect_path(3, NULL);
	expect_path(4, "/kept");
	expect_path(5, NULL);
	expect_path(6, NULL);
	expect_path(7, NULL);
	expect_path(8, NULL);
	expect_path(9, NULL);
	expect_path(10, NULL);
	expect_path(11, NULL);
	expect_path(12, "/unset");
	expect_path(13, NULL);
	expect_path(20, NULL);
}

/*
 * A fork's child starts with its parent's fds as they were at the fork,
 * whatever the parent does after. A vfork's child execs first: it keeps
 * what does not close on exec, and its start tells what the kernel names
 * its fds 0-2, which it may have changed unseen: a name of another file
 * or pipe replaces what it was handed, an empty name is a closed fd.
 */
static void fork_child(void)
{
	start_image(501, NULL, NULL);
	READ(0, 3, 1);
	READ(1, 4, 2);
	CALL(OPEN, 2, 1, S(PATH, "rel"), I(FLAGS, 0), I(RESULT, 5));
}

static void vfork_child(void)
{
	static const char *const stdio[3] = { "pipe:[99]", "/out", "" };

	start_image(502, "/", stdio);
	READ(0, 3, 3);
	READ(1, 0, 5);
	READ(2, 1, 6);
	READ(3, 2, 7);
	READ(4, 5, 8);
}

static void forking_parent(void)
{
	pid_t child;

	start_image(0, "/home", NULL);
	CALL(OPEN, 0, 1, S(PATH, "/a"), I(FLAGS, O_CLOEXEC), I(RESULT, 3));
	CALL(OPEN, 1, 1, S(PATH, "/b"), I(FLAGS, 0), I(RESULT, 4));
	child = test_in_child(fork_child);
	CALL(FORK, 2, 2, I(RESULT, child), I(CHILD_PID, child),
	     I(FLOW_OUT, 501));
	CALL(CLOSE, 5, 1, I(FD, 3), I(RESULT, 0));
	CALL(OPEN, 6, 1, S(PATH, "/c"), I(FLAGS, 0), I(RESULT, 3));
	READ(7, 3, 4);
	CALL(PIPE, 8, 1, I(FD, 0), I(FD2, 5), I(INODE, 81234), I(RESULT, 0));
	CALL(OPEN, 9, 1, S(PATH, "/d"), I(FLAGS, 0), I(RESULT, 1));
	CALL(OPEN, 10, 1, S(PATH, "/e"), I(FLAGS, 0), I(RESULT, 2));
	child = test_in_child(vfork_child);
	CALL(FORK, 11, 2, I(RESULT, child), I(CHILD_PID, child),
	     I(FLOW_OUT, 502), I(VFORK, 1));
}

Test(merge_fds, a_fork_child_inherits_its_parents_fds, .init = setup,
     .fini = teardown)
{
	test_in_child(forking_parent);
	merge();
	expect_path(1, "/a");
	expect_path(2, "/b");
	expect_path(4, "/c");
	/* The vfork child's. */
	expect_path(3, "/c");
	expect_path(5, "pipe:[99]");
	expect_path(6, "/out");
	expect_path(7, NULL);
	expect_path(8, "pipe:[81234]");
	/* The child had its parent's working directory. */
	cr_expect_eq(test_db_int(test_path(out, "t.db"),
				 "SELECT COUNT(*) FROM args WHERE "
				 "string_value = '/home/rel'"), 1);
}

/* A vfork child's start names its fds 1 and 2 by their sockets' inodes:
 * the one it was handed keeps its peer's name, the other is replaced. */
static void socket_vfork_child(void)
{
	static const char *const stdio[3] = { NULL, "socket:[555]",
					      "socket:[601]" };

	start_image(503, "/", stdio);
	READ(0, 1, 1);
	READ(1, 2, 2);
}

static void socket_parent(void)
{
	pid_t child;

	start_image(0, "/", NULL);
	CALL(ACCEPT, 0, 1, I(FD, 9), S(ADDR, "10.0.0.1:80"), I(INODE, 555),
	     I(RESULT, 1));
	CALL(ACCEPT, 1, 1, I(FD, 9), S(ADDR, "10.0.0.2:80"), I(INODE, 600),
	     I(RESULT, 2));
	child = test_in_child(socket_vfork_child);
	CALL(FORK, 2, 2, I(RESULT, child), I(CHILD_PID, child),
	     I(FLOW_OUT, 503), I(VFORK, 1));
}

Test(merge_fds, a_socket_handed_by_its_peer_keeps_that_name, .init = setup,
     .fini = teardown)
{
	test_in_child(socket_parent);
	merge();
	expect_path(1, "10.0.0.1:80");
	expect_path(2, "socket:[601]");
}

/* Fds and copies of fds the merge never saw made are never named. */
static void unknown_fds(void)
{
	start_image(0, "/", NULL);
	READ(0, 7, 1);
	CALL(DUP, 1, 1, I(FD, 7), I(RESULT, 8));
	READ(2, 8, 2);
	CALL(OPEN, 3, 1, S(PATH, "/known"), I(FLAGS, 0), I(RESULT, 5));
	CALL(DUP2, 4, 1, I(FD, 9), I(ARG, 5), I(RESULT, 5));
	READ(5, 5, 3);
	/* An open whose path the record lacks. */
	CALL(OPEN, 6, 1, S(PATH, "/x"), I(FLAGS, 0), I(RESULT, 10));
	CALL(OPENAT, 7, 1, I(RESULT, 10));
	READ(8, 10, 4);
}

Test(merge_fds, an_fd_the_merge_cannot_name_stays_unnamed, .init = setup,
     .fini = teardown)
{
	test_in_child(unknown_fds);
	merge();
	expect_path(1, NULL);
	expect_path(2, NULL);
	expect_path(3, NULL);
	expect_path(4, NULL);
}

/* Relative paths are joined to the working directory of their moment. */
static void relative_paths(void)
{
	start_image(0, "/w", NULL);
	CALL(OPEN, 0, 1, S(PATH, "./x//y"), I(FLAGS, 0), I(RESULT, 3));
	READ(1, 3, 1);
	CALL(CHDIR, 2, 1, S(PATH, "sub/./d/"), I(RESULT, 0));
	CALL(STAT, 3, 1, S(PATH, "z"), I(COUNT, 2), I(RESULT, 0));
	CALL(RENAME, 4, 1, S(PATH, "/abs/../p"), S(NEW_PATH, "q"),
	     I(COUNT, 3), I(RESULT, 0));
	/* A path relative to a dirfd the preload could not join. */
	CALL(OPENAT, 5, 1, S(PATH, "in-dir"), I(DIRFD, 9), I(COUNT, 4),
	     I(RESULT, 4));
	READ(6, 4, 5);
	CALL(OPENDIR, 7, 1, S(PATH, "/etc"), I(RESULT, 6));
	CALL(FCHDIR, 8, 1, I(FD, 6), I(RESULT, 0));
	CALL(OPEN, 9, 1, S(PATH, "passwd"), I(FLAGS, 0), I(RESULT, 7));
	READ(10, 7, 6);
	/* A failed chdir changes nothing. */
	call_at(KEKE_CALL_CHDIR, 11, 1, 2, FIELDS(S(PATH, "/nowhere"),
						  I(RESULT, -1)));
	CALL(STAT, 12, 1, S(PATH, "group"), I(COUNT, 7), I(RESULT, 0));
}

Test(merge_fds, relative_paths_follow_chdir, .init = setup,
     .fini = teardown)
{
	char *p;

	test_in_child(relative_paths);
	merge();
	expect_path(1, "/w/x/y");
	expect_path(2, "/w/sub/d/z");
	expect_path(3, "/abs/../p");
	p = arg_of(3, "new_path");
	cr_expect(p && !strcmp(p, "/w/sub/d/q"), "new_path %s", p);
	free(p);
	expect_path(4, "in-dir");
	expect_path(5, "in-dir");
	expect_path(6, "/etc/passwd");
	expect_path(7, "/etc/group");
}

/* Fds without a path get the kernel's kind of name. */
static void pathless(void)
{
	start_image(0, "/", NULL);
	CALL(PIPE, 0, 1, I(FD, 3), I(FD2, 4), I(RESULT, 0));
	CALL(SOCKETPAIR, 1, 1, I(FD, 5), I(FD2, 6), I(RESULT, 0));
	CALL(EPOLL_CREATE1, 2, 1, I(FLAGS, 0), I(RESULT, 7));
	CALL(MEMFD_CREATE, 3, 1, S(NAME, "jit"), I(FLAGS, 0), I(RESULT, 8));
	CALL(SIGNALFD, 4, 1, I(FD, -1), I(RESULT, 9));
	CALL(TIMERFD_CREATE, 5, 1, I(RESULT, 10));
	CALL(INOTIFY_INIT1, 6, 1, I(FLAGS, 0), I(RESULT, 11));
	CALL(MKSTEMP, 7, 1, S(PATH, "/tmp/fooXyz12"), I(RESULT, 12));
	CALL(TMPFILE, 8, 1, S(PATH, "/tmp/#99 (deleted)"), I(RESULT, 13));
	for (int fd = 3; fd <= 13; fd++)
		READ(10 + fd, fd, fd);
	CALL(COPY_FILE_RANGE, 30, 1, I(FD_IN, 12), I(FD, 13), I(COUNT, 99),
	     I(RESULT, 5));
	CALL(CLOSEFROM, 31, 1, I(FD, 5));
	READ(32, 3, 100);
	READ(33, 12, 101);
}

Test(merge_fds, fds_without_a_path_have_the_kernels_names, .init = setup,
     .fini = teardown)
{
	char *in, *other, *pipe_end;

	test_in_child(pathless);
	merge();
	pipe_end = arg_of(3, "path");
	cr_assert(pipe_end && !strncmp(pipe_end, "pipe:[", 6), "%s",
		  pipe_end);
	expect_path(4, pipe_end);
	in = arg_of(5, "path");
	cr_assert(in && !strncmp(in, "socket:[", 8), "%s", in);
	other = arg_of(6, "path");
	cr_expect(other && strncmp(other, "socket:[", 8) == 0 &&
		  strcmp(in, other), "ends %s and %s", in, other);
	free(other);
	expect_path(7, "anon_inode:[eventpoll]");
	expect_path(8, "/memfd:jit (deleted)");
	expect_path(9, "anon_inode:[signalfd]");
	expect_path(10, "anon_inode:[timerfd]");
	expect_path(11, "anon_inode:inotify");
	expect_path(12, "/tmp/fooXyz12");
	expect_path(13, "/tmp/#99 (deleted)");
	expect_path(99, "/tmp/#99 (deleted)");
	free(in);
	in = arg_of(99, "path_in");
	cr_expect(in && !strcmp(in, "/tmp/fooXyz12"), "path_in %s", in);
	expect_path(100, pipe_end);
	expect_path(101, NULL);
	free(in);
	free(pipe_end);
}

/* system() and popen(): the shell gets what survives its exec, popen's
 * the pipe at fd 0 or 1. */
static void shell(void)
{
	start_image(0, NULL, NULL);
	READ(0, 3, 1);
	READ(1, 4, 2);
	READ(2, 1, 3);
}

static void shelling_parent(void)
{
	start_image(0, "/", terminal);
	CALL(OPEN, 0, 1, S(PATH, "/cloexec"), I(FLAGS, O_CLOEXEC),
	     I(RESULT, 3));
	CALL(OPEN, 1, 1, S(PATH, "/kept"), I(FLAGS, 0), I(RESULT, 4));
	CALL(POPEN, 2, 1, S(COMMAND, "sort"), S(MODE, "r"), I(FD, 5),
	     I(RESULT, 0));
	READ(3, 5, 10);
	test_in_child(shell);
}

Test(merge_fds, a_shell_inherits_what_survives_exec, .init = setup,
     .fini = teardown)
{
	char *parent_end;

	test_in_child(shelling_parent);
	merge();
	parent_end = arg_of(10, "path");
	cr_assert(parent_end && !strncmp(parent_end, "pipe:[", 6), "%s",
		  parent_end);
	expect_path(1, NULL);
	expect_path(2, "/kept");
	expect_path(3, parent_end);
	free(parent_end);
}

/* A fork on one thread while another closes and reopens an fd: the child
 * may have got either, and is told neither. */
static void *closer(void *arg)
{
	(void)arg;
	CALL(CLOSE, 3, 1, I(FD, 4), I(RESULT, 0));
	CALL(OPEN, 4, 1, S(PATH, "/new"), I(FLAGS, 0), I(RESULT, 4));
	return NULL;
}

static void racing_fork_child(void)
{
	start_image(601, "/", NULL);
	READ(0, 3, 1);
	READ(1, 4, 2);
}

static void racing_fork(void)
{
	pid_t child;

	start_image(0, "/", NULL);
	CALL(OPEN, 0, 1, S(PATH, "/steady"), I(FLAGS, 0), I(RESULT, 3));
	CALL(OPEN, 1, 1, S(PATH, "/old"), I(FLAGS, 0), I(RESULT, 4));
	child = test_in_child(racing_fork_child);
	CALL(FORK, 2, 5, I(RESULT, child), I(CHILD_PID, child),
	     I(FLOW_OUT, 601));
	on_thread(closer);
}

Test(merge_fds, a_fork_racing_another_thread_hands_what_is_sure,
     .init = setup, .fini = teardown)
{
	test_in_child(racing_fork);
	merge();
	expect_path(1, "/steady");
	expect_path(2, NULL);
}
