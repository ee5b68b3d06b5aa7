// SPDX-License-Identifier: MIT
/*
 * `keke export` and `keke run --otlp-endpoint`: runs sent to otlp_sink
 * (../shared/viewers: an OTLP/HTTP receiver that decodes each request
 * with OpenTelemetry's generated code) hold one trace whose process spans
 * form keke.db's process tree; OTLP files in every form pass check_otlp;
 * busy endpoints are retried as they ask, refusing and dead ones give one
 * clear line and leave keke.db written; the ids a database carries
 * (span_id, remote_parent_span_id, trace_state) are the spans' own; and a
 * Node.js program using OpenTelemetry's SDK joins keke's trace.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"

TEST_SCRATCH_DIR

static pid_t sink_pid;

/* Stops otlp_sink, when a test started it, then clears the scratch dir. */
static void stop_sink(void)
{
	if (sink_pid > 0) {
		kill(sink_pid, SIGTERM);
		waitpid(sink_pid, NULL, 0);
		sink_pid = 0;
	}
	teardown();
}

TestSuite(otlp_export, .init = setup, .fini = stop_sink, .timeout = 600);

/* The checker @name of ../shared/viewers, or skips the test. */
static const char *viewer(const char *name)
{
	static char path[2][4096];
	static int i;
	char *p = path[i++ & 1];

	snprintf(p, sizeof(path[0]), "%s/../../shared/viewers/%s",
		 getenv("KEKE_TESTS_SRC"), name);
	if (access(p, R_OK) != 0)
		cr_skip_test("no %s to check with (%s)", name, p);
	return p;
}

/*
 * Starts otlp_sink on a free port, writing into out/sink. Returns the
 * endpoint URL.
 */
static const char *start_sink(void)
{
	static char url[128];
	const char *sink = viewer("otlp_sink");
	const char *log = test_path(out, "sink.log");
	char *text;
	const char *at;

	sink_pid = fork();
	cr_assert_geq(sink_pid, 0);
	if (sink_pid == 0) {
		if (!freopen(log, "w", stdout))
			_exit(127);
		setpgid(0, 0);
		execl("/bin/sh", "sh", sink, "0", test_path(out, "sink"),
		      (char *)NULL);
		_exit(127);
	}
	/* npm may install its dependencies first. */
	for (int i = 0; i < 3000; i++) {
		text = test_read_file(log, NULL);
		at = text ? strstr(text, "listening on ") : NULL;
		if (at && strchr(at, ',')) {
			snprintf(url, sizeof(url), "%.*s",
				 (int)strcspn(at + 13, ","), at + 13);
			free(text);
			return url;
		}
		free(text);
		cr_assert_eq(waitpid(sink_pid, NULL, WNOHANG), 0,
			     "otlp_sink ended before listening");
		usleep(100 * 1000);
	}
	cr_assert_fail("otlp_sink did not start in 5 minutes");
	return NULL;
}

/* Everything the sink accepted, as one OTLP/JSON file out/all.jsonl;
 * fails the test when it rejected a request. Returns the file. */
static const char *received(void)
{
	struct outcome o;

	o = sh(fmt("cd '%s' && ls sink && ! ls sink | grep rejected && "
		   "cat sink/*.json > all.jsonl", out));
	cr_assert_eq(o.code, 0, "the sink rejected a request or has "
		     "none:\n%s%s", o.out, o.err);
	outcome_free(&o);
	return test_path(out, "all.jsonl");
}

/* check_otlp's verdict on @path: accepted, and its "spans N" count. */
static long check_otlp(const char *path)
{
	struct outcome o = sh(fmt("sh '%s' '%s'", viewer("check_otlp"),
				  path));
	const char *at = strstr(o.out, "spans ");
	long n;

	cr_assert_eq(o.code, 0, "check_otlp rejected %s:\n%s%s", path,
		     o.out, o.err);
	cr_assert(strstr(o.out, "accepted"), "%s", o.out);
	cr_assert(at, "%s", o.out);
	n = atol(at + 6);
	outcome_free(&o);
	return n;
}

