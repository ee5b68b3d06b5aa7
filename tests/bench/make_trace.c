// SPDX-License-Identifier: MIT
/*
 * M1's input: `make_trace DIR [PROCS THREADS EVENTS]` fills the trace dir
 * DIR (created, mode 0700, when missing) through the writer, as PROCS traced
 * processes would (default 100), each with THREADS threads (default 4: the
 * main thread and three more) that record EVENTS slices each (default
 * 25,000), shaped like read(2) calls: duration, fd, count and result.
 * Every process also records its start and its end, so the merge sees
 * whole processes. Prints the number of records written; exits 1 when a
 * process could not write them all.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "record/clock.h"
#include "runtime/writer.h"

#define TICKS_APART 1000	/* between two slices of one thread */
#define TICKS_LONG 400		/* each slice's duration */
#define MAX_THREADS 64

static long events;

/*
 * Records @events read-like slices in the calling thread, one TICKS_APART
 * after the other from now. Returns the tick after the last slice, or 0
 * when a record was dropped.
 */
static uint64_t record_slices(void)
{
	uint64_t ts = keke_now();

	for (long i = 0; i < events; i++, ts += TICKS_APART) {
		struct keke_rec r;

		if (!keke_rec_begin(&r, KEKE_REC_SLICE, KEKE_CALL_READ, 0, ts,
				    KEKE_REC_MAX_LEN(4, 0)))
			return 0;
		keke_rec_int(&r, KEKE_KEY_DUR, TICKS_LONG);
		keke_rec_int(&r, KEKE_KEY_FD, 3 + i % 5);
		keke_rec_int(&r, KEKE_KEY_COUNT, 4096);
		keke_rec_int(&r, KEKE_KEY_RESULT, i % 7 ? 4096 : 17);
		keke_rec_commit(&r);
	}
	return ts;
}

static void *thread_main(void *arg)
{
	uint64_t *end = arg;

	*end = record_slices();
	return NULL;
}

/* The start record of this process, as the preload writes it. */
static int record_start(const char *argv0)
{
	static const char cwd[] = "/work/bench";
	struct keke_rec r;

	if (!keke_rec_begin(&r, KEKE_REC_PROCESS_START, 0, 0, keke_now(),
			    KEKE_REC_MAX_LEN(2, KEKE_STR_MAX_LEN(64) * 3)))
		return -1;
	keke_rec_int(&r, KEKE_KEY_PID, getpid());
	keke_rec_int(&r, KEKE_KEY_PPID, getppid());
	keke_rec_str(&r, KEKE_KEY_EXE, "/usr/bin/reader", 15);
	keke_rec_str(&r, KEKE_KEY_CWD, cwd, sizeof(cwd) - 1);
	keke_rec_str(&r, KEKE_KEY_ARGV, argv0, strlen(argv0));
	keke_rec_commit(&r);
	return 0;
}

/* The end record: main returned with status 0, at @ts. */
static int record_end(uint64_t ts)
{
	struct keke_rec r;

	if (!keke_rec_begin(&r, KEKE_REC_PROCESS_END, 0, 0, ts,
			    KEKE_REC_MAX_LEN(2, 0)))
		return -1;
	keke_rec_int(&r, KEKE_KEY_STATUS, 0);
	keke_rec_int(&r, KEKE_KEY_HOW, KEKE_EXIT_MAIN_RETURN);
	keke_rec_commit(&r);
	keke_writer_refresh_anchor();
	return 0;
}

/*
 * One traced process: starts its record file in @dir, records with
 * @threads threads (this one included). Returns the exit status.
 */
static int child(const char *dir, int threads)
{
	struct keke_writer_config cfg = { .dir = dir,
					  .trace_id = { 0xbe, 0x4c } };
	pthread_t t[MAX_THREADS];
	uint64_t end[MAX_THREADS] = { 0 };
	uint64_t last = 0;
	int err;

	keke_clock_init(NULL);
	err = keke_writer_start(&cfg);
	if (err) {
		fprintf(stderr, "make_trace: %s: %s\n", dir, strerror(-err));
		return 1;
	}
	if (record_start("reader") != 0)
		return 1;
	for (int i = 1; i < threads; i++)
		if (pthread_create(&t[i], NULL, thread_main, &end[i]) != 0)
			return 1;
	end[0] = record_slices();
	for (int i = 1; i < threads; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < threads; i++) {
		if (!end[i])
			return 1;
		if (end[i] > last)
			last = end[i];
	}
	return record_end(last + TICKS_APART) ? 1 : 0;
}

int main(int argc, char **argv)
{
	int procs = argc > 2 ? atoi(argv[2]) : 100;
	int threads = argc > 3 ? atoi(argv[3]) : 4;
	int failed = 0, status;

	events = argc > 4 ? atol(argv[4]) : 25000;
	if (argc < 2 || procs < 1 || threads < 1 || threads > MAX_THREADS ||
	    events < 1) {
		fprintf(stderr, "usage: make_trace DIR [PROCS THREADS EVENTS]"
			" (1 to %d threads)\n", MAX_THREADS);
		return 2;
	}
	if (mkdir(argv[1], 0700) != 0 && errno != EEXIST) {
		perror(argv[1]);
		return 1;
	}
	for (int p = 0; p < procs; p++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("make_trace: fork");
			return 1;
		}
		if (pid == 0)
			_exit(child(argv[1], threads));
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	if (failed) {
		fprintf(stderr, "make_trace: a process could not record\n");
		return 1;
	}
	printf("%ld\n", (long)procs * threads * events + 2L * procs);
	return 0;
}