/* otlp_tree.py @args (tests/). Returns its output; fails on status. */
static char *otlp_tree(const char *args)
{
	struct outcome o = sh(fmt("python3 '%s/otlp_tree.py' %s",
				  getenv("KEKE_TESTS_SRC"), args));

	cr_assert_eq(o.code, 0, "otlp_tree.py %s:\n%s%s", args, o.out, o.err);
	free(o.err);
	return o.out;
}

/* A make -j2 of three C files in out/proj. */
static void make_project(void)
{
	struct outcome o = sh(fmt(
		"mkdir -p '%s/proj' && cd '%s/proj' && "
		"for i in 1 2 3; do echo \"int f$i(void) { return $i; }\" "
		"> f$i.c; done && printf 'all: f1.o f2.o f3.o\\n\\n%%.o: "
		"%%.c\\n\\tcc -c $< -o $@\\n' > Makefile", out, out));

	cr_assert_eq(o.code, 0, "%s", o.err);
	outcome_free(&o);
}

Test(otlp_export, make_j2_is_one_trace_shaped_like_the_process_tree)
{
	const char *url = start_sink();
	struct outcome o;
	char *tree;

	make_project();
	o = sh(fmt("cd '%s/proj' && '%s' run --otlp-endpoint '%s' -- make "
		   "-s -j2", out, test_keke_bin(), url));
	cr_assert_eq(o.code, 0, "keke run failed:\n%s", o.err);
	cr_assert(strstr(o.err, "keke: sent to"), "%s", o.err);
	outcome_free(&o);
	cr_assert_gt(check_otlp(received()), 10);
	tree = otlp_tree(fmt("tree '%s' '%s/proj/keke.db'", received(), out));
	/* make, and cc, cc1 and as for each of three files at least. */
	cr_assert(strstr(tree, " 1 roots"), "%s", tree);
	cr_assert_geq(atoi(strstr(tree, "tree: ") + 6), 10, "%s", tree);
	cr_assert_geq(test_db_int(test_path(out, "proj/keke.db"),
				  "SELECT COUNT(*) FROM process WHERE name = "
				  "'cc1'"), 3);
	free(tree);
}

/* Traces a shell that fails a call and a child into out/keke.db. */
static void small_run(void)
{
	struct outcome o = sh(fmt(
		"cd '%s' && '%s' run -q -- sh -c 'ls /nonexistent 2>/dev/null;"
		" cat /etc/hostname >/dev/null; sleep 0.01'", out,
		test_keke_bin()));

	cr_assert_eq(o.code, 0, "keke run failed:\n%s", o.err);
	outcome_free(&o);
}

/* keke export --otlp @name (with @opts) of out/keke.db. */
static void export_file(const char *name, const char *opts)
{
	struct outcome o = sh(fmt("cd '%s' && '%s' export -q %s --otlp '%s' "
				  "keke.db", out, test_keke_bin(), opts,
				  name));

	cr_assert_eq(o.code, 0, "keke export --otlp %s failed:\n%s", name,
		     o.err);
	cr_assert_str_empty(o.err);
	outcome_free(&o);
}

Test(otlp_export, files_in_json_protobuf_and_gzip_pass_check_otlp)
{
	static const char *const names[] = { "t.json", "t.json.gz", "t.pb",
					      "t.binpb.gz" };
	long spans[4];
	char *head;

	small_run();
	for (int i = 0; i < 4; i++) {
		export_file(names[i], "--min-dur 0");
		spans[i] = check_otlp(test_path(out, names[i]));
		cr_assert_eq(spans[i], spans[0], "%s: %ld spans, %s: %ld",
			     names[i], spans[i], names[0], spans[0]);
	}
	/* sh, and ls, cat and sleep, each forked by sh then exec'd. */
	cr_assert_gt(spans[0], 7);
	head = test_read_file(test_path(out, "t.json"), NULL);
	cr_assert(head && !strncmp(head, "{\"resourceSpans\":[", 18), "%.80s",
		  head);
	cr_assert(strstr(head, "\"status\":{\"message\":\"ENOENT\",\"code\":2}"),
		  "a failed call is no ERROR span");
	cr_assert(strstr(head, "{\"key\":\"file.path\",\"value\":"
			       "{\"stringValue\":\"/etc/hostname\"}}"));
	cr_assert(strstr(head, "\"process.executable.name\""));
	cr_assert(strstr(head, "\"links\":["));
	free(head);
	/* Gzip really compresses; protobuf is not JSON. */
	cr_assert_eq(test_exit_code(test_sh(fmt("cd '%s' && gzip -t "
						"t.json.gz t.binpb.gz && ! "
						"grep -q resourceSpans t.pb",
						out), NULL, NULL)), 0);
}

Test(otlp_export, min_dur_leaves_calls_out_and_counts_them)
{
	char *all;

	small_run();
	export_file("all.json", "--min-dur 0");
	export_file("few.json", "--min-dur 1h");
	/* Only the process spans are left. */
	cr_assert_eq(check_otlp(test_path(out, "few.json")),
		     test_db_int(test_path(out, "keke.db"), "SELECT COUNT(*) "
				 "FROM slice WHERE depth = 0 AND category = "
				 "'process'"));
	cr_assert_gt(check_otlp(test_path(out, "all.json")),
		     check_otlp(test_path(out, "few.json")));
	all = test_read_file(test_path(out, "few.json"), NULL);
	cr_assert(strstr(all, "\"keke.calls_left_out\""));
	free(all);
}

/*
 * A loopback HTTP responder: answers each request in turn with the next
 * of @answers (a status line and headers, "\r\n"-ended; NULL ends them),
 * then 200,
 * and writes the CLOCK_MONOTONIC ms of each request, one per line, into
 * out/requests. Returns its port; it ends after @n requests.
 */
static int responder(const char *const *answers, int n)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int refusals = 0;
	pid_t pid;

	while (answers[refusals])
		refusals++;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		  listen(s, 8) == 0 &&
		  getsockname(s, (struct sockaddr *)&a, &len) == 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid > 0) {
		close(s);
		sink_pid = pid;
		return ntohs(a.sin_port);
	}
	for (int i = 0; i < n; i++) {
		char buf[65536], *end = NULL;
		size_t got = 0, need = 0;
		struct timespec t;
		FILE *f;
		int c = accept(s, NULL, NULL);

		if (c < 0)
			_exit(1);
		/* The headers, then Content-Length bytes of body. */
		while (got < sizeof(buf) - 1) {
			ssize_t r = read(c, buf + got, sizeof(buf) - 1 - got);

			if (r <= 0)
				break;
			got += (size_t)r;
			buf[got] = '\0';
			end = strstr(buf, "\r\n\r\n");
			if (end && !need) {
				char *cl = strcasestr(buf, "content-length:");

				need = (size_t)(end + 4 - buf) +
				       (cl ? strtoul(cl + 15, NULL, 10) : 0);
			}
			if (need && got >= need)
				break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		f = fopen(test_path(out, "requests"), "a");
		if (f) {
			fprintf(f, "%lld\n", (long long)t.tv_sec * 1000 +
				t.tv_nsec / 1000000);
			fclose(f);
		}
		dprintf(c, "%sContent-Length: 0\r\nConnection: close\r\n\r\n",
			i < refusals ? answers[i] :
			"HTTP/1.1 200 OK\r\nContent-Type: "
			"application/x-protobuf\r\n");
		close(c);
	}
	_exit(0);
}

/* keke export of a small run to a responder() with @answers, which
 * ends after @n requests. */
static struct outcome export_to_responder(const char *const *answers, int n)
{
	int port;

	small_run();
	port = responder(answers, n);
	return sh(fmt("cd '%s' && '%s' export --otlp-endpoint "
		      "http://127.0.0.1:%d/v1/traces keke.db", out,
		      test_keke_bin(), port));
}

Test(otlp_export, busy_endpoint_is_retried_after_its_retry_after)
{
	static const char *const answers[] = {
		"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\n",
		"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n",
		NULL,
	};
	struct outcome o = export_to_responder(answers, 3);
	long long t[3];
	FILE *f;

	cr_assert_eq(o.code, 0, "not sent after a 429 and a 503:\n%s", o.err);
	cr_assert(strstr(o.err, "keke: sent to"), "%s", o.err);
	outcome_free(&o);
	f = fopen(test_path(out, "requests"), "r");
	cr_assert(f);
	cr_assert_eq(fscanf(f, "%lld %lld %lld", &t[0], &t[1], &t[2]), 3,
		     "three requests: the first refused twice");
	fclose(f);
	cr_assert_geq(t[1] - t[0], 1900, "Retry-After: 2 waited %lld ms",
		      t[1] - t[0]);
	cr_assert_geq(t[2] - t[1], 900, "Retry-After: 1 waited %lld ms",
		      t[2] - t[1]);
}

Test(otlp_export, refusing_endpoint_gives_one_clear_line)
{
	static const char *const answers[] = {
		"HTTP/1.1 400 Bad Request\r\nContent-Type: "
		"application/json\r\n",
		NULL,
	};
	struct outcome o = export_to_responder(answers, 1);

	cr_assert_eq(o.code, 1, "%s", o.err);
	cr_assert(strstr(o.err, "keke: spans NOT sent to OTLP endpoint "
			 "http://127.0.0.1:"), "%s", o.err);
	cr_assert(strstr(o.err, "HTTP 400"), "%s", o.err);
	cr_assert_eq(strchr(o.err, '\n'), o.err + strlen(o.err) - 1,
		     "one line:\n%s", o.err);
	outcome_free(&o);
}

/* A loopback port nothing listens on. */
static int closed_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert(s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
		  getsockname(s, (struct sockaddr *)&a, &len) == 0);
	close(s);
	return ntohs(a.sin_port);
}

Test(otlp_export, dead_endpoint_fails_the_run_but_keeps_its_outputs)
{
	struct outcome o;

	o = sh(fmt("cd '%s' && '%s' run -q --otlp-endpoint "
		   "http://127.0.0.1:%d/v1/traces -- sh -c 'exit 0'", out,
		   test_keke_bin(), closed_port()));
	cr_assert_eq(o.code, 1, "CMD succeeded, an output was lost:\n%s",
		     o.err);
	cr_assert(strstr(o.err, "keke: spans NOT sent to OTLP endpoint"),
		  "%s", o.err);
	cr_assert(strstr(o.err, "onnect"), "%s", o.err);
	outcome_free(&o);
	cr_assert_geq(test_db_int(test_path(out, "keke.db"),
				  "SELECT COUNT(*) FROM process"), 1);
	cr_assert_eq(access(test_path(out, "keke.json"), R_OK), 0);

	/* CMD's own failure still wins. */
	o = sh(fmt("cd '%s' && '%s' run -q --otlp-endpoint "
		   "http://127.0.0.1:%d/v1/traces -- sh -c 'exit 5'", out,
		   test_keke_bin(), closed_port()));
	cr_assert_eq(o.code, 5, "%s", o.err);
	outcome_free(&o);
}

Test(otlp_export, trace_dirs_are_merged_first)
{
	struct outcome o = sh(fmt(
		"cd '%s' && mkdir dir && '%s' run -q --keep --dir dir "
		"--no-json --no-db -- sh -c 'sleep 0.01' && '%s' export -q "
		"--otlp t.json dir/keke-*", out, test_keke_bin(),
		test_keke_bin()));

	cr_assert_eq(o.code, 0, "%s", o.err);
	outcome_free(&o);
	cr_assert_geq(check_otlp(test_path(out, "t.json")), 3);
	o = sh(fmt("cd '%s' && '%s' export --otlp t.json nothing.db", out,
		   test_keke_bin()));
	cr_assert_eq(o.code, 1);
	cr_assert(strstr(o.err, "nothing.db"), "%s", o.err);
	outcome_free(&o);
}

Test(otlp_export, traceparent_given_to_keke_run_is_the_remote_parent)
{
	const char *url = start_sink();
	struct outcome o;
	char *shown, *root;

	o = sh(fmt("cd '%s' && TRACEPARENT=00-4bf92f3577b34da6a3ce929d0e0e4736"
		   "-00f067aa0ba902b7-01 TRACESTATE=congo=t61rcWkgMzE '%s' run "
		   "--otlp-endpoint '%s' -- sh -c 'sleep 0.01; true'", out,
		   test_keke_bin(), url));
	cr_assert_eq(o.code, 0, "keke run failed:\n%s", o.err);
	outcome_free(&o);
	check_otlp(received());
	shown = otlp_tree(fmt("show '%s'", received()));
	/* One root, sh's span, whose parent is the remote span. */
	root = fmt("sh pid %" PRId64 " span ", test_db_int(test_path(out,
		   "keke.db"), "SELECT pid FROM process WHERE parent_upid IS "
		   "NULL"));
	cr_assert(strstr(shown, root), "%s", shown);
	/* Its span id is the one keke.db gives it, which TRACEPARENT named
	 * inside it. */
	cr_assert(strstr(shown, fmt("%s%s parent", root, test_db_str(
		test_path(out, "keke.db"), "SELECT a.string_value FROM args a "
		"JOIN process p USING (arg_set_id) WHERE p.parent_upid IS NULL "
		"AND a.key = 'span_id'"))), "%s", shown);
	cr_assert(strstr(shown, "parent 00f067aa0ba902b7 flags 769"),
		  "the root's parent is remote (0x300 | sampled):\n%s", shown);
	cr_assert(!strstr(strstr(shown, "flags 769") + 1, "parent "),
		  "more than one root:\n%s", shown);
	free(shown);
	shown = test_read_file(received(), NULL);
	cr_assert(strstr(shown, "\"traceId\":\"4bf92f3577b34da6a3ce929d0e0e"
			 "4736\""), "%s", shown);
	cr_assert(strstr(shown, "\"traceState\":\"congo=t61rcWkgMzE\""));
	free(shown);
}

/*
 * OpenTelemetry's JS SDK (tests/node/package.json, pinned) installed into
 * a cache directory outside the tree; skips the test when npm cannot.
 * Returns the directory.
 */
static const char *node_sdk(void)
{
	static char dir[4096];
	const char *cache = getenv("XDG_CACHE_HOME");
	struct outcome o;

	if (test_exit_code(test_sh("node --version && npm --version", NULL,
				   NULL)) != 0)
		cr_skip_test("node and npm are needed to run "
			     "OpenTelemetry's JS SDK");
	snprintf(dir, sizeof(dir), "%s/keke-node-otel", cache && *cache ?
		 cache : fmt("%s/.cache", getenv("HOME")));
	o = sh(fmt("mkdir -p '%s' && cd '%s' && ( flock 9 && { cmp -s "
		   "'%s/node/package.json' package.json && [ -d "
		   "node_modules/@opentelemetry/sdk-trace-base ] || { cp "
		   "'%s/node/package.json' package.json && npm install "
		   "--no-audit --no-fund --silent; }; } ) 9>.lock", dir, dir,
		   getenv("KEKE_TESTS_SRC"), getenv("KEKE_TESTS_SRC")));
	if (o.code != 0)
		cr_skip_test("npm could not install OpenTelemetry's JS SDK "
			     "(is the npm registry reachable?):\n%s", o.err);
	outcome_free(&o);
	return dir;
}

Test(otlp_export, node_program_joins_through_traceparent)
{
	struct outcome o;
	const char *url, *sdk;
	char *joined;

	sdk = node_sdk();
	url = start_sink();
	o = sh(fmt("cd '%s' && '%s' run --traceparent --otlp-endpoint '%s' "
		   "-- sh -c \"node '%s/node/traceparent_child.cjs' '%s' '%s'; "
		   "true\"", out, test_keke_bin(), url,
		   getenv("KEKE_TESTS_SRC"), sdk, url));
	cr_assert_eq(o.code, 0, "keke run failed:\n%s", o.err);
	cr_assert(strstr(o.out, "node work "), "the node program said:\n%s%s",
		  o.out, o.err);
	outcome_free(&o);
	/* Both keke's spans and node's, one trace, every parent there. */
	check_otlp(received());
	joined = otlp_tree(fmt("joined '%s' 'node work' node", received()));
	free(joined);
}
